# Calls a flake and its inputs from its lock: every node of the lock becomes the value its
# inputs see. `sources` gives each node's source in the store (`outPath`, `narHash`,
# `lastModified`, `rev`, `shortRev`, `dirtyRev`, `dir`), fetched by cairn before this runs.
lockText: sources:
let
  lock = builtins.fromJSON lockText;

  # An input is a node name, or a path of input names from the root (`follows`).
  resolve = spec: if builtins.isList spec then byPath lock.root spec else spec;
  byPath =
    node: path:
    if path == [ ] then
      node
    else
      byPath (resolve lock.nodes.${node}.inputs.${builtins.head path}) (builtins.tail path);

  # The pins of the host tools below a node of the standard library.
  pinsOf =
    node:
    builtins.listToAttrs (
      map (
        name:
        let
          n = lock.nodes.${resolve node.inputs.${name}};
        in
        {
          name = n.locked.tool;
          value = {
            inherit (n.locked) narHash version;
          };
        }
      ) (builtins.attrNames (node.inputs or { }))
    );

  stdlibOf =
    node: sourceInfo:
    let
      root = sourceInfo.outPath;
      lib = import (root + "/lib");
      packagesFor =
        system:
        import root {
          inherit system;
          hostTools = pinsOf node;
          pinFile = "flake.lock";
        };
    in
    sourceInfo
    // {
      inherit lib;
      legacyPackages = {
        x86_64-linux = packagesFor "x86_64-linux";
        aarch64-linux = packagesFor "aarch64-linux";
      };
      _type = "flake";
    };

  nodes = builtins.mapAttrs (
    key: node:
    let
      sourceInfo = builtins.removeAttrs sources.${key} [ "dir" ];
      dir = sources.${key}.dir or "";
      outPath = if dir == "" then sourceInfo.outPath else "${sourceInfo.outPath}/${dir}";
      inputs = builtins.mapAttrs (_: spec: nodes.${resolve spec}) (node.inputs or { });
      flake = import (outPath + "/flake.nix");
      outputs = flake.outputs (inputs // { self = result; });
      result =
        outputs
        // sourceInfo
        // {
          inherit
            inputs
            outputs
            sourceInfo
            outPath
            ;
          _type = "flake";
        };
      type = node.locked.type or "";
    in
    if type == "cairn" then
      stdlibOf node sourceInfo
    else if type == "host" then
      node.locked
    else if node.flake or true then
      result
    else
      sourceInfo // { inherit outPath; }
  ) lock.nodes;
in
nodes.${lock.root}
