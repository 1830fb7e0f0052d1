# `builtins.toFile` needs a store, which `cairn eval` does not have yet: it fails with "this
# built-in needs a store". A text file in the store, referring to the paths in its context.
let
  inherit (import ../lib.nix) mk;
  script = builtins.toFile "builder.sh" "echo hello > $out\n";
in
{
  plain = mk { name = "tf"; src = script; };
  asBuilder = derivation { name = "tf-builder"; builder = script; system = "x86_64-linux"; };
  inArgs = mk { name = "tf-args"; args = [ script ]; };
  withSource = mk { name = "tf-src"; conf = builtins.toFile "conf" "file=${../files/hello.txt}"; };
  nested = mk { name = "tf-nested"; conf = builtins.toFile "outer" "inner=${builtins.toFile "inner" "x"}"; };
  drvReference = mk {
    name = "tf-drv";
    conf = builtins.toFile "drv-list" (builtins.unsafeDiscardOutputDependency (mk { name = "d"; }).drvPath);
  };
  empty = mk { name = "tf-empty"; conf = builtins.toFile "empty" ""; };
}
