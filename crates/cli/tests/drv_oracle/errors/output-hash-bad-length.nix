# A sha256 hash of the wrong length, in base16.
(import ../lib.nix).fixed "e" { outputHash = "abcd"; outputHashAlgo = "sha256"; }
