#!/usr/bin/python3
"""The clients actorc --python generates, against the example servers.

Usage: clients.py CALCULATOR_SERVER POOL_CHAOS GEN

GEN holds the package `generated`: what `actorc --python` wrote for
examples/calculator/calculator.actor, examples/pools/chaos.actor and
idl/types.actor (with idl/common.actor).
Starts `calculator-server --bind tcp://127.0.0.1:*` and `pool-chaos --serve
tcp://127.0.0.1:*`, reads the endpoints they print, and calls them through
the generated modules only:

- calc.Calculator and calc.Counter, blocking: results, the business errors
  raised as their classes (DivideByZero, InvalidInput), NOT_FOUND for an
  unknown name or another actor type, priorities, a deadline already past;
  both clients on one shared connection; the CONTROL operations ping,
  names and lookup;
- a connection to a CURVE endpoint;
- the envelope a call sends (target, method, type, deadline, priority), read
  by a ROUTER socket of this script that never answers, and the Timeout the
  blocking and the asyncio clients raise when their deadline passes;
- the asyncio clients: many calls in flight on one connection at once;
- types.Echo (idl/types.actor) against a ROUTER of this script that answers
  as a server may: a result with an out-of-band frame, declared and
  undeclared error codes, an unknown category, DIED, TIMEOUT, REJECTED;
- chaos.Worker, a pool of 4 behind key_hash: square and record, blocking
  and concurrent; note, a cast, read back through noted.

Stops both servers with SIGTERM and checks they exit 0. Prints
"N passed, N failed" last.
"""
import asyncio
import math
import os
import signal
import subprocess
import sys
import tempfile
import threading
import time

import msgpack
import zmq

sys.path.insert(0, sys.argv[3] if len(sys.argv) > 3 else ".")
from generated import actor_runtime as rt  # noqa: E402
from generated import calculator as calc  # noqa: E402
from generated import chaos  # noqa: E402
from generated import types  # noqa: E402

passed = failed = 0


def check(what, ok, detail=""):
    global passed, failed
    if ok:
        passed += 1
    else:
        failed += 1
        print("FAIL %s %s" % (what, detail))


def raises(what, exc_class, call):
    """Checks that call() raises exc_class; returns the exception."""
    try:
        got = call()
    except exc_class as e:
        check(what, True)
        return e
    except Exception as e:  # the wrong exception is a failure, with its name
        check(what, False, "raised %r" % e)
        return None
    check(what, False, "returned %r" % (got,))
    return None


# ------------------------------------------------------------- calculator

def run_calculator(endpoint):
    Op, Req = calc.Op, calc.CalcRequest
    with rt.Connection(endpoint) as conn:
        c = calc.CalculatorClient(conn)
        for op, want in [(Op.ADD, 9.0), (Op.SUB, 3.0), (Op.MUL, 18.0), (Op.DIV, 2.0)]:
            got = c.calculate(Req(6.0, 3.0, op))
            check("calculate %s" % op.name, got == calc.CalcResponse(want), got)

        e = raises("DIVIDE_BY_ZERO raises DivideByZero", calc.DivideByZero,
                   lambda: c.calculate(Req(1.0, 0.0, Op.DIV)))
        check("DivideByZero is a CalcError, a BusinessError, an ActorError",
              isinstance(e, calc.CalcError) and isinstance(e, rt.BusinessError)
              and isinstance(e, rt.ActorError))
        check("DivideByZero carries code and message",
              e is not None and e.code == 1 and e.name == "DIVIDE_BY_ZERO" and e.message,
              e and (e.code, e.message))
        raises("nan raises InvalidInput", calc.InvalidInput,
               lambda: c.calculate(Req(math.nan, 1.0)))
        raises("an op this version does not know raises InvalidInput", calc.InvalidInput,
               lambda: c.calculate(Req(1.0, 1.0, 9)))

        check("ping", c.ping() is None)
        check("ping at priority 0", c.ping(priority=0) is None)
        check("calculate at priority 255",
              c.calculate(Req(2.0, 2.0, Op.MUL), priority=255).result == 4.0)
        raises("priority 256 is refused before sending", ValueError, lambda: c.ping(priority=256))
        raises("a deadline already past raises Timeout", rt.Timeout,
               lambda: c.calculate(Req(1.0, 1.0), timeout_ms=0))
        check("the connection still works after a timeout",
              c.calculate(Req(1.0, 1.0)).result == 2.0)
        raises("a CalcRequest only", TypeError, lambda: c.calculate(calc.CalcResponse()))

        counter = calc.CounterClient(conn)
        counts = [counter.reset().count] + [counter.increment().count for _ in range(3)]
        counts.append(counter.decrement().count)
        check("counter on the same connection", counts == [0, 1, 2, 3, 2], counts)
        state = counter.get()
        check("counter.get", isinstance(state, calc.CounterState) and state.count == 2, state)

        raises("an unknown name raises NotFound", rt.NotFound,
               lambda: calc.CalculatorClient(conn, name="nobody").ping())
        check("CONTROL ping", conn.ping(timeout_ms=5000) is None)
        names = {name: (type_name, id_) for name, type_name, id_ in conn.names()}
        check("CONTROL names", names.get("calculator", ("",))[0] == "calc.Calculator"
              and names.get("counter", ("",))[0] == "calc.Counter", names)
        found = conn.lookup("counter")
        check("CONTROL lookup", found == (names.get("counter", (0, 0))[1], "calc.Counter"),
              found)
        raises("CONTROL lookup of a name nobody holds raises NotFound", rt.NotFound,
               lambda: conn.lookup("nobody"))
        raises("another actor type raises NotFound", rt.NotFound,
               lambda: calc.CalculatorClient(conn, name="counter").ping())


async def run_calculator_async(endpoint):
    Op, Req = calc.Op, calc.CalcRequest
    async with calc.AsyncCalculatorClient(endpoint) as c:
        requests = [Req(float(i), 2.0, Op(i % 4)) for i in range(1, 101)]
        results = await asyncio.gather(*(c.calculate(r) for r in requests))
        want = [[r.a + r.b, r.a - r.b, r.a * r.b, r.a / r.b][r.op] for r in requests]
        check("100 asyncio calls in flight at once",
              [r.result for r in results] == want, results[:3])
        outcomes = await asyncio.gather(c.calculate(Req(1.0, 0.0, Op.DIV)), c.ping(),
                                        c.calculate(Req(3.0, 4.0)), return_exceptions=True)
        check("asyncio: an error among concurrent calls",
              isinstance(outcomes[0], calc.DivideByZero) and outcomes[1] is None
              and outcomes[2] == calc.CalcResponse(7.0), outcomes)
        names = [name for name, _, _ in await c.connection.names()]
        check("asyncio CONTROL names", "calculator" in names, names)
        try:
            await c.calculate(Req(1.0, 0.0, Op.DIV))
            check("asyncio DivideByZero", False, "no exception")
        except calc.DivideByZero as e:
            check("asyncio DivideByZero", e.code == 1)


def run_curve(server_program, work):
    """A CURVE endpoint: the client's keys and the server's public key."""
    server_public, server_secret = zmq.curve_keypair()
    client_public, client_secret = zmq.curve_keypair()
    server, endpoint = start([server_program, "--bind", "tcp://127.0.0.1:*",
                              "--state", os.path.join(work, "curve.state"),
                              "--curve-secret-key", server_secret.decode(),
                              "--allow-client", client_public.decode()])
    try:
        curve = (server_public.decode(), client_public, client_secret)
        with rt.Connection(endpoint, curve=curve) as conn:
            got = calc.CalculatorClient(conn).calculate(calc.CalcRequest(2.0, 5.0))
            check("a call over CURVE", got.result == 7.0, got)
    finally:
        stop("calculator-server with CURVE", server)


# --------------------------------------------------------------- deadlines

def run_silent_server():
    """A ROUTER that reads what a call sends and never answers."""
    ctx = zmq.Context.instance()
    router = ctx.socket(zmq.ROUTER)
    router.setsockopt(zmq.LINGER, 0)
    port = router.bind_to_random_port("tcp://127.0.0.1")
    endpoint = "tcp://127.0.0.1:%d" % port
    try:
        c = calc.CalculatorClient(endpoint, name="calc-here")
        start = time.monotonic()
        raises("no answer within timeout_ms raises Timeout", rt.Timeout,
               lambda: c.calculate(calc.CalcRequest(1.0, 2.0), timeout_ms=300, priority=17))
        took = time.monotonic() - start
        check("the Timeout comes at the deadline", 0.25 <= took < 3.0, took)
        raises("Timeout is also a TimeoutError", TimeoutError, lambda: c.ping(timeout_ms=50))
        c.close()

        frames = []
        while router.poll(1000):
            frames.append(router.recv_multipart())
        check("two requests reached the silent server", len(frames) == 2, len(frames))
        if frames:
            env = msgpack.unpackb(frames[0][1], strict_map_key=False)
            want = {1: 1, 2: 1, 5: 17, 6: 300, 7: "calc-here", 9: "calculate",
                    11: "calc.Calculator"}
            check("the envelope of a call", {k: env.get(k) for k in want} == want, env)
            check("the body of a call", calc.CalcRequest.decode(frames[0][2]) ==
                  calc.CalcRequest(1.0, 2.0), frames[0][2])
        if len(frames) > 1:
            env = msgpack.unpackb(frames[1][1], strict_map_key=False)
            check("ping sends its @priority(255) and the given deadline",
                  env.get(5) == 255 and env.get(6) == 50 and frames[1][2] == b"\x80", env)

        async def wait_async():
            async with calc.AsyncCalculatorClient(endpoint) as a:
                try:
                    await a.ping(timeout_ms=200)
                    return None
                except rt.Timeout as e:
                    return e
        check("asyncio: no answer within timeout_ms raises Timeout",
              isinstance(asyncio.run(wait_async()), rt.Timeout))
    finally:
        router.close()


# ------------------------------------------------------------ a fake server

def run_fake_server():
    """A ROUTER of this script answers types.Echo's calls as a server could:
    a result whose bytes travel out of band, a declared error code, one the
    method does not declare, a category this version does not know."""
    blob = bytes(range(256)) * 1024
    ref = b"\xd6\x01\x00\x00\x00\x00"
    answers = [
        ({13: {1: [{2: len(blob)}]}}, b"\x82\x0c\xa2ok\x0d" + ref, [blob]),
        ({12: {1: 1, 2: 2, 3: "too big"}}, b"", []),
        ({12: {1: 1, 2: 9, 3: "not declared"}}, b"", []),
        ({12: {1: 42, 3: "from a newer server"}}, b"", []),
        ({12: {1: 3}}, b"", []),
        ({12: {1: 2, 3: "deadline passed before its turn"}}, b"", []),
        ({12: {1: 4, 3: "mailbox full"}}, b"", []),
    ]
    ctx = zmq.Context.instance()
    router = ctx.socket(zmq.ROUTER)
    router.setsockopt(zmq.LINGER, 0)
    port = router.bind_to_random_port("tcp://127.0.0.1")

    def serve():
        for fields, body, frames in answers:
            if not router.poll(5000):
                return
            peer, env, _ = router.recv_multipart()
            request = msgpack.unpackb(env, strict_map_key=False)
            response = {1: 1, 2: 2, 3: 1, 4: request[3]}
            response.update(fields)
            router.send_multipart([peer, msgpack.packb(response), body] + frames)

    server = threading.Thread(target=serve)
    server.start()
    try:
        with types.EchoClient("tcp://127.0.0.1:%d" % port) as c:
            arg = types.Nested(label="x")
            got = c.echo(arg, timeout_ms=5000)
            check("a result with an out-of-band frame", got.s == "ok" and got.data == blob,
                  (got.s, len(got.data)))
            e = raises("a declared code raises its class", types.TooBig, lambda: c.echo(arg))
            check("its message", e is not None and e.message == "too big")
            e = raises("an undeclared code raises BusinessError", rt.BusinessError,
                       lambda: c.echo(arg))
            check("with its code", e is not None and e.code == 9 and
                  not isinstance(e, types.TypesError), e)
            raises("an unknown category raises Internal", rt.Internal, lambda: c.echo(arg))
            raises("DIED raises Died", rt.Died, lambda: c.nest(arg))
            e = raises("the server's TIMEOUT raises Timeout", rt.Timeout,
                       lambda: c.echo(arg))
            check("with the server's message",
                  e is not None and e.message == "deadline passed before its turn")
            raises("REJECTED raises Rejected", rt.Rejected, lambda: c.ping())
    finally:
        server.join()
        router.close()


# -------------------------------------------------------------------- pool

def run_pool(endpoint):
    with chaos.WorkerClient(endpoint) as w:
        got = w.square(chaos.Job(id=1, x=12, key="a"))
        check("square", got == chaos.Result(id=1, y=144), got)
        got = w.record(chaos.Job(id=2, x=41, key="b"), priority=200)
        check("record at priority 200", got == chaos.Result(id=2, y=42), got)
        results = [w.square(chaos.Job(id=i, x=i - 50, key="k%d" % (i % 7)))
                   for i in range(100)]
        check("100 squares across the pool's keys",
              all(r == chaos.Result(i, (i - 50) ** 2) for i, r in enumerate(results)))

        base = w.noted()
        returned = [w.note(chaos.Job(id=i, x=i, key="n%d" % i), priority=7)
                    for i in range(1, 21)]
        check("a cast returns None", returned == [None] * 20)
        deadline = time.monotonic() + 10
        seen = w.noted()
        while seen.id < base.id + 20 and time.monotonic() < deadline:
            time.sleep(0.02)
            seen = w.noted()
        check("20 casts arrived", seen.id - base.id == 20 and seen.y - base.y == 210,
              (base, seen))


async def run_pool_async(endpoint):
    async with chaos.AsyncWorkerClient(endpoint) as w:
        jobs = [chaos.Job(id=i, x=i, key="key%d" % (i % 13)) for i in range(300)]
        calls = [w.record(j) if j.id % 3 == 0 else w.square(j) for j in jobs]
        results = await asyncio.gather(*calls)
        check("300 asyncio calls in flight across the pool",
              all(r.id == j.id and r.y == (j.x + 1 if j.id % 3 == 0 else j.x * j.x)
                  for j, r in zip(jobs, results)), results[:3])
        await w.note(chaos.Job(id=1, x=1000, key="z"))
        check("an asyncio cast", True)


# ------------------------------------------------------------------ servers

def start(argv):
    server = subprocess.Popen(argv, stdout=subprocess.PIPE, text=True)
    line = server.stdout.readline().strip()
    endpoint = line.rsplit(" ", 1)[-1]
    if not line.startswith("listening on tcp://"):
        server.kill()
        raise RuntimeError("%s did not start: %r" % (argv[0], line))
    return server, endpoint


def stop(name, server):
    server.send_signal(signal.SIGTERM)
    try:
        out, _ = server.communicate(timeout=60)
    except subprocess.TimeoutExpired:
        server.kill()
        out, _ = server.communicate()
    check("%s exits cleanly" % name, server.returncode == 0, (server.returncode, out))


def main():
    if len(sys.argv) != 4:
        sys.stderr.write("usage: clients.py CALCULATOR_SERVER POOL_CHAOS GEN\n")
        return 2
    with tempfile.TemporaryDirectory() as work:
        calc_server, calc_endpoint = start([sys.argv[1], "--bind", "tcp://127.0.0.1:*",
                                            "--state", os.path.join(work, "counter.state")])
        try:
            pool_server, pool_endpoint = start([sys.argv[2], "--serve", "tcp://127.0.0.1:*"])
        except Exception:
            stop("calculator-server", calc_server)
            raise
        try:
            for name, step in [("calculator", lambda: run_calculator(calc_endpoint)),
                               ("calculator asyncio",
                                lambda: asyncio.run(run_calculator_async(calc_endpoint))),
                               ("curve", lambda: run_curve(sys.argv[1], work)),
                               ("deadlines", run_silent_server),
                               ("statuses and frames", run_fake_server),
                               ("pool", lambda: run_pool(pool_endpoint)),
                               ("pool asyncio",
                                lambda: asyncio.run(run_pool_async(pool_endpoint)))]:
                try:
                    step()
                except Exception as e:  # an unexpected exception fails its step only
                    check(name + " without an unexpected exception", False, repr(e))
        finally:
            stop("calculator-server", calc_server)
            stop("pool-chaos --serve", pool_server)
    print("%d passed, %d failed" % (passed, failed))
    return 0 if failed == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
