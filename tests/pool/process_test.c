/*
 * process_test.c - process isolation (runtime/supervise/process.c): each
 * instance in a child process of its own; kill -9, a segfault or an abort
 * takes down only that instance, which restarts behind the same ref;
 * requests in flight to it are retried (idempotent) or answered DIED,
 * once; messages sent while it restarts wait and are served in order; past
 * its limit it fails and the pool answers UNAVAILABLE; no child process
 * outlives its pool.
 */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "farm.h"

#define WAIT_MS 10000

/* What the pool's supervisor reported. */
typedef struct reports {
    pthread_mutex_t lock;
    int crashed, unhealthy, restarted, failed;
    char last_reason[256];
} reports;

static void on_report(void *user, const actor_supervision_event *ev)
{
    reports *r = user;

    pthread_mutex_lock(&r->lock);
    if (ev->kind == ACTOR_CHILD_CRASHED || ev->kind == ACTOR_CHILD_UNHEALTHY) {
        if (ev->kind == ACTOR_CHILD_CRASHED)
            r->crashed++;
        else
            r->unhealthy++;
        snprintf(r->last_reason, sizeof r->last_reason, "%s", ev->reason);
    } else if (ev->kind == ACTOR_CHILD_RESTARTED) {
        r->restarted++;
    } else if (ev->kind == ACTOR_CHILD_FAILED) {
        r->failed++;
    }
    pthread_mutex_unlock(&r->lock);
}

typedef struct rig {
    actor_test t;
    farm f;
    reports r;
    actor_ref pool;
} rig;

/* A pool of `size` process instances, checked every `health_interval_ms`
 * (0: never), in a system whose links to its peers (here: the instances'
 * processes) are lost after `peer_timeout_ms` of silence (0: the
 * default). */
static int rig_start_opts(rig *g, unsigned size, actor_restart_opts restart,
                          unsigned peer_timeout_ms, uint32_t health_interval_ms)
{
    actor_pool_opts o = {.size = size,
                         .isolation = ACTOR_ISOLATION_PROCESS,
                         .restart = restart,
                         .health_interval_ms = health_interval_ms,
                         .report = on_report,
                         .report_user = &g->r};
    actor_system_opts so = {.workers = 2, .peer_timeout_ms = peer_timeout_ms};
    int rc;

    memset(&g->r, 0, sizeof g->r);
    pthread_mutex_init(&g->r.lock, NULL);
    farm_init(&g->f);
    memset(&g->t, 0, sizeof g->t);
    g->t.timeout_ms = WAIT_MS;
    rc = actor_system_new(&so, &g->t.sys);
    if (rc == 0)
        rc = actor_client_new(g->t.sys, &g->t.client);
    return rc != 0 ? rc : farm_pool(g->t.sys, &g->f, &o, &g->pool);
}

static int rig_start(rig *g, unsigned size, actor_restart_opts restart)
{
    return rig_start_opts(g, size, restart, 0, 0);
}

static void rig_stop(rig *g)
{
    actor_test_stop(&g->t);
    farm_fini(&g->f);
    pthread_mutex_destroy(&g->r.lock);
}

static int pid_of(rig *g, unsigned index)
{
    int pids[8] = {0};
    size_t n = 0;

    if (actor_pool_pids(g->t.sys, g->pool, pids, 8, &n) != 0 || index >= n)
        return -1;
    return pids[index];
}

/* Waits until instance `index` runs in a process other than `old`. */
static int new_pid(rig *g, unsigned index, int old)
{
    for (int ms = 0; ms < WAIT_MS; ms++) {
        int pid = pid_of(g, index);
        if (pid > 0 && pid != old)
            return pid;
        usleep(1000);
    }
    return -1;
}

static int64_t call_pid(rig *g, actor_ref to, actor_status *st)
{
    int64_t pid = 0;

    if (actor_test_call_int(&g->t, to, M_PID, 0, st, &pid) != 0)
        return -1;
    return st->category == ACTOR_STATUS_OK ? pid : -1;
}

static const actor_restart_opts quick = {.max = 10, .window_ms = 60000, .backoff_ms = 1};

ACTOR_TEST(instances_run_in_processes_of_their_own)
{
    rig g;
    actor_status st;
    int a, b;

    ACTOR_ASSERT_RC(rig_start(&g, 2, quick), 0);
    a = pid_of(&g, 0);
    b = pid_of(&g, 1);
    ACTOR_ASSERT(a > 0 && b > 0 && a != b);
    ACTOR_ASSERT(a != getpid() && b != getpid());
    for (int i = 0; i < 10; i++) { /* round robin: both serve */
        int64_t pid = call_pid(&g, g.pool, &st);
        ACTOR_ASSERT_STATUS(&st, ACTOR_STATUS_OK);
        ACTOR_ASSERT_INT(pid, i % 2 == 0 ? a : b);
    }
    rig_stop(&g);
}

/* A member's ref takes calls made with the actor's own type (as the
 * generated stubs make them), though its stand-in runs a copy of it. */
ACTOR_TEST(typed_calls_reach_a_member_directly)
{
    rig g;
    actor_ref members[2];
    actor_method_ref m = {&farm_type, M_PID};
    msgpack_sbuffer body, reply;
    actor_status st;
    int64_t pid = 0;
    size_t n;

    ACTOR_ASSERT_RC(rig_start(&g, 2, quick), 0);
    ACTOR_ASSERT_RC(actor_pool_members(g.t.sys, g.pool, members, 2, &n), 0);
    msgpack_sbuffer_init(&body);
    msgpack_sbuffer_init(&reply);
    ACTOR_ASSERT_RC(actor_test_int_body(&body, 0), 0);
    ACTOR_ASSERT_RC(actor_call(g.t.client, members[1], m, body.data, body.size, NULL, &st, &reply),
                    0);
    ACTOR_ASSERT_STATUS(&st, ACTOR_STATUS_OK);
    ACTOR_ASSERT_RC(actor_test_int_of(reply.data, reply.size, &pid), 0);
    ACTOR_ASSERT_INT(pid, pid_of(&g, 1));
    msgpack_sbuffer_destroy(&body);
    msgpack_sbuffer_destroy(&reply);
    rig_stop(&g);
}

ACTOR_TEST(kill_9_restarts_only_that_instance)
{
    rig g;
    actor_status st;
    actor_pool_stats ps;
    int a, b, a2;

    ACTOR_ASSERT_RC(rig_start(&g, 2, quick), 0);
    a = pid_of(&g, 0);
    b = pid_of(&g, 1);
    ACTOR_ASSERT_RC(kill(a, SIGKILL), 0);
    a2 = new_pid(&g, 0, a);
    ACTOR_ASSERT(a2 > 0);
    ACTOR_ASSERT_INT(pid_of(&g, 1), b);
    for (int i = 0; i < 10; i++) {
        int64_t pid = call_pid(&g, g.pool, &st);
        ACTOR_ASSERT_STATUS(&st, ACTOR_STATUS_OK);
        ACTOR_ASSERT(pid == a2 || pid == b);
    }
    ACTOR_ASSERT_RC(actor_pool_stats_get(g.t.sys, g.pool, &ps), 0);
    ACTOR_ASSERT_INT(ps.restarts, 1);
    ACTOR_ASSERT_INT(ps.live, 2);
    pthread_mutex_lock(&g.r.lock);
    ACTOR_ASSERT(strstr(g.r.last_reason, "killed by signal 9") != NULL);
    pthread_mutex_unlock(&g.r.lock);
    rig_stop(&g);
}

/* A handler that dies of `sig` on instance `victim`: its caller gets DIED,
 * the other instance serves meanwhile, the victim serves again. */
static void dies_of(int sig, const char *reason)
{
    rig g;
    actor_status st;
    actor_ref members[2];
    size_t n;
    int victim, other, again;

    ACTOR_ASSERT_RC(rig_start(&g, 2, quick), 0);
    ACTOR_ASSERT_RC(actor_pool_members(g.t.sys, g.pool, members, 2, &n), 0);
    victim = pid_of(&g, 0);
    other = pid_of(&g, 1);
    ACTOR_ASSERT_RC(actor_test_call_int(&g.t, members[0], M_SIGNAL, sig, &st, NULL), 0);
    ACTOR_ASSERT_STATUS(&st, ACTOR_STATUS_DIED);
    ACTOR_ASSERT_INT(call_pid(&g, members[1], &st), other);
    again = new_pid(&g, 0, victim);
    ACTOR_ASSERT(again > 0);
    ACTOR_ASSERT_INT(call_pid(&g, members[0], &st), again);
    ACTOR_ASSERT_INT(pid_of(&g, 1), other);
    pthread_mutex_lock(&g.r.lock);
    ACTOR_ASSERT(strstr(g.r.last_reason, reason) != NULL);
    ACTOR_ASSERT_INT(g.r.crashed, 1);
    pthread_mutex_unlock(&g.r.lock);
    rig_stop(&g);
}

ACTOR_TEST(segfault_takes_down_only_its_instance)
{
    dies_of(SIGSEGV, "killed by signal 11");
}

ACTOR_TEST(abort_takes_down_only_its_instance)
{
    dies_of(SIGABRT, "killed by signal 6");
}

/* Replies per call, for "exactly once". */
typedef struct once {
    atomic_int calls;
    atomic_int category;
} once;

static void once_reply(void *user, uint64_t call_id, const actor_status *st, const char *body,
                       size_t len)
{
    once *o = user;

    (void)call_id;
    (void)body;
    (void)len;
    atomic_store(&o->category, (int)st->category);
    atomic_fetch_add(&o->calls, 1);
}

static bool both_answered(void *arg)
{
    once *o = arg;
    return atomic_load(&o[0].calls) >= 1 && atomic_load(&o[1].calls) >= 1;
}

/* Sends a spin of `us` microseconds, then its idempotent twin, to the
 * pool: their answers land in got[0] and got[1]. 0 or the first error. */
static int send_spins(rig *g, int64_t us, once got[2])
{
    const actor_call_opts o = {ACTOR_PRIORITY_DEFAULT, WAIT_MS};
    msgpack_sbuffer body;
    int rc;

    msgpack_sbuffer_init(&body);
    actor_test_int_body(&body, us);
    rc = actor_call_async(g->t.client, g->pool, (actor_method_ref){&farm_type, M_SPIN}, body.data,
                          body.size, &o, once_reply, &got[0], NULL);
    if (rc == 0)
        rc = actor_call_async(g->t.client, g->pool, (actor_method_ref){&farm_type, M_SAFE_SPIN},
                              body.data, body.size, &o, once_reply, &got[1], NULL);
    msgpack_sbuffer_destroy(&body);
    return rc;
}

/* send_spins' answers after their process died or its connection broke:
 * the spin, which may have run, DIED; its idempotent twin retried and OK;
 * each answered once. */
static void expect_died_and_retried_once(rig *g, once got[2])
{
    actor_pool_stats ps;

    ACTOR_ASSERT(actor_test_wait(both_answered, got, WAIT_MS));
    ACTOR_ASSERT_INT(atomic_load(&got[0].category), ACTOR_STATUS_DIED);
    ACTOR_ASSERT_INT(atomic_load(&got[1].category), ACTOR_STATUS_OK);
    usleep(50000); /* nothing more comes */
    ACTOR_ASSERT_INT(atomic_load(&got[0].calls), 1);
    ACTOR_ASSERT_INT(atomic_load(&got[1].calls), 1);
    ACTOR_ASSERT_RC(actor_pool_stats_get(g->t.sys, g->pool, &ps), 0);
    ACTOR_ASSERT_INT(ps.retried, 1);
}

ACTOR_TEST(in_flight_requests_retried_or_died_once)
{
    rig g;
    once got[2] = {0};
    int pid;

    ACTOR_ASSERT_RC(rig_start(&g, 1, quick), 0);
    pid = pid_of(&g, 0);
    ACTOR_ASSERT_RC(send_spins(&g, 300000, got), 0); /* 300 ms each */
    usleep(100000); /* the first runs, the second waits behind it, in the process */
    ACTOR_ASSERT_RC(kill(pid, SIGKILL), 0);
    expect_died_and_retried_once(&g, got);
    rig_stop(&g);
}

/* A process that lives but whose connection broke (stopped for longer
 * than the peer timeout, then let go on): the requests in flight to it
 * are not left waiting for their deadline. The stand-in asks the process
 * whether it lives; it does, so the idempotent request is sent again and
 * answered OK, and the other, which may have run, is answered DIED. */
ACTOR_TEST(requests_to_a_live_process_whose_connection_broke_are_settled)
{
    rig g;
    once got[2] = {0};
    actor_status st;
    int pid;

    ACTOR_ASSERT_RC(rig_start_opts(&g, 1, quick, 300, 0), 0);
    pid = pid_of(&g, 0);
    ACTOR_ASSERT_INT(call_pid(&g, g.pool, &st), pid); /* the connection is up */
    ACTOR_ASSERT_RC(kill(pid, SIGSTOP), 0);
    ACTOR_ASSERT_RC(send_spins(&g, 1000, got), 0);
    usleep(1200000); /* four peer timeouts: the connection is lost */
    ACTOR_ASSERT_RC(kill(pid, SIGCONT), 0);
    expect_died_and_retried_once(&g, got);
    ACTOR_ASSERT_INT(pid_of(&g, 0), pid); /* the same process: it was never restarted */
    rig_stop(&g);
}

static bool restarted_pred(void *arg)
{
    rig *g = arg;
    int n;

    pthread_mutex_lock(&g->r.lock);
    n = g->r.restarted;
    pthread_mutex_unlock(&g->r.lock);
    return n >= 1;
}

/* The pool's health checks reach the instance in its process: one that
 * finds itself unhealthy is restarted in a new process, reported and
 * counted as unhealthy (not as a crash), with its hook's reason. */
ACTOR_TEST(an_unhealthy_process_instance_is_restarted_as_unhealthy)
{
    rig g;
    actor_status st;
    actor_pool_stats ps;
    int64_t told = 0;
    int pid;

    ACTOR_ASSERT_RC(rig_start_opts(&g, 1, quick, 0, 10), 0);
    pid = pid_of(&g, 0);
    ACTOR_ASSERT_RC(actor_test_call_int(&g.t, g.pool, M_SICKEN, 1, &st, &told), 0);
    ACTOR_ASSERT_INT(st.category, ACTOR_STATUS_OK);
    ACTOR_ASSERT(new_pid(&g, 0, pid) > 0);
    ACTOR_ASSERT(actor_test_wait(restarted_pred, &g, WAIT_MS));
    pthread_mutex_lock(&g.r.lock);
    ACTOR_ASSERT_INT(g.r.unhealthy, 1);
    ACTOR_ASSERT_INT(g.r.crashed, 0);
    ACTOR_ASSERT(strstr(g.r.last_reason, "unhealthy: told to be unhealthy") != NULL);
    pthread_mutex_unlock(&g.r.lock);
    ACTOR_ASSERT_RC(actor_pool_stats_get(g.t.sys, g.pool, &ps), 0);
    ACTOR_ASSERT_INT(ps.restarts, 1);
    ACTOR_ASSERT_INT(call_pid(&g, g.pool, &st), pid_of(&g, 0)); /* the new process serves */
    rig_stop(&g);
}

/* Answers in arrival order, for "in their order". */
typedef struct ordered {
    pthread_mutex_t lock;
    int64_t values[8];
    atomic_int n;
} ordered;

static void ordered_reply(void *user, uint64_t call_id, const actor_status *st, const char *body,
                          size_t len)
{
    ordered *o = user;
    int64_t v = -1;

    (void)call_id;
    if (st->category == ACTOR_STATUS_OK)
        actor_test_int_of(body, len, &v);
    pthread_mutex_lock(&o->lock);
    if (atomic_load(&o->n) < 8)
        o->values[atomic_load(&o->n)] = v;
    atomic_fetch_add(&o->n, 1);
    pthread_mutex_unlock(&o->lock);
}

static bool five_answered(void *arg)
{
    return atomic_load(&((ordered *)arg)->n) >= 5;
}

static bool restarting_pred(void *arg)
{
    rig *g = arg;
    actor_pool_stats ps;

    return actor_pool_stats_get(g->t.sys, g->pool, &ps) == 0 && ps.restarting == 1;
}

ACTOR_TEST(messages_sent_while_restarting_are_served_in_order)
{
    actor_restart_opts slow = {.max = 3, .window_ms = 60000, .backoff_ms = 300};
    rig g;
    ordered got = {.lock = PTHREAD_MUTEX_INITIALIZER};
    msgpack_sbuffer body;
    actor_call_opts o = {ACTOR_PRIORITY_DEFAULT, WAIT_MS};

    ACTOR_ASSERT_RC(rig_start(&g, 1, slow), 0);
    ACTOR_ASSERT_RC(kill(pid_of(&g, 0), SIGKILL), 0);
    ACTOR_ASSERT(actor_test_wait(restarting_pred, &g, WAIT_MS));
    msgpack_sbuffer_init(&body);
    actor_test_int_body(&body, 1);
    for (int i = 0; i < 5; i++) /* count += 1: the new process counts from 0 */
        ACTOR_ASSERT_RC(actor_call_async(g.t.client, g.pool,
                                         (actor_method_ref){&farm_type, M_COUNT}, body.data,
                                         body.size, &o, ordered_reply, &got, NULL),
                        0);
    msgpack_sbuffer_destroy(&body);
    ACTOR_ASSERT(actor_test_wait(five_answered, &got, WAIT_MS));
    pthread_mutex_lock(&got.lock);
    for (int i = 0; i < 5; i++)
        ACTOR_ASSERT_INT(got.values[i], i + 1);
    pthread_mutex_unlock(&got.lock);
    rig_stop(&g);
    pthread_mutex_destroy(&got.lock);
}

static bool failed_pred(void *arg)
{
    rig *g = arg;
    actor_pool_stats ps;

    return actor_pool_stats_get(g->t.sys, g->pool, &ps) == 0 && ps.failed == 1;
}

ACTOR_TEST(past_its_limit_it_fails_and_the_pool_is_unavailable)
{
    actor_restart_opts once_only = {.max = 1, .window_ms = 60000, .backoff_ms = 1};
    rig g;
    actor_status st;
    int pid;
    int64_t t0;

    ACTOR_ASSERT_RC(rig_start(&g, 1, once_only), 0);
    pid = pid_of(&g, 0);
    ACTOR_ASSERT_RC(kill(pid, SIGKILL), 0);
    pid = new_pid(&g, 0, pid);
    ACTOR_ASSERT(pid > 0);
    ACTOR_ASSERT_RC(kill(pid, SIGKILL), 0);
    ACTOR_ASSERT(actor_test_wait(failed_pred, &g, WAIT_MS));
    t0 = actor_now_ns();
    ACTOR_ASSERT_RC(actor_test_call_int(&g.t, g.pool, M_PID, 0, &st, NULL), ACTOR_EUNAVAILABLE);
    ACTOR_ASSERT_STATUS(&st, ACTOR_STATUS_UNAVAILABLE);
    /* prompt: far from the test's 10 s call timeout (a bound, not a timing) */
    ACTOR_ASSERT(actor_now_ns() - t0 < 5 * 1000000000LL);
    pthread_mutex_lock(&g.r.lock);
    ACTOR_ASSERT_INT(g.r.failed, 1);
    pthread_mutex_unlock(&g.r.lock);
    rig_stop(&g);
}

ACTOR_TEST(no_process_outlives_its_pool)
{
    rig g;
    int pids[2];

    ACTOR_ASSERT_RC(rig_start(&g, 2, quick), 0);
    pids[0] = pid_of(&g, 0);
    pids[1] = pid_of(&g, 1);
    rig_stop(&g);
    for (int i = 0; i < 2; i++) { /* killed and reaped: not even a zombie */
        errno = 0;
        ACTOR_ASSERT(kill(pids[i], 0) == -1 && errno == ESRCH);
    }
}

int main(void)
{
    ACTOR_TEST_RUN(instances_run_in_processes_of_their_own);
    ACTOR_TEST_RUN(typed_calls_reach_a_member_directly);
    ACTOR_TEST_RUN(kill_9_restarts_only_that_instance);
    ACTOR_TEST_RUN(segfault_takes_down_only_its_instance);
    ACTOR_TEST_RUN(abort_takes_down_only_its_instance);
    ACTOR_TEST_RUN(in_flight_requests_retried_or_died_once);
    ACTOR_TEST_RUN(requests_to_a_live_process_whose_connection_broke_are_settled);
    ACTOR_TEST_RUN(an_unhealthy_process_instance_is_restarted_as_unhealthy);
    ACTOR_TEST_RUN(messages_sent_while_restarting_are_served_in_order);
    ACTOR_TEST_RUN(past_its_limit_it_fails_and_the_pool_is_unavailable);
    ACTOR_TEST_RUN(no_process_outlives_its_pool);
    return actor_test_summary();
}
