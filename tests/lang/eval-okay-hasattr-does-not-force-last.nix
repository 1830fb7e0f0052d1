# `e ? a.b` forces the values on the way (e, e.a) but never the value of the last attribute: a self-reference through `?` is not a cycle, and a throwing value still counts as present.
let
  fix = f: let x = f x; in x;
  self = fix (x: { a = if x ? a then "a" else "b"; });
  rec' = let x = { a = x ? a; }; in x;
in
[
  self
  rec'
  ({ a = throw "never forced"; } ? a)
  ({ a.b = throw "never forced"; } ? a.b)
  ({ a = { }; } ? a.b)
]
