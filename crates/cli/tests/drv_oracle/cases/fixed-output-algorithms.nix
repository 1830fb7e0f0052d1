# Fixed outputs hashed with md5, sha1, sha256 and sha512, in each encoding and as SRI.
let
  inherit (import ../lib.nix) fixed hashes;
  forms = algo: h: {
    base16 = fixed "by-${algo}" { outputHash = h.base16; outputHashAlgo = algo; };
    base32 = fixed "by-${algo}" { outputHash = h.base32; outputHashAlgo = algo; };
    base64 = fixed "by-${algo}" { outputHash = h.base64; outputHashAlgo = algo; };
    sri = fixed "by-${algo}" { outputHash = "${algo}-${h.base64}"; };
    recursive = fixed "by-${algo}" { outputHash = h.base16; outputHashAlgo = algo; outputHashMode = "recursive"; };
  };
in
builtins.mapAttrs forms hashes
