let l = import ../lib.nix; in l.mk { name = "n-${l.mk { name = "dep"; }}"; }
