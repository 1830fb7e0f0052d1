# Overridable package functions: `makeOverridable` gives a function's result an `override`
# that calls it again with changed arguments, and `callPackageWith` fills a function's
# arguments from a set of packages.  `extendDerivation` adds attributes to a derivation and to
# each of its outputs, and `overrideDerivation` makes a derivation again from changed attributes.
#
# `overrideAttrs`, which changes the arguments of `stdenv.mkDerivation`, is only forwarded here;
# it belongs to `mkDerivation`.
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
            overrideDerivation = fdrv: overrideResult (x: overrideDerivation x fdrv);
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

  # `drv` with the attributes `passthru` added, on the derivation and on each of its outputs
  # (`drv.out`, `drv.dev`, ...), which all see the others; `condition` must hold for the
  # paths to be read.
  extendDerivation =
    condition: passthru: drv:
    let
      outputs = drv.outputs or [ "out" ];
      common = drv // builtins.listToAttrs outputList // { all = map (o: o.value) outputList; } // passthru;
      outputList = map (outputName: {
        name = outputName;
        value =
          common
          // {
            inherit (drv.${outputName}) type outputName;
            outputSpecified = true;
            drvPath = assert condition; drv.${outputName}.drvPath;
            outPath = assert condition; drv.${outputName}.outPath;
          }
          // lib.options.optionalAttrs (passthru ? overrideAttrs) {
            overrideAttrs = f: (passthru.overrideAttrs f).${outputName};
          };
      }) outputs;
    in
    common
    // {
      drvPath = assert condition; drv.drvPath;
      outPath = assert condition; drv.outPath;
    };

  # The derivation made from the attributes of `drv` (`drvAttrs`) and those `f drv` returns,
  # which win; `meta` and `passthru` are kept.  It works below `stdenv.mkDerivation`: prefer
  # `overrideAttrs`, which changes `mkDerivation`'s arguments.
  overrideDerivation =
    drv: f:
    let
      newDrv = derivation (drv.drvAttrs // f drv);
    in
    extendDerivation true (
      {
        meta = drv.meta or { };
        passthru = drv.passthru or { };
      }
      // drv.passthru or { }
    ) newDrv;
}
