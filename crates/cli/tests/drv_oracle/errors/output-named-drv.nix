# No output may be named `drv`.
(import ../lib.nix).mk { name = "e"; outputs = [ "out" "drv" ]; }
