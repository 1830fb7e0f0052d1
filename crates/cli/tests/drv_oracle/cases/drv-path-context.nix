# nix: --read-write-mode
# A `drvPath` in an attribute brings in the whole closure of that derivation: every `.drv` in
# it with all its outputs, and every source. `unsafeDiscardOutputDependency` turns it into a
# plain source. (Nix computes the closure from the store, hence read-write mode.)
let
  inherit (import ../lib.nix) mk fixed hashes;
  src = fixed "src" { outputHash = hashes.sha256.base32; outputHashAlgo = "sha256"; };
  base = mk { name = "base"; outputs = [ "out" "dev" ]; file = ../files/hello.txt; };
  mid = mk { name = "mid"; dep = base.dev; inherit src; };
  top = mk { name = "top"; outputs = [ "out" "man" ]; dep = mid; };
in
{
  drvPath = mk { name = "uses-drvpath"; d = top.drvPath; };
  inText = mk { name = "in-text"; script = "nix-store -qR ${mid.drvPath}"; };
  ofFixed = mk { name = "of-fixed"; d = src.drvPath; };
  ofLeaf = mk { name = "of-leaf"; d = base.drvPath; };
  both = mk { name = "both"; d = mid.drvPath; o = mid; };
  discarded = mk { name = "discarded"; d = builtins.unsafeDiscardOutputDependency top.drvPath; };
  discardedInList = mk { name = "discarded-list"; d = map (x: builtins.unsafeDiscardOutputDependency x.drvPath) [ base mid top ]; };
  appended = mk {
    name = "appended";
    s = builtins.appendContext "text" { ${builtins.unsafeDiscardStringContext mid.drvPath} = { allOutputs = true; }; };
  };
  structured = mk { name = "structured"; __structuredAttrs = true; d = top.drvPath; };
  exportGraph = mk { name = "graph"; exportReferencesGraph = [ "graph" top.drvPath ]; };
}
