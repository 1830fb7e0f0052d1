# A container image built with cairn: a tiny program (a shell script run by the image's own
# static busybox) and its configuration, layered by `dockerTools.buildLayeredImage`.
#
#   cairn build ./examples/hello-image        # ./result is a docker-archive
#   docker load < result   (or: podman load < result, skopeo inspect docker-archive:result)
#
# The standard library is taken from this checkout by its path, so the image follows the
# sources; elsewhere `import <cairn> { }` is the copy bundled into cairn.
let
  docker = (import ../../stdlib { }).dockerTools;
  system = "x86_64-linux";

  # The shell and core utilities of the image: the sandbox's /bin/sh (the host's static
  # busybox) copied into a store path of its own. (Host tools pinned by their hash come with
  # the standard library's toolchains.)
  busybox = derivation {
    name = "busybox";
    inherit system;
    builder = "/bin/sh";
    args = [
      "-c"
      ''
        mkdir -p $out/bin
        cp /bin/sh $out/bin/busybox
        ln -s busybox $out/bin/sh
      ''
    ];
  };

  hello = derivation {
    name = "hello";
    inherit system;
    builder = "/bin/sh";
    args = [
      "-c"
      ''
        mkdir -p $out/bin
        printf '#!${busybox}/bin/sh\necho "Hello from a cairn image"\n' > $out/bin/hello
        chmod +x $out/bin/hello
      ''
    ];
  };
in
docker.buildLayeredImage {
  name = "example.org/hello";
  tag = "latest";
  contents = [ busybox ];
  config = {
    Cmd = [ "${hello}/bin/hello" ];
    Env = [ "PATH=/bin" ];
  };
}
