[ (f a.b c) (a.b.c or d) (a."b".${c}) (map or [ ]) (a.or) (f x).y ]
