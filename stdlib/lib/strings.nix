# Functions over strings: joining, splitting, prefixes and suffixes, case, shell quoting,
# search paths, padding, trimming, integer parsing, and package names and versions.
#
# Only builtins that Nix 2.8 has are used (`split`, `match`, `replaceStrings`, `fromJSON`, ...).
# Strings are treated as bytes, as the builtins do; nothing here knows about Unicode.
# `optionalString` is defined in `options.nix` and passed through here.
{ lib }:
let
  inherit (builtins)
    stringLength
    substring
    concatStringsSep
    genList
    length
    ;
in
rec {
  inherit (builtins)
    stringLength
    substring
    concatStringsSep
    replaceStrings
    isString
    toString
    parseDrvName
    compareVersions
    splitVersion
    match
    split
    ;

  inherit (lib.options) optionalString;

  # The strings of a list, joined.
  concatStrings = concatStringsSep "";

  # `f` applied to each element, joined.
  concatMapStrings = f: list: concatStrings (map f list);

  # `f` applied to each element, joined with `sep`.
  concatMapStringsSep = sep: f: list: concatStringsSep sep (map f list);

  # Like `concatMapStrings` and `concatMapStringsSep`, `f` also receiving the index from 1.
  concatImapStrings = f: list: concatStrings (lib.lists.imap1 f list);
  concatImapStringsSep = sep: f: list: concatStringsSep sep (lib.lists.imap1 f list);

  # `sep` between the elements of a list.
  intersperse =
    sep: list:
    if list == [ ] || length list == 1 then list else builtins.tail (builtins.concatMap (x: [ sep x ]) list);

  # The string cut at each occurrence of `sep` (a plain string, not a regular expression).
  splitString =
    sep: s:
    builtins.filter builtins.isString (builtins.split (escapeRegex (toString sep)) (toString s));

  # Whether `s` starts with `pref`.
  hasPrefix = pref: s: substring 0 (stringLength pref) s == pref;

  # Whether `s` ends with `suffix`.
  hasSuffix =
    suffix: s:
    let
      ls = stringLength s;
      lsuf = stringLength suffix;
    in
    ls >= lsuf && substring (ls - lsuf) lsuf s == suffix;

  # Whether `infix` occurs in `s`.
  hasInfix = infix: s: builtins.match ".*${escapeRegex infix}.*" "${s}" != null;

  # `s` without the prefix `pref`, or `s` unchanged when it does not start with it.
  removePrefix =
    pref: s:
    let
      lp = stringLength pref;
    in
    if hasPrefix pref s then substring lp (stringLength s - lp) s else s;

  # `s` without the suffix `suffix`, or `s` unchanged when it does not end with it.
  removeSuffix =
    suffix: s:
    let
      ls = stringLength s;
      lsuf = stringLength suffix;
    in
    if hasSuffix suffix s then substring 0 (ls - lsuf) s else s;

  # The ASCII letters, lower and upper case.
  lowerChars = stringToCharacters "abcdefghijklmnopqrstuvwxyz";
  upperChars = stringToCharacters "ABCDEFGHIJKLMNOPQRSTUVWXYZ";

  # ASCII case conversion; other bytes stay as they are.
  toUpper = builtins.replaceStrings lowerChars upperChars;
  toLower = builtins.replaceStrings upperChars lowerChars;

  # The characters (bytes) of a string, as one-character strings.
  stringToCharacters = s: genList (n: substring n 1 s) (stringLength s);

  # `f` applied to each character, joined.
  stringAsChars = f: s: concatStrings (map f (stringToCharacters s));

  # `s` with a backslash before each character in `list`.
  escape = list: builtins.replaceStrings list (map (c: "\\${c}") list);

  # `s` with the characters special to POSIX extended regular expressions escaped.
  escapeRegex = escape (stringToCharacters "\\[{()^$?*+|.");

  # `arg` quoted for a POSIX shell; left bare when it only has characters a shell leaves alone.
  escapeShellArg =
    arg:
    let
      s = toString arg;
    in
    if builtins.match "[[:alnum:],._+:@%/-]+" s == null then
      "'${builtins.replaceStrings [ "'" ] [ "'\\''" ] s}'"
    else
      s;

  # Each argument quoted with `escapeShellArg`, separated by spaces.
  escapeShellArgs = concatMapStringsSep " " escapeShellArg;

  # `subDir` under each path, joined with `:`; `null` entries are dropped.
  makeSearchPath =
    subDir: paths:
    concatStringsSep ":" (map (path: path + "/" + subDir) (builtins.filter (x: x != null) paths));

  # `makeSearchPath` over the output `output` of each package (see `getOutput`).
  makeSearchPathOutput =
    output: subDir: pkgs: makeSearchPath subDir (map (lib.attrsets.getOutput output) pkgs);

  # `PATH` and library path of a list of packages.
  makeBinPath = makeSearchPathOutput "bin" "bin";
  makeLibraryPath = makeSearchPathOutput "lib" "lib";

  # `s` padded on the left with `filler` to `width` characters; fails when `s` is longer.
  fixedWidthString =
    width: filler: s:
    let
      strw = stringLength s;
      reqWidth = width - (stringLength filler);
    in
    assert lib.trivial.throwIfNot (strw <= width)
      "fixedWidthString: requested string length (${toString width}) must not be shorter than actual length (${toString strw})"
      true;
    if strw == width then s else filler + fixedWidthString reqWidth filler s;

  # A number padded with zeros on the left to `width` digits.
  fixedWidthNumber = width: n: fixedWidthString width "0" (toString n);

  # `s` without leading and trailing whitespace (space, tab, newline, carriage return).
  trim = trimWith {
    start = true;
    end = true;
  };

  # `s` without whitespace at the start, the end, or both.
  trimWith =
    {
      start ? false,
      end ? false,
    }:
    let
      chars = " \t\r\n";
      regex =
        if start && end then
          "[${chars}]*(.*[^${chars}])[${chars}]*"
        else if start then
          "[${chars}]*(.*)"
        else if end then
          "(.*[^${chars}])[${chars}]*"
        else
          "(.*)";
    in
    s:
    let
      m = builtins.match regex s;
    in
    if m == null then "" else builtins.head m;

  # A decimal integer in a string, surrounding whitespace allowed; fails on anything else,
  # and on leading zeros, which could be read as octal.
  toInt =
    s:
    let
      m = builtins.match "[[:space:]]*(-?[0-9]+)[[:space:]]*" s;
      digits = builtins.head m;
    in
    if m == null then
      throw "could not convert `${s}` to int"
    else if builtins.match "-?0[0-9]+" digits != null then
      throw "toInt: ambiguity in interpretation of `${s}` between octal and zero padded integer"
    else
      builtins.fromJSON digits;

  # Like `toInt`, but leading zeros are read as decimal.
  toIntBase10 =
    s:
    let
      m = builtins.match "[[:space:]]*(-?)0*([0-9]+)[[:space:]]*" s;
    in
    if m == null then
      throw "could not convert `${s}` to int"
    else
      let
        sign = builtins.elemAt m 0;
        n = builtins.fromJSON (builtins.elemAt m 1);
      in
      if sign == "-" then 0 - n else n;

  # Whether version `v1` is older than `v2`, as `builtins.compareVersions` orders them.
  versionOlder = v1: v2: builtins.compareVersions v2 v1 == 1;

  # Whether version `v1` is `v2` or newer.
  versionAtLeast = v1: v2: !(versionOlder v1 v2);

  # The name of a package (its `pname`, or the name part of its `name`) or of a name string.
  getName =
    x: if builtins.isString x then (builtins.parseDrvName x).name else x.pname or (builtins.parseDrvName x.name).name;

  # The version of a package (its `version`, or the version part of its `name`) or of a name string.
  getVersion =
    x:
    if builtins.isString x then
      (builtins.parseDrvName x).version
    else
      x.version or (builtins.parseDrvName x.name).version;

  # `--enable-feat` or `--disable-feat`, and `--with-feat` or `--without-feat`, for configure flags.
  enableFeature = flag: feature: "--${if flag then "enable" else "disable"}-${feature}";
  withFeature = flag: feature: "--${if flag then "with" else "without"}-${feature}";
}
