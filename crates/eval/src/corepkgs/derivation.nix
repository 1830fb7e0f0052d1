# The global `derivation` function (cairn's own text, with Nix 2.8's behaviour).
#
# `derivationStrict` instantiates the derivation and returns only its paths. This function
# wraps them in the set users know: the attributes it was given, then for the output it
# stands for `outPath`, `drvPath`, `type = "derivation"` and `outputName`, plus one such set
# per output (`drv.dev`, ...), `all` (the list of those sets) and `drvAttrs` (the arguments).
# Every output's set shares everything but the four per-output attributes, and the value of
# the call is the set of the first output.
args@{ outputs ? [ "out" ], ... }:
let
  paths = derivationStrict args;

  shared = args // builtins.listToAttrs byOutput // {
    all = map (entry: entry.value) byOutput;
    drvAttrs = args;
  };

  forOutput = output: {
    name = output;
    value = shared // {
      outPath = builtins.getAttr output paths;
      drvPath = paths.drvPath;
      type = "derivation";
      outputName = output;
    };
  };

  byOutput = map forOutput outputs;
in
(builtins.head byOutput).value
