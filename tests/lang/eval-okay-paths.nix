# path literals resolve against the file; `+` on paths; dirOf and baseNameOf keep types
let here = toString ./.; rel = p: builtins.substring (builtins.stringLength here) 100 (toString p); in
[ (rel (./a + "/b")) (rel ./a/../c) (rel (builtins.dirOf ./x/y)) (builtins.baseNameOf ./x/y) (builtins.typeOf (./x + "y"))
  (builtins.typeOf (builtins.dirOf ./x)) (builtins.typeOf (builtins.baseNameOf ./x)) (rel "${toString ./a}") ]
