# Helpers shared by the cases.
rec {
  system = "x86_64-linux";

  # A derivation with a builder and a system, and the attributes given.
  mk =
    attrs:
    derivation (
      {
        builder = "/bin/sh";
        inherit system;
      }
      // attrs
    );

  # `derivationStrict` of the attributes, shaped as a derivation for `project.nix` (for what
  # the global `derivation` does not pass on, such as `outputs` given as a string).
  strict =
    attrs:
    let
      r = builtins.derivationStrict ({ builder = "/bin/sh"; inherit system; } // attrs);
      outputs = builtins.filter (n: n != "drvPath") (builtins.attrNames r);
    in
    {
      type = "derivation";
      inherit (r) drvPath;
      outPath = r.out or r.${builtins.head outputs};
      inherit outputs;
    }
    // builtins.mapAttrs (_: p: { outPath = p; }) (removeAttrs r [ "drvPath" ]);

  # A fixed-output derivation: `hash` in any form, and more attributes.
  fixed =
    name: attrs:
    mk (
      {
        inherit name;
        args = [
          "-c"
          "echo fixed > $out"
        ];
      }
      // attrs
    );

  # Hashes of the bytes `fixed` in every encoding Nix reads.
  hashes = {
    md5 = {
      base16 = "cec315e3d0975e5cc2811d5d8725f149";
      base32 = "29y4jqfp8xh715qplps3iibhyf";
      base64 = "zsMV49CXXlzCgR1dhyXxSQ==";
    };
    sha1 = {
      base16 = "7bc555991dbab41aa198fbd77899d49a277d4d6d";
      base32 = "dm6ps9wssjcpimzvk2himd5s3ncmbibv";
      base64 = "e8VVmR26tBqhmPvXeJnUmid9TW0=";
    };
    sha256 = {
      base16 = "992a93455c71fedd36ac9bbc439952c041cf61445958472af479269b8d873513";
      base32 = "04rmhy6rn9kryhm4fn2r8ihwyhf0aacl7g4vmhvdvzkibi2r6alr";
      base64 = "mSqTRVxx/t02rJu8Q5lSwEHPYURZWEcq9Hkmm42HNRM=";
    };
    sha512 = {
      base16 = "4bb87979e515ebb83d05e0facbe1318d97e48806a21efc156f7e546496c95f9a7a0d1ebea610df9eb9e5c1c51c500fc23581d5145913a028543c852a05bd7085";
      base32 = "22p1g855a2kqm18l09mj56mh4sw43sh3k2w3rdrkvgi19my3q6pm6jzr6b68m3ydwazq7m20s4f95wd67hwpyp00lyvisqmwmwpkf2b";
      base64 = "S7h5eeUV67g9BeD6y+ExjZfkiAaiHvwVb35UZJbJX5p6DR6+phDfnrnlwcUcUA/CNYHVFFkToChUPIUqBb1whQ==";
    };
  };
}
