# `derivation` gives Nix's `.drv` and output paths: several outputs, fixed outputs in every
# hash spelling, structured attributes, string contexts, paths copied to the store
let
  base = { builder = "/bin/sh"; system = "x86_64-linux"; };
  lib = derivation (base // { name = "lib"; outputs = [ "out" "dev" ]; });
  src = derivation (base // {
    name = "src.tar.gz";
    outputHashAlgo = "sha256";
    outputHash = builtins.hashString "sha256" "src";
  });
  app = derivation (base // {
    name = "app";
    args = [ "-c" "build ${lib.dev} > $out" ];
    inherit src;
    deps = [ lib lib.dev ];
    script = ./eval-okay-derivation.nix;
    out = "ignored";
    flags = [ 1 2.5 true false null "s" ];
    __ignoreNulls = true;
    unused = null;
  });
  json = derivation (base // { name = "json"; __structuredAttrs = true; deps = [ app ]; n = 1; });
  fixed = map (attrs: (derivation (base // { name = "f"; } // attrs)).outPath) [
    { outputHash = "sha256-LPJNul+wow4m6DsqxbninhsWHlwfp0JecwQzYpOLmCQ="; }
    { outputHash = "sha1:9m1skbnr5i43n3yypvda5s65vhfwdx5a"; outputHashMode = "recursive"; }
    { outputHashAlgo = "md5"; outputHash = "4jqlbi14cxf6wpcajbphm40hax"; }
  ];
in
{
  paths = map (d: [ d.drvPath d.outPath ]) [ lib lib.dev src app json ];
  inherit fixed;
  names = [ lib.outputName lib.dev.outputName lib.type (builtins.attrNames lib) ];
  context = builtins.attrNames (builtins.getContext "${app} ${lib.drvPath}");
  strict = builtins.attrNames (builtins.derivationStrict (base // { name = "x"; outputs = [ "a" "b" ]; }));
}
