# Overridable package functions: `makeOverridable` gives a function's result an `override`
# that calls it again with changed arguments, and `callPackageWith` fills a function's
# arguments from a set of packages.
#
# Derivation-specific overriding (`overrideAttrs`) is only forwarded, not implemented here;
# it belongs to `stdenv.mkDerivation`.
{ lib }:
rec {
  # `f` (a function of an argument set) made overridable: its result, when a set or a function,
  # gains `override`, which takes new arguments (a set, or a function of the old ones).
  makeOverridable =
    f:
    let
      overridable =
        origArgs:
        let
          result = f origArgs;
          overrideWith = newArgs: origArgs // (if lib.trivial.isFunction newArgs then newArgs origArgs else newArgs);
          override = newArgs: makeOverridable f (overrideWith newArgs);
          overrideResult = g: makeOverridable (args: g (f args)) origArgs;
        in
        if builtins.isAttrs result then
          result
          // {
            inherit override;
          }
          // lib.options.optionalAttrs (result ? overrideAttrs) {
            overrideAttrs = fdrv: overrideResult (x: x.overrideAttrs fdrv);
          }
        else if lib.trivial.isFunction result then
          lib.trivial.setFunctionArgs result (lib.trivial.functionArgs result)
          // {
            inherit override;
          }
        else
          result;
    in
    lib.trivial.mirrorFunctionArgs f overridable;

  # Calls `fn` (a function, or a file holding one) with the arguments it names taken from
  # `autoArgs`, overridden by `args`; the result is overridable.
  callPackageWith =
    autoArgs: fn: args:
    let
      f = if lib.trivial.isFunction fn then fn else import fn;
      fargs = lib.trivial.functionArgs f;
      allArgs = builtins.intersectAttrs fargs autoArgs // args;
    in
    makeOverridable f allArgs;
}
