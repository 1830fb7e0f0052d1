# The builder of `stdenv.mkDerivation` when none is given: every phase, in order.
# shellcheck shell=sh disable=SC1091,SC2154
. "$stdenv/setup"
genericBuild
