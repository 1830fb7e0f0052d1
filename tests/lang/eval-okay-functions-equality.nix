# functions are unequal, except the same function inside a list or set
let f = x: x; in [ (f == f) ([ f ] == [ f ]) ({ inherit f; } == { inherit f; }) ((x: x) == (x: x)) ]
