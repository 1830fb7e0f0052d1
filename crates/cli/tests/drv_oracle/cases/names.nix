# Names with every character a store path allows; the output paths add `-<output>`.
let
  inherit (import ../lib.nix) mk;
  named = name: mk { inherit name; outputs = [ "out" "dev" ]; };
in
{
  dots = named "hello-2.12.1";
  dashes = named "gnu-hello-world";
  plus = named "gcc+c++-12";
  mixed = named "A_b.C-d+e?f=g";
  leadingDot = named ".hidden";
  digits = named "0123456789";
  oneChar = named "x";
  long = named "this-name-is-quite-long-but-still-well-below-the-limit-of-two-hundred-and-eleven-characters-abcdefghijklmnopqrstuvwxyz-0123456789";
  underscore = named "_";
  dot = named ".";
  dotDot = named "..";
  leadingDash = named "-dash";
  question = named "?";
  drvInside = named "a.drv.x";
  versioned = mk { name = "python3.10-requests-2.28.1"; pname = "requests"; version = "2.28.1"; };
  drvLike = named "x.drv-not";
  fromParse = named (builtins.parseDrvName "firefox-102.0.1").name;
}
