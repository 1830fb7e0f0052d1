# Sources whose archives have edge shapes: empty files, contents that need no padding, deep
# folders, executables, links out of the folder and to nothing, names sorted by bytes.
let
  inherit (import ../lib.nix) mk;
in
{
  empty = mk { name = "shape"; src = "${../files/empty}"; };
  emptyFlat = mk { name = "shape"; src = builtins.path { path = ../files/empty; recursive = false; }; };
  eightBytes = mk { name = "shape"; src = "${../files/eight.bin}"; };
  eightBytesFlat = mk { name = "shape"; src = builtins.path { path = ../files/eight.bin; recursive = false; }; };
  tree = mk { name = "shape"; src = "${../files/tree}"; };
  deep = mk { name = "shape"; src = "${../files/tree/a}"; };
  noLinks = mk { name = "shape"; src = builtins.filterSource (p: t: t != "symlink") ../files/tree; };
  onlyDirs = mk { name = "shape"; src = builtins.filterSource (p: t: t == "directory") ../files/tree; };
}
