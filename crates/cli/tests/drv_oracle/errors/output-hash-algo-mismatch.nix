# A sha1 hash declared as sha256.
let l = import ../lib.nix; in l.fixed "e" { outputHash = l.hashes.sha1.base16; outputHashAlgo = "sha256"; }
