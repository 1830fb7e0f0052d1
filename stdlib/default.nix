# cairn's package set: `import <cairn> { }` is what `import <nixpkgs> { }` is to nixpkgs users,
# with `lib`, `stdenv`, the trivial builders, the host toolchains (`busybox`, `go`, `cacert`),
# `buildGoModule` and `dockerTools`.
#
# There is no bootstrap from source: the toolchains are the host's own, imported into the store
# as content-addressed paths and checked against their pins (`hostTools`, a JSON file written by
# `cairn host-tools pin`, or an attribute set of tool name to NAR hash).
{
  system ? "x86_64-linux",
  hostTools ? null,
  # The file the pins come from, named when a tool no longer matches (a flake's `flake.lock`).
  pinFile ? if hostTools == null || builtins.isAttrs hostTools then null else toString hostTools,
  overlays ? [ ],
}:
let
  lib = import ./lib;
  pins =
    if hostTools == null then
      { }
    else if builtins.isAttrs hostTools then
      hostTools
    else
      (builtins.fromJSON (builtins.readFile hostTools)).tools or { };

  base = self: {
    inherit lib system;
    pkgs = self;
    callPackage = lib.callPackageWith self;

    hostTools = import ./pkgs/host-tools.nix { inherit lib pins pinFile; };
    inherit (self.hostTools) busybox go cacert;

    stdenv = import ./pkgs/stdenv { inherit lib system; inherit (self) busybox; };
    inherit (self.stdenv) mkDerivation;

    trivialBuilders = import ./pkgs/trivial-builders.nix { inherit lib; inherit (self) stdenv busybox; };
    inherit (self.trivialBuilders)
      runCommand
      runCommandLocal
      runCommandWith
      writeText
      writeTextFile
      writeTextDir
      writeScript
      writeScriptBin
      writeShellScript
      writeShellScriptBin
      symlinkJoin
      linkFarm
      linkFarmFromDrvs
      ;

    buildGoModule = self.callPackage ./pkgs/go/build-go-module.nix { };
    dockerTools = self.callPackage ./pkgs/docker-tools.nix { };
  };
in
lib.fix (lib.foldl' (lib.flip lib.extends) base overlays)
