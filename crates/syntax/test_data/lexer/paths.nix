./a ../a/b /abs/path ~/home a/b 1/2 ./a.nix ./a-b_c+d <nixpkgs> <nixpkgs/lib>
./a/${b} ./a/${b}/c ~/${x}.nix ./${a}${b} ./a${b}
a // b a/ b
