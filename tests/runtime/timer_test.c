/*
 * timer_test.c - an actor's timers (actor_ctx_after): each runs once, on
 * the actor's state, never before its delay, in the order of when they
 * are due; a cancelled one never runs, and cancelling one that ran, or a
 * request's id, is refused; a drain does not wait for a pending timer,
 * which then never runs.
 */
#include <unistd.h>

#include "rt_actors.h"

#define DELAY_SHORT_MS 5u
#define DELAY_LONG_MS 40u
#define NEVER_MS 600000u /* longer than any test: only a cancel or the end stops it */
#define HOLD_MS 3000u    /* C_ARM's request to C_HOLD: pending while the test looks */

/* The clock actor's state: what its timers did. */
typedef struct clock_state {
    atomic_int fired;     /* timer callbacks run */
    atomic_int early;     /* ran before their delay */
    atomic_int wrong;     /* ran with another state than the actor's */
    int order[4];         /* tags, in the order the timers ran */
    int64_t armed_at;     /* actor_now_ns() when armed */
    uint64_t cancelled;   /* the timer cancelled before it ran */
    uint64_t request_id;  /* the id of a request in flight (a never-answered one) */
    atomic_int refusals;  /* cancels refused as they should be */
} clock_state;

/* A timer's user: its state, its tag and its delay. */
typedef struct tick {
    clock_state *st;
    int tag;
    uint32_t delay_ms;
} tick;

static tick ticks[3];

static void on_tick(void *state, actor_ctx *ctx, void *user)
{
    tick *t = user;
    clock_state *st = t->st;
    int n;

    (void)ctx;
    if (state != st)
        atomic_fetch_add(&st->wrong, 1);
    if (actor_now_ns() < st->armed_at + (int64_t)t->delay_ms * 1000000)
        atomic_fetch_add(&st->early, 1);
    n = atomic_load(&st->fired);
    if (n < 4)
        st->order[n] = t->tag;
    atomic_fetch_add(&st->fired, 1);
}

static void never_then(void *state, actor_ctx *ctx, const actor_status *s, const char *body,
                       size_t len, void *user)
{
    (void)state;
    (void)ctx;
    (void)s;
    (void)body;
    (void)len;
    (void)user;
}

enum { C_ARM, C_CANCEL_AGAIN, C_LONG, C_HOLD, C_COUNT };

/* C_ARM: a long timer, a short one and a third that is cancelled at once;
 * also a request that is never answered (to itself, C_HOLD: its id for
 * C_CANCEL_AGAIN). Replies {1: 0}. */
static int inv_arm(void *state, actor_ctx *ctx, const char *body, size_t len,
                   msgpack_sbuffer *reply)
{
    clock_state *st = state;
    int rc;

    (void)body;
    (void)len;
    st->armed_at = actor_now_ns();
    ticks[0] = (tick){st, 1, DELAY_LONG_MS};
    ticks[1] = (tick){st, 2, DELAY_SHORT_MS};
    ticks[2] = (tick){st, 3, 0};
    rc = actor_ctx_after(ctx, DELAY_LONG_MS, on_tick, &ticks[0], NULL);
    if (rc == 0)
        rc = actor_ctx_after(ctx, DELAY_SHORT_MS, on_tick, &ticks[1], NULL);
    if (rc == 0)
        rc = actor_ctx_after(ctx, 0, on_tick, &ticks[2], &st->cancelled);
    if (rc == 0 && !actor_ctx_cancel_after(ctx, st->cancelled))
        rc = ACTOR_ESTATE;
    if (rc == 0)
        rc = actor_ctx_after(ctx, 0, NULL, NULL, NULL) == ACTOR_EINVAL ? 0 : ACTOR_ESTATE;
    if (rc == 0)
        rc = actor_ctx_request(ctx, actor_ctx_self(ctx), (actor_method_ref){NULL, C_HOLD}, NULL, 0,
                               &(actor_call_opts){ACTOR_PRIORITY_DEFAULT, HOLD_MS}, never_then,
                               NULL, &st->request_id);
    return rc != 0 ? rc : reply_int(reply, 0);
}

/* C_CANCEL_AGAIN: the cancelled timer and the request's id cannot be
 * cancelled (again); replies {1: refusals}. */
static int inv_cancel_again(void *state, actor_ctx *ctx, const char *body, size_t len,
                            msgpack_sbuffer *reply)
{
    clock_state *st = state;

    (void)body;
    (void)len;
    if (!actor_ctx_cancel_after(ctx, st->cancelled))
        atomic_fetch_add(&st->refusals, 1);
    if (!actor_ctx_cancel_after(ctx, st->request_id))
        atomic_fetch_add(&st->refusals, 1);
    return reply_int(reply, atomic_load(&st->refusals));
}

/* C_HOLD: deferred and never answered. */
static int inv_hold_forever(void *state, actor_ctx *ctx, const char *body, size_t len,
                            msgpack_sbuffer *reply)
{
    actor_reply *r = NULL;

    (void)state;
    (void)body;
    (void)len;
    (void)reply;
    return actor_ctx_defer(ctx, &r) == 0 ? ACTOR_INVOKE_DEFERRED : ACTOR_ENOMEM;
}

/* C_LONG: a timer that is never due in the test, and no answer. */
static int inv_long(void *state, actor_ctx *ctx, const char *body, size_t len,
                    msgpack_sbuffer *reply)
{
    clock_state *st = state;
    actor_reply *r = NULL;

    (void)body;
    (void)len;
    (void)reply;
    ticks[0] = (tick){st, 9, NEVER_MS};
    if (actor_ctx_after(ctx, NEVER_MS, on_tick, &ticks[0], NULL) != 0)
        return ACTOR_ENOMEM;
    return actor_ctx_defer(ctx, &r) == 0 ? ACTOR_INVOKE_DEFERRED : ACTOR_ENOMEM;
}

static int clock_init(void **state, const void *arg, actor_ctx *ctx)
{
    (void)ctx;
    *state = (void *)(uintptr_t)arg;
    return 0;
}

static const actor_method clock_methods[C_COUNT] = {
    [C_ARM] = {.name = "arm", .kind = ACTOR_METHOD_RPC, .invoke = inv_arm},
    [C_CANCEL_AGAIN] = {.name = "cancel_again", .kind = ACTOR_METHOD_RPC, .invoke = inv_cancel_again},
    [C_LONG] = {.name = "long", .kind = ACTOR_METHOD_RPC, .invoke = inv_long},
    [C_HOLD] = {.name = "hold", .kind = ACTOR_METHOD_RPC, .invoke = inv_hold_forever},
};

static const actor_type clock_type = {
    .name = "test.Clock",
    .methods = clock_methods,
    .n_methods = C_COUNT,
    .init = clock_init,
};

static bool two_fired(void *arg)
{
    return atomic_load(&((clock_state *)arg)->fired) >= 2;
}

ACTOR_TEST(timers_run_once_in_due_order_never_early)
{
    actor_test t;
    clock_state st = {0};
    actor_status s;
    actor_ref clock;
    int64_t v = -1;

    ACTOR_ASSERT_RC(actor_test_start(&t, 2), 0);
    clock = actor_test_spawn(&t, &clock_type, &st);
    ACTOR_ASSERT_RC(actor_test_call_int(&t, clock, C_ARM, 0, &s, &v), 0);
    ACTOR_ASSERT_INT(s.category, ACTOR_STATUS_OK);
    ACTOR_ASSERT(actor_test_wait(two_fired, &st, 10000));
    usleep(2 * DELAY_LONG_MS * 1000); /* the cancelled one, had it run, would have by now */
    ACTOR_ASSERT_INT(atomic_load(&st.fired), 2);
    ACTOR_ASSERT_INT(st.order[0], 2);
    ACTOR_ASSERT_INT(st.order[1], 1);
    ACTOR_ASSERT_INT(atomic_load(&st.early), 0);
    ACTOR_ASSERT_INT(atomic_load(&st.wrong), 0);
    ACTOR_ASSERT_RC(actor_test_call_int(&t, clock, C_CANCEL_AGAIN, 0, &s, &v), 0);
    ACTOR_ASSERT_INT(v, 2); /* a cancelled timer and a request are not cancelled */
    actor_test_stop(&t);
}

ACTOR_TEST(a_drain_does_not_wait_for_a_timer_which_then_never_runs)
{
    actor_test t;
    clock_state st = {0};
    actor_status s;
    actor_ref clock;
    actor_call_opts quick = {ACTOR_PRIORITY_DEFAULT, 100};
    msgpack_sbuffer reply;

    ACTOR_ASSERT_RC(actor_test_start(&t, 2), 0);
    clock = actor_test_spawn(&t, &clock_type, &st);
    msgpack_sbuffer_init(&reply);
    /* C_LONG arms a timer for ten minutes and never answers: its call
     * times out here, the timer stays */
    ACTOR_ASSERT_RC(actor_call(t.client, clock, (actor_method_ref){NULL, C_LONG}, NULL, 0, &quick,
                               &s, &reply),
                    0);
    msgpack_sbuffer_destroy(&reply);
    ACTOR_ASSERT_INT(s.category, ACTOR_STATUS_TIMEOUT);
    ACTOR_ASSERT_RC(actor_terminate(t.sys, clock, true), 0);
    ACTOR_ASSERT(actor_test_wait(gone_pred, &(gone_wait){t.sys, clock}, 10000));
    ACTOR_ASSERT_INT(atomic_load(&st.fired), 0);
    actor_test_stop(&t);
}

int main(void)
{
    ACTOR_TEST_RUN(timers_run_once_in_due_order_never_early);
    ACTOR_TEST_RUN(a_drain_does_not_wait_for_a_timer_which_then_never_runs);
    return actor_test_summary();
}
