# The monorepo's packages without the flake front: the flake's outputs, called with the
# bundled standard library and the pins of host-tools.json.
#
#   cairn build ./examples/monorepo -A quotes-image     (as a flake: ./examples/monorepo#quotes-image)
{
  pkgs ? import <cairn> { hostTools = ./host-tools.json; },
}:
let
  stdlib = {
    inherit (pkgs) lib;
    legacyPackages.x86_64-linux = pkgs;
  };
  outputs = (import ./flake.nix).outputs {
    self = outputs;
    inherit stdlib;
  };
in
outputs.packages.x86_64-linux
