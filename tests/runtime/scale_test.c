/*
 * scale_test.c - many actors at once: N actors (argv[1]; 50,000 by
 * default, the count make check runs under the sanitizers) each get one
 * message and tell a collector, which counts every one exactly once; then
 * all N are terminated and the system's live count returns to where it
 * was. The full count (1,000,000) runs in make bench: built with
 * SCALE_BENCH, this file is bench-rt-scale.
 */
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

#include "rt_actors.h"

#define DEFAULT_ACTORS 50000u
#define WAIT_MS 120000u

/* The collector's state: who reported, and how often. */
typedef struct collector {
    atomic_uint reports;
    atomic_uint twice;
    uint8_t *seen; /* [index]: reports from actor `index` */
    size_t n;
} collector;

enum { C_REPORT, C_COUNT };

/* C_REPORT {1: index}: counts it. */
static int inv_report(void *state, actor_ctx *ctx, const char *body, size_t len,
                      msgpack_sbuffer *out)
{
    collector *c = state;
    int64_t index = -1;

    (void)ctx;
    (void)out;
    if (actor_test_int_of(body, len, &index) != 0 || index < 0 || (size_t)index >= c->n)
        return ACTOR_EMALFORMED;
    if (c->seen[index]++ != 0)
        atomic_fetch_add(&c->twice, 1);
    atomic_fetch_add(&c->reports, 1);
    return ACTOR_INVOKE_REPLY;
}

static int adopt(void **state, const void *arg, actor_ctx *ctx)
{
    (void)ctx;
    *state = (void *)(uintptr_t)arg;
    return 0;
}

static const actor_method collector_methods[C_COUNT] = {
    [C_REPORT] = {.name = "report", .kind = ACTOR_METHOD_CAST, .invoke = inv_report},
};

static const actor_type collector_type = {
    .name = "test.Collector", .methods = collector_methods, .n_methods = C_COUNT, .init = adopt};

/* A cell: its state is the collector's ref; on W_GO {1: index} it reports
 * its index. */
enum { W_GO, W_COUNT };

static int inv_go(void *state, actor_ctx *ctx, const char *body, size_t len,
                  msgpack_sbuffer *out)
{
    const actor_ref *collector_ref = state;

    (void)out;
    return actor_ctx_cast(ctx, *collector_ref, (actor_method_ref){&collector_type, C_REPORT}, body,
                          len, NULL);
}

static const actor_method cell_methods[W_COUNT] = {
    [W_GO] = {.name = "go", .kind = ACTOR_METHOD_CAST, .invoke = inv_go},
};

static const actor_type cell_type = {
    .name = "test.Cell", .methods = cell_methods, .n_methods = W_COUNT, .init = adopt};

typedef struct all_reported {
    collector *c;
    unsigned n;
} all_reported;

static bool all_reported_pred(void *arg)
{
    all_reported *a = arg;

    return atomic_load(&a->c->reports) >= a->n;
}

typedef struct live_is {
    actor_system *sys;
    uint64_t n;
} live_is;

static bool live_pred(void *arg)
{
    live_is *l = arg;
    actor_system_stats st;

    actor_system_stats_get(l->sys, &st);
    return st.actors == l->n;
}

/* Runs the round with n actors: NULL, or what went wrong. *seconds
 * receives how long spawning, messaging and ending them took. */
static const char *scale_round(unsigned n, double *seconds)
{
    actor_test t;
    collector c = {.n = n};
    actor_ref collector_ref, *cells = calloc(n, sizeof *cells);
    actor_type collector_with_room = collector_type;
    actor_system_stats before;
    msgpack_sbuffer body;
    const char *why = NULL;
    int64_t t0;

    c.seen = calloc(n, 1);
    if (cells == NULL || c.seen == NULL || actor_test_start(&t, 2) != 0) {
        free(cells);
        free(c.seen);
        return "out of memory";
    }
    actor_system_stats_get(t.sys, &before);
    /* every report may be in its mailbox at once: room for all of them
     * (a handler's cast to a full mailbox is refused, not waited for) */
    collector_with_room.mailbox_capacity = n + 16;
    collector_ref = actor_test_spawn(&t, &collector_with_room, &c);
    t0 = actor_now_ns();
    for (unsigned i = 0; i < n && why == NULL; i++)
        if (actor_spawn(t.sys, &cell_type, &collector_ref, NULL, &cells[i]) != 0)
            why = "a spawn failed";
    msgpack_sbuffer_init(&body);
    for (unsigned i = 0; i < n && why == NULL; i++) {
        body.size = 0;
        actor_test_int_body(&body, (int64_t)i);
        if (actor_cast(t.client, cells[i], (actor_method_ref){&cell_type, W_GO}, body.data,
                       body.size, NULL) != 0)
            why = "a cast failed";
    }
    msgpack_sbuffer_destroy(&body);
    if (why == NULL && !actor_test_wait(all_reported_pred, &(all_reported){&c, n}, WAIT_MS))
        why = "not every actor reported";
    if (why == NULL && (atomic_load(&c.reports) != n || atomic_load(&c.twice) != 0))
        why = "an actor reported twice";
    for (unsigned i = 0; i < n && why == NULL; i++)
        if (actor_terminate(t.sys, cells[i], true) != 0)
            why = "a terminate failed";
    if (why == NULL && !actor_test_wait(live_pred, &(live_is){t.sys, before.actors + 1}, WAIT_MS))
        why = "the actors did not all end";
    *seconds = (double)(actor_now_ns() - t0) / 1e9;
    actor_test_stop(&t);
    free(c.seen);
    free(cells);
    return why;
}

#ifdef SCALE_BENCH
/* bench-rt-scale (make bench): the round at the full count, 1,000,000
 * actors (10,000 with --smoke): actors/s through the whole round, and the
 * peak resident memory per actor. */
int main(int argc, char **argv)
{
    unsigned n = argc == 2 && strcmp(argv[1], "--smoke") == 0 ? 10000u : 1000000u;
    struct rusage ru;
    double seconds = 0;
    const char *why = scale_round(n, &seconds);

    if (why != NULL) {
        fprintf(stderr, "bench-rt-scale: %s\n", why);
        return 1;
    }
    getrusage(RUSAGE_SELF, &ru);
    printf("RESULT ours.scale.round %.0f actors/s\n", n / seconds);
    printf("RESULT ours.scale.rss %.0f B\n", (double)ru.ru_maxrss * 1024.0 / n);
    return 0;
}
#else
static unsigned n_actors = DEFAULT_ACTORS;

ACTOR_TEST(many_actors_each_report_once_and_all_end)
{
    double seconds;
    const char *why = scale_round(n_actors, &seconds);

    if (why != NULL)
        printf("  %s\n", why);
    ACTOR_ASSERT(why == NULL);
}

int main(int argc, char **argv)
{
    if (argc == 2)
        n_actors = (unsigned)strtoul(argv[1], NULL, 10);
    ACTOR_TEST_RUN(many_actors_each_report_once_and_all_end);
    return actor_test_summary();
}
#endif
