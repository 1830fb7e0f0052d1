# Floats in the environment: Nix 2.8 prints them as `std::to_string` does (six decimals).
let
  inherit (import ../lib.nix) mk;
  f = name: x: mk { inherit name; value = x; inList = [ x x ]; };
in
{
  a = f "one-and-half" 1.5;
  b = f "tenth" 0.1;
  c = f "big" 1.0e20;
  d = f "integral" 123456789.0;
  e = f "tiny" 1.0e-7;
  g = f "negative" (-2.25);
  h = f "zero" 0.0;
  i = f "negative-zero" (-0.0);
  j = f "third" (1.0 / 3);
  k = f "huge" 1.0e300;
  l = f "rounding" 0.0000005;
  m = f "half-up" 2.5e-6;
  n = f "computed" (0.1 + 0.2);
  o = f "int-like" 3.0;
}
