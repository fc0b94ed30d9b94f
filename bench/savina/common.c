/*
 * bench/savina/common.c - parameters, command line, clock, random numbers
 * and expected results of the Savina subset (see common.h).
 */
#include "common.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static const char *const savina_prog = "savina";

/* Savina's own parameters (its benchmarks' default configurations). */
static const savina_params savina_standard = {
    .pingpong_n = 40000,
    .counting_n = 1000000,
    .fjthr_actors = 60,
    .fjthr_n = 10000,
    .fjcreate_n = 40000,
    .ring_actors = 100,
    .ring_hops = 100000,
    .cham_creatures = 100,
    .cham_meetings = 200000,
    .big_actors = 120,
    .big_pings = 20000,
    .dict_workers = 20,
    .dict_msgs = 10000,
    .dict_write_pct = 10,
    .dict_keys = 524287, /* Savina's DATA_LIMIT: Integer.MAX_VALUE / 4096 */
    .bank_accounts = 1000,
    .bank_transactions = 50000,
    .reps = 1,
};

/* Scaled to this machine (2 cores, shared): Savina's own parameters
 * except where a run would be too short to time (ping-pong, thread ring:
 * 5x the messages) or dominated by filling the dictionary (65,536 keys
 * instead of 524,287), so that `make bench-savina` (5 rounds of both
 * programs, 2 runs of each benchmark each) stays well under 3 minutes.
 * bench/README.md ("Savina") lists them. */
static const savina_params savina_scaled = {
    .pingpong_n = 200000,
    .counting_n = 1000000,
    .fjthr_actors = 60,
    .fjthr_n = 10000,
    .fjcreate_n = 40000,
    .ring_actors = 100,
    .ring_hops = 500000,
    .cham_creatures = 100,
    .cham_meetings = 200000,
    .big_actors = 120,
    .big_pings = 20000,
    .dict_workers = 20,
    .dict_msgs = 10000,
    .dict_write_pct = 10,
    .dict_keys = 65536,
    .bank_accounts = 1000,
    .bank_transactions = 50000,
    .reps = 2,
};

/* Tiny: every benchmark runs in a few milliseconds, sanitized too. */
static const savina_params savina_smoke = {
    .pingpong_n = 1000,
    .counting_n = 20000,
    .fjthr_actors = 8,
    .fjthr_n = 200,
    .fjcreate_n = 500,
    .ring_actors = 10,
    .ring_hops = 2000,
    .cham_creatures = 10,
    .cham_meetings = 2000,
    .big_actors = 10,
    .big_pings = 200,
    .dict_workers = 4,
    .dict_msgs = 500,
    .dict_write_pct = 10,
    .dict_keys = 1024,
    .bank_accounts = 20,
    .bank_transactions = 1000,
    .reps = 1,
    .smoke = true,
};

static void savina_usage(const char *prog)
{
    fprintf(stderr,
            "usage: %s [--smoke | --standard] [--reps N] [--only NAME[,NAME...]]\n"
            "  --smoke     tiny parameters (make check)\n"
            "  --standard  Savina's own parameters (slow here)\n"
            "  --reps N    runs of each benchmark (default 2)\n"
            "  NAME: pingpong counting fjthroughput fjcreation threadring chameneos\n"
            "        big dictionary bank\n"
            "Prints 'RESULT side.name ms ms' per run, 'CHECK side.name ...' per check.\n",
            prog);
}

int savina_parse_args(int argc, char **argv, savina_params *p)
{
    *p = savina_scaled;
    long reps = 0;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--smoke") == 0) {
            *p = savina_smoke;
        } else if (strcmp(argv[i], "--standard") == 0) {
            *p = savina_standard;
            p->standard = true;
        } else if (strcmp(argv[i], "--only") == 0 && i + 1 < argc) {
            p->only = argv[++i];
        } else if (strcmp(argv[i], "--reps") == 0 && i + 1 < argc) {
            char *end = NULL;
            reps = strtol(argv[++i], &end, 10);
            if (*end != '\0' || reps < 1) {
                fprintf(stderr, "--reps: expected an integer >= 1, got '%s'\n", argv[i]);
                return -1;
            }
        } else {
            savina_usage(argv[0]);
            return -1;
        }
    }
    /* --only after --smoke or --standard must survive them. */
    for (int i = 1; i + 1 < argc; i++)
        if (strcmp(argv[i], "--only") == 0)
            p->only = argv[i + 1];
    if (reps > 0)
        p->reps = reps;
    return 0;
}

void savina_print_params(const savina_params *p)
{
    printf("PARAMS pingpong %ld pings\n", p->pingpong_n);
    printf("PARAMS counting %ld increments\n", p->counting_n);
    printf("PARAMS fjthroughput %ld actors x %ld msgs\n", p->fjthr_actors, p->fjthr_n);
    printf("PARAMS fjcreation %ld actors\n", p->fjcreate_n);
    printf("PARAMS threadring %ld actors, %ld hops\n", p->ring_actors, p->ring_hops);
    printf("PARAMS chameneos %ld creatures, %ld meetings\n", p->cham_creatures,
           p->cham_meetings);
    printf("PARAMS big %ld actors x %ld pings\n", p->big_actors, p->big_pings);
    printf("PARAMS dictionary %ld workers x %ld reqs, %ld%% writes, %ld keys\n",
           p->dict_workers, p->dict_msgs, p->dict_write_pct, p->dict_keys);
    printf("PARAMS bank %ld accounts, %ld transfers\n", p->bank_accounts,
           p->bank_transactions);
    fflush(stdout);
}

bool savina_selected(const savina_params *p, const char *name)
{
    if (p->only == NULL)
        return true;
    size_t len = strlen(name);
    for (const char *s = p->only; *s != '\0';) {
        const char *comma = strchr(s, ',');
        size_t n = comma != NULL ? (size_t)(comma - s) : strlen(s);
        if (n == len && strncmp(s, name, n) == 0)
            return true;
        s += n;
        if (*s == ',')
            s++;
    }
    return false;
}

int64_t savina_now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

void savina_report(const char *side, const char *name, int64_t elapsed_ns)
{
    printf("RESULT %s.%s %.4f ms\n", side, name, (double)elapsed_ns / 1e6);
    fflush(stdout);
}

void savina_checked(const char *side, const char *name, const char *what)
{
    printf("CHECK %s.%s %s\n", side, name, what);
    fflush(stdout);
}

void savina_die(const char *side, const char *name, const char *message)
{
    fprintf(stderr, "%s: %s: %s\n", side, name, message);
    exit(1);
}

savina_rng savina_rng_seeded(uint64_t seed)
{
    /* splitmix64 of the seed, so that neighbouring seeds start apart */
    uint64_t z = seed + 0x9e3779b97f4a7c15u;
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9u;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebu;
    z ^= z >> 31;
    return (savina_rng){z != 0 ? z : 1};
}

uint64_t savina_rng_next(savina_rng *r)
{
    r->s ^= r->s >> 12;
    r->s ^= r->s << 25;
    r->s ^= r->s >> 27;
    return r->s * 0x2545f4914f6cdd1du;
}

uint64_t savina_rng_below(savina_rng *r, uint64_t bound)
{
    return (savina_rng_next(r) >> 11) % bound;
}

/* Read through a volatile, so that sin() runs for every message. */
static volatile double savina_theta_value = 37.2;

double savina_theta(void)
{
    return savina_theta_value;
}

int savina_compute(double theta)
{
    double sint = sin(theta);
    double res = sint * sint;
    return res > 0 ? 0 : -1;
}

uint64_t savina_entry_hash(uint64_t key, uint64_t value)
{
    uint64_t h = key * 0x9e3779b97f4a7c15u ^ (value + 0x632be59bd9b4e019u);
    h ^= h >> 29;
    return h * 0xbf58476d1ce4e5b9u;
}

uint64_t savina_dict_initial(uint64_t key)
{
    return key * 7 + 1;
}

savina_rng savina_dict_rng(long worker)
{
    return savina_rng_seeded(0xd1c7000u + (uint64_t)worker);
}

savina_dict_op savina_dict_next(savina_rng *r, const savina_params *p, long worker, long i)
{
    savina_dict_op op;
    uint64_t workers = (uint64_t)p->dict_workers;
    op.write = savina_rng_below(r, 100) < (uint64_t)p->dict_write_pct;
    if (op.write)
        op.key = savina_rng_below(r, (uint64_t)p->dict_keys / workers) * workers +
                 (uint64_t)worker;
    else
        op.key = savina_rng_below(r, (uint64_t)p->dict_keys);
    op.value = (uint64_t)worker * (uint64_t)p->dict_msgs + (uint64_t)i + 1;
    return op;
}

savina_digest savina_dict_expected(const savina_params *p)
{
    uint64_t *values = malloc((size_t)p->dict_keys * sizeof *values);
    if (values == NULL)
        savina_die(savina_prog, "dictionary", "out of memory");
    for (long k = 0; k < p->dict_keys; k++)
        values[k] = savina_dict_initial((uint64_t)k);
    for (long w = 0; w < p->dict_workers; w++) {
        savina_rng r = savina_dict_rng(w);
        for (long i = 0; i < p->dict_msgs; i++) {
            savina_dict_op op = savina_dict_next(&r, p, w, i);
            if (op.write)
                values[op.key] = op.value;
        }
    }
    savina_digest d = {(uint64_t)p->dict_keys, 0};
    for (long k = 0; k < p->dict_keys; k++)
        d.hash += savina_entry_hash((uint64_t)k, values[k]);
    free(values);
    return d;
}

int savina_table_init(savina_table *t, uint64_t expected)
{
    uint64_t slots = 16;
    while (slots < 2 * expected)
        slots *= 2;
    t->keys = calloc(slots, sizeof *t->keys);
    t->values = calloc(slots, sizeof *t->values);
    t->mask = slots - 1;
    t->entries = 0;
    if (t->keys == NULL || t->values == NULL) {
        savina_table_fini(t);
        return -1;
    }
    return 0;
}

void savina_table_fini(savina_table *t)
{
    free(t->keys);
    free(t->values);
    t->keys = NULL;
    t->values = NULL;
}

static uint64_t savina_table_slot(const savina_table *t, uint64_t key)
{
    return (key * 0x9e3779b97f4a7c15u >> 17) & t->mask;
}

int savina_table_put(savina_table *t, uint64_t key, uint64_t value)
{
    for (uint64_t i = savina_table_slot(t, key), n = 0; n <= t->mask; i = (i + 1) & t->mask, n++) {
        if (t->keys[i] == 0) {
            if (t->entries + 1 > t->mask) /* keep one slot empty: lookups end */
                return -1;
            t->keys[i] = key + 1;
            t->values[i] = value;
            t->entries++;
            return 0;
        }
        if (t->keys[i] == key + 1) {
            t->values[i] = value;
            return 0;
        }
    }
    return -1;
}

uint64_t savina_table_get(const savina_table *t, uint64_t key)
{
    for (uint64_t i = savina_table_slot(t, key); t->keys[i] != 0; i = (i + 1) & t->mask)
        if (t->keys[i] == key + 1)
            return t->values[i];
    return 0;
}

savina_digest savina_table_digest(const savina_table *t)
{
    savina_digest d = {t->entries, 0};
    for (uint64_t i = 0; i <= t->mask; i++)
        if (t->keys[i] != 0)
            d.hash += savina_entry_hash(t->keys[i] - 1, t->values[i]);
    return d;
}

int savina_table_fill(savina_table *t, const savina_params *p)
{
    if (savina_table_init(t, (uint64_t)p->dict_keys) != 0)
        return -1;
    for (long k = 0; k < p->dict_keys; k++)
        if (savina_table_put(t, (uint64_t)k, savina_dict_initial((uint64_t)k)) != 0) {
            savina_table_fini(t);
            return -1;
        }
    return 0;
}

savina_rng savina_bank_rng(void)
{
    return savina_rng_seeded(0xba4c);
}

savina_transfer savina_bank_next(savina_rng *r, const savina_params *p)
{
    savina_transfer t;
    uint64_t n = (uint64_t)p->bank_accounts;
    t.from = (long)savina_rng_below(r, n);
    t.to = (long)((t.from + 1 + (long)savina_rng_below(r, n - 1)) % (long)n);
    t.amount = 1 + (int64_t)savina_rng_below(r, SAVINA_BANK_MAX_AMOUNT);
    return t;
}

savina_rng savina_big_rng(long actor)
{
    return savina_rng_seeded(0xb16000u + (uint64_t)actor);
}

int savina_complement(int a, int b)
{
    if (a == b)
        return a;
    return 3 - a - b; /* RED 0, YELLOW 1, BLUE 2: the one neither is */
}

int savina_first_colour(long creature)
{
    return (int)(creature % 3);
}
