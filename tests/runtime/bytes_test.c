/*
 * bytes_test.c - the mailbox's byte bound end to end: each overflow policy
 * when the mailbox is full by body bytes (not by count), a single message
 * bigger than the bound refused at once under every policy, the system's
 * default bound and the per-actor one, and the `mailbox_bytes` statistic.
 * Runs under ASan+UBSan and ThreadSanitizer (a blocked plain thread).
 */
#include <string.h>

#include "rt_actors.h"

#define LONG_MS 10000u

static const char zeros[4096];

static actor_call_opts timeout_opts(uint32_t timeout_ms)
{
    actor_call_opts o = ACTOR_CALL_OPTS_DEFAULT;

    o.timeout_ms = timeout_ms;
    return o;
}

/* A cast to M_LOG whose body is `len` bytes (the actor stays inactive in
 * these tests, so the body is never decoded). */
static int cast_bytes(actor_client *c, actor_ref to, size_t len, uint32_t timeout_ms)
{
    actor_call_opts o = timeout_opts(timeout_ms);

    return actor_cast(c, to, any_method(M_LOG), zeros, len, &o);
}

static int async_bytes(actor_client *c, actor_ref to, size_t len, outcome *out)
{
    actor_call_opts o = timeout_opts(LONG_MS);

    return actor_call_async(c, to, any_method(M_ADD), zeros, len, &o, record_reply, out, NULL);
}

static int sync_bytes(actor_client *c, actor_ref to, size_t len, uint32_t timeout_ms,
                      actor_status *st)
{
    actor_call_opts o = timeout_opts(timeout_ms);

    return actor_call(c, to, any_method(M_ADD), zeros, len, &o, st, NULL);
}

/* An inactive actor of `type` whose mailbox holds at most `max_bytes`. */
static actor_ref spawn_bounded(actor_test *t, const actor_type *type, probe *p, size_t max_bytes)
{
    actor_spawn_opts so = {0};
    actor_ref ref = ACTOR_REF_NONE;

    so.inactive = true;
    so.mailbox_max_bytes = max_bytes;
    if (actor_spawn(t->sys, type, p, &so, &ref) != 0)
        return ACTOR_REF_NONE;
    return ref;
}

static actor_stats stats_of(actor_test *t, actor_ref a)
{
    actor_stats s;

    memset(&s, 0, sizeof(s));
    (void)actor_stats_get(t->sys, a, &s);
    return s;
}

ACTOR_TEST(reject_by_bytes)
{
    actor_test t;
    probe p;
    actor_ref a;
    outcome out = {0};
    actor_status st;
    actor_stats s;

    probe_init(&p);
    ACTOR_ASSERT_RC(actor_test_start(&t, 0), 0);
    a = spawn_bounded(&t, &probe_reject_type, &p, 100); /* capacity 4 */
    ACTOR_ASSERT_RC(cast_bytes(t.client, a, 60, 0), 0);
    ACTOR_ASSERT_RC(cast_bytes(t.client, a, 41, 0), ACTOR_EFULL); /* 1 message, 101 bytes */
    ACTOR_ASSERT_RC(async_bytes(t.client, a, 41, &out), ACTOR_EFULL);
    ACTOR_ASSERT_RC(sync_bytes(t.client, a, 41, LONG_MS, &st), 0);
    ACTOR_ASSERT_STATUS(&st, ACTOR_STATUS_REJECTED);
    ACTOR_ASSERT_RC(cast_bytes(t.client, a, 40, 0), 0); /* exactly the bound */
    s = stats_of(&t, a);
    ACTOR_ASSERT_INT(s.mailbox_depth, 2);
    ACTOR_ASSERT_INT(s.mailbox_bytes, 100);
    ACTOR_ASSERT_INT(s.overflows, 3);
    ACTOR_ASSERT_INT(s.rejected, 3);
    actor_test_stop(&t);
    ACTOR_ASSERT_INT(atomic_load(&out.calls), 0);
    probe_fini(&p);
}

ACTOR_TEST(drop_oldest_by_bytes)
{
    actor_test t;
    probe p;
    actor_ref a;
    outcome out[4];
    actor_stats s;

    probe_init(&p);
    memset(out, 0, sizeof(out));
    ACTOR_ASSERT_RC(actor_test_start(&t, 0), 0);
    a = spawn_bounded(&t, &probe_drop_type, &p, 100);
    ACTOR_ASSERT_RC(async_bytes(t.client, a, 30, &out[0]), 0);
    ACTOR_ASSERT_RC(async_bytes(t.client, a, 30, &out[1]), 0);
    ACTOR_ASSERT_RC(async_bytes(t.client, a, 30, &out[2]), 0);
    /* 70 more: the two oldest (60 bytes) make room */
    ACTOR_ASSERT_RC(async_bytes(t.client, a, 70, &out[3]), 0);
    for (int i = 0; i < 2; i++) {
        ACTOR_ASSERT(outcome_wait(&out[i]));
        ACTOR_ASSERT_STATUS(&out[i].st, ACTOR_STATUS_REJECTED);
    }
    s = stats_of(&t, a);
    ACTOR_ASSERT_INT(s.dropped, 2);
    ACTOR_ASSERT_INT(s.overflows, 1);
    ACTOR_ASSERT_INT(s.mailbox_depth, 2);
    ACTOR_ASSERT_INT(s.mailbox_bytes, 100);
    /* a body bigger than the bound drops nothing: refused itself */
    ACTOR_ASSERT_RC(cast_bytes(t.client, a, 101, 0), ACTOR_EFULL);
    s = stats_of(&t, a);
    ACTOR_ASSERT_INT(s.dropped, 2);
    ACTOR_ASSERT_INT(s.rejected, 1);
    ACTOR_ASSERT_INT(s.mailbox_bytes, 100);
    actor_test_stop(&t); /* drains: the other two run (DECODE: their bodies are zeros) */
    for (int i = 0; i < 4; i++)
        ACTOR_ASSERT_INT(atomic_load(&out[i].calls), 1);
    probe_fini(&p);
}

typedef struct blocked_sender {
    actor_system *sys;
    actor_ref to;
    size_t len;
    int rc;
} blocked_sender;

static void *send_blocking(void *arg)
{
    blocked_sender *b = arg;
    actor_client *c;

    b->rc = actor_client_new(b->sys, &c);
    if (b->rc == 0) {
        b->rc = cast_bytes(c, b->to, b->len, LONG_MS);
        actor_client_destroy(&c);
    }
    return NULL;
}

typedef struct bytes_wait {
    actor_system *sys;
    actor_ref ref;
    uint64_t overflows;
} bytes_wait;

static bool overflows_pred(void *arg)
{
    bytes_wait *w = arg;
    actor_stats s;

    return actor_stats_get(w->sys, w->ref, &s) == 0 && s.overflows >= w->overflows;
}

ACTOR_TEST(block_by_bytes)
{
    actor_test t;
    probe p;
    actor_ref a;
    outcome out[2];
    actor_status st;
    actor_stats s;
    blocked_sender b;
    pthread_t thread;
    bytes_wait w;
    int64_t t0;

    probe_init(&p);
    memset(out, 0, sizeof(out));
    ACTOR_ASSERT_RC(actor_test_start(&t, 0), 0);
    a = spawn_bounded(&t, &probe_block_type, &p, 100); /* capacity 2 */
    ACTOR_ASSERT_RC(cast_bytes(t.client, a, 60, 0), 0);
    /* a plain thread waits for room until its deadline, then EFULL */
    ACTOR_ASSERT_RC(cast_bytes(t.client, a, 50, 20), ACTOR_EFULL);
    /* senders that must not block join the waiting line, bounded by bytes */
    ACTOR_ASSERT_RC(async_bytes(t.client, a, 50, &out[0]), 0);
    ACTOR_ASSERT_RC(async_bytes(t.client, a, 51, &out[1]), ACTOR_EFULL);
    s = stats_of(&t, a);
    ACTOR_ASSERT_INT(s.mailbox_depth, 2);
    ACTOR_ASSERT_INT(s.mailbox_bytes, 110);
    ACTOR_ASSERT_INT(s.rejected, 2);
    /* bigger than the bound: refused at once, never waits for its deadline */
    t0 = actor_now_ns();
    ACTOR_ASSERT_RC(sync_bytes(t.client, a, 101, LONG_MS, &st), 0);
    ACTOR_ASSERT_STATUS(&st, ACTOR_STATUS_REJECTED);
    ACTOR_ASSERT_RC(cast_bytes(t.client, a, 4096, LONG_MS), ACTOR_EFULL);
    ACTOR_ASSERT(actor_now_ns() - t0 < (int64_t)LONG_MS * 1000000 / 2);
    ACTOR_ASSERT_INT(stats_of(&t, a).rejected, 4);
    /* another plain thread blocks until room frees: admitted by bytes */
    b.sys = t.sys;
    b.to = a;
    b.len = 40;
    b.rc = 1;
    ACTOR_ASSERT(pthread_create(&thread, NULL, send_blocking, &b) == 0);
    w.sys = t.sys;
    w.ref = a;
    w.overflows = 6;
    ACTOR_ASSERT(actor_test_wait(overflows_pred, &w, LONG_MS));
    ACTOR_ASSERT_RC(actor_activate(t.sys, a), 0);
    pthread_join(thread, NULL);
    ACTOR_ASSERT_RC(b.rc, 0);
    ACTOR_ASSERT(outcome_wait(&out[0]));
    ACTOR_ASSERT_INT(atomic_load(&out[1].calls), 0);
    actor_test_stop(&t);
    probe_fini(&p);
}

ACTOR_TEST(system_default_and_per_actor_bound)
{
    actor_system_opts so = {0};
    actor_system *sys;
    actor_client *c;
    actor_spawn_opts inactive = {0};
    actor_ref a, b;
    actor_stats s;
    probe pa, pb; /* one each: a's and b's handlers may run at once */

    probe_init(&pa);
    probe_init(&pb);
    so.workers = 2;
    so.mailbox_max_bytes = 64;
    inactive.inactive = true;
    ACTOR_ASSERT_RC(actor_system_new(&so, &sys), 0);
    ACTOR_ASSERT_RC(actor_client_new(sys, &c), 0);
    ACTOR_ASSERT_RC(actor_spawn(sys, &probe_reject_type, &pa, &inactive, &a), 0);
    inactive.mailbox_max_bytes = 128; /* its own bound wins */
    ACTOR_ASSERT_RC(actor_spawn(sys, &probe_reject_type, &pb, &inactive, &b), 0);
    ACTOR_ASSERT_RC(cast_bytes(c, a, 64, 0), 0);
    ACTOR_ASSERT_RC(cast_bytes(c, a, 1, 0), ACTOR_EFULL);
    ACTOR_ASSERT_RC(cast_bytes(c, b, 100, 0), 0);
    ACTOR_ASSERT_RC(cast_bytes(c, b, 28, 0), 0);
    ACTOR_ASSERT_RC(cast_bytes(c, b, 1, 0), ACTOR_EFULL);
    ACTOR_ASSERT_RC(actor_stats_get(sys, b, &s), 0);
    ACTOR_ASSERT_INT(s.mailbox_bytes, 128);
    ACTOR_ASSERT_RC(actor_stats_get(sys, a, &s), 0);
    ACTOR_ASSERT_INT(s.mailbox_bytes, 64);
    actor_client_destroy(&c);
    actor_system_destroy(&sys);
    probe_fini(&pa);
    probe_fini(&pb);
}

int main(void)
{
    ACTOR_TEST_RUN(reject_by_bytes);
    ACTOR_TEST_RUN(drop_oldest_by_bytes);
    ACTOR_TEST_RUN(block_by_bytes);
    ACTOR_TEST_RUN(system_default_and_per_actor_bound);
    return actor_test_summary();
}
