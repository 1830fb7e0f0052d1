# The `lib` attribute set of cairn's standard library.
#
# Each subject lives in its own file, a function `{ lib }: { ... }` that receives the finished
# set, so files may use each other's functions freely.  The set carries every subject under its
# own name (`lib.strings.hasPrefix`) and, flattened, at the top (`lib.hasPrefix`), the way
# nixpkgs' `lib` is laid out.  Nothing here performs I/O or needs a store: these are pure
# functions over values, usable with nothing but the evaluator.
let
  callLib = file: import file { inherit lib; };

  trivial = callLib ./trivial.nix;
  fixedPoints = callLib ./fixed-points.nix;
  attrsets = callLib ./attrsets.nix;
  lists = callLib ./lists.nix;
  strings = callLib ./strings.nix;
  options = callLib ./options.nix;
  customisation = callLib ./customisation.nix;
  versions = callLib ./versions.nix;
  hashes = callLib ./hashes.nix;
  licenses = callLib ./licenses.nix;
  sources = callLib ./sources.nix;

  lib =
    {
      inherit
        trivial
        fixedPoints
        attrsets
        lists
        strings
        options
        customisation
        versions
        hashes
        licenses
        sources
        ;
    }
    // trivial
    // fixedPoints
    // attrsets
    // lists
    // strings
    // options
    // customisation
    // hashes
    // sources;
in
lib
