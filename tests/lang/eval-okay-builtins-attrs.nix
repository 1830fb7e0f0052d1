# attribute set built-ins
with builtins;
let s = { b = 2; a = 1; c = 3; }; in
[ (attrNames s) (attrValues s) (getAttr "a" s) (hasAttr "z" s) (removeAttrs s [ "a" "zz" ])
  (intersectAttrs { a = 0; z = 0; } s) (listToAttrs [ { name = "x"; value = 1; } { name = "x"; value = 2; } ])
  (mapAttrs (n: v: n + toString v) s) (catAttrs "a" [ { a = 1; } { } { a = 2; } ])
  (zipAttrsWith (n: vs: vs) [ { a = 1; } { a = 2; b = 3; } ]) (functionArgs ({ x, y ? 1 }: x)) ]
