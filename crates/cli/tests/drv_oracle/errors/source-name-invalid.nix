# A file whose name has a space cannot be copied to the store.
(import ../lib.nix).mk { name = "e"; src = "${../files + "/with space.txt"}"; }
