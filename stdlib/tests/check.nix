# Evaluates the cases of `lib.nix` (or of another file of cases, `file`) and returns the names
# of those that fail, as a list of strings (`[ ]` when all pass).  `index` selects a single case,
# which is how `run.sh` finds the case behind an error that `tryEval` cannot catch; `lib` lets
# the cases run against another lib.
{
  lib ? import ../lib,
  index ? null,
  file ? ./lib.nix,
}:
let
  cases = import file { inherit lib; };

  passes =
    case:
    let
      result = builtins.tryEval (builtins.deepSeq case.expr case.expr);
    in
    if case.throws or false then !result.success else result.success && result.value == case.expected;

  selected = if index == null then cases else [ (builtins.elemAt cases index) ];
in
map (case: case.name) (builtins.filter (case: !(passes case)) selected)
