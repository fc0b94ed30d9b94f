#!/usr/bin/python3
"""A libactor client in Python, written from docs/PROTOCOL.md alone.

Usage: client.py GATEWAY_TEST

Starts `GATEWAY_TEST serve` (an actor system whose actor "calc", of type
test.Calc, has add({1: a, 2: b}) -> {1: a + b}, raising error code 7 when
a < 0), reads the tcp endpoint it prints first, and calls it over tcp with
a DEALER socket: results, a business error, unknown actor and method, an
expired deadline, control ping and lookup, a call by target_id and
method_index, and pipelined calls matched by correlation id. Prints
"N passed, N failed" last. Needs python3-zmq and python3-msgpack.
"""
import itertools
import subprocess
import sys

import msgpack
import zmq

# Envelope keys and values (docs/PROTOCOL.md section 3).
VERSION, KIND, MESSAGE_ID, CORRELATION_ID, PRIORITY, DEADLINE_MS = 1, 2, 3, 4, 5, 6
TARGET, TARGET_ID, METHOD, METHOD_INDEX, TYPE, STATUS = 7, 8, 9, 10, 11, 12
REQUEST, RESPONSE, CAST, CONTROL = 1, 2, 3, 4
CATEGORIES = ["OK", "ERROR", "TIMEOUT", "DIED", "REJECTED", "DECODE", "NOT_FOUND",
              "UNAUTHORIZED", "INTERNAL"]

TIMEOUT_MS = 10000  # a hang guard only


class Client:
    """One DEALER socket; calls matched to responses by correlation id."""

    def __init__(self, endpoint):
        self.ctx = zmq.Context()
        self.sock = self.ctx.socket(zmq.DEALER)
        self.sock.setsockopt(zmq.LINGER, 0)
        self.sock.connect(endpoint)
        self.ids = itertools.count(1)

    def send(self, kind, body=None, fields=None):
        """Sends [envelope, body]; returns the message id."""
        mid = next(self.ids)
        env = {VERSION: 1, KIND: kind, MESSAGE_ID: mid}
        env.update(fields or {})
        frames = [msgpack.packb(env), msgpack.packb(body if body is not None else {})]
        self.sock.send_multipart(frames)
        return mid

    def receive(self):
        """The next response: (correlation id, category name, code, message, body)."""
        if not self.sock.poll(TIMEOUT_MS):
            raise TimeoutError("no response")
        frames = self.sock.recv_multipart()
        env = msgpack.unpackb(frames[0], raw=False, strict_map_key=False)
        assert env[VERSION] == 1 and env[KIND] == RESPONSE, env
        status = env.get(STATUS, {})
        category = status.get(1, 0)
        name = CATEGORIES[category] if 0 <= category < len(CATEGORIES) else "INTERNAL"
        body = frames[1] if len(frames) > 1 else b""
        result = msgpack.unpackb(body, raw=False, strict_map_key=False) if body else {}
        return env[CORRELATION_ID], name, status.get(2, 0), status.get(3, ""), result

    def call(self, fields, body=None, kind=REQUEST):
        mid = self.send(kind, body, fields)
        while True:
            cid, name, code, message, result = self.receive()
            if cid == mid:
                return name, code, message, result

    def close(self):
        self.sock.close()
        self.ctx.term()


passed = failed = 0


def check(what, ok, detail=""):
    global passed, failed
    if ok:
        passed += 1
    else:
        failed += 1
        print("FAIL %s %s" % (what, detail))


def run(endpoint):
    c = Client(endpoint)
    try:
        name, _, _, result = c.call({TARGET: "calc", METHOD: "add"}, body={1: 2, 2: 3})
        check("add", name == "OK" and result == {1: 5}, (name, result))

        name, code, message, _ = c.call({TARGET: "calc", METHOD: "add"}, body={1: -1, 2: 3})
        check("business error", name == "ERROR" and code == 7, (name, code, message))

        name, _, _, _ = c.call({TARGET: "nobody", METHOD: "add"}, body={})
        check("unknown actor", name == "NOT_FOUND", name)

        name, _, _, _ = c.call({TARGET: "calc", METHOD: "nope"}, body={})
        check("unknown method", name == "NOT_FOUND", name)

        name, _, _, _ = c.call({TARGET: "calc", METHOD: "add", TYPE: "other.Type"}, body={})
        check("type mismatch", name == "NOT_FOUND", name)

        name, _, _, _ = c.call({TARGET: "calc", METHOD: "add", DEADLINE_MS: 0}, body={1: 1})
        check("expired deadline", name == "TIMEOUT", name)

        name, _, _, result = c.call({METHOD: "ping"}, kind=CONTROL)
        check("ping", name == "OK" and result == {}, (name, result))

        name, _, _, result = c.call({METHOD: "lookup", TARGET: "calc"}, kind=CONTROL)
        check("lookup", name == "OK" and result.get(2) == "test.Calc", (name, result))
        if name == "OK":
            name, _, _, res = c.call({TARGET_ID: result[1], METHOD_INDEX: 0, PRIORITY: 200,
                                        DEADLINE_MS: 5000}, body={1: 20, 2: 22})
            check("by target_id", name == "OK" and res == {1: 42}, (name, res))

        # pipelined: all sent first, answers matched by correlation id
        want = {}
        for i in range(300):
            mid = c.send(REQUEST, {1: i, 2: 1000}, {TARGET: "calc", METHOD: "add"})
            want[mid] = i + 1000
        got = {}
        while len(got) < len(want):
            cid, name, _, _, result = c.receive()
            if cid in want and cid not in got and name == "OK":
                got[cid] = result.get(1)
        check("pipelined", got == want, "%d of %d matched" % (
            sum(1 for k in want if got.get(k) == want[k]), len(want)))
    finally:
        c.close()


def main():
    server = subprocess.Popen([sys.argv[1], "serve"], stdin=subprocess.PIPE,
                              stdout=subprocess.PIPE, text=True)
    try:
        endpoint = server.stdout.readline().strip()
        if not endpoint.startswith("tcp://"):
            print("the server did not start: %r" % endpoint)
            return 1
        try:
            run(endpoint)
        except Exception as e:  # a timeout or a malformed response
            check("no exception", False, repr(e))
    finally:
        server.stdin.close()
        check("server exits cleanly", server.wait(timeout=60) == 0)
    print("%d passed, %d failed" % (passed, failed))
    return 0 if failed == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
