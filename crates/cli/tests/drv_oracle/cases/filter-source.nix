# `builtins.filterSource`: the source named after its folder, with the refused entries left
# out.
let
  inherit (import ../lib.nix) mk;
in
{
  all = mk { name = "fs"; src = builtins.filterSource (_: _: true) ../files/src; };
  none = mk { name = "fs"; src = builtins.filterSource (_: _: false) ../files/src; };
  noDirs = mk { name = "fs"; src = builtins.filterSource (p: t: t != "directory") ../files/src; };
  byName = mk { name = "fs"; src = builtins.filterSource (p: t: baseNameOf p != "a.txt") ../files/src; };
  sameAsPath = mk { name = "fs"; src = builtins.path { path = ../files/src; filter = p: t: baseNameOf p != "a.txt"; }; };
}
