# an undefined variable is reported before evaluation, with a suggestion
let value = 1; in valeu
