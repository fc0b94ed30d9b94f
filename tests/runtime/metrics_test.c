/*
 * metrics_test.c - per-actor metrics against a known load: the counters
 * (processed, errors, in flight, mailbox depth) and the handler run-time
 * histogram (actor_latency): which runs are timed, a pool's instances
 * merged, and quantiles read from buckets within their stated accuracy.
 */
#include "rt_actors.h"

#include <time.h>

#include "actor/pool.h"

#define LONG_MS 10000u

static void sleep_ms(unsigned ms)
{
    struct timespec ts = {0, (long)ms * 1000000L};
    nanosleep(&ts, NULL);
}

ACTOR_TEST(counters_and_histogram_follow_a_known_load)
{
    actor_test t;
    probe p;
    actor_ref a;
    actor_stats s;
    actor_latency h;
    actor_status st;

    probe_init(&p);
    ACTOR_ASSERT_RC(actor_test_start(&t, 0), 0);
    a = spawn_probe(&t, &probe_type, &p);
    ACTOR_ASSERT_RC(actor_latency_get(t.sys, a, &h), 0);
    ACTOR_ASSERT_INT(h.count, 0);
    ACTOR_ASSERT_INT(actor_latency_quantile(&h, 0.99), 0);
    for (int i = 0; i < 200; i++) {
        ACTOR_ASSERT_RC(sync_int(t.client, a, M_ADD, i, -1, LONG_MS, &st, NULL), 0);
        ACTOR_ASSERT_STATUS(&st, ACTOR_STATUS_OK);
    }
    for (int i = 0; i < 8; i++) {
        ACTOR_ASSERT_RC(sync_int(t.client, a, M_RAISE, ERR_SEVEN, -1, LONG_MS, &st, NULL), 0);
        ACTOR_ASSERT_INT(st.category, ACTOR_STATUS_ERROR);
    }
    ACTOR_ASSERT_RC(actor_stats_get(t.sys, a, &s), 0);
    ACTOR_ASSERT_INT(s.processed, 208);
    ACTOR_ASSERT_INT(s.errors, 8);
    ACTOR_ASSERT_INT(s.in_flight, 0);
    ACTOR_ASSERT_INT(s.mailbox_depth, 0);
    /* the first 64 runs, then one in 8 of the other 144 */
    ACTOR_ASSERT_RC(actor_latency_get(t.sys, a, &h), 0);
    ACTOR_ASSERT_INT(h.count, 64 + 144 / 8);
    uint64_t total = 0;
    for (unsigned i = 0; i < ACTOR_LATENCY_BUCKETS; i++)
        total += h.buckets[i];
    ACTOR_ASSERT_INT(total, h.count);
    uint64_t p50 = actor_latency_quantile(&h, 0.5), p99 = actor_latency_quantile(&h, 0.99),
             p999 = actor_latency_quantile(&h, 0.999);
    ACTOR_ASSERT(p50 <= p99 && p99 <= p999 && p999 <= h.max_ns);
    actor_test_stop(&t);
    probe_fini(&p);
}

typedef struct depth_wait {
    actor_system *sys;
    actor_ref ref;
    uint64_t depth;
} depth_wait;

static bool depth_reached(void *arg)
{
    depth_wait *w = arg;
    actor_stats s;

    return actor_stats_get(w->sys, w->ref, &s) == 0 && s.mailbox_depth == w->depth;
}

/* One worker: a holds it in a slow run while b's messages wait. */
ACTOR_TEST(a_slow_run_shows_in_the_tail_and_waiting_work_in_the_depth)
{
    actor_test t;
    probe pa, pb;
    actor_ref a, b;
    actor_stats s;
    actor_latency h;
    outcome slow = {0}, queued[4] = {0};

    probe_init(&pa);
    probe_init(&pb);
    ACTOR_ASSERT_RC(actor_test_start(&t, 1), 0);
    a = spawn_probe(&t, &probe_type, &pa);
    b = spawn_probe(&t, &probe_type, &pb);
    ACTOR_ASSERT_RC(async_int(t.client, a, M_WAIT, 1, -1, LONG_MS, &slow), 0);
    ACTOR_ASSERT(actor_test_wait(probe_entered_pred, &pa, LONG_MS));
    for (int i = 0; i < 4; i++)
        ACTOR_ASSERT_RC(async_int(t.client, b, M_ADD, i, -1, LONG_MS, &queued[i]), 0);
    ACTOR_ASSERT(actor_test_wait(depth_reached, &(depth_wait){t.sys, b, 4}, LONG_MS));
    ACTOR_ASSERT_RC(actor_stats_get(t.sys, a, &s), 0);
    ACTOR_ASSERT_INT(s.in_flight, 1);
    ACTOR_ASSERT_INT(s.processed, 0);
    sleep_ms(30); /* a's run lasts at least this long */
    probe_open(&pa);
    ACTOR_ASSERT(outcome_wait(&slow));
    for (int i = 0; i < 4; i++)
        ACTOR_ASSERT(outcome_wait(&queued[i]));
    ACTOR_ASSERT_RC(actor_stats_get(t.sys, b, &s), 0);
    ACTOR_ASSERT_INT(s.mailbox_depth, 0);
    ACTOR_ASSERT_INT(s.processed, 4);
    ACTOR_ASSERT_RC(actor_latency_get(t.sys, a, &h), 0);
    ACTOR_ASSERT_INT(h.count, 1);
    ACTOR_ASSERT(h.max_ns >= 30000000u);
    /* its bucket's middle is within 1/16 of it */
    ACTOR_ASSERT(actor_latency_quantile(&h, 0.5) >= 30000000u - 30000000u / 16);
    ACTOR_ASSERT_RC(actor_latency_get(t.sys, b, &h), 0);
    ACTOR_ASSERT_INT(h.count, 4);
    actor_test_stop(&t);
    probe_fini(&pa);
    probe_fini(&pb);
}

ACTOR_TEST(a_pools_histogram_is_its_instances_together)
{
    actor_test t;
    probe p, *spec = &p;
    actor_ref pool, members[2];
    actor_pool_opts o = {.size = 2, .balance = ACTOR_BALANCE_ROUND_ROBIN};
    actor_latency whole, part, sum = {0};
    actor_status st;
    size_t n;

    probe_init(&p);
    ACTOR_ASSERT_RC(actor_test_start(&t, 0), 0);
    ACTOR_ASSERT_RC(
        actor_pool_spawn(t.sys, &probe_type, spawn_probe_spec, &spec, sizeof spec, &o, &pool), 0);
    for (int i = 0; i < 40; i++)
        ACTOR_ASSERT_RC(sync_int(t.client, pool, M_ADD, i, -1, LONG_MS, &st, NULL), 0);
    ACTOR_ASSERT_RC(actor_latency_get(t.sys, pool, &whole), 0);
    ACTOR_ASSERT_INT(whole.count, 40);
    ACTOR_ASSERT_RC(actor_pool_members(t.sys, pool, members, 2, &n), 0);
    ACTOR_ASSERT_INT(n, 2);
    for (size_t i = 0; i < n; i++) {
        ACTOR_ASSERT_RC(actor_latency_get(t.sys, members[i], &part), 0);
        ACTOR_ASSERT_INT(part.count, 20); /* round robin */
        actor_latency_merge(&sum, &part);
    }
    ACTOR_ASSERT(memcmp(sum.buckets, whole.buckets, sizeof sum.buckets) == 0);
    ACTOR_ASSERT_INT(sum.max_ns, whole.max_ns);
    actor_test_stop(&t);
    probe_fini(&p);
}

/* |got - want| within a fraction f of want. */
static bool near(uint64_t got, uint64_t want, double f)
{
    double d = (double)got - (double)want;
    return (d < 0 ? -d : d) <= f * (double)want;
}

ACTOR_TEST(quantiles_come_from_buckets_within_their_width)
{
    actor_latency h = {0};

    /* 1 us .. 10 ms, evenly */
    for (uint64_t us = 1; us <= 10000; us++)
        actor_latency_add_ns(&h, us * 1000u);
    ACTOR_ASSERT_INT(h.count, 10000);
    ACTOR_ASSERT_INT(h.max_ns, 10000000u);
    ACTOR_ASSERT(near(actor_latency_quantile(&h, 0.5), 5000000u, 0.07));
    ACTOR_ASSERT(near(actor_latency_quantile(&h, 0.99), 9900000u, 0.07));
    ACTOR_ASSERT(near(actor_latency_quantile(&h, 0.999), 9990000u, 0.07));
    ACTOR_ASSERT(actor_latency_quantile(&h, 1.0) <= h.max_ns);
    /* a single value, and values past the last bucket */
    actor_latency one = {0};
    actor_latency_add_ns(&one, 250000u);
    ACTOR_ASSERT(near(actor_latency_quantile(&one, 0.5), 250000u, 0.07));
    actor_latency huge = {0};
    actor_latency_add_ns(&huge, UINT64_MAX / 2);
    ACTOR_ASSERT_INT(huge.buckets[ACTOR_LATENCY_BUCKETS - 1], 1);
    ACTOR_ASSERT(actor_latency_quantile(&huge, 0.99) <= huge.max_ns);
}

int main(void)
{
    ACTOR_TEST_RUN(counters_and_histogram_follow_a_known_load);
    ACTOR_TEST_RUN(a_slow_run_shows_in_the_tail_and_waiting_work_in_the_depth);
    ACTOR_TEST_RUN(a_pools_histogram_is_its_instances_together);
    ACTOR_TEST_RUN(quantiles_come_from_buckets_within_their_width);
    return actor_test_summary();
}
