[ "a${b}c" ''
    x ${y}
  '' ./a/${b}/c <nixpkgs> http://x.y/z 1.5 42 ]
