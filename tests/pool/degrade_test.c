/*
 * degrade_test.c - graceful degradation: a pipeline stage whose pool has
 * failed answers with a status at once, the stage in front of it passes
 * that status on without blocking, and the other stages go on serving.
 */
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>

#include "farm.h"

/* A stage in front: relays {1: v} to the next stage's M_WHO, passing its
 * answer (or why there is none) back. Its state is the next stage's ref. */
typedef struct relay {
    actor_ref next;
} relay;

static void relayed(void *state, actor_ctx *ctx, const actor_status *st, const char *body,
                    size_t len, void *user)
{
    actor_reply *r = user;

    (void)state;
    (void)ctx;
    if (st->category == ACTOR_STATUS_OK)
        actor_reply_send(&r, body, len);
    else
        actor_reply_status(&r, st);
}

/* The relay: the reply is deferred to the continuation; when the next
 * stage cannot take the request at all, the status says so at once. */
static int inv_relay_deferred(void *state, actor_ctx *ctx, const char *body, size_t len,
                              msgpack_sbuffer *out)
{
    relay *s = state;
    actor_reply *r;
    int rc;

    (void)out;
    if (actor_ctx_defer(ctx, &r) != 0)
        return ACTOR_ENOMEM;
    rc = actor_ctx_request(ctx, s->next, (actor_method_ref){&farm_type, M_WHO}, body, len, NULL,
                           relayed, r, NULL);
    if (rc != 0) {
        actor_status st;
        if (rc == ACTOR_EUNAVAILABLE)
            actor_status_set(&st, ACTOR_STATUS_UNAVAILABLE, 0, "the next stage is unavailable");
        else
            actor_status_set(&st, ACTOR_STATUS_INTERNAL, 0, "%s", actor_strerror(rc));
        actor_reply_status(&r, &st);
    }
    return ACTOR_INVOKE_DEFERRED;
}

static int relay_init(void **state, const void *arg, actor_ctx *ctx)
{
    (void)ctx;
    *state = (void *)(uintptr_t)arg;
    return 0;
}

static const actor_method relay_methods[] = {
    {.name = "relay", .kind = ACTOR_METHOD_RPC, .priority = 128, .invoke = inv_relay_deferred},
};

static const actor_type relay_type = {
    .name = "tests.Relay",
    .methods = relay_methods,
    .n_methods = 1,
    .init = relay_init,
};

static bool failed_pred(void *arg)
{
    actor_pool_stats ps;
    actor_test *t = ((void **)arg)[0];
    actor_ref *pool = ((void **)arg)[1];

    return actor_pool_stats_get(t->sys, *pool, &ps) == 0 && ps.failed == ps.size;
}

ACTOR_TEST(failed_stage_answers_and_the_others_serve)
{
    actor_test t;
    farm down_f, side_f;
    actor_pool_opts fragile = {.size = 2, .restart = {.max = 0, .window_ms = 1000}};
    actor_ref down, side, front;
    relay r;
    actor_status st;
    void *args[2] = {&t, &down};
    int64_t id;

    farm_init(&down_f);
    farm_init(&side_f);
    ACTOR_ASSERT_RC(actor_test_start(&t, 2), 0);
    ACTOR_ASSERT_RC(farm_pool(t.sys, &down_f, &fragile, &down), 0);
    ACTOR_ASSERT_RC(farm_pool(t.sys, &side_f, &(actor_pool_opts){.size = 2}, &side), 0);
    r.next = down;
    ACTOR_ASSERT_RC(actor_spawn(t.sys, &relay_type, &r, NULL, &front), 0);
    ACTOR_ASSERT_RC(actor_test_call_int(&t, front, 0, 5, &st, &id), 0);
    ACTOR_ASSERT_STATUS(&st, ACTOR_STATUS_OK); /* through both stages */
    for (int i = 0; i < 2; i++) { /* the next stage's instances fail (no restart allowed) */
        ACTOR_ASSERT_RC(actor_test_call_int(&t, down, M_CRASH, 0, &st, NULL), 0);
        if (st.category == ACTOR_STATUS_UNAVAILABLE)
            break;
    }
    ACTOR_ASSERT(actor_test_wait(failed_pred, args, 20000));
    t.timeout_ms = 60000; /* waiting for a deadline would show as a very slow test */
    for (int i = 0; i < 200; i++) {
        ACTOR_ASSERT_RC(actor_test_call_int(&t, front, 0, i, &st, NULL), 0);
        ACTOR_ASSERT_STATUS(&st, ACTOR_STATUS_UNAVAILABLE);
        ACTOR_ASSERT_RC(actor_test_call_int(&t, side, M_WHO, i, &st, &id), 0);
        ACTOR_ASSERT_STATUS(&st, ACTOR_STATUS_OK);
    }
    actor_test_stop(&t);
    farm_fini(&down_f);
    farm_fini(&side_f);
}

/* While the next stage restarts (a long backoff), the stage in front
 * keeps taking work: its calls wait for the restarted instance, the other
 * stages serve meanwhile, and nothing is lost. */
static void count_ok(void *user, uint64_t id, const actor_status *st, const char *body, size_t len)
{
    (void)id;
    (void)body;
    (void)len;
    atomic_fetch_add((atomic_int *)user, st->category == ACTOR_STATUS_OK ? 1 : 1000);
}

static bool hundred_pred(void *arg)
{
    return atomic_load((atomic_int *)arg) >= 100;
}

ACTOR_TEST(restarting_stage_delays_without_blocking)
{
    actor_test t;
    farm down_f, side_f;
    actor_pool_opts slow = {
        .size = 1,
        .restart = {.max = 3, .window_ms = 60000, .backoff_ms = 300, .backoff_max_ms = 300}};
    actor_ref down, side, front;
    relay r;
    actor_status st;
    msgpack_sbuffer sb;
    atomic_int done = 0;

    farm_init(&down_f);
    farm_init(&side_f);
    msgpack_sbuffer_init(&sb);
    ACTOR_ASSERT_RC(actor_test_start(&t, 2), 0);
    ACTOR_ASSERT_RC(farm_pool(t.sys, &down_f, &slow, &down), 0);
    ACTOR_ASSERT_RC(farm_pool(t.sys, &side_f, &(actor_pool_opts){.size = 2}, &side), 0);
    r.next = down;
    ACTOR_ASSERT_RC(actor_spawn(t.sys, &relay_type, &r, NULL, &front), 0);
    ACTOR_ASSERT_RC(actor_test_call_int(&t, down, M_CRASH, 0, &st, NULL), 0);
    actor_test_int_body(&sb, 1);
    for (int i = 0; i < 100; i++)
        ACTOR_ASSERT_RC(actor_call_async(t.client, front, (actor_method_ref){&relay_type, 0},
                                         sb.data, sb.size, NULL, count_ok, &done, NULL),
                        0);
    for (int i = 0; i < 50; i++) { /* the side stage serves while the next one restarts */
        ACTOR_ASSERT_RC(actor_test_call_int(&t, side, M_WHO, i, &st, NULL), 0);
        ACTOR_ASSERT_STATUS(&st, ACTOR_STATUS_OK);
    }
    ACTOR_ASSERT(actor_test_wait(hundred_pred, &done, 20000));
    ACTOR_ASSERT_INT(atomic_load(&done), 100); /* all OK, after the restart */
    msgpack_sbuffer_destroy(&sb);
    actor_test_stop(&t);
    farm_fini(&down_f);
    farm_fini(&side_f);
}

int main(void)
{
    ACTOR_TEST_RUN(failed_stage_answers_and_the_others_serve);
    ACTOR_TEST_RUN(restarting_stage_delays_without_blocking);
    return actor_test_summary();
}
