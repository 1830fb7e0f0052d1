# Test cases for the package set's builders, `stdenv.mkDerivation` and the trivial builders, as
# data, in the form of `lib.nix`: the shape of the values they return, evaluated without
# building anything.  `CASES=pkgs run.sh` runs them.  The builds themselves are tested by
# `crates/cli/tests/stdenv.rs`.
#
# The package set's busybox is `sandbox-busybox.nix`, which Nix can evaluate too.
{
  lib ? import ../lib,
  pkgs ? import ../. { overlays = [ (final: prev: { busybox = import ./sandbox-busybox.nix; }) ]; },
}:
let
  inherit (pkgs) stdenv;
  basic = stdenv.mkDerivation {
    pname = "basic";
    version = "1.0";
    outputs = [ "out" "dev" ];
    env.FROM_ENV = "e";
    passthru.extra = "p";
    meta.description = "d";
  };
  final = stdenv.mkDerivation (finalAttrs: {
    pname = "final";
    version = "1";
    label = "v${finalAttrs.version}";
    passthru.self = finalAttrs.finalPackage;
  });
  called = pkgs.callPackage ({ stdenv, who ? "world" }: stdenv.mkDerivation { name = "hello-${who}"; }) { };
  baseName = drv: builtins.substring 33 (-1) (baseNameOf drv);
in
[
  # stdenv
  { name = "stdenv-is-derivation"; expr = lib.isDerivation stdenv; expected = true; }
  { name = "stdenv-name"; expr = stdenv.name; expected = "stdenv-linux"; }
  { name = "stdenv-platforms"; expr = [ stdenv.system stdenv.hostPlatform.system stdenv.buildPlatform.system stdenv.isLinux stdenv.hostPlatform.isLinux ]; expected = [ "x86_64-linux" "x86_64-linux" "x86_64-linux" true true ]; }
  { name = "stdenv-no-cc"; expr = [ stdenv.cc stdenv.hasCC ]; expected = [ null false ]; }
  { name = "stdenv-shell"; expr = lib.hasSuffix "-busybox/bin/sh" stdenv.shell; expected = true; }

  # mkDerivation: the result
  { name = "mkDerivation-name"; expr = [ basic.name basic.pname basic.version ]; expected = [ "basic-1.0" "basic" "1.0" ]; }
  { name = "mkDerivation-name-given"; expr = (stdenv.mkDerivation { name = "given"; pname = "p"; version = "2"; }).name; expected = "given"; }
  { name = "mkDerivation-no-name"; expr = (stdenv.mkDerivation { pname = "p"; }).drvPath; throws = true; }
  { name = "mkDerivation-type"; expr = basic.type; expected = "derivation"; }
  { name = "mkDerivation-outputs"; expr = [ basic.outputs basic.out.outputName basic.dev.outputName (basic.outPath == basic.out.outPath) ]; expected = [ [ "out" "dev" ] "out" "dev" true ]; }
  { name = "mkDerivation-output-paths"; expr = map baseName [ basic.outPath basic.dev.outPath ]; expected = [ "basic-1.0" "basic-1.0-dev" ]; }
  { name = "mkDerivation-drvPath"; expr = baseName basic.drvPath; expected = "basic-1.0.drv"; }
  { name = "mkDerivation-passthru"; expr = [ basic.extra basic.passthru.extra basic.dev.extra ]; expected = [ "p" "p" "p" ]; }
  { name = "mkDerivation-meta"; expr = [ basic.meta basic.dev.meta ]; expected = [ { description = "d"; } { description = "d"; } ]; }
  { name = "mkDerivation-not-in-derivation"; expr = map (n: basic.drvAttrs ? ${n}) [ "passthru" "meta" "extra" "env" ]; expected = [ false false false false ]; }
  { name = "mkDerivation-env"; expr = basic.drvAttrs.FROM_ENV; expected = "e"; }
  { name = "mkDerivation-env-overlap"; expr = (stdenv.mkDerivation { name = "o"; src = "s"; env.src = "x"; }).drvPath; throws = true; }
  { name = "mkDerivation-env-type"; expr = (stdenv.mkDerivation { name = "o"; env.l = [ ]; }).drvPath; throws = true; }
  { name = "mkDerivation-structuredAttrs"; expr = (stdenv.mkDerivation { name = "s"; __structuredAttrs = true; }).drvPath; throws = true; }
  { name = "mkDerivation-builder"; expr = [ (basic.drvAttrs.builder == stdenv.shell) (builtins.head basic.drvAttrs.args) (lib.hasSuffix "-default-builder.sh" (builtins.elemAt basic.drvAttrs.args 1)) ]; expected = [ true "-e" true ]; }
  { name = "mkDerivation-own-builder"; expr = (stdenv.mkDerivation { name = "b"; builder = "/b.sh"; }).drvAttrs.args; expected = [ "-e" "/b.sh" ]; }
  { name = "mkDerivation-defaults"; expr = { inherit (basic.drvAttrs) doCheck doInstallCheck patches configureFlags buildInputs nativeBuildInputs; }; expected = { doCheck = false; doInstallCheck = false; patches = [ ]; configureFlags = [ ]; buildInputs = [ ]; nativeBuildInputs = [ ]; }; }
  { name = "mkDerivation-inputs-flattened"; expr = (stdenv.mkDerivation { name = "i"; buildInputs = [ [ "a" ] null "b" ]; }).drvAttrs.buildInputs; expected = [ "a" "b" ]; }
  { name = "mkDerivation-check-inputs"; expr = let d = doCheck: (stdenv.mkDerivation { name = "c"; inherit doCheck; buildInputs = [ "b" ]; nativeBuildInputs = [ "n" ]; checkInputs = [ "c" ]; nativeCheckInputs = [ "nc" ]; installCheckInputs = [ "ic" ]; }).drvAttrs; in [ (d true).buildInputs (d true).nativeBuildInputs (d false).buildInputs ((d true) ? checkInputs) ]; expected = [ [ "b" "c" ] [ "n" "nc" ] [ "b" ] false ]; }
  { name = "mkDerivation-parallel"; expr = let d = stdenv.mkDerivation { name = "p"; enableParallelBuilding = true; }; in [ d.drvAttrs.enableParallelChecking d.drvAttrs.enableParallelInstalling (basic.drvAttrs ? enableParallelBuilding) ]; expected = [ true true false ]; }

  # mkDerivation: overriding
  { name = "overrideAttrs-set"; expr = (basic.overrideAttrs { version = "2.0"; }).name; expected = "basic-2.0"; }
  { name = "overrideAttrs-prev"; expr = (basic.overrideAttrs (prev: { version = prev.version + ".1"; })).name; expected = "basic-1.0.1"; }
  { name = "overrideAttrs-final-prev"; expr = (final.overrideAttrs (f: prev: { version = "2"; })).drvAttrs.label; expected = "v2"; }
  { name = "overrideAttrs-twice"; expr = ((basic.overrideAttrs { version = "2"; }).overrideAttrs (prev: { pname = prev.pname + "-x"; })).name; expected = "basic-x-2"; }
  { name = "overrideAttrs-keeps-passthru"; expr = (basic.overrideAttrs { version = "2"; }).extra; expected = "p"; }
  { name = "overrideAttrs-on-output"; expr = (basic.dev.overrideAttrs { version = "2"; }).outputName; expected = "dev"; }
  { name = "finalAttrs"; expr = final.drvAttrs.label; expected = "v1"; }
  { name = "finalAttrs-finalPackage"; expr = [ (final.self.outPath == final.outPath) ((final.overrideAttrs { version = "3"; }).self.name) ]; expected = [ true "final-3" ]; }
  { name = "callPackage-override"; expr = [ called.name (called.override { who = "cairn"; }).name ]; expected = [ "hello-world" "hello-cairn" ]; }
  { name = "callPackage-overrideAttrs-override"; expr = ((called.overrideAttrs { version = "1"; }).override { who = "x"; }).drvAttrs.version; expected = "1"; }
  { name = "callPackage-overrideDerivation"; expr = (called.overrideDerivation (old: { name = "renamed"; })).name; expected = "renamed"; }

  # trivial builders
  { name = "runCommand"; expr = let d = pkgs.runCommand "c" { A = "a"; } "script"; in [ d.name d.drvAttrs.A d.drvAttrs.passAsFile d.drvAttrs.buildCommand ]; expected = [ "c" "a" [ "buildCommand" ] "script" ]; }
  { name = "runCommandLocal"; expr = let d = pkgs.runCommandLocal "c" { } ""; in [ d.drvAttrs.preferLocalBuild d.drvAttrs.allowSubstitutes ]; expected = [ true false ]; }
  { name = "runCommand-passAsFile"; expr = (pkgs.runCommand "c" { passAsFile = [ "big" ]; big = "x"; } "").drvAttrs.passAsFile; expected = [ "buildCommand" "big" ]; }
  { name = "writeText"; expr = let d = pkgs.writeText "t" "text"; in [ d.name d.drvAttrs.text d.drvAttrs.passAsFile d.drvAttrs.executable ]; expected = [ "t" "text" [ "buildCommand" "text" ] false ]; }
  { name = "writeTextDir"; expr = let d = pkgs.writeTextDir "share/doc/x" "t"; in [ d.name (lib.hasInfix "target=$out/share/doc/x" d.drvAttrs.buildCommand) ]; expected = [ "x" true ]; }
  { name = "writeTextFile-destination"; expr = (pkgs.writeTextFile { name = "t"; text = ""; destination = "bin/x"; }).drvPath; throws = true; }
  { name = "writeScript"; expr = (pkgs.writeScript "s" "").drvAttrs.executable; expected = true; }
  { name = "writeScriptBin"; expr = let d = pkgs.writeScriptBin "s" ""; in [ (lib.hasInfix "target=$out/bin/s" d.drvAttrs.buildCommand) d.meta.mainProgram ]; expected = [ true "s" ]; }
  { name = "writeShellScript"; expr = let d = pkgs.writeShellScript "s" "echo hi"; in [ (lib.hasPrefix "#!/nix/store/" d.drvAttrs.text) (lib.hasSuffix "-busybox/bin/sh\necho hi\n" d.drvAttrs.text) ]; expected = [ true true ]; }
  { name = "writeShellScriptBin"; expr = let d = pkgs.writeShellScriptBin "s" "echo hi"; in [ (lib.hasInfix "target=$out/bin/s" d.drvAttrs.buildCommand) d.meta.mainProgram (lib.hasInfix "-n" d.drvAttrs.checkPhase) ]; expected = [ true "s" true ]; }
  { name = "symlinkJoin"; expr = let d = pkgs.symlinkJoin { name = "j"; paths = [ "/a" "/b" ]; }; in [ d.name d.drvAttrs.paths d.drvAttrs.passAsFile ]; expected = [ "j" [ "/a" "/b" ] [ "buildCommand" "paths" ] ]; }
  { name = "linkFarm-list"; expr = (pkgs.linkFarm "f" [ { name = "a"; path = "/x"; } { name = "b/c"; path = "/y"; } ]).entries; expected = { a = "/x"; "b/c" = "/y"; }; }
  { name = "linkFarm-set"; expr = (pkgs.linkFarm "f" { a = "/x"; }).entries; expected = { a = "/x"; }; }
  { name = "linkFarm-bad"; expr = (pkgs.linkFarm "f" "x").drvPath; throws = true; }
  { name = "linkFarmFromDrvs"; expr = builtins.attrNames (pkgs.trivialBuilders.linkFarmFromDrvs "f" [ basic (pkgs.writeText "t" "") ]).entries; expected = [ "basic-1.0" "t" ]; }
]
