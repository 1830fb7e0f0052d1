# sets with __functor can be called
let counter = { n = 1; __functor = self: x: self.n + x; }; in [ (counter 41) (builtins.isFunction counter) ]
