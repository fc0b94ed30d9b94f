/*
 * pool_test.c - pools (runtime/pool/): each balancing policy, key
 * stickiness across restarts, least loaded avoiding a busy instance,
 * growing and shrinking under load with every call answered once, a pool
 * whose instances have all failed answering UNAVAILABLE at once, and the
 * seeds' pool surface (in flight, free slots, has free).
 */
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>

#include "farm.h"

/* The instance's ref id a who() with this key reached. */
static int64_t who(actor_test *t, actor_ref pool, int64_t key, actor_status *st)
{
    int64_t id = 0;

    if (actor_test_call_int(t, pool, M_WHO, key, st, &id) != 0)
        return -1;
    return st->category == ACTOR_STATUS_OK ? id : -1;
}

/* How many of the n refs equal id. */
static int count_of(const int64_t *ids, int n, int64_t id)
{
    int k = 0;

    for (int i = 0; i < n; i++)
        k += ids[i] == id;
    return k;
}

/* Sends 100 calls per instance to a pool of 3 with `balance` from one
 * caller; counts[k]: how many reached instance k. */
static void spread(actor_balance balance, int counts[3])
{
    actor_test t;
    farm f;
    actor_pool_opts o = {.size = 3, .balance = balance};
    actor_ref pool, members[3];
    actor_status st;
    int64_t ids[300];
    size_t n;

    farm_init(&f);
    ACTOR_ASSERT_RC(actor_test_start(&t, 2), 0);
    ACTOR_ASSERT_RC(farm_pool(t.sys, &f, &o, &pool), 0);
    ACTOR_ASSERT_RC(actor_pool_members(t.sys, pool, members, 3, &n), 0);
    ACTOR_ASSERT_INT(n, 3);
    for (int i = 0; i < 300; i++) {
        ids[i] = who(&t, pool, i, &st);
        ACTOR_ASSERT_STATUS(&st, ACTOR_STATUS_OK);
    }
    for (int k = 0; k < 3; k++)
        counts[k] = count_of(ids, 300, (int64_t)members[k].id);
    actor_test_stop(&t);
    farm_fini(&f);
}

ACTOR_TEST(round_robin_spreads_evenly)
{
    int counts[3] = {-1, -1, -1};

    spread(ACTOR_BALANCE_ROUND_ROBIN, counts);
    for (int k = 0; k < 3; k++) /* one caller: each in turn, exactly */
        ACTOR_ASSERT_INT(counts[k], 100);
}

ACTOR_TEST(random2_uses_every_instance)
{
    int counts[3] = {-1, -1, -1};

    spread(ACTOR_BALANCE_RANDOM2, counts);
    for (int k = 0; k < 3; k++)
        ACTOR_ASSERT(counts[k] > 0);
}

/* Every key reaches one instance, always; keys spread; a restarted
 * instance keeps its keys; a failed one's keys move, the others' stay. */
ACTOR_TEST(key_hash_sticks_through_restarts)
{
    actor_test t;
    farm f;
    actor_pool_opts o = {
        .size = 4, .balance = ACTOR_BALANCE_KEY_HASH, .restart = {.max = 5, .window_ms = 60000}};
    actor_ref pool;
    actor_status st;
    int64_t first[64], again;
    int used[4] = {0}, distinct = 0;
    actor_ref members[4];
    size_t n;

    farm_init(&f);
    ACTOR_ASSERT_RC(actor_test_start(&t, 2), 0);
    ACTOR_ASSERT_RC(farm_pool(t.sys, &f, &o, &pool), 0);
    ACTOR_ASSERT_RC(actor_pool_members(t.sys, pool, members, 4, &n), 0);
    for (int k = 0; k < 64; k++) {
        first[k] = who(&t, pool, k * 7919, &st);
        ACTOR_ASSERT_STATUS(&st, ACTOR_STATUS_OK);
        for (int r = 0; r < 5; r++)
            ACTOR_ASSERT_INT(who(&t, pool, k * 7919, &st), first[k]);
        for (int m = 0; m < 4; m++)
            used[m] += first[k] == (int64_t)members[m].id;
    }
    for (int m = 0; m < 4; m++)
        distinct += used[m] != 0;
    ACTOR_ASSERT(distinct >= 3);
    /* restart the instance of key 0 (a crash): its keys still reach it */
    ACTOR_ASSERT_RC(actor_call(t.client, (actor_ref){(uint64_t)first[0]},
                               (actor_method_ref){&farm_type, M_CRASH}, NULL, 0, NULL, &st, NULL),
                    0);
    ACTOR_ASSERT_STATUS(&st, ACTOR_STATUS_DIED);
    for (int k = 0; k < 64; k++) {
        again = who(&t, pool, k * 7919, &st); /* waits in its mailbox while it restarts */
        ACTOR_ASSERT_STATUS(&st, ACTOR_STATUS_OK);
        ACTOR_ASSERT_INT(again, first[k]);
    }
    ACTOR_ASSERT(atomic_load(&f.incarnations) == 5);
    actor_test_stop(&t);
    farm_fini(&f);
}

typedef struct async_tally {
    atomic_int ok, other, done;
} async_tally;

static void tally_reply(void *user, uint64_t call_id, const actor_status *st, const char *body,
                        size_t len)
{
    async_tally *a = user;

    (void)call_id;
    (void)body;
    (void)len;
    if (st->category == ACTOR_STATUS_OK)
        atomic_fetch_add(&a->ok, 1);
    else
        atomic_fetch_add(&a->other, 1);
    atomic_fetch_add(&a->done, 1);
}

typedef struct want_done {
    async_tally *a;
    int n;
} want_done;

static bool done_pred(void *arg)
{
    want_done *w = arg;
    return atomic_load(&w->a->done) >= w->n;
}

static bool entered_pred(void *arg)
{
    return atomic_load(&((farm *)arg)->entered) >= 1;
}

/* One instance is held in a long call: least loaded sends everything else
 * to the other; round robin would send it half. */
ACTOR_TEST(least_loaded_avoids_a_busy_instance)
{
    actor_test t;
    farm f;
    actor_pool_opts o = {.size = 2, .balance = ACTOR_BALANCE_LEAST_LOADED};
    actor_ref pool, members[2], busy;
    actor_stats s0;
    actor_status st;
    async_tally a = {0};
    want_done w = {&a, 1};
    msgpack_sbuffer sb;
    size_t n;

    farm_init(&f);
    msgpack_sbuffer_init(&sb);
    ACTOR_ASSERT_RC(actor_test_start(&t, 2), 0);
    ACTOR_ASSERT_RC(farm_pool(t.sys, &f, &o, &pool), 0);
    ACTOR_ASSERT_RC(actor_pool_members(t.sys, pool, members, 2, &n), 0);
    actor_test_int_body(&sb, 0);
    ACTOR_ASSERT_RC(actor_call_async(t.client, pool, (actor_method_ref){&farm_type, M_GATE},
                                     sb.data, sb.size, NULL, tally_reply, &a, NULL),
                    0);
    ACTOR_ASSERT(actor_test_wait(entered_pred, &f, 10000));
    ACTOR_ASSERT_INT(actor_pool_in_flight(t.sys, pool), 1);
    ACTOR_ASSERT_INT(actor_pool_free_slots(t.sys, pool), 1);
    ACTOR_ASSERT(actor_pool_has_free(t.sys, pool));
    ACTOR_ASSERT_RC(actor_stats_get(t.sys, members[0], &s0), 0);
    busy = s0.in_flight == 1 ? members[0] : members[1];
    for (int i = 0; i < 50; i++) {
        int64_t id = who(&t, pool, i, &st);
        ACTOR_ASSERT_STATUS(&st, ACTOR_STATUS_OK);
        ACTOR_ASSERT(id != (int64_t)busy.id);
    }
    farm_gate(&f, true);
    ACTOR_ASSERT(actor_test_wait(done_pred, &w, 10000));
    ACTOR_ASSERT_INT(atomic_load(&a.ok), 1);
    msgpack_sbuffer_destroy(&sb);
    actor_test_stop(&t);
    farm_fini(&f);
}

/* Least loaded counts what an instance holds now, exactly, not what it
 * once held: after 200 calls served by one instance (all answered) the
 * pool holds nothing, not even the last message popped; with one call held
 * at the other's gate, every call goes to the first. */
ACTOR_TEST(least_loaded_counts_only_what_is_held_now)
{
    actor_test t;
    farm f;
    actor_pool_opts o = {.size = 2, .balance = ACTOR_BALANCE_LEAST_LOADED};
    actor_ref pool, members[2];
    actor_status st;
    async_tally a = {0};
    want_done w = {&a, 1};
    msgpack_sbuffer sb;
    int64_t id = 0;
    size_t n;

    farm_init(&f);
    msgpack_sbuffer_init(&sb);
    ACTOR_ASSERT_RC(actor_test_start(&t, 2), 0);
    ACTOR_ASSERT_RC(farm_pool(t.sys, &f, &o, &pool), 0);
    ACTOR_ASSERT_RC(actor_pool_members(t.sys, pool, members, 2, &n), 0);
    for (int i = 0; i < 200; i++) { /* served and answered: members[0] holds nothing */
        ACTOR_ASSERT_RC(actor_test_call_int(&t, members[0], M_WHO, i, &st, &id), 0);
        ACTOR_ASSERT_STATUS(&st, ACTOR_STATUS_OK);
    }
    ACTOR_ASSERT_INT(actor_pool_in_flight(t.sys, pool), 0); /* not even the last one popped */
    actor_test_int_body(&sb, 0);
    ACTOR_ASSERT_RC(actor_call_async(t.client, members[1], (actor_method_ref){&farm_type, M_GATE},
                                     sb.data, sb.size, NULL, tally_reply, &a, NULL),
                    0);
    ACTOR_ASSERT(actor_test_wait(entered_pred, &f, 10000)); /* members[1] holds one */
    ACTOR_ASSERT_INT(actor_pool_in_flight(t.sys, pool), 1);
    for (int i = 0; i < 20; i++) {
        id = who(&t, pool, i, &st);
        ACTOR_ASSERT_STATUS(&st, ACTOR_STATUS_OK);
        ACTOR_ASSERT_INT(id, (int64_t)members[0].id);
    }
    farm_gate(&f, true);
    ACTOR_ASSERT(actor_test_wait(done_pred, &w, 10000));
    msgpack_sbuffer_destroy(&sb);
    actor_test_stop(&t);
    farm_fini(&f);
}

/* Grows and shrinks while calls are in flight: every call answered OK,
 * once; the removed instances finish what they had. */
ACTOR_TEST(scale_up_and_down_under_load)
{
    actor_test t;
    farm f;
    actor_pool_opts o = {.size = 2, .balance = ACTOR_BALANCE_ROUND_ROBIN};
    actor_ref pool;
    actor_pool_stats ps;
    async_tally a = {0};
    want_done w = {&a, 3000};
    msgpack_sbuffer sb;

    farm_init(&f);
    msgpack_sbuffer_init(&sb);
    ACTOR_ASSERT_RC(actor_test_start(&t, 2), 0);
    ACTOR_ASSERT_RC(farm_pool(t.sys, &f, &o, &pool), 0);
    actor_test_int_body(&sb, 20);
    for (int i = 0; i < 3000; i++) {
        ACTOR_ASSERT_RC(actor_call_async(t.client, pool, (actor_method_ref){&farm_type, M_SPIN},
                                         sb.data, sb.size, NULL, tally_reply, &a, NULL),
                        0);
        if (i == 500)
            ACTOR_ASSERT_RC(actor_pool_scale(t.sys, pool, 3), 0);
        if (i == 1500)
            ACTOR_ASSERT_RC(actor_pool_scale(t.sys, pool, -4), 0);
        if (i == 2000)
            ACTOR_ASSERT_RC(actor_pool_scale(t.sys, pool, 2), 0);
    }
    ACTOR_ASSERT(actor_test_wait(done_pred, &w, 60000));
    ACTOR_ASSERT_INT(atomic_load(&a.ok), 3000);
    ACTOR_ASSERT_INT(atomic_load(&a.other), 0);
    ACTOR_ASSERT_RC(actor_pool_stats_get(t.sys, pool, &ps), 0);
    ACTOR_ASSERT_INT(ps.size, 3);
    ACTOR_ASSERT_INT(ps.live, 3);
    ACTOR_ASSERT_INT(ps.routed, 3000);
    ACTOR_ASSERT_INT(atomic_load(&f.incarnations), 7);                /* 2 + 3 + 2, no restart */
    ACTOR_ASSERT_RC(actor_pool_scale(t.sys, pool, -3), ACTOR_EINVAL); /* keeps one */
    ACTOR_ASSERT_RC(actor_pool_scale(t.sys, pool, 2000), ACTOR_EINVAL);
    msgpack_sbuffer_destroy(&sb);
    actor_test_stop(&t);
    ACTOR_ASSERT_INT(atomic_load(&f.cleanups), 7);
    farm_fini(&f);
}

/* Past its restart limit an instance fails; when none is left, calls end
 * UNAVAILABLE at once, not at their deadline. */
ACTOR_TEST(every_instance_failed_is_unavailable)
{
    actor_test t;
    farm f;
    actor_pool_opts o = {.size = 2, .restart = {.max = 1, .window_ms = 60000}};
    actor_ref pool;
    actor_pool_stats ps;
    actor_status st;
    actor_call_opts slow = {ACTOR_PRIORITY_DEFAULT, 60000};

    farm_init(&f);
    ACTOR_ASSERT_RC(actor_test_start(&t, 2), 0);
    ACTOR_ASSERT_RC(farm_pool(t.sys, &f, &o, &pool), 0);
    for (int i = 0; i < 4; i++) { /* each instance crashes twice: 1 restart, then failed */
        ACTOR_ASSERT_RC(actor_call(t.client, pool, (actor_method_ref){&farm_type, M_CRASH}, NULL, 0,
                                   &slow, &st, NULL),
                        0);
        if (st.category == ACTOR_STATUS_UNAVAILABLE)
            break;
        ACTOR_ASSERT_STATUS(&st, ACTOR_STATUS_DIED);
        for (int k = 0; k < 2000; k++) { /* until the pool sees it (routes around it) */
            actor_pool_stats_get(t.sys, pool, &ps);
            if (ps.live + ps.failed == 2)
                break;
            usleep(1000);
        }
    }
    for (int k = 0; k < 2000; k++) {
        actor_pool_stats_get(t.sys, pool, &ps);
        if (ps.failed == 2)
            break;
        usleep(1000);
    }
    ACTOR_ASSERT_INT(ps.failed, 2);
    ACTOR_ASSERT_INT(ps.live, 0);
    ACTOR_ASSERT_RC(actor_call(t.client, pool, (actor_method_ref){&farm_type, M_WHO}, NULL, 0,
                               &slow, &st, NULL),
                    ACTOR_EUNAVAILABLE);
    ACTOR_ASSERT_STATUS(&st, ACTOR_STATUS_UNAVAILABLE);
    ACTOR_ASSERT(!actor_pool_has_free(t.sys, pool));
    actor_test_stop(&t);
    farm_fini(&f);
}

/* An idempotent request that crashed its instance is served by the
 * restarted one; a non-idempotent one is answered DIED, once. */
ACTOR_TEST(crashed_requests_retried_or_died)
{
    actor_test t;
    farm f;
    actor_pool_opts o = {.size = 1};
    actor_ref pool;
    actor_status st;
    int64_t inc = 0;

    farm_init(&f);
    ACTOR_ASSERT_RC(actor_test_start(&t, 2), 0);
    ACTOR_ASSERT_RC(farm_pool(t.sys, &f, &o, &pool), 0);
    atomic_store(&f.crash_next, 1);
    ACTOR_ASSERT_RC(actor_test_call_int(&t, pool, M_MAYBE_CRASH, 0, &st, &inc), 0);
    ACTOR_ASSERT_STATUS(&st, ACTOR_STATUS_OK);
    ACTOR_ASSERT_INT(inc, 2); /* the second incarnation served it */
    ACTOR_ASSERT_RC(actor_test_call_int(&t, pool, M_CRASH, 0, &st, NULL), 0);
    ACTOR_ASSERT_STATUS(&st, ACTOR_STATUS_DIED);
    ACTOR_ASSERT_RC(actor_test_call_int(&t, pool, M_INCARNATION, 0, &st, &inc), 0);
    ACTOR_ASSERT_INT(inc, 3);
    actor_test_stop(&t);
    farm_fini(&f);
}

/* max_task_retries: a request whose method has neither @retries nor
 * @idempotent is tried that many more times after crashes, then DIED. */
ACTOR_TEST(max_task_retries_is_the_default_for_plain_methods)
{
    actor_test t;
    farm f;
    actor_pool_opts o = {.size = 1, .max_task_retries = 2};
    actor_ref pool;
    actor_status st;
    actor_pool_stats ps;
    int64_t inc = 0;

    farm_init(&f);
    ACTOR_ASSERT_RC(actor_test_start(&t, 2), 0);
    ACTOR_ASSERT_RC(farm_pool(t.sys, &f, &o, &pool), 0);
    ACTOR_ASSERT_RC(actor_test_call_int(&t, pool, M_CRASH, 0, &st, NULL), 0);
    ACTOR_ASSERT_STATUS(&st, ACTOR_STATUS_DIED);
    /* three attempts, three crashes, three restarts */
    ACTOR_ASSERT_RC(actor_test_call_int(&t, pool, M_INCARNATION, 0, &st, &inc), 0);
    ACTOR_ASSERT_INT(inc, 4);
    ACTOR_ASSERT_RC(actor_pool_stats_get(t.sys, pool, &ps), 0);
    ACTOR_ASSERT_INT(ps.retried, 2);
    actor_test_stop(&t);
    farm_fini(&f);
}

/* Terminating a pool terminates its instances; its ref is then gone. */
ACTOR_TEST(terminated_pool_is_gone)
{
    actor_test t;
    farm f;
    actor_ref pool;
    actor_status st;
    actor_pool_stats ps;

    farm_init(&f);
    ACTOR_ASSERT_RC(actor_test_start(&t, 2), 0);
    ACTOR_ASSERT_RC(farm_pool(t.sys, &f, &(actor_pool_opts){.size = 3}, &pool), 0);
    ACTOR_ASSERT_INT(who(&t, pool, 1, &st) > 0, 1);
    ACTOR_ASSERT_RC(actor_terminate(t.sys, pool, true), 0);
    for (int k = 0; k < 2000 && actor_pool_stats_get(t.sys, pool, &ps) == 0; k++)
        usleep(1000);
    ACTOR_ASSERT_RC(actor_pool_stats_get(t.sys, pool, &ps), ACTOR_ENOTFOUND);
    for (int k = 0; k < 2000 && atomic_load(&f.cleanups) < 3; k++)
        usleep(1000);
    ACTOR_ASSERT_INT(atomic_load(&f.cleanups), 3);
    actor_test_stop(&t);
    farm_fini(&f);
}

int main(void)
{
    ACTOR_TEST_RUN(round_robin_spreads_evenly);
    ACTOR_TEST_RUN(random2_uses_every_instance);
    ACTOR_TEST_RUN(key_hash_sticks_through_restarts);
    ACTOR_TEST_RUN(least_loaded_avoids_a_busy_instance);
    ACTOR_TEST_RUN(least_loaded_counts_only_what_is_held_now);
    ACTOR_TEST_RUN(scale_up_and_down_under_load);
    ACTOR_TEST_RUN(every_instance_failed_is_unavailable);
    ACTOR_TEST_RUN(crashed_requests_retried_or_died);
    ACTOR_TEST_RUN(max_task_retries_is_the_default_for_plain_methods);
    ACTOR_TEST_RUN(terminated_pool_is_gone);
    return actor_test_summary();
}
