let
  base = { builder = "/bin/sh"; system = "x86_64-linux"; };
  a = derivation (base // { name = "a"; outputs = [ "out" "dev" "doc" ]; });
  s = derivation (base // { name = "s"; __structuredAttrs = true; deps = [ a a.dev ]; n = 1; f = 0.5; b = true; nothing = null; nested = { x = [ "y" ]; }; args = [ "-e" a ]; });
  closure = derivation (base // { name = "closure"; drv = a.drvPath; src = ./hello.txt; });
  fixed = map (attrs: (derivation (base // { name = "f"; } // attrs)).outPath) [
    { outputHash = "sha256-LPJNul+wow4m6DsqxbninhsWHlwfp0JecwQzYpOLmCQ="; }
    { outputHashAlgo = "sha256"; outputHash = "2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824"; outputHashMode = "recursive"; }
    { outputHash = "sha1:9m1skbnr5i43n3yypvda5s65vhfwdx5a"; outputHashMode = "recursive"; }
    { outputHashAlgo = "md5"; outputHash = "4jqlbi14cxf6wpcajbphm40hax"; }
    { outputHashAlgo = "sha512"; outputHash = builtins.hashString "sha512" "x"; }
  ];
  escapes = derivation (base // { name = "escapes"; text = "tab\there \"quoted\" back\\slash\nnew\rcr"; ph = builtins.placeholder "out"; });
  paths = {
    file = "${./hello.txt}";
    dir = "${./src}";
    filtered = builtins.path { path = ./src; filter = p: t: t != "symlink"; name = "filtered"; };
    flat = builtins.path { path = ./hello.txt; recursive = false; };
    fs = builtins.filterSource (p: t: baseNameOf p != "sub") ./src;
  };
in {
  drvs = map (d: [ d.drvPath d.outPath ]) [ a s closure escapes ];
  inherit fixed paths;
  dev = a.dev.outPath;
}
