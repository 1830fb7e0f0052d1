(import ../lib.nix).mk { name = "with space"; }
