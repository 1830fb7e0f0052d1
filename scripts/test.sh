#!/usr/bin/env bash
# Runs everything the project checks: formatting, lints, and the whole test suite.
# Installs what the tests need when it is missing (Debian packages, as root or with sudo).
set -euo pipefail
cd "$(dirname "$0")/.."

need_pkgs=()
command -v nix-instantiate >/dev/null 2>&1 || need_pkgs+=(nix-bin)
# The build sandbox's /bin/sh, and what the build tests compare with.
[ -x /bin/busybox ] || need_pkgs+=(busybox-static)
# The judges of images.
command -v skopeo >/dev/null 2>&1 || need_pkgs+=(skopeo)
command -v umoci >/dev/null 2>&1 || need_pkgs+=(umoci)
# The registry that `cairn push` is tested against, and the users of its basic authentication.
command -v docker-registry >/dev/null 2>&1 || need_pkgs+=(docker-registry)
command -v htpasswd >/dev/null 2>&1 || need_pkgs+=(apache2-utils)
command -v openssl >/dev/null 2>&1 || need_pkgs+=(openssl)
# The archives and the Makefile project that the stdenv's tests build.
command -v bzip2 >/dev/null 2>&1 || need_pkgs+=(bzip2)
command -v xz >/dev/null 2>&1 || need_pkgs+=(xz-utils)
command -v zip >/dev/null 2>&1 || need_pkgs+=(zip)
[ -x /usr/bin/make ] || need_pkgs+=(make)
# The static web server that serves a file cache to Nix in the cache tests.
command -v python3 >/dev/null 2>&1 || need_pkgs+=(python3)
# The terminal that the REPL's interactive test types into.
command -v tmux >/dev/null 2>&1 || need_pkgs+=(tmux)
if [ ${#need_pkgs[@]} -gt 0 ]; then
    sudo=""
    [ "$(id -u)" -eq 0 ] || sudo=sudo
    echo "installing ${need_pkgs[*]}" >&2
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${need_pkgs[@]}" >/dev/null
fi
if command -v rustup >/dev/null 2>&1; then
    for component in rustfmt clippy; do
        rustup component list --installed 2>/dev/null | grep -q "^$component" || rustup component add "$component"
    done
fi

# The Go toolchain of the Go examples and tests.
. scripts/go-toolchain.sh

cargo fmt --all --check
cargo clippy --workspace --all-targets --locked -- -D warnings
cargo test --workspace --locked
# The standard library's cases (`lib`, and the package set's builders), with the oracle and with
# the binary `cargo test` just built; the second run also compares every printed value with the
# oracle's.
for cases in lib pkgs; do
    CASES=$cases stdlib/tests/run.sh nix-instantiate --eval --strict
    CASES=$cases REFERENCE="nix-instantiate --eval --strict" \
        stdlib/tests/run.sh "${CARGO_TARGET_DIR:-target}/debug/cairn" eval --strict
done
