# adding a string to an integer
1 + "two"
