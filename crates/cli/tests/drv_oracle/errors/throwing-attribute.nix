(import ../lib.nix).mk { name = "e"; broken = throw "no"; }
