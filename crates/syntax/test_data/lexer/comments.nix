# line comment
a /* block */ b /* multi
line */ c # trailing
/* unterminated
