# Thousands of derivations in one evaluation: a package set where each depends on its halves
# and its predecessor, some with several outputs, every sixteenth fixed-output. All of them are
# compared.
let
  inherit (import ../lib.nix) mk fixed hashes;
  count = 3000;
  pkg = i:
    if i == 0 then
      mk { name = "root"; }
    else if builtins.bitAnd i 15 == 0 then
      fixed "fetched-${toString i}" {
        outputHash = hashes.sha256.base32;
        outputHashAlgo = "sha256";
        url = "https://example.org/${toString i}";
      }
    else
      mk {
        name = "pkg-${toString i}";
        outputs = if builtins.bitAnd i 3 == 1 then [ "out" "dev" "lib" ] else [ "out" ];
        deps = [ (builtins.elemAt pkgs (i / 2)) (builtins.elemAt pkgs (i - 1)) ];
        script = "make -j${toString (builtins.bitAnd i 7)} PREFIX=${builtins.elemAt pkgs (i / 3)}";
        number = i;
        ratio = i / 7.0;
      };
  pkgs = builtins.genList pkg count;
in
pkgs
