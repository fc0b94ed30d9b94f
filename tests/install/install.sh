#!/usr/bin/env bash
# `make install PREFIX=...` installs what DESIGN.md section 5 pins, and the
# README's recipe builds against it: cc gen.c app.c $(pkg-config --cflags --libs libactor).
set -euo pipefail
: "${BUILD:?}" "${CC:=cc}"
prefix=$(mktemp -d)
trap 'rm -rf "$prefix"' EXIT
make -s --no-print-directory install PREFIX="$prefix" BUILD="$BUILD" SANITIZER="${SANITIZER:-}" >/dev/null
for f in bin/actorc lib/libactor.a lib/libactor.so lib/pkgconfig/libactor.pc \
         include/actor/codec.h include/actor/error.h; do
    [ -e "$prefix/$f" ] || { echo "missing after install: $f"; exit 1; }
done
work=$prefix/work
mkdir -p "$work"
cat >"$work/hello.actor" <<'ACTOR'
package hello;
message Hi { 1: string who; 2: list<int32> n; }
ACTOR
"$prefix/bin/actorc" -o "$work" "$work/hello.actor"
cat >"$work/app.c" <<'C'
#include "hello.h"
int main(void)
{
    hello_Hi a, b;
    int32_t n[] = {1, 2, 3};
    hello_Hi_init(&a);
    a.who = "installed";
    a.n = n, a.n_n = 3;
    msgpack_sbuffer s;
    msgpack_sbuffer_init(&s);
    int ok = hello_Hi_encode(&a, &s) == 0 && hello_Hi_decode(s.data, s.size, &b) == 0 &&
             b.n_n == 3 && b.n[2] == 3;
    hello_Hi_free(&b);
    msgpack_sbuffer_destroy(&s);
    return ok ? 0 : 1;
}
C
export PKG_CONFIG_PATH=$prefix/lib/pkgconfig
# shellcheck disable=SC2046
$CC ${SANFLAGS:-} "$work/hello.c" "$work/app.c" $(pkg-config --cflags --libs libactor) -o "$work/app"
LD_LIBRARY_PATH=$prefix/lib "$work/app"
# shellcheck disable=SC2046
$CC ${SANFLAGS:-} "$work/hello.c" "$work/app.c" $(pkg-config --cflags libactor) \
    "$prefix/lib/libactor.a" $(pkg-config --libs msgpack libzmq) -o "$work/app-static"
"$work/app-static"
echo "install: ok"
