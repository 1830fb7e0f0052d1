# a function called with an argument it does not take
let f = { name }: name; in f { name = "a"; nmae = "b"; }
