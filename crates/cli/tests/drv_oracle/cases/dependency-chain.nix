# A chain and a diamond: every derivation depends on the ones before it.
let
  inherit (import ../lib.nix) mk;
  step = prev: i: mk { name = "step-${toString i}"; prev = prev; };
  chain = builtins.foldl' (acc: i: [ (step (builtins.head acc) i) ] ++ acc) [ (mk { name = "step-0"; }) ] (builtins.genList (i: i + 1) 10);
  top = mk { name = "top"; outputs = [ "out" "dev" ]; };
  left = mk { name = "left"; dep = top.dev; };
  right = mk { name = "right"; dep = top; };
  bottom = mk { name = "bottom"; deps = [ left right ]; };
in
{
  inherit chain bottom;
}
