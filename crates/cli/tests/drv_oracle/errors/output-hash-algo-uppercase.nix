let l = import ../lib.nix; in l.fixed "e" { outputHash = l.hashes.sha256.base16; outputHashAlgo = "SHA256"; }
