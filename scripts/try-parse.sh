#!/usr/bin/env bash
# Builds cairn (release) and parses the example file, showing its syntax tree.
# Needs only a Rust toolchain.
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release --locked --bin cairn
./target/release/cairn parse --dump examples/hello/default.nix
./target/release/cairn parse examples/hello/default.nix && echo "examples/hello/default.nix parses"
