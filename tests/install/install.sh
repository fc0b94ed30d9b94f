#!/usr/bin/env bash
# `make install PREFIX=...` installs what DESIGN.md section 5 pins, and the
# README's recipe builds against it: cc gen.c app.c $(pkg-config --cflags --libs libactor).
set -euo pipefail
: "${BUILD:?}" "${CC:=cc}"
prefix=$(mktemp -d)
trap 'rm -rf "$prefix"' EXIT
make -s --no-print-directory install PREFIX="$prefix" BUILD="$BUILD" SANITIZER="${SANITIZER:-}" >/dev/null
for f in bin/actorc bin/actorctl share/man/man1/actorctl.1 lib/libactor.a lib/libactor.so lib/pkgconfig/libactor.pc \
         include/actor/codec.h include/actor/error.h include/actor/actor_system.h \
         include/actor/queue.h include/actor/queues.h include/actor/barrier.h \
         include/actor/barriers.h include/actor/channel.h include/actor/store.h \
         include/actor/stores.h \
         share/man/man1/actorc.1 \
         share/doc/actorc/README.md share/doc/actorc/docs/IDL.md; do
    [ -e "$prefix/$f" ] || { echo "missing after install: $f"; exit 1; }
done

# One version everywhere: actorc, libactor.pc, the shared library's file
# name and soname, the manual page.
version=$("$prefix/bin/actorc" --version | sed -n 's/^actorc //p')
[ "$version" = "$(PKG_CONFIG_PATH=$prefix/lib/pkgconfig pkg-config --modversion libactor)" ] ||
    { echo "actorc --version ($version) is not libactor.pc's version"; exit 1; }
major=${version%%.*}
[ "$(readlink "$prefix/lib/libactor.so")" = "libactor.so.$major" ] &&
    [ "$(readlink "$prefix/lib/libactor.so.$major")" = "libactor.so.$version" ] &&
    [ -f "$prefix/lib/libactor.so.$version" ] ||
    { echo "libactor.so symlinks: $(ls -l "$prefix/lib" | grep libactor.so)"; exit 1; }
readelf -d "$prefix/lib/libactor.so.$version" | grep "SONAME.*\[libactor.so.$major\]" >/dev/null ||
    { echo "soname: $(readelf -d "$prefix/lib/libactor.so.$version" | grep SONAME)"; exit 1; }
grep -q "^.TH ACTORC 1 .*\"actorc $version\"" "$prefix/share/man/man1/actorc.1" ||
    { echo "the manual page is not for actorc $version"; exit 1; }
# The manual page covers every option --help lists.
for opt in $("$prefix/bin/actorc" --help | grep -oE '^  (-[A-Za-z]+|--[a-z-]+)' | tr -d ' '); do
    grep -qF -- "$(printf '%s' "$opt" | sed 's/-/\\-/g')" "$prefix/share/man/man1/actorc.1" ||
        { echo "the manual page does not mention $opt"; exit 1; }
done
if command -v man >/dev/null; then
    # grep reads it all: with pipefail, grep -q leaving early fails the
    # pipeline by SIGPIPE once the page is long enough.
    man -l "$prefix/share/man/man1/actorc.1" 2>&1 | tr -s " " |
        grep "compile .actor interface files" >/dev/null ||
        { echo "man cannot render actorc.1"; exit 1; }
fi
work=$prefix/work
mkdir -p "$work"
cat >"$work/hello.actor" <<'ACTOR'
package hello;
@queue
message Hi { 1: string who; 2: list<int32> n; }
ACTOR
"$prefix/bin/actorc" -o "$work" "$work/hello.actor"
cat >"$work/app.c" <<'C'
#include <string.h>
#include "hello.h"
#include <actor/actor_system.h> /* the registry's stubs, inside libactor */
#include <actor/queues.h>       /* the queue service, with its generated <actor/queue.h> */
#include <actor/barriers.h>     /* the barrier service, with <actor/barrier.h> */
#include <actor/stores.h>       /* the object store, with <actor/store.h> */
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
             b.n_n == 3 && b.n[2] == 3 &&
             strcmp(actor_sys_Registry_type.name, "actor_sys.Registry") == 0 &&
             strcmp(actor_queue_Queue_type.name, "actor_queue.Queue") == 0 &&
             hello_Hi_desc.size == sizeof(hello_Hi) && strcmp(hello_Hi_TYPE, "hello.Hi") == 0 &&
             actor_queue_spawn(NULL, NULL, NULL, NULL) == ACTOR_EINVAL &&
             actor_barrier_spawn(NULL, 2, NULL, NULL) == ACTOR_EINVAL &&
             actor_store_spawn(NULL, 0, NULL, NULL) == ACTOR_EINVAL;
    hello_Hi_free(&b);
    msgpack_sbuffer_destroy(&s);
    return ok ? 0 : 1;
}
C
export PKG_CONFIG_PATH=$prefix/lib/pkgconfig
# shellcheck disable=SC2046
$CC ${SANFLAGS:-} "$work/hello.c" "$work/app.c" $(pkg-config --cflags --libs libactor) -o "$work/app"
LD_LIBRARY_PATH=$prefix/lib "$work/app"
# a program linked against it needs libactor.so.MAJOR, not libactor.so
readelf -d "$work/app" | grep "NEEDED.*\[libactor.so.$major\]" >/dev/null ||
    { echo "the program does not need libactor.so.$major"; exit 1; }
# shellcheck disable=SC2046
$CC ${SANFLAGS:-} "$work/hello.c" "$work/app.c" $(pkg-config --cflags libactor) \
    "$prefix/lib/libactor.a" $(pkg-config --libs msgpack libzmq) -o "$work/app-static"
"$work/app-static"
echo "install: ok"
