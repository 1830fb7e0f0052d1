# What the oracle compares of a case: the value of a case file (a derivation, or lists and
# sets of them, nested) with every derivation replaced by its `.drv` path and the path of each
# of its outputs (`path` is its `outPath`: a set with an `outPath` would print as that string).
# Anything else in the value is an error, so that a case cannot compare nothing.
let
  isDerivation = x: builtins.isAttrs x && (x.type or null) == "derivation";
  derivationPaths = d: {
    inherit (d) drvPath;
    path = d.outPath;
    outputs = builtins.listToAttrs (
      map (o: {
        name = o;
        value = d.${o}.outPath;
      }) (d.outputs or [ "out" ])
    );
  };
  project =
    x:
    if isDerivation x then
      derivationPaths x
    else if builtins.isList x then
      map project x
    else if builtins.isAttrs x then
      builtins.mapAttrs (_: project) x
    else
      throw "a case must give derivations, in lists and sets, not a ${builtins.typeOf x}";
in
project
