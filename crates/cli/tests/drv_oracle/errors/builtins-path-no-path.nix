(import ../lib.nix).mk { name = "e"; src = builtins.path { name = "x"; }; }
