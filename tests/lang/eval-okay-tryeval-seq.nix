# tryEval catches throw and assert only; seq and deepSeq force
with builtins;
[ (tryEval (throw "no")) (tryEval (assert false; 1)) (tryEval 5) (seq 1 2) (deepSeq [ 1 ] 2) ]
