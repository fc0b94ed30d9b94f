/*
 * hosts_test.c - a pool across hosts (actor_host_pool_spawn), run by
 * tests/hosts/run in the "caller" network namespace, with two "hosts" in
 * namespaces of their own, each running tests/hosts/host.c behind a veth
 * pair. The environment says where they are and how to cut them off:
 *
 *   HOST_A, HOST_B   their endpoints (tcp://10.77.1.2:7001, ...)
 *   NS_A, NS_B       their network namespaces
 *   NETEM            "1" when tc's netem qdisc is there (delay and loss),
 *                    else loss is made with nftables and delay is not tested
 *
 * A host is cut off by dropping every packet to and from it in its own
 * namespace (nftables): its connection goes silent, so only the heartbeats
 * can tell (the hardest case; a link taken down fails faster).
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "actor/pool.h"
#include "actor/remote.h"
#include "actor/testing.h"
#include "farm.h"

#define PEER_TIMEOUT_MS 1500u
#define REJOIN_MS 200u
/* The failure detector's documented bound (docs/RUNTIME.md, "Pools across
 * hosts"): the peer timeout, and a heartbeat interval for the silence to
 * start counting; the test allows twice that and a second for the machine. */
#define NOTICE_BOUND_MS (2u * (PEER_TIMEOUT_MS + PEER_TIMEOUT_MS / 3u) + 1000u)
#define MAX_JOBS 256

static const char *env(const char *name)
{
    const char *v = getenv(name);

    if (v == NULL) {
        fprintf(stderr, "hosts_test: %s is not set (run it through tests/hosts/run)\n", name);
        exit(2);
    }
    return v;
}

/* Returns the exit status of the command the printf-style arguments make. */
#define NS_CMD(...)                                                                                \
    do {                                                                                           \
        char cmd_[512];                                                                            \
        snprintf(cmd_, sizeof cmd_, __VA_ARGS__);                                                  \
        return system(cmd_);                                                                       \
    } while (0)

/* Drops every packet in and out of host `ns`'s namespace, or lets them go. */
static int cut(const char *ns)
{
    NS_CMD("ip netns exec %s sh -c \"nft add table inet cut && "
           "nft add chain inet cut in '{ type filter hook input priority 0; policy drop; }' && "
           "nft add chain inet cut out '{ type filter hook output priority 0; policy drop; }'\"",
           ns);
}

static int uncut(const char *ns)
{
    NS_CMD("ip netns exec %s nft delete table inet cut", ns);
}

/* Delay and loss on the host's side (its qdisc or its input filter). */
static int impair(const char *ns, bool netem)
{
    if (netem)
        NS_CMD("ip netns exec %s tc qdisc replace dev h0 root netem delay 20ms loss 5%%", ns);
    NS_CMD("ip netns exec %s sh -c \"nft add table inet lossy && "
           "nft add chain inet lossy in '{ type filter hook input priority 0; }' && "
           "nft add rule inet lossy in numgen random mod 100 '<' 5 drop\"",
           ns);
}

static int unimpair(const char *ns, bool netem)
{
    if (netem)
        NS_CMD("ip netns exec %s tc qdisc del dev h0 root", ns);
    NS_CMD("ip netns exec %s nft delete table inet lossy", ns);
}

/* ---------------------------------------------------------------- calls */

typedef struct batch batch;

typedef struct answer {
    batch *b;
    int count; /* answers: exactly one each */
    actor_status st;
    char host[16];
} answer;

struct batch {
    pthread_mutex_t lock;
    pthread_cond_t changed;
    int sent, answered;
    answer a[MAX_JOBS];
};

static batch *batch_new(void)
{
    batch *b = calloc(1, sizeof *b);

    pthread_mutex_init(&b->lock, NULL);
    pthread_cond_init(&b->changed, NULL);
    for (int i = 0; i < MAX_JOBS; i++)
        b->a[i].b = b;
    return b;
}

static void batch_free(batch *b)
{
    pthread_mutex_destroy(&b->lock);
    pthread_cond_destroy(&b->changed);
    free(b);
}

static void on_done(void *user, uint64_t call_id, const actor_status *st, const farm_Done *res)
{
    answer *a = user;
    batch *b = a->b;

    (void)call_id;
    pthread_mutex_lock(&b->lock);
    a->count++;
    a->st = *st;
    if (res != NULL)
        snprintf(a->host, sizeof a->host, "%s", res->host);
    b->answered++;
    pthread_cond_broadcast(&b->changed);
    pthread_mutex_unlock(&b->lock);
}

/* Sends n jobs (ids 0..n-1) of work_ms to the pool, `once` or `work`. */
static int send_jobs(actor_client *c, actor_ref pool, batch *b, int n, uint32_t work_ms, bool once)
{
    actor_call_opts o = {ACTOR_PRIORITY_DEFAULT, 20000};

    for (int i = 0; i < n; i++) {
        farm_Job job = {.id = (uint64_t)i, .work_ms = work_ms};
        int rc;
        pthread_mutex_lock(&b->lock);
        b->sent++;
        pthread_mutex_unlock(&b->lock);
        rc = once ? farm_Worker_once_async(c, pool, &job, &o, on_done, &b->a[i], NULL)
                  : farm_Worker_work_async(c, pool, &job, &o, on_done, &b->a[i], NULL);
        if (rc != 0)
            return rc;
    }
    return 0;
}

/* 0 once every job sent is answered; -1 after a minute (something was
 * lost: the test fails rather than hangs). */
static int wait_answers(batch *b)
{
    struct timespec until;
    int rc = 0;

    clock_gettime(CLOCK_REALTIME, &until);
    until.tv_sec += 60;
    pthread_mutex_lock(&b->lock);
    while (b->answered < b->sent && rc == 0)
        rc = pthread_cond_timedwait(&b->changed, &b->lock, &until);
    rc = b->answered < b->sent ? -1 : 0;
    if (rc != 0)
        fprintf(stderr, "%d of %d jobs never answered\n", b->sent - b->answered, b->sent);
    pthread_mutex_unlock(&b->lock);
    return rc;
}

/* Prints the answers that are not OK. */
static void show_failures(const char *what, const batch *b)
{
    for (int i = 0; i < b->sent; i++)
        if (b->a[i].st.category != ACTOR_STATUS_OK)
            printf("  %s job %d: %s (code %d) %s\n", what, i,
                   actor_status_name(b->a[i].st.category), b->a[i].st.code, b->a[i].st.message);
}

static int count_host(const batch *b, const char *host)
{
    int n = 0;

    for (int i = 0; i < b->sent; i++)
        n += b->a[i].st.category == ACTOR_STATUS_OK && strcmp(b->a[i].host, host) == 0;
    return n;
}

static int count_status(const batch *b, actor_status_category category)
{
    int n = 0;

    for (int i = 0; i < b->sent; i++)
        n += b->a[i].st.category == category;
    return n;
}

/* 0 when every job got exactly one answer. */
static int each_answered_once(const batch *b)
{
    for (int i = 0; i < b->sent; i++)
        if (b->a[i].count != 1) {
            fprintf(stderr, "job %d answered %d times\n", i, b->a[i].count);
            return -1;
        }
    return 0;
}

/* ------------------------------------------------------------------ rig */

typedef struct rig {
    actor_system *sys;
    actor_client *client;
    actor_ref members[2], pool;
} rig;

static int rig_start(rig *r)
{
    actor_system_opts o = {.workers = 2, .peer_timeout_ms = PEER_TIMEOUT_MS};
    int rc;

    memset(r, 0, sizeof *r);
    if ((rc = actor_system_new(&o, &r->sys)) != 0 ||
        (rc = actor_client_new(r->sys, &r->client)) != 0 ||
        (rc = actor_connect(r->sys, env("HOST_A"), "worker", NULL, &r->members[0])) != 0 ||
        (rc = actor_connect(r->sys, env("HOST_B"), "worker", NULL, &r->members[1])) != 0)
        return rc;
    actor_host_pool_opts po = {.members = r->members, .n_members = 2, .rejoin_ms = REJOIN_MS};
    return actor_host_pool_spawn(r->sys, &farm_Worker_type, &po, &r->pool);
}

static void rig_stop(rig *r)
{
    actor_client_destroy(&r->client);
    actor_system_destroy(&r->sys);
}

/* Whether member i is up, as the pool sees it (false when it cannot say). */
static bool member_up(rig *r, size_t i)
{
    actor_host_member_stats s[2];
    size_t n = 0;

    return actor_host_pool_stats(r->sys, r->client, r->pool, s, 2, &n) == 0 && n == 2 && s[i].up;
}

/* Waits until member i is (up) or is not (!up) up; the ms it took, or -1
 * after `limit_ms`. */
static long wait_member(rig *r, size_t i, bool up, long limit_ms)
{
    int64_t t0 = actor_now_ns();

    for (;;) {
        long ms = (long)((actor_now_ns() - t0) / 1000000);
        struct timespec pause = {0, 20 * 1000000L};
        if (member_up(r, i) == up)
            return ms;
        if (ms > limit_ms)
            return -1;
        nanosleep(&pause, NULL);
    }
}

/* ---------------------------------------------------------------- tests */

ACTOR_TEST(calls_spread_over_both_hosts)
{
    rig r;
    batch *b = batch_new();

    ACTOR_ASSERT_RC(rig_start(&r), 0);
    ACTOR_ASSERT_RC(send_jobs(r.client, r.pool, b, 40, 5, false), 0);
    ACTOR_ASSERT_RC(wait_answers(b), 0);
    ACTOR_ASSERT_RC(each_answered_once(b), 0);
    ACTOR_ASSERT_INT(count_status(b, ACTOR_STATUS_OK), 40);
    ACTOR_ASSERT_CMP(count_host(b, "a"), >=, 10);
    ACTOR_ASSERT_CMP(count_host(b, "b"), >=, 10);
    batch_free(b);
    rig_stop(&r);
}

ACTOR_TEST(a_host_cut_off_is_noticed_its_calls_settled_and_it_rejoins)
{
    rig r;
    batch *work = batch_new(), *once = batch_new(), *after = batch_new(), *back = batch_new();
    struct timespec settle = {0, 300 * 1000000L};
    long noticed, rejoined;

    ACTOR_ASSERT_RC(rig_start(&r), 0);
    /* calls in flight on both hosts when A goes silent */
    ACTOR_ASSERT_RC(send_jobs(r.client, r.pool, work, 10, 400, false), 0);
    ACTOR_ASSERT_RC(send_jobs(r.client, r.pool, once, 10, 400, true), 0);
    nanosleep(&settle, NULL);
    ACTOR_ASSERT_RC(cut(env("NS_A")), 0);
    noticed = wait_member(&r, 0, false, 20000);
    printf("  host a cut off: noticed after %ld ms (bound %u ms)\n", noticed, NOTICE_BOUND_MS);
    ACTOR_ASSERT_CMP(noticed, >=, 0);
    ACTOR_ASSERT_CMP(noticed, <=, (long)NOTICE_BOUND_MS);
    ACTOR_ASSERT_RC(wait_answers(work), 0);
    ACTOR_ASSERT_RC(wait_answers(once), 0);
    /* nothing lost, nothing answered twice */
    ACTOR_ASSERT_RC(each_answered_once(work), 0);
    ACTOR_ASSERT_RC(each_answered_once(once), 0);
    /* idempotent: retried on b; once: what was on a is UNREACHABLE */
    show_failures("work", work);
    ACTOR_ASSERT_INT(count_status(work, ACTOR_STATUS_OK), 10);
    ACTOR_ASSERT_INT(count_host(work, "b"), 10);
    ACTOR_ASSERT_CMP(count_status(once, ACTOR_STATUS_UNREACHABLE), >=, 1);
    ACTOR_ASSERT_INT(count_status(once, ACTOR_STATUS_UNREACHABLE) + count_host(once, "b"), 10);
    for (int i = 0; i < once->sent; i++)
        if (once->a[i].st.category == ACTOR_STATUS_UNREACHABLE)
            ACTOR_ASSERT_INT(once->a[i].st.code, ACTOR_UNREACHABLE_MAY_HAVE_RUN);
    printf("  in flight: 10 idempotent all done on b; of 10 others, %d UNREACHABLE, %d on b\n",
           count_status(once, ACTOR_STATUS_UNREACHABLE), count_host(once, "b"));
    /* new calls go to b */
    ACTOR_ASSERT_RC(send_jobs(r.client, r.pool, after, 20, 1, false), 0);
    ACTOR_ASSERT_RC(wait_answers(after), 0);
    ACTOR_ASSERT_INT(count_host(after, "b"), 20);
    /* the link comes back: a rejoins and gets work again */
    ACTOR_ASSERT_RC(uncut(env("NS_A")), 0);
    rejoined = wait_member(&r, 0, true, 30000);
    printf("  host a back: rejoined after %ld ms\n", rejoined);
    ACTOR_ASSERT_CMP(rejoined, >=, 0);
    ACTOR_ASSERT_RC(send_jobs(r.client, r.pool, back, 40, 5, false), 0);
    ACTOR_ASSERT_RC(wait_answers(back), 0);
    ACTOR_ASSERT_RC(each_answered_once(back), 0);
    ACTOR_ASSERT_INT(count_status(back, ACTOR_STATUS_OK), 40);
    ACTOR_ASSERT_CMP(count_host(back, "a"), >=, 10);
    batch_free(work);
    batch_free(once);
    batch_free(after);
    batch_free(back);
    rig_stop(&r);
}

ACTOR_TEST(delay_and_loss_slow_calls_but_break_none)
{
    bool netem = strcmp(env("NETEM"), "1") == 0;
    rig r;
    batch *b = batch_new();

    ACTOR_ASSERT_RC(rig_start(&r), 0);
    if (!netem)
        printf("  no netem qdisc in this kernel: 5%% loss by nftables, no delay\n");
    ACTOR_ASSERT_RC(impair(env("NS_A"), netem), 0);
    ACTOR_ASSERT_RC(impair(env("NS_B"), netem), 0);
    ACTOR_ASSERT_RC(send_jobs(r.client, r.pool, b, 100, 1, false), 0);
    ACTOR_ASSERT_RC(wait_answers(b), 0);
    unimpair(env("NS_A"), netem);
    unimpair(env("NS_B"), netem);
    ACTOR_ASSERT_RC(each_answered_once(b), 0);
    ACTOR_ASSERT_INT(count_status(b, ACTOR_STATUS_OK), 100);
    batch_free(b);
    rig_stop(&r);
}

int main(void)
{
    ACTOR_TEST_RUN(calls_spread_over_both_hosts);
    ACTOR_TEST_RUN(a_host_cut_off_is_noticed_its_calls_settled_and_it_rejoins);
    ACTOR_TEST_RUN(delay_and_loss_slow_calls_but_break_none);
    return actor_test_summary();
}
