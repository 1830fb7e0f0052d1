# `builtins.placeholder`: the hash standing for an output's path, which the builder replaces.
let
  inherit (import ../lib.nix) mk;
in
{
  out = mk { name = "ph"; prefix = builtins.placeholder "out"; };
  dev = mk { name = "ph"; outputs = [ "out" "dev" ]; flags = "--includedir=${builtins.placeholder "dev"}/include --prefix=${builtins.placeholder "out"}"; };
  inArgs = mk { name = "ph-args"; args = [ "-c" "echo ${builtins.placeholder "out"}" ]; };
  other = mk { name = "ph-other"; x = builtins.placeholder "nonexistent"; };
  structured = mk { name = "ph-structured"; __structuredAttrs = true; p = [ (builtins.placeholder "out") ]; };
}
