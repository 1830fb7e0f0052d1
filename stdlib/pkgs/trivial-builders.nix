# The trivial builders: derivations made from a shell script (`runCommand`), from a text
# (`writeText` and its variants) or from other store paths (`symlinkJoin`, `linkFarm`), with
# the arguments nixpkgs' builders of the same names take.
#
# Each is a `stdenv.mkDerivation` with a `buildCommand`, so its script sees busybox on PATH and
# the setup script's functions.  Scripts and texts are passed as files (`passAsFile`), so their
# size is not bound by the limits on the environment.
{
  lib,
  stdenv,
  busybox,
}:
let
  # The arguments of `writeTextFile` for the shell script `name` running `text`.
  shellScript = name: text: {
    inherit name;
    executable = true;
    text = ''
      #!${busybox}/bin/sh
      ${text}
    '';
    checkPhase = ''
      ${busybox}/bin/sh -n "$target"
    '';
  };

  # The arguments of `writeTextFile` `args`, for an executable at `bin/name`.
  inBin =
    name: args:
    args
    // {
      executable = true;
      destination = "/bin/${name}";
      meta.mainProgram = name;
    };
in
rec {
  # A derivation whose build is `buildCommand`, a shell script, with the attributes
  # `derivationArgs` added; `runLocal` marks it as cheaper to build than to fetch.
  runCommandWith =
    {
      name,
      runLocal ? false,
      derivationArgs ? { },
    }:
    buildCommand:
    stdenv.mkDerivation (
      {
        inherit name buildCommand;
        enableParallelBuilding = true;
        passAsFile = [ "buildCommand" ] ++ derivationArgs.passAsFile or [ ];
      }
      // lib.optionalAttrs runLocal {
        preferLocalBuild = true;
        allowSubstitutes = false;
      }
      // removeAttrs derivationArgs [ "passAsFile" ]
    );

  # `runCommand name env script`: the derivation `name` built by `script`, with the
  # attributes `env` (environment variables, `nativeBuildInputs`, `passthru`, ...).
  runCommand =
    name: env:
    runCommandWith {
      inherit name;
      derivationArgs = env;
    };

  # `runCommand` for a build that is cheaper to run than to fetch.
  runCommandLocal =
    name: env:
    runCommandWith {
      inherit name;
      runLocal = true;
      derivationArgs = env;
    };

  # A file holding `text`: the output itself, or the file `destination` (an absolute path such
  # as "/bin/hello") inside the output folder; `checkPhase` runs after it is written, with its
  # path as `$target`.
  writeTextFile =
    {
      name,
      text,
      executable ? false,
      destination ? "",
      checkPhase ? "",
      meta ? { },
      allowSubstitutes ? false,
      preferLocalBuild ? true,
      derivationArgs ? { },
    }:
    let
      binName = builtins.match "/bin/([^/]+)" destination;
    in
    if destination != "" && (!lib.hasPrefix "/" destination || destination == "/") then
      throw "writeTextFile: destination must be an absolute path inside the output, such as \"/bin/${name}\", not '${destination}'"
    else
      runCommand name
        (
          {
            inherit
              text
              executable
              checkPhase
              allowSubstitutes
              preferLocalBuild
              ;
            passAsFile = [ "text" ] ++ derivationArgs.passAsFile or [ ];
            meta =
              lib.optionalAttrs (executable && binName != null) { mainProgram = builtins.head binName; }
              // meta
              // derivationArgs.meta or { };
          }
          // removeAttrs derivationArgs [
            "passAsFile"
            "meta"
          ]
        )
        ''
          target=$out${lib.escapeShellArg destination}
          mkdir -p "$(dirname "$target")"
          mv "$textPath" "$target"
          if [ -n "$executable" ]; then
            chmod +x "$target"
          fi
          eval "$checkPhase"
        '';

  # The file `name` holding `text`.
  writeText = name: text: writeTextFile { inherit name text; };

  # A folder holding `text` at `path`: `writeTextDir "share/my-file" "..."`.
  writeTextDir =
    path: text:
    writeTextFile {
      inherit text;
      name = builtins.baseNameOf path;
      destination = "/${path}";
    };

  # The executable file `name` holding `text`.
  writeScript =
    name: text:
    writeTextFile {
      inherit name text;
      executable = true;
    };

  # A folder holding the executable `bin/name`.
  writeScriptBin = name: text: writeTextFile (inBin name { inherit name text; });

  # `writeScript` of a shell script: busybox's shell runs it, and it must parse.
  writeShellScript = name: text: writeTextFile (shellScript name text);

  # `writeScriptBin` of a shell script, checked as `writeShellScript` checks it.
  writeShellScriptBin = name: text: writeTextFile (inBin name (shellScript name text));

  # One folder with the contents of the folders `paths` merged: their sub-folders are made
  # anew, their files are symbolic links; where two paths hold the same file, the first wins.
  # `postBuild` runs at the end.
  symlinkJoin =
    args@{
      name,
      paths,
      preferLocalBuild ? true,
      allowSubstitutes ? false,
      postBuild ? "",
      ...
    }:
    runCommand name
      (
        removeAttrs args [
          "name"
          "postBuild"
        ]
        // {
          inherit preferLocalBuild allowSubstitutes;
          passAsFile = [ "paths" ];
        }
      )
      ''
        mkdir -p $out
        for i in $(cat $pathsPath); do
          (cd "$i" && find -L . -type d) | while IFS= read -r dir; do
            mkdir -p "$out/$dir"
          done
          (cd "$i" && find -L . ! -type d) | while IFS= read -r file; do
            if [ ! -e "$out/$file" ] && [ ! -L "$out/$file" ]; then
              ln -s "$i/''${file#./}" "$out/$file"
            fi
          done
        done
        ${postBuild}
      '';

  # A folder of symbolic links: `entries` is a list of `{ name; path; }` or a set of name to
  # path; each `name` (which may hold `/`) links to its `path`.
  linkFarm =
    name: entries:
    let
      entries' =
        if builtins.isAttrs entries then
          entries
        else if builtins.isList entries then
          builtins.listToAttrs (map (x: lib.nameValuePair x.name x.path) entries)
        else
          throw "linkFarm: entries must be a list of { name; path; } or a set of name to path";
      linkCommands = lib.mapAttrsToList (name: path: ''
        mkdir -p -- "$(dirname -- ${lib.escapeShellArg name})"
        ln -s -- ${lib.escapeShellArg "${path}"} ${lib.escapeShellArg name}
      '') entries';
    in
    runCommand name
      {
        preferLocalBuild = true;
        allowSubstitutes = false;
        passthru.entries = entries';
      }
      ''
        mkdir -p $out
        cd $out
        ${lib.concatStrings linkCommands}
      '';

  # `linkFarm` of derivations, each linked under its name.
  linkFarmFromDrvs =
    name: drvs:
    linkFarm name (
      map (drv: {
        name = drv.name;
        path = drv;
      }) drvs
    );
}
