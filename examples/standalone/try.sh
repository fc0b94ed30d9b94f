#!/bin/sh
# try.sh: greeter-server on a free tcp port, greeter-client against it,
# SIGTERM; then the same over ipc. Exits non-zero when anything fails.
set -eu
work=$(mktemp -d)
server=
trap 'if [ -n "$server" ]; then kill "$server" 2>/dev/null || true; fi; rm -rf "$work"' EXIT

run() { # run ENDPOINT
    ./greeter-server "$1" >"$work/server.out" 2>&1 &
    server=$!
    endpoint=
    for _ in $(seq 100); do
        endpoint=$(sed -n 's/^listening on //p' "$work/server.out")
        [ -n "$endpoint" ] && break
        kill -0 "$server" 2>/dev/null || break
        sleep 0.05
    done
    if [ -z "$endpoint" ]; then echo "the server did not start:"; cat "$work/server.out"; exit 1; fi
    echo "server: listening on $endpoint"
    ./greeter-client "$endpoint"
    kill -TERM "$server"
    wait "$server"
    server=
    echo "server: $(tail -n 1 "$work/server.out")"
}

run 'tcp://127.0.0.1:*'
run "ipc://$work/greeter.ipc"
