# Files and folders interpolated into strings are copied to the store, named after their
# last component.
let
  inherit (import ../lib.nix) mk;
in
{
  file = mk { name = "file"; src = "${../files/hello.txt}"; };
  dir = mk { name = "dir"; src = "${../files/src}"; };
  subdir = mk { name = "subdir"; src = "${../files/src/sub}"; };
  inText = mk { name = "text"; script = "cat ${../files/hello.txt} ${../files/src}/a.txt"; };
  executable = mk { name = "exe"; src = "${../files/builder.sh}"; };
  symlinkInside = mk { name = "link"; src = "${../files/src}/link"; };
  plusPath = mk { name = "plus"; src = ../files + "/hello.txt"; };
  twice = mk { name = "twice"; a = ../files/hello.txt; b = "${../files/hello.txt}"; };
}
