/*
 * lifecycle_test.c - spawn, activate/deactivate (messages wait), terminate
 * with and without drain (waiting requests DIED; drain waits for the
 * actor's outstanding requests, so deferred replies finish), init failure,
 * init run
 * once even when terminated before it, cleanup
 * exactly once, stale refs after slot reuse (NOT_FOUND), and shutdown with
 * pending calls losing nothing silently.
 */
#include "rt_actors.h"

#define LONG_MS 10000u

static bool wait_gone(actor_system *sys, actor_ref ref)
{
    gone_wait g = {sys, ref};

    return actor_test_wait(gone_pred, &g, LONG_MS);
}

static bool depth_pred(void *arg)
{
    gone_wait *g = arg;
    actor_stats s;

    return actor_stats_get(g->sys, g->ref, &s) == 0 && s.mailbox_depth == 0 &&
           s.processed == 0;
}

/* Something waits in the actor's mailbox. */
static bool depth_pred_nonzero(void *arg)
{
    gone_wait *g = arg;
    actor_stats s;

    return actor_stats_get(g->sys, g->ref, &s) == 0 && s.mailbox_depth != 0;
}

ACTOR_TEST(deactivated_actor_keeps_messages_waiting)
{
    actor_test t;
    probe p;
    actor_ref a;
    outcome o = {0};
    actor_stats s;
    actor_status st;

    probe_init(&p);
    ACTOR_ASSERT_RC(actor_test_start(&t, 0), 0);
    a = spawn_probe(&t, &probe_type, &p);
    ACTOR_ASSERT_RC(sync_int(t.client, a, M_ADD, 1, -1, LONG_MS, &st, NULL), 0);
    ACTOR_ASSERT_RC(actor_deactivate(t.sys, a), 0);
    ACTOR_ASSERT_RC(async_int(t.client, a, M_ADD, 10, -1, LONG_MS, &o), 0);
    ACTOR_ASSERT_RC(cast_int(t.client, a, M_LOG, 3, -1, 0), 0);
    /* a health check still runs while inactive, after the messages queued */
    ACTOR_ASSERT_RC(actor_health_check(t.client, a, LONG_MS, &st), 0);
    ACTOR_ASSERT_STATUS(&st, ACTOR_STATUS_OK);
    ACTOR_ASSERT_RC(actor_stats_get(t.sys, a, &s), 0);
    ACTOR_ASSERT_INT(s.mailbox_depth, 2);
    ACTOR_ASSERT_INT(s.processed, 1);
    ACTOR_ASSERT_INT(atomic_load(&o.calls), 0);
    ACTOR_ASSERT_RC(actor_activate(t.sys, a), 0);
    ACTOR_ASSERT(outcome_wait(&o));
    ACTOR_ASSERT_STATUS(&o.st, ACTOR_STATUS_OK);
    ACTOR_ASSERT_INT(o.value, 11);
    ACTOR_ASSERT_RC(sync_int(t.client, a, M_ADD, 1, -1, LONG_MS, &st, NULL), 0);
    ACTOR_ASSERT_INT(atomic_load(&p.n_log), 1);
    actor_test_stop(&t);
    probe_fini(&p);
}

ACTOR_TEST(spawn_inactive_runs_init_but_no_messages)
{
    actor_test t;
    probe p;
    actor_ref a;
    outcome o = {0};
    actor_spawn_opts so = {.inactive = true};
    gone_wait g;

    probe_init(&p);
    ACTOR_ASSERT_RC(actor_test_start(&t, 0), 0);
    ACTOR_ASSERT_RC(actor_spawn(t.sys, &probe_type, &p, &so, &a), 0);
    g.sys = t.sys;
    g.ref = a;
    ACTOR_ASSERT(actor_test_wait(depth_pred, &g, LONG_MS));
    ACTOR_ASSERT_RC(async_int(t.client, a, M_ADD, 1, -1, LONG_MS, &o), 0);
    ACTOR_ASSERT_INT(atomic_load(&o.calls), 0);
    ACTOR_ASSERT_RC(actor_activate(t.sys, a), 0);
    ACTOR_ASSERT(outcome_wait(&o));
    ACTOR_ASSERT_INT(o.value, 2);
    ACTOR_ASSERT_INT(atomic_load(&p.inits), 1);
    actor_test_stop(&t);
    probe_fini(&p);
}

/* Holds a busy with an M_WAIT call so that messages pile up. */
static int hold_busy(actor_test *t, actor_ref a, probe *p, outcome *o)
{
    int rc = async_int(t->client, a, M_WAIT, 0, -1, LONG_MS, o);

    if (rc == 0 && !probe_wait_entered(p))
        rc = ACTOR_ETIMEDOUT;
    return rc;
}

/* The drain tests' start: *b (probe pb) held busy in M_WAIT (*busy ends
 * it), *f (probe pf) forwarding a request (M_FORWARD 40) to *b, which
 * waits in *b's mailbox; *fwd ends f's request. 0, or why not. */
static int forward_to_busy(actor_test *t, probe *pf, probe *pb, actor_ref *f, actor_ref *b,
                           outcome *fwd, outcome *busy)
{
    int rc;

    *b = spawn_probe(t, &probe_type, pb);
    if ((rc = hold_busy(t, *b, pb, busy)) != 0)
        return rc;
    pf->peer = *b;
    pf->forward_timeout_ms = LONG_MS;
    *f = spawn_probe(t, &probe_type, pf);
    if ((rc = async_int(t->client, *f, M_FORWARD, 40, -1, LONG_MS, fwd)) != 0)
        return rc;
    if (!actor_test_wait(depth_pred_nonzero, &(gone_wait){t->sys, *b}, LONG_MS))
        return ACTOR_ETIMEDOUT;
    return 0;
}

static void terminate_with(bool drain, actor_status_category queued_end)
{
    actor_test t;
    probe p;
    actor_ref a;
    outcome busy = {0}, out[3];
    actor_status st;

    probe_init(&p);
    memset(out, 0, sizeof(out));
    ACTOR_ASSERT_RC(actor_test_start(&t, 0), 0);
    a = spawn_probe(&t, &probe_type, &p);
    ACTOR_ASSERT_RC(hold_busy(&t, a, &p, &busy), 0);
    for (int i = 0; i < 3; i++)
        ACTOR_ASSERT_RC(async_int(t.client, a, M_ADD, i, -1, LONG_MS, &out[i]), 0);
    ACTOR_ASSERT_RC(actor_terminate(t.sys, a, drain), 0);
    /* terminating: new messages are refused */
    ACTOR_ASSERT_RC(sync_int(t.client, a, M_ADD, 1, -1, LONG_MS, &st, NULL), ACTOR_ECLOSED);
    ACTOR_ASSERT_STATUS(&st, ACTOR_STATUS_DIED);
    ACTOR_ASSERT_RC(cast_int(t.client, a, M_LOG, 1, -1, 0), ACTOR_ECLOSED);
    probe_open(&p);
    ACTOR_ASSERT(outcome_wait(&busy));
    ACTOR_ASSERT_STATUS(&busy.st, ACTOR_STATUS_OK); /* the running handler finishes */
    for (int i = 0; i < 3; i++) {
        ACTOR_ASSERT(outcome_wait(&out[i]));
        ACTOR_ASSERT_STATUS(&out[i].st, queued_end);
        ACTOR_ASSERT_INT(atomic_load(&out[i].calls), 1);
    }
    ACTOR_ASSERT(wait_gone(t.sys, a));
    ACTOR_ASSERT_RC(sync_int(t.client, a, M_ADD, 1, -1, LONG_MS, &st, NULL), ACTOR_ENOTFOUND);
    ACTOR_ASSERT_STATUS(&st, ACTOR_STATUS_NOT_FOUND);
    ACTOR_ASSERT_RC(actor_terminate(t.sys, a, true), ACTOR_ENOTFOUND);
    ACTOR_ASSERT_RC(actor_activate(t.sys, a), ACTOR_ENOTFOUND);
    ACTOR_ASSERT_INT(atomic_load(&p.cleanups), 1);
    actor_test_stop(&t);
    ACTOR_ASSERT_INT(atomic_load(&p.cleanups), 1);
    probe_fini(&p);
}

ACTOR_TEST(terminate_with_drain_answers_queued)
{
    terminate_with(true, ACTOR_STATUS_OK);
}

ACTOR_TEST(terminate_without_drain_answers_died)
{
    terminate_with(false, ACTOR_STATUS_DIED);
}

ACTOR_TEST(terminate_answers_deferred_and_outstanding_died)
{
    actor_test t;
    probe p, q, r;
    actor_ref a, b, c;
    outcome held = {0}, fwd = {0}, busy = {0};

    probe_init(&p);
    probe_init(&q);
    probe_init(&r);
    ACTOR_ASSERT_RC(actor_test_start(&t, 0), 0);
    a = spawn_probe(&t, &probe_type, &p);
    ACTOR_ASSERT_RC(async_int(t.client, a, M_HOLD, 1, -1, LONG_MS, &held), 0);
    /* c is busy; b forwards to c, so b has a request outstanding */
    c = spawn_probe(&t, &probe_type, &r);
    ACTOR_ASSERT_RC(hold_busy(&t, c, &r, &busy), 0);
    q.peer = c;
    q.forward_timeout_ms = LONG_MS;
    b = spawn_probe(&t, &probe_type, &q);
    ACTOR_ASSERT_RC(async_int(t.client, b, M_FORWARD, 1, -1, LONG_MS, &fwd), 0);
    ACTOR_ASSERT_RC(actor_terminate(t.sys, a, true), 0);
    ACTOR_ASSERT(outcome_wait(&held));
    ACTOR_ASSERT_STATUS(&held.st, ACTOR_STATUS_DIED);
    /* b's continuation runs with DIED and passes it on */
    ACTOR_ASSERT(wait_gone(t.sys, a));
    ACTOR_ASSERT_RC(actor_terminate(t.sys, b, false), 0);
    ACTOR_ASSERT(outcome_wait(&fwd));
    ACTOR_ASSERT_STATUS(&fwd.st, ACTOR_STATUS_DIED);
    probe_open(&r);
    ACTOR_ASSERT(outcome_wait(&busy));
    actor_test_stop(&t);
    ACTOR_ASSERT_INT(atomic_load(&held.calls), 1);
    ACTOR_ASSERT_INT(atomic_load(&fwd.calls), 1);
    probe_fini(&p);
    probe_fini(&q);
    probe_fini(&r);
}

/* Work in progress finishes under drain: f deferred its reply and asked b
 * (held busy); terminate(f, drain) waits for b's answer, so the client gets
 * the result, not DIED; then f goes. Without drain see the test above. */
ACTOR_TEST(drain_waits_for_deferred_replies_and_requests)
{
    actor_test t;
    probe pf, pb;
    actor_ref f, b;
    outcome fwd = {0}, busy = {0};
    actor_stats s;

    probe_init(&pf);
    probe_init(&pb);
    ACTOR_ASSERT_RC(actor_test_start(&t, 0), 0);
    ACTOR_ASSERT_RC(forward_to_busy(&t, &pf, &pb, &f, &b, &fwd, &busy), 0);
    ACTOR_ASSERT_RC(actor_terminate(t.sys, f, true), 0);
    /* f is terminating: it refuses new messages but still exists */
    ACTOR_ASSERT_RC(cast_int(t.client, f, M_LOG, 1, -1, 0), ACTOR_ECLOSED);
    ACTOR_ASSERT_RC(actor_stats_get(t.sys, f, &s), 0);
    ACTOR_ASSERT_INT(s.in_flight, 1);
    ACTOR_ASSERT_INT(atomic_load(&fwd.calls), 0);
    probe_open(&pb);
    ACTOR_ASSERT(outcome_wait(&fwd));
    ACTOR_ASSERT_STATUS(&fwd.st, ACTOR_STATUS_OK);
    ACTOR_ASSERT_INT(fwd.value, 42); /* b: 40 + 1, f: + 1 */
    ACTOR_ASSERT(wait_gone(t.sys, f));
    ACTOR_ASSERT_INT(atomic_load(&pf.cleanups), 1);
    ACTOR_ASSERT(outcome_wait(&busy));
    actor_test_stop(&t);
    ACTOR_ASSERT_INT(atomic_load(&fwd.calls), 1);
    probe_fini(&pf);
    probe_fini(&pb);
}

/* The reply that ends a drain's last request is the last message of a
 * turn (batch 1 makes every message the last): the end of that turn must see
 * that nothing is outstanding any more and run f again to finalize it, not
 * leave it idle waiting for replies that will never come (the shutdown then
 * waited forever). Hang guard: f must be gone within LONG_MS; if not, a
 * terminate without drain frees it so the test fails instead of hanging. */
ACTOR_TEST(drain_ends_when_its_last_reply_ends_a_turn)
{
    actor_system_opts so = {0};
    actor_test t;
    probe pf, pb;
    actor_ref f, b;
    outcome fwd = {0}, busy = {0};
    bool gone;

    probe_init(&pf);
    probe_init(&pb);
    memset(&t, 0, sizeof(t));
    t.timeout_ms = LONG_MS;
    so.workers = 2;
    so.batch = 1;
    ACTOR_ASSERT_RC(actor_system_new(&so, &t.sys), 0);
    ACTOR_ASSERT_RC(actor_client_new(t.sys, &t.client), 0);
    ACTOR_ASSERT_RC(forward_to_busy(&t, &pf, &pb, &f, &b, &fwd, &busy), 0);
    ACTOR_ASSERT_RC(actor_terminate(t.sys, f, true), 0);
    probe_open(&pb);
    ACTOR_ASSERT(outcome_wait(&fwd));
    gone = wait_gone(t.sys, f);
    if (!gone)
        actor_terminate(t.sys, f, false);
    ACTOR_ASSERT(outcome_wait(&busy));
    actor_test_stop(&t);
    ACTOR_ASSERT(gone);
    ACTOR_ASSERT_STATUS(&fwd.st, ACTOR_STATUS_OK);
    ACTOR_ASSERT_INT(fwd.value, 42);
    ACTOR_ASSERT_INT(atomic_load(&pf.cleanups), 1);
    probe_fini(&pf);
    probe_fini(&pb);
}

/* A second terminate without drain cuts the wait short: DIED. */
ACTOR_TEST(terminate_without_drain_cuts_a_drain_short)
{
    actor_test t;
    probe pf, pb;
    actor_ref f, b;
    outcome fwd = {0}, busy = {0};

    probe_init(&pf);
    probe_init(&pb);
    ACTOR_ASSERT_RC(actor_test_start(&t, 0), 0);
    ACTOR_ASSERT_RC(forward_to_busy(&t, &pf, &pb, &f, &b, &fwd, &busy), 0);
    ACTOR_ASSERT_RC(actor_terminate(t.sys, f, true), 0);
    ACTOR_ASSERT_RC(actor_terminate(t.sys, f, false), 0);
    ACTOR_ASSERT(outcome_wait(&fwd));
    ACTOR_ASSERT_STATUS(&fwd.st, ACTOR_STATUS_DIED);
    ACTOR_ASSERT(wait_gone(t.sys, f));
    probe_open(&pb);
    ACTOR_ASSERT(outcome_wait(&busy));
    actor_test_stop(&t);
    probe_fini(&pf);
    probe_fini(&pb);
}

ACTOR_TEST(init_failure_terminates_without_cleanup)
{
    actor_test t;
    probe p;
    actor_ref a;
    actor_status st;
    int rc;

    probe_init(&p);
    p.init_rc = ACTOR_EINVAL;
    ACTOR_ASSERT_RC(actor_test_start(&t, 0), 0);
    ACTOR_ASSERT_RC(actor_spawn(t.sys, &probe_type, &p, NULL, &a), 0);
    rc = sync_int(t.client, a, M_ADD, 1, -1, LONG_MS, &st, NULL);
    ACTOR_ASSERT(rc == 0 || rc == ACTOR_ENOTFOUND || rc == ACTOR_ECLOSED);
    ACTOR_ASSERT(st.category == ACTOR_STATUS_DIED || st.category == ACTOR_STATUS_NOT_FOUND);
    ACTOR_ASSERT(wait_gone(t.sys, a));
    actor_test_stop(&t);
    ACTOR_ASSERT_INT(atomic_load(&p.inits), 0);
    ACTOR_ASSERT_INT(atomic_load(&p.cleanups), 0);
    probe_fini(&p);
}

/* An actor whose init argument is a heap block (as a generated _spawn
 * passes): init takes it as the state, cleanup frees it. */
typedef struct owned_arg {
    probe *p;
    char payload[48];
} owned_arg;

static int owned_init(void **state, const void *arg, actor_ctx *ctx)
{
    owned_arg *o = (owned_arg *)(uintptr_t)arg;

    (void)ctx;
    atomic_fetch_add(&o->p->inits, 1);
    *state = o;
    return 0;
}

static void owned_cleanup(void *state, actor_ctx *ctx)
{
    owned_arg *o = state;

    (void)ctx;
    atomic_fetch_add(&o->p->cleanups, 1);
    free(o);
}

static const actor_type owned_type = {.name = "test.Owned",
                                      .methods = probe_methods,
                                      .n_methods = M_COUNT,
                                      .init = owned_init,
                                      .cleanup = owned_cleanup,
                                      .overflow = ACTOR_OVERFLOW_REJECT};

/* Spawns an owned_arg actor: on 0, the actor owns the block. */
static int spawn_owned(actor_test *t, probe *p, actor_ref *out)
{
    owned_arg *o = calloc(1, sizeof(*o));
    int rc;

    if (o == NULL)
        return ACTOR_ENOMEM;
    o->p = p;
    rc = actor_spawn(t->sys, &owned_type, o, NULL, out);
    if (rc != 0)
        free(o);
    return rc;
}

/* Terminated without drain before init ran: init still runs once (it owns
 * its argument), then cleanup; nothing leaks (ASan). */
ACTOR_TEST(terminate_before_init_still_runs_init_once)
{
    actor_test t;
    probe busy_p, p;
    actor_ref busy, a;
    outcome busy_o = {0};

    probe_init(&busy_p);
    probe_init(&p);
    ACTOR_ASSERT_RC(actor_test_start(&t, 1), 0);
    busy = spawn_probe(&t, &probe_type, &busy_p);
    /* the only worker is held, so the new actor's init cannot run yet */
    ACTOR_ASSERT_RC(hold_busy(&t, busy, &busy_p, &busy_o), 0);
    ACTOR_ASSERT_RC(spawn_owned(&t, &p, &a), 0);
    ACTOR_ASSERT_RC(actor_terminate(t.sys, a, false), 0);
    ACTOR_ASSERT_INT(atomic_load(&p.inits), 0);
    probe_open(&busy_p);
    ACTOR_ASSERT(outcome_wait(&busy_o));
    ACTOR_ASSERT(wait_gone(t.sys, a));
    ACTOR_ASSERT_INT(atomic_load(&p.inits), 1);
    ACTOR_ASSERT_INT(atomic_load(&p.cleanups), 1);
    /* and with no worker held: terminate races init */
    for (int i = 0; i < 50; i++) {
        ACTOR_ASSERT_RC(spawn_owned(&t, &p, &a), 0);
        ACTOR_ASSERT_RC(actor_terminate(t.sys, a, i % 2 == 0), 0);
    }
    actor_test_stop(&t);
    ACTOR_ASSERT_INT(atomic_load(&p.inits), 51);
    ACTOR_ASSERT_INT(atomic_load(&p.cleanups), 51);
    probe_fini(&busy_p);
    probe_fini(&p);
}

ACTOR_TEST(stale_ref_after_slot_reuse_is_not_found)
{
    actor_test t;
    probe p, q;
    actor_ref a, b;
    actor_status st;
    int64_t v = 0;

    probe_init(&p);
    probe_init(&q);
    ACTOR_ASSERT_RC(actor_test_start(&t, 0), 0);
    a = spawn_probe(&t, &probe_type, &p);
    ACTOR_ASSERT_RC(actor_terminate(t.sys, a, true), 0);
    ACTOR_ASSERT(wait_gone(t.sys, a));
    b = spawn_probe(&t, &probe_type, &q);
    ACTOR_ASSERT((b.id & 0xffffffffu) == (a.id & 0xffffffffu)); /* the same slot */
    ACTOR_ASSERT(b.id != a.id);
    ACTOR_ASSERT_RC(sync_int(t.client, a, M_ADD, 1, -1, LONG_MS, &st, NULL), ACTOR_ENOTFOUND);
    ACTOR_ASSERT_STATUS(&st, ACTOR_STATUS_NOT_FOUND);
    ACTOR_ASSERT_RC(sync_int(t.client, b, M_ADD, 1, -1, LONG_MS, &st, &v), 0);
    ACTOR_ASSERT_INT(v, 2);
    actor_test_stop(&t);
    probe_fini(&p);
    probe_fini(&q);
}

#define N_PENDING 20

ACTOR_TEST(client_destroy_answers_pending_calls)
{
    actor_test t;
    probe p;
    actor_ref a;
    actor_client *c;
    static outcome out[N_PENDING];
    actor_system_stats ss;

    probe_init(&p);
    memset(out, 0, sizeof(out));
    ACTOR_ASSERT_RC(actor_test_start(&t, 0), 0);
    a = spawn_probe(&t, &probe_type, &p);
    ACTOR_ASSERT_RC(actor_deactivate(t.sys, a), 0);
    ACTOR_ASSERT_RC(actor_client_new(t.sys, &c), 0);
    for (int i = 0; i < N_PENDING; i++)
        ACTOR_ASSERT_RC(async_int(c, a, M_ADD, i, -1, LONG_MS, &out[i]), 0);
    actor_client_destroy(&c);
    ACTOR_ASSERT(c == NULL);
    for (int i = 0; i < N_PENDING; i++) {
        ACTOR_ASSERT_INT(atomic_load(&out[i].calls), 1);
        ACTOR_ASSERT_STATUS(&out[i].st, ACTOR_STATUS_DIED);
    }
    /* the shutdown drains the actor; the replies find no caller: counted */
    actor_test_stop(&t);
    (void)ss;
    for (int i = 0; i < N_PENDING; i++)
        ACTOR_ASSERT_INT(atomic_load(&out[i].calls), 1);
    probe_fini(&p);
}

ACTOR_TEST(system_destroy_drains_everything)
{
    actor_system *sys;
    actor_system_opts so = {0};
    actor_client *c;
    probe p[3];
    actor_ref r[3];
    actor_spawn_opts inactive = {.inactive = true};

    so.workers = 2;
    ACTOR_ASSERT_RC(actor_system_new(&so, &sys), 0);
    ACTOR_ASSERT_RC(actor_client_new(sys, &c), 0);
    for (int i = 0; i < 3; i++) {
        probe_init(&p[i]);
        ACTOR_ASSERT_RC(actor_spawn(sys, &probe_type, &p[i], &inactive, &r[i]), 0);
        for (int j = 0; j < 10; j++)
            ACTOR_ASSERT_RC(cast_int(c, r[i], M_LOG, j, -1, 0), 0);
    }
    actor_client_destroy(&c);
    actor_system_destroy(&sys);
    ACTOR_ASSERT(sys == NULL);
    for (int i = 0; i < 3; i++) {
        ACTOR_ASSERT_INT(atomic_load(&p[i].n_log), 10); /* drained, although inactive */
        ACTOR_ASSERT_INT(atomic_load(&p[i].cleanups), 1);
        probe_fini(&p[i]);
    }
    actor_system_destroy(&sys); /* NULL: nothing */
}

int main(void)
{
    ACTOR_TEST_RUN(deactivated_actor_keeps_messages_waiting);
    ACTOR_TEST_RUN(spawn_inactive_runs_init_but_no_messages);
    ACTOR_TEST_RUN(terminate_with_drain_answers_queued);
    ACTOR_TEST_RUN(terminate_without_drain_answers_died);
    ACTOR_TEST_RUN(terminate_answers_deferred_and_outstanding_died);
    ACTOR_TEST_RUN(drain_waits_for_deferred_replies_and_requests);
    ACTOR_TEST_RUN(drain_ends_when_its_last_reply_ends_a_turn);
    ACTOR_TEST_RUN(terminate_without_drain_cuts_a_drain_short);
    ACTOR_TEST_RUN(init_failure_terminates_without_cleanup);
    ACTOR_TEST_RUN(terminate_before_init_still_runs_init_once);
    ACTOR_TEST_RUN(stale_ref_after_slot_reuse_is_not_found);
    ACTOR_TEST_RUN(client_destroy_answers_pending_calls);
    ACTOR_TEST_RUN(system_destroy_drains_everything);
    return actor_test_summary();
}
