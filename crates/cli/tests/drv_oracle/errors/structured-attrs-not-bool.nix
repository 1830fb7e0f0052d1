(import ../lib.nix).mk { name = "e"; __structuredAttrs = "yes"; }
