# 208 characters: the name of the `.drv` would have 212.
(import ../lib.nix).mk { name = builtins.concatStringsSep "" (builtins.genList (_: "a") 208); }
