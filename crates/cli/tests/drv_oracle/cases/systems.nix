# The `system` attribute is text, whatever it names.
let
  sys = system: derivation { name = "sys"; builder = "/bin/sh"; inherit system; };
in
{
  linux = sys "x86_64-linux";
  aarch64 = sys "aarch64-linux";
  darwin = sys "aarch64-darwin";
  builtin = sys "builtin";
  odd = sys "some thing\nweird";
  # The system is written unescaped into the `.drv`.
  quoted = sys "with \"quotes\" and \\ backslash";
  number = sys 42;
  current = sys builtins.currentSystem;
}
# nix: no-drv-files (a system with quotes is written unescaped, and Nix cannot read that .drv back)
