#!/usr/bin/env python3
"""Savina subset: runs the CAF 0.17 and the libactor programs interleaved
and prints one table of median run times and ratios (ours / CAF).

Each round runs bench-savina-caf, then bench-savina-ours (the order flips
every round, so neither side always runs on a machine warmed by the
other); each program runs every benchmark --reps times (common.c: 2) and
prints "RESULT side.name ms ms" per run and "CHECK side.name what" when a
run's result was verified. The table shows, per benchmark, the median over
all runs of all rounds, the spread, and the ratio of the medians.

--smoke: one round with tiny parameters; passes when both programs exit 0
(each checks its own results and fails on a wrong one) and every benchmark
has a figure and a check on each side. No timing is asserted.
"""
import argparse
import math
import os
import statistics
import subprocess
import sys

# Each benchmark (bench/README.md says what it does) and its goal on
# ours / CAF (run times: lower is better). Where message passing
# dominates, at least 2x faster (ratio <= 0.5); elsewhere at or below
# CAF's time (ratio <= 1.0).
BENCHMARKS = [
    ("pingpong", 0.5),
    ("counting", 0.5),
    ("fjthroughput", 1.0),
    ("fjcreation", 1.0),
    ("threadring", 0.5),
    ("chameneos", 1.0),
    ("big", 0.5),
    ("dictionary", 1.0),
    ("bank", 1.0),
]

PROGRAMS = [("caf", "bench-savina-caf"), ("ours", "bench-savina-ours")]


def parse_output(text, params):
    """{key: [ms, ...]} from RESULT lines and the set of CHECK keys; PARAMS
    lines go into params {benchmark: text}."""
    results, checks = {}, set()
    for line in text.splitlines():
        parts = line.split()
        if len(parts) == 4 and parts[0] == "RESULT" and parts[3] == "ms":
            results.setdefault(parts[1], []).append(float(parts[2]))
        elif len(parts) >= 2 and parts[0] == "CHECK":
            checks.add(parts[1])
        elif len(parts) >= 3 and parts[0] == "PARAMS":
            params[parts[1]] = " ".join(parts[2:])
    return results, checks


def run_program(path, extra, timeout, params):
    """Runs one program; returns (results, checks, error or None)."""
    try:
        proc = subprocess.run([path] + extra, capture_output=True, text=True,
                              timeout=timeout)
    except subprocess.TimeoutExpired:
        return {}, set(), f"no answer after {timeout}s"
    results, checks = parse_output(proc.stdout, params)
    if proc.returncode != 0:
        tail = proc.stderr.strip().splitlines()[-3:]
        return results, checks, f"exit {proc.returncode}: " + " | ".join(tail)
    return results, checks, None


def fmt_ms(v):
    if v is None:
        return "n/a"
    return f"{v:.1f} ms" if v >= 10 else f"{v:.2f} ms"


def spread(vals):
    if not vals or len(vals) < 2:
        return ""
    return f"{min(vals):.0f}..{max(vals):.0f}" if min(vals) >= 10 else \
        f"{min(vals):.2f}..{max(vals):.2f}"


def print_table(values, skipped, params):
    head = ["benchmark", "parameters", "CAF (median)", "min..max",
            "ours (median)", "min..max", "ratio", "goal", ""]
    rows = []
    for name, goal in BENCHMARKS:
        caf = values.get(f"caf.{name}")
        ours = values.get(f"ours.{name}")
        cm = statistics.median(caf) if caf else None
        om = statistics.median(ours) if ours else None
        ratio = om / cm if cm and om is not None else None
        verdict = "" if ratio is None else ("PASS" if ratio <= goal else "MISS")
        rows.append([name, params.get(name, ""),
                     fmt_ms(cm) if cm is not None else
                     ("skipped" if "caf" in skipped else "n/a"),
                     spread(caf), fmt_ms(om), spread(ours),
                     f"{ratio:.2f}" if ratio is not None else "",
                     f"<= {goal:.2f}", verdict])
    widths = [max(len(r[i]) for r in rows + [head]) for i in range(len(head))]
    print(" | ".join(h.ljust(w) for h, w in zip(head, widths)).rstrip())
    print("-+-".join("-" * w for w in widths))
    for r in rows:
        print(" | ".join(c.ljust(w) for c, w in zip(r, widths)).rstrip())


def smoke_check(values, checks, skipped):
    problems = []
    if "ours" in skipped:
        problems.append(f"ours: {skipped['ours']}")
    for side, _ in PROGRAMS:
        if side in skipped:
            continue
        for name, _ in BENCHMARKS:
            key = f"{side}.{name}"
            vals = values.get(key)
            if not vals:
                problems.append(f"{key}: no figure")
            elif any(not math.isfinite(v) or v <= 0 for v in vals):
                problems.append(f"{key}: {vals}")
            if key not in checks:
                problems.append(f"{key}: its result was not checked")
    return problems


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--bin", default="build/bench/savina",
                    help="where the programs are")
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--smoke", action="store_true")
    ap.add_argument("--skip-caf", metavar="REASON",
                    help="the CAF side was not built, and why")
    args, extra = ap.parse_known_args()
    rounds = 1 if args.smoke else args.rounds
    if args.smoke:
        extra = ["--smoke"] + extra
    timeout = 120 if args.smoke else 600
    skipped = {}
    if args.skip_caf:
        skipped["caf"] = args.skip_caf
    values, checks, errors, params = {}, set(), [], {}
    for rnd in range(rounds):
        order = PROGRAMS if rnd % 2 == 0 else list(reversed(PROGRAMS))
        for side, prog in order:
            if side in skipped:
                continue
            path = os.path.join(args.bin, prog)
            if not os.access(path, os.X_OK):
                skipped[side] = f"{path} not built"
                continue
            print(f"round {rnd + 1}/{rounds}: {prog}", file=sys.stderr, flush=True)
            side_params = params.setdefault(side, {})
            results, got_checks, err = run_program(path, extra, timeout, side_params)
            for key, vals in results.items():
                values.setdefault(key, []).extend(vals)
            checks |= got_checks
            if err:
                errors.append(f"{prog}: {err}")
    for side, why in skipped.items():
        print(f"{side} side skipped: {why}")
    print(f"Savina subset: medians of every run over {rounds} round(s); "
          f"options: {' '.join(extra) or 'defaults (scaled parameters, 2 runs each)'}")
    print("ratio = ours / CAF (run time, lower is better); goal: <= 0.50 "
          "(2x faster) where message passing dominates, else <= 1.00")
    print()
    shown = params.get("ours") or params.get("caf") or {}
    if params.get("ours") and params.get("caf") and params["ours"] != params["caf"]:
        errors.append("the two sides ran with different parameters: "
                      f"{params['caf']} against {params['ours']}")
    print_table(values, skipped, shown)
    for e in errors:
        print(f"error: {e}")
    if args.smoke:
        problems = smoke_check(values, checks, skipped)
        for p in problems:
            print(f"smoke: {p}")
        ok = not problems and not errors
        ran = [side for side, _ in PROGRAMS if side not in skipped]
        print("smoke: " + (f"every benchmark ran and checked its result ({', '.join(ran)})"
                           if ok else "FAILED"))
        return 0 if ok else 1
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
