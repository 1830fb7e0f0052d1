derivation { name = "e"; builder = ""; system = "x86_64-linux"; }
