# The host's toolchains, imported into the store as content-addressed paths and checked against
# their pins (`__hostTool`, a primitive of cairn): there is no bootstrap from source.
#
# - `busybox`: a statically linked busybox, `bin/busybox` with a link for every applet; the
#   shell and core utilities of `stdenv`.
# - `go`: a statically linked Go toolchain (its GOROOT).
# - `cacert`: the host's CA bundle, as `etc/ssl/certs/ca-bundle.crt` and `ca-certificates.crt`.
#
# `pins` maps a tool's name to `{ narHash; version; }` (what `cairn host-tools pin` writes);
# `pinFile` is the file they come from, named when a tool no longer matches its pin.
{
  lib,
  pins,
  pinFile,
}:
let
  import' =
    tool: extra:
    let
      pin = pins.${tool} or { };
      imported = __hostTool {
        inherit tool pinFile;
        narHash = pin.narHash or null;
        version = pin.version or null;
      };
    in
    imported
    // {
      type = "derivation";
      outputName = "out";
      outputs = [ "out" ];
      out = imported // extra;
      meta.description = "the host's ${tool}, imported into the store";
    }
    // extra;
in
{
  busybox = import' "busybox" {
    shell = "${(import' "busybox" { }).outPath}/bin/sh";
  };
  go = import' "go" {
    GOROOT = (import' "go" { }).outPath;
  };
  cacert = import' "cacert" {
    sslCertFile = "/etc/ssl/certs/ca-bundle.crt";
  };
}
