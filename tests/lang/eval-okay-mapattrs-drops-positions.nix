# builtins.mapAttrs makes new attributes without positions: unsafeGetAttrPos on its result is null (lib/tests/modules/declaration-positions.nix asserts this), while //, removeAttrs and intersectAttrs keep them.
let
  s = { a = true; };
in
[
  (builtins.unsafeGetAttrPos "a" (builtins.mapAttrs (k: v: v) s))
  ((builtins.unsafeGetAttrPos "a" (s // { })).line)
  ((builtins.unsafeGetAttrPos "a" (builtins.removeAttrs s [ "b" ])).line)
  ((builtins.unsafeGetAttrPos "a" (builtins.intersectAttrs { a = 1; } s)).line)
]
