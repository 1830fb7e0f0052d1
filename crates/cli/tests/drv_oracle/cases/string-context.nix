# Strings whose context is discarded, kept or moved: only the paths in the context become
# inputs, whatever the text says.
let
  inherit (import ../lib.nix) mk;
  dep = mk { name = "dep"; outputs = [ "out" "dev" ]; };
in
{
  discarded = mk { name = "ctx"; s = builtins.unsafeDiscardStringContext "${dep}"; };
  discardedSource = mk { name = "ctx"; s = builtins.unsafeDiscardStringContext "${../files/hello.txt}"; };
  plainText = mk { name = "ctx"; s = "/nix/store/00000000000000000000000000000000-not-a-dependency"; };
  substring = mk { name = "ctx"; s = builtins.substring 0 5 "${dep}"; };
  emptySubstring = mk { name = "ctx"; s = builtins.substring 0 0 "${dep.dev}"; };
  replaced = mk { name = "ctx"; s = builtins.replaceStrings [ "nix" ] [ "xin" ] "${dep}"; };
  concatenated = mk { name = "ctx"; s = builtins.concatStringsSep ":" [ "${dep}/bin" "${dep.dev}/bin" ]; };
  fromJson = mk { name = "ctx"; s = builtins.toJSON [ dep dep.dev ]; };
  hashed = mk { name = "ctx"; s = builtins.hashString "sha256" "${dep}"; };
  baseName = mk { name = "ctx"; s = baseNameOf "${dep}"; };
  dirName = mk { name = "ctx"; s = dirOf "${dep}/bin/x"; };
  # Only a `drvPath`'s context changes; an output's stays.
  discardOutputDependencyOfOutput = mk { name = "ctx"; s = builtins.unsafeDiscardOutputDependency "${dep.dev}"; };
  splitted = mk { name = "ctx"; s = builtins.head (builtins.split "-" "${dep}"); };
}
