/*
 * supervise_test.c - supervision (runtime/supervise/, the core's restarts):
 * restart limits and jittered exponential backoff, checkpoint and restore,
 * queued messages surviving a restart in their order, health checks,
 * the one-for-all and rest-for-one strategies, nested supervisors
 * escalating, actor_restart, an unsupervised crash, and a supervisor
 * with nothing to do sleeping.
 */
#include <pthread.h>
#include <stdatomic.h>
#include <sys/resource.h>
#include <stdio.h>
#include <stdlib.h>

#include "farm.h"

#define EVENTS_MAX 64

/* What a supervisor reported, in order (its thread writes, tests read). */
typedef struct events {
    pthread_mutex_t lock;
    actor_supervision_event ev[EVENTS_MAX];
    int n;
} events;

static void record(void *user, const actor_supervision_event *ev)
{
    events *e = user;

    pthread_mutex_lock(&e->lock);
    if (e->n < EVENTS_MAX) {
        e->ev[e->n] = *ev;
        e->ev[e->n].reason = NULL; /* borrowed for the call only */
        e->n++;
    }
    pthread_mutex_unlock(&e->lock);
}

static int count_kind(events *e, actor_supervision_event_kind kind)
{
    int n = 0;

    pthread_mutex_lock(&e->lock);
    for (int i = 0; i < e->n; i++)
        n += e->ev[i].kind == kind;
    pthread_mutex_unlock(&e->lock);
    return n;
}

typedef struct want_kind {
    events *e;
    actor_supervision_event_kind kind;
    int n;
} want_kind;

static bool kind_pred(void *arg)
{
    want_kind *w = arg;
    return count_kind(w->e, w->kind) >= w->n;
}

static bool wait_kind(events *e, actor_supervision_event_kind kind, int n)
{
    want_kind w = {e, kind, n};
    return actor_test_wait(kind_pred, &w, 20000);
}

static int64_t incarnation_of(actor_test *t, actor_ref ref)
{
    actor_status st;
    int64_t v = -1;

    if (actor_test_call_int(t, ref, M_INCARNATION, 0, &st, &v) != 0 ||
        st.category != ACTOR_STATUS_OK)
        return -1;
    return v;
}

static void crash(actor_test *t, actor_ref ref)
{
    actor_status st;

    actor_test_call_int(t, ref, M_CRASH, 0, &st, NULL);
}

/* The n-th restart in the window waits backoff * 2^(n-1) (capped), times a
 * factor in [0.5, 1.5); past `max` the child fails and is terminated. */
ACTOR_TEST(restart_limit_and_backoff)
{
    actor_test t;
    farm f, *fp = &f;
    events e = {.lock = PTHREAD_MUTEX_INITIALIZER};
    actor_supervisor_opts o = {
        .restart = {.max = 3, .window_ms = 60000, .backoff_ms = 8, .backoff_max_ms = 20},
        .name = "limits",
        .report = record,
        .report_user = &e};
    actor_supervisor *s;
    actor_supervisor_stats ss;
    actor_child_spec c = farm_child(&fp);
    actor_ref ref;
    uint32_t delays[3];

    farm_init(&f);
    ACTOR_ASSERT_RC(actor_test_start(&t, 2), 0);
    ACTOR_ASSERT_RC(actor_supervisor_new(t.sys, NULL, &o, &s), 0);
    ACTOR_ASSERT_RC(actor_supervisor_add(s, &c, &ref), 0);
    for (int i = 1; i <= 3; i++) {
        crash(&t, ref);
        ACTOR_ASSERT(wait_kind(&e, ACTOR_CHILD_RESTARTED, i));
        ACTOR_ASSERT_INT(incarnation_of(&t, ref), i + 1); /* same ref, new state */
    }
    pthread_mutex_lock(&e.lock);
    for (int i = 0, k = 0; i < e.n && k < 3; i++)
        if (e.ev[i].kind == ACTOR_CHILD_RESTARTED)
            delays[k++] = e.ev[i].delay_ms;
    pthread_mutex_unlock(&e.lock);
    ACTOR_ASSERT(delays[0] >= 4 && delays[0] < 12);  /* 8 ms, jittered */
    ACTOR_ASSERT(delays[1] >= 8 && delays[1] < 24);  /* 16 ms */
    ACTOR_ASSERT(delays[2] >= 10 && delays[2] < 30); /* 32 capped at 20 */
    crash(&t, ref);                                  /* the fourth in the window: failed */
    ACTOR_ASSERT(wait_kind(&e, ACTOR_CHILD_FAILED, 1));
    actor_supervisor_stats_get(s, &ss);
    ACTOR_ASSERT_INT(ss.failed, 1);
    ACTOR_ASSERT_INT(ss.restarts, 3);
    ACTOR_ASSERT_INT(ss.crashes, 4);
    ACTOR_ASSERT(actor_supervisor_failed(s));
    ACTOR_ASSERT_INT(incarnation_of(&t, ref), -1); /* terminated */
    actor_supervisor_destroy(&s, true);
    actor_test_stop(&t);
    farm_fini(&f);
}

/* Restart runs init, then restore from the last checkpoint. */
ACTOR_TEST(checkpoint_and_restore)
{
    actor_test t;
    farm f, *fp = &f;
    events e = {.lock = PTHREAD_MUTEX_INITIALIZER};
    actor_supervisor_opts o = {.report = record, .report_user = &e};
    actor_supervisor *s;
    actor_child_spec c = farm_child(&fp);
    actor_ref ref;
    actor_status st;
    int64_t v = 0;

    farm_init(&f);
    ACTOR_ASSERT_RC(actor_test_start(&t, 2), 0);
    ACTOR_ASSERT_RC(actor_supervisor_new(t.sys, NULL, &o, &s), 0);
    ACTOR_ASSERT_RC(actor_supervisor_add(s, &c, &ref), 0);
    for (int i = 0; i < 5; i++)
        ACTOR_ASSERT_RC(actor_test_call_int(&t, ref, M_COUNT, 10, &st, &v), 0);
    ACTOR_ASSERT_INT(v, 50);
    crash(&t, ref);
    ACTOR_ASSERT(wait_kind(&e, ACTOR_CHILD_RESTARTED, 1));
    ACTOR_ASSERT_RC(actor_test_call_int(&t, ref, M_COUNT, 1, &st, &v), 0);
    ACTOR_ASSERT_INT(v, 51); /* restored, not 1 */
    ACTOR_ASSERT_INT(incarnation_of(&t, ref), 2);
    actor_supervisor_destroy(&s, true);
    actor_test_stop(&t);
    farm_fini(&f);
}

static bool entered_pred(void *arg)
{
    return atomic_load(&((farm *)arg)->entered) >= 1;
}

typedef struct want_log {
    farm *f;
    int n;
} want_log;

static bool log_pred(void *arg)
{
    want_log *w = arg;
    return atomic_load(&w->f->n_log) >= w->n;
}

static void crash_done(void *user, uint64_t id, const actor_status *st, const char *body,
                       size_t len)
{
    (void)id;
    (void)body;
    (void)len;
    atomic_store((atomic_int *)user, (int)st->category + 1);
}

/* Messages queued behind the handler that crashes wait in the mailbox and
 * are served by the restarted instance, in their order. */
ACTOR_TEST(queued_messages_survive_a_restart)
{
    actor_test t;
    farm f, *fp = &f;
    actor_supervisor_opts o = {.restart = {.max = 3, .window_ms = 60000, .backoff_ms = 20}};
    actor_supervisor *s;
    actor_child_spec c = farm_child(&fp);
    actor_ref ref;
    msgpack_sbuffer sb;
    atomic_int crashed = 0;
    want_log w = {&f, 100};

    farm_init(&f);
    msgpack_sbuffer_init(&sb);
    ACTOR_ASSERT_RC(actor_test_start(&t, 2), 0);
    ACTOR_ASSERT_RC(actor_supervisor_new(t.sys, NULL, &o, &s), 0);
    ACTOR_ASSERT_RC(actor_supervisor_add(s, &c, &ref), 0);
    ACTOR_ASSERT_RC(actor_call_async(t.client, ref, (actor_method_ref){&farm_type, M_GATE_CRASH},
                                     NULL, 0, NULL, crash_done, &crashed, NULL),
                    0);
    ACTOR_ASSERT(actor_test_wait(entered_pred, &f, 10000));
    for (int i = 0; i < 100; i++) {
        sb.size = 0;
        actor_test_int_body(&sb, i);
        ACTOR_ASSERT_RC(actor_cast(t.client, ref, (actor_method_ref){&farm_type, M_LOG}, sb.data,
                                   sb.size, NULL),
                        0);
    }
    farm_gate(&f, true);
    ACTOR_ASSERT(actor_test_wait(log_pred, &w, 20000));
    ACTOR_ASSERT_INT(atomic_load(&crashed), ACTOR_STATUS_DIED + 1);
    for (int i = 0; i < 100; i++)
        ACTOR_ASSERT_INT(f.log[i], i);
    ACTOR_ASSERT_INT(incarnation_of(&t, ref), 2);
    msgpack_sbuffer_destroy(&sb);
    actor_supervisor_destroy(&s, true);
    actor_test_stop(&t);
    farm_fini(&f);
}

/* A health check that fails restarts the child. */
ACTOR_TEST(unhealthy_child_restarts)
{
    actor_test t;
    farm f, *fp = &f;
    events e = {.lock = PTHREAD_MUTEX_INITIALIZER};
    actor_supervisor_opts o = {.health_interval_ms = 5, .report = record, .report_user = &e};
    actor_supervisor *s;
    actor_child_spec c = farm_child(&fp);
    actor_ref ref;

    farm_init(&f);
    ACTOR_ASSERT_RC(actor_test_start(&t, 2), 0);
    ACTOR_ASSERT_RC(actor_supervisor_new(t.sys, NULL, &o, &s), 0);
    ACTOR_ASSERT_RC(actor_supervisor_add(s, &c, &ref), 0);
    ACTOR_ASSERT_INT(incarnation_of(&t, ref), 1);
    atomic_store(&f.unhealthy, 1);
    ACTOR_ASSERT(wait_kind(&e, ACTOR_CHILD_UNHEALTHY, 1));
    ACTOR_ASSERT(wait_kind(&e, ACTOR_CHILD_RESTARTED, 1));
    ACTOR_ASSERT_INT(incarnation_of(&t, ref), 2);
    actor_supervisor_destroy(&s, true);
    actor_test_stop(&t);
    farm_fini(&f);
}

/* Three children; child 1 crashes. */
static void strategy_case(actor_strategy strategy, const int64_t want[3])
{
    actor_test t;
    farm f, *fp = &f;
    events e = {.lock = PTHREAD_MUTEX_INITIALIZER};
    actor_supervisor_opts o = {.strategy = strategy, .report = record, .report_user = &e};
    actor_supervisor *s;
    actor_child_spec c = farm_child(&fp);
    actor_ref ref[3];
    int64_t first[3];
    int restarts = want[0] + want[1] + want[2] - 3; /* incarnations that changed */

    farm_init(&f);
    ACTOR_ASSERT_RC(actor_test_start(&t, 2), 0);
    ACTOR_ASSERT_RC(actor_supervisor_new(t.sys, NULL, &o, &s), 0);
    for (int i = 0; i < 3; i++) {
        ACTOR_ASSERT_RC(actor_supervisor_add(s, &c, &ref[i]), 0);
        first[i] = incarnation_of(&t, ref[i]);
    }
    crash(&t, ref[1]);
    ACTOR_ASSERT(wait_kind(&e, ACTOR_CHILD_RESTARTED, restarts));
    for (int i = 0; i < 3; i++) /* want: 1 kept, 2 restarted */
        ACTOR_ASSERT_INT(incarnation_of(&t, ref[i]) != first[i], want[i] == 2);
    actor_supervisor_destroy(&s, true);
    actor_test_stop(&t);
    farm_fini(&f);
}

ACTOR_TEST(one_for_one_restarts_only_the_child)
{
    strategy_case(ACTOR_ONE_FOR_ONE, (const int64_t[3]){1, 2, 1});
}

ACTOR_TEST(one_for_all_restarts_every_child)
{
    strategy_case(ACTOR_ONE_FOR_ALL, (const int64_t[3]){2, 2, 2});
}

ACTOR_TEST(rest_for_one_restarts_the_later_children)
{
    strategy_case(ACTOR_REST_FOR_ONE, (const int64_t[3]){1, 2, 2});
}

/* A nested supervisor past its limit fails; its parent restarts it, which
 * starts its children anew. */
ACTOR_TEST(nested_supervisor_escalates)
{
    actor_test t;
    farm f, *fp = &f;
    events top = {.lock = PTHREAD_MUTEX_INITIALIZER}, low = {.lock = PTHREAD_MUTEX_INITIALIZER};
    actor_supervisor_opts root_o = {.name = "root", .report = record, .report_user = &top};
    actor_supervisor_opts nested_o = {.name = "stage",
                                      .restart = {.max = 0, .window_ms = 1000},
                                      .report = record,
                                      .report_user = &low};
    actor_supervisor *root, *nested;
    actor_child_spec c = farm_child(&fp);
    actor_ref ref;
    actor_supervisor_stats ss;

    farm_init(&f);
    ACTOR_ASSERT_RC(actor_test_start(&t, 2), 0);
    ACTOR_ASSERT_RC(actor_supervisor_new(t.sys, NULL, &root_o, &root), 0);
    ACTOR_ASSERT_RC(actor_supervisor_new(t.sys, root, &nested_o, &nested), 0);
    ACTOR_ASSERT_RC(actor_supervisor_add(nested, &c, &ref), 0);
    ACTOR_ASSERT_INT(incarnation_of(&t, ref), 1);
    crash(&t, ref); /* max 0: the nested supervisor fails at once */
    ACTOR_ASSERT(wait_kind(&low, ACTOR_CHILD_FAILED, 1));
    ACTOR_ASSERT(wait_kind(&top, ACTOR_CHILD_RESTARTED, 1)); /* the root restarted "stage" */
    ACTOR_ASSERT(wait_kind(&low, ACTOR_CHILD_RESTARTED, 1)); /* which started its child anew */
    actor_supervisor_stats_get(nested, &ss);
    ACTOR_ASSERT_INT(ss.live, 1);
    ACTOR_ASSERT(!actor_supervisor_failed(nested));
    actor_supervisor_stats_get(root, &ss);
    ACTOR_ASSERT_INT(ss.children, 1);
    ACTOR_ASSERT_INT(ss.crashes, 1);
    actor_supervisor_destroy(&root, true);
    actor_test_stop(&t);
    farm_fini(&f);
}

/* actor_restart by hand; an unsupervised crash terminates the actor. */
ACTOR_TEST(restart_by_hand_and_unsupervised_crash)
{
    actor_test t;
    farm f;
    actor_spawn_opts restartable = {.restartable = true};
    actor_ref a, plain;
    actor_status st;
    actor_stats as;

    farm_init(&f);
    ACTOR_ASSERT_RC(actor_test_start(&t, 2), 0);
    ACTOR_ASSERT_RC(actor_spawn(t.sys, &farm_type, &f, &restartable, &a), 0);
    ACTOR_ASSERT_INT(incarnation_of(&t, a), 1);
    ACTOR_ASSERT_RC(actor_restart(t.sys, a), 0);
    ACTOR_ASSERT_INT(incarnation_of(&t, a), 2);
    ACTOR_ASSERT_RC(actor_stats_get(t.sys, a, &as), 0);
    ACTOR_ASSERT_INT(as.restarts, 1);
    ACTOR_ASSERT_RC(actor_spawn(t.sys, &farm_type, &f, NULL, &plain), 0);
    ACTOR_ASSERT_RC(actor_restart(t.sys, plain), ACTOR_ESTATE);
    ACTOR_ASSERT_RC(actor_test_call_int(&t, plain, M_CRASH, 0, &st, NULL), 0);
    ACTOR_ASSERT_STATUS(&st, ACTOR_STATUS_DIED);
    for (int i = 0; i < 2000 && actor_stats_get(t.sys, plain, &as) == 0; i++)
        usleep(1000);
    ACTOR_ASSERT_RC(actor_stats_get(t.sys, plain, &as), ACTOR_ENOTFOUND);
    actor_test_stop(&t);
    ACTOR_ASSERT_INT(atomic_load(&f.cleanups), atomic_load(&f.incarnations));
    farm_fini(&f);
}

static int64_t cpu_ns(void)
{
    struct rusage ru;

    getrusage(RUSAGE_SELF, &ru);
    return ((int64_t)ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1000000000 +
           ((int64_t)ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) * 1000;
}

/* A supervisor waits for its next deadline on the clock it computes it
 * with: with nothing to do, it uses next to no processor time (one that
 * spins uses all of the time slept). */
ACTOR_TEST(idle_supervisor_sleeps)
{
    actor_test t;
    farm f, *fp = &f;
    actor_supervisor_opts o = {.name = "idle", .health_interval_ms = 50};
    actor_supervisor *sup;
    actor_child_spec c = farm_child(&fp);
    actor_ref ref;
    int64_t before;

    farm_init(&f);
    ACTOR_ASSERT_RC(actor_test_start(&t, 2), 0);
    ACTOR_ASSERT_RC(actor_supervisor_new(t.sys, NULL, &o, &sup), 0);
    ACTOR_ASSERT_RC(actor_supervisor_add(sup, &c, &ref), 0);
    crash(&t, ref); /* a restart scheduled and done, then nothing */
    ACTOR_ASSERT_INT(incarnation_of(&t, ref), 2);
    before = cpu_ns();
    usleep(400 * 1000);
    ACTOR_ASSERT(cpu_ns() - before < 100 * 1000000); /* a quarter of the time slept */
    actor_supervisor_destroy(&sup, true);
    actor_test_stop(&t);
    farm_fini(&f);
}

int main(void)
{
    ACTOR_TEST_RUN(restart_limit_and_backoff);
    ACTOR_TEST_RUN(checkpoint_and_restore);
    ACTOR_TEST_RUN(queued_messages_survive_a_restart);
    ACTOR_TEST_RUN(unhealthy_child_restarts);
    ACTOR_TEST_RUN(one_for_one_restarts_only_the_child);
    ACTOR_TEST_RUN(one_for_all_restarts_every_child);
    ACTOR_TEST_RUN(rest_for_one_restarts_the_later_children);
    ACTOR_TEST_RUN(nested_supervisor_escalates);
    ACTOR_TEST_RUN(restart_by_hand_and_unsupervised_crash);
    ACTOR_TEST_RUN(idle_supervisor_sleeps);
    return actor_test_summary();
}
