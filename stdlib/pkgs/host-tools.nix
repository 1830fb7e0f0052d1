# PLACEHOLDER (replaced by the pinned host-tool imports): busybox from the sandbox's /bin/sh.
{ lib, pins, pinFile }:
{
  busybox = derivation {
    name = "busybox";
    system = "x86_64-linux";
    builder = "/bin/sh";
    args = [
      "-c"
      ''
        mkdir -p $out/bin
        cp /bin/sh $out/bin/busybox
        for a in $($out/bin/busybox --list); do ln -s busybox $out/bin/$a; done
      ''
    ];
  };
  go = throw "go: not available yet";
  cacert = throw "cacert: not available yet";
}
