# Conditional values: a list, list element, string or attribute set that is present only when a
# condition holds.  These are what a package expression reaches for instead of a module
# system's `mkIf`; there is no option declaration or merging here.
#
# `lists.nix`, `strings.nix` and `attrsets.nix` pass these through under their own names.
{ lib }:
{
  # `[ elem ]` when `cond` holds, else `[ ]`.
  optional = cond: elem: if cond then [ elem ] else [ ];

  # `elems` when `cond` holds, else `[ ]`.
  optionals = cond: elems: if cond then elems else [ ];

  # `s` when `cond` holds, else `""`.
  optionalString = cond: s: if cond then s else "";

  # `set` when `cond` holds, else `{ }`.
  optionalAttrs = cond: set: if cond then set else { };
}
