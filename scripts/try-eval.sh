#!/usr/bin/env bash
# Builds cairn (release) and evaluates the example in examples/hello, first as it is, then with
# an argument, then as JSON. Needs only a Rust toolchain.
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release --locked --bin cairn
"${CARGO_TARGET_DIR:-target}/release/cairn" eval examples/hello -A message
"${CARGO_TARGET_DIR:-target}/release/cairn" eval examples/hello --argstr greeting hi
"${CARGO_TARGET_DIR:-target}/release/cairn" eval --json examples/hello -A message
