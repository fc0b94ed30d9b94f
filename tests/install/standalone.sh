#!/usr/bin/env bash
# examples/standalone, copied out of the tree, builds against a fresh
# `make install` alone (its actorc, its libactor.pc, its headers and
# libraries: nothing of build/ or runtime/) and its `make check` passes.
set -euo pipefail
: "${BUILD:?}"
here=$(pwd)
prefix=$(mktemp -d)
trap 'rm -rf "$prefix"' EXIT
make -s --no-print-directory install PREFIX="$prefix" BUILD="$BUILD" SANITIZER="${SANITIZER:-}" >/dev/null
cp -r "$here/examples/standalone" "$prefix/project"
cd "$prefix/project"
export PKG_CONFIG_PATH=$prefix/lib/pkgconfig LD_LIBRARY_PATH=$prefix/lib
make -s ACTORC="$prefix/bin/actorc" CFLAGS="-O1 -g -Wall -Wextra -Werror ${SANFLAGS:-}"
# the programs load the installed library, not one from the tree
ldd ./greeter-client | grep "libactor.so.* => $prefix/lib/" >/dev/null ||
    { echo "greeter-client does not load $prefix/lib's libactor:"; ldd ./greeter-client; exit 1; }
make -s check
echo "standalone: ok"
