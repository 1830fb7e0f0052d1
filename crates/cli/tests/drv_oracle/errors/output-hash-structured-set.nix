# With structured attributes, `outputHash` must be a string.
(import ../lib.nix).fixed "e" { __structuredAttrs = true; outputHash = { }; }
