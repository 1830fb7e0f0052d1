# A hash that is not SRI needs `outputHashAlgo`.
let l = import ../lib.nix; in l.fixed "e" { outputHash = l.hashes.sha256.base16; }
