# nix: --read-write-mode
# A source named like a derivation, in the closure of a `drvPath`: the closure's `.drv` files
# are read, and this one is no derivation.
let
  inherit (import ../lib.nix) mk;
  a = mk { name = "a"; src = builtins.path { path = ../files/hello.txt; name = "x.drv"; }; };
in
mk { name = "b"; d = a.drvPath; }
