/*
 * bench/runtime/condvar.h - the mutex+condvar ping-pong anchors: what one
 * wake-up of another thread costs on this machine, the bound of any design
 * that hands a message to another thread.
 */
#ifndef BENCH_RUNTIME_CONDVAR_H
#define BENCH_RUNTIME_CONDVAR_H

#include "common.h"

/* Runs the selected ones of cv.pingpong (two threads, wherever the kernel
 * puts them), cv.pingpong.1cpu (both pinned to one CPU) and
 * cv.pingpong.2cpu (pinned to two different CPUs; skipped with one CPU),
 * reporting the median and p99 round trip (us). */
void condvar_run_anchors(const bench_params *p);

#endif /* BENCH_RUNTIME_CONDVAR_H */
