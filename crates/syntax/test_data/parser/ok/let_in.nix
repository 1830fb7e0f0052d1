let
  a = 1;
  b.c = 2;
  inherit (b) c;
  inherit d;
in a + c
