# `allowedReferences` and the like are plain attributes at evaluation (the builder checks
# them); output names and derivations in them become strings as usual.
let
  inherit (import ../lib.nix) mk;
  dep = mk { name = "dep"; outputs = [ "out" "lib" ]; };
in
{
  allowed = mk { name = "refs"; allowedReferences = [ "out" dep ]; };
  disallowed = mk { name = "refs"; disallowedReferences = [ dep.lib ]; };
  requisites = mk { name = "refs"; allowedRequisites = [ ]; disallowedRequisites = [ dep ]; };
  all = mk {
    name = "refs";
    outputs = [ "out" "bin" ];
    allowedReferences = [ "out" "bin" ];
    allowedRequisites = [ dep ];
    preferLocalBuild = true;
    allowSubstitutes = false;
    impureEnvVars = [ "http_proxy" "https_proxy" ];
    requiredSystemFeatures = [ "kvm" "big-parallel" ];
  };
  structured = mk {
    name = "refs";
    __structuredAttrs = true;
    outputChecks.out = { allowedReferences = [ dep ]; maxSize = 1024; };
  };
}
