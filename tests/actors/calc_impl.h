/*
 * tests/actors/calc_impl.h - handler tables of the test schema's actors
 * (tests/actors/calc.actor), written against the generated stubs the way a
 * user would, shared by the stub tests.
 *
 * calc.Calculator: state from a calc_config (borrowed until init has run);
 * counts its cleanups in the config's counter. calc.Frontend: forwards to a
 * Calculator with typed requests and deferred replies.
 */
#ifndef TESTS_ACTORS_CALC_IMPL_H
#define TESTS_ACTORS_CALC_IMPL_H

#include <stdatomic.h>

#include "calc.h"

/* The spawn argument of a Calculator. */
typedef struct calc_config {
    double start;         /* initial running total */
    bool fail_init;       /* init returns ACTOR_EINVAL */
    bool unhealthy;       /* health reports "overheated" */
    atomic_int *cleanups; /* incremented by cleanup; may be NULL */
} calc_config;

/* The spawn argument of a Frontend: its backend Calculator. */
typedef struct frontend_config {
    actor_ref backend;
} frontend_config;

/* Continuations of Frontends that got a state other than their own. */
extern atomic_int frontend_bad_states;

/* Every handler of calc.Calculator except `missing`. */
extern const calc_Calculator_handlers calculator_handlers;
/* calc.Calculator with only `calculate` (and no hooks). */
extern const calc_Calculator_handlers calculate_only_handlers;
extern const calc_Frontend_handlers frontend_handlers;

#endif
