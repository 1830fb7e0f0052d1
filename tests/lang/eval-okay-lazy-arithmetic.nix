# Arithmetic on known integers may be done early, but never where it shows: an overflowing
# argument that is not used is no error, and `__overrides` still changes what `rec` values see.
let
  max = 9223372036854775807;
  const = y: 1;
  count = n: if n == 0 then 0 else 1 + count (n - 1);
in
[
  (const (max + 1))
  (rec { a = 1; b = a + 10; __overrides = { a = 2; }; }).b
  (count 1000)
  (let a = 5; b = a * 2; c = b - a; in [ a b c (c == a) (b > a) ])
]
