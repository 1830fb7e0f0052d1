# Contexts moved by hand with `getContext` and `appendContext`: what a string refers to is its
# context, whatever its text.
let
  inherit (import ../lib.nix) mk;
  dep = mk { name = "dep"; outputs = [ "out" "dev" "lib" ]; };
  bare = builtins.unsafeDiscardStringContext;
in
{
  moved = mk { name = "ctx"; s = builtins.appendContext (bare dep.outPath) (builtins.getContext dep.dev.outPath); };
  someOutputs = mk {
    name = "ctx";
    s = builtins.appendContext "text" { ${bare dep.drvPath} = { outputs = [ "lib" "dev" ]; }; };
  };
  source = mk {
    name = "ctx";
    s = builtins.appendContext "text" { ${bare "${../files/hello.txt}"} = { path = true; }; };
  };
  roundTrip = mk {
    name = "ctx";
    s = builtins.appendContext "" (builtins.getContext "${dep}${dep.lib}${../files/src}");
  };
  merged = mk { name = "ctx"; s = builtins.appendContext "${dep}" (builtins.getContext "${dep.dev}"); };
}
