# `builtins.path`: another name, a filter, flat files, an expected hash.
let
  inherit (import ../lib.nix) mk;
  src = ../files/src;
in
{
  plain = mk { name = "p"; src = builtins.path { path = src; }; };
  named = mk { name = "p"; src = builtins.path { path = src; name = "my-source"; }; };
  filtered = mk { name = "p"; src = builtins.path { path = src; filter = path: type: baseNameOf path != "sub"; }; };
  byType = mk { name = "p"; src = builtins.path { path = src; name = "files-only"; filter = path: type: type == "regular"; }; };
  noHidden = mk {
    name = "p";
    src = builtins.path { path = src; filter = path: type: builtins.substring 0 1 (baseNameOf path) != "."; };
  };
  noLinks = mk { name = "p"; src = builtins.path { path = src; filter = path: type: type != "symlink"; }; };
  deep = mk { name = "p"; src = builtins.path { path = src; filter = path: type: !(builtins.match ".*\\.nix" path != null); }; };
  flat = mk { name = "p"; src = builtins.path { path = ../files/hello.txt; recursive = false; }; };
  flatNamed = mk { name = "p"; src = builtins.path { path = ../files/hello.txt; recursive = false; name = "greeting"; }; };
  recursiveFile = mk { name = "p"; src = builtins.path { path = ../files/hello.txt; }; };
  withHash = mk {
    name = "p";
    src = builtins.path { path = ../files/hello.txt; recursive = false; sha256 = "5891b5b522d5df086d0ff0b110fbd9d21bb4fc7163af34d08286a2e846f6be03"; };
  };
  # A source may be named like a derivation.
  drvName = mk { name = "p"; src = builtins.path { path = ../files/hello.txt; name = "x.drv"; }; };
  fileFilter = mk { name = "p"; src = builtins.path { path = ../files/hello.txt; filter = _: _: false; }; };
}
# nix: no-drv-files (a source named x.drv is taken for a derivation in read-write mode)
