# Test cases for `stdlib/lib`, as data: each case is `{ name; expr; expected; }`, and passes when
# `expr`, evaluated deeply, equals `expected`.  A case with `throws = true;` instead of
# `expected` passes when evaluating `expr` throws (a `throw` or a failed `assert`).
#
# The set of cases takes the library as an argument, so the same cases can be run against
# nixpkgs' `lib` to check that the names both libraries share behave the same.
# `run.sh` evaluates them with a given evaluator; `check.nix` does the comparing.
{
  lib ? import ../lib,
}:
let
  inherit (lib) id const;
  drv = outputs: {
    type = "derivation";
    name = "pkg-1.0";
    outPath = "/store/pkg";
  } // outputs;
  # A derivation that the evaluator computes the paths of; nothing builds it.
  realDrv = attrs: derivation ({
    name = "pkg";
    system = "x86_64-linux";
    builder = "/bin/sh";
  } // attrs);
in
[
  # trivial
  { name = "id-int"; expr = lib.id 1; expected = 1; }
  { name = "id-null"; expr = lib.id null; expected = null; }
  { name = "id-list"; expr = lib.id [ 1 [ 2 ] ]; expected = [ 1 [ 2 ] ]; }
  { name = "const-ignores"; expr = lib.const 1 2; expected = 1; }
  { name = "const-map"; expr = map (lib.const "x") [ 1 2 3 ]; expected = [ "x" "x" "x" ]; }
  { name = "const-lazy"; expr = lib.const 1 (throw "unused"); expected = 1; }
  { name = "flip-sub"; expr = lib.flip builtins.sub 1 10; expected = 9; }
  { name = "flip-concat"; expr = lib.flip lib.concat [ 1 ] [ 2 ]; expected = [ 2 1 ]; }
  { name = "flip-twice"; expr = lib.flip (lib.flip builtins.sub) 10 1; expected = 9; }
  { name = "pipe-order"; expr = lib.pipe 2 [ (x: x + 1) (x: x * 10) ]; expected = 30; }
  { name = "pipe-empty"; expr = lib.pipe "v" [ ]; expected = "v"; }
  { name = "pipe-types"; expr = lib.pipe [ 3 1 2 ] [ (builtins.sort builtins.lessThan) builtins.head toString ]; expected = "1"; }
  { name = "concat"; expr = lib.concat [ 1 ] [ 2 3 ]; expected = [ 1 2 3 ]; }
  { name = "concat-empty"; expr = lib.concat [ ] [ ]; expected = [ ]; }
  { name = "concat-nested"; expr = lib.concat [ [ 1 ] ] [ [ 2 ] ]; expected = [ [ 1 ] [ 2 ] ]; }
  { name = "or-true"; expr = lib.or false true; expected = true; }
  { name = "or-false"; expr = lib.or false false; expected = false; }
  { name = "or-lazy"; expr = lib.or true (throw "unused"); expected = true; }
  { name = "and-true"; expr = lib.and true true; expected = true; }
  { name = "and-false"; expr = lib.and true false; expected = false; }
  { name = "and-lazy"; expr = lib.and false (throw "unused"); expected = false; }
  { name = "xor-same"; expr = [ (lib.xor true true) (lib.xor false false) ]; expected = [ false false ]; }
  { name = "xor-different"; expr = [ (lib.xor true false) (lib.xor false true) ]; expected = [ true true ]; }
  { name = "xor-fold"; expr = lib.foldl' lib.xor false [ true true true ]; expected = true; }
  { name = "bitAnd"; expr = lib.bitAnd 12 10; expected = 8; }
  { name = "bitAnd-zero"; expr = lib.bitAnd 5 0; expected = 0; }
  { name = "bitAnd-negative"; expr = lib.bitAnd (-1) 7; expected = 7; }
  { name = "bitOr"; expr = lib.bitOr 12 10; expected = 14; }
  { name = "bitOr-zero"; expr = lib.bitOr 0 0; expected = 0; }
  { name = "bitOr-same"; expr = lib.bitOr 3 3; expected = 3; }
  { name = "bitXor"; expr = lib.bitXor 12 10; expected = 6; }
  { name = "bitXor-same"; expr = lib.bitXor 9 9; expected = 0; }
  { name = "bitXor-zero"; expr = lib.bitXor 9 0; expected = 9; }
  { name = "seq"; expr = lib.seq 1 2; expected = 2; }
  { name = "seq-forces"; expr = lib.seq (throw "forced") 2; throws = true; }
  { name = "seq-shallow"; expr = lib.seq [ (throw "unused") ] 2; expected = 2; }
  { name = "deepSeq"; expr = lib.deepSeq [ 1 ] 2; expected = 2; }
  { name = "deepSeq-forces-deep"; expr = lib.deepSeq [ { a = throw "forced"; } ] 2; throws = true; }
  { name = "deepSeq-set"; expr = lib.deepSeq { a.b = 1; } "ok"; expected = "ok"; }
  { name = "warn-value"; expr = lib.warn "a warning on standard error" 1; expected = 1; }
  { name = "warn-set"; expr = lib.warn "another" { a = 1; }; expected = { a = 1; }; }
  { name = "warn-lazy-message"; expr = lib.isFunction (lib.warn "m"); expected = true; }
  { name = "warnIf-false"; expr = lib.warnIf false "unused" 1; expected = 1; }
  { name = "warnIf-true"; expr = lib.warnIf true "a warning on standard error" 2; expected = 2; }
  { name = "warnIf-list"; expr = lib.warnIf false "unused" [ ]; expected = [ ]; }
  { name = "boolToString-true"; expr = lib.boolToString true; expected = "true"; }
  { name = "boolToString-false"; expr = lib.boolToString false; expected = "false"; }
  { name = "boolToString-interpolated"; expr = "x=${lib.boolToString (1 < 2)}"; expected = "x=true"; }
  { name = "mergeAttrs-right-wins"; expr = lib.mergeAttrs { a = 1; b = 1; } { b = 2; }; expected = { a = 1; b = 2; }; }
  { name = "mergeAttrs-empty"; expr = lib.mergeAttrs { } { }; expected = { }; }
  { name = "mergeAttrs-shallow"; expr = lib.mergeAttrs { a.x = 1; } { a.y = 2; }; expected = { a.y = 2; }; }
  { name = "min"; expr = lib.min 1 2; expected = 1; }
  { name = "min-swapped"; expr = lib.min 2 1; expected = 1; }
  { name = "min-strings"; expr = lib.min "b" "a"; expected = "a"; }
  { name = "max"; expr = lib.max 1 2; expected = 2; }
  { name = "max-swapped"; expr = lib.max 2 1; expected = 2; }
  { name = "max-negative"; expr = lib.max (-3) (-4); expected = -3; }
  { name = "mod-positive"; expr = lib.mod 11 10; expected = 1; }
  { name = "mod-zero"; expr = lib.mod 10 5; expected = 0; }
  { name = "mod-negative-dividend"; expr = lib.mod (-11) 10; expected = -1; }
  { name = "compare-less"; expr = lib.compare 1 2; expected = -1; }
  { name = "compare-equal"; expr = lib.compare 2 2; expected = 0; }
  { name = "compare-greater"; expr = lib.compare "b" "a"; expected = 1; }
  { name = "toFunction-value"; expr = lib.toFunction 5 null; expected = 5; }
  { name = "toFunction-function"; expr = lib.toFunction (x: x + 1) 1; expected = 2; }
  { name = "toFunction-set"; expr = lib.toFunction { a = 1; } { }; expected = { a = 1; }; }
  { name = "throwIf-false"; expr = lib.throwIf false "no" 1; expected = 1; }
  { name = "throwIf-true"; expr = lib.throwIf true "yes" 1; throws = true; }
  { name = "throwIf-pipe"; expr = lib.pipe 2 [ (x: lib.throwIf (x > 5) "too big" x) ]; expected = 2; }
  { name = "throwIfNot-true"; expr = lib.throwIfNot true "no" "v"; expected = "v"; }
  { name = "throwIfNot-false"; expr = lib.throwIfNot false "yes" 1; throws = true; }
  { name = "throwIfNot-assert"; expr = assert lib.throwIfNot (1 < 2) "unused" true; "ok"; expected = "ok"; }
  { name = "setFunctionArgs-reported"; expr = lib.functionArgs (lib.setFunctionArgs (x: x) { a = false; }); expected = { a = false; }; }
  { name = "setFunctionArgs-callable"; expr = lib.setFunctionArgs (x: x.a + 1) { a = false; } { a = 1; }; expected = 2; }
  { name = "setFunctionArgs-empty"; expr = lib.functionArgs (lib.setFunctionArgs (x: x) { }); expected = { }; }
  { name = "mirrorFunctionArgs"; expr = lib.functionArgs (lib.mirrorFunctionArgs ({ a, b ? 1 }: a) (x: x)); expected = { a = false; b = true; }; }
  { name = "mirrorFunctionArgs-callable"; expr = lib.mirrorFunctionArgs ({ a }: a) (x: x.a * 2) { a = 3; }; expected = 6; }
  { name = "functionArgs"; expr = lib.functionArgs ({ a, b ? 1, ... }: a); expected = { a = false; b = true; }; }
  { name = "functionArgs-plain"; expr = lib.functionArgs (x: x); expected = { }; }
  { name = "functionArgs-functor"; expr = lib.functionArgs { __functor = self: { x }: x; }; expected = { x = false; }; }
  { name = "isFunction"; expr = lib.isFunction (x: x); expected = true; }
  { name = "isFunction-functor"; expr = lib.isFunction { __functor = self: x: x; }; expected = true; }
  { name = "isFunction-not"; expr = [ (lib.isFunction { }) (lib.isFunction 1) ]; expected = [ false false ]; }
  { name = "isFunction-builtin"; expr = lib.isFunction builtins.add; expected = true; }
  { name = "isFunction-partial"; expr = lib.isFunction (builtins.add 1); expected = true; }
  { name = "mirrorFunctionArgs-plain"; expr = lib.functionArgs (lib.mirrorFunctionArgs (x: x) (y: y)); expected = { }; }

  # fixed points
  { name = "fix-self-reference"; expr = (lib.fix (self: { a = 1; b = self.a + 1; })).b; expected = 2; }
  { name = "fix-list"; expr = builtins.head (lib.fix (self: [ 1 ])); expected = 1; }
  { name = "fix-const"; expr = lib.fix (const 3); expected = 3; }
  { name = "fix'-unfix"; expr = (lib.fix' (self: { a = 1; })).__unfix__ { } ; expected = { a = 1; }; }
  { name = "fix'-self"; expr = removeAttrs (lib.fix' (self: { a = 2; b = self.a * 2; })) [ "__unfix__" ]; expected = { a = 2; b = 4; }; }
  { name = "fix'-sees-unfix"; expr = (lib.fix' (self: { has = self ? __unfix__; })).has; expected = true; }
  { name = "extends-override"; expr = lib.fix (lib.extends (final: prev: { a = prev.a + 10; }) (self: { a = 1; b = self.a; })); expected = { a = 11; b = 11; }; }
  { name = "extends-add"; expr = lib.fix (lib.extends (final: prev: { c = final.a; }) (self: { a = 1; })); expected = { a = 1; c = 1; }; }
  { name = "extends-empty"; expr = lib.fix (lib.extends (final: prev: { }) (self: { a = 1; })); expected = { a = 1; }; }
  { name = "composeExtensions-order"; expr = lib.fix (lib.extends (lib.composeExtensions (f: p: { a = p.a + 1; }) (f: p: { a = p.a * 10; })) (self: { a = 1; })); expected = { a = 20; }; }
  { name = "composeExtensions-final"; expr = lib.fix (lib.extends (lib.composeExtensions (f: p: { b = f.a; }) (f: p: { a = 5; })) (self: { a = 1; })); expected = { a = 5; b = 5; }; }
  { name = "composeExtensions-prev-sees-first"; expr = lib.fix (lib.extends (lib.composeExtensions (f: p: { b = 1; }) (f: p: { c = p.b + 1; })) (self: { })); expected = { b = 1; c = 2; }; }
  { name = "composeManyExtensions"; expr = lib.fix (lib.extends (lib.composeManyExtensions [ (f: p: { a = p.a + 1; }) (f: p: { a = p.a * 2; }) (f: p: { a = p.a - 1; }) ]) (self: { a = 1; })); expected = { a = 3; }; }
  { name = "composeManyExtensions-empty"; expr = lib.fix (lib.extends (lib.composeManyExtensions [ ]) (self: { a = 1; })); expected = { a = 1; }; }
  { name = "composeManyExtensions-one"; expr = lib.fix (lib.extends (lib.composeManyExtensions [ (f: p: { b = 2; }) ]) (self: { a = 1; })); expected = { a = 1; b = 2; }; }
  { name = "makeExtensible-plain"; expr = (lib.makeExtensible (self: { a = 1; b = self.a + 1; })).b; expected = 2; }
  { name = "makeExtensible-extend"; expr = ((lib.makeExtensible (self: { a = 1; b = self.a + 1; })).extend (final: prev: { a = 10; })).b; expected = 11; }
  { name = "makeExtensible-extend-twice"; expr = (((lib.makeExtensible (self: { a = 1; })).extend (f: p: { a = p.a + 1; })).extend (f: p: { a = p.a * 3; })).a; expected = 6; }
  { name = "makeExtensibleWithCustomName"; expr = ((lib.makeExtensibleWithCustomName "overlay" (self: { a = 1; })).overlay (f: p: { a = 2; })).a; expected = 2; }
  { name = "makeExtensibleWithCustomName-no-extend"; expr = (lib.makeExtensibleWithCustomName "overlay" (self: { })) ? extend; expected = false; }
  { name = "makeExtensibleWithCustomName-names"; expr = builtins.attrNames (lib.makeExtensibleWithCustomName "x" (self: { a = 1; })); expected = [ "__unfix__" "a" "x" ]; }
  { name = "fixedPoints-fix"; expr = lib.fixedPoints.fix (const 1); expected = 1; }

  # options
  { name = "optional-true"; expr = lib.optional true 1; expected = [ 1 ]; }
  { name = "optional-false"; expr = lib.optional false 1; expected = [ ]; }
  { name = "optional-list-element"; expr = lib.optional true [ 1 ]; expected = [ [ 1 ] ]; }
  { name = "optional-lazy"; expr = lib.optional false (throw "unused"); expected = [ ]; }
  { name = "optionals-true"; expr = lib.optionals true [ 1 2 ]; expected = [ 1 2 ]; }
  { name = "optionals-false"; expr = lib.optionals false [ 1 2 ]; expected = [ ]; }
  { name = "optionals-empty"; expr = lib.optionals true [ ]; expected = [ ]; }
  { name = "optionalString-true"; expr = lib.optionalString true "a"; expected = "a"; }
  { name = "optionalString-false"; expr = lib.optionalString false "a"; expected = ""; }
  { name = "optionalString-concat"; expr = "x" + lib.optionalString (1 == 1) "-y" + lib.optionalString false "-z"; expected = "x-y"; }
  { name = "optionalAttrs-true"; expr = lib.optionalAttrs true { a = 1; }; expected = { a = 1; }; }
  { name = "optionalAttrs-false"; expr = lib.optionalAttrs false { a = 1; }; expected = { }; }
  { name = "optionalAttrs-merge"; expr = { a = 1; } // lib.optionalAttrs true { b = 2; } // lib.optionalAttrs false { c = 3; }; expected = { a = 1; b = 2; }; }
  { name = "optional-reexports"; expr = [ (lib.lists.optional true 1) (lib.strings.optionalString true "s") (lib.attrsets.optionalAttrs true { }) ]; expected = [ [ 1 ] "s" { } ]; }

  # lists
  { name = "foldl-order"; expr = lib.foldl (acc: x: acc ++ [ x ]) [ 0 ] [ 1 2 3 ]; expected = [ 0 1 2 3 ]; }
  { name = "foldl-empty"; expr = lib.foldl builtins.add 7 [ ]; expected = 7; }
  { name = "foldl-sub"; expr = lib.foldl builtins.sub 10 [ 1 2 ]; expected = 7; }
  { name = "foldl'-sum"; expr = lib.foldl' builtins.add 0 [ 1 2 3 ]; expected = 6; }
  { name = "foldl'-empty"; expr = lib.foldl' builtins.add 0 [ ]; expected = 0; }
  { name = "foldl'-strings"; expr = lib.foldl' (a: b: a + b) "" [ "a" "b" ]; expected = "ab"; }
  { name = "foldr-order"; expr = lib.foldr (x: acc: [ x ] ++ acc) [ 4 ] [ 1 2 3 ]; expected = [ 1 2 3 4 ]; }
  { name = "foldr-empty"; expr = lib.foldr builtins.add 1 [ ]; expected = 1; }
  { name = "foldr-sub"; expr = lib.foldr builtins.sub 0 [ 10 3 ]; expected = 7; }
  { name = "groupBy'-sum"; expr = lib.groupBy' builtins.add 0 (x: if x > 2 then "big" else "small") [ 1 2 3 4 ]; expected = { big = 7; small = 3; }; }
  { name = "groupBy'-empty"; expr = lib.groupBy' builtins.add 0 toString [ ]; expected = { }; }
  { name = "groupBy'-count"; expr = lib.groupBy' (n: _: n + 1) 0 (s: s) [ "a" "b" "a" ]; expected = { a = 2; b = 1; }; }
  { name = "flatten-nested"; expr = lib.flatten [ 1 [ 2 [ 3 [ ] ] ] 4 ]; expected = [ 1 2 3 4 ]; }
  { name = "flatten-scalar"; expr = lib.flatten 1; expected = [ 1 ]; }
  { name = "flatten-empty"; expr = lib.flatten [ [ ] [ [ ] ] ]; expected = [ ]; }
  { name = "unique-keeps-first"; expr = lib.unique [ 3 1 3 2 1 ]; expected = [ 3 1 2 ]; }
  { name = "unique-empty"; expr = lib.unique [ ]; expected = [ ]; }
  { name = "unique-sets"; expr = lib.unique [ { a = 1; } { a = 1; } { a = 2; } ]; expected = [ { a = 1; } { a = 2; } ]; }
  { name = "allUnique-true"; expr = lib.allUnique [ 1 2 3 ]; expected = true; }
  { name = "allUnique-false"; expr = lib.allUnique [ 1 2 1 ]; expected = false; }
  { name = "allUnique-empty"; expr = lib.allUnique [ ]; expected = true; }
  { name = "imap0"; expr = lib.imap0 (i: x: "${toString i}${x}") [ "a" "b" ]; expected = [ "0a" "1b" ]; }
  { name = "imap0-empty"; expr = lib.imap0 (i: x: i) [ ]; expected = [ ]; }
  { name = "imap0-indices"; expr = lib.imap0 (i: _: i) [ null null null ]; expected = [ 0 1 2 ]; }
  { name = "imap1"; expr = lib.imap1 (i: x: i * x) [ 10 20 ]; expected = [ 10 40 ]; }
  { name = "imap1-empty"; expr = lib.imap1 (i: x: i) [ ]; expected = [ ]; }
  { name = "imap1-indices"; expr = lib.imap1 (i: _: i) [ "a" "b" "c" ]; expected = [ 1 2 3 ]; }
  { name = "ifilter0-even-index"; expr = lib.ifilter0 (i: _: lib.mod i 2 == 0) [ "a" "b" "c" ]; expected = [ "a" "c" ]; }
  { name = "ifilter0-by-value"; expr = lib.ifilter0 (i: x: x > i) [ 0 5 1 9 ]; expected = [ 5 9 ]; }
  { name = "ifilter0-empty"; expr = lib.ifilter0 (i: x: true) [ ]; expected = [ ]; }
  { name = "concatMap"; expr = lib.concatMap (x: [ x x ]) [ 1 2 ]; expected = [ 1 1 2 2 ]; }
  { name = "concatMap-empty"; expr = lib.concatMap (x: [ x ]) [ ]; expected = [ ]; }
  { name = "concatMap-drops"; expr = lib.concatMap (x: if x > 1 then [ x ] else [ ]) [ 1 2 3 ]; expected = [ 2 3 ]; }
  { name = "concatLists"; expr = lib.concatLists [ [ 1 ] [ ] [ 2 3 ] ]; expected = [ 1 2 3 ]; }
  { name = "concatLists-empty"; expr = lib.concatLists [ ]; expected = [ ]; }
  { name = "concatLists-one-level"; expr = lib.concatLists [ [ [ 1 ] ] ]; expected = [ [ 1 ] ]; }
  { name = "filter"; expr = lib.filter (x: x > 1) [ 1 2 3 ]; expected = [ 2 3 ]; }
  { name = "filter-none"; expr = lib.filter (x: false) [ 1 2 ]; expected = [ ]; }
  { name = "filter-empty"; expr = lib.filter (x: true) [ ]; expected = [ ]; }
  { name = "remove"; expr = lib.remove 2 [ 1 2 3 2 ]; expected = [ 1 3 ]; }
  { name = "remove-absent"; expr = lib.remove 9 [ 1 2 ]; expected = [ 1 2 ]; }
  { name = "remove-empty"; expr = lib.remove 1 [ ]; expected = [ ]; }
  { name = "range"; expr = lib.range 2 5; expected = [ 2 3 4 5 ]; }
  { name = "range-single"; expr = lib.range 3 3; expected = [ 3 ]; }
  { name = "range-empty"; expr = lib.range 5 2; expected = [ ]; }
  { name = "range-negative"; expr = lib.range (-1) 1; expected = [ (-1) 0 1 ]; }
  { name = "replicate"; expr = lib.replicate 3 "a"; expected = [ "a" "a" "a" ]; }
  { name = "replicate-zero"; expr = lib.replicate 0 1; expected = [ ]; }
  { name = "replicate-list"; expr = lib.replicate 2 [ ]; expected = [ [ ] [ ] ]; }
  { name = "last"; expr = lib.last [ 1 2 3 ]; expected = 3; }
  { name = "last-single"; expr = lib.last [ "x" ]; expected = "x"; }
  { name = "last-empty"; expr = lib.last [ ]; throws = true; }
  { name = "init"; expr = lib.init [ 1 2 3 ]; expected = [ 1 2 ]; }
  { name = "init-single"; expr = lib.init [ 1 ]; expected = [ ]; }
  { name = "init-empty"; expr = lib.init [ ]; throws = true; }
  { name = "take"; expr = lib.take 2 [ 1 2 3 ]; expected = [ 1 2 ]; }
  { name = "take-more"; expr = lib.take 5 [ 1 2 ]; expected = [ 1 2 ]; }
  { name = "take-zero"; expr = lib.take 0 [ 1 2 ]; expected = [ ]; }
  { name = "take-empty"; expr = lib.take 2 [ ]; expected = [ ]; }
  { name = "drop"; expr = lib.drop 1 [ 1 2 3 ]; expected = [ 2 3 ]; }
  { name = "drop-more"; expr = lib.drop 5 [ 1 2 ]; expected = [ ]; }
  { name = "drop-zero"; expr = lib.drop 0 [ 1 2 ]; expected = [ 1 2 ]; }
  { name = "sublist"; expr = lib.sublist 1 2 [ 0 1 2 3 ]; expected = [ 1 2 ]; }
  { name = "sublist-past-end"; expr = lib.sublist 3 5 [ 0 1 2 3 ]; expected = [ 3 ]; }
  { name = "sublist-start-past-end"; expr = lib.sublist 9 1 [ 0 1 ]; expected = [ ]; }
  { name = "sublist-empty"; expr = lib.sublist 0 3 [ ]; expected = [ ]; }
  { name = "reverseList"; expr = lib.reverseList [ 1 2 3 ]; expected = [ 3 2 1 ]; }
  { name = "reverseList-empty"; expr = lib.reverseList [ ]; expected = [ ]; }
  { name = "reverseList-shallow"; expr = lib.reverseList [ [ 1 2 ] 3 ]; expected = [ 3 [ 1 2 ] ]; }
  { name = "zipListsWith"; expr = lib.zipListsWith (a: b: a + b) [ 1 2 ] [ 10 20 ]; expected = [ 11 22 ]; }
  { name = "zipListsWith-shorter"; expr = lib.zipListsWith (a: b: [ a b ]) [ 1 2 3 ] [ "a" ]; expected = [ [ 1 "a" ] ]; }
  { name = "zipListsWith-empty"; expr = lib.zipListsWith (a: b: a) [ ] [ 1 ]; expected = [ ]; }
  { name = "zipLists"; expr = lib.zipLists [ 1 2 ] [ "a" "b" ]; expected = [ { fst = 1; snd = "a"; } { fst = 2; snd = "b"; } ]; }
  { name = "zipLists-shorter"; expr = lib.zipLists [ 1 ] [ "a" "b" ]; expected = [ { fst = 1; snd = "a"; } ]; }
  { name = "zipLists-empty"; expr = lib.zipLists [ ] [ ]; expected = [ ]; }
  { name = "partition"; expr = lib.partition (x: x > 2) [ 1 3 2 4 ]; expected = { right = [ 3 4 ]; wrong = [ 1 2 ]; }; }
  { name = "partition-empty"; expr = lib.partition (x: true) [ ]; expected = { right = [ ]; wrong = [ ]; }; }
  { name = "partition-none"; expr = lib.partition (x: false) [ 1 ]; expected = { right = [ ]; wrong = [ 1 ]; }; }
  { name = "groupBy"; expr = lib.groupBy (x: if x > 2 then "big" else "small") [ 1 3 2 4 ]; expected = { big = [ 3 4 ]; small = [ 1 2 ]; }; }
  { name = "groupBy-empty"; expr = lib.groupBy toString [ ]; expected = { }; }
  { name = "groupBy-keeps-order"; expr = lib.groupBy (s: builtins.substring 0 1 s) [ "ab" "b" "ac" ]; expected = { a = [ "ab" "ac" ]; b = [ "b" ]; }; }
  { name = "sort"; expr = lib.sort builtins.lessThan [ 3 1 2 ]; expected = [ 1 2 3 ]; }
  { name = "sort-descending"; expr = lib.sort (a: b: a > b) [ "a" "c" "b" ]; expected = [ "c" "b" "a" ]; }
  { name = "sort-stable"; expr = lib.sort (a: b: a.k < b.k) [ { k = 1; v = "x"; } { k = 0; v = "y"; } { k = 1; v = "z"; } ]; expected = [ { k = 0; v = "y"; } { k = 1; v = "x"; } { k = 1; v = "z"; } ]; }
  { name = "sort-empty"; expr = lib.sort builtins.lessThan [ ]; expected = [ ]; }
  { name = "sortOn"; expr = lib.sortOn builtins.stringLength [ "ccc" "a" "bb" ]; expected = [ "a" "bb" "ccc" ]; }
  { name = "sortOn-stable"; expr = lib.sortOn (x: x.k) [ { k = 1; v = 1; } { k = 0; v = 2; } { k = 1; v = 3; } ]; expected = [ { k = 0; v = 2; } { k = 1; v = 1; } { k = 1; v = 3; } ]; }
  { name = "sortOn-empty"; expr = lib.sortOn id [ ]; expected = [ ]; }
  { name = "findFirst"; expr = lib.findFirst (x: x > 1) null [ 1 2 3 ]; expected = 2; }
  { name = "findFirst-default"; expr = lib.findFirst (x: x > 5) "none" [ 1 2 ]; expected = "none"; }
  { name = "findFirst-empty"; expr = lib.findFirst (x: true) 0 [ ]; expected = 0; }
  { name = "findFirstIndex"; expr = lib.lists.findFirstIndex (x: x == "b") null [ "a" "b" "b" ]; expected = 1; }
  { name = "findFirstIndex-default"; expr = lib.lists.findFirstIndex (x: false) (-1) [ 1 ]; expected = -1; }
  { name = "findFirstIndex-empty"; expr = lib.lists.findFirstIndex (x: true) null [ ]; expected = null; }
  { name = "findSingle"; expr = lib.findSingle (x: x == 2) "none" "many" [ 1 2 3 ]; expected = 2; }
  { name = "findSingle-none"; expr = lib.findSingle (x: x == 5) "none" "many" [ 1 2 ]; expected = "none"; }
  { name = "findSingle-many"; expr = lib.findSingle (x: x > 0) "none" "many" [ 1 2 ]; expected = "many"; }
  { name = "any"; expr = lib.any (x: x > 2) [ 1 3 ]; expected = true; }
  { name = "any-false"; expr = lib.any (x: x > 5) [ 1 3 ]; expected = false; }
  { name = "any-empty"; expr = lib.any (x: true) [ ]; expected = false; }
  { name = "all"; expr = lib.all (x: x > 0) [ 1 3 ]; expected = true; }
  { name = "all-false"; expr = lib.all (x: x > 1) [ 1 3 ]; expected = false; }
  { name = "all-empty"; expr = lib.all (x: false) [ ]; expected = true; }
  { name = "count"; expr = lib.count (x: x > 1) [ 1 2 3 ]; expected = 2; }
  { name = "count-none"; expr = lib.count (x: false) [ 1 2 ]; expected = 0; }
  { name = "count-empty"; expr = lib.count (x: true) [ ]; expected = 0; }
  { name = "toList-scalar"; expr = lib.toList 1; expected = [ 1 ]; }
  { name = "toList-list"; expr = lib.toList [ 1 2 ]; expected = [ 1 2 ]; }
  { name = "toList-set"; expr = lib.toList { }; expected = [ { } ]; }
  { name = "singleton"; expr = lib.singleton 1; expected = [ 1 ]; }
  { name = "singleton-list"; expr = lib.singleton [ ]; expected = [ [ ] ]; }
  { name = "singleton-null"; expr = lib.singleton null; expected = [ null ]; }
  { name = "forEach"; expr = lib.forEach [ 1 2 ] (x: x * 2); expected = [ 2 4 ]; }
  { name = "forEach-empty"; expr = lib.forEach [ ] (x: x); expected = [ ]; }
  { name = "forEach-strings"; expr = lib.forEach [ "a" ] (x: x + "!"); expected = [ "a!" ]; }
  { name = "elem"; expr = lib.elem 2 [ 1 2 ]; expected = true; }
  { name = "elem-absent"; expr = lib.elem 3 [ 1 2 ]; expected = false; }
  { name = "elem-empty"; expr = lib.elem 1 [ ]; expected = false; }
  { name = "elem-set"; expr = lib.elem { a = 1; } [ { a = 1; } ]; expected = true; }
  { name = "head"; expr = lib.head [ 1 2 ]; expected = 1; }
  { name = "head-nested"; expr = lib.head [ [ 1 ] ]; expected = [ 1 ]; }
  { name = "head-lazy-tail"; expr = lib.head [ 1 (throw "unused") ]; expected = 1; }
  { name = "tail"; expr = lib.tail [ 1 2 3 ]; expected = [ 2 3 ]; }
  { name = "tail-single"; expr = lib.tail [ 1 ]; expected = [ ]; }
  { name = "tail-nested"; expr = lib.tail [ [ 1 ] [ 2 ] ]; expected = [ [ 2 ] ]; }
  { name = "length"; expr = lib.length [ 1 2 3 ]; expected = 3; }
  { name = "length-empty"; expr = lib.length [ ]; expected = 0; }
  { name = "length-lazy"; expr = lib.length [ (throw "unused") ]; expected = 1; }
  { name = "intersectLists"; expr = lib.intersectLists [ 1 2 3 ] [ 3 4 1 ]; expected = [ 3 1 ]; }
  { name = "intersectLists-empty"; expr = lib.intersectLists [ ] [ 1 ]; expected = [ ]; }
  { name = "intersectLists-dups"; expr = lib.intersectLists [ 1 ] [ 1 1 2 ]; expected = [ 1 1 ]; }
  { name = "subtractLists"; expr = lib.subtractLists [ 1 2 ] [ 1 2 3 4 ]; expected = [ 3 4 ]; }
  { name = "subtractLists-empty"; expr = lib.subtractLists [ ] [ 1 ]; expected = [ 1 ]; }
  { name = "subtractLists-all"; expr = lib.subtractLists [ 1 ] [ 1 1 ]; expected = [ ]; }
  { name = "mutuallyExclusive"; expr = lib.mutuallyExclusive [ 1 2 ] [ 3 4 ]; expected = true; }
  { name = "mutuallyExclusive-false"; expr = lib.mutuallyExclusive [ 1 2 ] [ 2 3 ]; expected = false; }
  { name = "mutuallyExclusive-empty"; expr = lib.mutuallyExclusive [ ] [ 1 ]; expected = true; }
  { name = "genList"; expr = lib.genList (x: x * x) 3; expected = [ 0 1 4 ]; }
  { name = "genList-zero"; expr = lib.genList (x: x) 0; expected = [ ]; }
  { name = "genList-lazy"; expr = lib.length (lib.genList (x: throw "unused") 2); expected = 2; }
  { name = "elemAt"; expr = lib.elemAt [ "a" "b" ] 1; expected = "b"; }
  { name = "elemAt-first"; expr = lib.elemAt [ "a" "b" ] 0; expected = "a"; }
  { name = "elemAt-nested"; expr = lib.elemAt (lib.elemAt [ [ 1 2 ] ] 0) 1; expected = 2; }
  { name = "map"; expr = lib.map (x: x + 1) [ 1 2 ]; expected = [ 2 3 ]; }
  { name = "map-empty"; expr = lib.map (x: x) [ ]; expected = [ ]; }
  { name = "map-lazy"; expr = lib.length (lib.map (x: throw "unused") [ 1 ]); expected = 1; }
  { name = "isList"; expr = lib.isList [ ]; expected = true; }
  { name = "isList-set"; expr = lib.isList { }; expected = false; }
  { name = "isList-string"; expr = lib.isList ""; expected = false; }

  # strings
  { name = "concatStrings"; expr = lib.concatStrings [ "a" "b" "c" ]; expected = "abc"; }
  { name = "concatStrings-empty"; expr = lib.concatStrings [ ]; expected = ""; }
  { name = "concatStrings-empties"; expr = lib.concatStrings [ "" "" ]; expected = ""; }
  { name = "concatStringsSep"; expr = lib.concatStringsSep ", " [ "a" "b" ]; expected = "a, b"; }
  { name = "concatStringsSep-empty"; expr = lib.concatStringsSep "," [ ]; expected = ""; }
  { name = "concatStringsSep-single"; expr = lib.concatStringsSep "," [ "x" ]; expected = "x"; }
  { name = "concatMapStrings"; expr = lib.concatMapStrings (x: x + ";") [ "a" "b" ]; expected = "a;b;"; }
  { name = "concatMapStrings-empty"; expr = lib.concatMapStrings (x: x) [ ]; expected = ""; }
  { name = "concatMapStrings-ints"; expr = lib.concatMapStrings toString [ 1 2 3 ]; expected = "123"; }
  { name = "concatMapStringsSep"; expr = lib.concatMapStringsSep "-" (x: x + x) [ "a" "b" ]; expected = "aa-bb"; }
  { name = "concatMapStringsSep-empty"; expr = lib.concatMapStringsSep "-" (x: x) [ ]; expected = ""; }
  { name = "concatMapStringsSep-single"; expr = lib.concatMapStringsSep "-" toString [ 1 ]; expected = "1"; }
  { name = "concatImapStrings"; expr = lib.concatImapStrings (i: x: "${toString i}${x}") [ "a" "b" ]; expected = "1a2b"; }
  { name = "concatImapStrings-empty"; expr = lib.concatImapStrings (i: x: x) [ ]; expected = ""; }
  { name = "concatImapStrings-index"; expr = lib.concatImapStrings (i: _: toString i) [ null null null ]; expected = "123"; }
  { name = "concatImapStringsSep"; expr = lib.concatImapStringsSep "," (i: x: "${toString i}=${x}") [ "a" "b" ]; expected = "1=a,2=b"; }
  { name = "concatImapStringsSep-empty"; expr = lib.concatImapStringsSep "," (i: x: x) [ ]; expected = ""; }
  { name = "concatImapStringsSep-single"; expr = lib.concatImapStringsSep "," (i: x: x) [ "z" ]; expected = "z"; }
  { name = "intersperse"; expr = lib.intersperse "," [ "a" "b" "c" ]; expected = [ "a" "," "b" "," "c" ]; }
  { name = "intersperse-empty"; expr = lib.intersperse 0 [ ]; expected = [ ]; }
  { name = "intersperse-single"; expr = lib.intersperse 0 [ 1 ]; expected = [ 1 ]; }
  { name = "splitString"; expr = lib.splitString "," "a,b,c"; expected = [ "a" "b" "c" ]; }
  { name = "splitString-empty-fields"; expr = lib.splitString "," ",a,,b,"; expected = [ "" "a" "" "b" "" ]; }
  { name = "splitString-empty"; expr = lib.splitString "," ""; expected = [ "" ]; }
  { name = "splitString-regex-chars"; expr = lib.splitString "." "1.2.3"; expected = [ "1" "2" "3" ]; }
  { name = "splitString-multichar"; expr = lib.splitString "::" "a::b:c"; expected = [ "a" "b:c" ]; }
  { name = "splitString-absent"; expr = lib.splitString "/" "abc"; expected = [ "abc" ]; }
  { name = "hasPrefix"; expr = lib.hasPrefix "foo" "foobar"; expected = true; }
  { name = "hasPrefix-false"; expr = lib.hasPrefix "bar" "foobar"; expected = false; }
  { name = "hasPrefix-empty"; expr = lib.hasPrefix "" "x"; expected = true; }
  { name = "hasPrefix-longer"; expr = lib.hasPrefix "foobar" "foo"; expected = false; }
  { name = "hasSuffix"; expr = lib.hasSuffix ".nix" "default.nix"; expected = true; }
  { name = "hasSuffix-false"; expr = lib.hasSuffix ".nix" "default.nix.bak"; expected = false; }
  { name = "hasSuffix-empty"; expr = lib.hasSuffix "" ""; expected = true; }
  { name = "hasSuffix-longer"; expr = lib.hasSuffix "abc" "bc"; expected = false; }
  { name = "hasInfix"; expr = lib.hasInfix "b" "abc"; expected = true; }
  { name = "hasInfix-false"; expr = lib.hasInfix "x" "abc"; expected = false; }
  { name = "hasInfix-regex-chars"; expr = [ (lib.hasInfix "." "a.b") (lib.hasInfix "." "ab") ]; expected = [ true false ]; }
  { name = "removePrefix"; expr = lib.removePrefix "foo." "foo.bar"; expected = "bar"; }
  { name = "removePrefix-absent"; expr = lib.removePrefix "x" "foo"; expected = "foo"; }
  { name = "removePrefix-whole"; expr = lib.removePrefix "foo" "foo"; expected = ""; }
  { name = "removeSuffix"; expr = lib.removeSuffix ".tar.gz" "src.tar.gz"; expected = "src"; }
  { name = "removeSuffix-absent"; expr = lib.removeSuffix "x" "foo"; expected = "foo"; }
  { name = "removeSuffix-empty"; expr = lib.removeSuffix "" "foo"; expected = "foo"; }
  { name = "toUpper"; expr = lib.toUpper "Hello, world 1"; expected = "HELLO, WORLD 1"; }
  { name = "toUpper-empty"; expr = lib.toUpper ""; expected = ""; }
  { name = "toUpper-idempotent"; expr = lib.toUpper "ABC"; expected = "ABC"; }
  { name = "toLower"; expr = lib.toLower "Hello, WORLD 1"; expected = "hello, world 1"; }
  { name = "toLower-empty"; expr = lib.toLower ""; expected = ""; }
  { name = "toLower-idempotent"; expr = lib.toLower "abc-_"; expected = "abc-_"; }
  { name = "replaceStrings"; expr = lib.replaceStrings [ "a" "b" ] [ "b" "c" ] "aabb"; expected = "bbcc"; }
  { name = "replaceStrings-none"; expr = lib.replaceStrings [ ] [ ] "x"; expected = "x"; }
  { name = "replaceStrings-delete"; expr = lib.replaceStrings [ "-" ] [ "" ] "a-b-c"; expected = "abc"; }
  { name = "stringToCharacters"; expr = lib.stringToCharacters "abc"; expected = [ "a" "b" "c" ]; }
  { name = "stringToCharacters-empty"; expr = lib.stringToCharacters ""; expected = [ ]; }
  { name = "stringToCharacters-space"; expr = lib.stringToCharacters "a b"; expected = [ "a" " " "b" ]; }
  { name = "stringAsChars"; expr = lib.stringAsChars (c: if c == "a" then "A" else c) "banana"; expected = "bAnAnA"; }
  { name = "stringAsChars-empty"; expr = lib.stringAsChars (c: c + c) ""; expected = ""; }
  { name = "stringAsChars-double"; expr = lib.stringAsChars (c: c + c) "ab"; expected = "aabb"; }
  { name = "escape"; expr = lib.escape [ "$" "\"" ] "a$b\"c"; expected = "a\\$b\\\"c"; }
  { name = "escape-none"; expr = lib.escape [ ] "a$"; expected = "a$"; }
  { name = "escape-backslash"; expr = lib.escape [ "\\" ] "a\\b"; expected = "a\\\\b"; }
  { name = "escapeRegex"; expr = lib.escapeRegex "a.b*c"; expected = "a\\.b\\*c"; }
  { name = "escapeRegex-plain"; expr = lib.escapeRegex "abc"; expected = "abc"; }
  { name = "escapeRegex-match"; expr = builtins.match (lib.escapeRegex "(1+1)") "(1+1)"; expected = [ ]; }
  { name = "escapeShellArg-plain"; expr = lib.escapeShellArg "abc/d.e-f"; expected = "abc/d.e-f"; }
  { name = "escapeShellArg-space"; expr = lib.escapeShellArg "a b"; expected = "'a b'"; }
  { name = "escapeShellArg-quote"; expr = lib.escapeShellArg "it's"; expected = "'it'\\''s'"; }
  { name = "escapeShellArg-empty"; expr = lib.escapeShellArg ""; expected = "''"; }
  { name = "escapeShellArg-int"; expr = lib.escapeShellArg 5; expected = "5"; }
  { name = "escapeShellArg-dollar"; expr = lib.escapeShellArg "$HOME"; expected = "'$HOME'"; }
  { name = "escapeShellArgs"; expr = lib.escapeShellArgs [ "a" "b c" "" ]; expected = "a 'b c' ''"; }
  { name = "escapeShellArgs-empty"; expr = lib.escapeShellArgs [ ]; expected = ""; }
  { name = "escapeShellArgs-quote"; expr = lib.escapeShellArgs [ "'" ]; expected = "''\\'''"; }
  { name = "makeSearchPath"; expr = lib.makeSearchPath "bin" [ "/a" "/b" ]; expected = "/a/bin:/b/bin"; }
  { name = "makeSearchPath-null"; expr = lib.makeSearchPath "lib" [ null "/a" null ]; expected = "/a/lib"; }
  { name = "makeSearchPath-empty"; expr = lib.makeSearchPath "bin" [ ]; expected = ""; }
  { name = "makeSearchPathOutput"; expr = lib.makeSearchPathOutput "dev" "include" [ (drv { dev = "/d"; }) "/s" ]; expected = "/d/include:/s/include"; }
  { name = "makeSearchPathOutput-out"; expr = lib.makeSearchPathOutput "dev" "include" [ (drv { out = "/o"; }) ]; expected = "/o/include"; }
  { name = "makeSearchPathOutput-empty"; expr = lib.makeSearchPathOutput "dev" "include" [ ]; expected = ""; }
  { name = "makeBinPath-strings"; expr = lib.makeBinPath [ "/a" "/b" ]; expected = "/a/bin:/b/bin"; }
  { name = "makeBinPath-outputs"; expr = lib.makeBinPath [ (drv { bin = "/store/pkg-bin"; }) (drv { out = "/store/o"; }) ]; expected = "/store/pkg-bin/bin:/store/o/bin"; }
  { name = "makeBinPath-empty"; expr = lib.makeBinPath [ ]; expected = ""; }
  { name = "makeBinPath-null"; expr = lib.makeBinPath [ null ]; expected = ""; }
  { name = "makeLibraryPath"; expr = lib.makeLibraryPath [ "/a" (drv { lib = "/l"; }) ]; expected = "/a/lib:/l/lib"; }
  { name = "makeLibraryPath-empty"; expr = lib.makeLibraryPath [ ]; expected = ""; }
  { name = "makeLibraryPath-no-lib-output"; expr = lib.makeLibraryPath [ (drv { }) ]; expected = "/store/pkg/lib"; }
  { name = "stringLength"; expr = lib.stringLength "abc"; expected = 3; }
  { name = "stringLength-empty"; expr = lib.stringLength ""; expected = 0; }
  { name = "stringLength-escapes"; expr = lib.stringLength "a\nb"; expected = 3; }
  { name = "substring"; expr = lib.substring 1 2 "abcd"; expected = "bc"; }
  { name = "substring-past-end"; expr = lib.substring 2 10 "abcd"; expected = "cd"; }
  { name = "substring-start-past-end"; expr = lib.substring 10 1 "abcd"; expected = ""; }
  { name = "substring-negative-length"; expr = lib.substring 1 (-1) "abcd"; expected = "bcd"; }
  { name = "fixedWidthString"; expr = lib.fixedWidthString 5 "0" "42"; expected = "00042"; }
  { name = "fixedWidthString-exact"; expr = lib.fixedWidthString 2 "0" "42"; expected = "42"; }
  { name = "fixedWidthString-empty"; expr = lib.fixedWidthString 3 "-" ""; expected = "---"; }
  { name = "fixedWidthString-too-long"; expr = lib.fixedWidthString 2 "0" "abc"; throws = true; }
  { name = "fixedWidthNumber"; expr = lib.fixedWidthNumber 3 5; expected = "005"; }
  { name = "fixedWidthNumber-exact"; expr = lib.fixedWidthNumber 2 15; expected = "15"; }
  { name = "fixedWidthNumber-zero"; expr = lib.fixedWidthNumber 4 0; expected = "0000"; }
  { name = "fixedWidthNumber-too-long"; expr = lib.fixedWidthNumber 1 15; throws = true; }
  { name = "trim"; expr = lib.trim "  a b \n"; expected = "a b"; }
  { name = "trim-whitespace-only"; expr = lib.trim " \t\n "; expected = ""; }
  { name = "trim-empty"; expr = lib.trim ""; expected = ""; }
  { name = "trim-nothing"; expr = lib.trim "abc"; expected = "abc"; }
  { name = "trim-single"; expr = lib.trim " x "; expected = "x"; }
  { name = "trimWith-start"; expr = lib.trimWith { start = true; } "  a  "; expected = "a  "; }
  { name = "trimWith-end"; expr = lib.trimWith { end = true; } "  a  "; expected = "  a"; }
  { name = "trimWith-neither"; expr = lib.trimWith { } "  a  "; expected = "  a  "; }
  { name = "toInt"; expr = lib.toInt "42"; expected = 42; }
  { name = "toInt-negative"; expr = lib.toInt "-12"; expected = -12; }
  { name = "toInt-whitespace"; expr = lib.toInt " 7\n"; expected = 7; }
  { name = "toInt-zero"; expr = lib.toInt "0"; expected = 0; }
  { name = "toInt-hex"; expr = lib.toInt "0x2A"; throws = true; }
  { name = "toInt-float"; expr = lib.toInt "1.5"; throws = true; }
  { name = "toInt-leading-zero"; expr = lib.toInt "007"; throws = true; }
  { name = "toInt-empty"; expr = lib.toInt ""; throws = true; }
  { name = "toIntBase10"; expr = lib.toIntBase10 "007"; expected = 7; }
  { name = "toIntBase10-zero"; expr = lib.toIntBase10 "000"; expected = 0; }
  { name = "toIntBase10-whitespace"; expr = lib.toIntBase10 " 10 "; expected = 10; }
  { name = "toIntBase10-invalid"; expr = lib.toIntBase10 "1e3"; throws = true; }
  { name = "versionOlder"; expr = lib.versionOlder "1.2" "1.10"; expected = true; }
  { name = "versionOlder-equal"; expr = lib.versionOlder "1.2" "1.2"; expected = false; }
  { name = "versionOlder-newer"; expr = lib.versionOlder "2.0" "1.9.9"; expected = false; }
  { name = "versionOlder-pre"; expr = lib.versionOlder "1.0pre1" "1.0"; expected = true; }
  { name = "versionAtLeast"; expr = lib.versionAtLeast "1.10" "1.2"; expected = true; }
  { name = "versionAtLeast-equal"; expr = lib.versionAtLeast "1.2" "1.2"; expected = true; }
  { name = "versionAtLeast-older"; expr = lib.versionAtLeast "1.2" "1.3"; expected = false; }
  { name = "getName-string"; expr = lib.getName "hello-2.12.1"; expected = "hello"; }
  { name = "getName-drv"; expr = lib.getName (drv { }); expected = "pkg"; }
  { name = "getName-pname"; expr = lib.getName { pname = "p"; name = "other-1"; }; expected = "p"; }
  { name = "getName-no-version"; expr = lib.getName "hello"; expected = "hello"; }
  { name = "getVersion-string"; expr = lib.getVersion "hello-2.12.1"; expected = "2.12.1"; }
  { name = "getVersion-drv"; expr = lib.getVersion (drv { }); expected = "1.0"; }
  { name = "getVersion-attr"; expr = lib.getVersion { version = "3"; name = "x-1"; }; expected = "3"; }
  { name = "getVersion-none"; expr = lib.getVersion "hello"; expected = ""; }
  { name = "enableFeature"; expr = lib.enableFeature true "shared"; expected = "--enable-shared"; }
  { name = "enableFeature-false"; expr = lib.enableFeature false "static"; expected = "--disable-static"; }
  { name = "enableFeature-interpolated"; expr = "./configure ${lib.enableFeature (1 > 0) "x"}"; expected = "./configure --enable-x"; }
  { name = "enableFeature-dashes"; expr = lib.enableFeature false "foo-bar"; expected = "--disable-foo-bar"; }
  { name = "withFeature"; expr = lib.withFeature true "ssl"; expected = "--with-ssl"; }
  { name = "withFeature-false"; expr = lib.withFeature false "ssl"; expected = "--without-ssl"; }
  { name = "withFeature-interpolated"; expr = "${lib.withFeature true "a"} ${lib.withFeature false "b"}"; expected = "--with-a --without-b"; }
  { name = "withFeature-empty"; expr = lib.withFeature true ""; expected = "--with-"; }
  { name = "lowerChars"; expr = lib.concatStrings lib.lowerChars; expected = "abcdefghijklmnopqrstuvwxyz"; }
  { name = "lowerChars-length"; expr = lib.length lib.lowerChars; expected = 26; }
  { name = "lowerChars-first"; expr = lib.head lib.lowerChars; expected = "a"; }
  { name = "upperChars"; expr = lib.concatStrings lib.upperChars; expected = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"; }
  { name = "upperChars-length"; expr = lib.length lib.upperChars; expected = 26; }
  { name = "upperChars-last"; expr = lib.last lib.upperChars; expected = "Z"; }
  { name = "isString"; expr = lib.isString "a"; expected = true; }
  { name = "isString-int"; expr = lib.isString 1; expected = false; }
  { name = "isString-path"; expr = lib.isString ./lib.nix; expected = false; }
  { name = "toString"; expr = lib.toString [ 1 "a" null true ]; expected = "1 a  1"; }
  { name = "toString-drv"; expr = lib.toString (drv { }); expected = "/store/pkg"; }
  { name = "toString-false"; expr = lib.toString false; expected = ""; }
  { name = "compareVersions"; expr = lib.compareVersions "1.10" "1.9"; expected = 1; }
  { name = "compareVersions-equal"; expr = lib.compareVersions "2.0" "2.0"; expected = 0; }
  { name = "compareVersions-pre"; expr = lib.compareVersions "1.0pre" "1.0"; expected = -1; }
  { name = "parseDrvName"; expr = lib.parseDrvName "hello-2.12"; expected = { name = "hello"; version = "2.12"; }; }
  { name = "parseDrvName-no-version"; expr = lib.parseDrvName "hello"; expected = { name = "hello"; version = ""; }; }
  { name = "parseDrvName-dashes"; expr = lib.parseDrvName "gtk-doc-1.33-rc"; expected = { name = "gtk-doc"; version = "1.33-rc"; }; }
  { name = "match"; expr = lib.match "a(b)c" "abc"; expected = [ "b" ]; }
  { name = "match-none"; expr = lib.match "a" "b"; expected = null; }
  { name = "match-whole"; expr = lib.match "b" "abc"; expected = null; }
  { name = "split"; expr = lib.split "," "a,b"; expected = [ "a" [ ] "b" ]; }
  { name = "split-groups"; expr = lib.split "(,)" "a,b"; expected = [ "a" [ "," ] "b" ]; }
  { name = "split-none"; expr = lib.split "," "ab"; expected = [ "ab" ]; }

  # attrsets
  { name = "nameValuePair"; expr = lib.nameValuePair "a" 1; expected = { name = "a"; value = 1; }; }
  { name = "nameValuePair-null"; expr = lib.nameValuePair "x" null; expected = { name = "x"; value = null; }; }
  { name = "nameValuePair-listToAttrs"; expr = lib.listToAttrs [ (lib.nameValuePair "k" "v") ]; expected = { k = "v"; }; }
  { name = "listToAttrs"; expr = lib.listToAttrs [ { name = "a"; value = 1; } { name = "b"; value = 2; } ]; expected = { a = 1; b = 2; }; }
  { name = "listToAttrs-empty"; expr = lib.listToAttrs [ ]; expected = { }; }
  { name = "listToAttrs-first-wins"; expr = lib.listToAttrs [ { name = "a"; value = 1; } { name = "a"; value = 2; } ]; expected = { a = 1; }; }
  { name = "attrNames-sorted"; expr = lib.attrNames { b = 1; a = 2; }; expected = [ "a" "b" ]; }
  { name = "attrNames-empty"; expr = lib.attrNames { }; expected = [ ]; }
  { name = "attrNames-shallow"; expr = lib.attrNames { a.b.c = 1; }; expected = [ "a" ]; }
  { name = "attrValues-sorted"; expr = lib.attrValues { b = 1; a = 2; }; expected = [ 2 1 ]; }
  { name = "attrValues-empty"; expr = lib.attrValues { }; expected = [ ]; }
  { name = "attrValues-nested"; expr = lib.attrValues { a.b = 1; }; expected = [ { b = 1; } ]; }
  { name = "mapAttrs'"; expr = lib.mapAttrs' (n: v: lib.nameValuePair "x-${n}" (v * 2)) { a = 1; b = 2; }; expected = { x-a = 2; x-b = 4; }; }
  { name = "mapAttrs'-empty"; expr = lib.mapAttrs' (n: v: lib.nameValuePair n v) { }; expected = { }; }
  { name = "mapAttrs'-collide"; expr = lib.mapAttrs' (n: v: lib.nameValuePair "k" n) { a = 1; b = 2; }; expected = { k = "a"; }; }
  { name = "mapAttrsToList"; expr = lib.mapAttrsToList (n: v: "${n}=${toString v}") { b = 2; a = 1; }; expected = [ "a=1" "b=2" ]; }
  { name = "mapAttrsToList-empty"; expr = lib.mapAttrsToList (n: v: v) { }; expected = [ ]; }
  { name = "mapAttrsToList-values"; expr = lib.mapAttrsToList (n: v: v) { x.y = 1; }; expected = [ { y = 1; } ]; }
  { name = "attrsToList"; expr = lib.attrsToList { b = 2; a = 1; }; expected = [ { name = "a"; value = 1; } { name = "b"; value = 2; } ]; }
  { name = "attrsToList-empty"; expr = lib.attrsToList { }; expected = [ ]; }
  { name = "attrsToList-roundtrip"; expr = lib.listToAttrs (lib.attrsToList { a = 1; b.c = 2; }); expected = { a = 1; b.c = 2; }; }
  { name = "concatMapAttrs"; expr = lib.concatMapAttrs (n: v: { ${n} = v; "${n}2" = v * 2; }) { a = 1; b = 2; }; expected = { a = 1; a2 = 2; b = 2; b2 = 4; }; }
  { name = "concatMapAttrs-empty"; expr = lib.concatMapAttrs (n: v: { x = v; }) { }; expected = { }; }
  { name = "concatMapAttrs-later-wins"; expr = lib.concatMapAttrs (n: v: { x = n; }) { a = 1; b = 2; }; expected = { x = "b"; }; }
  { name = "mapAttrs"; expr = lib.mapAttrs (n: v: n + v) { a = "1"; }; expected = { a = "a1"; }; }
  { name = "mapAttrs-empty"; expr = lib.mapAttrs (n: v: v) { }; expected = { }; }
  { name = "mapAttrs-shallow"; expr = lib.mapAttrs (n: v: lib.isAttrs v) { a.b = 1; c = 2; }; expected = { a = true; c = false; }; }
  { name = "filterAttrs"; expr = lib.filterAttrs (n: v: v > 1) { a = 1; b = 2; c = 3; }; expected = { b = 2; c = 3; }; }
  { name = "filterAttrs-by-name"; expr = lib.filterAttrs (n: v: n != "a") { a = 1; b = 2; }; expected = { b = 2; }; }
  { name = "filterAttrs-empty"; expr = lib.filterAttrs (n: v: true) { }; expected = { }; }
  { name = "filterAttrs-shallow"; expr = lib.filterAttrs (n: v: lib.isAttrs v) { a.b = 1; c = 2; }; expected = { a.b = 1; }; }
  { name = "filterAttrsRecursive"; expr = lib.filterAttrsRecursive (n: v: v != null) { a = null; b = { c = null; d = 1; }; }; expected = { b = { d = 1; }; }; }
  { name = "filterAttrsRecursive-empty"; expr = lib.filterAttrsRecursive (n: v: true) { }; expected = { }; }
  { name = "filterAttrsRecursive-name"; expr = lib.filterAttrsRecursive (n: v: n != "x") { x = 1; y.x = 2; y.z = 3; }; expected = { y.z = 3; }; }
  { name = "genAttrs"; expr = lib.genAttrs [ "a" "b" ] (n: "v-${n}"); expected = { a = "v-a"; b = "v-b"; }; }
  { name = "genAttrs-empty"; expr = lib.genAttrs [ ] (n: n); expected = { }; }
  { name = "genAttrs-systems"; expr = lib.attrNames (lib.genAttrs [ "x86_64-linux" "aarch64-linux" ] (s: { })); expected = [ "aarch64-linux" "x86_64-linux" ]; }
  { name = "attrByPath"; expr = lib.attrByPath [ "a" "b" ] 0 { a.b = 1; }; expected = 1; }
  { name = "attrByPath-missing"; expr = lib.attrByPath [ "a" "c" ] 0 { a.b = 1; }; expected = 0; }
  { name = "attrByPath-empty-path"; expr = lib.attrByPath [ ] 0 { a = 1; }; expected = { a = 1; }; }
  { name = "attrByPath-not-a-set"; expr = lib.attrByPath [ "a" "b" ] "d" { a = 1; }; expected = "d"; }
  { name = "hasAttrByPath"; expr = lib.hasAttrByPath [ "a" "b" ] { a.b = null; }; expected = true; }
  { name = "hasAttrByPath-missing"; expr = lib.hasAttrByPath [ "a" "c" ] { a.b = 1; }; expected = false; }
  { name = "hasAttrByPath-empty-path"; expr = lib.hasAttrByPath [ ] { }; expected = true; }
  { name = "hasAttrByPath-not-a-set"; expr = lib.hasAttrByPath [ "a" "b" ] { a = 1; }; expected = false; }
  { name = "setAttrByPath"; expr = lib.setAttrByPath [ "a" "b" ] 1; expected = { a.b = 1; }; }
  { name = "setAttrByPath-single"; expr = lib.setAttrByPath [ "a" ] null; expected = { a = null; }; }
  { name = "setAttrByPath-empty-path"; expr = lib.setAttrByPath [ ] 1; expected = 1; }
  { name = "getAttrFromPath"; expr = lib.getAttrFromPath [ "a" "b" ] { a.b = 1; }; expected = 1; }
  { name = "getAttrFromPath-missing"; expr = lib.getAttrFromPath [ "a" "c" ] { a.b = 1; }; throws = true; }
  { name = "getAttrFromPath-empty-path"; expr = lib.getAttrFromPath [ ] { a = 1; }; expected = { a = 1; }; }
  { name = "attrVals"; expr = lib.attrVals [ "b" "a" ] { a = 1; b = 2; }; expected = [ 2 1 ]; }
  { name = "attrVals-empty"; expr = lib.attrVals [ ] { a = 1; }; expected = [ ]; }
  { name = "attrVals-repeat"; expr = lib.attrVals [ "a" "a" ] { a = 1; }; expected = [ 1 1 ]; }
  { name = "getAttrs"; expr = lib.getAttrs [ "a" "c" ] { a = 1; b = 2; c = 3; }; expected = { a = 1; c = 3; }; }
  { name = "getAttrs-empty"; expr = lib.getAttrs [ ] { a = 1; }; expected = { }; }
  { name = "getAttrs-nested-kept"; expr = lib.getAttrs [ "a" ] { a.b = 1; }; expected = { a.b = 1; }; }
  { name = "recursiveUpdate"; expr = lib.recursiveUpdate { a.b = 1; a.c = 2; } { a.c = 3; d = 4; }; expected = { a = { b = 1; c = 3; }; d = 4; }; }
  { name = "recursiveUpdate-replace-non-set"; expr = lib.recursiveUpdate { a = 1; } { a.b = 2; }; expected = { a.b = 2; }; }
  { name = "recursiveUpdate-set-by-value"; expr = lib.recursiveUpdate { a.b = 1; } { a = 2; }; expected = { a = 2; }; }
  { name = "recursiveUpdate-empty"; expr = lib.recursiveUpdate { } { }; expected = { }; }
  { name = "recursiveUpdate-deep"; expr = lib.recursiveUpdate { a.b.c.d = 1; } { a.b.c.e = 2; }; expected = { a.b.c = { d = 1; e = 2; }; }; }
  { name = "recursiveUpdate-lists-replaced"; expr = lib.recursiveUpdate { a = [ 1 ]; } { a = [ 2 ]; }; expected = { a = [ 2 ]; }; }
  { name = "recursiveUpdateUntil"; expr = lib.recursiveUpdateUntil (path: l: r: path == [ "a" "b" ]) { a.b.x = 1; a.c = 1; } { a.b.y = 2; a.d = 2; }; expected = { a = { b.y = 2; c = 1; d = 2; }; }; }
  { name = "recursiveUpdateUntil-never"; expr = lib.recursiveUpdateUntil (p: l: r: true) { a.b = 1; } { a.c = 2; }; expected = { a.c = 2; }; }
  { name = "recursiveUpdateUntil-path"; expr = lib.recursiveUpdateUntil (p: l: r: builtins.length p > 1) { a.b.x = 1; } { a.b.y = 2; a.c = 3; }; expected = { a = { b.y = 2; c = 3; }; }; }
  { name = "foldlAttrs"; expr = lib.foldlAttrs (acc: n: v: acc + n + toString v) "" { b = 2; a = 1; }; expected = "a1b2"; }
  { name = "foldlAttrs-empty"; expr = lib.foldlAttrs (acc: n: v: acc + v) 7 { }; expected = 7; }
  { name = "foldlAttrs-sum"; expr = lib.foldlAttrs (acc: n: v: acc + v) 0 { a = 1; b = 2; c = 3; }; expected = 6; }
  { name = "catAttrs"; expr = lib.catAttrs "a" [ { a = 1; } { b = 2; } { a = 3; } ]; expected = [ 1 3 ]; }
  { name = "catAttrs-empty"; expr = lib.catAttrs "a" [ ]; expected = [ ]; }
  { name = "catAttrs-none"; expr = lib.catAttrs "z" [ { a = 1; } ]; expected = [ ]; }
  { name = "zipAttrsWith"; expr = lib.zipAttrsWith (n: vs: vs) [ { a = 1; } { a = 2; b = 3; } ]; expected = { a = [ 1 2 ]; b = [ 3 ]; }; }
  { name = "zipAttrsWith-empty"; expr = lib.zipAttrsWith (n: vs: vs) [ ]; expected = { }; }
  { name = "zipAttrsWith-name"; expr = lib.zipAttrsWith (n: vs: n + toString (lib.length vs)) [ { x = 1; } { x = 2; } ]; expected = { x = "x2"; }; }
  { name = "zipAttrs"; expr = lib.zipAttrs [ { a = 1; } { a = 2; b = 3; } ]; expected = { a = [ 1 2 ]; b = [ 3 ]; }; }
  { name = "zipAttrs-empty"; expr = lib.zipAttrs [ ]; expected = { }; }
  { name = "zipAttrs-single"; expr = lib.zipAttrs [ { a = 1; } ]; expected = { a = [ 1 ]; }; }
  { name = "zipAttrsWithNames"; expr = lib.zipAttrsWithNames [ "a" ] (n: vs: vs) [ { a = 1; b = 2; } { a = 3; } ]; expected = { a = [ 1 3 ]; }; }
  { name = "zipAttrsWithNames-absent"; expr = lib.zipAttrsWithNames [ "z" ] (n: vs: vs) [ { a = 1; } ]; expected = { z = [ ]; }; }
  { name = "zipAttrsWithNames-empty"; expr = lib.zipAttrsWithNames [ ] (n: vs: vs) [ { a = 1; } ]; expected = { }; }
  { name = "mapAttrsRecursive"; expr = lib.mapAttrsRecursive (path: v: lib.concatStringsSep "." path + "=" + toString v) { a.b = 1; c = 2; }; expected = { a.b = "a.b=1"; c = "c=2"; }; }
  { name = "mapAttrsRecursive-empty"; expr = lib.mapAttrsRecursive (p: v: v) { }; expected = { }; }
  { name = "mapAttrsRecursive-lists-are-leaves"; expr = lib.mapAttrsRecursive (p: v: lib.length v) { a = [ 1 2 ]; b.c = [ ]; }; expected = { a = 2; b.c = 0; }; }
  { name = "mapAttrsRecursiveCond"; expr = lib.mapAttrsRecursiveCond (s: !(s ? stop)) (p: v: p) { a.b = 1; c = { stop = 1; }; }; expected = { a.b = [ "a" "b" ]; c = [ "c" ]; }; }
  { name = "mapAttrsRecursiveCond-never"; expr = lib.mapAttrsRecursiveCond (s: false) (p: v: 0) { a.b = 1; }; expected = { a = 0; }; }
  { name = "mapAttrsRecursiveCond-empty"; expr = lib.mapAttrsRecursiveCond (s: true) (p: v: 0) { }; expected = { }; }
  { name = "collect"; expr = lib.collect lib.isList { a = [ 1 ]; b.c = [ 2 ]; d = 3; }; expected = [ [ 1 ] [ 2 ] ]; }
  { name = "collect-stops"; expr = lib.collect (x: x ? outPath) { a = { outPath = "/a"; sub.outPath = "/b"; }; }; expected = [ { outPath = "/a"; sub.outPath = "/b"; } ]; }
  { name = "collect-none"; expr = lib.collect lib.isString { a.b = 1; }; expected = [ ]; }
  { name = "collect-root"; expr = lib.collect lib.isAttrs { }; expected = [ { } ]; }
  { name = "isDerivation"; expr = lib.isDerivation (drv { }); expected = true; }
  { name = "isDerivation-set"; expr = lib.isDerivation { type = "other"; }; expected = false; }
  { name = "isDerivation-string"; expr = lib.isDerivation "derivation"; expected = false; }
  { name = "isDerivation-empty"; expr = lib.isDerivation { }; expected = false; }
  { name = "getOutput"; expr = lib.getOutput "dev" (drv { dev = "/d"; }); expected = "/d"; }
  { name = "getOutput-fallback-out"; expr = lib.getOutput "dev" (drv { out = "/o"; }); expected = "/o"; }
  { name = "getOutput-fallback-self"; expr = (lib.getOutput "dev" (drv { })).outPath; expected = "/store/pkg"; }
  { name = "getOutput-specified"; expr = (lib.getOutput "dev" (drv { outputSpecified = true; dev = "/d"; })).outPath; expected = "/store/pkg"; }
  { name = "getOutput-string"; expr = lib.getOutput "bin" "/foo"; expected = "/foo"; }
  { name = "getBin"; expr = lib.getBin (drv { bin = "/b"; }); expected = "/b"; }
  { name = "getBin-out"; expr = lib.getBin (drv { out = "/o"; }); expected = "/o"; }
  { name = "getBin-string"; expr = lib.getBin "/x"; expected = "/x"; }
  { name = "getDev"; expr = lib.getDev (drv { dev = "/d"; }); expected = "/d"; }
  { name = "getDev-out"; expr = lib.getDev (drv { out = "/o"; bin = "/b"; }); expected = "/o"; }
  { name = "getDev-string"; expr = lib.getDev "/x"; expected = "/x"; }
  { name = "getLib"; expr = lib.getLib (drv { lib = "/l"; }); expected = "/l"; }
  { name = "getLib-out"; expr = lib.getLib (drv { out = "/o"; }); expected = "/o"; }
  { name = "getLib-string"; expr = lib.getLib "/x"; expected = "/x"; }
  { name = "getMan"; expr = lib.getMan (drv { man = "/m"; }); expected = "/m"; }
  { name = "getMan-out"; expr = lib.getMan (drv { out = "/o"; }); expected = "/o"; }
  { name = "getMan-string"; expr = lib.getMan "/x"; expected = "/x"; }
  { name = "recurseIntoAttrs"; expr = lib.recurseIntoAttrs { a = 1; }; expected = { a = 1; recurseForDerivations = true; }; }
  { name = "recurseIntoAttrs-empty"; expr = lib.recurseIntoAttrs { }; expected = { recurseForDerivations = true; }; }
  { name = "dontRecurseIntoAttrs"; expr = lib.dontRecurseIntoAttrs (lib.recurseIntoAttrs { }); expected = { recurseForDerivations = false; }; }
  { name = "dontRecurseIntoAttrs-keeps"; expr = lib.dontRecurseIntoAttrs { a = 1; }; expected = { a = 1; recurseForDerivations = false; }; }
  { name = "dontRecurseIntoAttrs-empty"; expr = lib.dontRecurseIntoAttrs { }; expected = { recurseForDerivations = false; }; }
  { name = "overrideExisting"; expr = lib.overrideExisting { a = 1; b = 2; } { a = 3; c = 4; }; expected = { a = 3; b = 2; }; }
  { name = "overrideExisting-empty"; expr = lib.overrideExisting { } { a = 1; }; expected = { }; }
  { name = "overrideExisting-none"; expr = lib.overrideExisting { a = 1; } { }; expected = { a = 1; }; }
  { name = "mergeAttrsList"; expr = lib.mergeAttrsList [ { a = 1; } { b = 2; } { a = 3; } ]; expected = { a = 3; b = 2; }; }
  { name = "mergeAttrsList-empty"; expr = lib.mergeAttrsList [ ]; expected = { }; }
  { name = "mergeAttrsList-shallow"; expr = lib.mergeAttrsList [ { a.x = 1; } { a.y = 2; } ]; expected = { a.y = 2; }; }
  { name = "hasAttr"; expr = lib.hasAttr "a" { a = 1; }; expected = true; }
  { name = "hasAttr-missing"; expr = lib.hasAttr "b" { }; expected = false; }
  { name = "hasAttr-null-value"; expr = lib.hasAttr "a" { a = null; }; expected = true; }
  { name = "getAttr"; expr = lib.getAttr "a" { a = 1; }; expected = 1; }
  { name = "getAttr-dynamic"; expr = lib.getAttr ("a" + "b") { ab = 2; }; expected = 2; }
  { name = "getAttr-nested"; expr = lib.getAttr "a" { a.b = 1; }; expected = { b = 1; }; }
  { name = "removeAttrs"; expr = lib.removeAttrs { a = 1; b = 2; } [ "a" "z" ]; expected = { b = 2; }; }
  { name = "removeAttrs-none"; expr = lib.removeAttrs { a = 1; } [ ]; expected = { a = 1; }; }
  { name = "removeAttrs-empty"; expr = lib.removeAttrs { } [ "a" ]; expected = { }; }
  { name = "intersectAttrs"; expr = lib.intersectAttrs { a = 0; } { a = 1; b = 2; }; expected = { a = 1; }; }
  { name = "intersectAttrs-empty"; expr = lib.intersectAttrs { } { a = 1; }; expected = { }; }
  { name = "intersectAttrs-values-from-second"; expr = lib.intersectAttrs { a = 1; b = 1; } { b = 2; }; expected = { b = 2; }; }
  { name = "isAttrs"; expr = [ (lib.isAttrs { }) (lib.isAttrs [ ]) ]; expected = [ true false ]; }
  { name = "isAttrs-drv"; expr = lib.isAttrs (drv { }); expected = true; }
  { name = "isAttrs-null"; expr = lib.isAttrs null; expected = false; }

  # customisation
  { name = "makeOverridable-result"; expr = (lib.makeOverridable ({ a, b }: { sum = a + b; }) { a = 1; b = 2; }).sum; expected = 3; }
  { name = "makeOverridable-override-set"; expr = ((lib.makeOverridable ({ a, b }: { sum = a + b; }) { a = 1; b = 2; }).override { b = 10; }).sum; expected = 11; }
  { name = "makeOverridable-override-function"; expr = ((lib.makeOverridable ({ a, b }: { sum = a + b; }) { a = 1; b = 2; }).override (old: { a = old.a * 100; })).sum; expected = 102; }
  { name = "makeOverridable-override-twice"; expr = (((lib.makeOverridable ({ a, b }: { sum = a + b; }) { a = 1; b = 2; }).override { a = 5; }).override { b = 5; }).sum; expected = 10; }
  { name = "makeOverridable-non-set"; expr = lib.makeOverridable ({ a }: a + 1) { a = 1; }; expected = 2; }
  { name = "makeOverridable-functionArgs"; expr = lib.functionArgs (lib.makeOverridable ({ a, b ? 2 }: a)); expected = { a = false; b = true; }; }
  { name = "makeOverridable-has-override"; expr = lib.makeOverridable ({ a }: { x = a; }) { a = 1; } ? override; expected = true; }
  { name = "callPackageWith"; expr = (lib.callPackageWith { a = 1; b = 2; c = 3; } ({ a, b }: { sum = a + b; }) { }).sum; expected = 3; }
  { name = "callPackageWith-args-win"; expr = (lib.callPackageWith { a = 1; b = 2; } ({ a, b }: { sum = a + b; }) { b = 20; }).sum; expected = 21; }
  { name = "callPackageWith-default"; expr = (lib.callPackageWith { a = 1; } ({ a, b ? 5 }: { sum = a + b; }) { }).sum; expected = 6; }
  { name = "callPackageWith-override"; expr = ((lib.callPackageWith { a = 1; b = 2; } ({ a, b }: { sum = a + b; }) { }).override { a = 7; }).sum; expected = 9; }
  { name = "callPackageWith-only-named"; expr = lib.callPackageWith { a = 1; extra = 2; } (args@{ a, ... }: lib.attrNames args) { }; expected = [ "a" ]; }
  { name = "callPackageWith-file"; expr = (lib.callPackageWith { a = 4; } ./callpackage-fixture.nix { }).twice; expected = 8; }
  { name = "makeOverridable-overrideDerivation"; expr = ((lib.makeOverridable ({ n }: realDrv { name = n; }) { n = "a"; }).overrideDerivation (old: { name = old.name + "-b"; })).name; expected = "a-b"; }
  { name = "makeOverridable-overrideDerivation-keeps-override"; expr = (((lib.makeOverridable ({ n }: realDrv { name = n; }) { n = "a"; }).overrideDerivation (old: { name = old.name + "-b"; })).override { n = "c"; }).name; expected = "c-b"; }
  { name = "extendDerivation-top"; expr = (lib.extendDerivation true { extra = 1; } (realDrv { outputs = [ "out" "dev" ]; })).extra; expected = 1; }
  { name = "extendDerivation-outputs"; expr = let e = lib.extendDerivation true { extra = 1; } (realDrv { outputs = [ "out" "dev" ]; }); in [ e.dev.extra e.out.extra e.dev.outputName e.dev.outputSpecified ]; expected = [ 1 1 "dev" true ]; }
  { name = "extendDerivation-paths"; expr = let d = realDrv { outputs = [ "out" "dev" ]; }; e = lib.extendDerivation true { } d; in [ (e.outPath == d.outPath) (e.dev.outPath == d.dev.outPath) (e.drvPath == d.drvPath) (map (o: o.outPath) e.all == [ d.out.outPath d.dev.outPath ]) ]; expected = [ true true true true ]; }
  { name = "extendDerivation-condition"; expr = (lib.extendDerivation false { } (realDrv { })).outPath; throws = true; }
  { name = "extendDerivation-condition-lazy"; expr = (lib.extendDerivation false { extra = 1; } (realDrv { })).extra; expected = 1; }
  { name = "overrideDerivation-name"; expr = (lib.overrideDerivation (realDrv { }) (old: { name = "${old.name}-2"; })).name; expected = "pkg-2"; }
  { name = "overrideDerivation-new-path"; expr = let d = realDrv { }; in (lib.overrideDerivation d (old: { extra = "1"; })).outPath != d.outPath; expected = true; }
  { name = "overrideDerivation-passthru"; expr = (lib.overrideDerivation (lib.extendDerivation true { passthru.p = 1; } (realDrv { })) (old: { })).p; expected = 1; }

  # versions
  { name = "splitVersion"; expr = lib.versions.splitVersion "1.2.3"; expected = [ "1" "2" "3" ]; }
  { name = "splitVersion-pre"; expr = lib.versions.splitVersion "2.1pre1"; expected = [ "2" "1" "pre" "1" ]; }
  { name = "splitVersion-empty"; expr = lib.versions.splitVersion ""; expected = [ ]; }
  { name = "versions-major"; expr = lib.versions.major "1.2.3"; expected = "1"; }
  { name = "versions-major-single"; expr = lib.versions.major "10"; expected = "10"; }
  { name = "versions-major-dashes"; expr = lib.versions.major "3-rc1"; expected = "3"; }
  { name = "versions-minor"; expr = lib.versions.minor "1.2.3"; expected = "2"; }
  { name = "versions-minor-two"; expr = lib.versions.minor "0.9"; expected = "9"; }
  { name = "versions-minor-pre"; expr = lib.versions.minor "1.2pre"; expected = "2"; }
  { name = "versions-patch"; expr = lib.versions.patch "1.2.3"; expected = "3"; }
  { name = "versions-patch-four"; expr = lib.versions.patch "1.2.3.4"; expected = "3"; }
  { name = "versions-patch-alpha"; expr = lib.versions.patch "1.2.rc1"; expected = "rc"; }
  { name = "versions-majorMinor"; expr = lib.versions.majorMinor "1.2.3"; expected = "1.2"; }
  { name = "versions-majorMinor-short"; expr = lib.versions.majorMinor "1"; expected = "1"; }
  { name = "versions-majorMinor-long"; expr = lib.versions.majorMinor "10.20.30.40"; expected = "10.20"; }
  { name = "versions-pad"; expr = lib.versions.pad 3 "1.2"; expected = "1.2.0"; }
  { name = "versions-pad-cut"; expr = lib.versions.pad 2 "1.2.3"; expected = "1.2"; }
  { name = "versions-pad-suffix"; expr = lib.versions.pad 3 "1-rc1"; expected = "1.0.0-rc1"; }

  # hashes
  { name = "fakeHash"; expr = lib.fakeHash; expected = "sha256-AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA="; }
  { name = "fakeHash-length"; expr = lib.stringLength lib.fakeHash; expected = 51; }
  { name = "fakeHash-sri-prefix"; expr = lib.hasPrefix "sha256-" lib.fakeHash; expected = true; }
  { name = "fakeSha256"; expr = lib.fakeSha256; expected = lib.fixedWidthString 64 "0" ""; }
  { name = "fakeSha256-length"; expr = lib.stringLength lib.fakeSha256; expected = 64; }
  { name = "fakeSha256-zeros"; expr = lib.replaceStrings [ "0" ] [ "" ] lib.fakeSha256; expected = ""; }
  { name = "fakeSha512"; expr = lib.stringLength lib.fakeSha512; expected = 128; }
  { name = "fakeSha512-zeros"; expr = lib.replaceStrings [ "0" ] [ "" ] lib.fakeSha512; expected = ""; }
  { name = "fakeSha512-prefix"; expr = lib.hasPrefix lib.fakeSha256 lib.fakeSha512; expected = true; }

  # licenses
  { name = "licenses-mit"; expr = { inherit (lib.licenses.mit) spdxId fullName free; }; expected = { spdxId = "MIT"; fullName = "MIT License"; free = true; }; }
  { name = "licenses-asl20"; expr = { inherit (lib.licenses.asl20) spdxId fullName url; }; expected = { spdxId = "Apache-2.0"; fullName = "Apache License 2.0"; url = "https://spdx.org/licenses/Apache-2.0.html"; }; }
  { name = "licenses-bsd3"; expr = { inherit (lib.licenses.bsd3) spdxId fullName shortName; }; expected = { spdxId = "BSD-3-Clause"; fullName = ''BSD 3-clause "New" or "Revised" License''; shortName = "bsd3"; }; }
  { name = "licenses-gpl3Only"; expr = { inherit (lib.licenses.gpl3Only) spdxId fullName; }; expected = { spdxId = "GPL-3.0-only"; fullName = "GNU General Public License v3.0 only"; }; }
  { name = "licenses-unfree"; expr = { inherit (lib.licenses.unfree) free redistributable; spdx = lib.licenses.unfree ? spdxId; }; expected = { free = false; redistributable = false; spdx = false; }; }
  { name = "licenses-common-spdx"; expr = map (l: l.url) (with lib.licenses; [ mit asl20 bsd3 gpl3Only ]); expected = map (id: "https://spdx.org/licenses/${id}.html") [ "MIT" "Apache-2.0" "BSD-3-Clause" "GPL-3.0-only" ]; }
]
