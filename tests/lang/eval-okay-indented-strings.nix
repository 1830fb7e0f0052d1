# indentation stripping as Nix does it: smallest indent, blank lines ignored, last line dropped
[ ''
    one
      two

    three
  ''
  ''  same line''
  ''
    ${"interp"} at start
      more
  ''
  ''
  	tab is not indentation
  ''
]
