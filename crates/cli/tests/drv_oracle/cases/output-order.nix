# The first output is the default one, whatever its name; output names sort in the `.drv`.
let
  inherit (import ../lib.nix) mk strict;
in
{
  devFirst = mk { name = "dev-first"; outputs = [ "dev" "out" ]; };
  unsorted = mk { name = "unsorted"; outputs = [ "z" "bin" "out" "a" ]; };
  single = mk { name = "single"; outputs = [ "bin" ]; };
  # Only `derivationStrict` takes the outputs as a string.
  outputsAsString = strict { name = "as-string"; outputs = "out doc"; };
  manySpaces = strict { name = "spaces"; outputs = " out\tman\n"; };
}
