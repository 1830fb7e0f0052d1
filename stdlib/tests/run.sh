#!/bin/sh
# Runs the cases of stdlib/tests/lib.nix (or of $CASES.nix) with an evaluator and lists the failing ones.
#
#   stdlib/tests/run.sh                                   # nix-instantiate --eval --strict
#   stdlib/tests/run.sh nix-instantiate --eval --strict
#   stdlib/tests/run.sh target/debug/cairn eval --strict
#   LIB=/path/to/nixpkgs/lib stdlib/tests/run.sh          # the same cases against another lib
#   REFERENCE="nix-instantiate --eval --strict" stdlib/tests/run.sh target/debug/cairn eval --strict
#   CASES=pkgs stdlib/tests/run.sh                        # the cases of stdlib/tests/pkgs.nix
#
# With REFERENCE set, the value of every case that does not expect a throw is also printed by
# both evaluators, and a case whose printed values differ fails too: the evaluator's own `==`
# is then not the only judge.
#
# The evaluator is given `-E EXPR`.  A case that fails is listed by name; a case whose evaluation
# stops the evaluator (an error `tryEval` cannot catch) is listed with the error's first line.
# Exits 0 when every case passes, 1 when some fail, 2 when the evaluator cannot run at all.
set -u

here=$(cd "$(dirname "$0")" && pwd)
cases="$here/${CASES:-lib}.nix"
if [ ! -f "$cases" ]; then
    echo "error: no file of cases $cases" >&2
    exit 2
fi
if [ "$#" -eq 0 ]; then
    set -- nix-instantiate --eval --strict
fi
if [ -n "${LIB:-}" ]; then
    libarg="lib = import $(cd "$LIB" && pwd);"
else
    libarg=""
fi

# Runs the evaluator with standard error (traces, warnings) kept apart in $errors.
errors=$(mktemp)
trap 'rm -f "$errors"' EXIT
evaluate() {
    "$@" 2>"$errors"
}

total=$(evaluate "$@" -E "builtins.length (import $cases { $libarg })") || {
    echo "error: the evaluator could not load the cases:" >&2
    cat "$errors" >&2
    exit 2
}
case "$total" in
    *[!0-9]*|'') echo "error: unexpected output counting cases: $total" >&2; exit 2 ;;
esac

# One evaluation for all cases; when an uncatchable error stops it, one evaluation per case.
if output=$(evaluate "$@" -E "import $here/check.nix { $libarg file = $cases; }"); then
    failing=$(printf '%s\n' "$output" | tr -d '[]' | tr ' ' '\n' | sed -n 's/^"\(.*\)"$/  \1/p')
else
    failing=""
    i=0
    while [ "$i" -lt "$total" ]; do
        if output=$(evaluate "$@" -E "import $here/check.nix { $libarg file = $cases; index = $i; }"); then
            names=$(printf '%s\n' "$output" | tr -d '[]' | tr ' ' '\n' | sed -n 's/^"\(.*\)"$/  \1/p')
        else
            stopped=$(grep -m1 -i 'error' "$errors" || head -n1 "$errors")
            name=$(evaluate "$@" -E "(builtins.elemAt (import $cases { $libarg }) $i).name" | tr -d '"')
            names="  $name (the evaluator stopped: $stopped)"
        fi
        if [ -n "$names" ]; then
            failing="$failing
$names"
        fi
        i=$((i + 1))
    done
    failing=$(printf '%s\n' "$failing" | sed '/^$/d')
fi

# The printed values, compared with those of the reference evaluator.
if [ -n "${REFERENCE:-}" ]; then
    values="map (c: c.expr) (builtins.filter (c: !(c.throws or false)) (import $cases { $libarg }))"
    ours=$(evaluate "$@" -E "$values")
    # shellcheck disable=SC2086
    theirs=$(evaluate $REFERENCE -E "$values")
    if [ "$ours" != "$theirs" ]; then
        i=0
        while [ "$i" -lt "$total" ]; do
            one="let c = builtins.elemAt (import $cases { $libarg }) $i; in if c.throws or false then null else c.expr"
            ours=$(evaluate "$@" -E "$one")
            # shellcheck disable=SC2086
            theirs=$(evaluate $REFERENCE -E "$one")
            if [ "$ours" != "$theirs" ]; then
                name=$(evaluate $REFERENCE -E "(builtins.elemAt (import $cases { $libarg }) $i).name" | tr -d '"')
                failing=$(printf '%s\n  %s (prints %s; the reference prints %s)' "$failing" "$name" \
                    "$(printf '%s' "$ours" | head -n1)" "$(printf '%s' "$theirs" | head -n1)" | sed '/^$/d')
            fi
            i=$((i + 1))
        done
    fi
fi

if [ -z "$failing" ]; then
    echo "ok: $total cases passed ($*)"
    exit 0
fi
count=$(printf '%s\n' "$failing" | wc -l)
echo "FAILED: $count of $total cases ($*):"
printf '%s\n' "$failing"
exit 1
