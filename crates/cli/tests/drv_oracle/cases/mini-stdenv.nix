# The shape of nixpkgs: `lib.fix` and `extends` for package sets, a `mkDerivation` that adds
# a standard environment and passes `finalAttrs`, `overrideAttrs`, `override` with
# `callPackage`, multiple outputs and propagated inputs.
let
  inherit (import ../lib.nix) system;

  fix = f: let x = f x; in x;
  extends = overlay: f: final: let prev = f final; in prev // overlay final prev;
  composeManyExtensions = builtins.foldl' (f: g: final: prev: let fp = f final prev; in fp // g final (prev // fp)) (final: prev: { });

  makeOverridable = f: args:
    let result = f args;
    in result // { override = newArgs: makeOverridable f (args // (if builtins.isFunction newArgs then newArgs args else newArgs)); };

  mkStdenv = { name, shell, initialPath }: rec {
    inherit name shell initialPath;
    setup = derivation {
      name = "${name}-setup";
      builder = shell;
      inherit system initialPath;
      args = [ "-c" "echo export PATH=${builtins.concatStringsSep ":" (map (p: "${p}/bin") initialPath)} > $out" ];
    };
    mkDerivation = fpArgs:
      let
        mkAttrs = finalAttrs:
          let args = if builtins.isFunction fpArgs then fpArgs finalAttrs else fpArgs;
          in { outputs = [ "out" ]; buildInputs = [ ]; propagatedBuildInputs = [ ]; } // args;
        make = f:
          let
            finalAttrs = fix f;
            name = finalAttrs.name or "${finalAttrs.pname}-${finalAttrs.version}";
            drv = derivation (
              builtins.removeAttrs finalAttrs [ "passthru" "meta" "pname" ]
              // {
                inherit name system;
                builder = shell;
                args = [ "-e" "${../files/builder.sh}" ];
                stdenv = setup;
                __ignoreNulls = true;
                propagatedBuildInputs = finalAttrs.propagatedBuildInputs;
              }
            );
          in
          drv
          // (finalAttrs.passthru or { })
          // {
            inherit finalAttrs;
            overrideAttrs = g: make (extends (final: prev: if builtins.isFunction (g prev) then g final prev else g prev) f);
          };
      in
      make mkAttrs;
  };

  pkgsFun = final: {
    stdenv = mkStdenv {
      name = "stdenv-linux";
      shell = "/bin/sh";
      initialPath = [ final.coreutils final.gnused ];
    };
    bootstrap = derivation { name = "bootstrap-tools"; builder = "/bin/sh"; inherit system; };
    coreutils = derivation { name = "coreutils-9.1"; builder = "/bin/sh"; inherit system; outputs = [ "out" "info" ]; dep = final.bootstrap; };
    gnused = derivation { name = "gnused-4.8"; builder = "/bin/sh"; inherit system; dep = final.bootstrap; };
    callPackage = fn: args: makeOverridable fn (builtins.intersectAttrs (builtins.functionArgs fn) final // args);

    zlib = final.stdenv.mkDerivation (finalAttrs: {
      pname = "zlib";
      version = "1.2.13";
      outputs = [ "out" "dev" "static" ];
      src = import <nix/fetchurl.nix> {
        url = "https://zlib.net/zlib-${finalAttrs.version}.tar.gz";
        sha256 = "1g8bh8l5r1qg7nk6b1lr0w2pqv3c4c6zx8rsp2v1nhrrqqxd6r4k";
      };
      configureFlags = [ "--shared" "--prefix=${builtins.placeholder "out"}" ];
      meta.description = "compression";
      passthru.isZlib = true;
    });
    openssl = final.callPackage ({ stdenv, zlib, withZlib ? true }: stdenv.mkDerivation {
      name = "openssl-3.0.7";
      outputs = [ "bin" "dev" "out" "man" ];
      buildInputs = if withZlib then [ zlib zlib.dev ] else [ ];
      enableParallelBuilding = true;
      NIX_CFLAGS_COMPILE = [ "-O2" "-fPIC" ];
      doCheck = false;
      checkTarget = null;
    }) { };
    curl = final.stdenv.mkDerivation {
      pname = "curl";
      version = "7.86.0";
      outputs = [ "bin" "dev" "out" ];
      buildInputs = [ final.openssl.dev final.zlib ];
      propagatedBuildInputs = [ final.openssl ];
      configureFlags = [ "--with-ssl=${final.openssl.dev}" "--with-zlib=${final.zlib.dev}" ];
    };
  };

  overlay1 = final: prev: {
    zlib = prev.zlib.overrideAttrs (old: { version = "1.2.12"; patches = [ ../files/hello.txt ]; });
  };
  overlay2 = final: prev: {
    openssl = prev.openssl.override { withZlib = false; };
    curlMinimal = prev.curl.overrideAttrs (finalAttrs: old: {
      pname = "curl-minimal";
      configureFlags = old.configureFlags ++ [ "--disable-ldap" "--version=${finalAttrs.version}" ];
    });
  };

  pkgs = fix pkgsFun;
  pkgs' = fix (extends (composeManyExtensions [ overlay1 overlay2 ]) pkgsFun);
in
{
  base = { inherit (pkgs) coreutils gnused zlib openssl curl; };
  overlaid = { inherit (pkgs') zlib openssl curl curlMinimal; };
  setup = pkgs.stdenv.setup;
  zlibDev = pkgs'.zlib.dev;
  twiceOverridden = (pkgs.zlib.overrideAttrs (_: { version = "2"; })).overrideAttrs (old: { name = "zlib-custom-${old.version}"; });
}
