# A base32 digit whose bits do not fit in a sha256.
(import ../lib.nix).fixed "e" { outputHash = "24rmhy6rn9kryhm4fn2r8ihwyhf0aacl7g4vmhvdvzkibi2r6alr"; outputHashAlgo = "sha256"; }
