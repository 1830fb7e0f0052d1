# Placeholder hashes for fixed-output derivations: a build given one fails and reports the
# real hash, which the user then copies in.  These are values only; nothing here hashes.
{ lib }:
{
  # An SRI sha256 of zeros.
  fakeHash = "sha256-AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=";

  # Base-16 sha256 and sha512 of zeros.
  fakeSha256 = "0000000000000000000000000000000000000000000000000000000000000000";
  fakeSha512 = "00000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000";
}
