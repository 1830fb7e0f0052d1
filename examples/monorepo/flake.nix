{
  description = "Two Go services from one module, with an image each that share their layers";
  inputs.stdlib.url = "cairn:stdlib";
  outputs =
    { self, stdlib }:
    let
      pkgs = stdlib.legacyPackages.x86_64-linux;
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
    {
      packages.x86_64-linux = rec {
        quotes = service "quotes";
        facts = service "facts";
        quotes-image = image "quotes" quotes;
        facts-image = image "facts" facts;
        default = quotes-image;
      };
    };
}
