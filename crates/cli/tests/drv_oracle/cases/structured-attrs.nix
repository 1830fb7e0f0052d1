# `__structuredAttrs`: the attributes become one `__json` variable, nested values and all.
let
  inherit (import ../lib.nix) mk fixed hashes;
  dep = mk { name = "dep"; outputs = [ "out" "dev" ]; };
in
{
  simple = mk { name = "structured"; __structuredAttrs = true; };
  nested = mk {
    name = "nested";
    __structuredAttrs = true;
    set = { a = 1; b = { c = [ 1 2 { d = null; } ]; }; "with space" = "x"; };
    list = [ 1 "two" 3.5 true false null [ ] { } ];
    numbers = [ 0 (-1) 9223372036854775807 1.5 0.1 1.0e20 123456789.0 (-0.0) 1.0e-7 ];
    bools = [ true false ];
    nothing = null;
    text = "line\nnext \"quoted\" \\ tab\t unicode é → 🦀";
    dollar = "$out";
  };
  withOutputs = mk { name = "outs"; __structuredAttrs = true; outputs = [ "out" "dev" "doc" ]; };
  withDeps = mk {
    name = "deps";
    __structuredAttrs = true;
    deps = [ dep dep.dev "${dep}/bin" ];
    one = dep;
    path = ../files/hello.txt;
    exportReferencesGraph = { graph = [ dep ]; };
  };
  withArgs = mk { name = "args"; __structuredAttrs = true; args = [ "-c" "${dep}" ]; };
  withPassAsFile = mk { name = "paf"; __structuredAttrs = true; passAsFile = [ "big" ]; big = "x"; };
  ignoreNulls = mk { name = "ignore"; __structuredAttrs = true; __ignoreNulls = true; gone = null; kept = 1; };
  fixedOutput = fixed "structured-fixed" { __structuredAttrs = true; outputHash = "sha256-${hashes.sha256.base64}"; outputHashMode = "recursive"; };
  falseIsPlain = mk { name = "plain"; __structuredAttrs = false; list = [ 1 2 ]; };
}
