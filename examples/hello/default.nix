# A small expression to try `cairn parse` on.
{ greeting ? "hello" }:
let
  name = "world";
in {
  message = "${greeting}, ${name}";
  words = builtins.length [ greeting name ];
}
