# a function called without a required argument
let f = { name, version }: name; in f { name = "a"; }
