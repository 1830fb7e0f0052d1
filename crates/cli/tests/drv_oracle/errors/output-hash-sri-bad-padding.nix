(import ../lib.nix).fixed "e" { outputHash = "sha256-mSqTRVxx/t02rJu8Q5lSwEHPYURZWEcq9Hkmm42HNR=="; }
