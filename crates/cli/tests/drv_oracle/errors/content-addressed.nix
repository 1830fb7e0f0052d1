# Content-addressed derivations need an experimental feature Nix 2.8 has off.
(import ../lib.nix).mk { name = "e"; __contentAddressed = true; outputHashAlgo = "sha256"; outputHashMode = "recursive"; }
