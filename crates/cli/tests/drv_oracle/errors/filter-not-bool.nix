let l = import ../lib.nix; in l.mk { name = "e"; src = builtins.filterSource (p: t: "yes") ../files/src; }
