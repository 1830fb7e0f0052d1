# cairn's standard environment: `stdenv.mkDerivation` and the setup script its builders source.
#
# The stdenv is itself a derivation, whose output holds `setup` (`setup.sh` with the paths of
# busybox filled in), so a builder of one's own can `source $stdenv/setup` as in nixpkgs.  Its
# attributes are those nixpkgs' users reach for: `mkDerivation`, `shell`, `system`, the
# platforms, `isLinux`, `cc` (none: there is no C toolchain).  The only tools on the builders'
# PATH besides the build inputs are busybox's.
{
  lib,
  system,
  busybox,
}:
let
  shell = "${busybox}/bin/sh";

  platform = {
    inherit system;
    isLinux = true;
    isDarwin = false;
    isx86_64 = system == "x86_64-linux";
    isAarch64 = system == "aarch64-linux";
  };

  setup = derivation {
    name = "stdenv-linux";
    inherit system;
    builder = shell;
    args = [
      "-c"
      ''
        set -e
        ${busybox}/bin/mkdir $out
        ${busybox}/bin/sed -e 's|@initialPath@|${busybox}|' -e 's|@shell@|${shell}|' ${./setup.sh} > $out/setup
      ''
    ];
  };

  stdenv = setup // {
    inherit system shell;
    hostPlatform = platform;
    buildPlatform = platform;
    targetPlatform = platform;
    inherit (platform) isLinux isDarwin;
    cc = null;
    hasCC = false;
    initialPath = [ busybox ];
    mkDerivation = import ./make-derivation.nix { inherit lib stdenv; };
  };
in
stdenv
