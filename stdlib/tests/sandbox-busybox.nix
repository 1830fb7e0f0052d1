# A busybox of the shape of the host tool (`bin/busybox`, and a link for every applet), made from
# the sandbox's `/bin/sh`, itself busybox: real Nix cannot import a host tool, but builds this
# one as cairn does, so that both can evaluate and build the package set with it in an overlay.
derivation {
  name = "busybox";
  system = "x86_64-linux";
  builder = "/bin/sh";
  args = [
    "-c"
    ''
      mkdir -p $out/bin
      cp /bin/sh $out/bin/busybox
      for a in $($out/bin/busybox --list); do
        if [ $a != busybox ]; then ln -s busybox $out/bin/$a; fi
      done
    ''
  ];
}
