(import ../lib.nix).mk { name = ""; }
