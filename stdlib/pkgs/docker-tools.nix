# `dockerTools`, as nixpkgs users know it. The image is written by cairn's own builder,
# `builtin:buildLayeredImage`, not by a script: deterministic tars, one layer per store path
# of the closure (up to `maxLayers`), and the contents merged into the root in the last layer.
{ }:
{
  buildLayeredImage =
    {
      name,
      tag ? null,
      contents ? [ ],
      config ? { },
      created ? "1970-01-01T00:00:01Z",
      maxLayers ? 100,
    }:
    derivation {
      name = "${baseNameOf name}.tar";
      system = "builtin";
      builder = "builtin:buildLayeredImage";
      imageName = name;
      imageTag = if tag == null then "" else tag;
      contents = if builtins.isList contents then contents else [ contents ];
      config = builtins.toJSON config;
      inherit created;
      maxLayers = toString maxLayers;
    };
}
