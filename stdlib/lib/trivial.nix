# Small combinators over functions, booleans and numbers: the glue the other files are built from.
#
# The fixed-point helpers (`fix`, `extends`, `makeExtensible`, ...) are defined in
# `fixed-points.nix` and only passed through here, so `lib.trivial.fix` also works.
# Nothing here looks at attribute sets or lists beyond what a combinator needs.
{ lib }:
{
  # The identity function.
  id = x: x;

  # A function that ignores its second argument.
  const = x: _: x;

  # Swaps the order of a two-argument function's arguments.
  flip = f: a: b: f b a;

  # Feeds a value through a list of functions, the first function first.
  pipe = value: fns: builtins.foldl' (acc: f: f acc) value fns;

  # The operators as functions.
  concat = a: b: a ++ b;
  or = a: b: a || b;
  and = a: b: a && b;
  xor = a: b: (!a) != (!b);
  mergeAttrs = a: b: a // b;

  inherit (builtins) bitAnd bitOr bitXor seq deepSeq;

  # Whether a value can be called: a function, or a set with a `__functor`.
  isFunction = f: builtins.isFunction f || (f ? __functor && lib.trivial.isFunction (f.__functor f));

  # The formal arguments of a function (`{ name = hasDefault; }`), including one made
  # with `setFunctionArgs`; `{ }` for a function of a plain argument.
  functionArgs =
    f:
    if f ? __functor then
      f.__functionArgs or (lib.trivial.functionArgs (f.__functor f))
    else
      builtins.functionArgs f;

  # "true" or "false".
  boolToString = b: if b then "true" else "false";

  # The smaller and the larger of two comparable values.
  min = a: b: if a < b then a else b;
  max = a: b: if a > b then a else b;

  # The remainder of an integer division, with the sign of the dividend, like C's `%`.
  mod = a: b: a - b * (builtins.div a b);

  # -1, 0 or 1 as `a` is less than, equal to or greater than `b`.
  compare = a: b: if a < b then -1 else if a > b then 1 else 0;

  # Prints a warning on standard error, then returns the second argument.
  warn = msg: builtins.trace "warning: ${msg}";
  warnIf = cond: msg: if cond then lib.trivial.warn msg else x: x;

  # Fails the evaluation with `msg` when `cond` holds (or does not, for `throwIfNot`).
  throwIf = cond: msg: if cond then throw msg else x: x;
  throwIfNot = cond: msg: if cond then x: x else throw msg;

  # Turns a value into a function that returns it; functions stay as they are.
  toFunction = v: if lib.trivial.isFunction v then v else _: v;

  # Gives `f` the formal arguments `args`, so `functionArgs` reports them.
  setFunctionArgs = f: args: {
    __functor = _: f;
    __functionArgs = args;
  };

  # Copies the formal arguments of `f` onto `g`.
  mirrorFunctionArgs = f: g: lib.trivial.setFunctionArgs g (lib.trivial.functionArgs f);

  inherit (lib.fixedPoints)
    fix
    fix'
    extends
    composeExtensions
    composeManyExtensions
    makeExtensible
    makeExtensibleWithCustomName
    ;
}
