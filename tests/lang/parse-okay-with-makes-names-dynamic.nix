with builtins; with { a = 1; }; [ a b c length ]
