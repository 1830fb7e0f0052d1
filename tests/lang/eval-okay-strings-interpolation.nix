# interpolation of strings, sets with __toString or outPath; escapes when printing
let s = { __toString = self: "S${toString self.n}"; n = 3; }; o = { outPath = "/out"; }; in
[ "a${"b"}c" "${s}" "${o}/bin" "\${not}" "tab\tnl\n" ''x ''${"y"} '''z'' ]
