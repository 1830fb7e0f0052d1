[
  (a + !b + c)
  (-a ? b.c)
  (!a ? b)
  (a -> b -> c)
  (a // b // c)
  (a ++ b ++ c)
  (a - b - c * d / e)
  (a < b && c >= d || !e)
  (a == b)
  (x |> f |> g)
  (f <| g <| x)
  (- - a)
]
