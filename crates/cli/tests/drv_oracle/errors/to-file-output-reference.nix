# A file written by `builtins.toFile` may refer to sources, not to outputs of derivations.
let
  inherit (import ../lib.nix) mk;
  dep = mk { name = "dep"; outputs = [ "out" "dev" ]; };
in
mk { name = "tf-refs"; conf = builtins.toFile "conf" "dep=${dep}\ndev=${dep.dev}\n"; }
