# a value that depends on itself
let x = x + 1; in x
