(import ../lib.nix).strict { name = "e"; __structuredAttrs = true; outputs = "out dev"; }
