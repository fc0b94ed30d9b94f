/*
 * monitor_test.c - monitors (actor/monitor.h): one message per monitor
 * with the reason when an actor or a pool is gone (terminated, init
 * failed, crashed), at once for what is already gone; none after
 * actor_demonitor; an actor watcher's continuation runs on its state, and
 * nothing runs once the watcher is gone; the system's shutdown fires what
 * is left.
 */
#include "rt_actors.h"

#include "actor/monitor.h"
#include "actor/pool.h"

#define LONG_MS 10000u

#define ASSERT_STR(got, want) ACTOR_ASSERT_INT(strcmp((got), (want)) == 0 ? 0 : printf("  got \"%s\"\n", (got)), 0)

/* What a callback monitor saw. */
typedef struct seen {
    atomic_int fired;
    actor_down down; /* the last one */
} seen;

static void on_down(void *user, const actor_down *down)
{
    seen *s = user;

    s->down = *down;
    atomic_fetch_add(&s->fired, 1);
}

static bool fired_pred(void *arg)
{
    return atomic_load(&((seen *)arg)->fired) != 0;
}

/* ----------------------------------------- a watcher and a crasher actor */

/* The watcher's state: what its continuation saw, and on which state. */
typedef struct watcher {
    seen seen;
    atomic_int wrong_state;
    uint64_t monitor;
} watcher;

static void watcher_down(void *state, actor_ctx *ctx, const actor_down *down, void *user)
{
    watcher *w = state;

    (void)ctx;
    if (user != w)
        atomic_fetch_add(&w->wrong_state, 1);
    on_down(&w->seen, down);
}

enum { W_WATCH, W_COUNT };

/* W_WATCH {1: ref id}: monitors that actor; replies {1: 0}. */
static int inv_watch(void *state, actor_ctx *ctx, const char *body, size_t len,
                     msgpack_sbuffer *reply)
{
    watcher *w = state;
    int64_t id;
    int rc = actor_test_int_of(body, len, &id);

    if (rc == 0)
        rc = actor_ctx_monitor(ctx, (actor_ref){(uint64_t)id}, watcher_down, w, &w->monitor);
    return rc != 0 ? rc : reply_int(reply, 0);
}

static int watcher_init(void **state, const void *arg, actor_ctx *ctx)
{
    (void)ctx;
    *state = (void *)(uintptr_t)arg;
    return 0;
}

static const actor_method watcher_methods[W_COUNT] = {
    [W_WATCH] = {.name = "watch", .kind = ACTOR_METHOD_RPC, .invoke = inv_watch},
};

static const actor_type watcher_type = {
    .name = "test.Watcher",
    .methods = watcher_methods,
    .n_methods = W_COUNT,
    .init = watcher_init,
};

static int inv_crash(void *state, actor_ctx *ctx, const char *body, size_t len,
                     msgpack_sbuffer *reply)
{
    (void)state, (void)body, (void)len, (void)reply;
    return actor_ctx_crash(ctx, "the disk is on fire");
}

static const actor_method crasher_methods[1] = {
    {.name = "crash", .kind = ACTOR_METHOD_RPC, .invoke = inv_crash},
};

static const actor_type crasher_type = {
    .name = "test.Crasher",
    .methods = crasher_methods,
    .n_methods = 1,
};

static int watch_from(actor_test *t, actor_ref w, actor_ref target)
{
    actor_status st;
    int rc = sync_int(t->client, w, W_WATCH, (int64_t)target.id, -1, LONG_MS, &st, NULL);

    return rc != 0 ? rc : st.category == ACTOR_STATUS_OK ? 0 : ACTOR_EINVAL;
}

/* ------------------------------------------------------------------ tests */

ACTOR_TEST(a_terminated_actor_fires_each_monitor_once)
{
    actor_test t;
    probe p;
    actor_ref a;
    seen one = {0}, two = {0}, cancelled = {0};
    uint64_t id1, id2, id3;
    gone_wait g;

    probe_init(&p);
    ACTOR_ASSERT_RC(actor_test_start(&t, 0), 0);
    a = spawn_probe(&t, &probe_type, &p);
    ACTOR_ASSERT_RC(actor_monitor(t.sys, a, on_down, &one, &id1), 0);
    ACTOR_ASSERT_RC(actor_monitor(t.sys, a, on_down, &two, &id2), 0);
    ACTOR_ASSERT_RC(actor_monitor(t.sys, a, on_down, &cancelled, &id3), 0);
    ACTOR_ASSERT(id1 != id2 && id2 != id3);
    ACTOR_ASSERT_RC(actor_demonitor(t.sys, id3), 0);
    ACTOR_ASSERT_RC(actor_demonitor(t.sys, id3), ACTOR_ENOTFOUND);
    ACTOR_ASSERT_INT(atomic_load(&one.fired), 0);
    ACTOR_ASSERT_RC(actor_terminate(t.sys, a, true), 0);
    ACTOR_ASSERT(actor_test_wait(fired_pred, &one, LONG_MS));
    ACTOR_ASSERT(actor_test_wait(fired_pred, &two, LONG_MS));
    g.sys = t.sys;
    g.ref = a;
    ACTOR_ASSERT(actor_test_wait(gone_pred, &g, LONG_MS));
    ACTOR_ASSERT_INT(one.down.reason, ACTOR_DOWN_EXITED);
    ACTOR_ASSERT_INT(one.down.monitor, id1);
    ACTOR_ASSERT_INT(one.down.ref.id, a.id);
    ASSERT_STR(one.down.message, "terminated");
    ACTOR_ASSERT_INT(two.down.monitor, id2);
    /* a fired monitor is gone */
    ACTOR_ASSERT_RC(actor_demonitor(t.sys, id1), ACTOR_ENOTFOUND);
    actor_test_stop(&t);
    ACTOR_ASSERT_INT(atomic_load(&one.fired), 1);
    ACTOR_ASSERT_INT(atomic_load(&two.fired), 1);
    ACTOR_ASSERT_INT(atomic_load(&cancelled.fired), 0);
    probe_fini(&p);
}

ACTOR_TEST(watching_what_is_gone_answers_at_once)
{
    actor_test t;
    probe p;
    actor_ref a;
    seen s = {0};
    gone_wait g;

    probe_init(&p);
    ACTOR_ASSERT_RC(actor_test_start(&t, 0), 0);
    a = spawn_probe(&t, &probe_type, &p);
    ACTOR_ASSERT_RC(actor_terminate(t.sys, a, false), 0);
    g.sys = t.sys;
    g.ref = a;
    ACTOR_ASSERT(actor_test_wait(gone_pred, &g, LONG_MS));
    ACTOR_ASSERT_RC(actor_monitor(t.sys, a, on_down, &s, NULL), 0);
    ACTOR_ASSERT_INT(atomic_load(&s.fired), 1); /* before actor_monitor returned */
    ACTOR_ASSERT_INT(s.down.reason, ACTOR_DOWN_NOT_FOUND);
    /* a ref that never named an actor, too */
    ACTOR_ASSERT_RC(actor_monitor(t.sys, (actor_ref){a.id + 1000}, on_down, &s, NULL), 0);
    ACTOR_ASSERT_INT(atomic_load(&s.fired), 2);
    ACTOR_ASSERT_INT(s.down.reason, ACTOR_DOWN_NOT_FOUND);
    /* bad arguments */
    ACTOR_ASSERT_RC(actor_monitor(t.sys, ACTOR_REF_NONE, on_down, &s, NULL), ACTOR_EINVAL);
    ACTOR_ASSERT_RC(actor_monitor(t.sys, a, NULL, &s, NULL), ACTOR_EINVAL);
    ACTOR_ASSERT_RC(actor_demonitor(t.sys, 12345), ACTOR_ENOTFOUND);
    actor_test_stop(&t);
    probe_fini(&p);
}

ACTOR_TEST(failures_say_why)
{
    actor_test t;
    probe p, busy;
    actor_ref a, b, c;
    seen init = {0}, crash = {0};
    outcome held = {0};
    actor_status st;

    probe_init(&p);
    probe_init(&busy);
    p.init_rc = ACTOR_ESYSTEM;
    /* one worker, held in a handler: the monitor is there before init runs */
    ACTOR_ASSERT_RC(actor_test_start(&t, 1), 0);
    b = spawn_probe(&t, &probe_type, &busy);
    ACTOR_ASSERT_RC(async_int(t.client, b, M_WAIT, 0, -1, LONG_MS, &held), 0);
    ACTOR_ASSERT(probe_wait_entered(&busy));
    ACTOR_ASSERT_RC(actor_spawn(t.sys, &probe_type, &p, NULL, &a), 0);
    ACTOR_ASSERT_RC(actor_monitor(t.sys, a, on_down, &init, NULL), 0);
    ACTOR_ASSERT_INT(atomic_load(&init.fired), 0);
    probe_open(&busy);
    ACTOR_ASSERT(outcome_wait(&held));
    ACTOR_ASSERT(actor_test_wait(fired_pred, &init, LONG_MS));
    ACTOR_ASSERT_INT(init.down.reason, ACTOR_DOWN_FAILED);
    ASSERT_STR(init.down.message, "init failed");

    c = actor_test_spawn(&t, &crasher_type, NULL);
    ACTOR_ASSERT_RC(actor_monitor(t.sys, c, on_down, &crash, NULL), 0);
    ACTOR_ASSERT_RC(actor_test_call(&t, c, 0, NULL, 0, &st, NULL), 0);
    ACTOR_ASSERT(actor_test_wait(fired_pred, &crash, LONG_MS));
    ACTOR_ASSERT_INT(crash.down.reason, ACTOR_DOWN_FAILED);
    ASSERT_STR(crash.down.message, "crashed: the disk is on fire");
    actor_test_stop(&t);
    ACTOR_ASSERT_INT(atomic_load(&init.fired), 1);
    ACTOR_ASSERT_INT(atomic_load(&crash.fired), 1);
    probe_fini(&p);
    probe_fini(&busy);
}

ACTOR_TEST(an_actor_watcher_gets_a_message_on_its_state)
{
    actor_test t;
    probe p;
    actor_ref a, w;
    watcher ws = {0};
    seen early = {0};

    probe_init(&p);
    ACTOR_ASSERT_RC(actor_test_start(&t, 0), 0);
    a = spawn_probe(&t, &probe_type, &p);
    w = actor_test_spawn(&t, &watcher_type, &ws);
    ACTOR_ASSERT_RC(watch_from(&t, w, a), 0);
    ACTOR_ASSERT_INT(atomic_load(&ws.seen.fired), 0);
    ACTOR_ASSERT_RC(actor_monitor(t.sys, a, on_down, &early, NULL), 0);
    ACTOR_ASSERT_RC(actor_terminate(t.sys, a, true), 0);
    ACTOR_ASSERT(actor_test_wait(fired_pred, &ws.seen, LONG_MS));
    ACTOR_ASSERT_INT(ws.seen.down.reason, ACTOR_DOWN_EXITED);
    ACTOR_ASSERT_INT(ws.seen.down.monitor, ws.monitor);
    ACTOR_ASSERT_INT(ws.seen.down.ref.id, a.id);
    ACTOR_ASSERT_INT(atomic_load(&ws.wrong_state), 0);
    /* already gone: the watcher still gets a message, NOT_FOUND */
    ACTOR_ASSERT_RC(watch_from(&t, w, a), 0);
    ACTOR_ASSERT(actor_test_wait(fired_pred, &early, LONG_MS));
    actor_test_stop(&t);
    ACTOR_ASSERT_INT(atomic_load(&ws.seen.fired), 2);
    ACTOR_ASSERT_INT(ws.seen.down.reason, ACTOR_DOWN_NOT_FOUND);
    probe_fini(&p);
}

ACTOR_TEST(a_monitor_ends_with_its_watcher)
{
    actor_test t;
    probe p;
    actor_ref a, w;
    watcher ws = {0};
    seen after = {0};
    gone_wait g;

    probe_init(&p);
    ACTOR_ASSERT_RC(actor_test_start(&t, 0), 0);
    a = spawn_probe(&t, &probe_type, &p);
    w = actor_test_spawn(&t, &watcher_type, &ws);
    ACTOR_ASSERT_RC(watch_from(&t, w, a), 0);
    ACTOR_ASSERT_RC(actor_terminate(t.sys, w, true), 0);
    g.sys = t.sys;
    g.ref = w;
    ACTOR_ASSERT(actor_test_wait(gone_pred, &g, LONG_MS));
    /* the watcher's monitor went with it; another one still fires */
    ACTOR_ASSERT_RC(actor_demonitor(t.sys, ws.monitor), ACTOR_ENOTFOUND);
    ACTOR_ASSERT_RC(actor_monitor(t.sys, a, on_down, &after, NULL), 0);
    ACTOR_ASSERT_RC(actor_terminate(t.sys, a, true), 0);
    ACTOR_ASSERT(actor_test_wait(fired_pred, &after, LONG_MS));
    actor_test_stop(&t);
    ACTOR_ASSERT_INT(atomic_load(&ws.seen.fired), 0);
    probe_fini(&p);
}

typedef struct probe_count {
    probe *p;
    int inits;
} probe_count;

static bool probe_inits_pred(void *arg)
{
    probe_count *c = arg;

    return atomic_load(&c->p->inits) >= c->inits;
}

ACTOR_TEST(a_pool_fires_when_it_ends_not_when_an_instance_restarts)
{
    actor_test t;
    probe p;
    probe *pp = &p;
    actor_ref pool, members[2];
    seen on_pool = {0}, on_member = {0};
    actor_pool_opts po = {.size = 2};
    size_t n;

    probe_init(&p);
    ACTOR_ASSERT_RC(actor_test_start(&t, 0), 0);
    ACTOR_ASSERT_RC(
        actor_pool_spawn(t.sys, &probe_type, spawn_probe_spec, &pp, sizeof pp, &po, &pool), 0);
    ACTOR_ASSERT_RC(actor_pool_members(t.sys, pool, members, 2, &n), 0);
    ACTOR_ASSERT_INT(n, 2);
    ACTOR_ASSERT_RC(actor_monitor(t.sys, pool, on_down, &on_pool, NULL), 0);
    ACTOR_ASSERT_RC(actor_monitor(t.sys, members[0], on_down, &on_member, NULL), 0);
    /* a restart in place is not an end */
    ACTOR_ASSERT_RC(actor_restart(t.sys, members[0]), 0);
    ACTOR_ASSERT(actor_test_wait(probe_inits_pred, &(probe_count){&p, 3}, LONG_MS));
    ACTOR_ASSERT_INT(atomic_load(&on_member.fired), 0);
    ACTOR_ASSERT_RC(actor_terminate(t.sys, pool, true), 0);
    ACTOR_ASSERT(actor_test_wait(fired_pred, &on_pool, LONG_MS));
    ACTOR_ASSERT(actor_test_wait(fired_pred, &on_member, LONG_MS));
    ACTOR_ASSERT_INT(on_pool.down.reason, ACTOR_DOWN_EXITED);
    ACTOR_ASSERT_INT(on_pool.down.ref.id, pool.id);
    actor_test_stop(&t);
    ACTOR_ASSERT_INT(atomic_load(&on_pool.fired), 1);
    ACTOR_ASSERT_INT(atomic_load(&on_member.fired), 1);
    probe_fini(&p);
}

ACTOR_TEST(shutdown_fires_what_is_left)
{
    actor_test t;
    probe p;
    actor_ref a;
    seen s = {0};

    probe_init(&p);
    ACTOR_ASSERT_RC(actor_test_start(&t, 0), 0);
    a = spawn_probe(&t, &probe_type, &p);
    ACTOR_ASSERT_RC(actor_monitor(t.sys, a, on_down, &s, NULL), 0);
    actor_test_stop(&t);
    ACTOR_ASSERT_INT(atomic_load(&s.fired), 1);
    ACTOR_ASSERT_INT(s.down.reason, ACTOR_DOWN_EXITED);
    ASSERT_STR(s.down.message, "terminated: its system shut down");
    probe_fini(&p);
}

int main(void)
{
    ACTOR_TEST_RUN(a_terminated_actor_fires_each_monitor_once);
    ACTOR_TEST_RUN(watching_what_is_gone_answers_at_once);
    ACTOR_TEST_RUN(failures_say_why);
    ACTOR_TEST_RUN(an_actor_watcher_gets_a_message_on_its_state);
    ACTOR_TEST_RUN(a_monitor_ends_with_its_watcher);
    ACTOR_TEST_RUN(a_pool_fires_when_it_ends_not_when_an_instance_restarts);
    ACTOR_TEST_RUN(shutdown_fires_what_is_left);
    return actor_test_summary();
}
