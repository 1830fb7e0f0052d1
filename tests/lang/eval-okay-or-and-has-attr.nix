# `or` defaults, `?` on paths, select through non-sets
let s = { a = { b = 1; }; n = null; }; in
[ (s.a.b or 2) (s.a.c or 3) (s.n.x or 4) (s ? a.b) (s ? a.c) (s ? n.x) (1 ? a) ]
