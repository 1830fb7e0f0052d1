# Sources at the edges: a symbolic link or a hidden file as the root, a folder with an expected
# hash in several forms, a filter comparing whole paths, a path given as a string.
let
  inherit (import ../lib.nix) mk;
  src = ../files/src;
in
{
  linkRoot = mk { name = "edge"; src = "${../files/src/link}"; };
  linkRootPath = mk { name = "edge"; src = builtins.path { path = ../files/src/link; }; };
  linkRootFiltered = mk { name = "edge"; src = builtins.path { path = ../files/src/link; filter = _: _: false; }; };
  hiddenRoot = mk { name = "edge"; src = "${../files/src/.hidden}"; };
  fileFilterSource = mk { name = "edge"; src = builtins.filterSource (_: _: false) ../files/hello.txt; };
  wholePaths = mk {
    name = "edge";
    src = builtins.path { path = src; filter = p: t: p != toString ../files/src/sub && p != toString ../files/src/a.txt; };
  };
  stringPath = mk { name = "edge"; src = builtins.path { path = toString ../files/src; name = "from-string"; }; };
  hashBase32 = mk { name = "edge"; src = builtins.path { path = src; sha256 = "0s0n2w0k8dcb3ykd0h2f55379ww41sha77nj5g6h2510n5nsnjk4"; }; };
  hashBase16 = mk { name = "edge"; src = builtins.path { path = src; sha256 = "644aab6db1201401cd2bd29ea3a00e84f37446294e40d0a61f8b353401171668"; }; };
  hashSri = mk { name = "edge"; src = builtins.path { path = src; sha256 = "sha256-ZEqrbbEgFAHNK9Keo6AOhPN0RilOQNCmH4s1NAEXFmg="; }; };
  hashNamed = mk { name = "edge"; src = builtins.path { path = src; name = "named-src"; sha256 = "644aab6db1201401cd2bd29ea3a00e84f37446294e40d0a61f8b353401171668"; }; };
  filteredWithHash = mk {
    name = "edge";
    src = builtins.path {
      path = src;
      filter = p: t: true;
      sha256 = "644aab6db1201401cd2bd29ea3a00e84f37446294e40d0a61f8b353401171668";
    };
  };
  subdirectory = mk { name = "edge"; src = builtins.path { path = ../files/src/sub; name = "sub-only"; }; };
}
