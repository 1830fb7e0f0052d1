let l = import ../lib.nix; in l.mk { name = "e"; src = builtins.path { path = ../files/hello.txt; recursive = false; sha256 = l.hashes.sha256.base16; }; }
