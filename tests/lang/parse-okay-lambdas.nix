[
  (x: x)
  ({ a, b ? a, ... }: b)
  (args @ { a, ... }: args.a)
  ({ a, } @ args: a)
  ({ }: null)
  (a: b: a b)
]
