/*
 * calls_test.c - calls end to end on a running system: replies, declared
 * and undeclared errors, decode failures, unknown actors and methods,
 * async calls and casts, actor→actor request/then chains with deferred
 * replies, priorities and starvation, every overflow policy as REJECTED
 * statuses, deadlines (expired requests not run, timeouts, late replies
 * dropped and counted), health checks and statistics.
 * No assertion depends on wall-clock time; timeouts only guard hangs.
 */
#include "core/actor_internal.h" /* actor__ctx_request_space */
#include "rt_actors.h"

#define LONG_MS 10000u

ACTOR_TEST(call_replies)
{
    actor_test t;
    probe p;
    actor_status st;
    int64_t v = 0;
    actor_ref a;

    probe_init(&p);
    ACTOR_ASSERT_RC(actor_test_start(&t, 0), 0);
    a = spawn_probe(&t, &probe_type, &p);
    ACTOR_ASSERT(a.id != 0);
    ACTOR_ASSERT_RC(actor_test_call_int(&t, a, M_ADD, 41, &st, &v), 0);
    ACTOR_ASSERT_STATUS(&st, ACTOR_STATUS_OK);
    ACTOR_ASSERT_INT(v, 42);
    actor_test_stop(&t);
    ACTOR_ASSERT_INT(atomic_load(&p.inits), 1);
    ACTOR_ASSERT_INT(atomic_load(&p.cleanups), 1);
    probe_fini(&p);
}

ACTOR_TEST(errors_declared_undeclared_decode)
{
    actor_test t;
    probe p;
    actor_status st;
    actor_stats s;
    actor_ref a;

    probe_init(&p);
    ACTOR_ASSERT_RC(actor_test_start(&t, 0), 0);
    a = spawn_probe(&t, &probe_type, &p);
    ACTOR_ASSERT_RC(actor_test_call_int(&t, a, M_RAISE, ERR_SEVEN, &st, NULL), 0);
    ACTOR_ASSERT_ERROR(&st, ERR_SEVEN);
    ACTOR_ASSERT(strcmp(st.message, "raised 7") == 0);
    ACTOR_ASSERT_RC(actor_test_call_int(&t, a, M_RAISE, 99, &st, NULL), 0);
    ACTOR_ASSERT_STATUS(&st, ACTOR_STATUS_INTERNAL);
    ACTOR_ASSERT(strstr(st.message, "undeclared error 99") != NULL);
    ACTOR_ASSERT_RC(actor_test_call(&t, a, M_DECODE, "\xc1", 1, &st, NULL), 0);
    ACTOR_ASSERT_STATUS(&st, ACTOR_STATUS_DECODE);
    ACTOR_ASSERT_RC(actor_stats_get(t.sys, a, &s), 0);
    ACTOR_ASSERT_INT(s.errors, 3);
    ACTOR_ASSERT_INT(s.processed, 3);
    ACTOR_ASSERT_INT(s.in_flight, 0);
    actor_test_stop(&t);
    probe_fini(&p);
}

ACTOR_TEST(unknown_actor_method_or_type)
{
    static const actor_type other = {.name = "test.Other",
                                     .methods = probe_methods,
                                     .n_methods = M_COUNT,
                                     .overflow = ACTOR_OVERFLOW_REJECT};
    actor_test t;
    probe p;
    actor_status st;
    actor_ref a, bogus = {((uint64_t)77 << 32) | 1};
    outcome o = {0};
    actor_method_ref wrong_type = {&other, M_ADD};

    probe_init(&p);
    ACTOR_ASSERT_RC(actor_test_start(&t, 0), 0);
    a = spawn_probe(&t, &probe_type, &p);
    ACTOR_ASSERT_RC(actor_test_call_int(&t, ACTOR_REF_NONE, M_ADD, 1, &st, NULL), ACTOR_ENOTFOUND);
    ACTOR_ASSERT_STATUS(&st, ACTOR_STATUS_NOT_FOUND);
    ACTOR_ASSERT_RC(actor_test_call_int(&t, bogus, M_ADD, 1, &st, NULL), ACTOR_ENOTFOUND);
    ACTOR_ASSERT_RC(actor_test_call_int(&t, a, 999, 1, &st, NULL), ACTOR_ENOTFOUND);
    ACTOR_ASSERT_STATUS(&st, ACTOR_STATUS_NOT_FOUND);
    ACTOR_ASSERT_RC(actor_call(t.client, a, wrong_type, NULL, 0, NULL, &st, NULL), ACTOR_ENOTFOUND);
    ACTOR_ASSERT_RC(actor_call(t.client, a, method(M_ADD), NULL, 0, NULL, &st, NULL), 0);
    ACTOR_ASSERT_STATUS(&st, ACTOR_STATUS_DECODE); /* empty body: the right type got it */
    /* a failed async start never calls back */
    ACTOR_ASSERT_RC(async_int(t.client, bogus, M_ADD, 1, -1, 0, &o), ACTOR_ENOTFOUND);
    ACTOR_ASSERT_RC(cast_int(t.client, bogus, M_LOG, 1, -1, 0), ACTOR_ENOTFOUND);
    ACTOR_ASSERT_RC(async_int(t.client, a, M_ADD, 1, 256, 0, &o), ACTOR_EINVAL);
    actor_test_stop(&t);
    ACTOR_ASSERT_INT(atomic_load(&o.calls), 0);
    probe_fini(&p);
}

#define N_ASYNC 200

ACTOR_TEST(async_calls_and_casts)
{
    actor_test t;
    probe p;
    actor_status st;
    actor_ref a;
    static outcome out[N_ASYNC];

    probe_init(&p);
    memset(out, 0, sizeof(out));
    ACTOR_ASSERT_RC(actor_test_start(&t, 0), 0);
    a = spawn_probe(&t, &probe_type, &p);
    for (int i = 0; i < N_ASYNC; i++)
        ACTOR_ASSERT_RC(async_int(t.client, a, M_ADD, i * 10, -1, LONG_MS, &out[i]), 0);
    for (int i = 0; i < 5; i++)
        ACTOR_ASSERT_RC(cast_int(t.client, a, M_LOG, i, -1, 0), 0);
    /* same priority: FIFO, so the casts ran before this call */
    ACTOR_ASSERT_RC(actor_test_call_int(&t, a, M_ADD, 0, &st, NULL), 0);
    ACTOR_ASSERT_INT(atomic_load(&p.n_log), 5);
    for (int i = 0; i < 5; i++)
        ACTOR_ASSERT_INT(p.log[i], i);
    for (int i = 0; i < N_ASYNC; i++) {
        ACTOR_ASSERT(outcome_wait(&out[i]));
        ACTOR_ASSERT_INT(atomic_load(&out[i].calls), 1);
        ACTOR_ASSERT_STATUS(&out[i].st, ACTOR_STATUS_OK);
        ACTOR_ASSERT_INT(out[i].value, i * 10 + 1);
    }
    for (int i = 1; i < N_ASYNC; i++)
        ACTOR_ASSERT(out[i].id != out[i - 1].id);
    actor_test_stop(&t);
    probe_fini(&p);
}

ACTOR_TEST(request_then_chain_with_deferred_replies)
{
    actor_test t;
    probe p[4];
    actor_ref r[4];
    actor_status st;
    int64_t v = 0;
    static outcome out[50];

    ACTOR_ASSERT_RC(actor_test_start(&t, 0), 0);
    for (int i = 0; i < 4; i++)
        probe_init(&p[i]);
    for (int i = 3; i >= 0; i--) {
        p[i].peer = i < 3 ? r[i + 1] : ACTOR_REF_NONE;
        r[i] = spawn_probe(&t, &probe_type, &p[i]);
    }
    /* 1 → a → b → c → d: each hop adds one */
    ACTOR_ASSERT_RC(actor_test_call_int(&t, r[0], M_FORWARD, 1, &st, &v), 0);
    ACTOR_ASSERT_STATUS(&st, ACTOR_STATUS_OK);
    ACTOR_ASSERT_INT(v, 5);
    memset(out, 0, sizeof(out));
    for (int i = 0; i < 50; i++)
        ACTOR_ASSERT_RC(async_int(t.client, r[0], M_FORWARD, i * 100, -1, LONG_MS, &out[i]), 0);
    for (int i = 0; i < 50; i++) {
        ACTOR_ASSERT(outcome_wait(&out[i]));
        ACTOR_ASSERT_STATUS(&out[i].st, ACTOR_STATUS_OK);
        ACTOR_ASSERT_INT(out[i].value, i * 100 + 4);
    }
    actor_test_stop(&t);
    for (int i = 0; i < 4; i++) {
        ACTOR_ASSERT_INT(atomic_load(&p[i].cleanups), 1);
        probe_fini(&p[i]);
    }
}

ACTOR_TEST(errors_pass_through_continuations)
{
    actor_test t;
    probe p, q;
    actor_ref a;
    actor_status st;

    probe_init(&p);
    probe_init(&q);
    ACTOR_ASSERT_RC(actor_test_start(&t, 0), 0);
    p.peer = spawn_probe(&t, &probe_type, &q);
    a = spawn_probe(&t, &probe_type, &p);
    ACTOR_ASSERT_RC(actor_test_call(&t, a, M_FORWARD, "\x81\x01\x05", 3, &st, NULL), 0);
    ACTOR_ASSERT_STATUS(&st, ACTOR_STATUS_OK);
    ACTOR_ASSERT_RC(actor_terminate(t.sys, p.peer, false), 0);
    ACTOR_ASSERT_RC(actor_test_call_int(&t, a, M_FORWARD, 1, &st, NULL), 0);
    /* the peer is gone or going: the forward fails to start (INTERNAL with
     * the reason) or the request dies */
    ACTOR_ASSERT(st.category == ACTOR_STATUS_INTERNAL || st.category == ACTOR_STATUS_DIED);
    actor_test_stop(&t);
    probe_fini(&p);
    probe_fini(&q);
}

/* Holds a busy with an M_WAIT call so that messages pile up. */
static int hold_busy(actor_test *t, actor_ref a, probe *p, outcome *o)
{
    int rc = async_int(t->client, a, M_WAIT, 0, -1, LONG_MS, o);

    if (rc == 0 && !probe_wait_entered(p))
        rc = ACTOR_ETIMEDOUT;
    return rc;
}

static bool log_has_pred(void *arg)
{
    probe *p = arg;
    return atomic_load(&p->n_log) >= p->want_log;
}

static bool wait_log(probe *p, int n)
{
    p->want_log = n;
    return actor_test_wait(log_has_pred, p, LONG_MS);
}

ACTOR_TEST(priorities_end_to_end)
{
    actor_test t;
    probe p;
    actor_ref a;
    outcome busy = {0};
    int i;

    probe_init(&p);
    ACTOR_ASSERT_RC(actor_test_start(&t, 0), 0);
    a = spawn_probe(&t, &probe_type, &p);
    ACTOR_ASSERT_RC(hold_busy(&t, a, &p, &busy), 0);
    for (i = 0; i < 5; i++)
        ACTOR_ASSERT_RC(cast_int(t.client, a, M_LOG, 100 + i, 1, 0), 0);
    for (i = 0; i < 5; i++)
        ACTOR_ASSERT_RC(cast_int(t.client, a, M_LOG, 200 + i, 200, 0), 0);
    for (i = 0; i < 5; i++)
        ACTOR_ASSERT_RC(cast_int(t.client, a, M_LOG, 300 + i, -1, 0), 0); /* method's: 128 */
    probe_open(&p);
    ACTOR_ASSERT(wait_log(&p, 15));
    for (i = 0; i < 5; i++) {
        ACTOR_ASSERT_INT(p.log[i], 200 + i);
        ACTOR_ASSERT_INT(p.log[5 + i], 300 + i);
        ACTOR_ASSERT_INT(p.log[10 + i], 100 + i);
    }
    ACTOR_ASSERT(outcome_wait(&busy));
    actor_test_stop(&t);
    probe_fini(&p);
}

ACTOR_TEST(low_priority_not_starved_end_to_end)
{
    actor_test t;
    probe p;
    actor_ref a;
    outcome busy = {0};
    int i, low_at = -1;

    probe_init(&p);
    ACTOR_ASSERT_RC(actor_test_start(&t, 0), 0);
    a = spawn_probe(&t, &probe_type, &p);
    ACTOR_ASSERT_RC(hold_busy(&t, a, &p, &busy), 0);
    ACTOR_ASSERT_RC(cast_int(t.client, a, M_LOG, -1, 0, 0), 0);
    for (i = 0; i < 40; i++)
        ACTOR_ASSERT_RC(cast_int(t.client, a, M_LOG, i, 255, 0), 0);
    probe_open(&p);
    ACTOR_ASSERT(wait_log(&p, 41));
    for (i = 0; i < 41; i++)
        if (p.log[i] == -1)
            low_at = i;
    ACTOR_ASSERT_INT(low_at, ACTOR_STARVATION_DEFAULT_LIMIT);
    actor_test_stop(&t);
    probe_fini(&p);
}

ACTOR_TEST(overflow_reject_is_rejected_status)
{
    actor_test t;
    probe p;
    actor_ref a;
    outcome busy = {0};
    actor_status st;
    actor_stats s;

    probe_init(&p);
    ACTOR_ASSERT_RC(actor_test_start(&t, 0), 0);
    a = spawn_probe(&t, &probe_reject_type, &p);
    ACTOR_ASSERT_RC(hold_busy(&t, a, &p, &busy), 0);
    for (int i = 0; i < 4; i++)
        ACTOR_ASSERT_RC(cast_int(t.client, a, M_LOG, i, -1, 0), 0);
    ACTOR_ASSERT_RC(cast_int(t.client, a, M_LOG, 9, -1, 0), ACTOR_EFULL);
    /* refused by backpressure: the call was made (0), its status says so */
    ACTOR_ASSERT_RC(sync_int(t.client, a, M_ADD, 1, -1, LONG_MS, &st, NULL), 0);
    ACTOR_ASSERT_STATUS(&st, ACTOR_STATUS_REJECTED);
    ACTOR_ASSERT_RC(actor_stats_get(t.sys, a, &s), 0);
    ACTOR_ASSERT_INT(s.mailbox_depth, 4);
    ACTOR_ASSERT_INT(s.overflows, 2);
    ACTOR_ASSERT_INT(s.rejected, 2);
    probe_open(&p);
    ACTOR_ASSERT(wait_log(&p, 4));
    ACTOR_ASSERT_RC(sync_int(t.client, a, M_ADD, 1, -1, LONG_MS, &st, NULL), 0);
    ACTOR_ASSERT_STATUS(&st, ACTOR_STATUS_OK);
    actor_test_stop(&t);
    probe_fini(&p);
}

ACTOR_TEST(overflow_drop_oldest_rejects_the_victim)
{
    actor_test t;
    probe p;
    actor_ref a;
    outcome busy = {0}, out[6];
    actor_stats s;

    probe_init(&p);
    memset(out, 0, sizeof(out));
    ACTOR_ASSERT_RC(actor_test_start(&t, 0), 0);
    a = spawn_probe(&t, &probe_drop_type, &p);
    ACTOR_ASSERT_RC(hold_busy(&t, a, &p, &busy), 0);
    for (int i = 0; i < 5; i++) /* the fifth pushes out the first */
        ACTOR_ASSERT_RC(async_int(t.client, a, M_ADD, i, -1, LONG_MS, &out[i]), 0);
    ACTOR_ASSERT(outcome_wait(&out[0]));
    ACTOR_ASSERT_STATUS(&out[0].st, ACTOR_STATUS_REJECTED);
    /* lower than everything queued: the newcomer would be the victim, so it
     * is refused and its sender told: ACTOR_EFULL (no callback), a cast
     * too, and a blocking call REJECTED; nothing queued is dropped */
    ACTOR_ASSERT_RC(async_int(t.client, a, M_ADD, 5, 0, LONG_MS, &out[5]), ACTOR_EFULL);
    ACTOR_ASSERT_RC(cast_int(t.client, a, M_LOG, 6, 0, 0), ACTOR_EFULL);
    {
        actor_status st;
        ACTOR_ASSERT_RC(sync_int(t.client, a, M_ADD, 7, 0, LONG_MS, &st, NULL), 0);
        ACTOR_ASSERT_STATUS(&st, ACTOR_STATUS_REJECTED);
    }
    ACTOR_ASSERT_RC(actor_stats_get(t.sys, a, &s), 0);
    ACTOR_ASSERT_INT(s.dropped, 1);
    ACTOR_ASSERT_INT(s.rejected, 3);
    ACTOR_ASSERT_INT(s.overflows, 4);
    probe_open(&p);
    for (int i = 1; i < 5; i++) {
        ACTOR_ASSERT(outcome_wait(&out[i]));
        ACTOR_ASSERT_STATUS(&out[i].st, ACTOR_STATUS_OK);
        ACTOR_ASSERT_INT(out[i].value, i + 1);
    }
    for (int i = 0; i < 5; i++)
        ACTOR_ASSERT_INT(atomic_load(&out[i].calls), 1);
    ACTOR_ASSERT_INT(atomic_load(&out[5].calls), 0);
    ACTOR_ASSERT_INT(atomic_load(&p.n_log), 0); /* the refused cast never ran */
    actor_test_stop(&t);
    probe_fini(&p);
}

typedef struct depth_wait {
    actor_system *sys;
    actor_ref ref;
    uint64_t depth;
} depth_wait;

static bool depth_is_pred(void *arg)
{
    depth_wait *w = arg;
    actor_stats s;

    return actor_stats_get(w->sys, w->ref, &s) == 0 && s.mailbox_depth == w->depth;
}

/* A `block` mailbox's waiting line (for senders that must not block) is
 * bounded by the capacity, and a message whose deadline passes there is
 * answered TIMEOUT once and freed at once, not when the actor gets to it. */
ACTOR_TEST(waiting_line_is_bounded_and_expires)
{
    actor_test t;
    probe p;
    actor_ref a;
    actor_spawn_opts inactive = {.inactive = true};
    outcome out[5];
    actor_stats s;
    depth_wait w;

    probe_init(&p);
    memset(out, 0, sizeof(out));
    ACTOR_ASSERT_RC(actor_test_start(&t, 0), 0);
    ACTOR_ASSERT_RC(actor_spawn(t.sys, &probe_block_type, &p, &inactive, &a), 0);
    /* capacity 2: two in the mailbox (long deadlines), two in line (short) */
    for (int i = 0; i < 2; i++)
        ACTOR_ASSERT_RC(async_int(t.client, a, M_ADD, i, -1, LONG_MS, &out[i]), 0);
    for (int i = 2; i < 4; i++)
        ACTOR_ASSERT_RC(async_int(t.client, a, M_ADD, i, -1, 50, &out[i]), 0);
    /* the line is full: refused at once, the callback never runs */
    ACTOR_ASSERT_RC(async_int(t.client, a, M_ADD, 4, -1, LONG_MS, &out[4]), ACTOR_EFULL);
    ACTOR_ASSERT_RC(actor_stats_get(t.sys, a, &s), 0);
    ACTOR_ASSERT_INT(s.mailbox_depth, 4);
    ACTOR_ASSERT_INT(s.rejected, 1);
    /* the two in line time out and leave it */
    w.sys = t.sys;
    w.ref = a;
    w.depth = 2;
    ACTOR_ASSERT(actor_test_wait(depth_is_pred, &w, LONG_MS));
    for (int i = 2; i < 4; i++) {
        ACTOR_ASSERT(outcome_wait(&out[i]));
        ACTOR_ASSERT_STATUS(&out[i].st, ACTOR_STATUS_TIMEOUT);
    }
    ACTOR_ASSERT_RC(actor_stats_get(t.sys, a, &s), 0);
    ACTOR_ASSERT_INT(s.expired, 2);
    ACTOR_ASSERT_RC(actor_activate(t.sys, a), 0);
    for (int i = 0; i < 2; i++) {
        ACTOR_ASSERT(outcome_wait(&out[i]));
        ACTOR_ASSERT_STATUS(&out[i].st, ACTOR_STATUS_OK);
    }
    actor_test_stop(&t);
    for (int i = 0; i < 4; i++)
        ACTOR_ASSERT_INT(atomic_load(&out[i].calls), 1);
    ACTOR_ASSERT_INT(atomic_load(&out[4].calls), 0);
    probe_fini(&p);
}

typedef struct blocked_sender {
    actor_system *sys;
    actor_ref to;
    int rc;
} blocked_sender;

static void *send_blocking(void *arg)
{
    blocked_sender *b = arg;
    actor_client *c;

    b->rc = actor_client_new(b->sys, &c);
    if (b->rc == 0) {
        b->rc = cast_int(c, b->to, M_LOG, 77, -1, LONG_MS);
        actor_client_destroy(&c);
    }
    return NULL;
}

typedef struct stats_wait {
    actor_system *sys;
    actor_ref ref;
    uint64_t overflows;
} stats_wait;

static bool overflows_pred(void *arg)
{
    stats_wait *w = arg;
    actor_stats s;

    return actor_stats_get(w->sys, w->ref, &s) == 0 && s.overflows >= w->overflows;
}

ACTOR_TEST(overflow_block_waits_then_rejects_or_admits)
{
    actor_test t;
    probe p, fwd;
    actor_ref a, f;
    outcome busy = {0}, via_actor = {0};
    actor_stats s;
    blocked_sender b;
    pthread_t thread;
    stats_wait w;

    probe_init(&p);
    probe_init(&fwd);
    ACTOR_ASSERT_RC(actor_test_start(&t, 0), 0);
    a = spawn_probe(&t, &probe_block_type, &p);
    ACTOR_ASSERT_RC(hold_busy(&t, a, &p, &busy), 0);
    ACTOR_ASSERT_RC(cast_int(t.client, a, M_LOG, 1, -1, 0), 0);
    ACTOR_ASSERT_RC(cast_int(t.client, a, M_LOG, 2, -1, 0), 0);
    /* a plain thread waits for room until its deadline, then REJECTED */
    ACTOR_ASSERT_RC(cast_int(t.client, a, M_LOG, 3, -1, 20), ACTOR_EFULL);
    /* an actor sending to the full mailbox does not block its worker */
    fwd.peer = a;
    fwd.forward_timeout_ms = LONG_MS;
    f = spawn_probe(&t, &probe_type, &fwd);
    ACTOR_ASSERT_RC(async_int(t.client, f, M_FORWARD, 5, -1, LONG_MS, &via_actor), 0);
    /* another plain thread blocks until there is room */
    b.sys = t.sys;
    b.to = a;
    b.rc = 1;
    ACTOR_ASSERT(pthread_create(&thread, NULL, send_blocking, &b) == 0);
    w.sys = t.sys;
    w.ref = a;
    w.overflows = 3;
    ACTOR_ASSERT(actor_test_wait(overflows_pred, &w, LONG_MS));
    ACTOR_ASSERT_RC(actor_stats_get(t.sys, a, &s), 0);
    ACTOR_ASSERT_INT(s.rejected, 1);
    probe_open(&p);
    pthread_join(thread, NULL);
    ACTOR_ASSERT_RC(b.rc, 0);
    ACTOR_ASSERT(outcome_wait(&via_actor));
    ACTOR_ASSERT_STATUS(&via_actor.st, ACTOR_STATUS_OK);
    ACTOR_ASSERT_INT(via_actor.value, 7); /* 5 → a (M_FORWARD, no peer: +1) → +1 */
    ACTOR_ASSERT(wait_log(&p, 3));
    actor_test_stop(&t);
    probe_fini(&p);
    probe_fini(&fwd);
}

static bool late_pred(void *arg)
{
    actor_system_stats s;

    actor_system_stats_get(arg, &s);
    return s.late_replies >= 1;
}

ACTOR_TEST(deadlines_expire_and_late_replies_are_dropped)
{
    actor_test t;
    probe p;
    actor_ref a;
    outcome busy = {0}, expired = {0};
    actor_status st;
    actor_stats s;

    probe_init(&p);
    ACTOR_ASSERT_RC(actor_test_start(&t, 0), 0);
    a = spawn_probe(&t, &probe_type, &p);
    ACTOR_ASSERT_RC(hold_busy(&t, a, &p, &busy), 0);
    /* queued behind the busy handler: the timer answers TIMEOUT ... */
    ACTOR_ASSERT_RC(async_int(t.client, a, M_LOG, 55, -1, 5, &expired), 0);
    ACTOR_ASSERT(outcome_wait(&expired));
    ACTOR_ASSERT_STATUS(&expired.st, ACTOR_STATUS_TIMEOUT);
    /* ... and a sync call times out too */
    ACTOR_ASSERT_RC(sync_int(t.client, a, M_ADD, 1, -1, 5, &st, NULL), 0);
    ACTOR_ASSERT_STATUS(&st, ACTOR_STATUS_TIMEOUT);
    probe_open(&p);
    ACTOR_ASSERT(outcome_wait(&busy));
    ACTOR_ASSERT_RC(sync_int(t.client, a, M_ADD, 1, -1, LONG_MS, &st, NULL), 0);
    ACTOR_ASSERT_STATUS(&st, ACTOR_STATUS_OK);
    /* the expired requests never ran */
    ACTOR_ASSERT_INT(atomic_load(&p.n_log), 0);
    ACTOR_ASSERT_RC(actor_stats_get(t.sys, a, &s), 0);
    ACTOR_ASSERT_INT(s.expired, 2);
    ACTOR_ASSERT_INT(s.processed, 2); /* the busy M_WAIT and the last M_ADD */
    ACTOR_ASSERT_INT(atomic_load(&expired.calls), 1);
    actor_test_stop(&t);
    probe_fini(&p);
}

ACTOR_TEST(late_reply_to_a_timed_out_client_is_counted)
{
    actor_test t;
    probe p;
    actor_ref a;
    actor_status st;

    probe_init(&p);
    ACTOR_ASSERT_RC(actor_test_start(&t, 0), 0);
    a = spawn_probe(&t, &probe_type, &p);
    ACTOR_ASSERT_RC(sync_int(t.client, a, M_ADD, 1, -1, LONG_MS, &st, NULL), 0);
    /* the handler starts, then the caller gives up */
    ACTOR_ASSERT_RC(sync_int(t.client, a, M_WAIT, 1, -1, 5, &st, NULL), 0);
    ACTOR_ASSERT_STATUS(&st, ACTOR_STATUS_TIMEOUT);
    probe_open(&p);
    ACTOR_ASSERT(actor_test_wait(late_pred, t.sys, LONG_MS));
    ACTOR_ASSERT_RC(sync_int(t.client, a, M_ADD, 2, -1, LONG_MS, &st, NULL), 0);
    ACTOR_ASSERT_STATUS(&st, ACTOR_STATUS_OK);
    actor_test_stop(&t);
    probe_fini(&p);
}

typedef struct late_wait {
    actor_system *sys;
    actor_ref ref;
} late_wait;

static bool actor_late_pred(void *arg)
{
    late_wait *w = arg;
    actor_stats s;

    return actor_stats_get(w->sys, w->ref, &s) == 0 && s.late_replies >= 1;
}

ACTOR_TEST(actor_request_timeout_and_late_reply)
{
    actor_test t;
    probe p, q;
    actor_ref a, b;
    outcome busy = {0};
    actor_status st;
    late_wait w;

    probe_init(&p);
    probe_init(&q);
    ACTOR_ASSERT_RC(actor_test_start(&t, 0), 0);
    b = spawn_probe(&t, &probe_type, &q);
    ACTOR_ASSERT_RC(hold_busy(&t, b, &q, &busy), 0);
    p.peer = b;
    p.forward_timeout_ms = 5;
    a = spawn_probe(&t, &probe_type, &p);
    /* a's request to the busy b times out; a's continuation passes it on */
    ACTOR_ASSERT_RC(sync_int(t.client, a, M_FORWARD, 1, -1, LONG_MS, &st, NULL), 0);
    ACTOR_ASSERT_STATUS(&st, ACTOR_STATUS_TIMEOUT);
    /* a's request expired in b's mailbox (not run); b's TIMEOUT answer
     * reaches a after a gave up: a late reply, counted */
    probe_open(&q);
    w.sys = t.sys;
    w.ref = a;
    ACTOR_ASSERT(actor_test_wait(actor_late_pred, &w, LONG_MS));
    actor_test_stop(&t);
    probe_fini(&p);
    probe_fini(&q);
}

ACTOR_TEST(health_checks)
{
    actor_test t;
    probe p;
    actor_ref a;
    actor_status st;

    probe_init(&p);
    ACTOR_ASSERT_RC(actor_test_start(&t, 0), 0);
    a = spawn_probe(&t, &probe_type, &p);
    ACTOR_ASSERT_RC(actor_health_check(t.client, a, LONG_MS, &st), 0);
    ACTOR_ASSERT_STATUS(&st, ACTOR_STATUS_OK);
    ACTOR_ASSERT_RC(actor_deactivate(t.sys, a), 0);
    p.health_rc = -5; /* the actor is idle: nothing reads it concurrently */
    ACTOR_ASSERT_RC(actor_health_check(t.client, a, LONG_MS, &st), 0);
    ACTOR_ASSERT_ERROR(&st, -5);
    ACTOR_ASSERT(strcmp(st.message, "sick") == 0);
    ACTOR_ASSERT_RC(actor_health_check(t.client, ACTOR_REF_NONE, LONG_MS, &st), ACTOR_ENOTFOUND);
    ACTOR_ASSERT_STATUS(&st, ACTOR_STATUS_NOT_FOUND);
    actor_test_stop(&t);
    probe_fini(&p);
}

ACTOR_TEST(blocking_client_call_from_a_handler_is_refused)
{
    actor_test t;
    probe p;
    actor_ref a;
    actor_status st;
    int64_t v = 0;

    probe_init(&p);
    ACTOR_ASSERT_RC(actor_test_start(&t, 0), 0);
    p.client = t.client;
    a = spawn_probe(&t, &probe_type, &p);
    ACTOR_ASSERT_RC(actor_test_call_int(&t, a, M_NESTED, 1, &st, &v), 0);
    ACTOR_ASSERT_STATUS(&st, ACTOR_STATUS_OK);
    ACTOR_ASSERT_INT(v, ACTOR_ESTATE);
    /* it says what to use instead */
    ACTOR_ASSERT(strstr(p.nested_message, "_request") != NULL &&
                 strstr(p.nested_message, "actor_ctx_request") != NULL);
    actor_test_stop(&t);
    probe_fini(&p);
}

/* actor_system_opts.call_spin_us: callers that spin for the reply (long
 * enough to outlast every call here) and callers that sleep at once get the
 * same answers, timeouts included (a spin ends at the call's deadline). */
ACTOR_TEST(spinning_and_sleeping_callers_agree)
{
    const int spins[2] = {-1, 1000000};

    for (int i = 0; i < 2; i++) {
        actor_system_opts o = {.workers = 2, .call_spin_us = spins[i]};
        actor_test t = {NULL, NULL, 10000};
        outcome busy = {0};
        actor_status st;
        int64_t v = 0;
        probe p;
        actor_ref a;

        probe_init(&p);
        ACTOR_ASSERT_RC(actor_system_new(&o, &t.sys), 0);
        ACTOR_ASSERT_RC(actor_client_new(t.sys, &t.client), 0);
        a = spawn_probe(&t, &probe_type, &p);
        for (int k = 0; k < 100; k++) {
            ACTOR_ASSERT_RC(sync_int(t.client, a, M_ADD, k, -1, LONG_MS, &st, &v), 0);
            ACTOR_ASSERT_STATUS(&st, ACTOR_STATUS_OK);
            ACTOR_ASSERT_INT(v, k + 1);
        }
        ACTOR_ASSERT_RC(hold_busy(&t, a, &p, &busy), 0);
        ACTOR_ASSERT_RC(sync_int(t.client, a, M_ADD, 1, -1, 5, &st, NULL), 0);
        ACTOR_ASSERT_STATUS(&st, ACTOR_STATUS_TIMEOUT);
        probe_open(&p);
        ACTOR_ASSERT(outcome_wait(&busy));
        actor_test_stop(&t);
        probe_fini(&p);
    }
}

/* The order in which async calls ended: their tags (timeout ms). */
typedef struct end_log {
    pthread_mutex_t lock;
    int n, tags[32];
    int not_timeout; /* ended otherwise than TIMEOUT */
} end_log;

typedef struct end_tag {
    end_log *log;
    int tag;
} end_tag;

static void record_end(void *user, uint64_t id, const actor_status *st, const char *body,
                       size_t len)
{
    end_tag *e = user;

    (void)id, (void)body, (void)len;
    pthread_mutex_lock(&e->log->lock);
    if (st->category == ACTOR_STATUS_TIMEOUT && e->log->n < 32)
        e->log->tags[e->log->n++] = e->tag;
    else
        e->log->not_timeout++;
    pthread_mutex_unlock(&e->log->lock);
}

static bool all_ended(void *arg)
{
    end_log *log = arg;
    bool done;

    pthread_mutex_lock(&log->lock);
    done = log->n + log->not_timeout == 13;
    pthread_mutex_unlock(&log->lock);
    return done;
}

/* Timers with more distinct timeouts than the timer has runs, added out of
 * order, some ended early (answered, so their timers leave the middle of
 * a run): the rest fire in deadline order (timer.c). */
ACTOR_TEST(timeouts_fire_in_deadline_order)
{
    static const int timeouts[13] = {260, 60, 180, 20, 220, 100, 40, 200, 80, 140, 120, 240, 160};
    static end_tag tags[13];
    static end_log log = {PTHREAD_MUTEX_INITIALIZER, 0, {0}, 0};
    actor_test t;
    probe p, q;
    actor_ref a, quick;
    outcome busy = {0};
    msgpack_sbuffer sb;

    probe_init(&p);
    probe_init(&q);
    ACTOR_ASSERT_RC(actor_test_start(&t, 0), 0);
    a = spawn_probe(&t, &probe_type, &p);
    quick = spawn_probe(&t, &probe_type, &q);
    ACTOR_ASSERT_RC(hold_busy(&t, a, &p, &busy), 0);
    msgpack_sbuffer_init(&sb);
    actor_test_int_body(&sb, 1);
    for (int i = 0; i < 13; i++) {
        actor_call_opts o = opts_prio(-1, (uint32_t)timeouts[i]);
        /* every third goes to an actor that answers at once: its timer
         * is cancelled from wherever it was put */
        actor_ref to = i % 3 == 2 ? quick : a;
        tags[i] = (end_tag){&log, timeouts[i]};
        ACTOR_ASSERT_RC(actor_call_async(t.client, to, any_method(M_ADD), sb.data, sb.size, &o,
                                         record_end, &tags[i], NULL),
                        0);
    }
    msgpack_sbuffer_destroy(&sb);
    ACTOR_ASSERT(actor_test_wait(all_ended, &log, LONG_MS));
    ACTOR_ASSERT_INT(log.not_timeout, 4);
    ACTOR_ASSERT_INT(log.n, 9);
    for (int i = 1; i < log.n; i++)
        ACTOR_ASSERT(log.tags[i - 1] < log.tags[i]);
    probe_open(&p);
    ACTOR_ASSERT(outcome_wait(&busy));
    actor_test_stop(&t);
    probe_fini(&p);
    probe_fini(&q);
}

/* ---------------------------------------------- an actor's request deadlines */

/* A Requester's requests (calls_test only): each one's target, timeout and
 * what its continuation saw. The state is the test's; the actor writes it,
 * the test reads it once `ended` says every continuation ran. */
#define REQ_MAX 16

typedef struct req_entry {
    struct requester *r;
    uint32_t timeout_ms;
    bool to_holder;   /* the holder never answers; else answered at once */
    int64_t lo, hi;   /* the deadline lies in [lo, hi] (made between) */
    int ends;         /* continuations run */
    int category;     /* the last one's status */
    int64_t ended_at; /* when (actor_now_ns) */
    int order;        /* its place among the ends, from 0 */
} req_entry;

typedef struct requester {
    actor_ref holder, quick;
    req_entry e[REQ_MAX];
    int n; /* entries made */
    int n_ends;
    atomic_int ended; /* n_ends, for the test thread */
    int made_in_then; /* 1 once the first TIMEOUT's continuation made one */
    int rc;           /* the first failing actor_ctx_request's code */
} requester;

static void requester_then(void *state, actor_ctx *ctx, const actor_status *st, const char *body,
                           size_t len, void *user);

static void requester_make(requester *r, actor_ctx *ctx, uint32_t timeout_ms, bool to_holder)
{
    req_entry *e = &r->e[r->n++];
    actor_call_opts o = opts_prio(-1, timeout_ms);
    actor_method_ref m = any_method(to_holder ? M_HOLD : M_ADD);
    msgpack_sbuffer sb;
    int rc;

    msgpack_sbuffer_init(&sb);
    actor_test_int_body(&sb, 1);
    e->r = r;
    e->timeout_ms = timeout_ms;
    e->to_holder = to_holder;
    e->lo = actor_now_ns() + (int64_t)timeout_ms * 1000000;
    rc = actor_ctx_request(ctx, to_holder ? r->holder : r->quick, m, sb.data, sb.size, &o,
                           requester_then, e, NULL);
    e->hi = actor_now_ns() + (int64_t)timeout_ms * 1000000;
    msgpack_sbuffer_destroy(&sb);
    if (rc != 0 && r->rc == 0)
        r->rc = rc;
}

static void requester_then(void *state, actor_ctx *ctx, const actor_status *st, const char *body,
                           size_t len, void *user)
{
    req_entry *e = user;
    requester *r = state;

    (void)body, (void)len;
    e->ended_at = actor_now_ns();
    e->ends++;
    e->category = st->category;
    e->order = r->n_ends++;
    /* the first TIMEOUT's continuation makes one due before the others
     * still waiting: it goes to the front of the list, the timer earlier */
    if (st->category == ACTOR_STATUS_TIMEOUT && !r->made_in_then) {
        r->made_in_then = 1;
        requester_make(r, ctx, 5, true);
    }
    atomic_store(&r->ended, r->n_ends);
}

/* Makes requests with distinct timeouts out of order, two with the same
 * one; every third to an actor that answers at once. */
static int inv_requester_start(void *state, actor_ctx *ctx, const char *body, size_t len,
                               msgpack_sbuffer *out)
{
    static const uint32_t timeouts[13] = {260, 60, 180, 20,  220, 100, 40,
                                          200, 80, 140, 120, 240, 160};
    requester *r = state;

    (void)body, (void)len, (void)out;
    for (int i = 0; i < 13; i++)
        requester_make(r, ctx, timeouts[i], i % 3 != 2);
    requester_make(r, ctx, 100, true); /* the same deadline as one before */
    return ACTOR_INVOKE_REPLY;
}

static int requester_init(void **state, const void *arg, actor_ctx *ctx)
{
    (void)ctx;
    *state = (void *)(uintptr_t)arg;
    return 0;
}

static const actor_method requester_methods[1] = {
    {"start", ACTOR_METHOD_CAST, 128, 0, 0, false, NULL, 0, inv_requester_start, 0, false},
};

static const actor_type requester_type = {.name = "test.Requester",
                                          .methods = requester_methods,
                                          .n_methods = 1,
                                          .init = requester_init,
                                          .overflow = ACTOR_OVERFLOW_REJECT};

#define REQ_MADE 15 /* 13 + 1 by start, 1 by a continuation */

static bool requester_done(void *arg)
{
    return atomic_load(&((requester *)arg)->ended) >= REQ_MADE;
}

static bool requester_more(void *arg)
{
    return atomic_load(&((requester *)arg)->ended) > REQ_MADE;
}

/* An actor's requests end by its own deadline list and timer (call.c):
 * made with mixed timeouts out of order, those never answered end TIMEOUT
 * once each, none before its deadline, in deadline order (one made by a
 * continuation while the rest wait, due before them, included); those
 * answered at once end OK and never TIMEOUT; a second TIMEOUT never comes
 * (checked after every deadline passed again). */
ACTOR_TEST(actor_requests_time_out_in_deadline_order)
{
    static requester r;
    actor_test t;
    probe h, q;
    actor_ref a;
    actor_stats s;

    memset(&r, 0, sizeof(r));
    probe_init(&h);
    probe_init(&q);
    ACTOR_ASSERT_RC(actor_test_start(&t, 0), 0);
    r.holder = spawn_probe(&t, &probe_type, &h);
    r.quick = spawn_probe(&t, &probe_type, &q);
    a = actor_test_spawn(&t, &requester_type, &r);
    ACTOR_ASSERT_RC(actor_cast(t.client, a, any_method(0), NULL, 0, NULL), 0);
    ACTOR_ASSERT(actor_test_wait(requester_done, &r, LONG_MS));
    ACTOR_ASSERT(!actor_test_wait(requester_more, &r, 300)); /* every deadline passed again */
    ACTOR_ASSERT_INT(r.rc, 0);
    ACTOR_ASSERT_INT(r.n, REQ_MADE);
    for (int i = 0; i < r.n; i++) {
        req_entry *e = &r.e[i];
        ACTOR_ASSERT_INT(e->ends, 1);
        if (!e->to_holder) {
            ACTOR_ASSERT_STATUS(&(actor_status){.category = e->category}, ACTOR_STATUS_OK);
            continue;
        }
        ACTOR_ASSERT_STATUS(&(actor_status){.category = e->category}, ACTOR_STATUS_TIMEOUT);
        ACTOR_ASSERT_CMP(e->ended_at, >=, e->lo); /* never early */
        for (int j = 0; j < r.n; j++)             /* ended before a request due earlier? */
            if (r.e[j].to_holder && r.e[j].order > e->order)
                ACTOR_ASSERT_CMP(e->lo, <=, r.e[j].hi);
    }
    ACTOR_ASSERT_RC(actor_stats_get(t.sys, a, &s), 0);
    ACTOR_ASSERT_INT(s.late_replies, 0);
    actor_test_stop(&t);
    probe_fini(&h);
    probe_fini(&q);
}

/* Room in the request's own record (actor__ctx_request_space, what the
 * stubs use): one that fits a standard record and one that does not, both
 * whole (ASan checks the bounds) and handed to `then` as its user pointer;
 * a failed request leaves nothing behind. */
#define SPACE_BIG 1000

typedef struct spacer {
    actor_ref quick;
    void *space[2];
    int rc[3];
    atomic_int ended, intact;
} spacer;

static void spacer_then(void *state, actor_ctx *ctx, const actor_status *st, const char *body,
                        size_t len, void *user)
{
    spacer *s = state;
    unsigned char *b = user;
    size_t n = b[0] == 1 ? SPACE_BIG : 16;
    bool ok = st->category == ACTOR_STATUS_OK && (user == s->space[0] || user == s->space[1]);

    (void)ctx, (void)body, (void)len;
    for (size_t i = 1; i < n; i++)
        ok = ok && b[i] == (unsigned char)(i * 7 + b[0]);
    if (ok)
        atomic_fetch_add(&s->intact, 1);
    atomic_fetch_add(&s->ended, 1);
}

static int spacer_make(spacer *s, actor_ctx *ctx, actor_ref to, unsigned char tag, size_t n,
                       void **space)
{
    msgpack_sbuffer sb;
    int rc;

    msgpack_sbuffer_init(&sb);
    actor_test_int_body(&sb, 1);
    rc = actor__ctx_request_space(ctx, to, any_method(M_ADD), sb.data, sb.size, NULL, spacer_then,
                                  n, space, NULL);
    msgpack_sbuffer_destroy(&sb);
    if (rc == 0) {
        unsigned char *b = *space;
        b[0] = tag;
        for (size_t i = 1; i < n; i++)
            b[i] = (unsigned char)(i * 7 + tag);
    }
    (void)s;
    return rc;
}

static int inv_spacer_start(void *state, actor_ctx *ctx, const char *body, size_t len,
                            msgpack_sbuffer *out)
{
    spacer *s = state;
    void *none = NULL;

    (void)body, (void)len, (void)out;
    s->rc[0] = spacer_make(s, ctx, s->quick, 1, SPACE_BIG, &s->space[0]);
    s->rc[1] = spacer_make(s, ctx, s->quick, 2, 16, &s->space[1]);
    s->rc[2] = spacer_make(s, ctx, ACTOR_REF_NONE, 3, 16, &none);
    return ACTOR_INVOKE_REPLY;
}

static const actor_method spacer_methods[1] = {
    {"start", ACTOR_METHOD_CAST, 128, 0, 0, false, NULL, 0, inv_spacer_start, 0, false},
};

static const actor_type spacer_type = {.name = "test.Spacer",
                                       .methods = spacer_methods,
                                       .n_methods = 1,
                                       .init = requester_init,
                                       .overflow = ACTOR_OVERFLOW_REJECT};

static bool spacer_done(void *arg)
{
    return atomic_load(&((spacer *)arg)->ended) >= 2;
}

ACTOR_TEST(request_space_in_the_record)
{
    static spacer s;
    actor_test t;
    probe q;
    actor_ref a;

    memset(&s, 0, sizeof(s));
    probe_init(&q);
    ACTOR_ASSERT_RC(actor_test_start(&t, 0), 0);
    s.quick = spawn_probe(&t, &probe_type, &q);
    a = actor_test_spawn(&t, &spacer_type, &s);
    ACTOR_ASSERT_RC(actor_cast(t.client, a, any_method(0), NULL, 0, NULL), 0);
    ACTOR_ASSERT(actor_test_wait(spacer_done, &s, LONG_MS));
    ACTOR_ASSERT_RC(s.rc[0], 0);
    ACTOR_ASSERT_RC(s.rc[1], 0);
    ACTOR_ASSERT_RC(s.rc[2], ACTOR_ENOTFOUND);
    ACTOR_ASSERT_INT(atomic_load(&s.intact), 2);
    actor_test_stop(&t);
    ACTOR_ASSERT_INT(atomic_load(&s.ended), 2);
    probe_fini(&q);
}

int main(void)
{
    ACTOR_TEST_RUN(call_replies);
    ACTOR_TEST_RUN(errors_declared_undeclared_decode);
    ACTOR_TEST_RUN(unknown_actor_method_or_type);
    ACTOR_TEST_RUN(async_calls_and_casts);
    ACTOR_TEST_RUN(request_then_chain_with_deferred_replies);
    ACTOR_TEST_RUN(errors_pass_through_continuations);
    ACTOR_TEST_RUN(priorities_end_to_end);
    ACTOR_TEST_RUN(low_priority_not_starved_end_to_end);
    ACTOR_TEST_RUN(overflow_reject_is_rejected_status);
    ACTOR_TEST_RUN(overflow_drop_oldest_rejects_the_victim);
    ACTOR_TEST_RUN(overflow_block_waits_then_rejects_or_admits);
    ACTOR_TEST_RUN(waiting_line_is_bounded_and_expires);
    ACTOR_TEST_RUN(deadlines_expire_and_late_replies_are_dropped);
    ACTOR_TEST_RUN(late_reply_to_a_timed_out_client_is_counted);
    ACTOR_TEST_RUN(actor_request_timeout_and_late_reply);
    ACTOR_TEST_RUN(health_checks);
    ACTOR_TEST_RUN(blocking_client_call_from_a_handler_is_refused);
    ACTOR_TEST_RUN(spinning_and_sleeping_callers_agree);
    ACTOR_TEST_RUN(timeouts_fire_in_deadline_order);
    ACTOR_TEST_RUN(actor_requests_time_out_in_deadline_order);
    ACTOR_TEST_RUN(request_space_in_the_record);
    return actor_test_summary();
}
