{
  description = "Douglas Adams quotes";
  inputs.stdlib.url = "cairn:stdlib";
  outputs =
    { self, stdlib }:
    let
      pkgs = stdlib.legacyPackages.x86_64-linux;
      version = "1.0.0";
      bin = pkgs.buildGoModule {
        pname = "douglas-adams-quotes";
        inherit version;
        src = stdlib.lib.cleanSource ./.;
        vendorHash = null;
      };
    in
    {
      packages.x86_64-linux.default = bin;
      packages.x86_64-linux.docker = pkgs.dockerTools.buildLayeredImage {
        name = "registry.fly.io/douglas-adams-quotes";
        tag = "latest";
        contents = with pkgs; [ cacert ];
        config.Cmd = "${bin}/bin/douglas-adams-quotes";
      };
    };
}
