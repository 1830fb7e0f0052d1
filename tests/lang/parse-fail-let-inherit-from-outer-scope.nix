let inherit x; in x
