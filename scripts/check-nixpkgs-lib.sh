#!/usr/bin/env bash
# Evaluates nixpkgs' `lib` test suite with cairn: `lib/tests/misc.nix` must give `[ ]`, as it
# does with Nix. Takes a checkout of nixpkgs or of its `lib` mirror (github.com/nix-community/
# nixpkgs.lib); the newest commit whose tests Nix 2.8 passes is 45c0f194de16fd8fed47598efc58634bb3fdac1b
# (later ones use builtins of Nix 2.14).
#
#   scripts/check-nixpkgs-lib.sh ~/src/nixpkgs.lib
set -euo pipefail
if [ $# -ne 1 ] || [ ! -f "$1/lib/tests/misc.nix" ]; then
    echo "usage: $0 NIXPKGS_LIB_CHECKOUT   (a folder with lib/tests/misc.nix)" >&2
    exit 2
fi
cd "$(dirname "$0")/.."
cargo build --release --locked --bin cairn
result=$("${CARGO_TARGET_DIR:-target}/release/cairn" eval "$1/lib/tests/misc.nix")
if [ "$result" = "[ ]" ]; then
    echo "lib/tests/misc.nix: every test passes"
else
    echo "lib/tests/misc.nix: failing tests:" >&2
    echo "$result" >&2
    exit 1
fi
