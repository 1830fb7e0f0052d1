# Selecting with a null dynamic attribute name is an error even with an `or` default ("value is null while a string was expected").
{ a = 1; }.${null} or 2
