derivation { name = "e"; builder = "/bin/sh"; }
