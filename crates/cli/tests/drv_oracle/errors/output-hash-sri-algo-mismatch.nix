# An SRI hash whose algorithm is not the declared one.
let l = import ../lib.nix; in l.fixed "e" { outputHash = "sha256-${l.hashes.sha256.base64}"; outputHashAlgo = "sha512"; }
