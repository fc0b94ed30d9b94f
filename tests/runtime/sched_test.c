/*
 * sched_test.c - the scheduling rule's stall check (docs/RUNTIME.md,
 * "Threading model"): an actor made ready by a handler goes on that
 * worker's own queue; when the handler then runs long, an idle worker is
 * woken to steal it. The tests assert with flags (B ran while A's handler
 * was still running), never with timings; A's handler gives up after a
 * generous hang guard so that a failure is reported, not a hang.
 */
#include <stdatomic.h>
#include <unistd.h>

#include "actor/testing.h"

#define HANG_GUARD_NS (10 * 1000000000LL)
#define LONG_MS 20000u

static actor_ref b_ref;
static atomic_bool b_ran, b_seen_by_a;

static int inv_b_mark(void *state, actor_ctx *ctx, const char *body, size_t len,
                      msgpack_sbuffer *out)
{
    (void)state;
    (void)ctx;
    (void)body;
    (void)len;
    (void)out;
    atomic_store(&b_ran, true);
    return ACTOR_INVOKE_REPLY;
}

static const actor_method b_methods[] = {
    {"mark", ACTOR_METHOD_CAST, 128, 0, 0, false, NULL, 0, inv_b_mark, 0, false},
};
static const actor_type b_type = {
    .name = "test.B", .methods = b_methods, .n_methods = 1, .overflow = ACTOR_OVERFLOW_REJECT};

static int kick_b(actor_ctx *ctx)
{
    actor_method_ref m = {&b_type, 0};

    return actor_ctx_cast(ctx, b_ref, m, "\x80", 1, NULL);
}

/* A long handler: works (here: naps) until B has run or the guard passes. */
static void wait_for_b(void)
{
    int64_t guard = actor_now_ns() + HANG_GUARD_NS;

    while (!atomic_load(&b_ran) && actor_now_ns() < guard)
        usleep(100);
    atomic_store(&b_seen_by_a, atomic_load(&b_ran));
}

enum { A_KICK_THEN_WORK, A_KICK, A_WORK };

static int inv_a_kick_then_work(void *state, actor_ctx *ctx, const char *body, size_t len,
                                msgpack_sbuffer *out)
{
    int rc = kick_b(ctx);

    (void)state;
    (void)body;
    (void)len;
    (void)out;
    if (rc != 0)
        return rc;
    wait_for_b();
    return ACTOR_INVOKE_REPLY;
}

static int inv_a_kick(void *state, actor_ctx *ctx, const char *body, size_t len,
                      msgpack_sbuffer *out)
{
    (void)state;
    (void)body;
    (void)len;
    (void)out;
    return kick_b(ctx);
}

static int inv_a_work(void *state, actor_ctx *ctx, const char *body, size_t len,
                      msgpack_sbuffer *out)
{
    (void)state;
    (void)ctx;
    (void)body;
    (void)len;
    (void)out;
    wait_for_b();
    return ACTOR_INVOKE_REPLY;
}

static const actor_method a_methods[] = {
    [A_KICK_THEN_WORK] = {"kick_then_work", ACTOR_METHOD_RPC, 128, 0, 0, false, NULL, 0,
                          inv_a_kick_then_work},
    [A_KICK] = {"kick", ACTOR_METHOD_CAST, 128, 0, 0, false, NULL, 0, inv_a_kick},
    [A_WORK] = {"work", ACTOR_METHOD_RPC, 128, 0, 0, false, NULL, 0, inv_a_work},
};
static const actor_type a_type = {
    .name = "test.A", .methods = a_methods, .n_methods = 3, .overflow = ACTOR_OVERFLOW_REJECT};

static void reset(void)
{
    atomic_store(&b_ran, false);
    atomic_store(&b_seen_by_a, false);
}

/* r2's shape: A's handler casts to B (queued on A's worker), then runs long. */
ACTOR_TEST(idle_worker_steals_from_a_long_handler)
{
    actor_test t;
    actor_ref a;
    actor_status st;
    actor_call_opts o = {ACTOR_PRIORITY_DEFAULT, LONG_MS};

    reset();
    ACTOR_ASSERT_RC(actor_test_start(&t, 2), 0);
    a = actor_test_spawn(&t, &a_type, NULL);
    b_ref = actor_test_spawn(&t, &b_type, NULL);
    ACTOR_ASSERT_RC(actor_call(t.client, a, (actor_method_ref){&a_type, A_KICK_THEN_WORK}, "\x80",
                               1, &o, &st, NULL),
                    0);
    ACTOR_ASSERT_STATUS(&st, ACTOR_STATUS_OK);
    ACTOR_ASSERT(atomic_load(&b_seen_by_a)); /* B ran while A's handler ran */
    actor_test_stop(&t);
}

static atomic_int work_calls;
static actor_status work_status;

static void work_done(void *user, uint64_t id, const actor_status *st, const char *body,
                      size_t len)
{
    (void)user;
    (void)id;
    (void)body;
    (void)len;
    work_status = *st;
    atomic_fetch_add(&work_calls, 1);
}

static bool work_done_pred(void *arg)
{
    (void)arg;
    return atomic_load(&work_calls) > 0;
}

/* The handler that made B ready was short; the next one in the same turn
 * is long: the stall check looks again and still hands B over. */
ACTOR_TEST(idle_worker_steals_when_a_later_handler_is_long)
{
    actor_test t;
    actor_ref a;
    actor_call_opts o = {ACTOR_PRIORITY_DEFAULT, LONG_MS};
    actor_spawn_opts inactive = {.inactive = true};

    reset();
    atomic_store(&work_calls, 0);
    ACTOR_ASSERT_RC(actor_test_start(&t, 2), 0);
    ACTOR_ASSERT_RC(actor_spawn(t.sys, &a_type, NULL, &inactive, &a), 0);
    b_ref = actor_test_spawn(&t, &b_type, NULL);
    ACTOR_ASSERT_RC(actor_cast(t.client, a, (actor_method_ref){&a_type, A_KICK}, "\x80", 1, &o),
                    0);
    ACTOR_ASSERT_RC(actor_call_async(t.client, a, (actor_method_ref){&a_type, A_WORK}, "\x80", 1,
                                     &o, work_done, NULL, NULL),
                    0);
    ACTOR_ASSERT_RC(actor_activate(t.sys, a), 0); /* both run in one turn */
    ACTOR_ASSERT(actor_test_wait(work_done_pred, NULL, LONG_MS));
    ACTOR_ASSERT_STATUS(&work_status, ACTOR_STATUS_OK);
    ACTOR_ASSERT(atomic_load(&b_seen_by_a));
    actor_test_stop(&t);
}

/* ------------------------------------------------------ the idle spin */

static int inv_pong(void *state, actor_ctx *ctx, const char *body, size_t len,
                    msgpack_sbuffer *out)
{
    (void)state, (void)ctx, (void)body, (void)len;
    return actor_test_int_body(out, 1);
}

static const actor_method pong_methods[] = {
    {"ping", ACTOR_METHOD_RPC, 128, 0, 0, false, NULL, 0, inv_pong, 0, false},
};
static const actor_type pong_type = {.name = "test.Pong",
                                     .methods = pong_methods,
                                     .n_methods = 1,
                                     .overflow = ACTOR_OVERFLOW_REJECT};

#define PINGS 200

/* Workers woken while a plain thread makes PINGS blocking calls, one after
 * another, to an actor of a system whose idle workers spin `idle_spin_us`
 * before they sleep; -1 on failure. */
static long wakeups_for_pings(int idle_spin_us)
{
    actor_system_opts so = {.workers = 2, .idle_spin_us = idle_spin_us};
    actor_system_stats before, after;
    actor_system *sys = NULL;
    actor_client *c = NULL;
    actor_ref pong;
    long woken = -1;
    int rc = actor_system_new(&so, &sys);

    if (rc == 0)
        rc = actor_client_new(sys, &c);
    if (rc == 0)
        rc = actor_spawn(sys, &pong_type, NULL, NULL, &pong);
    for (int i = 0; rc == 0 && i <= PINGS; i++) {
        actor_status st;
        if (i == 1) /* after the first: the actor is initialised, the workers settled */
            actor_system_stats_get(sys, &before);
        rc = actor_call(c, pong, (actor_method_ref){&pong_type, 0}, "\x80", 1, NULL, &st, NULL);
        if (rc == 0 && st.category != ACTOR_STATUS_OK)
            rc = ACTOR_ESYSTEM;
    }
    if (rc == 0) {
        actor_system_stats_get(sys, &after);
        woken = (long)(after.wakeups - before.wakeups);
    }
    actor_client_destroy(&c);
    actor_system_destroy(&sys);
    return woken;
}

/* A worker that spins before it sleeps takes a plain thread's next call
 * without being woken (actor_system_opts.idle_spin_us): with a spin far
 * longer than the gap between two calls, hardly a wake-up in PINGS calls;
 * without it, about one per call. Counts, not timings. */
ACTOR_TEST(a_spinning_worker_takes_the_next_call_without_a_wakeup)
{
    long spinning = wakeups_for_pings(1000000), sleeping = wakeups_for_pings(-1);

    ACTOR_ASSERT_CMP(spinning, >=, 0);
    ACTOR_ASSERT_CMP(spinning, <=, PINGS / 10);
    ACTOR_ASSERT_CMP(sleeping, >=, PINGS / 2);
}

int main(void)
{
    ACTOR_TEST_RUN(idle_worker_steals_from_a_long_handler);
    ACTOR_TEST_RUN(idle_worker_steals_when_a_later_handler_is_long);
    ACTOR_TEST_RUN(a_spinning_worker_takes_the_next_call_without_a_wakeup);
    return actor_test_summary();
}
