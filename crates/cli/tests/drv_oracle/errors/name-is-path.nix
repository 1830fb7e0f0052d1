(import ../lib.nix).mk { name = ../files/hello.txt; }
