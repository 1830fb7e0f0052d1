# `dockerTools`, as nixpkgs users know it. Images are written by cairn's own builders, not by
# scripts: `builtin:streamLayeredImage` describes an image (its layers as store paths, and the
# customisation tree) in a small JSON file, and `builtin:writeImage` writes the image of a
# description as a docker-archive or an OCI layout, with deterministic tars. The one shell
# script is the user's own `extraCommands`, run in the sandbox with busybox.
{
  lib,
  busybox,
  system,
  ...
}:
let
  # GOARCH names, as image configurations spell the architecture.
  architectures = {
    x86_64-linux = "amd64";
    aarch64-linux = "arm64";
    i686-linux = "386";
    armv7l-linux = "arm";
    riscv64-linux = "riscv64";
    powerpc64le-linux = "ppc64le";
    s390x-linux = "s390x";
  };
  defaultArchitecture = architectures.${system} or "amd64";

  formats = [
    "docker-archive"
    "oci"
  ];

  # The tree of `extraCommands`: run in an empty folder, `root`; the permission bits of what
  # they made are listed in `modes`, since the store makes every file read-only.
  customisationLayer =
    baseName: extraCommands:
    derivation {
      name = "${baseName}-customisation-layer";
      inherit system extraCommands;
      builder = "${busybox}/bin/sh";
      PATH = "${busybox}/bin";
      args = [
        "-ec"
        ''
          mkdir -p $out/root
          (cd $out/root && eval "$extraCommands")
          cd $out/root
          find . ! -type l -exec stat -c '%a %n' {} + > $out/modes
        ''
      ];
    };

  # The description of an image: `builtin:streamLayeredImage`.
  describe =
    {
      name,
      tag,
      contents,
      config,
      created,
      maxLayers,
      extraCommands,
      architecture,
      singleLayer,
    }:
    let
      baseName = baseNameOf name;
      description = derivation (
        {
          name = "stream-${baseName}";
          system = "builtin";
          builder = "builtin:streamLayeredImage";
          imageName = name;
          imageTag = if tag == null then "" else tag;
          contents = lib.toList contents;
          config = builtins.toJSON config;
          inherit created architecture singleLayer;
          maxLayers = toString maxLayers;
        }
        // lib.optionalAttrs (extraCommands != "") {
          customisationLayer = customisationLayer baseName extraCommands;
        }
      );
    in
    description
    // {
      imageName = name;
      imageTag =
        if tag == null then
          builtins.substring 0 32 (baseNameOf (builtins.unsafeDiscardStringContext description.outPath))
        else
          tag;
    };

  # The image of a description, in `format`: `builtin:writeImage`.
  write =
    format: description:
    if !(builtins.elem format formats) then
      throw "dockerTools: the format '${toString format}' is not known (known: ${builtins.concatStringsSep ", " formats})"
    else
      derivation {
        name = baseNameOf description.imageName + (if format == "oci" then "-oci" else ".tar");
        system = "builtin";
        builder = "builtin:writeImage";
        description = "${description}";
        inherit format;
      }
      // {
        inherit (description) imageName imageTag;
      };
in
{
  # The description of a layered image, from which `cairn image stream` writes the
  # docker-archive to standard output and `cairn image export` writes it anywhere.
  streamLayeredImage =
    {
      name,
      tag ? null,
      contents ? [ ],
      config ? { },
      created ? "1970-01-01T00:00:01Z",
      maxLayers ? 100,
      extraCommands ? "",
      architecture ? defaultArchitecture,
    }:
    describe {
      inherit
        name
        tag
        contents
        config
        created
        maxLayers
        extraCommands
        architecture
        ;
      singleLayer = false;
    };

  # A layered image, written into the store: the image `streamLayeredImage` streams.
  buildLayeredImage =
    {
      name,
      tag ? null,
      contents ? [ ],
      config ? { },
      created ? "1970-01-01T00:00:01Z",
      maxLayers ? 100,
      extraCommands ? "",
      architecture ? defaultArchitecture,
      format ? "docker-archive",
    }:
    write format (describe {
      inherit
        name
        tag
        contents
        config
        created
        maxLayers
        extraCommands
        architecture
        ;
      singleLayer = false;
    });

  # An image of one layer: the whole closure and the customisation.
  buildImage =
    {
      name,
      tag ? null,
      contents ? [ ],
      copyToRoot ? [ ],
      config ? { },
      created ? "1970-01-01T00:00:01Z",
      extraCommands ? "",
      architecture ? defaultArchitecture,
      format ? "docker-archive",
    }:
    write format (describe {
      inherit
        name
        tag
        config
        created
        extraCommands
        architecture
        ;
      contents = lib.toList contents ++ lib.toList copyToRoot;
      maxLayers = 1;
      singleLayer = true;
    });
}
