# The expected hash is that of the whole folder, not of what the filter keeps.
let l = import ../lib.nix; in l.mk { name = "e"; src = builtins.path { path = ../files/src; filter = p: t: t != "symlink"; sha256 = "644aab6db1201401cd2bd29ea3a00e84f37446294e40d0a61f8b353401171668"; }; }
