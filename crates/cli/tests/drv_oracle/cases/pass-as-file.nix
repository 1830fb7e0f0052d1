# `passAsFile` is an ordinary attribute at evaluation: the variables named stay in the `.drv`.
let
  inherit (import ../lib.nix) mk;
in
{
  one = mk { name = "paf"; passAsFile = [ "text" ]; text = "a long text\n"; };
  two = mk { name = "paf2"; passAsFile = [ "a" "b" ]; a = "x"; b = [ 1 2 ]; };
  missing = mk { name = "paf3"; passAsFile = [ "notThere" ]; };
}
