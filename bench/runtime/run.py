#!/usr/bin/env python3
"""bench/runtime/run.py - the runtime benchmark's driver (issue 3 point 9).

Runs every benchmark program --runs times (default 5), the programs
interleaved within each round so that load elsewhere on the machine hits
anchors and ours alike, takes the median of each figure and prints one
table: each anchor beside the libactor figure it is compared with, the
ratio ours/anchor and the issue's goal.

Programs (in --bin, built by bench/runtime/build.mk) print lines
"RESULT <key> <value> <unit>" (see common.h):
  bench-rt-zmq   zmq.* and cv.* (raw libzmq, mutex+condvar)
  bench-rt-caf   caf.*          (CAF 0.17; may be missing: --skip-caf says why)
  bench-rt-ours  ours.*         (libactor; ours.c)
  bench-rt-pool  ours.pool.*, ours.restart.* (libactor's pools; pool.c)
  bench-rt-blob  zmq.blob.*, ours.blob.* (large payloads; blob.c)
Options not listed below (--n, --pipe-n, --req-bytes, ...) are passed to
every program. --smoke: one round with tiny counts; checks that every
anchor ran and returned sane figures (exit 1 otherwise); asserts no timing.
"""

import argparse
import math
import os
import statistics
import subprocess
import sys
from dataclasses import dataclass
from typing import Optional

NOT_BUILT = "n/a (runtime not built yet)"


@dataclass
class Row:
    anchor: str                 # the anchor's key
    what: str                   # what the anchor measures
    ours: Optional[str]         # the libactor figure compared with it
    goal: Optional[str] = None  # "<=" (lower is better) or ">=" on ours/anchor
    factor: float = 1.0         # the goal's bound on ours/anchor
    issue: Optional[float] = None  # the issue's figure for this machine


# The issue's goals, anchor by anchor. Ratio = ours / anchor, for latencies
# (lower is better: goal "<=") and rates (higher is better: goal ">=").
ROWS = [
    Row("caf.then.local", "CAF request().then(), actor->actor, 1 process",
        "ours.then.local", "<=", 1.0, 1.1),
    Row("caf.then.local.pipe", "  same, 1000 outstanding",
        "ours.then.local.pipe", ">=", 1.0, 1.3e6),
    Row("zmq.rtt.inproc", "raw DEALER/ROUTER echo, inproc, 2 threads",
        "ours.call.local", "<=", 1.1, 67),
    Row("caf.blocking.local", "CAF scoped_actor request().receive()",
        "ours.call.local", None, 1.0, 82),
    Row("cv.pingpong", "mutex+condvar ping-pong, 2 threads",
        "ours.call.local", None, 1.0, 54),
    Row("cv.pingpong.1cpu", "  same, both threads pinned to one CPU",
        None, None, 1.0, 4.3),
    Row("cv.pingpong.2cpu", "  same, pinned to two different CPUs",
        None, None, 1.0, 54),
    Row("zmq.rtt.ipc", "raw DEALER/ROUTER echo, ipc, 2 processes",
        "ours.call.ipc", "<=", 1.2, 94),
    Row("zmq.rtt.tcp", "raw DEALER/ROUTER echo, tcp loopback, 2 proc.",
        "ours.call.tcp", "<=", 1.2, 83),
    Row("caf.then.remote", "CAF remote actor request().then(), tcp",
        "ours.call.tcp", "<=", 1 / 3, 295),
    Row("caf.blocking.remote", "CAF remote, scoped_actor request().receive()",
        "ours.call.tcp", None, 1.0, None),
    Row("zmq.pipe.inproc", "raw DEALER/ROUTER, 1000 outstanding, inproc",
        "ours.then.local.pipe", None, 1.0, 2.9e6),
    Row("zmq.pipe.ipc", "  same, ipc, 2 processes",
        "ours.pipe.ipc", ">=", 0.6, None),
    Row("zmq.pipe.tcp", "  same, tcp loopback, 2 processes",
        "ours.pipe.tcp", ">=", 0.6, 1.4e6),
    Row("zmq.pipe.tcp", "  same; ours with packing off (wire_batch 1)",
        "ours.pipe.tcp.unpacked", None, 1.0, None),
    Row("ours.pipe.tcp.unpacked", "ours, one call per message (wire_batch 1)",
        "ours.pipe.tcp", ">=", 1.5, None),
    Row("caf.then.remote.pipe", "CAF remote request().then(), 1000 outst.",
        "ours.pipe.tcp", ">=", 3.0, 118e3),
    Row("caf.cast.actor", "CAF send(), actor->actor one-way",
        "ours.cast.actor", ">=", 1.0, None),
    Row("caf.cast.thread", "CAF anon_send() from a plain thread",
        "ours.cast.thread", ">=", 1.0, None),
    Row("zmq.push.inproc", "raw PUSH/PULL one-way, inproc, 2 threads",
        "ours.cast.thread", None, 1.0, None),
    # Pools and restarts (bench-rt-pool, pool.c): most anchors are our own
    # figures in the same run; CAF's actor_pool beside them.
    Row("ours.pool.cpu.1", "pool of 1, ~20 us of CPU per request, 64 outst.",
        "ours.pool.cpu.2", ">=", 1.5, None),
    Row("caf.pool.cpu.1", "CAF actor_pool of 1 worker, the same work",
        "caf.pool.cpu.2", None, 1.0, None),
    Row("caf.pool.cpu.2", "CAF actor_pool of 2 workers, the same work",
        "ours.pool.cpu.2", None, 1.0, None),
    Row("ours.pool.uneven.rr.p99", "p99, 1 request in 200 costs 5 ms, round robin",
        "ours.pool.uneven.ll.p99", "<=", 0.5, None),
    Row("ours.pool.alone.call", "blocking call to an actor spawned alone",
        "ours.pool.one.call", "<=", 1.1, None),
    Row("ours.restart.budget", "50 ms + the backoff (10 ms, jitter to x1.5)",
        "ours.restart.thread", "<=", 1.0, None),
    Row("ours.restart.budget", "  crash to serving again, process isolation",
        "ours.restart.process", "<=", 1.0, None),
    # The queue service (bench-rt-queue, queue.c): batches against one item
    # per call, in the same run.
    Row("ours.queue.one", "queue: put, get one item per call, 2 threads",
        "ours.queue.batch", ">=", 3.0, None),
    # Large payloads across processes (bench-rt-blob): raw libzmq anchors
    # and libactor in the same run; each side's peak memory in blob sizes.
    Row("zmq.blob.1m", "1 MiB blob round trip, raw libzmq, tcp, 2 proc.",
        "ours.blob.1m", "<=", 1.2, None),
    Row("zmq.blob.64m", "  same, 64 MiB",
        "ours.blob.64m", "<=", 1.2, None),
    Row("ours.blob.copies.budget", "64 MiB: sender's peak memory, in blobs",
        "ours.blob.64m.send_copies", "<=", 1.1, None),
    Row("ours.blob.copies.budget", "  receiver's (the received bytes: 1)",
        "ours.blob.64m.recv_copies", "<=", 1.1, None),
    Row("zmq.blob.64m.send_copies", "  raw libzmq's sender, for comparison",
        None, None, 1.0, None),
    Row("zmq.blob.64m.recv_copies", "  raw libzmq's receiver",
        None, None, 1.0, None),
    # Many actors (bench-rt-scale): 1M spawned, one message each, all ended.
    Row("ours.scale.round", "1M actors spawned, messaged once, ended",
        None, None, 1.0, None),
    Row("ours.scale.rss", "  peak resident memory per actor in it",
        None, None, 1.0, None),
]

PROGRAMS = [("zmq", "bench-rt-zmq"), ("caf", "bench-rt-caf"),
            ("ours", "bench-rt-ours"), ("pool", "bench-rt-pool"),
            ("queue", "bench-rt-queue"), ("scale", "bench-rt-scale"),
            ("blob", "bench-rt-blob")]


def parse_output(text):
    """{key: (value, unit)} from RESULT lines, and the NOTE lines."""
    results, notes = {}, []
    for line in text.splitlines():
        parts = line.split()
        if len(parts) == 4 and parts[0] == "RESULT":
            results[parts[1]] = (float(parts[2]), parts[3])
        elif line.startswith("NOTE "):
            notes.append(line[5:])
    return results, notes


def run_program(path, extra, timeout):
    """Runs one program; returns (results, notes, error or None)."""
    try:
        proc = subprocess.run([path] + extra, capture_output=True, text=True,
                              timeout=timeout)
    except subprocess.TimeoutExpired:
        return {}, [], f"no answer after {timeout}s"
    results, notes = parse_output(proc.stdout)
    if proc.returncode != 0:
        tail = proc.stderr.strip().splitlines()[-3:]
        return results, notes, f"exit {proc.returncode}: " + " | ".join(tail)
    return results, notes, None


def fmt_value(value, unit):
    if value is None:
        return "n/a"
    if unit.endswith("/s"):
        if value >= 1e6:
            return f"{value / 1e6:.2f}M {unit}"
        return f"{value / 1e3:.0f}k {unit}"
    return f"{value:.1f} {unit}" if value >= 10 else f"{value:.2f} {unit}"


def fmt_goal(row):
    if row.goal is None:
        return "info"
    return f"{row.goal} {row.factor:.2f}"


def verdict(row, ratio):
    if row.goal is None or ratio is None:
        return ""
    ok = ratio <= row.factor if row.goal == "<=" else ratio >= row.factor
    return "PASS" if ok else "MISS"


class Figures:
    """Every value seen per key, over the rounds."""

    def __init__(self):
        self.values, self.units = {}, {}

    def add(self, results):
        for key, (value, unit) in results.items():
            self.values.setdefault(key, []).append(value)
            self.units[key] = unit

    def median(self, key):
        vals = self.values.get(key)
        return statistics.median(vals) if vals else None

    def spread(self, key):
        vals = self.values.get(key)
        if not vals or len(vals) < 2:
            return ""
        unit = self.units[key]
        return f"{fmt_value(min(vals), unit).split()[0]}..{fmt_value(max(vals), unit).split()[0]}"


def print_table(figs, ours_note):
    head = ["anchor", "what it measures", "anchor (median)", "min..max",
            "p99", "issue", "ours", "ratio", "goal", ""]
    lines = []
    for row in ROWS:
        unit = figs.units.get(row.anchor, "")
        anchor = figs.median(row.anchor)
        p99 = figs.median(row.anchor + ".p99")
        ours = figs.median(row.ours) if row.ours else None
        ratio = ours / anchor if ours is not None and anchor else None
        if row.ours is None:
            ours_text = ""
        elif ours is None:
            ours_text = ours_note
        else:
            ours_text = f"{fmt_value(ours, figs.units[row.ours])} ({row.ours})"
        lines.append([
            row.anchor, row.what,
            fmt_value(anchor, unit) if anchor is not None else "skipped",
            figs.spread(row.anchor),
            fmt_value(p99, "us") if p99 is not None else "",
            fmt_value(row.issue, unit) if row.issue is not None and unit else "",
            ours_text,
            f"{ratio:.2f}" if ratio is not None else "",
            fmt_goal(row), verdict(row, ratio)])
    widths = [max(len(x[i]) for x in lines + [head]) for i in range(len(head))]
    print(" | ".join(h.ljust(w) for h, w in zip(head, widths)).rstrip())
    print("-+-".join("-" * w for w in widths))
    for cells in lines:
        print(" | ".join(c.ljust(w) for c, w in zip(cells, widths)).rstrip())


def print_regime_note(figs):
    """Says which wake-up regime the run was in. On this 2-vCPU machine
    waking a thread on the other vCPU costs ~50-70 us (cv.pingpong.2cpu),
    while two threads the kernel keeps on one vCPU hand over in ~3-4 us
    (cv.pingpong.1cpu); where the kernel puts them varies from run to run,
    and every cross-thread figure moves with it."""
    free = figs.median("cv.pingpong")
    one, two = figs.median("cv.pingpong.1cpu"), figs.median("cv.pingpong.2cpu")
    if free is None or one is None or two is None:
        return
    regime = ("ONE CPU (cheap hand-overs)" if abs(free - one) < abs(free - two)
              else "TWO CPUs (the issue's regime)")
    print(f"note: wake-up regime: free ping-pong {free:.1f} us, one CPU {one:.1f} us, "
          f"two CPUs {two:.1f} us: this run's threads mostly ran on {regime}. "
          "Cross-thread figures (zmq.rtt.inproc, cv.*, *.blocking.*) depend on it; "
          "compare ratios from the same run, not microseconds across runs.")


def sane(key, value, unit):
    """Why a smoke figure is not sane, or None."""
    if not math.isfinite(value) or value <= 0:
        return f"{key} = {value}"
    if unit == "us" and value > 1e6:
        return f"{key} = {value} us: over a second"
    if unit.endswith("/s") and value < 10:
        return f"{key} = {value} {unit}: under 10/s"
    return None


def smoke_check(figs, skipped):
    """Every anchor ran (unless its program was skipped) and is sane."""
    problems = []
    for row in ROWS:
        prog = row.anchor.split(".")[0]
        if prog in skipped:
            continue
        for key in (row.anchor,):
            if figs.median(key) is None:
                problems.append(f"{key}: no figure")
    for key, vals in figs.values.items():
        for v in vals:
            why = sane(key, v, figs.units[key])
            if why:
                problems.append(why)
        p99 = figs.median(key + ".p99")
        if p99 is not None and p99 < figs.median(key):
            problems.append(f"{key}: p99 {p99} below the median")
    return problems


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--bin", default="build/bench/runtime",
                    help="where the programs are")
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--smoke", action="store_true")
    ap.add_argument("--skip-caf", metavar="REASON",
                    help="CAF anchors were not built, and why")
    args, extra = ap.parse_known_args()
    runs = 1 if args.smoke else args.runs
    if args.smoke:
        extra = ["--smoke"] + extra
    timeout = 120 if args.smoke else 900
    skipped = {}
    if args.skip_caf:
        skipped["caf"] = args.skip_caf
    figs, errors, ours_note, ours_notes = Figures(), [], NOT_BUILT, []
    for rnd in range(runs):
        for name, prog in PROGRAMS:
            if name in skipped:
                continue
            path = os.path.join(args.bin, prog)
            if not os.access(path, os.X_OK):
                skipped[name] = f"{path} not built"
                continue
            print(f"round {rnd + 1}/{runs}: {prog}", file=sys.stderr, flush=True)
            results, notes, err = run_program(path, extra, timeout)
            figs.add(results)
            if err:
                errors.append(f"{prog}: {err}")
            if name in ("ours", "pool") and rnd == 0:
                ours_notes += notes
    if "caf" in skipped:
        print(f"CAF anchors skipped: {skipped['caf']}")
    if any(k.startswith("ours.") for k in figs.values):
        ours_note = "n/a (not measured yet)"
        for n in ours_notes:
            print(f"note: {n}")
    elif ours_notes:
        print("note: bench-rt-ours measures nothing yet: fill the stubs in "
              "bench/runtime/ours.c")
    print(f"runtime benchmark: medians of {runs} run(s); payload: "
          f"{' '.join(extra) or 'defaults (request 32 B, reply 16 B, 1000 outstanding)'}")
    print("ratio = ours / anchor; goal from issue 3 point 9: '<= x' for times, "
          "'>= x' for rates; 'issue' = the figure recorded on this machine")
    print()
    print_table(figs, ours_note)
    print_regime_note(figs)
    for e in errors:
        print(f"error: {e}")
    if args.smoke:
        problems = smoke_check(figs, skipped)
        for p in problems:
            print(f"smoke: {p}")
        ok = not problems and not errors
        print("smoke: " + ("every anchor ran and returned sane figures" if ok
                           else "FAILED"))
        return 0 if ok else 1
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
