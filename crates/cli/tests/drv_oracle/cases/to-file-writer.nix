# `builtins.toFile` needs a store, which `cairn eval` does not have yet: it fails with "this
# built-in needs a store". The way nixpkgs' `writeText` and `writeScript` start.
let
  inherit (import ../lib.nix) mk;
  writeText = name: text: mk {
    inherit name text;
    passAsFile = [ "text" ];
    builder = builtins.toFile "write-text-builder" ''cp "$textPath" "$out"'';
  };
in
{
  hello = writeText "hello.txt" "Hello\n";
  config = writeText "config.json" (builtins.toJSON { a = 1; b = [ true null ]; });
  dependent = writeText "uses" "${writeText "inner" "x"}/path";
}
