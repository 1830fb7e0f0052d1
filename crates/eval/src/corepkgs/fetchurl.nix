# `<nix/fetchurl.nix>`: a fixed-output derivation fetched by the built-in `fetchurl` builder.
# The attributes are those Nix gives this derivation, so that both compute the same paths.
{
  system ? "",
  url,
  hash ? "",
  md5 ? "",
  sha1 ? "",
  sha256 ? "",
  sha512 ? "",
  outputHash ?
    let
      given = builtins.filter (h: h != "") [ hash sha512 sha1 md5 ];
    in
    if given == [ ] then sha256 else builtins.head given,
  outputHashAlgo ?
    if hash != "" then ""
    else if sha512 != "" then "sha512"
    else if sha1 != "" then "sha1"
    else if md5 != "" then "md5"
    else "sha256",
  executable ? false,
  unpack ? false,
  name ? baseNameOf (toString url),
  impure ? false,
}:
let
  attrs = {
    builder = "builtin:fetchurl";
    inherit outputHashAlgo outputHash name url executable unpack;
    outputHashMode = if unpack || executable then "recursive" else "flat";
    system = "builtin";
    preferLocalBuild = true;
    impureEnvVars = [ "http_proxy" "https_proxy" "ftp_proxy" "all_proxy" "no_proxy" ];
    urls = [ url ];
  };
in
derivation (if impure then attrs // { __impure = true; } else attrs)
