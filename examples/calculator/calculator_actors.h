/*
 * calculator_actors.h - the handlers of calc.Calculator and calc.Counter
 * (calculator.actor), shared by the example's programs and its test.
 *
 * Spawn them with the generated functions:
 *
 *   calc_Calculator_spawn(sys, &calculator_handlers, NULL, NULL, &calc);
 *   calc_Counter_spawn(sys, &counter_handlers, "counter.state", NULL, &counter);
 */
#ifndef CALCULATOR_ACTORS_H
#define CALCULATOR_ACTORS_H

#include "calculator.h"

/* A counter writes its state file after this many updates (and at cleanup). */
#define COUNTER_PERSIST_EVERY 100

/* calc.Calculator: no state, so no spawn argument (pass NULL). */
extern const calc_Calculator_handlers calculator_handlers;

/* calc.Counter: the spawn argument is the path of its state file (a
 * const char *, copied by init, so it need only live until the first call
 * returns). A missing file starts the counter at 0; a file that cannot be
 * read or decoded makes init fail (the actor terminates). */
extern const calc_Counter_handlers counter_handlers;

/* Reads the state file at `path` into *state, which the caller then owns
 * (calc_CounterState_free). ACTOR_ENOTFOUND when there is no such file,
 * ACTOR_ESYSTEM when it cannot be read, or the decoder's error. */
int counter_state_load(const char *path, calc_CounterState *state);

/* Writes *state (borrowed) to `path` atomically (a temporary file renamed
 * over it). 0, ACTOR_ESYSTEM or the encoder's error. */
int counter_state_save(const char *path, const calc_CounterState *state);

#endif /* CALCULATOR_ACTORS_H */
