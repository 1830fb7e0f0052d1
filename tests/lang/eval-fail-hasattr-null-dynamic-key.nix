# A dynamic attribute name that is null is only skipped when defining attributes; in `e ? ${...}` it is an error ("value is null while a string was expected").
{ a = 1; } ? ${null}
