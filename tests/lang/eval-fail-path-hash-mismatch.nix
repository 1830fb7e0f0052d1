# `builtins.path` with a `sha256` that the contents do not have
builtins.path {
  path = ./eval-fail-path-hash-mismatch.nix;
  sha256 = "0000000000000000000000000000000000000000000000000000";
}
