# unused values are never evaluated
let x = throw "never"; s = { a = x; b = 1; }; in [ s.b (builtins.length [ x x ]) ({ inherit x; } ? x) ]
