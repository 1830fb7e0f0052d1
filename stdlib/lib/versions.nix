# Parts of version strings, split the way `builtins.splitVersion` splits them
# ("1.2.3" gives [ "1" "2" "3" ]; "2.1pre1" gives [ "2" "1" "pre" "1" ]).
#
# Comparing versions is `builtins.compareVersions`, `lib.versionOlder` and `lib.versionAtLeast`.
{ lib }:
let
  inherit (builtins) splitVersion elemAt;
in
rec {
  inherit splitVersion;

  # The first, second and third components.
  major = v: elemAt (splitVersion v) 0;
  minor = v: elemAt (splitVersion v) 1;
  patch = v: elemAt (splitVersion v) 2;

  # "major.minor".
  majorMinor = v: builtins.concatStringsSep "." (lib.lists.take 2 (splitVersion v));

  # The version cut or padded with "0" components to `n` components; a suffix from the first
  # "-" on is kept as it is.
  pad =
    n: version:
    let
      numeric = builtins.head (lib.strings.splitString "-" version);
      suffix = lib.strings.removePrefix numeric version;
      components = splitVersion numeric;
    in
    builtins.concatStringsSep "." (lib.lists.take n (components ++ lib.lists.replicate n "0")) + suffix;
}
