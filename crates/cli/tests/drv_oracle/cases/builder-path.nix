# A builder given as a path is copied to the store and becomes an input source.
let
  inherit (import ../lib.nix) system;
in
{
  path = derivation { name = "builder-path"; builder = ../files/builder.sh; inherit system; };
  interpolated = derivation { name = "builder-str"; builder = "${../files/builder.sh}"; inherit system; };
  withArgs = derivation { name = "builder-args"; builder = ../files/builder.sh; args = [ ../files/hello.txt "${../files/src}" ]; inherit system; };
  fromDerivation = derivation {
    name = "builder-drv";
    builder = "${derivation { name = "shell"; builder = "/bin/sh"; inherit system; }}/bin/sh";
    inherit system;
  };
}
