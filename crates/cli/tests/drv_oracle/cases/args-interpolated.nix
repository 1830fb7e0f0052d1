# `args` with interpolations of strings, numbers, paths to other derivations and outputs.
let
  inherit (import ../lib.nix) mk;
  tool = mk { name = "tool"; outputs = [ "out" "bin" ]; };
  n = 3;
in
mk {
  name = "args";
  args = [
    "-c"
    "${tool.bin}/bin/tool --jobs ${toString n} > $out"
    tool
    "${tool}/share"
    n
    1.5
    true
    ""
    "with \"quotes\" and \\ backslash\n\ttab"
  ];
}
