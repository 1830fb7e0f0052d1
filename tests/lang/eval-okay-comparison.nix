# comparisons of numbers, strings, paths, lists; equality is deep
[ (1 < 2) (2.5 > 1) (1 <= 1.0) ("abc" < "abd") ("" < "a") ([ 1 2 ] < [ 1 3 ]) ([ 1 ] < [ 1 2 ]) (/a < /b)
  (1 == 1.0) ({ a = [ 1 { b = 2; } ]; } == { a = [ 1 { b = 2; } ]; }) ([ 1 ] != [ 2 ]) ("a" == "a") (null == null) ]
