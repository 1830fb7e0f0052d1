let l = import ../lib.nix; in l.fixed "e" { outputHash = "sha256:${l.hashes.sha256.base32}"; outputHashAlgo = "sha1"; }
