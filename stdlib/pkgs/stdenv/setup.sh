# The setup script of cairn's stdenv, installed as `$stdenv/setup`: a builder sources it
# (`. "$stdenv/setup"`) and then calls `genericBuild`, or runs phases of its own.
#
# It is nixpkgs' generic builder rewritten for a POSIX shell (busybox's ash, with `pipefail`):
# the phases, their `pre`/`post` hooks, the search path made of the build inputs, the unpacking
# of sources, `make`, and the fixup of `#!` lines.  Lists are space-separated strings, as the
# derivation's attributes arrive in the environment; hooks added by setup hooks are names of
# functions in the `NAMEHooks` variables.  It does not compile anything itself: there is no C
# compiler, no stripping and no `__structuredAttrs`.
#
# `@initialPath@` and `@shell@` are filled in by the stdenv's own builder.
#
# shellcheck shell=sh disable=SC2154

set -e
# shellcheck disable=SC3040
set -o pipefail

initialPath=@initialPath@
shell=@shell@

# ---------------------------------------------------------------------------------------------
# The environment

if [ -z "${NIX_BUILD_CORES:-}" ] || [ "$NIX_BUILD_CORES" -le 0 ]; then
    NIX_BUILD_CORES=$(nproc 2>/dev/null || echo 1)
fi
export NIX_BUILD_CORES
export SHELL="$shell"
export CONFIG_SHELL="$shell"
export HOME="${HOME:-/homeless-shelter}"
export TMPDIR="${TMPDIR:-${NIX_BUILD_TOP:-/tmp}}"
# A fixed time for tools that stamp their outputs: 1980-01-01, the earliest a zip file can hold.
export SOURCE_DATE_EPOCH="${SOURCE_DATE_EPOCH:-315532800}"
: "${NIX_STORE:=/nix/store}"

outputs=${outputs:-out}
# The first output is the package's own path: where `prefix` points and `nix-support` goes.
eval "defaultOutput=\${${outputs%% *}:-}"
: "${prefix:=$defaultOutput}"

# When the build fails, says in which phase.
_phaseFailed() {
    _status=$?
    if [ "$_status" -ne 0 ] && [ -n "${_runningPhase:-}" ]; then
        echo "error: $_runningPhase failed with exit code $_status" >&2
    fi
}
trap _phaseFailed EXIT

# ---------------------------------------------------------------------------------------------
# Hooks

# Runs the hook NAME with ARGS: the function or the commands of the variable NAME, then each
# function named in the variable NAMEHooks.
runHook() {
    _hookName=$1
    shift
    _callImplicitHook "$_hookName" "$@"
    eval "_hooks=\${${_hookName}Hooks:-}"
    for _hook in $_hooks; do
        "$_hook" "$@"
    done
}

# Runs the function NAME, or else the commands held by the variable NAME, if either exists.
_callImplicitHook() {
    _implicitName=$1
    shift
    case $(type "$_implicitName" 2>/dev/null) in
        *function*)
            "$_implicitName" "$@"
            ;;
        *)
            eval "_implicitCode=\${$_implicitName:-}"
            if [ -n "$_implicitCode" ]; then
                eval "$_implicitCode"
            fi
            ;;
    esac
}

# Appends the function NAME to the hooks of HOOK: `addHook postInstall myFunction`.
addHook() {
    eval "${1}Hooks=\"\${${1}Hooks:-} \$2\""
}

# ---------------------------------------------------------------------------------------------
# The search path

# Appends DIR to the colon-separated variable VAR, if DIR exists.
addToSearchPath() {
    if [ -d "$2" ]; then
        eval "$1=\${$1:+\$$1:}\$2"
    fi
}

# The first executable file NAME in the folders of PATH, printed; fails when there is none.
# (busybox's shell runs its own applets first, so `command -v` does not say where a file is.)
findOnPath() {
    _searchIFS=$IFS
    IFS=:
    for _searchDir in $PATH; do
        if [ -n "$_searchDir" ] && [ -f "$_searchDir/$1" ] && [ -x "$_searchDir/$1" ]; then
            IFS=$_searchIFS
            printf '%s\n' "$_searchDir/$1"
            return 0
        fi
    done
    IFS=$_searchIFS
    return 1
}

# Adds the packages given, and what each propagates, to `buildInputsFound`, once each and
# depth first, a package before what it propagates.
_findInputs() {
    for _input in "$@"; do
        case " ${buildInputsFound:-} " in
            *" $_input "*) continue ;;
        esac
        buildInputsFound="${buildInputsFound:-} $_input"
        _propagatedInputs=
        for _propagated in propagated-native-build-inputs propagated-build-inputs; do
            if [ -f "$_input/nix-support/$_propagated" ]; then
                _propagatedInputs="$_propagatedInputs $(cat "$_input/nix-support/$_propagated")"
            fi
        done
        # Last in the loop's body: the call reuses the variables above.
        # shellcheck disable=SC2086
        _findInputs $_propagatedInputs
    done
}

# shellcheck disable=SC2086
_findInputs ${nativeBuildInputs:-} ${propagatedNativeBuildInputs:-} \
    ${buildInputs:-} ${propagatedBuildInputs:-}

# Each input's `bin` goes on PATH, before the initial path; a setup hook is sourced: an input
# that is a file, or an input's `nix-support/setup-hook`.
_inputsPath=
for _input in ${buildInputsFound:-}; do
    if [ -f "$_input" ]; then
        # shellcheck disable=SC1090
        . "$_input"
    else
        addToSearchPath _inputsPath "$_input/bin"
        if [ -f "$_input/nix-support/setup-hook" ]; then
            # shellcheck disable=SC1091
            . "$_input/nix-support/setup-hook"
        fi
    fi
done
for _initial in $initialPath; do
    addToSearchPath _inputsPath "$_initial/bin"
done
export PATH="$_inputsPath"

# ---------------------------------------------------------------------------------------------
# Substitution

# `substitute IN OUT ARGS...` writes IN to OUT with the replacements ARGS, made in order, each
# of a plain string (not a pattern), wherever it occurs:
#   --replace-fail FROM TO   fails the build when FROM is not found;
#   --replace-warn FROM TO   says so, and goes on;
#   --replace-quiet FROM TO  and the older --replace FROM TO go on silently;
#   --subst-var NAME         replaces `@NAME@` with the value of the variable NAME, which must be set;
#   --subst-var-by NAME TO   replaces `@NAME@` with TO.
# Files holding NUL bytes are not supported.
substitute() {
    _substIn=$1
    _substOut=$2
    shift 2
    if [ ! -f "$_substIn" ]; then
        echo "error: substitute(): '$_substIn' is not a file" >&2
        exit 1
    fi
    # The `x` keeps the trailing newlines that `$(...)` would drop.
    _substText=$(cat -- "$_substIn"; echo x)
    _substText=${_substText%x}

    while [ $# -gt 0 ]; do
        _substMode=$1
        case $_substMode in
            --replace-fail | --replace-warn | --replace-quiet | --replace)
                _substNeed=3
                ;;
            --subst-var)
                _substNeed=2
                ;;
            --subst-var-by)
                _substNeed=3
                ;;
            *)
                echo "error: substitute(): unknown argument '$_substMode'" >&2
                exit 1
                ;;
        esac
        if [ $# -lt "$_substNeed" ]; then
            echo "error: substitute(): '$_substMode' needs $((_substNeed - 1)) arguments" >&2
            exit 1
        fi
        case $_substMode in
            --subst-var)
                case $2 in
                    '' | [0-9]* | *[!A-Za-z0-9_]*)
                        echo "error: substitute(): '$2' is not a variable name" >&2
                        exit 1
                        ;;
                esac
                if eval "[ -z \"\${$2+set}\" ]"; then
                    echo "error: substitute(): --subst-var: the variable '$2' is not set" >&2
                    exit 1
                fi
                _substFrom="@$2@"
                eval "_substTo=\$$2"
                ;;
            --subst-var-by)
                _substFrom="@$2@"
                _substTo=$3
                ;;
            *)
                _substFrom=$2
                _substTo=$3
                ;;
        esac
        shift "$_substNeed"

        if [ -z "$_substFrom" ]; then
            echo "error: substitute(): the string to replace is empty" >&2
            exit 1
        fi
        _substRest=$_substText
        _substText=
        _substFound=
        while :; do
            case $_substRest in
                *"$_substFrom"*) ;;
                *) break ;;
            esac
            _substText="$_substText${_substRest%%"$_substFrom"*}$_substTo"
            _substRest=${_substRest#*"$_substFrom"}
            _substFound=1
        done
        _substText="$_substText$_substRest"

        if [ -z "$_substFound" ]; then
            case $_substMode in
                --replace-fail)
                    echo "error: substitute(): '$_substFrom' was not found in '$_substIn'" >&2
                    exit 1
                    ;;
                --replace-warn)
                    echo "warning: substitute(): '$_substFrom' was not found in '$_substIn'" >&2
                    ;;
            esac
        fi
    done

    printf '%s' "$_substText" >"$_substOut"
}

# `substituteInPlace FILE... ARGS...`: `substitute` of each FILE onto itself; the files are
# the arguments before the first one that starts with `--`.
substituteInPlace() {
    _substFiles=
    while [ $# -gt 0 ]; do
        case $1 in
            --*) break ;;
        esac
        _substFiles="$_substFiles $1"
        shift
    done
    for _substFile in $_substFiles; do
        substitute "$_substFile" "$_substFile" "$@"
    done
}

# ---------------------------------------------------------------------------------------------
# Phases

# Runs the phase NAME: the commands of the variable NAME if it is set, else the function NAME.
# Phases turned off (`dontBuild`, no `doCheck`, ...) are skipped.
runPhase() {
    curPhase=$1
    case $curPhase in
        '' | *[!A-Za-z0-9_]*)
            echo "error: '$curPhase' is not a phase name" >&2
            exit 1
            ;;
    esac
    _skip=
    case $curPhase in
        unpackPhase) _skip=${dontUnpack:-} ;;
        patchPhase) _skip=${dontPatch:-} ;;
        configurePhase) _skip=${dontConfigure:-} ;;
        buildPhase) _skip=${dontBuild:-} ;;
        checkPhase) if [ -z "${doCheck:-}" ]; then _skip=1; fi ;;
        installPhase) _skip=${dontInstall:-} ;;
        fixupPhase) _skip=${dontFixup:-} ;;
        installCheckPhase) if [ -z "${doInstallCheck:-}" ]; then _skip=1; fi ;;
        distPhase) if [ -z "${doDist:-}" ]; then _skip=1; fi ;;
    esac
    if [ -n "$_skip" ]; then
        return 0
    fi

    echo "Running phase: $curPhase"
    _runningPhase=$curPhase
    eval "_phaseCode=\${$curPhase:-}"
    if [ -n "$_phaseCode" ]; then
        eval "$_phaseCode"
    else
        "$curPhase"
    fi
    _runningPhase=

    if [ "$curPhase" = unpackPhase ]; then
        cd -- "${sourceRoot:-.}"
    fi
}

# Runs every phase, or `buildCommand` instead of them all.
genericBuild() {
    if [ -n "${buildCommandPath:-}" ] && [ -f "$buildCommandPath" ]; then
        _runningPhase=buildCommand
        # shellcheck disable=SC1090
        . "$buildCommandPath"
        _runningPhase=
        return 0
    fi
    if [ -n "${buildCommand:-}" ]; then
        _runningPhase=buildCommand
        eval "$buildCommand"
        _runningPhase=
        return 0
    fi

    if [ -z "${phases:-}" ]; then
        phases="${prePhases:-} unpackPhase patchPhase ${preConfigurePhases:-} configurePhase \
            ${preBuildPhases:-} buildPhase checkPhase ${preInstallPhases:-} installPhase \
            ${preFixupPhases:-} fixupPhase installCheckPhase ${preDistPhases:-} distPhase \
            ${postPhases:-}"
    fi
    for _phase in $phases; do
        runPhase "$_phase"
    done
}

# ---------------------------------------------------------------------------------------------
# unpackPhase

# The name of a store path without its hash: `/nix/store/HASH-src` gives `src`.
stripHash() {
    _stripped=${1##*/}
    _hashPart=${_stripped%%-*}
    case $_hashPart in
        *[!0-9a-z]*) ;;
        ????????????????????????????????) _stripped=${_stripped#*-} ;;
    esac
    printf '%s\n' "$_stripped"
}

# Unpacks one source into the current folder: a folder is copied, an archive extracted.
_defaultUnpack() {
    if [ -d "$1" ]; then
        _destination=$(stripHash "$1")
        if [ -e "$_destination" ]; then
            echo "error: cannot copy $1 to $_destination: it exists already (two sources with the same name?)" >&2
            exit 1
        fi
        cp -R -p -- "$1" "$_destination"
        return 0
    fi
    case $1 in
        *.tar) tar -xf "$1" ;;
        *.tar.gz | *.tgz | *.tar.Z) gzip -dc -- "$1" | tar -xf - ;;
        *.tar.bz2 | *.tbz2 | *.tbz) bzip2 -dc -- "$1" | tar -xf - ;;
        *.tar.xz | *.txz) xz -dc -- "$1" | tar -xf - ;;
        *.tar.lzma) unlzma -c -- "$1" | tar -xf - ;;
        *.zip | *.ZIP | *.jar) unzip -qo "$1" ;;
        *)
            echo "error: do not know how to unpack source archive $1" >&2
            exit 1
            ;;
    esac
}

# Unpacks one source with `unpackCmd` if it is set (it sees the source as `$curSrc`), else by
# its kind.
unpackFile() {
    curSrc=$1
    echo "unpacking source archive $curSrc"
    if [ -n "${unpackCmd:-}" ]; then
        eval "$unpackCmd"
    else
        _defaultUnpack "$curSrc"
    fi
}

unpackPhase() {
    runHook preUnpack

    if [ -z "${srcs:-}" ]; then
        if [ -z "${src:-}" ]; then
            echo "error: variable \$src or \$srcs should point to the source" >&2
            exit 1
        fi
        srcs=$src
    fi

    # The folder the sources made is the one that was not there before.
    _dirsBefore=
    for _entry in *; do
        if [ -d "$_entry" ]; then
            _dirsBefore="$_dirsBefore $_entry "
        fi
    done

    for _src in $srcs; do
        unpackFile "$_src"
    done

    : "${sourceRoot=}"
    if [ -n "${setSourceRoot:-}" ]; then
        eval "$setSourceRoot"
    elif [ -z "$sourceRoot" ]; then
        for _entry in *; do
            if [ -d "$_entry" ]; then
                case $_dirsBefore in
                    *" $_entry "*) ;;
                    *)
                        if [ -n "$sourceRoot" ]; then
                            echo "error: unpacker produced multiple directories; set sourceRoot" >&2
                            exit 1
                        fi
                        sourceRoot=$_entry
                        ;;
                esac
            fi
        done
    fi
    if [ -z "$sourceRoot" ]; then
        echo "error: unpacker appears to have produced no directories" >&2
        exit 1
    fi
    echo "source root is $sourceRoot"

    if [ "${dontMakeSourcesWritable:-}" != 1 ]; then
        chmod -R u+w -- "$sourceRoot"
    fi

    runHook postUnpack
}

# ---------------------------------------------------------------------------------------------
# patchPhase

patchPhase() {
    runHook prePatch

    for _patch in ${patches:-}; do
        echo "applying patch $_patch"
        # shellcheck disable=SC2086
        case $_patch in
            *.gz) gzip -dc -- "$_patch" | patch ${patchFlags:--p1} ;;
            *.bz2) bzip2 -dc -- "$_patch" | patch ${patchFlags:--p1} ;;
            *.xz) xz -dc -- "$_patch" | patch ${patchFlags:--p1} ;;
            *) patch ${patchFlags:--p1} <"$_patch" ;;
        esac
    done

    runHook postPatch
}

# ---------------------------------------------------------------------------------------------
# configurePhase

configurePhase() {
    runHook preConfigure

    if [ -z "${configureScript:-}" ] && [ -x ./configure ]; then
        configureScript=./configure
    fi
    if [ -n "${configureScript:-}" ]; then
        set -f
        # shellcheck disable=SC2086
        set -- ${configureFlags:-}
        set +f
        if [ -z "${dontAddPrefix:-}" ] && [ -n "$prefix" ]; then
            set -- "${prefixKey:---prefix=}$prefix" "$@"
        fi
        # What autoconf's scripts are usually given, when they know it.
        if [ -f "$configureScript" ]; then
            if [ -z "${dontAddDisableDepTrack:-}" ] && grep -q dependency-tracking "$configureScript"; then
                set -- --disable-dependency-tracking "$@"
            fi
            if [ -z "${dontDisableStatic:-}" ] && grep -q enable-static "$configureScript"; then
                set -- --disable-static "$@"
            fi
            if [ -z "${dontPatchShebangsInConfigure:-}" ]; then
                patchShebangs --build "$configureScript"
            fi
        fi
        echo "configure flags: $*"
        $configureScript "$@"
    else
        echo "no configure script, doing nothing"
    fi

    runHook postConfigure
}

# ---------------------------------------------------------------------------------------------
# buildPhase, checkPhase, installPhase, installCheckPhase, distPhase: make

# Whether make has something to run: `makefile`, `makeFlags`, or a makefile of a default name.
_haveMakefile() {
    [ -n "${makefile:-}" ] || [ -n "${makeFlags:-}" ] ||
        [ -e Makefile ] || [ -e makefile ] || [ -e GNUmakefile ]
}

# Runs make with the words of the variables VAR...: `_runMake WHAT PARALLEL VAR...`, where
# WHAT names the run in the log and a non-empty PARALLEL adds `-j$NIX_BUILD_CORES`.
_runMake() {
    _makeWhat=$1
    _makeParallel=$2
    shift 2
    _makeWords=
    for _makeVar in "$@"; do
        eval "_makeWords=\"\$_makeWords \${$_makeVar:-}\""
    done
    set -f
    # shellcheck disable=SC2086
    set -- SHELL="$SHELL" $_makeWords
    set +f
    if [ -n "$_makeParallel" ]; then
        set -- "-j$NIX_BUILD_CORES" "$@"
    fi
    if [ -n "${makefile:-}" ]; then
        set -- -f "$makefile" "$@"
    fi
    echo "$_makeWhat flags: $*"
    make "$@"
}

buildPhase() {
    runHook preBuild

    if _haveMakefile; then
        foundMakefile=1
        _runMake build "${enableParallelBuilding:-}" makeFlags buildFlags
    else
        echo "no Makefile or custom buildPhase, doing nothing"
    fi

    runHook postBuild
}

checkPhase() {
    runHook preCheck

    if [ -z "${foundMakefile:-}" ]; then
        echo "no Makefile or custom checkPhase, doing nothing"
    else
        if [ -z "${checkTarget:-}" ]; then
            if make -n ${makefile:+-f "$makefile"} check >/dev/null 2>&1; then
                checkTarget=check
            elif make -n ${makefile:+-f "$makefile"} test >/dev/null 2>&1; then
                checkTarget="test"
            fi
        fi
        if [ -z "${checkTarget:-}" ]; then
            echo "no check/test target in ${makefile:-Makefile}, doing nothing"
        else
            _checkFlags=${checkFlags-VERBOSE=y}
            _runMake check "${enableParallelChecking:-}" makeFlags _checkFlags checkTarget
        fi
    fi

    runHook postCheck
}

installPhase() {
    runHook preInstall

    if _haveMakefile; then
        foundMakefile=1
        if [ -n "$prefix" ]; then
            mkdir -p -- "$prefix"
        fi
        _installTargets=${installTargets:-install}
        _runMake install "${enableParallelInstalling:-}" makeFlags installFlags _installTargets
    else
        echo "no Makefile or custom installPhase, doing nothing"
    fi

    runHook postInstall
}

installCheckPhase() {
    runHook preInstallCheck

    _installCheckTarget=${installCheckTarget:-installcheck}
    if [ -z "${foundMakefile:-}" ]; then
        echo "no Makefile or custom installCheckPhase, doing nothing"
    elif [ -z "${installCheckTarget:-}" ] &&
        ! make -n ${makefile:+-f "$makefile"} installcheck >/dev/null 2>&1; then
        echo "no installcheck target in ${makefile:-Makefile}, doing nothing"
    else
        _runMake installcheck "${enableParallelChecking:-}" makeFlags installCheckFlags _installCheckTarget
    fi

    runHook postInstallCheck
}

distPhase() {
    runHook preDist

    _distTarget=${distTarget:-dist}
    _runMake dist "" distFlags _distTarget
    if [ -z "${dontCopyDist:-}" ]; then
        mkdir -p -- "$out/tarballs"
        # shellcheck disable=SC2086
        cp -p ${tarballs:-*.tar.gz} "$out/tarballs"
    fi

    runHook postDist
}

# ---------------------------------------------------------------------------------------------
# fixupPhase

# Points the `#!` line of each executable file under the paths given at the interpreter of
# the same name found on PATH, when it is not in the store already: `#!/bin/sh` becomes
# `#!/nix/store/...-busybox/bin/sh`, `#!/usr/bin/env python3 -u` becomes
# `#!/nix/store/...-python3/bin/python3 -u`.  An interpreter not found is left as it is.
# `--host` and `--build` are accepted, as nixpkgs has them; PATH serves for both.
patchShebangs() {
    for _shebangTarget in "$@"; do
        case $_shebangTarget in
            --host | --build) continue ;;
        esac
        echo "patching script interpreter paths in $_shebangTarget"
        find "$_shebangTarget" -type f -perm -0100 | while IFS= read -r _shebangFile; do
            _patchShebang "$_shebangFile"
        done
    done
}

_patchShebang() {
    _file=$1
    _line=
    IFS= read -r _line <"$_file" || :
    case $_line in
        '#!'*) ;;
        *) return 0 ;;
    esac
    # The words after `#!`: the interpreter, then its arguments.
    set -f
    # shellcheck disable=SC2086
    set -- ${_line#??}
    set +f
    _interpreter=${1:-/bin/sh}
    if [ $# -gt 0 ]; then
        shift
    fi
    case $_interpreter in
        "$NIX_STORE"/*) return 0 ;;
    esac

    if [ "${_interpreter##*/}" = env ]; then
        _command=${1:-}
        if [ $# -gt 0 ]; then
            shift
        fi
        case $_command in
            -S)
                _command=${1:-}
                if [ $# -gt 0 ]; then
                    shift
                fi
                _env=$(findOnPath env || :)
                _new=$(findOnPath "$_command" || :)
                if [ -n "$_env" ] && [ -n "$_new" ]; then
                    _new="$_env -S $_new"
                else
                    _new=
                fi
                ;;
            -* | *=*)
                echo "error: $_file: unsupported interpreter directive \"$_line\" (set dontPatchShebangs and patch it yourself)" >&2
                exit 1
                ;;
            *) _new=$(findOnPath "$_command" || :) ;;
        esac
    else
        _new=$(findOnPath "${_interpreter##*/}" || :)
    fi
    if [ -z "$_new" ]; then
        return 0
    fi
    if [ $# -gt 0 ]; then
        _new="$_new $*"
    fi

    echo "$_file: interpreter directive changed from \"$_line\" to \"#!$_new\""
    _shebangTemp="$TMPDIR/.patch-shebang"
    # Keep the file's inode, mode and time.
    touch -r "$_file" "$_shebangTemp.time"
    {
        printf '#!%s\n' "$_new"
        tail -n +2 -- "$_file"
    } >"$_shebangTemp"
    cat "$_shebangTemp" >"$_file"
    touch -r "$_shebangTemp.time" "$_file"
    rm -f -- "$_shebangTemp" "$_shebangTemp.time"
}

# The fixup of one output, `$prefix`, as a `fixupOutput` hook.
_patchShebangsAuto() {
    if [ -z "${dontPatchShebangs:-}" ] && [ -e "$prefix" ]; then
        patchShebangs "$prefix"
    fi
}
addHook fixupOutput _patchShebangsAuto

fixupPhase() {
    # Outputs copied from the store may be read-only; the fixups write to them.
    for _output in $outputs; do
        eval "_outputPath=\${$_output:-}"
        if [ -e "$_outputPath" ]; then
            chmod -R u+w,u-s,g-s -- "$_outputPath"
        fi
    done

    runHook preFixup

    # The hooks of `fixupOutput` see each output in turn as `$prefix`.
    _savedPrefix=$prefix
    for _output in $outputs; do
        eval "prefix=\${$_output:-}"
        runHook fixupOutput
    done
    prefix=$_savedPrefix

    # What dependents of this package find as its own inputs.
    if [ -n "${propagatedBuildInputs:-}" ]; then
        mkdir -p -- "$defaultOutput/nix-support"
        # shellcheck disable=SC2086
        printf '%s\n' $propagatedBuildInputs >"$defaultOutput/nix-support/propagated-build-inputs"
    fi
    if [ -n "${propagatedNativeBuildInputs:-}" ]; then
        mkdir -p -- "$defaultOutput/nix-support"
        # shellcheck disable=SC2086
        printf '%s\n' $propagatedNativeBuildInputs >"$defaultOutput/nix-support/propagated-native-build-inputs"
    fi
    if [ -n "${setupHook:-}" ]; then
        mkdir -p -- "$defaultOutput/nix-support"
        cp -- "$setupHook" "$defaultOutput/nix-support/setup-hook"
    fi

    runHook postFixup
}

# ---------------------------------------------------------------------------------------------

# The environment, for a look inside a failed build kept with `--keep-failed`.
if [ -z "${noDumpEnvVars:-}" ] && [ -n "${NIX_BUILD_TOP:-}" ] && [ -w "$NIX_BUILD_TOP" ]; then
    export -p >"$NIX_BUILD_TOP/env-vars" || :
fi
