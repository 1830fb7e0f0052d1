# JSON `-0` (no fraction or exponent) is an integer: builtins.fromJSON gives the int 0; `-0.0` stays a float.
[
  (builtins.fromJSON "-0")
  (builtins.typeOf (builtins.fromJSON "-0"))
  (builtins.typeOf (builtins.fromJSON "-0.0"))
  (builtins.toJSON (builtins.fromJSON "[-0]"))
]
