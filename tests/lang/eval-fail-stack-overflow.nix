# runaway recursion ends in an error, not a crash
let f = n: 1 + f (n + 1); in f 0
