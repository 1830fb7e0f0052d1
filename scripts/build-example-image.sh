#!/usr/bin/env bash
# Builds cairn (release), then the example container image in examples/hello-image, and checks
# it: skopeo copies it to an OCI layout (checking every digest), umoci unpacks it, and its
# command runs from the unpacked root in a user namespace. Installs what it needs when it is
# missing (Debian packages, as root or with sudo): busybox-static (the builds' /bin/sh),
# skopeo and umoci.
set -euo pipefail
cd "$(dirname "$0")/.."

need_pkgs=()
[ -x /bin/busybox ] || need_pkgs+=(busybox-static)
command -v skopeo >/dev/null 2>&1 || need_pkgs+=(skopeo)
command -v umoci >/dev/null 2>&1 || need_pkgs+=(umoci)
if [ ${#need_pkgs[@]} -gt 0 ]; then
    sudo=""
    [ "$(id -u)" -eq 0 ] || sudo=sudo
    echo "installing ${need_pkgs[*]}" >&2
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${need_pkgs[@]}" >/dev/null
fi

cargo build --release --locked --bin cairn
"${CARGO_TARGET_DIR:-target}/release/cairn" build ./examples/hello-image --out-link result
echo "built: $(readlink result)"

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
skopeo copy -q docker-archive:result "oci:$work/oci:latest"
umoci unpack --rootless --image "$work/oci:latest" "$work/bundle" >/dev/null
cmd=$(skopeo inspect --config docker-archive:result \
    | python3 -c 'import json, sys; print(json.load(sys.stdin)["config"]["Cmd"][0])')
echo "running $cmd from the unpacked image:"
unshare -r chroot "$work/bundle/rootfs" "$cmd"
echo "load it with: docker load < result   (or podman load < result)"
