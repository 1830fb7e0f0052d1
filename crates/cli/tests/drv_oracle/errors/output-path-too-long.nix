# The name fits, but not with `-devel` after it.
(import ../lib.nix).mk { name = builtins.concatStringsSep "" (builtins.genList (_: "a") 207); outputs = [ "out" "devel" ]; }
