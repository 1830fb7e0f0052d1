# `with` never shadows lexical bindings; the innermost `with` wins among withs
let a = "lexical"; in
with { a = "outer-with"; b = "outer-b"; c = "outer-c"; };
with { b = "inner-b"; };
[ a b c (with { true = 0; }; true) ]
