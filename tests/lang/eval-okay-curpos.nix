# `__curPos` is a keyword (not a variable) giving the position of the expression as { file, line, column }; a `let` binding of the same name does not shadow it.
let
  p = __curPos;
  q = let __curPos = 1; in __curPos;
in
[ p.line p.column (builtins.isString p.file) (builtins.attrNames p) q.line q.column ]
