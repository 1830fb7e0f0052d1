(import ../lib.nix).mk { name = "e"; src = builtins.path { path = ../files/nothing-here; }; }
