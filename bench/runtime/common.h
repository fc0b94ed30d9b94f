/*
 * bench/runtime/common.h - what every runtime-benchmark program shares: the
 * command line (message counts, payload sizes, outstanding requests), a
 * monotonic clock, latency statistics, and the one output format the driver
 * (run.py) reads:
 *
 *     RESULT <key> <value> <unit>
 *
 * one line per figure on stdout; anything else a program prints goes to
 * stderr, except "NOTE <text>" lines, which the driver shows as they are.
 * Keys are fixed names (zmq.rtt.ipc, caf.then.local, ours.call.tcp, ...);
 * run.py's table pairs our keys with the anchors' keys.
 *
 * Used from C (zmq.c, condvar.c, ours.c) and from C++ (caf.cpp).
 */
#ifndef BENCH_RUNTIME_COMMON_H
#define BENCH_RUNTIME_COMMON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* The workload, the same for every program so that figures compare. */
typedef struct bench_params {
    long n;            /* timed round trips per latency figure */
    long warmup;       /* untimed round trips before them */
    long pipe_n;       /* requests per pipelined-throughput figure */
    long cast_n;       /* messages per one-way-rate figure */
    long remote_n;     /* timed round trips per cross-process CAF figure */
    long outstanding;  /* requests in flight in the pipelined figures */
    size_t req_bytes;  /* request payload (and one-way message) size */
    size_t rep_bytes;  /* reply payload size */
    bool smoke;        /* tiny counts: proves that everything runs */
    const char *only;  /* NULL, or run only figures whose key starts with this */
} bench_params;

/* Parses the options shared by all programs (see bench_usage); fills *p with
 * the defaults first. Returns 0, or -1 after printing a message to stderr. */
int bench_parse_args(int argc, char **argv, bench_params *p);

/* True when the figure `key` is wanted (no --only, or key starts with it). */
bool bench_selected(const bench_params *p, const char *key);

/* CLOCK_MONOTONIC in nanoseconds. */
int64_t bench_now_ns(void);

/* Sorts ns[0..n) in place and returns its q-quantile (0 <= q <= 1) in ns
 * (nearest rank). n must be > 0. */
double bench_quantile_ns(int64_t *ns, size_t n, double q);

/* Prints "RESULT key value unit". */
void bench_report(const char *key, double value, const char *unit);

/* Reports round-trip samples ns[0..n) (sorted in place) as `key` (median,
 * us) and `key`.p99 (us). */
void bench_report_latency(const char *key, int64_t *ns, size_t n);

/* Reports `count` operations in `elapsed_ns` as `key` in `unit`/s. */
void bench_report_rate(const char *key, long count, int64_t elapsed_ns, const char *unit);

/* A payload of `len` bytes filled with `fill`; the caller frees it. Exits
 * the program when out of memory (a benchmark has no recovery to offer). */
char *bench_payload(size_t len, char fill);

/* Prints "name: message" to stderr and exits with status 1. */
void bench_die(const char *name, const char *message) __attribute__((noreturn));

#ifdef __cplusplus
}
#endif

#endif /* BENCH_RUNTIME_COMMON_H */
