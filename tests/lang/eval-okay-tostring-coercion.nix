# toString of every coercible type
[ (toString 1) (toString 1.5) (toString true) (toString false) (toString null) (toString [ 1 "a" [ ] [ 2 ] ]) (toString /x/y) (toString { outPath = "o"; }) ]
