# every pattern form: defaults referring to other arguments, @ on either side, ...
let
  f = { a, b ? a * 2, ... }@args: [ a b (args.c or "no c") ];
  g = args@{ x ? 1 }: [ x (args ? x) ];
  h = { ... }: "anything";
in [ (f { a = 1; }) (f { a = 1; b = 5; c = 7; }) (g { }) (g { x = 2; }) (h { q = 1; }) ]
