# let bindings see each other; rec sets see themselves; inherit reads the outer scope
let x = 1; in
let
  a = b + 1;
  b = x * 10;
  s = rec { x = 5; y = x + 1; inherit a; };
  t = { inherit x; y = x; };
in [ a b s t ]
