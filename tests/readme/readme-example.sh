#!/usr/bin/env bash
# The README's examples must stay true: extract their .actor and C blocks,
# compile them with actorc and the strict warning set, and run the programs.
set -euo pipefail
: "${ACTORC:?}" "${BUILD:?}" "${CC:=cc}"
out=$BUILD/tests/readme
rm -rf "$out" && mkdir -p "$out"
# A block follows a "<!-- readme-example: NAME -->" line; write it to $out/NAME.
awk -v out="$out" '
    /^<!-- readme-example: / { name = $3; want = 1; next }
    want && /^```/ && !inside { inside = 1; next }
    inside && /^```/ { inside = 0; want = 0; close(out "/" name); next }
    inside { print > (out "/" name) }
' README.md
"$ACTORC" -o "$out" "$out/point.actor"
# shellcheck disable=SC2046
$CC -std=c11 -Wall -Wextra -Werror ${SANFLAGS:-} -Iruntime/include $(pkg-config --cflags msgpack) \
    -I"$out" "$out/point.c" "$out/app.c" "$BUILD/lib/libactor.a" $(pkg-config --libs msgpack) \
    -o "$out/app"
got=$("$out/app")
want="home at (1.5, -2) in 27 bytes"
[ "$got" = "$want" ] || { echo "README example printed '$got', expected '$want'"; exit 1; }
echo "README example: $got"

"$ACTORC" -o "$out" "$out/greeter.actor"
# shellcheck disable=SC2046
$CC -std=c11 -Wall -Wextra -Werror ${SANFLAGS:-} -Iruntime/include $(pkg-config --cflags msgpack) \
    -I"$out" "$out/greeter.c" "$out/greeter_app.c" "$BUILD/lib/libactor.a" \
    $(pkg-config --libs msgpack libzmq) -lpthread -o "$out/greeter"
got=$("$out/greeter")
want="OK: hello, world"
[ "$got" = "$want" ] || { echo "README actor example printed '$got', expected '$want'"; exit 1; }
echo "README actor example: $got"

"$ACTORC" -o "$out" "$out/store.actor"
# shellcheck disable=SC2046
$CC -std=c11 -Wall -Wextra -Werror ${SANFLAGS:-} -Iruntime/include $(pkg-config --cflags msgpack) \
    -I"$out" "$out/store.c" "$out/store_app.c" "$BUILD/lib/libactor.a" \
    $(pkg-config --libs msgpack libzmq) -lpthread -o "$out/store"
got=$("$out/store")
want="OK 7"
[ "$got" = "$want" ] || { echo "README pool example printed '$got', expected '$want'"; exit 1; }
echo "README pool example: $got"
