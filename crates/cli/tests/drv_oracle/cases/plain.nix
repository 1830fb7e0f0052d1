# The smallest derivation: a name, a builder and a system.
derivation {
  name = "plain";
  builder = "/bin/sh";
  system = "x86_64-linux";
}
