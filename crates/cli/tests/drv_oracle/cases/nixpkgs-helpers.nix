# Helpers shaped like nixpkgs' trivial builders: `runCommand`, `writeTextFile` through
# `passAsFile`, `symlinkJoin`, `buildEnv` with structured attributes, `mkShell`, and a
# `recurseIntoAttrs` set of packages made with `lib.mapAttrs` and `lib.genAttrs`.
let
  inherit (import ../lib.nix) system;
  lib = rec {
    genAttrs = names: f: builtins.listToAttrs (map (n: { name = n; value = f n; }) names);
    optionalString = c: s: if c then s else "";
    concatMapStrings = f: l: builtins.concatStringsSep "" (map f l);
    makeBinPath = ps: builtins.concatStringsSep ":" (map (p: "${p.bin or p.out or p}/bin") ps);
    escapeShellArg = s: "'${builtins.replaceStrings [ "'" ] [ "'\\''" ] s}'";
  };
  runCommand = name: env: cmd: derivation ({
    inherit name system;
    builder = "/bin/sh";
    args = [ "-c" cmd ];
    passAsFile = [ "buildCommand" ] ++ (env.passAsFile or [ ]);
    buildCommand = cmd;
    preferLocalBuild = true;
    allowSubstitutes = false;
  } // builtins.removeAttrs env [ "passAsFile" ]);
  writeTextFile = { name, text, executable ? false, destination ? "" }:
    runCommand name { inherit text executable destination; passAsFile = [ "text" ]; } ''
      target=$out${lib.escapeShellArg destination}
      mkdir -p "$(dirname "$target")"
      cp "$textPath" "$target"
      ${lib.optionalString executable "chmod +x \"$target\""}
    '';
  writeShellScriptBin = name: text: writeTextFile { inherit name; executable = true; destination = "/bin/${name}"; text = "#!/bin/sh\n${text}"; };
  symlinkJoin = { name, paths }: runCommand name { inherit paths; passAsFile = [ "paths" ]; } ''
    mkdir -p $out
    for i in $(cat $pathsPath); do cp -rs $i/* $out; done
  '';
  buildEnv = { name, paths, pathsToLink ? [ "/" ] }: derivation {
    inherit name system;
    builder = "/bin/sh";
    __structuredAttrs = true;
    pkgs = map (p: { paths = [ p ]; priority = 5; }) paths;
    inherit pathsToLink;
    extraPrefix = "";
    ignoreCollisions = false;
  };
  hello = writeShellScriptBin "hello" "echo 'Hello, world!'";
  tools = lib.genAttrs [ "ls" "cat" "grep" ] (n: writeShellScriptBin n "exec busybox ${n} \"$@\"");
  mkShell = { packages, shellHook ? "" }: runCommand "nix-shell" {
    nativeBuildInputs = packages;
    inherit shellHook;
    PATH = lib.makeBinPath packages;
  } "echo shell > $out";
in
{
  inherit hello;
  tools = builtins.mapAttrs (_: t: t) tools;
  joined = symlinkJoin { name = "tools"; paths = builtins.attrValues tools ++ [ hello ]; };
  env = buildEnv { name = "env"; paths = [ hello tools.ls ]; pathsToLink = [ "/bin" "/share" ]; };
  shell = mkShell { packages = [ hello tools.grep ]; shellHook = "export PS1='$ '"; };
  config = writeTextFile { name = "config.json"; text = builtins.toJSON { tools = builtins.attrValues tools; n = 1.5; }; };
}
