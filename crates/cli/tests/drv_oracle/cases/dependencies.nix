# Derivations that depend on others through interpolations, attributes and lists.
let
  inherit (import ../lib.nix) mk;
  a = mk { name = "a"; outputs = [ "out" "dev" ]; };
  b = mk { name = "b"; };
  c = mk { name = "c"; outputs = [ "bin" "out" ]; };
in
{
  interpolated = mk { name = "uses-a"; script = "cp ${a}/x ${a.dev}/y $out"; };
  asAttribute = mk { name = "attr"; dep = a; dev = a.dev; };
  list = mk { name = "list"; buildInputs = [ a b c ]; };
  outputsOfList = mk { name = "outputs"; buildInputs = [ a.dev c.bin c.out ]; };
  outPathOnly = mk { name = "outpath"; dep = a.outPath; };
  nested = mk { name = "nested"; deps = [ [ a ] [ b [ c ] ] ]; };
  sameTwice = mk { name = "twice"; x = a; y = "${a}"; z = [ a a ]; };
}
