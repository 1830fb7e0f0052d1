(import ../lib.nix).mk { name = "e"; args = "-c true"; }
