# The longest names: a store path name has at most 211 characters, so a derivation's name at
# most 207 (its `.drv` adds 4), and an output's path adds `-<output>`.
let
  inherit (import ../lib.nix) mk;
  name = n: builtins.concatStringsSep "" (builtins.genList (i: builtins.substring (builtins.bitAnd i 15) 1 "abcdefghij-.+_=?") n);
in
{
  longest = mk { name = name 207; };
  longestFixed = (import ../lib.nix).fixed (name 207) { outputHash = (import ../lib.nix).hashes.sha256.base32; outputHashAlgo = "sha256"; };
  longestWithOutput = mk { name = name 207; outputs = [ "out" ]; };
  outputFits = mk { name = name 200; outputs = [ "out" "dev" ]; };
}
