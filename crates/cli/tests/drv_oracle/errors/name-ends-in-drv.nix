(import ../lib.nix).mk { name = "foo.drv"; }
