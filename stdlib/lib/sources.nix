# Source filtering, as nixpkgs' `lib.sources`: the files of a folder that a build should see,
# so that editor files, version control folders and `result` links neither reach the store nor
# change the hash of a source.
{ lib }:
let
  # What `cleanSourceWith` returns: a path-like set that can be filtered again.
  toSourceAttributes =
    src:
    if src._isLibCleanSourceWith or false then
      src
    else
      {
        origSrc = src;
        filter = _: _: true;
        name = baseNameOf (toString src);
      };

  fromSourceAttributes =
    {
      origSrc,
      filter,
      name,
    }:
    {
      _isLibCleanSourceWith = true;
      inherit origSrc filter name;
      outPath = builtins.path {
        path = origSrc;
        inherit filter name;
      };
    };
in
rec {
  # Leaves out version control folders, editor backups, object files and `result` links.
  cleanSourceFilter =
    name: type:
    let
      base = baseNameOf (toString name);
    in
    !(
      (type == "directory" && builtins.elem base [ ".git" ".svn" "CVS" ".hg" ".jj" ".direnv" ])
      || lib.hasSuffix "~" base
      || builtins.match "^\\.sw[a-z]$" base != null
      || builtins.match "^\\..*\\.sw[a-z]$" base != null
      || lib.hasSuffix ".o" base
      || lib.hasSuffix ".so" base
      || (type == "symlink" && lib.hasPrefix "result" base)
      || type == "unknown"
    );

  # `src` filtered by `filter` (and by the filters `src` already had), named `name`.
  cleanSourceWith =
    {
      src,
      filter ? _: _: true,
      name ? null,
    }:
    let
      orig = toSourceAttributes src;
    in
    fromSourceAttributes {
      inherit (orig) origSrc;
      filter = path: type: filter path type && orig.filter path type;
      name = if name != null then name else orig.name;
    };

  cleanSource =
    src:
    cleanSourceWith {
      filter = cleanSourceFilter;
      inherit src;
    };

  # Keeps the files whose path relative to `src` matches one of `regexes` (and the folders
  # above them).
  sourceByRegex =
    src: regexes:
    let
      isFiltered = src ? _isLibCleanSourceWith;
      origSrc = if isFiltered then src.origSrc else src;
    in
    cleanSourceWith {
      filter =
        path: type:
        let
          relPath = lib.removePrefix (toString origSrc + "/") (toString path);
        in
        lib.any (re: builtins.match re relPath != null) regexes;
      inherit src;
    };

  # Keeps the folders and the files whose names end in one of `exts`.
  sourceFilesBySuffices =
    src: exts:
    cleanSourceWith {
      filter = name: type: type == "directory" || lib.any (ext: lib.hasSuffix ext name) exts;
      inherit src;
    };
}
