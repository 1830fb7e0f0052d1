let
  a = [ 1 2
in a
