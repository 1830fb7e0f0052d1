# A file copied to the store may not be named like a derivation.
(import ../lib.nix).mk { name = "e"; src = "${../files/not-a.drv}"; }
