derivation { name = "e"; system = "x86_64-linux"; }
