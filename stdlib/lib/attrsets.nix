# Functions over attribute sets: mapping, filtering, paths into nested sets, recursive merging,
# folding, and the outputs of derivations.
#
# Names are visited in the order `builtins.attrNames` gives (sorted), so every result is
# deterministic.  `optionalAttrs` is defined in `options.nix` and passed through here.
{ lib }:
let
  inherit (builtins)
    attrNames
    listToAttrs
    isAttrs
    length
    head
    tail
    elemAt
    ;
in
rec {
  inherit (builtins)
    attrNames
    attrValues
    listToAttrs
    mapAttrs
    hasAttr
    getAttr
    removeAttrs
    intersectAttrs
    catAttrs
    isAttrs
    zipAttrsWith
    ;

  inherit (lib.options) optionalAttrs;

  # `{ name = name; value = value; }`, the element type of `listToAttrs`.
  nameValuePair = name: value: { inherit name value; };

  # Maps each attribute to a new `nameValuePair`, so names can change too.
  mapAttrs' = f: set: listToAttrs (map (name: f name set.${name}) (attrNames set));

  # `f name value` for each attribute, as a list in name order.
  mapAttrsToList = f: set: map (name: f name set.${name}) (attrNames set);

  # `{ name, value }` for each attribute, as a list in name order.
  attrsToList = mapAttrsToList nameValuePair;

  # `mapAttrs'`-like union: `f` returns a set for each attribute and the sets are merged.
  concatMapAttrs = f: set: builtins.foldl' (acc: s: acc // s) { } (mapAttrsToList f set);

  # The attributes for which `pred name value` holds.
  filterAttrs =
    pred: set:
    builtins.removeAttrs set (builtins.filter (name: !(pred name set.${name})) (attrNames set));

  # `filterAttrs` applied to nested sets too.
  filterAttrsRecursive =
    pred: set:
    listToAttrs (
      builtins.concatMap (
        name:
        let
          v = set.${name};
        in
        if pred name v then
          [ (nameValuePair name (if isAttrs v then filterAttrsRecursive pred v else v)) ]
        else
          [ ]
      ) (attrNames set)
    );

  # A set with an attribute for each name, its value `f name`.
  genAttrs = names: f: listToAttrs (map (n: nameValuePair n (f n)) names);

  # The value at the path `attrPath` (a list of names) in `set`, or `default`.
  attrByPath =
    attrPath: default: set:
    let
      go =
        path: s:
        if path == [ ] then
          s
        else if isAttrs s && s ? ${head path} then
          go (tail path) s.${head path}
        else
          default;
    in
    go attrPath set;

  # Whether the path `attrPath` exists in `set`; the empty path always does.
  hasAttrByPath =
    attrPath: set:
    attrPath == [ ] || (isAttrs set && set ? ${head attrPath} && hasAttrByPath (tail attrPath) set.${head attrPath});

  # A nested set holding `value` at `attrPath`; the empty path gives `value` itself.
  setAttrByPath =
    attrPath: value:
    if attrPath == [ ] then value else { ${head attrPath} = setAttrByPath (tail attrPath) value; };

  # The value at `attrPath`; fails, naming the path, when it is missing.
  getAttrFromPath =
    attrPath: set:
    let
      missing = throw "cannot find attribute `${builtins.concatStringsSep "." attrPath}'";
    in
    attrByPath attrPath missing set;

  # The values of the attributes `names`, in that order; fails on a missing one.
  attrVals = names: set: map (n: set.${n}) names;

  # The attributes `names` of `set`, those present only.
  getAttrs = names: set: builtins.intersectAttrs (genAttrs names (_: null)) set;

  # Merges `rhs` into `lhs`, descending into values that are sets on both sides, until
  # `pred path lhsValue rhsValue` says to stop; there the value of `rhs` wins.
  recursiveUpdateUntil =
    pred: lhs: rhs:
    let
      merge =
        path:
        builtins.zipAttrsWith (
          name: values:
          let
            here = path ++ [ name ];
          in
          if length values == 1 || pred here (elemAt values 1) (head values) then
            head values
          else
            merge here values
        );
    in
    merge [ ] [
      rhs
      lhs
    ];

  # Merges `rhs` into `lhs`, descending into values that are sets on both sides.
  recursiveUpdate = recursiveUpdateUntil (path: lhs: rhs: !(isAttrs lhs && isAttrs rhs));

  # Folds over the attributes in name order: `f acc name value`.
  foldlAttrs = f: init: set: builtins.foldl' (acc: name: f acc name set.${name}) init (attrNames set);

  # For each name in any of the sets, the list of its values (in list order).
  zipAttrs = builtins.zipAttrsWith (name: values: values);

  # `zipAttrsWith` restricted to the attributes `names`.
  zipAttrsWithNames =
    names: f: sets:
    genAttrs names (name: f name (builtins.catAttrs name sets));

  # `f path value` for each value that is not a set, keeping the nesting.
  mapAttrsRecursive = mapAttrsRecursiveCond (_: true);

  # Like `mapAttrsRecursive`, descending only into the sets for which `cond` holds.
  mapAttrsRecursiveCond =
    cond: f: set:
    let
      recurse =
        path:
        builtins.mapAttrs (
          name: value:
          if isAttrs value && cond value then recurse (path ++ [ name ]) value else f (path ++ [ name ]) value
        );
    in
    recurse [ ] set;

  # The values, at any depth, for which `pred` holds; it does not descend into those.
  collect =
    pred: value:
    if pred value then
      [ value ]
    else if isAttrs value then
      builtins.concatMap (collect pred) (builtins.attrValues value)
    else
      [ ];

  # Whether a value is a derivation (a set whose `type` is "derivation").
  isDerivation = value: value.type or null == "derivation";

  # The output `output` of a package, else its `out`, else the package; a package that was
  # already given as one specific output stays as it is.
  getOutput =
    output: pkg:
    if !(pkg ? outputSpecified) || !pkg.outputSpecified then pkg.${output} or pkg.out or pkg else pkg;

  # The usual outputs, with the fallback of `getOutput`.
  getBin = getOutput "bin";
  getLib = getOutput "lib";
  getDev = getOutput "dev";
  getMan = getOutput "man";

  # Marks a set so that tools listing packages descend into it.
  recurseIntoAttrs = set: set // { recurseForDerivations = true; };
  dontRecurseIntoAttrs = set: set // { recurseForDerivations = false; };

  # The attributes of `set`, with their values replaced by those of `new` where `new` has them.
  overrideExisting = set: new: set // builtins.intersectAttrs set new;

  # All the sets of a list merged, later ones winning.
  mergeAttrsList = builtins.foldl' (acc: s: acc // s) { };
}
