/*
 * calculator_calls.h - the calls the example makes, the same whether the
 * actors run in this process or behind a tcp endpoint: each function
 * prints what it does, compares every result with the expected one and
 * returns the number of mismatches (0: all as expected). `c` is borrowed
 * and used from the calling thread only.
 */
#ifndef CALCULATOR_CALLS_H
#define CALCULATOR_CALLS_H

#include "calculator.h"

/* Starts a system (all defaults) and a client for the calling thread; on
 * failure prints why and leaves nothing behind. The caller destroys *c,
 * then *sys. 0, or the failing call's negative code. */
int calls_start(actor_system **sys, actor_client **c);

/* Whether the calculator answers at all (worth going on). */
int calls_ping(actor_client *c, actor_ref calc);

/* Synchronous calculations, both business errors among them. */
int calls_calculate(actor_client *c, actor_ref calc);

/* Asynchronous calculations: all sent at once, their replies collected. */
int calls_calculate_async(actor_client *c, actor_ref calc);

/* Checks that the counter stands at `expect`, increments it `n` times and
 * decrements it once (stopping at the first failed call); *count receives
 * the final count. */
int calls_count(actor_client *c, actor_ref counter, int64_t expect, int n, int64_t *count);

/* Prints a counter's state under `title`. */
void calls_print_state(const char *title, const calc_CounterState *st);

#endif /* CALCULATOR_CALLS_H */
