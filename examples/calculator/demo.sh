#!/usr/bin/env bash
# demo.sh [BINDIR] - calculator-server and calculator-client over tcp on
# loopback. Starts the server on a free port with a fresh state file, runs
# the client, stops the server with SIGTERM (it drains and the counter
# writes its file), then does it all again on the same file: the second
# client must find the count the first one left. Exits non-zero when
# anything is not as expected. BINDIR defaults to this script's directory
# (the build copies it next to the programs).
set -euo pipefail

bin=${1:-$(dirname "$0")}
work=$(mktemp -d)
server_pid=
cleanup() {
    if [ -n "$server_pid" ]; then kill "$server_pid" 2>/dev/null || true; fi
    rm -rf "$work"
}
trap cleanup EXIT

# Starts the server in the background; sets server_pid and endpoint.
start_server() {
    "$bin/calculator-server" --bind 'tcp://127.0.0.1:*' --state "$work/counter.state" \
        >"$work/server.out" 2>&1 &
    server_pid=$!
    endpoint=
    for _ in $(seq 100); do
        endpoint=$(sed -n 's/^listening on //p' "$work/server.out")
        [ -n "$endpoint" ] && break
        kill -0 "$server_pid" 2>/dev/null || break
        sleep 0.05
    done
    if [ -z "$endpoint" ]; then
        echo "the server did not start:"; cat "$work/server.out"; exit 1
    fi
    echo "server: listening on $endpoint"
}

# Stops the server with SIGTERM and shows what it printed after starting.
stop_server() {
    kill -TERM "$server_pid"
    local rc=0
    wait "$server_pid" || rc=$?
    server_pid=
    sed -n '2,$s/^/server: /p' "$work/server.out"
    if [ "$rc" != 0 ]; then echo "the server exited with $rc"; exit 1; fi
}

# Run 1: a fresh counter ends at 149 (+150, -1).
start_server
"$bin/calculator-client" --connect "$endpoint" --expect-count 0 | sed 's/^/client: /'
stop_server
grep -q '^state file: count 149 ' "$work/server.out"

# Run 2: a new server process restores 149 from the file.
start_server
# A second server on the same port is refused, and says why.
if "$bin/calculator-server" --bind "$endpoint" --state "$work/other.state" \
    >"$work/second.out" 2>&1; then
    echo "a second server bound $endpoint"; exit 1
fi
if ! grep -q "^cannot serve: $endpoint: Address already in use" "$work/second.out"; then
    echo "the second server did not say why:"; cat "$work/second.out"; exit 1
fi
echo "second server: $(cat "$work/second.out")"
"$bin/calculator-client" --connect "$endpoint" --expect-count 149 | sed 's/^/client: /'
stop_server
grep -q '^state file: count 298 ' "$work/server.out"
echo "demo: the counter survived a server restart (149, then 298)"
