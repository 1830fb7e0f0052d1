# A base32 sha256 hash with a letter nixbase32 lacks (`e`).
(import ../lib.nix).fixed "e" { outputHash = "04rmhy6rn9kryhm4fn2r8ihwyhf0aacl7g4vmhvdvzkibi2r6ale"; outputHashAlgo = "sha256"; }
