rec {
  a.b.c = 1;
  "quoted key" = 2;
  ${dyn} = 3;
  "${interp}x" = 4;
  or = 5;
  inherit x y;
  inherit (z) w;
}
