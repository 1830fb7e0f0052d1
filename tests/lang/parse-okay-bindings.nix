let
  x = 1;
  set = rec {
    a.b.c = x;
    a.b.d = a.b.c;
    "quoted name" = 2;
    ${"dynamic"} = 3;
    inherit x;
    inherit (set) w;
    y = 4;
  };
  merged = { n.m = 1; n = { o = 2; }; };
  legacy = let { body = x; };
in [ set merged legacy ]
