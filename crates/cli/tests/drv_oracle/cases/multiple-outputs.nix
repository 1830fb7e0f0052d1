# Several outputs: the result's attributes per output, `all`, and `outPath` as the first.
let
  inherit (import ../lib.nix) mk;
  d = mk { name = "multi"; outputs = [ "out" "dev" "lib" ]; };
in
{
  inherit d;
  inherit (d) dev lib out;
  all = d.all;
  fromDev = d.dev.lib;
}
