# POSIX extended regular expressions in match and split
with builtins;
[ (match "a(b*)c" "abbc") (match "a(b*)c" "xabbc") (match "([[:alpha:]]+)-([0-9.]+)" "hello-1.2")
  (match "(a)|(b)" "b") (split "," "a,b,,c") (split "(x)(y)?" "axbxyc") (match "[^/]*/(.*)" "a/b/c") ]
