# `stdenv.mkDerivation`: a package from an attribute set, or from a function of the package's
# own final attributes (`finalAttrs: { ... }`), as nixpkgs' users write them.
#
# The attributes become those of a derivation whose builder is the stdenv's shell running
# `default-builder.sh` (`$stdenv/setup`, then every phase); `meta`, `passthru` and `env` are
# taken out first: the first two go on the result only, `env` is merged into the environment.
# The result is the derivation with `overrideAttrs`, `meta`, `passthru` and the attributes of
# `passthru`, on it and on each of its outputs.
#
# Cross compilation, the C toolchain's flags (`hardeningDisable`, `NIX_CFLAGS_COMPILE`), the
# `meta` checks (licenses, platforms, broken) and `__structuredAttrs` are not here.
{ lib, stdenv }:
let
  # The attributes of the package that are not the derivation's: those of the package only, and
  # the inputs of the checks, which join the build inputs when the checks run.
  packageAttrs = [
    "meta"
    "passthru"
    "pos"
    "env"
    "checkInputs"
    "nativeCheckInputs"
    "installCheckInputs"
    "nativeInstallCheckInputs"
  ];

  # The build inputs of attribute `name`, nested lists flattened and nulls dropped.
  inputs = attrs: name: builtins.filter (input: input != null) (lib.flatten (attrs.${name} or [ ]));

  # `f`, the argument of `overrideAttrs`, as an overlay: `prev: { }`, or `final: prev: { }`, or
  # a plain set of attributes.
  toOverlay =
    f:
    if builtins.isFunction f || f ? __functor then
      final: prev:
      let
        applied = f prev;
      in
      if builtins.isFunction applied then f final prev else applied
    else
      _: _: f;

  # The package of `rattrs`, a function of the final attributes; the final attributes also hold
  # `finalPackage` and `overrideAttrs`.
  makeExtensible =
    rattrs:
    let
      finalAttrs = rattrs (finalAttrs // { inherit finalPackage overrideAttrs; });
      finalPackage = makePackage overrideAttrs finalAttrs;
      overrideAttrs = f: makeExtensible (lib.extends (toOverlay f) rattrs);
    in
    finalPackage;

  # The derivation of the attributes `attrs`, extended into a package.
  makePackage =
    overrideAttrs: attrs:
    let
      name =
        if attrs ? name then
          attrs.name
        else if attrs ? pname && attrs ? version then
          "${attrs.pname}-${attrs.version}"
        else
          throw "mkDerivation: give the package a `name`, or a `pname` and a `version`";

      env = attrs.env or { };
      envIsExported = builtins.isAttrs env && !lib.isDerivation env;

      enableParallelBuilding = attrs.enableParallelBuilding or false;
      doCheck = attrs.doCheck or false;
      doInstallCheck = attrs.doInstallCheck or false;
      inputsIf = cond: name: lib.optionals cond (inputs attrs name);

      derivationAttrs =
        removeAttrs attrs packageAttrs
        // lib.optionalAttrs (!envIsExported) { inherit env; }
        // {
          inherit name stdenv;
          inherit (stdenv.buildPlatform) system;
          builder = attrs.realBuilder or stdenv.shell;
          args = attrs.args or [
            "-e"
            (attrs.builder or ./default-builder.sh)
          ];
          __ignoreNulls = true;
          nativeBuildInputs =
            inputs attrs "nativeBuildInputs"
            ++ inputsIf doCheck "nativeCheckInputs"
            ++ inputsIf doInstallCheck "nativeInstallCheckInputs";
          buildInputs =
            inputs attrs "buildInputs"
            ++ inputsIf doCheck "checkInputs"
            ++ inputsIf doInstallCheck "installCheckInputs";
          propagatedNativeBuildInputs = inputs attrs "propagatedNativeBuildInputs";
          propagatedBuildInputs = inputs attrs "propagatedBuildInputs";
          outputs = attrs.outputs or [ "out" ];
          patches = attrs.patches or [ ];
          configureFlags = attrs.configureFlags or [ ];
          inherit doCheck doInstallCheck;
          strictDeps = attrs.strictDeps or false;
        }
        // lib.optionalAttrs enableParallelBuilding {
          inherit enableParallelBuilding;
          enableParallelChecking = attrs.enableParallelChecking or true;
          enableParallelInstalling = attrs.enableParallelInstalling or true;
        };

      # `env`'s variables, checked: they may not also be attributes of the derivation.
      checkedEnv =
        let
          overlapping = builtins.attrNames (builtins.intersectAttrs env derivationAttrs);
          checkValue =
            n: v:
            if builtins.isString v || builtins.isBool v || builtins.isInt v || lib.isDerivation v then
              v
            else
              throw "mkDerivation: `env.${n}` is a ${builtins.typeOf v}; `env` holds only strings, booleans, integers and derivations";
        in
        if overlapping != [ ] then
          throw "mkDerivation: `env` may not hold attributes that are also the derivation's: ${lib.concatStringsSep ", " overlapping}"
        else
          builtins.mapAttrs checkValue env;

      drv = derivation (derivationAttrs // lib.optionalAttrs envIsExported checkedEnv);

      passthru = attrs.passthru or { };
    in
    if attrs.__structuredAttrs or false then
      throw "mkDerivation: `__structuredAttrs` is not supported by cairn's stdenv; pass the values as attributes or in `env`"
    else
      lib.extendDerivation true (
        {
          inherit overrideAttrs passthru;
          meta = attrs.meta or { };
        }
        // passthru
      ) drv;
in
fnOrAttrs: makeExtensible (if builtins.isFunction fnOrAttrs then fnOrAttrs else _: fnOrAttrs)
