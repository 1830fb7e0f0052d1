let l = import ../lib.nix; in l.mk { name = "e"; src = "${../files/not-there.txt}"; }
