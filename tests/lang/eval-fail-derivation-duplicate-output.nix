# an output named twice is refused before any path is computed
derivation {
  name = "twice";
  builder = "/bin/sh";
  system = "x86_64-linux";
  outputs = [ "out" "dev" "out" ];
}
