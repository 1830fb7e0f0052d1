(import ../lib.nix).strict { name = "e"; outputs = [ "" ]; }
