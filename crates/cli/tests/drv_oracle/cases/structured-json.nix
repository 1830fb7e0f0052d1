# How `__structuredAttrs` writes values into `__json`: floats as C++ streams print them,
# strings escaped as JSON, keys in byte order, contexts turned into paths.
let
  inherit (import ../lib.nix) mk;
  s = attrs: mk ({ name = "json"; __structuredAttrs = true; } // attrs);
in
{
  floats = s { xs = [ 1.0e-5 1.0e21 123456.7 1234567.0 0.000123456789 1.7976931348623157e308 2.2250738585072014e-308 2.5 100.0 1.0e6 1.0e16 ]; };
  floatsMore = s { xs = [ 0.30000000000000004 (1.0 / 3) (-1.0e-10) 65536.0 999999.5 ]; };
  integers = s { xs = [ 0 (-0) 1 (-1) 9223372036854775807 (-9223372036854775807) ]; };
  strings = s {
    control = builtins.fromJSON ''"\u0001\u0007\b\f\n\r\t\u001f\u007f"'';
    quotes = "\"'\\/";
    unicode = "é → 🦀 \u{2028}";
    dollar = "\${x} $y";
  };
  keys = s { set = { "é" = 1; z = 2; Z = 3; "_" = 4; "a b" = 5; "" = 6; }; };
  deep = s { a.b.c.d.e = [ [ [ { f = null; } ] ] ]; };
  toStringSet = s { t = { __toString = _: "converted"; }; o = { outPath = "/not/store"; }; };
  path = s { p = ../files/hello.txt; ps = [ ../files/src ]; };
  emptyValues = s { l = [ ]; e = { }; str = ""; };
}
