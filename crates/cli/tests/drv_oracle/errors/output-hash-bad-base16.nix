(import ../lib.nix).fixed "e" { outputHash = "g92a93455c71fedd36ac9bbc439952c041cf61445958472af479269b8d873513"; outputHashAlgo = "sha256"; }
