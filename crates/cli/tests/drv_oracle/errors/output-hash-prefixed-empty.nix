(import ../lib.nix).fixed "e" { outputHash = "sha256:"; }
