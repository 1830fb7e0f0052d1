[
  (x: x)
  ({ a, b ? 1, ... }: a)
  (args @ { a, ... }: args)
  ({ a, }@ args: a)
  ({ }: 1)
  ({ ... }: 1)
  (a: b: c: a)
]
