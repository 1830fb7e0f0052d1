# Every operator, with Nix's precedence.
a: b: c:
[
  (a |> b |> c) (c <| b <| a)
  (a -> b -> c) (a || b && c) (a == b) (a != b) (a < b) (a <= b) (a > b) (a >= b)
  (a // b // c) (!a) (a + b - c) (a * b / c) (a ++ b ++ c) (a ? b.c) (-a) (a b c) (a.b.c or a)
  (!a + b) (a + !b + c) (-a ? b) (!a ? b)
]
