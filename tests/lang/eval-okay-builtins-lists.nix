# list built-ins
with builtins;
[ (head [ 1 2 ]) (tail [ 1 2 3 ]) (elemAt [ 1 2 3 ] 1) (length [ ]) (map (x: x * x) [ 1 2 3 ])
  (filter (x: x > 1) [ 1 2 3 ]) (foldl' (a: b: a - b) 10 [ 1 2 3 ]) (genList (i: i * 2) 4)
  (concatLists [ [ 1 ] [ ] [ 2 3 ] ]) (concatMap (x: [ x x ]) [ 1 2 ]) (elem 2 [ 1 2 ]) (all (x: x > 0) [ 1 2 ])
  (any (x: x > 1) [ 1 2 ]) (sort lessThan [ 3 1 2 ]) (sort (a: b: a > b) [ 3 1 2 ])
  (partition (x: x > 1) [ 1 2 3 ]) (groupBy (x: if x > 1 then "big" else "small") [ 1 2 3 ]) ]
