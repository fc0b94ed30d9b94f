#!/usr/bin/env bash
# tests/gen-up-to-date.sh - gen/ must be exactly what the current actorc
# generates from idl/*.actor: regenerates into a temporary directory and
# diffs. When it fails, run `make regen` and review the diff.
# Env: ACTORC (the compiler to use).
set -u
actorc=${ACTORC:-build/bin/actorc}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
# --allow-runtime-namespace: idl/ is libactor's own (package actor_wire).
if ! "$actorc" --allow-runtime-namespace -I idl -o "$tmp" idl/*.actor; then
    echo "gen-up-to-date: $actorc failed on idl/*.actor"
    exit 1
fi
stale=0
for f in "$tmp"/*; do
    name=$(basename "$f")
    if [ ! -e "gen/$name" ]; then
        echo "gen/$name: missing (actorc generates it)"
        stale=1
    elif ! diff -u "gen/$name" "$f" | head -n 40; then
        :
    fi
    cmp -s "gen/$name" "$f" 2>/dev/null || stale=1
done
for f in gen/*.c gen/*.h; do
    [ -e "$f" ] || continue
    if [ ! -e "$tmp/$(basename "$f")" ]; then
        echo "$f: no longer generated from idl/"
        stale=1
    fi
done
if [ "$stale" = 0 ]; then
    echo "gen/ is up to date ($(ls "$tmp" | wc -l) files)"
else
    echo "gen/ is stale: run 'make regen' and review the diff"
fi
exit "$stale"
