#!/usr/bin/env bash
# chaos-check.sh [thread|process] - short runs of pool-chaos: instances
# killed from inside (--kill-every: thread isolation with every balancing
# policy, process isolation) and from outside (kill -9 of the process ids
# it prints). Each run must exit 0, end with its count line, and show that
# instances really died. With an argument, only the runs with that
# isolation. Runs the pool-chaos next to it (the build copies this script
# there). Prints "N passed, N failed" last.
set -u

only=${1:-}
case $only in
    "" | thread | process) ;;
    *) echo "usage: chaos-check.sh [thread|process]" >&2; exit 2 ;;
esac
chaos="$(dirname "$0")/pool-chaos"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
passed=0 failed=0
count_line='^requests ([0-9]+) replies ([0-9]+) ok ([0-9]+) died ([0-9]+) retried ([0-9]+) lost 0 duplicated 0 wrong 0$'

report() { # report NAME OK? OUTPUT-FILE
    if [ "$2" = yes ]; then
        passed=$((passed + 1)); echo "ok   $1: $(tail -n 1 "$3")"
    else
        failed=$((failed + 1)); echo "FAIL $1"; sed 's/^/    /' "$3"
    fi
}

# True when FILE's last line is a clean count line for REQUESTS requests in
# which some instance died (a died or retried count above zero).
clean_count() { # clean_count FILE REQUESTS
    [[ $(tail -n 1 "$1") =~ $count_line ]] || return 1
    [ "${BASH_REMATCH[1]}" = "$2" ] && [ "${BASH_REMATCH[2]}" = "$2" ] || return 1
    [ $((BASH_REMATCH[4] + BASH_REMATCH[5])) -gt 0 ]
}

# Killed from inside: the program's own killer thread.
inside() { # inside NAME REQUESTS ARGS...
    local name=$1 requests=$2 out="$work/$1.out"; shift 2
    if "$chaos" --instances 4 --requests "$requests" "$@" >"$out" 2>&1 &&
        clean_count "$out" "$requests"; then
        report "$name" yes "$out"
    else
        report "$name" no "$out"
    fi
}

if [ "$only" != process ]; then
    for balance in round_robin least_loaded p2c key_hash; do
        inside "thread-$balance" 30000 --isolation thread --balance "$balance" --kill-every 1
    done
fi

# Killed from outside: kill -9 of a live instance's process every 20 ms
# while the requests run, found from the lines the program prints.
outside() {
    local name=process-outside-kill-9 requests=100000 out="$work/outside.out" pid
    local -a live
    local kills=0
    "$chaos" --instances 4 --requests "$requests" --isolation process >"$out" 2>&1 &
    pid=$!
    while kill -0 "$pid" 2>/dev/null && [ $kills -lt 25 ]; do
        sleep 0.02
        # Live processes: the first ones and every replacement, less the killed.
        mapfile -t live < <(sed -n 's/^instances://p; s/^restarted://p' "$out" |
            tr ' ' '\n' | grep -v '^$' | grep -vxF -f <(printf '%s\n' "${killed[@]:-0}"))
        [ ${#live[@]} -gt 0 ] || continue
        local victim=${live[RANDOM % ${#live[@]}]}
        kill -9 "$victim" 2>/dev/null && kills=$((kills + 1))
        killed+=("$victim")
    done
    wait "$pid"; local rc=$?
    if [ $rc = 0 ] && [ $kills -gt 0 ] && clean_count "$out" "$requests" &&
        [ "$(grep -c '^restarted: ' "$out")" -gt 0 ]; then
        report "$name ($kills kills)" yes "$out"
    else
        echo "exit $rc after $kills kills" >>"$out"
        report "$name" no "$out"
    fi
}
if [ "$only" != thread ]; then
    inside process-kill-every-10 5000 --isolation process --kill-every 10
    killed=()
    outside
fi

echo "$passed passed, $failed failed"
[ "$failed" = 0 ]
