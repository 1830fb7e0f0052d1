# Attributes with a meaning elsewhere, given by hand: an `out` the output path replaces,
# `drvPath`, `outputHashMode` without `outputHash`, disabled experimental flags, odd output
# names, attribute names that sort differently by bytes and by letters.
let
  inherit (import ../lib.nix) mk;
  dep = mk { name = "dep"; };
in
{
  outGiven = mk { name = "odd"; out = "replaced by the output path"; };
  devGiven = mk { name = "odd"; outputs = [ "out" "dev" ]; dev = "replaced"; };
  drvPathGiven = mk { name = "odd"; drvPath = "not a path"; outPath = "neither"; };
  modeWithoutHash = mk { name = "odd"; outputHashMode = "recursive"; };
  algoWithoutHash = mk { name = "odd"; outputHashAlgo = "sha256"; };
  notContentAddressed = mk { name = "odd"; __contentAddressed = false; };
  notImpure = mk { name = "odd"; __impure = false; };
  outputNames = mk { name = "odd"; outputs = [ "out" "Dev" "_x" "a.b" "a-b" "1" "a+b" "a=b" "a?b" ]; };
  keyOrder = mk { name = "odd"; "é" = "1"; z = "2"; Z = "3"; "_" = "4"; "a-b" = "5"; "a.b" = "6"; "0" = "7"; "~" = "8"; };
  builderDerivation = derivation { name = "odd"; builder = dep; system = "x86_64-linux"; };
  emptyArgs = mk { name = "odd"; args = [ ]; };
  emptyArg = mk { name = "odd"; args = [ "" ]; };
  toStringArg = mk { name = "odd"; args = [ { __toString = _: "from-set"; } [ "a" "b" ] null ]; };
  builtinsDerivation = builtins.derivation { name = "odd"; builder = "/bin/sh"; system = "x86_64-linux"; };
  controlCharacters = mk {
    name = "odd";
    text = builtins.fromJSON ''"bell \u0007 escape \u001b del \u007f nul-free \u00e9 \u2028"'';
    args = [ (builtins.fromJSON ''"\u0001\r\n\t\"\\"'') ];
  };
  sourceCharacters = mk { name = "odd"; src = ../files + "/a+b=c?d.txt"; };
}
