# toJSON and fromJSON
with builtins;
[ (toJSON { b = [ 1 2.5 true null "s\n" ]; a = { }; }) (fromJSON "{\"x\": [1, -2.5e3, false, null, \"\\u00e9\"]}") (toJSON 0.1) ]
