# A set without `outPath` or `__toString` is no string.
(import ../lib.nix).mk { name = "e"; meta = { description = "x"; }; }
