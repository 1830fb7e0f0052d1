# a throw deep in a call chain shows the calls that led there
let
  check = v: if v > 2 then throw "value ${toString v} is too large" else v;
  all = map check [ 1 2 3 ];
in builtins.deepSeq all all
