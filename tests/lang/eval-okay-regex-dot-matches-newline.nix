# In builtins.match/split (POSIX extended regexes), `.` matches any character, including a newline; lib.strings.trim relies on this.
[
  (builtins.match "(.*)" "a\nb")
  (builtins.match "a.b" "a\nb")
  (builtins.match "[ \t\r\n]*(.*[^ \t\r\n])[ \t\r\n]*" "  Hello,\r\n  world!  ")
  (builtins.split "." "a\nb")
]
