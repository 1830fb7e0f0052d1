# Functions over lists: folds, slicing, searching, zipping, grouping.
#
# Where a builtin already does the job it is passed through under its usual name; the rest are
# written with `genList` and `elemAt` so that they stay linear and lazy in the elements.
# `optional` and `optionals` are defined in `options.nix` and passed through here.
{ lib }:
let
  inherit (builtins)
    length
    elemAt
    genList
    head
    tail
    isList
    ;
in
rec {
  inherit (builtins)
    head
    tail
    length
    elem
    elemAt
    filter
    map
    genList
    concatLists
    concatMap
    any
    all
    sort
    partition
    groupBy
    isList
    ;

  inherit (lib.options) optional optionals;

  # Folds from the left, lazily: `foldl op nul [ a b ]` is `op (op nul a) b`.
  foldl =
    op: nul: list:
    let
      go = n: if n < 0 then nul else op (go (n - 1)) (elemAt list n);
    in
    go (length list - 1);

  # Folds from the left, forcing the accumulator at each step.
  foldl' = op: nul: builtins.seq nul (builtins.foldl' op nul);

  # Folds from the right: `foldr op nul [ a b ]` is `op a (op b nul)`.
  foldr =
    op: nul: list:
    let
      len = length list;
      go = n: if n == len then nul else op (elemAt list n) (go (n + 1));
    in
    go 0;

  # `groupBy` that folds each group with `op`, starting from `nul`.
  groupBy' =
    op: nul: pred: list:
    builtins.mapAttrs (_: builtins.foldl' op nul) (builtins.groupBy pred list);

  # The elements of nested lists, in order; a non-list becomes a one-element list.
  flatten = x: if isList x then builtins.concatMap flatten x else [ x ];

  # The list without its repeated elements, keeping the first of each.
  unique = builtins.foldl' (acc: x: if builtins.elem x acc then acc else acc ++ [ x ]) [ ];

  # Whether no element appears twice.
  allUnique = list: length (unique list) == length list;

  # `map` whose function also receives the index, counting from 0 (`imap0`) or 1 (`imap1`).
  imap0 = f: list: genList (n: f n (elemAt list n)) (length list);
  imap1 = f: list: genList (n: f (n + 1) (elemAt list n)) (length list);

  # `filter` whose predicate also receives the index, counting from 0.
  ifilter0 =
    pred: list:
    map (n: elemAt list n) (builtins.filter (n: pred n (elemAt list n)) (genList (n: n) (length list)));

  # `map` with the arguments the other way round.
  forEach = list: f: map f list;

  # The list without the elements equal to `e`.
  remove = e: builtins.filter (x: x != e);

  # The integers from `first` to `last`, both included; empty when `first > last`.
  range = first: last: if first > last then [ ] else genList (n: first + n) (last - first + 1);

  # A list of `n` copies of `x`.
  replicate = n: x: genList (_: x) n;

  # The last element; fails on an empty list.
  last =
    list:
    assert lib.trivial.throwIf (list == [ ]) "lists.last: list must not be empty" true;
    elemAt list (length list - 1);

  # All elements but the last; fails on an empty list.
  init =
    list:
    assert lib.trivial.throwIf (list == [ ]) "lists.init: list must not be empty" true;
    take (length list - 1) list;

  # `count` elements starting at index `start`, fewer where the list ends first.
  sublist =
    start: count: list:
    let
      len = length list;
    in
    genList (n: elemAt list (n + start)) (
      if start >= len then
        0
      else if start + count > len then
        len - start
      else
        count
    );

  # The first `count` elements.
  take = count: sublist 0 count;

  # The list without its first `count` elements.
  drop = count: list: sublist count (length list) list;

  # The list in reverse order.
  reverseList =
    list:
    let
      len = length list;
    in
    genList (n: elemAt list (len - n - 1)) len;

  # Combines the elements at equal indices with `f`; as long as the shorter list.
  zipListsWith =
    f: fst: snd:
    genList (n: f (elemAt fst n) (elemAt snd n)) (lib.trivial.min (length fst) (length snd));

  # Pairs the elements at equal indices as `{ fst, snd }`.
  zipLists = zipListsWith (fst: snd: { inherit fst snd; });

  # The first element satisfying `pred`, or `default`.
  findFirst =
    pred: default: list:
    let
      found = builtins.filter pred list;
    in
    if found == [ ] then default else head found;

  # The index of the first element satisfying `pred`, or `default`.
  findFirstIndex =
    pred: default: list:
    let
      go = n: if n == length list then default else if pred (elemAt list n) then n else go (n + 1);
    in
    go 0;

  # The only element satisfying `pred`; `default` if there is none, `multiple` if several.
  findSingle =
    pred: default: multiple: list:
    let
      found = builtins.filter pred list;
      len = length found;
    in
    if len == 0 then
      default
    else if len != 1 then
      multiple
    else
      head found;

  # How many elements satisfy `pred`.
  count = pred: builtins.foldl' (c: x: if pred x then c + 1 else c) 0;

  # A list as is; any other value as a one-element list.
  toList = x: if isList x then x else [ x ];

  # A one-element list.
  singleton = x: [ x ];

  # The elements of `b` that are also in `a`.
  intersectLists = a: builtins.filter (x: builtins.elem x a);

  # The elements of `b` that are not in `a`.
  subtractLists = a: builtins.filter (x: !(builtins.elem x a));

  # Whether the two lists have no element in common.
  mutuallyExclusive = a: b: length a == 0 || !(builtins.any (x: builtins.elem x a) b);

  # Sorts by a key computed once per element.
  sortOn =
    f: list:
    map (p: p.value) (
      builtins.sort (a: b: a.key < b.key) (
        map (x: {
          key = f x;
          value = x;
        }) list
      )
    );
}
