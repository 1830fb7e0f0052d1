(import ../lib.nix).mk { name = "e"; __structuredAttrs = true; f = x: x; }
