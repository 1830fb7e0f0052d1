# A small expression to try `cairn eval` on: `cairn eval examples/hello --argstr greeting hi`.
{
  greeting ? "hello",
}:
let
  name = "world";
  # A derivation is only described here; evaluating it computes its store paths.
  hello = derivation {
    name = "hello";
    system = "x86_64-linux";
    builder = "/bin/sh";
    args = [ "-c" "echo '${greeting}, ${name}' > $out" ];
  };
in
{
  message = "${greeting}, ${name}";
  words = builtins.length [ greeting name ];
  drvPath = hello.drvPath;
  outPath = hello.outPath;
}
