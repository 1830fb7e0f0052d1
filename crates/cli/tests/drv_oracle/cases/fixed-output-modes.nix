# `outputHashMode`: flat (the default) and recursive, with and without an algorithm.
let
  inherit (import ../lib.nix) fixed hashes;
  h = hashes.sha256;
in
{
  default = fixed "mode" { outputHash = h.base32; outputHashAlgo = "sha256"; };
  flat = fixed "mode" { outputHash = h.base32; outputHashAlgo = "sha256"; outputHashMode = "flat"; };
  recursive = fixed "mode" { outputHash = h.base32; outputHashAlgo = "sha256"; outputHashMode = "recursive"; };
  recursiveSri = fixed "mode" { outputHash = "sha256-${h.base64}"; outputHashMode = "recursive"; };
  recursiveSha1 = fixed "mode" { outputHash = hashes.sha1.base32; outputHashAlgo = "sha1"; outputHashMode = "recursive"; };
  recursiveSha512 = fixed "mode" { outputHash = "sha512-${hashes.sha512.base64}"; outputHashMode = "recursive"; };
  # The name of a fixed output is the derivation's, whatever the store path.
  named = fixed "source-1.0.tar.gz" { outputHash = h.base16; outputHashAlgo = "sha256"; };
  explicitOut = fixed "out-listed" { outputHash = h.base16; outputHashAlgo = "sha256"; outputs = [ "out" ]; };
}
