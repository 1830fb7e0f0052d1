# An empty `outputHash` is taken for the hash of nothing (with a warning), as when a hash is
# not known yet.
let
  inherit (import ../lib.nix) fixed;
in
{
  sha256 = fixed "empty" { outputHash = ""; outputHashAlgo = "sha256"; };
  sha512 = fixed "empty" { outputHash = ""; outputHashAlgo = "sha512"; outputHashMode = "recursive"; };
}
