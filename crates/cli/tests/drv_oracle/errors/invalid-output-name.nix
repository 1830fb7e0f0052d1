# An output name must be a valid store path name part.
(import ../lib.nix).mk { name = "e"; outputs = [ "out" "a b" ]; }
