# A folder cannot be added flat.
let l = import ../lib.nix; in l.mk { name = "e"; src = builtins.path { path = ../files/src; recursive = false; }; }
