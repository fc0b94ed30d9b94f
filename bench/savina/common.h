/*
 * bench/savina/common.h - what both sides of the Savina subset share (the
 * actorc/libactor side, ours.c, and the CAF 0.17 side, caf.cpp): the
 * parameters of every benchmark, the command line, the clock, the random
 * numbers, the little computation of the fork-join benchmarks, the expected
 * results the programs check, and the one output format the driver
 * (run.py) reads:
 *
 *     RESULT <side>.<benchmark> <milliseconds> ms
 *
 * one line per run of a benchmark on stdout (--reps lines per benchmark);
 * "CHECK <side>.<benchmark> <what>" says that a run's result was verified,
 * and "PARAMS <benchmark> <text>" lines first say what the parameters are.
 * A wrong result is fatal: the program prints why to stderr and exits 1.
 *
 * Benchmarks (Imam and Sarkar, "Savina - An Actor Benchmark Suite", 2014),
 * by the names used in keys and --only:
 *   pingpong counting fjthroughput fjcreation threadring chameneos big
 *   dictionary bank
 * bench/README.md ("Savina") describes each and its parameters.
 *
 * Used from C (ours.c) and from C++ (caf.cpp).
 */
#ifndef BENCH_SAVINA_COMMON_H
#define BENCH_SAVINA_COMMON_H

#include <stdbool.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Worker threads on both sides (libactor's actor_system_opts.workers,
 * CAF's scheduler.max-threads): this machine's two cores. */
#define SAVINA_WORKERS 2

/* Every benchmark's parameters, named as in Savina's configuration. */
typedef struct savina_params {
    long pingpong_n;         /* pings, each answered by a pong */
    long counting_n;         /* increments sent to the counter */
    long fjthr_actors;       /* fork-join throughput: workers */
    long fjthr_n;            /*   messages each worker takes */
    long fjcreate_n;         /* fork-join creation: actors created, one message each */
    long ring_actors;        /* thread ring: actors in the ring */
    long ring_hops;          /*   hops of the token */
    long cham_creatures;     /* chameneos: creatures */
    long cham_meetings;      /*   meetings at the mall */
    long big_actors;         /* big: actors */
    long big_pings;          /*   pings each actor sends (each answered) */
    long dict_workers;       /* concurrent dictionary: workers */
    long dict_msgs;          /*   requests each worker sends, one at a time */
    long dict_write_pct;     /*   of which writes, in percent */
    long dict_keys;          /*   keys filled in at the start (and the key range) */
    long bank_accounts;      /* bank transaction: accounts */
    long bank_transactions;  /*   transfers the teller asks for */
    long reps;               /* runs of each benchmark per program run */
    bool smoke;              /* tiny parameters: proves that everything runs */
    bool standard;           /* Savina's own parameters */
    const char *only;        /* NULL, or a comma-separated list of benchmarks */
} savina_params;

/* Parses the command line (see savina_usage in common.c) into *p, filled
 * with this machine's scaled parameters first. 0, or -1 after printing a
 * message to stderr. */
int savina_parse_args(int argc, char **argv, savina_params *p);

/* Prints "PARAMS <benchmark> <text>" per benchmark: its parameters. */
void savina_print_params(const savina_params *p);

/* True when `name` is to run (no --only, or listed in it). */
bool savina_selected(const savina_params *p, const char *name);

/* CLOCK_MONOTONIC in nanoseconds. */
int64_t savina_now_ns(void);

/* Prints "RESULT <side>.<name> <ms> ms" for a run of `elapsed_ns`. */
void savina_report(const char *side, const char *name, int64_t elapsed_ns);

/* Prints "CHECK <side>.<name> <what>". */
void savina_checked(const char *side, const char *name, const char *what);

/* Prints "<side>: <name>: <message>" to stderr and exits with status 1. */
void savina_die(const char *side, const char *name, const char *message)
    __attribute__((noreturn));

/* The random numbers of both sides: xorshift64* from a seed (never 0). The
 * same seeds give the same sequences in C and C++, so both sides move the
 * same keys and amounts. */
typedef struct savina_rng {
    uint64_t s;
} savina_rng;

savina_rng savina_rng_seeded(uint64_t seed);
uint64_t savina_rng_next(savina_rng *r);
/* Uniform enough in [0, bound) for bound > 0. */
uint64_t savina_rng_below(savina_rng *r, uint64_t bound);

/* Savina's ThroughputConfig.performComputation(theta): sin(theta)^2,
 * checked positive so that it is not optimized away. `theta` comes from
 * savina_theta(), which the compiler cannot fold. Returns 0, or -1 when
 * the result is not positive (never, for Savina's theta). */
int savina_compute(double theta);
double savina_theta(void);

/* ------------------------------------------------ expected results */

/* The dictionary's contents as a digest: the number of entries and a hash
 * over (key, value) pairs that does not depend on their order. */
typedef struct savina_digest {
    uint64_t entries;
    uint64_t hash;
} savina_digest;

/* The term of one entry in the digest's hash (summed over all entries). */
uint64_t savina_entry_hash(uint64_t key, uint64_t value);

/* The value the dictionary starts with for key k < dict_keys. */
uint64_t savina_dict_initial(uint64_t key);

/* One request of a dictionary worker: its `i`th, drawn from its rng. Keys
 * that a worker writes are its own (key % workers == worker), so the final
 * contents do not depend on how the workers interleave. */
typedef struct savina_dict_op {
    bool write;
    uint64_t key;
    uint64_t value;
} savina_dict_op;

savina_rng savina_dict_rng(long worker);
savina_dict_op savina_dict_next(savina_rng *r, const savina_params *p, long worker, long i);

/* What the dictionary holds after every worker's requests. */
savina_digest savina_dict_expected(const savina_params *p);

/* The bank: each account's opening balance, and the teller's transfers
 * (source != destination), drawn from one rng. */
#define SAVINA_BANK_OPENING 1000000
#define SAVINA_BANK_MAX_AMOUNT 1000
typedef struct savina_transfer {
    long from;
    long to;
    int64_t amount;
} savina_transfer;

savina_rng savina_bank_rng(void);
savina_transfer savina_bank_next(savina_rng *r, const savina_params *p);

/* The dictionary's table, the same code on both sides: open addressing
 * with linear probing over a power-of-two array, never shrinking.
 * savina_table_init allocates room for `expected` entries (0, or -1 when
 * out of memory); savina_table_fini frees it. */
typedef struct savina_table {
    uint64_t *keys;   /* key + 1; 0: empty */
    uint64_t *values;
    uint64_t mask;    /* slots - 1 */
    uint64_t entries;
} savina_table;

int savina_table_init(savina_table *t, uint64_t expected);
void savina_table_fini(savina_table *t);
/* Sets key to value: 0, or -1 when the table is full (it is sized for the
 * dictionary's key range, which never fills it). */
int savina_table_put(savina_table *t, uint64_t key, uint64_t value);
/* The value of key, or 0 when absent. */
uint64_t savina_table_get(const savina_table *t, uint64_t key);
/* The table's contents as a digest. */
savina_digest savina_table_digest(const savina_table *t);
/* A table holding savina_dict_initial(k) for every k < dict_keys. */
int savina_table_fill(savina_table *t, const savina_params *p);

/* Big: the seed of actor i's choice of whom to ping. */
savina_rng savina_big_rng(long actor);

/* Chameneos: the colour two creatures of colours a and b take on meeting
 * (the same when equal, else the third), and creature i's first colour. */
enum { SAVINA_RED = 0, SAVINA_YELLOW = 1, SAVINA_BLUE = 2, SAVINA_FADED = 3 };
int savina_complement(int a, int b);
int savina_first_colour(long creature);

#ifdef __cplusplus
}
#endif

#endif /* BENCH_SAVINA_COMMON_H */
