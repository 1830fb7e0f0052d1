# Base64 in its URL-safe alphabet is not read.
(import ../lib.nix).fixed "e" { outputHash = "sha256-mSqTRVxx_t02rJu8Q5lSwEHPYURZWEcq9Hkmm42HNRM="; }
