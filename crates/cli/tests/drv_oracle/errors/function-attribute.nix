(import ../lib.nix).mk { name = "e"; f = x: x; }
