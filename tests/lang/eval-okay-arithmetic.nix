# integer and float arithmetic, promotion, division truncating toward zero
[ (1 + 2 * 3) (7 / 2) (-7 / 2) (7 / -2) (1 + 2.5) (2 * 1.5) (1.0 / 4) (10 - 0.5) (-(3)) (builtins.div 9 4) (builtins.sub 1 2) (builtins.mul 3 4) (0.1 + 0.2) ]
