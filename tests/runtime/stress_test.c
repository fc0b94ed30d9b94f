/*
 * stress_test.c - many client threads × many requests: every reply matched
 * to its request, none lost or duplicated, also when timeouts race replies;
 * actor→actor request/then chains pipelined from several threads; casts
 * from several threads into small mailboxes, each counted and in order;
 * stale refs cast to while their slots are reused reach nobody.
 */
#include "rt_actors.h"

#define LONG_MS 30000u
#define N_THREADS 4
#define N_SYNC 400
#define N_ASYNC 400
#define N_ACTORS 3

/* Room for every call the clients can have outstanding at one actor (all
 * their async calls plus one sync call each), so backpressure never
 * refuses one: an async call refused at once (ACTOR_EFULL) never calls back,
 * and under load the default capacity (1024) could fill up, leaving
 * all_called to wait out LONG_MS. Backpressure has its own tests. */
static const actor_type stress_probe_type = PROBE_TYPE(N_THREADS * (N_ASYNC + 1),
                                                       ACTOR_OVERFLOW_REJECT);

typedef struct shared {
    actor_system *sys;
    actor_ref actors[N_ACTORS];
    actor_ref chain;
    atomic_int failures;
} shared;

typedef struct slot {
    atomic_int calls;
    int64_t want;
    atomic_int ok;  /* OK with the right value */
    atomic_int bad; /* OK with a wrong value: a reply went to the wrong call */
    atomic_int timeouts;
} slot;

static void check_reply(void *user, uint64_t id, const actor_status *st, const char *body,
                        size_t len)
{
    slot *s = user;
    int64_t v;

    (void)id;
    if (st->category == ACTOR_STATUS_OK) {
        if (actor_test_int_of(body, len, &v) == 0 && v == s->want)
            atomic_fetch_add(&s->ok, 1);
        else
            atomic_fetch_add(&s->bad, 1);
    } else if (st->category == ACTOR_STATUS_TIMEOUT) {
        atomic_fetch_add(&s->timeouts, 1);
    } else {
        atomic_fetch_add(&s->bad, 1);
    }
    atomic_fetch_add(&s->calls, 1);
}

typedef struct job {
    shared *sh;
    int index;
    uint32_t async_timeout_ms; /* small: timeouts race replies */
    uint32_t method;
    actor_ref target;          /* ACTOR_REF_NONE: spread over sh->actors */
    int64_t add;               /* what the target adds */
    slot *slots;               /* N_ASYNC */
} job;

static bool all_called(void *arg)
{
    job *j = arg;

    for (int i = 0; i < N_ASYNC; i++)
        if (atomic_load(&j->slots[i].calls) == 0)
            return false;
    return true;
}

static void *client_thread(void *arg)
{
    job *j = arg;
    actor_client *c;
    msgpack_sbuffer body, reply;
    actor_call_opts o = ACTOR_CALL_OPTS_DEFAULT;

    if (actor_client_new(j->sh->sys, &c) != 0) {
        atomic_fetch_add(&j->sh->failures, 1);
        return NULL;
    }
    msgpack_sbuffer_init(&body);
    msgpack_sbuffer_init(&reply);
    for (int i = 0; i < N_SYNC; i++) {
        int64_t arg_v = ((int64_t)j->index << 32) | i, v = -1;
        actor_ref to = j->target.id != 0 ? j->target : j->sh->actors[i % N_ACTORS];
        actor_status st;

        body.size = reply.size = 0;
        actor_test_int_body(&body, arg_v);
        o.timeout_ms = LONG_MS;
        o.priority = i % 256;
        if (actor_call(c, to, any_method(j->method), body.data, body.size, &o, &st, &reply) != 0 ||
            st.category != ACTOR_STATUS_OK ||
            actor_test_int_of(reply.data, reply.size, &v) != 0 || v != arg_v + j->add)
            atomic_fetch_add(&j->sh->failures, 1);
    }
    for (int i = 0; i < N_ASYNC; i++) {
        int64_t arg_v = ((int64_t)(j->index + 100) << 32) | i;
        actor_ref to = j->target.id != 0 ? j->target : j->sh->actors[i % N_ACTORS];

        j->slots[i].want = arg_v + j->add;
        body.size = 0;
        actor_test_int_body(&body, arg_v);
        o.timeout_ms = j->async_timeout_ms;
        o.priority = ACTOR_PRIORITY_DEFAULT;
        if (actor_call_async(c, to, any_method(j->method), body.data, body.size, &o, check_reply,
                             &j->slots[i], NULL) != 0)
            atomic_fetch_add(&j->sh->failures, 1);
    }
    if (!actor_test_wait(all_called, j, LONG_MS))
        atomic_fetch_add(&j->sh->failures, 1);
    msgpack_sbuffer_destroy(&body);
    msgpack_sbuffer_destroy(&reply);
    actor_client_destroy(&c);
    return NULL;
}

/* Runs N_THREADS client threads against sh; returns the slot totals. */
static void run_clients(shared *sh, uint32_t method, actor_ref target, int64_t add,
                        uint32_t async_timeout_ms, slot *slots, int *ok, int *timeouts, int *bad,
                        int *calls)
{
    pthread_t threads[N_THREADS];
    job jobs[N_THREADS];

    for (int i = 0; i < N_THREADS; i++) {
        jobs[i] = (job){sh, i, async_timeout_ms, method, target, add, &slots[i * N_ASYNC]};
        if (pthread_create(&threads[i], NULL, client_thread, &jobs[i]) != 0)
            atomic_fetch_add(&sh->failures, 1);
    }
    for (int i = 0; i < N_THREADS; i++)
        pthread_join(threads[i], NULL);
    *ok = *timeouts = *bad = *calls = 0;
    for (int i = 0; i < N_THREADS * N_ASYNC; i++) {
        *ok += atomic_load(&slots[i].ok);
        *timeouts += atomic_load(&slots[i].timeouts);
        *bad += atomic_load(&slots[i].bad);
        *calls += atomic_load(&slots[i].calls);
    }
}

static slot slots_[N_THREADS * N_ASYNC];

ACTOR_TEST(many_clients_every_reply_matched)
{
    actor_test t;
    probe p[N_ACTORS];
    shared sh;
    int ok, timeouts, bad, calls;

    memset(slots_, 0, sizeof(slots_));
    ACTOR_ASSERT_RC(actor_test_start(&t, 0), 0);
    memset(&sh, 0, sizeof(sh));
    sh.sys = t.sys;
    for (int i = 0; i < N_ACTORS; i++) {
        probe_init(&p[i]);
        sh.actors[i] = spawn_probe(&t, &stress_probe_type, &p[i]);
    }
    run_clients(&sh, M_ADD, ACTOR_REF_NONE, 1, LONG_MS, slots_, &ok, &timeouts, &bad, &calls);
    ACTOR_ASSERT_INT(atomic_load(&sh.failures), 0);
    ACTOR_ASSERT_INT(calls, N_THREADS * N_ASYNC); /* each callback exactly once */
    ACTOR_ASSERT_INT(ok, N_THREADS * N_ASYNC);
    ACTOR_ASSERT_INT(bad, 0);
    actor_test_stop(&t);
    for (int i = 0; i < N_ACTORS; i++)
        probe_fini(&p[i]);
}

ACTOR_TEST(timeouts_racing_replies_never_misdeliver)
{
    actor_test t;
    probe p[N_ACTORS];
    shared sh;
    int ok, timeouts, bad, calls;

    memset(slots_, 0, sizeof(slots_));
    ACTOR_ASSERT_RC(actor_test_start(&t, 0), 0);
    memset(&sh, 0, sizeof(sh));
    sh.sys = t.sys;
    for (int i = 0; i < N_ACTORS; i++) {
        probe_init(&p[i]);
        sh.actors[i] = spawn_probe(&t, &stress_probe_type, &p[i]);
    }
    run_clients(&sh, M_ADD, ACTOR_REF_NONE, 1, 1, slots_, &ok, &timeouts, &bad, &calls);
    ACTOR_ASSERT_INT(atomic_load(&sh.failures), 0);
    ACTOR_ASSERT_INT(calls, N_THREADS * N_ASYNC);
    ACTOR_ASSERT_INT(ok + timeouts, N_THREADS * N_ASYNC);
    ACTOR_ASSERT_INT(bad, 0);
    actor_test_stop(&t);
    for (int i = 0; i < N_ACTORS; i++)
        probe_fini(&p[i]);
}

ACTOR_TEST(actor_chains_from_many_threads)
{
    actor_test t;
    probe p[3];
    actor_ref r[3];
    shared sh;
    int ok, timeouts, bad, calls;

    memset(slots_, 0, sizeof(slots_));
    ACTOR_ASSERT_RC(actor_test_start(&t, 0), 0);
    memset(&sh, 0, sizeof(sh));
    sh.sys = t.sys;
    for (int i = 2; i >= 0; i--) {
        probe_init(&p[i]);
        p[i].peer = i < 2 ? r[i + 1] : ACTOR_REF_NONE;
        p[i].forward_timeout_ms = LONG_MS;
        r[i] = spawn_probe(&t, &stress_probe_type, &p[i]);
    }
    run_clients(&sh, M_FORWARD, r[0], 3, LONG_MS, slots_, &ok, &timeouts, &bad, &calls);
    ACTOR_ASSERT_INT(atomic_load(&sh.failures), 0);
    ACTOR_ASSERT_INT(calls, N_THREADS * N_ASYNC);
    ACTOR_ASSERT_INT(ok, N_THREADS * N_ASYNC);
    ACTOR_ASSERT_INT(bad, 0);
    actor_test_stop(&t);
    for (int i = 0; i < 3; i++)
        probe_fini(&p[i]);
}

ACTOR_TEST(chains_with_short_timeouts_end_exactly_once)
{
    actor_test t;
    probe p[3];
    actor_ref r[3];
    shared sh;
    int ok, timeouts, bad, calls;

    memset(slots_, 0, sizeof(slots_));
    ACTOR_ASSERT_RC(actor_test_start(&t, 0), 0);
    memset(&sh, 0, sizeof(sh));
    sh.sys = t.sys;
    for (int i = 2; i >= 0; i--) {
        probe_init(&p[i]);
        p[i].peer = i < 2 ? r[i + 1] : ACTOR_REF_NONE;
        p[i].forward_timeout_ms = 1;
        r[i] = spawn_probe(&t, &stress_probe_type, &p[i]);
    }
    run_clients(&sh, M_FORWARD, r[0], 3, 2, slots_, &ok, &timeouts, &bad, &calls);
    ACTOR_ASSERT_INT(calls, N_THREADS * N_ASYNC);
    ACTOR_ASSERT_INT(ok + timeouts, N_THREADS * N_ASYNC);
    ACTOR_ASSERT_INT(bad, 0);
    actor_test_stop(&t);
    for (int i = 0; i < 3; i++)
        probe_fini(&p[i]);
}

/* ---------------------------------------------- casts from many threads */

#define N_CASTERS 4
#define CASTS_EACH 1000 /* N_CASTERS * CASTS_EACH <= PROBE_LOG_MAX */

typedef struct caster {
    actor_system *sys;
    actor_ref to;
    int index;
    int accepted, full, other;
} caster;

/* Casts CASTS_EACH logs {1: index << 20 | i}, i ascending, two priorities
 * alternating in runs, counting what was accepted and what refused. */
static void *caster_thread(void *arg)
{
    caster *k = arg;
    actor_client *c;

    if (actor_client_new(k->sys, &c) != 0) {
        k->other = CASTS_EACH;
        return NULL;
    }
    for (int i = 0; i < CASTS_EACH; i++) {
        int priority = (i / 7) % 2 != 0 ? 200 : 100;
        int rc = cast_int(c, k->to, M_LOG, ((int64_t)k->index << 20) | i, priority, LONG_MS);
        if (rc == 0)
            k->accepted++;
        else if (rc == ACTOR_EFULL)
            k->full++;
        else
            k->other++;
    }
    actor_client_destroy(&c);
    return NULL;
}

typedef struct log_goal {
    probe *p;
    actor_system *sys;
    actor_ref ref;
    int want; /* logged + dropped */
} log_goal;

static bool log_reached(void *arg)
{
    log_goal *g = arg;
    actor_stats st;

    if (actor_stats_get(g->sys, g->ref, &st) != 0)
        return false;
    return atomic_load(&g->p->n_log) + (int)st.dropped >= g->want;
}

/* Whether each caster's logged casts of one priority came in the order
 * sent: the mailbox is FIFO within a priority, for every sender. */
static bool log_fifo_per_sender_and_priority(const probe *p, int n)
{
    int last[N_CASTERS][2];

    for (int k = 0; k < N_CASTERS; k++)
        last[k][0] = last[k][1] = -1;
    for (int i = 0; i < n; i++) {
        int k = (int)(p->log[i] >> 20), seq = (int)(p->log[i] & 0xfffff);
        int lane = (seq / 7) % 2;
        if (k < 0 || k >= N_CASTERS || seq <= last[k][lane])
            return false;
        last[k][lane] = seq;
    }
    return true;
}

/* N_CASTERS plain threads cast at once into a small mailbox while its
 * worker drains it: every cast is either refused (ACTOR_EFULL, counted
 * rejected) or accepted, and an accepted cast is either logged or dropped
 * (drop_oldest, counted); nothing is lost, and each sender's casts run in
 * order within their priority. */
static void casts_race_policy(const actor_type *type)
{
    actor_test t;
    probe p;
    actor_ref r;
    pthread_t threads[N_CASTERS];
    caster k[N_CASTERS];
    log_goal g;
    actor_stats st;
    int accepted = 0, full = 0, other = 0;

    ACTOR_ASSERT_RC(actor_test_start(&t, 0), 0);
    probe_init(&p);
    r = spawn_probe(&t, type, &p);
    for (int i = 0; i < N_CASTERS; i++) {
        k[i] = (caster){t.sys, r, i, 0, 0, 0};
        ACTOR_ASSERT_RC(pthread_create(&threads[i], NULL, caster_thread, &k[i]), 0);
    }
    for (int i = 0; i < N_CASTERS; i++) {
        pthread_join(threads[i], NULL);
        accepted += k[i].accepted;
        full += k[i].full;
        other += k[i].other;
    }
    ACTOR_ASSERT_INT(other, 0);
    ACTOR_ASSERT_INT(accepted + full, N_CASTERS * CASTS_EACH);
    g = (log_goal){&p, t.sys, r, accepted};
    ACTOR_ASSERT(actor_test_wait(log_reached, &g, LONG_MS));
    ACTOR_ASSERT_RC(actor_stats_get(t.sys, r, &st), 0);
    ACTOR_ASSERT_INT(atomic_load(&p.n_log) + (int)st.dropped, accepted);
    ACTOR_ASSERT_INT((int)st.rejected, full);
    ACTOR_ASSERT_INT((int)st.mailbox_depth, 0);
    ACTOR_ASSERT(log_fifo_per_sender_and_priority(&p, atomic_load(&p.n_log)));
    actor_test_stop(&t);
    probe_fini(&p);
}

ACTOR_TEST(casts_from_many_threads_reject)
{
    casts_race_policy(&probe_reject_type);
}

ACTOR_TEST(casts_from_many_threads_drop_oldest)
{
    casts_race_policy(&probe_drop_type);
}

ACTOR_TEST(casts_from_many_threads_roomy)
{
    casts_race_policy(&probe_type);
}

/* ------------------------------------ stale refs across recycled slots */

#define INCARNATIONS 300
#define N_STALE_CASTERS 3
#define CASTS_PER_LIFE 16 /* logged before the next incarnation starts */

/* The actors spawned one after another into (mostly) the same slot and,
 * once their struct is free, the same memory: refs[i] logs into probes[i]. */
typedef struct churn {
    actor_system *sys;
    probe probes[INCARNATIONS];
    actor_ref refs[INCARNATIONS];
    atomic_int published; /* refs[0..published) are set */
    atomic_bool done;
    atomic_int accepted, gone, other;
} churn;

static uint32_t xorshift(uint32_t *x)
{
    *x ^= *x << 13;
    *x ^= *x >> 17;
    *x ^= *x << 5;
    return *x;
}

/* Casts {1: i} to refs[i], i the newest incarnation or one of the two
 * before it (stale, or about to be), until the churn ends. */
static void *stale_caster(void *arg)
{
    churn *ch = arg;
    actor_client *c;
    uint32_t x = (uint32_t)(uintptr_t)&c | 1u;

    if (actor_client_new(ch->sys, &c) != 0) {
        atomic_fetch_add(&ch->other, 1);
        return NULL;
    }
    while (!atomic_load(&ch->done)) {
        int n = atomic_load(&ch->published), i = n - 1 - (int)(xorshift(&x) % 3);
        int rc;

        if (i < 0)
            continue;
        rc = cast_int(c, ch->refs[i], M_LOG, i, 128, LONG_MS);
        if (rc == 0)
            atomic_fetch_add(&ch->accepted, 1);
        else if (rc == ACTOR_ENOTFOUND || rc == ACTOR_ECLOSED)
            atomic_fetch_add(&ch->gone, 1);
        else if (rc != ACTOR_EFULL)
            atomic_fetch_add(&ch->other, 1);
    }
    actor_client_destroy(&c);
    return NULL;
}

static bool logged_some(void *arg)
{
    return atomic_load(&((probe *)arg)->n_log) >= CASTS_PER_LIFE;
}

/* Whether every cast probes[i] ran was sent to refs[i]. */
static int misdelivered(const churn *ch)
{
    int bad = 0;

    for (int i = 0; i < INCARNATIONS; i++)
        for (int j = 0; j < atomic_load(&ch->probes[i].n_log); j++)
            bad += ch->probes[i].log[j] != i;
    return bad;
}

/* Actors exit and new ones take their slot (and, once free, their struct)
 * while plain threads keep casting to the old refs and the new: a stale
 * ref fails (ACTOR_ENOTFOUND, or ECLOSED while its actor terminates) and
 * never reaches the new actor. */
ACTOR_TEST(stale_refs_never_reach_a_recycled_slot)
{
    static churn ch;
    actor_test t;
    pthread_t threads[N_STALE_CASTERS];
    int reused = 0;

    memset(&ch, 0, sizeof(ch));
    ACTOR_ASSERT_RC(actor_test_start(&t, 0), 0);
    ch.sys = t.sys;
    for (int i = 0; i < N_STALE_CASTERS; i++)
        ACTOR_ASSERT_RC(pthread_create(&threads[i], NULL, stale_caster, &ch), 0);
    for (int i = 0; i < INCARNATIONS; i++) {
        gone_wait g;

        probe_init(&ch.probes[i]);
        ch.refs[i] = spawn_probe(&t, &probe_type, &ch.probes[i]);
        if (i > 0 && (uint32_t)ch.refs[i].id == (uint32_t)ch.refs[i - 1].id)
            reused++;
        atomic_store(&ch.published, i + 1);
        actor_test_wait(logged_some, &ch.probes[i], 200);
        ACTOR_ASSERT_RC(actor_terminate(t.sys, ch.refs[i], false), 0);
        g = (gone_wait){t.sys, ch.refs[i]};
        ACTOR_ASSERT(actor_test_wait(gone_pred, &g, LONG_MS));
    }
    atomic_store(&ch.done, true);
    for (int i = 0; i < N_STALE_CASTERS; i++)
        pthread_join(threads[i], NULL);
    actor_test_stop(&t);
    ACTOR_ASSERT_INT(misdelivered(&ch), 0);
    ACTOR_ASSERT_INT(atomic_load(&ch.other), 0);
    ACTOR_ASSERT(atomic_load(&ch.accepted) > 0);
    ACTOR_ASSERT(atomic_load(&ch.gone) > 0);
    ACTOR_ASSERT(reused > INCARNATIONS / 2);
    for (int i = 0; i < INCARNATIONS; i++)
        probe_fini(&ch.probes[i]);
}

int main(void)
{
    ACTOR_TEST_RUN(many_clients_every_reply_matched);
    ACTOR_TEST_RUN(timeouts_racing_replies_never_misdeliver);
    ACTOR_TEST_RUN(actor_chains_from_many_threads);
    ACTOR_TEST_RUN(chains_with_short_timeouts_end_exactly_once);
    ACTOR_TEST_RUN(casts_from_many_threads_reject);
    ACTOR_TEST_RUN(casts_from_many_threads_drop_oldest);
    ACTOR_TEST_RUN(casts_from_many_threads_roomy);
    ACTOR_TEST_RUN(stale_refs_never_reach_a_recycled_slot);
    return actor_test_summary();
}
