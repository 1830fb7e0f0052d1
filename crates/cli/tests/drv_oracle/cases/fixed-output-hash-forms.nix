# One fixed output, its sha256 written in every form Nix reads; all give the same paths.
let
  inherit (import ../lib.nix) fixed hashes;
  h = hashes.sha256;
in
{
  base16 = fixed "fixed" { outputHash = h.base16; outputHashAlgo = "sha256"; };
  base16Upper = fixed "fixed" { outputHash = "992A93455C71FEDD36AC9BBC439952C041CF61445958472AF479269B8D873513"; outputHashAlgo = "sha256"; };
  otherDrv = fixed "fixed" { outputHash = h.base16; outputHashAlgo = "sha256"; extra = "differs only in the .drv"; };
  base32 = fixed "fixed" { outputHash = h.base32; outputHashAlgo = "sha256"; };
  base64 = fixed "fixed" { outputHash = h.base64; outputHashAlgo = "sha256"; };
  sri = fixed "fixed" { outputHash = "sha256-${h.base64}"; };
  # Nix 2.8 takes base64 without its padding too.
  sriUnpadded = fixed "fixed" { outputHash = "sha256-mSqTRVxx/t02rJu8Q5lSwEHPYURZWEcq9Hkmm42HNRM"; };
  # Quirks of Nix 2.8's decoders: base64 bits past the hash are dropped, and so is text after
  # the last full group; the top base32 digit may carry one bit past a sha256.
  sriTrailingBits = fixed "fixed" { outputHash = "sha256-mSqTRVxx/t02rJu8Q5lSwEHPYURZWEcq9Hkmm42HNRN="; };
  sriTrailingText = fixed "fixed" { outputHash = "sha256-${h.base64}x"; };
  base32TopBit = fixed "fixed" { outputHash = "14rmhy6rn9kryhm4fn2r8ihwyhf0aacl7g4vmhvdvzkibi2r6alr"; outputHashAlgo = "sha256"; };
  sriWithAlgo = fixed "fixed" { outputHash = "sha256-${h.base64}"; outputHashAlgo = "sha256"; };
  prefixed = fixed "fixed" { outputHash = "sha256:${h.base32}"; };
  prefixedBase16 = fixed "fixed" { outputHash = "sha256:${h.base16}"; };
  emptyAlgo = fixed "fixed" { outputHash = "sha256-${h.base64}"; outputHashAlgo = ""; };
}
