# builtins.functionArgs gives each formal the position of its name, so unsafeGetAttrPos works on the result.
let
  p = builtins.unsafeGetAttrPos "b" (builtins.functionArgs ({ a, b ? 1 }: a));
in
[ p.line p.column ]
