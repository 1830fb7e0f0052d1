# The one output of a fixed-output derivation must be `out`.
let l = import ../lib.nix; in l.fixed "e" { outputHash = l.hashes.sha256.base16; outputHashAlgo = "sha256"; outputs = [ "bin" ]; }
