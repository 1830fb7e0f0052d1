# `<nix/fetchurl.nix>`, the fetcher of Nix's corepkgs: a fixed output built by `builtin:fetchurl`.
let
  fetchurl = import <nix/fetchurl.nix>;
  inherit (import ../lib.nix) mk hashes;
  h = hashes.sha256;
in
rec {
  sha256 = fetchurl { url = "file:///x"; sha256 = h.base32; };
  sha256Hex = fetchurl { url = "https://example.org/src-1.0.tar.gz"; sha256 = h.base16; };
  sri = fetchurl { url = "https://example.org/src-1.0.tar.gz"; hash = "sha256-${h.base64}"; };
  sha1 = fetchurl { url = "https://example.org/a.zip"; sha1 = hashes.sha1.base16; };
  sha512 = fetchurl { url = "https://example.org/a.zip"; sha512 = hashes.sha512.base32; };
  named = fetchurl { url = "https://example.org/download?id=3"; name = "thing.tar"; sha256 = h.base32; };
  executable = fetchurl { url = "https://example.org/tool"; sha256 = h.base32; executable = true; };
  unpack = fetchurl { url = "https://example.org/src.tar.xz"; sha256 = h.base32; unpack = true; };
  withSystem = fetchurl { url = "https://example.org/x"; sha256 = h.base32; system = "aarch64-linux"; };
  # Without a hash: the empty sha256, with a warning.
  noHash = fetchurl { url = "https://example.org/x"; };
  user = mk { name = "user"; src = sha256Hex; other = sri; };
}
