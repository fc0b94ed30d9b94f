#!/usr/bin/python3
"""A libactor client in Python, written from docs/PROTOCOL.md alone.

Usage: client.py GATEWAY_TEST

Starts `GATEWAY_TEST serve` (an actor system whose actor "calc", of type
test.Calc, has add({1: a, 2: b}) -> {1: a + b}, raising error code 7 when
a < 0), reads the tcp endpoint it prints first, and calls it over tcp with
a DEALER socket: results, a business error, unknown actor and method, an
expired deadline, control ping, lookup and names, a call by target_id and
method_index, pipelined calls matched by correlation id, and BATCHes of
calls (section 2, "Batches"): answered in batches, broken ones answered
DECODE, lone calls still answered alone. Prints
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
REQUEST, RESPONSE, CAST, CONTROL, BATCH = 1, 2, 3, 4, 5
CATEGORIES = ["OK", "ERROR", "TIMEOUT", "DIED", "REJECTED", "DECODE", "NOT_FOUND",
              "UNAUTHORIZED", "INTERNAL", "UNAVAILABLE", "UNREACHABLE"]

TIMEOUT_MS = 10000  # a hang guard only


class Client:
    """One DEALER socket; calls matched to responses by correlation id."""

    def __init__(self, endpoint):
        self.ctx = zmq.Context()
        self.sock = self.ctx.socket(zmq.DEALER)
        self.sock.setsockopt(zmq.LINGER, 0)
        self.sock.connect(endpoint)
        self.ids = itertools.count(1)
        self.unread = []       # responses of a BATCH not returned yet
        self.batches_read = 0  # BATCH messages received
        self.lone_read = 0     # responses received on their own

    def frames(self, kind, body=None, fields=None):
        """(message id, [envelope, body]) for a new message."""
        mid = next(self.ids)
        env = {VERSION: 1, KIND: kind, MESSAGE_ID: mid}
        env.update(fields or {})
        return mid, [msgpack.packb(env), msgpack.packb(body if body is not None else {})]

    def send(self, kind, body=None, fields=None):
        """Sends [envelope, body]; returns the message id."""
        mid, frames = self.frames(kind, body, fields)
        self.sock.send_multipart(frames)
        return mid

    def send_batch(self, pairs):
        """Sends one BATCH: its body frame is each message's envelope and
        body bytes as two msgpack bin values, one message after another."""
        packed = b"".join(msgpack.packb(f) for pair in pairs for f in pair)
        self.sock.send_multipart([msgpack.packb({VERSION: 1, KIND: BATCH, MESSAGE_ID: 0}),
                                  packed])

    def next_frames(self):
        """[envelope, body] of the next response, taken out of a BATCH if
        one came."""
        if self.unread:
            return self.unread.pop(0)
        if not self.sock.poll(TIMEOUT_MS):
            raise TimeoutError("no response")
        frames = self.sock.recv_multipart()
        env = msgpack.unpackb(frames[0], raw=False, strict_map_key=False)
        if env.get(KIND) != BATCH:
            self.lone_read += 1
            return frames
        self.batches_read += 1
        unpacker = msgpack.Unpacker(raw=False)
        unpacker.feed(frames[1])
        items = list(unpacker)
        assert len(items) % 2 == 0 and all(isinstance(i, bytes) for i in items), items
        self.unread = [[items[i], items[i + 1]] for i in range(0, len(items), 2)]
        return self.unread.pop(0)

    def receive(self):
        """The next response: (correlation id, category name, code, message, body)."""
        frames = self.next_frames()
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

        name, _, message, _ = c.call({METHOD: "lookup", TARGET: "nobody"}, kind=CONTROL)
        check("lookup of an unknown name",
              name == "NOT_FOUND" and message == 'no actor registered as "nobody"', (name, message))
        name, _, _, _ = c.call({METHOD: "lookup"}, kind=CONTROL)
        check("lookup without a target", name == "DECODE", name)
        name, _, message, _ = c.call({METHOD: "nothing"}, kind=CONTROL)
        check("unknown control operation",
              name == "NOT_FOUND" and "ping, lookup and names" in message, (name, message))

        name, _, _, result = c.call({METHOD: "names"}, kind=CONTROL)
        names = {e.get(1): (e.get(2), e.get(3)) for e in result.get(1, [])} if name == "OK" else {}
        registry = names.pop("actor/registry", (None, None))
        introspect = names.pop("actor/introspect", (None, None))
        check("names", set(names) == {"calc", "calc2", "small", "small-reject"} and
              all(t == "test.Calc" and isinstance(i, int) and i > 0 for t, i in names.values()) and
              registry[0] == "actor_sys.Registry" and introspect[0] == "actor_sys.Introspect",
              (name, result))

        name, _, _, result = c.call({METHOD: "lookup", TARGET: "calc"}, kind=CONTROL)
        check("lookup", name == "OK" and result.get(2) == "test.Calc", (name, result))
        check("lookup agrees with names", names.get("calc", (None, None))[1] == result.get(1),
              (names, result))
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
        check("lone calls answered alone", c.batches_read == 0, c.batches_read)
        run_batches(c)
    finally:
        c.close()


def receive_all(c, n):
    """n responses by correlation id: {id: (category, code, body)}; a
    second answer to an id fails the test."""
    got, twice = {}, []
    for _ in range(n):
        cid, name, code, _, result = c.receive()
        if cid in got and cid != 0:
            twice.append(cid)
        got[cid] = (name, code, result)
    check("one answer per id", not twice, twice)
    return got


def run_batches(c):
    """Section 2, "Batches"."""
    calc = {TARGET: "calc", METHOD: "add"}
    ok_id, ok = c.frames(REQUEST, {1: 2, 2: 3}, calc)
    err_id, err = c.frames(REQUEST, {1: -1, 2: 3}, calc)
    none_id, none = c.frames(REQUEST, {}, {TARGET: "nobody", METHOD: "add"})
    garbage = [b"\xc1", msgpack.packb({})]  # an envelope that is not msgpack
    c.send_batch([ok, err, none, garbage])
    got = receive_all(c, 4)
    check("batch: result", got.get(ok_id) == ("OK", 0, {1: 5}), got)
    check("batch: business error", got.get(err_id, ("",))[:2] == ("ERROR", 7), got)
    check("batch: unknown actor", got.get(none_id, ("",))[0] == "NOT_FOUND", got)
    check("batch: bad envelope answered DECODE", got.get(0, ("",))[0] == "DECODE", got)
    check("batch answered in batches", c.batches_read >= 1, c.batches_read)

    first_id, first = c.frames(REQUEST, {1: 1, 2: 1}, calc)
    c.sock.send_multipart([msgpack.packb({VERSION: 1, KIND: BATCH, MESSAGE_ID: 0}),
                           b"".join(msgpack.packb(f) for f in first) + b"\x01\x02"])
    got = receive_all(c, 2)
    check("broken batch: pairs before the break run", got.get(first_id) == ("OK", 0, {1: 2}),
          got)
    check("broken batch: the rest answered DECODE", got.get(0, ("",))[0] == "DECODE", got)

    lone_before = c.lone_read
    name, _, _, result = c.call(calc, body={1: 4, 2: 4})
    check("a lone call after batches is answered alone",
          name == "OK" and result == {1: 8} and c.lone_read == lone_before + 1,
          (name, result, c.lone_read - lone_before))

    want, pairs = {}, []
    for i in range(300):
        mid, frames = c.frames(REQUEST, {1: i, 2: 7}, calc)
        want[mid] = ("OK", 0, {1: i + 7})
        pairs.append(frames)
        if len(pairs) == 50:
            c.send_batch(pairs)
            pairs = []
    got = receive_all(c, 300)
    check("pipelined batches", got == want, "%d of %d matched" % (
        sum(1 for k in want if got.get(k) == want[k]), len(want)))

    # One actor answers in the order it ran the calls, and a client's
    # responses keep that order whether they leave packed or alone: a
    # lone call's answer never overtakes the batch's before it.
    order = []
    for round_ in range(40):
        pairs = []
        for i in range(5):
            mid, frames = c.frames(REQUEST, {1: round_, 2: i}, calc)
            order.append(mid)
            pairs.append(frames)
        c.send_batch(pairs)
        order.append(c.send(REQUEST, {1: round_, 2: 100}, calc))
    seen = [c.receive()[0] for _ in order]
    check("batched and lone answers keep their order", seen == order,
          "first difference at %s" % next((i for i, (a, b) in enumerate(zip(seen, order))
                                           if a != b), None))


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
