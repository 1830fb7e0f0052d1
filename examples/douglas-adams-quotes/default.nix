# The Douglas Adams quotes service and its image without the flake front: the flake's outputs,
# called with the bundled standard library and the pins of host-tools.json.
#
#   cairn build ./examples/douglas-adams-quotes -A docker    (as a flake: ./examples/douglas-adams-quotes#docker)
#   cairn build ./examples/douglas-adams-quotes -A bin       # just the program
#
# After upgrading a host tool, `cairn host-tools pin --file host-tools.json` records the new
# hash (the flake keeps its pins in flake.lock: `cairn flake update go`).
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
  packages = outputs.packages.x86_64-linux;
in
packages // { bin = packages.default; }
