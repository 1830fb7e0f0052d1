# `buildGoModule`, as nixpkgs users know it: a Go module built with the host's Go toolchain
# (pinned in the store), offline, reproducibly, and without a reference to the toolchain.
#
# - `vendorHash = null`: the module has no dependencies, or vendors them (`vendor/`).
# - `vendorHash = "sha256-..."`: the dependencies are downloaded by a fixed-output derivation
#   (`goModules`, `go mod vendor` through `$GOPROXY`), checked against the hash, and the build
#   uses them with `-mod=vendor`. `lib.fakeHash` finds the hash: the failed build prints it.
{
  lib,
  stdenv,
  go,
  cacert,
}:
{
  pname ? null,
  version ? null,
  name ? "${pname}-${version}",
  src,
  vendorHash ? throw "buildGoModule: '${name}' must set vendorHash (null when the module has no dependencies or vendors them)",
  modRoot ? ".",
  subPackages ? [ ],
  excludedPackages ? [ ],
  ldflags ? [ ],
  tags ? [ ],
  CGO_ENABLED ? 0,
  GOFLAGS ? [ ],
  doCheck ? true,
  checkFlags ? [ ],
  allowGoReference ? false,
  overrideModAttrs ? (final: prev: { }),
  nativeBuildInputs ? [ ],
  passthru ? { },
  meta ? { },
  ...
}@args:
let
  goEnv = ''
    export GOCACHE="$TMPDIR/go-cache" GOPATH="$TMPDIR/go" HOME="$TMPDIR/home"
    export GOTOOLCHAIN=local GO111MODULE=on
    mkdir -p "$GOCACHE" "$GOPATH" "$HOME"
  '';

  goModules =
    if vendorHash == null then
      null
    else
      (stdenv.mkDerivation {
        name = "${name}-go-modules";
        inherit src modRoot;
        nativeBuildInputs = [ go ];
        # The module proxy, its checksum database and proxies come from the caller's
        # environment: only a fixed-output derivation sees them, and its hash is checked.
        impureEnvVars = [
          "GOPROXY"
          "GONOPROXY"
          "GOPRIVATE"
          "GONOSUMDB"
          "GOSUMDB"
          "GOINSECURE"
          "http_proxy"
          "https_proxy"
          "HTTP_PROXY"
          "HTTPS_PROXY"
          "NO_PROXY"
          "no_proxy"
        ];
        SSL_CERT_FILE = "${cacert}/etc/ssl/certs/ca-bundle.crt";
        configurePhase = ''
          runHook preConfigure
          ${goEnv}
          export GOFLAGS=-mod=mod
          cd "$modRoot"
          runHook postConfigure
        '';
        buildPhase = ''
          runHook preBuild
          if [ -d vendor ]; then
            echo "buildGoModule: ${name} has a vendor folder already: set vendorHash = null" >&2
            exit 1
          fi
          go mod vendor
          mkdir -p vendor
          runHook postBuild
        '';
        installPhase = ''
          runHook preInstall
          cp -r vendor "$out"
          runHook postInstall
        '';
        dontFixup = true;
        outputHashMode = "recursive";
        outputHashAlgo = if vendorHash == "" then "sha256" else null;
        outputHash = vendorHash;
      }).overrideAttrs
        overrideModAttrs;

  joined = lib.concatStringsSep " ";
  packages = if subPackages == [ ] then [ "./..." ] else map (p: "./${p}") subPackages;

  buildGoArgs = builtins.removeAttrs args [
    "vendorHash"
    "modRoot"
    "subPackages"
    "excludedPackages"
    "ldflags"
    "tags"
    "GOFLAGS"
    "checkFlags"
    "allowGoReference"
    "overrideModAttrs"
    "nativeBuildInputs"
    "passthru"
    "meta"
  ];
in
stdenv.mkDerivation (
  buildGoArgs
  // {
    inherit name modRoot;
    nativeBuildInputs = [ go ] ++ nativeBuildInputs;
    inherit CGO_ENABLED doCheck;
    GOFLAGS = joined ([ "-mod=vendor" "-trimpath" "-buildvcs=false" ] ++ GOFLAGS);
    GOPROXY = "off";
    GOSUMDB = "off";
    goLdflags = joined ldflags;
    goTags = lib.concatStringsSep "," tags;
    goPackages = joined packages;
    goExcluded = joined excludedPackages;
    goCheckFlags = joined checkFlags;

    configurePhase =
      args.configurePhase or ''
        runHook preConfigure
        ${goEnv}
        cd "$modRoot"
        ${lib.optionalString (goModules != null) ''
          rm -rf vendor
          cp -r ${goModules} vendor
          chmod -R u+w vendor
        ''}
        runHook postConfigure
      '';

    # The packages to build: those named, minus the excluded ones (as import paths).
    buildPhase =
      args.buildPhase or ''
        runHook preBuild
        pkgs=$(go list $goPackages)
        for x in $goExcluded; do
          pkgs=$(printf '%s\n' $pkgs | grep -v -e "/$x\$" -e "/$x/" || true)
        done
        export GOBIN="$GOPATH/bin"
        go install -p "$NIX_BUILD_CORES" -ldflags="$goLdflags" -tags="$goTags" $pkgs
        runHook postBuild
      '';

    checkPhase =
      args.checkPhase or ''
        runHook preCheck
        go test -p "$NIX_BUILD_CORES" -ldflags="$goLdflags" -tags="$goTags" $goCheckFlags $pkgs
        runHook postCheck
      '';

    installPhase =
      args.installPhase or ''
        runHook preInstall
        mkdir -p "$out"
        if [ -d "$GOPATH/bin" ]; then
          cp -r "$GOPATH/bin" "$out/"
        fi
        runHook postInstall
      '';

    # As nixpkgs: a binary that refers to the toolchain would drag it into every image.
    disallowedReferences = lib.optional (!allowGoReference) go;

    passthru = passthru // {
      inherit go goModules vendorHash;
    };
    meta = meta;
  }
)
