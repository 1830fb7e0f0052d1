# Fixed points and extensions: how a set that refers to its own final value (`self`) is built,
# and how overlays (`final: prev: { ... }`) are layered on top of it.
#
# These are the mechanics behind `makeExtensible` and `extend`; they know nothing of packages.
{ lib }:
rec {
  # The least fixed point of `f`: `f` receives its own result.
  fix =
    f:
    let
      x = f x;
    in
    x;

  # Like `fix`, but the result remembers `f` under `__unfix__`.
  fix' =
    f:
    let
      x = f x // {
        __unfix__ = f;
      };
    in
    x;

  # Applies the overlay `overlay` (final: prev: { ... }) to the function `rattrs` (final: { ... }).
  extends =
    overlay: rattrs: final:
    let
      prev = rattrs final;
    in
    prev // overlay final prev;

  # One overlay made of two: `g` sees the attributes `f` added in its `prev`.
  composeExtensions =
    f: g: final: prev:
    let
      fApplied = f final prev;
      prev' = prev // fApplied;
    in
    fApplied // g final prev';

  # One overlay made of a list of overlays, applied first to last.
  composeManyExtensions = builtins.foldl' composeExtensions (final: prev: { });

  # A fixed point of `rattrs` with an `extend` function that takes an overlay.
  makeExtensible = makeExtensibleWithCustomName "extend";

  # Like `makeExtensible`, naming the extending function `extenderName`.
  makeExtensibleWithCustomName =
    extenderName: rattrs:
    fix' (
      self:
      rattrs self
      // {
        ${extenderName} = f: makeExtensibleWithCustomName extenderName (extends f rattrs);
      }
    );
}
