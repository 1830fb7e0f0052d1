# A derivation depending on a fixed output is hashed with the fixed output's hash in place of
# its `.drv`: two fetchers with different builders but one hash give dependents the same
# output paths (though different `.drv` paths).
let
  inherit (import ../lib.nix) mk fixed hashes;
  h = hashes.sha256.base32;
  viaCurl = fixed "src.tar.gz" { outputHash = h; outputHashAlgo = "sha256"; args = [ "-c" "curl -o $out https://example.org/src.tar.gz" ]; };
  viaWget = fixed "src.tar.gz" { outputHash = h; outputHashAlgo = "sha256"; args = [ "-c" "wget -O $out https://mirror.example.org/src.tar.gz" ]; urls = [ "a" "b" ]; };
  recursive = fixed "src.tar.gz" { outputHash = h; outputHashAlgo = "sha256"; outputHashMode = "recursive"; };
  build = src: mk { name = "built"; inherit src; script = "tar xf ${src}"; };
  a = build viaCurl;
  b = build viaWget;
  c = build recursive;
  # One step further: the dependents' dependents are equal too.
  d = mk { name = "top"; dep = a; };
  e = mk { name = "top"; dep = b; };
in
assert a.outPath == b.outPath;
assert a.drvPath != b.drvPath;
assert a.outPath != c.outPath;
assert d.outPath == e.outPath;
{
  inherit viaCurl viaWget recursive a b c d e;
  # Both fetchers as inputs: their hashes are one, and the dependent has the paths of a
  # dependent of either.
  both = mk { name = "built"; src = [ viaCurl viaWget ]; };
  eitherCurl = mk { name = "built"; src = [ viaCurl ]; };
  # A fixed output depending on another derivation.
  fixedOnFixed = fixed "patched" { outputHash = hashes.sha1.base16; outputHashAlgo = "sha1"; src = viaCurl; };
  fixedOnPlain = fixed "patched" { outputHash = hashes.sha1.base16; outputHashAlgo = "sha1"; src = a; };
}
