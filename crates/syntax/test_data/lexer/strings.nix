"plain" "esc \" \\ \n \${not} $${lit}" "${a + "${b}"}" "$" "a$"
''
  indented ''$ ''' ''\n ${x} $${y} '
''
"unterminated ${
