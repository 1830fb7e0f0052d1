# calling something that is not a function
let x = 1; in x 2
