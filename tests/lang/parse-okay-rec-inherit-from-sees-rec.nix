rec {
  inherit (s) a;
  s = { a = 1; };
}
