# `__ignoreNulls`: attributes that are `null` are left out, and the flag itself too.
let
  inherit (import ../lib.nix) mk strict;
in
{
  on = mk { name = "nulls"; __ignoreNulls = true; a = null; b = "kept"; c = [ null ]; };
  off = mk { name = "nulls"; __ignoreNulls = false; a = null; b = "kept"; c = [ null ]; };
  absent = mk { name = "nulls"; a = null; b = "kept"; c = [ null ]; };
  # `derivation` itself reads `outputs`, so only `derivationStrict` sees a null one.
  nullArgs = strict { name = "nulls"; __ignoreNulls = true; outputHash = null; outputs = null; };
}
