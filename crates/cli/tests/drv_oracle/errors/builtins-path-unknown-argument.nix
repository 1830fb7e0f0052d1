let l = import ../lib.nix; in l.mk { name = "e"; src = builtins.path { path = ../files/hello.txt; colour = "red"; }; }
