(import ../lib.nix).mk { name = "e"; outputs = [ "out" "dev" "out" ]; }
