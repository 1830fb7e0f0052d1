# string built-ins
with builtins;
[ (substring 1 3 "hello") (substring 3 100 "hello") (stringLength "héllo") (replaceStrings [ "a" "b" ] [ "1" "22" ] "abcab")
  (concatStringsSep ", " [ "a" "b" ]) (baseNameOf "/a/b.c") (dirOf "/a/b") (dirOf "a") (splitVersion "1.2pre3")
  (compareVersions "1.2" "1.10") (parseDrvName "hello-2.12.1") (hashString "sha256" "abc") (hashString "md5" "")
  (typeOf 1) (typeOf 1.0) (typeOf "") (typeOf null) (typeOf [ ]) (typeOf { }) (typeOf (x: x)) (typeOf ./.) ]
