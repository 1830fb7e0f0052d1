# How each type of attribute becomes a string of the builder's environment: lists joined with
# spaces (nested ones flattened), `true` as `1`, `false` and `null` as nothing, numbers
# printed, paths copied to the store, derivations as their output paths.
let
  inherit (import ../lib.nix) mk;
  dep = mk { name = "dep"; outputs = [ "out" "dev" ]; };
in
{
  lists = mk { name = "lists"; a = [ "x" "y" ]; b = [ ]; c = [ [ "n" [ "m" ] ] "o" [ ] ]; d = [ "" "" ]; e = [ null false true 1 ]; };
  bools = mk { name = "bools"; t = true; f = false; n = null; };
  integers = mk { name = "ints"; zero = 0; one = 1; neg = -42; big = 9223372036854775807; small = -9223372036854775807; smallest = -9223372036854775807 - 1; };
  strings = mk { name = "strings"; empty = ""; text = "line\nnext \"quoted\" \\ tab\t cr\r unicode é → 🦀"; dollar = "$out \${x}"; };
  paths = mk { name = "paths"; file = ../files/hello.txt; dir = ../files/src; list = [ ../files/hello.txt ../files/builder.sh ]; };
  derivations = mk { name = "drvs"; one = dep; list = [ dep dep.dev ]; nested = [ [ dep ] ]; };
  withContext = mk { name = "ctx"; s = "prefix-${dep}-${dep.dev}-suffix"; json = builtins.toJSON { inherit dep; }; str = toString [ dep "x" ]; };
  outPathOnly = mk { name = "outpath"; o = dep.outPath; };
  attrNames = mk { name = "names"; "with-dash" = "1"; "with.dot" = "2"; "_under" = "3"; "UPPER" = "4"; "a b" = "5"; "" = "6"; };
  coercibleSet = mk { name = "coercible"; s = { outPath = "/some/where"; }; t = { __toString = self: "from toString"; }; };
}
