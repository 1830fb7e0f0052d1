(import ../lib.nix).mk { name = builtins.concatStringsSep "" (builtins.genList (_: "a") 212); }
