# A monorepo with two Go services, `quotes` and `facts`, built from one module, and an image
# for each. The images share every layer (the CA bundle, busybox) except each service's own.
#
#   cairn build ./examples/monorepo -A quotes-image
#   cairn build ./examples/monorepo -A facts-image
{
  pkgs ? import <cairn> { hostTools = ./host-tools.json; },
}:
let
  inherit (pkgs) lib;
  version = "1.0.0";
  src = lib.cleanSource ./.;

  service =
    name:
    pkgs.buildGoModule {
      pname = name;
      inherit version src;
      vendorHash = null;
      subPackages = [ "cmd/${name}" ];
    };

  image =
    name: bin:
    pkgs.dockerTools.buildLayeredImage {
      name = "example.org/monorepo/${name}";
      tag = version;
      contents = [
        pkgs.cacert
        pkgs.busybox
      ];
      config = {
        Cmd = [ "${bin}/bin/${name}" ];
        Env = [ "PATH=/bin" ];
        ExposedPorts."8080/tcp" = { };
      };
    };
in
rec {
  quotes = service "quotes";
  facts = service "facts";
  quotes-image = image "quotes" quotes;
  facts-image = image "facts" facts;
}
