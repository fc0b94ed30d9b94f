#!/usr/bin/python3
"""The Python protocol client against the example actors over tcp.

Usage: calc_client.py CALCULATOR_SERVER

Starts examples/calculator's `calculator-server --bind tcp://127.0.0.1:*`
with a fresh state file, reads the endpoint it prints ("listening on
tcp://..."), and calls its actors "calculator" (calc.Calculator) and
"counter" (calc.Counter) with tests/gateway/client.py's Client, which is
written from docs/PROTOCOL.md alone: calculate's four operations and its
business errors DIVIDE_BY_ZERO and INVALID_INPUT, ping, a body that does
not decode, the counter's increment/decrement/get/reset, lookup. Then
stops the server with SIGTERM (it drains and writes its state) and checks
that it exits 0. Prints "N passed, N failed" last.
"""
import os
import signal
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from client import CONTROL, DEADLINE_MS, METHOD, TARGET, TYPE, Client  # noqa: E402

# From examples/calculator/calculator.actor.
ADD, SUB, MUL, DIV = 0, 1, 2, 3
DIVIDE_BY_ZERO, INVALID_INPUT = 1, 2

passed = failed = 0


def check(what, ok, detail=""):
    global passed, failed
    if ok:
        passed += 1
    else:
        failed += 1
        print("FAIL %s %s" % (what, detail))


def calculate(c, a, b, op):
    return c.call({TARGET: "calculator", METHOD: "calculate", TYPE: "calc.Calculator",
                   DEADLINE_MS: 5000}, body={1: a, 2: b, 3: op})


def counter(c, method):
    return c.call({TARGET: "counter", METHOD: method, DEADLINE_MS: 5000}, body={})


def run(endpoint):
    c = Client(endpoint)
    try:
        for a, b, op, want in [(6.0, 3.0, ADD, 9.0), (6.0, 3.0, SUB, 3.0),
                               (6.0, 3.0, MUL, 18.0), (6.0, 3.0, DIV, 2.0)]:
            name, _, _, result = calculate(c, a, b, op)
            check("calculate op %d" % op, name == "OK" and result == {1: want}, (name, result))

        name, code, message, _ = calculate(c, 1.0, 0.0, DIV)
        check("DIVIDE_BY_ZERO", name == "ERROR" and code == DIVIDE_BY_ZERO, (name, code, message))
        name, code, message, _ = calculate(c, float("nan"), 1.0, ADD)
        check("INVALID_INPUT (nan)", name == "ERROR" and code == INVALID_INPUT,
              (name, code, message))
        name, code, message, _ = calculate(c, 1.0, 1.0, 9)
        check("INVALID_INPUT (op)", name == "ERROR" and code == INVALID_INPUT,
              (name, code, message))
        name, _, _, _ = calculate(c, "one", 1.0, ADD)
        check("a body that does not decode", name == "DECODE", name)

        name, _, _, result = c.call({TARGET: "calculator", METHOD: "ping"}, body={})
        check("calculator.ping", name == "OK" and result == {}, (name, result))

        name, _, _, result = c.call({METHOD: "lookup", TARGET: "counter"}, kind=CONTROL)
        check("lookup counter", name == "OK" and result.get(2) == "calc.Counter", (name, result))

        counts = []
        for method in ["reset", "increment", "increment", "increment", "decrement"]:
            name, _, _, result = counter(c, method)
            counts.append(result.get(1) if name == "OK" else name)
        check("counter updates", counts == [0, 1, 2, 3, 2], counts)
        name, _, _, state = counter(c, "get")
        check("counter.get", name == "OK" and state.get(1) == 2, (name, state))
        name, _, _, _ = counter(c, "calculate")
        check("counter has no calculate", name == "NOT_FOUND", name)
    finally:
        c.close()


def main():
    with tempfile.TemporaryDirectory() as work:
        server = subprocess.Popen([sys.argv[1], "--bind", "tcp://127.0.0.1:*",
                                   "--state", os.path.join(work, "counter.state")],
                                  stdout=subprocess.PIPE, text=True)
        try:
            line = server.stdout.readline().strip()
            endpoint = line.rsplit(" ", 1)[-1]
            if not endpoint.startswith("tcp://"):
                print("the server did not start: %r" % line)
                return 1
            try:
                run(endpoint)
            except Exception as e:  # a timeout or a malformed response
                check("no exception", False, repr(e))
        finally:
            server.send_signal(signal.SIGTERM)
            try:
                out, _ = server.communicate(timeout=60)
            except subprocess.TimeoutExpired:
                server.kill()
                out, _ = server.communicate()
            check("server exits cleanly", server.returncode == 0, (server.returncode, out))
    print("%d passed, %d failed" % (passed, failed))
    return 0 if failed == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
