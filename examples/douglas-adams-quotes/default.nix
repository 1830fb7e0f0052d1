# The Douglas Adams quotes service, and its container image.
#
#   cairn build ./examples/douglas-adams-quotes -A docker    # ./result is a docker-archive
#   cairn build ./examples/douglas-adams-quotes -A bin       # just the program
#
# The host toolchains (busybox, Go, the CA bundle) are pinned in host-tools.json; after
# upgrading one, `cairn host-tools pin --file host-tools.json` records the new hash.
{
  pkgs ? import <cairn> { hostTools = ./host-tools.json; },
}:
let
  version = "1.0.0";
in
rec {
  bin = pkgs.buildGoModule {
    pname = "douglas-adams-quotes";
    inherit version;
    src = pkgs.lib.cleanSource ./.;
    vendorHash = null;
  };

  docker = pkgs.dockerTools.buildLayeredImage {
    name = "registry.fly.io/douglas-adams-quotes";
    tag = "latest";
    contents = [ pkgs.cacert ];
    config.Cmd = "${bin}/bin/douglas-adams-quotes";
  };

  default = docker;
}
