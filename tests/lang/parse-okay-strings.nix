let name = "x"; in [
  "a ${name} \${literal} $${literal} \"quoted\""
  ''
    indented ${name}
    ''${literal} ''' ''\t
  ''
  ./relative/${name}.nix
  <nixpkgs/lib>
  https://example.org/a?b=c
]
