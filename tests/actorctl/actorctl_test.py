#!/usr/bin/env python3
"""actorctl_test.py ACTORCTL CALCULATOR_SERVER - actorctl against a running
calculator-server: every command in text and --json, a call with a JSON
body and a business error, kill, an endpoint that refuses and one that
never answers (exit 1 within --timeout), and usage errors (exit 2)."""
import json
import os
import re
import socket
import subprocess
import sys
import tempfile
import time

passed = failed = 0


def check(name, ok, detail=""):
    global passed, failed
    if ok:
        passed += 1
    else:
        failed += 1
        print(f"FAIL {name}: {detail}")


def run(*args, timeout=20):
    p = subprocess.run([ACTORCTL, *args], capture_output=True, text=True, timeout=timeout)
    return p.returncode, p.stdout, p.stderr


def main():
    global ACTORCTL
    ACTORCTL, server = sys.argv[1], sys.argv[2]
    state = tempfile.TemporaryDirectory()  # the counter's state file goes there
    srv = subprocess.Popen([os.path.abspath(server), "--bind", "tcp://127.0.0.1:*"],
                           stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                           cwd=state.name)
    try:
        line = srv.stdout.readline()
        m = re.search(r"listening on (\S+)", line)
        if m is None:
            print(f"FAIL the server did not start: {line!r}")
            print("0 passed, 1 failed")
            return 1
        ep = m.group(1)
        exercise(ep)
    finally:
        srv.terminate()
        srv.wait(timeout=20)
        state.cleanup()
    print(f"{passed} passed, {failed} failed")
    return 1 if failed else 0


def exercise(ep):
    rc, out, err = run(ep, "ping")
    check("ping", rc == 0 and out.startswith(ep + " answered in"), (rc, out, err))
    rc, out, _ = run("--json", ep, "ping")
    check("ping --json", rc == 0 and json.loads(out)["ok"] is True, out)

    rc, out, _ = run(ep, "list")
    lines = out.splitlines()
    check("list: a header", rc == 0 and lines[0].split() == ["NAME", "TYPE", "KIND", "LIFETIME", "ID"],
          out)
    rows = {l.split()[0]: l.split() for l in lines[1:]}
    check("list: the example's actors and the services",
          rows.get("calculator", [None, None])[1] == "calc.Calculator" and "counter" in rows and
          "actor/registry" in rows and "actor/introspect" in rows, out)
    check("list: aligned", len({l.index("calc.") for l in lines if "calc." in l}) == 1, out)
    rc, out, _ = run("--json", ep, "list")
    names = {e["name"]: e for e in json.loads(out)["names"]}
    check("list --json", rc == 0 and names["calculator"]["type"] == "calc.Calculator" and
          names["calculator"]["pool"] is False and names["calculator"]["detached"] is True, out)

    # a known load: 5 calls, one of them a business error; bodies by field
    # name (the system serves the schema) or by field id
    for a, b in ((6, 7), (1, 2), (3, 4)):
        rc, out, err = run(ep, "call", "calculator", "calculate",
                           json.dumps({"a": a, "b": b, "op": "MUL"}))
        check(f"call {a}*{b} by field names", rc == 0 and json.loads(out) == {"result": a * b},
              (rc, out, err))
    rc, out, err = run(ep, "call", "calculator", "calculate", '{"1": 5, "2": 6, "3": 2}')
    check("call by field ids", rc == 0 and json.loads(out) == {"result": 30}, (rc, out, err))
    rc, out, err = run(ep, "call", "calculator", "calculate", '{"a": 1, "x": 2}')
    check("call: an unknown field", rc == 2 and "has no field 'x'" in err, (rc, out, err))
    rc, out, err = run(ep, "call", "calculator", "calculate", '{"a": 1, "op": "POW"}')
    check("call: an unknown enum member", rc == 2 and "has no member 'POW'" in err, (rc, out, err))
    rc, out, err = run(ep, "call", "counter", "get", "{}")
    check("call: a reply with a list", rc == 0 and set(json.loads(out)) >= {"count", "history"},
          (rc, out, err))
    rc, out, err = run(ep, "call", "calculator", "calculate", '{"a": 1, "b": 0, "op": "DIV"}')
    check("call: a business error", rc == 1 and "ERROR (code 1)" in err and "zero" in err,
          (rc, out, err))
    rc, out, err = run("--json", ep, "call", "calculator", "calculate", '{"1": 1, "2": 0, "3": 3}')
    e = json.loads(out)["error"] if rc == 1 else {}
    check("call --json: the error as JSON", e.get("category") == "ERROR" and e.get("code") == 1,
          (rc, out, err))
    rc, out, err = run(ep, "call", "calculator", "ping", "{}")
    check("call a method without a parameter", rc == 0 and out.strip() == "{}", (rc, out, err))
    rc, out, err = run(ep, "call", "calculator", "nosuch", "{}")
    check("call an unknown method", rc == 1 and "has no method 'nosuch'" in err and
          "calculate, ping" in err,
          (rc, out, err))
    rc, out, err = run(ep, "call", "calculator", "calculate", '{"1": 6,')
    check("call: malformed JSON is a usage error", rc == 2 and "JSON" in err, (rc, out, err))

    rc, out, _ = run("--json", ep, "stats")
    rows = {a["name"]: a for a in json.loads(out)["actors"]}
    calc = rows.get("calculator", {})
    check("stats --json: the pinned members",
          all(k in calc for k in ("name", "type", "instances", "mailbox_depth", "in_flight",
                                  "processed", "errors", "restarts", "p50_us", "p99_us")), out)
    check("stats --json: the known load", calc.get("processed") == 7 and calc.get("errors") == 2 and
          calc.get("instances") == 1 and calc.get("in_flight") == 0, calc)
    check("stats --json: percentiles", 0 < calc.get("p50_us", 0) <= calc.get("p99_us", 0), calc)
    rc, out, _ = run(ep, "stats")
    lines = out.splitlines()
    check("stats: a table", rc == 0 and lines[0].split()[:3] == ["NAME", "TYPE", "INST"] and
          any(l.split()[:2] == ["calculator", "calc.Calculator"] for l in lines) and
          lines[-1].endswith("live actors"), out)

    rc, out, err = run(ep, "kill", "counter")
    check("kill", rc == 0 and out.strip() == "killed counter", (rc, out, err))
    deadline = time.time() + 10
    while time.time() < deadline:
        rc, out, _ = run("--json", ep, "list")
        if "counter" not in {e["name"] for e in json.loads(out)["names"]}:
            break
        time.sleep(0.05)
    check("kill: the name is released", "counter" not in {e["name"] for e in json.loads(out)["names"]},
          out)
    rc, out, err = run(ep, "kill", "counter")
    check("kill what is gone", rc == 1 and "no live actor" in err, (rc, out, err))
    rc, out, err = run(ep, "kill", "actor/registry")
    check("kill a system service", rc == 1, (rc, out, err))
    for what in ("kill", "call"):
        rc, out, err = run(ep, what, "n" * 300, *(["add", "{}"] if what == "call" else []))
        check(f"{what}: a name too long is a usage error", rc == 2 and "longer than 255" in err,
              (rc, out, err))

    # top refreshes until interrupted
    p = subprocess.Popen([ACTORCTL, ep, "top"], stdout=subprocess.PIPE, text=True)
    time.sleep(1.5)
    p.send_signal(2)
    out, _ = p.communicate(timeout=20)
    check("top: refreshes, stops on SIGINT", p.returncode == 0 and out.count("\033[2J") >= 1 and
          "calculator" in out, (p.returncode, out[:200]))


def unreachable_and_usage():
    # nothing listens: refused at once
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    rc, out, err = run("--timeout", "500", f"tcp://127.0.0.1:{port}", "ping")
    check("a refused endpoint: exit 1", rc == 1 and "unreachable" in err, (rc, out, err))
    # listens but never answers: the timeout
    silent = socket.socket()
    silent.bind(("127.0.0.1", 0))
    silent.listen(1)
    t0 = time.time()
    rc, out, err = run("--timeout", "300", f"tcp://127.0.0.1:{silent.getsockname()[1]}", "list")
    check("a silent endpoint: exit 1 after the timeout", rc == 1 and "300 ms" in err, (rc, out, err))
    check("a silent endpoint: not much later than the timeout", time.time() - t0 < 15, time.time() - t0)
    silent.close()
    rc, out, err = run("--json", "--timeout", "300", f"tcp://127.0.0.1:{port}", "stats")
    check("unreachable --json", rc == 1 and json.loads(out)["error"]["category"] == "UNREACHABLE",
          (rc, out, err))
    for args, what in ((["tcp://127.0.0.1:1"], "no command"), ([], "no endpoint"),
                       (["tcp://127.0.0.1:1", "bogus"], "unknown command"),
                       (["tcp://127.0.0.1:1", "kill"], "kill takes 1 argument"),
                       (["--json", "tcp://127.0.0.1:1", "top"], "top is for a terminal"),
                       (["--timeout", "soon", "tcp://127.0.0.1:1", "ping"], "--timeout"),
                       (["--frobnicate", "tcp://127.0.0.1:1", "ping"], "unknown option"),
                       (["--curve-server-key", "x" * 40, "tcp://127.0.0.1:1", "ping"], "both"),
                       (["--curve-server-key", "x" * 40, "--curve-secret-key", "short",
                         "tcp://127.0.0.1:1", "ping"], "secret key"),
                       (["not-an-endpoint", "ping"], "not an endpoint")):
        rc, out, err = run(*args)
        check(f"usage: {what}", rc == 2 and what in err, (args, rc, err))


def curve(server):
    """A CURVE endpoint: the listed client's keys get in, other keys do not."""
    import zmq
    server_pub, server_sec = (k.decode() for k in zmq.curve_keypair())
    client_pub, client_sec = (k.decode() for k in zmq.curve_keypair())
    _, other_sec = (k.decode() for k in zmq.curve_keypair())
    state = tempfile.TemporaryDirectory()
    srv = subprocess.Popen([os.path.abspath(server), "--bind", "tcp://127.0.0.1:*",
                            "--curve-secret-key", server_sec, "--allow-client", client_pub],
                           stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                           cwd=state.name)
    try:
        m = re.search(r"listening on (\S+)", srv.stdout.readline())
        ep = m.group(1) if m else "tcp://127.0.0.1:1"
        rc, out, err = run("--curve-server-key", server_pub, "--curve-secret-key", client_sec,
                           ep, "list")
        check("CURVE: with the keys", rc == 0 and "calculator" in out, (rc, out, err))
        env = dict(os.environ, ACTORCTL_CURVE_SERVER_KEY=server_pub,
                   ACTORCTL_CURVE_SECRET_KEY=client_sec)
        p = subprocess.run([ACTORCTL, ep, "ping"], capture_output=True, text=True, env=env,
                           timeout=20)
        check("CURVE: keys from the environment", p.returncode == 0, (p.returncode, p.stderr))
        rc, out, err = run("--curve-server-key", server_pub, "--curve-secret-key", other_sec,
                           ep, "ping")
        check("CURVE: keys not on the list", rc == 1 and "CURVE" in err, (rc, out, err))
        rc, out, err = run("--timeout", "500", ep, "ping")
        check("CURVE: a plain client", rc == 1, (rc, out, err))
    finally:
        srv.terminate()
        srv.wait(timeout=20)
        state.cleanup()


if __name__ == "__main__":
    ACTORCTL = sys.argv[1]
    unreachable_and_usage()
    curve(sys.argv[2])
    sys.exit(main())
