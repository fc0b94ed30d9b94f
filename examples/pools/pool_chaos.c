/*
 * pool-chaos: requests through a pool whose instances keep dying, and a
 * check that every request was answered exactly once, and rightly.
 *
 *   pool-chaos --instances N --requests R [--isolation thread|process]
 *              [--balance round_robin|least_loaded|p2c|key_hash]
 *              [--kill-every MS]
 *   pool-chaos --serve ENDPOINT [--instances N] [--isolation thread|process]
 *              [--balance ...]
 *
 * A third of the requests are `record` (must not run twice: an instance's
 * death while it runs is answered DIED), the rest `square` (idempotent:
 * tried again). With process isolation it prints the instances' process
 * ids, and every new one, so that anyone may kill -9 them; --kill-every
 * kills a random instance itself (thread isolation: that instance's next
 * handler crashes). Its last line counts what happened; it exits 0 only when
 * every request had one reply, every result was right, and nothing was
 * lost, duplicated or wrong.
 *
 * With --serve it runs no requests of its own: it serves the pool (default
 * 4 instances) as "worker" on ENDPOINT for remote callers
 * (tests/python/clients.py), prints "listening on ENDPOINT" and runs until
 * SIGINT or SIGTERM.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <semaphore.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include "actor/remote.h"
#include "chaos.h"

#define WINDOW 64            /* requests in flight at once */
#define CALL_TIMEOUT_MS 30000 /* a request not answered by then was lost */
#define BACKOFF_MAX_MS 10     /* restarts come fast: they are the point */
#define MAX_INSTANCES 1024
#define REPORTED_MAX 5 /* unexpected answers described on stderr */
#define SERVE_INSTANCES 4
#define SERVE_RUNS 65536 /* --serve: record's runs counted for ids below this */

static const char usage[] =
    "usage: pool-chaos --instances N --requests R [--isolation thread|process]\n"
    "                  [--balance round_robin|least_loaded|p2c|key_hash] [--kill-every MS]\n"
    "       pool-chaos --serve ENDPOINT [--instances N] [--isolation thread|process]\n"
    "                  [--balance round_robin|least_loaded|p2c|key_hash]\n";

typedef struct options {
    unsigned instances;
    uint64_t requests;
    actor_isolation isolation;
    actor_balance balance;
    unsigned kill_every_ms; /* 0: only others kill */
    const char *serve;      /* --serve ENDPOINT, or NULL */
} options;

/* What the instances share with the checker, in memory shared with the
 * child processes too (mapped before they are forked). */
typedef struct shared {
    atomic_uint_fast64_t crash_ref; /* thread isolation: this instance's next handler crashes */
    atomic_uint_fast64_t noted;     /* note casts served */
    atomic_int_fast64_t noted_sum;  /* and the sum of their x */
    uint64_t n_runs;       /* the ids runs counts */
    atomic_uint runs[];    /* record's runs, per request id */
} shared;

/* The checker's view of the answers. */
typedef struct tally {
    shared *sh;
    uint64_t requests;
    atomic_uchar *replies; /* per request id */
    atomic_uint_fast64_t answered, extra, ok, died, lost, duplicated, wrong, reported;
    atomic_bool closed; /* gave up waiting: later answers are not counted */
    sem_t window;
    sem_t done; /* posted when every request was answered */
} tally;

/* One request's record: what its callback needs. */
typedef struct pending {
    tally *t;
    uint64_t id;
} pending;

/* ============================================================ the work */

static bool is_record(uint64_t id) { return id % 3 == 0; }
static int64_t input_of(uint64_t id) { return (int64_t)(id * 7919 % 100003) - 50000; }
static int64_t expected(uint64_t id)
{
    int64_t x = input_of(id);
    return is_record(id) ? x + 1 : x * x;
}

/* The instances' state is the shared region itself (init's arg). */
static int worker_init(void **state, const void *arg, actor_ctx *ctx)
{
    (void)ctx;
    *state = (void *)(uintptr_t)arg;
    return 0;
}

/* True once for the instance the killer picked, in its next handler. */
static bool crash_now(shared *sh, const actor_ctx *ctx)
{
    uint_fast64_t me = actor_ctx_self(ctx).id;

    return atomic_load(&sh->crash_ref) == me &&
           atomic_compare_exchange_strong(&sh->crash_ref, &me, 0);
}

static int worker_square(void *state, actor_ctx *ctx, const chaos_Job *req, chaos_Result *res)
{
    if (crash_now(state, ctx))
        return actor_ctx_crash(ctx, "pool-chaos crashed it");
    res->id = req->id;
    res->y = req->x * req->x;
    return 0;
}

static int worker_record(void *state, actor_ctx *ctx, const chaos_Job *req, chaos_Result *res)
{
    shared *sh = state;

    if (req->id < sh->n_runs) /* the side effect: before a crash may strike */
        atomic_fetch_add(&sh->runs[req->id], 1);
    if (crash_now(sh, ctx))
        return actor_ctx_crash(ctx, "pool-chaos crashed it");
    res->id = req->id;
    res->y = req->x + 1;
    return 0;
}

static void worker_note(void *state, actor_ctx *ctx, const chaos_Job *req)
{
    shared *sh = state;

    (void)ctx;
    atomic_fetch_add(&sh->noted_sum, req->x);
    atomic_fetch_add(&sh->noted, 1);
}

static int worker_noted(void *state, actor_ctx *ctx, chaos_Result *res)
{
    shared *sh = state;

    (void)ctx;
    res->id = atomic_load(&sh->noted);
    res->y = atomic_load(&sh->noted_sum);
    return 0;
}

/* ========================================================= the checker */

static void report_unexpected(tally *t, uint64_t id, const char *what, const actor_status *st)
{
    if (atomic_fetch_add(&t->reported, 1) < REPORTED_MAX)
        fprintf(stderr, "pool-chaos: request %" PRIu64 " (%s): %s: %s %s\n", id,
                is_record(id) ? "record" : "square", what, actor_status_name(st->category),
                st->message);
}

/* Every request's end, on a worker or the timer thread. */
static void answered(void *user, uint64_t call_id, const actor_status *st, const chaos_Result *res)
{
    pending *p = user;
    tally *t = p->t;

    (void)call_id;
    if (atomic_load(&t->closed))
        return;
    if (atomic_fetch_add(&t->replies[p->id], 1) != 0) {
        atomic_fetch_add(&t->extra, 1);
        atomic_fetch_add(&t->duplicated, 1);
        report_unexpected(t, p->id, "a second reply", st);
        return; /* its first reply released its slot */
    }
    if (st->category == ACTOR_STATUS_OK && res->id == p->id && res->y == expected(p->id)) {
        atomic_fetch_add(&t->ok, 1);
    } else if (st->category == ACTOR_STATUS_DIED) {
        atomic_fetch_add(&t->died, 1);
    } else if (st->category == ACTOR_STATUS_TIMEOUT) {
        atomic_fetch_add(&t->lost, 1);
        report_unexpected(t, p->id, "no reply", st);
    } else {
        atomic_fetch_add(&t->wrong, 1);
        report_unexpected(t, p->id, "a wrong reply", st);
    }
    sem_post(&t->window);
    if (atomic_fetch_add(&t->answered, 1) + 1 == t->requests)
        sem_post(&t->done);
}

/* Sends request `id`; a refusal at once (a full mailbox) is tried again. */
static int send_request(actor_client *me, actor_ref pool, pending *p)
{
    char key[24];
    chaos_Job job = {.id = p->id, .x = input_of(p->id), .key = key};
    actor_call_opts o = {ACTOR_PRIORITY_DEFAULT, CALL_TIMEOUT_MS};
    int rc;

    snprintf(key, sizeof key, "k%" PRIu64, p->id % 97);
    do {
        rc = is_record(p->id) ? chaos_Worker_record_async(me, pool, &job, &o, answered, p, NULL)
                              : chaos_Worker_square_async(me, pool, &job, &o, answered, p, NULL);
        if (rc == ACTOR_EFULL)
            usleep(100);
    } while (rc == ACTOR_EFULL);
    return rc;
}

/* Requests never answered: counted lost, and their answers, if any
 * come later, are not counted. */
static void close_tally(tally *t)
{
    atomic_store(&t->closed, true);
    for (uint64_t id = 0; id < t->requests; id++)
        if (atomic_load(&t->replies[id]) == 0)
            atomic_fetch_add(&t->lost, 1);
}

/* Record requests that ran more than once. */
static void count_runs(tally *t)
{
    for (uint64_t id = 0; id < t->requests; id++) {
        if (is_record(id) && atomic_load(&t->sh->runs[id]) > 1) {
            actor_status st;
            actor_status_set(&st, ACTOR_STATUS_OK, 0, "ran %u times",
                             atomic_load(&t->sh->runs[id]));
            atomic_fetch_add(&t->duplicated, 1);
            report_unexpected(t, id, "served twice", &st);
        }
    }
}

/* ============================================================ the killer */

typedef struct killer {
    actor_system *sys;
    actor_ref pool;
    const options *o;
    shared *sh;
    atomic_bool stop;
    pthread_t thread;
} killer;

static void *kill_loop(void *arg)
{
    killer *k = arg;
    unsigned seed = (unsigned)time(NULL) ^ (unsigned)getpid();
    struct timespec nap = {(time_t)(k->o->kill_every_ms / 1000),
                           (long)(k->o->kill_every_ms % 1000) * 1000000L};

    while (!atomic_load(&k->stop)) {
        nanosleep(&nap, NULL);
        if (k->o->isolation == ACTOR_ISOLATION_THREAD) {
            actor_ref members[MAX_INSTANCES];
            size_t n = 0;
            if (actor_pool_members(k->sys, k->pool, members, MAX_INSTANCES, &n) == 0 && n > 0)
                atomic_store(&k->sh->crash_ref,
                             members[(size_t)rand_r(&seed) % (n < MAX_INSTANCES ? n : MAX_INSTANCES)].id);
            continue;
        }
        int pids[MAX_INSTANCES];
        size_t n = 0;
        if (actor_pool_pids(k->sys, k->pool, pids, MAX_INSTANCES, &n) != 0 || n == 0)
            continue;
        int pid = pids[(size_t)rand_r(&seed) % (n < MAX_INSTANCES ? n : MAX_INSTANCES)];
        if (pid > 0)
            kill(pid, SIGKILL);
    }
    return NULL;
}

/* The supervisor's news: a new process for anyone watching; an instance
 * past its restart limit on stderr. */
static void on_supervision(void *user, const actor_supervision_event *ev)
{
    (void)user;
    if (ev->kind == ACTOR_CHILD_RESTARTED && ev->pid > 0) {
        printf("restarted: %d\n", ev->pid);
        fflush(stdout);
    } else if (ev->kind == ACTOR_CHILD_FAILED) {
        fprintf(stderr, "pool-chaos: instance %u failed: %s\n", ev->child, ev->reason);
    }
}

static int print_instances(actor_system *sys, actor_ref pool)
{
    int pids[MAX_INSTANCES];
    size_t n = 0;

    if (actor_pool_pids(sys, pool, pids, MAX_INSTANCES, &n) != 0)
        return -1;
    printf("instances:");
    for (size_t i = 0; i < n && i < MAX_INSTANCES; i++)
        printf(" %d", pids[i]);
    printf("\n");
    fflush(stdout);
    return 0;
}

/* =========================================================== the program */

static bool parse_number(const char *s, uint64_t max, uint64_t *out)
{
    char *end;
    unsigned long long v;

    if (s == NULL || *s < '0' || *s > '9')
        return false;
    errno = 0;
    v = strtoull(s, &end, 10);
    if (errno != 0 || *end != '\0' || v > max)
        return false;
    *out = v;
    return true;
}

static int parse_args(int argc, char **argv, options *o)
{
    static const char *balances[] = {"round_robin", "least_loaded", "p2c", "key_hash"};
    static const actor_balance policies[] = {ACTOR_BALANCE_ROUND_ROBIN,
                                             ACTOR_BALANCE_LEAST_LOADED, ACTOR_BALANCE_RANDOM2,
                                             ACTOR_BALANCE_KEY_HASH};
    bool have_instances = false, have_requests = false, have_balance = false;
    uint64_t v;

    memset(o, 0, sizeof *o);
    o->isolation = ACTOR_ISOLATION_THREAD;
    o->balance = ACTOR_BALANCE_ROUND_ROBIN;
    for (int i = 1; i < argc; i += 2) {
        const char *flag = argv[i], *value = i + 1 < argc ? argv[i + 1] : NULL;
        bool known = true;
        if (value == NULL) {
            fprintf(stderr, "pool-chaos: %s needs a value\n", flag);
            return -1;
        }
        if (strcmp(flag, "--instances") == 0) {
            known = parse_number(value, MAX_INSTANCES, &v) && v >= 1;
            o->instances = (unsigned)v;
            have_instances = true;
        } else if (strcmp(flag, "--requests") == 0) {
            known = parse_number(value, UINT32_MAX, &v) && v >= 1;
            o->requests = v;
            have_requests = true;
        } else if (strcmp(flag, "--serve") == 0) {
            o->serve = value;
        } else if (strcmp(flag, "--kill-every") == 0) {
            known = parse_number(value, 3600000, &v) && v >= 1;
            o->kill_every_ms = (unsigned)v;
        } else if (strcmp(flag, "--isolation") == 0) {
            known = strcmp(value, "thread") == 0 || strcmp(value, "process") == 0;
            o->isolation = strcmp(value, "process") == 0 ? ACTOR_ISOLATION_PROCESS
                                                         : ACTOR_ISOLATION_THREAD;
        } else if (strcmp(flag, "--balance") == 0) {
            have_balance = true;
            known = false;
            for (size_t b = 0; b < sizeof balances / sizeof *balances; b++)
                if (strcmp(value, balances[b]) == 0) {
                    o->balance = policies[b];
                    known = true;
                }
        } else {
            fprintf(stderr, "pool-chaos: unknown option '%s'\n", flag);
            return -1;
        }
        if (!known) {
            fprintf(stderr, "pool-chaos: bad value '%s' for %s\n", value, flag);
            return -1;
        }
    }
    if (o->serve != NULL) {
        if (have_requests || o->kill_every_ms != 0) {
            fprintf(stderr, "pool-chaos: --serve takes no --requests or --kill-every\n");
            return -1;
        }
        if (!have_instances)
            o->instances = SERVE_INSTANCES;
        if (!have_balance) /* chaos.actor's */
            o->balance = ACTOR_BALANCE_KEY_HASH;
        o->requests = SERVE_RUNS;
        return 0;
    }
    if (!have_instances || !have_requests) {
        fprintf(stderr, "pool-chaos: --instances and --requests are required\n");
        return -1;
    }
    return 0;
}

static shared *shared_new(uint64_t requests, size_t *size)
{
    void *m;

    *size = sizeof(shared) + requests * sizeof(atomic_uint);
    m = mmap(NULL, *size, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    if (m == MAP_FAILED)
        return NULL;
    ((shared *)m)->n_runs = requests; /* the rest is zero-filled */
    return m;
}

static int tally_init(tally *t, shared *sh, uint64_t requests)
{
    memset(t, 0, sizeof *t);
    t->sh = sh;
    t->requests = requests;
    t->replies = calloc(requests, sizeof *t->replies);
    if (t->replies == NULL)
        return -1;
    sem_init(&t->window, 0, WINDOW);
    sem_init(&t->done, 0, 0);
    return 0;
}

static void tally_fini(tally *t)
{
    sem_destroy(&t->window);
    sem_destroy(&t->done);
    free(t->replies);
}

/* Sends every request, WINDOW at a time, and waits for their answers: at
 * most a little longer than the last one's deadline (the runtime answers
 * TIMEOUT by then), so a lost answer never hangs the program. */
static void run_requests(actor_client *me, actor_ref pool, tally *t, pending *calls)
{
    struct timespec until;

    for (uint64_t id = 0; id < t->requests; id++) {
        int rc;
        sem_wait(&t->window);
        calls[id] = (pending){t, id};
        rc = send_request(me, pool, &calls[id]);
        if (rc != 0) { /* never sent: answered here, as wrong */
            actor_status st;
            actor_status_set(&st, ACTOR_STATUS_INTERNAL, rc, "not sent: %s",
                             actor_strerror(rc));
            answered(&calls[id], 0, &st, NULL);
        }
    }
    clock_gettime(CLOCK_REALTIME, &until);
    until.tv_sec += CALL_TIMEOUT_MS / 1000 + 10;
    while (sem_timedwait(&t->done, &until) != 0 && errno == EINTR)
        ;
    close_tally(t);
}

/* --serve: the pool as "worker" on `endpoint` until SIGINT or SIGTERM
 * (blocked in every thread by main, so that sigwait gets them). */
static int serve(actor_system *sys, actor_ref pool, const char *endpoint, const sigset_t *stop)
{
    char bound[256] = "";
    int sig, rc = actor_register_name(sys, pool, "worker");

    if (rc == 0)
        rc = actor_system_bind(sys, endpoint, NULL, bound, sizeof bound);
    if (rc != 0) {
        fprintf(stderr, "pool-chaos: cannot serve: %s\n",
                bound[0] != '\0' ? bound : actor_strerror(rc));
        return 1;
    }
    printf("listening on %s\n", bound);
    fflush(stdout);
    while (sigwait(stop, &sig) != 0)
        ;
    return 0;
}

int main(int argc, char **argv)
{
    options o;
    actor_system *sys = NULL;
    actor_client *me = NULL;
    actor_ref pool;
    actor_pool_opts po;
    actor_pool_stats ps = {0};
    chaos_Worker_handlers h = {
        .init = worker_init, .square = worker_square, .record = worker_record,
        .note = worker_note, .noted = worker_noted};
    sigset_t stop;
    killer k = {0};
    tally t;
    pending *calls;
    shared *sh;
    size_t sh_size;
    bool passed;

    if (parse_args(argc, argv, &o) != 0) {
        fputs(usage, stderr);
        return 2;
    }
    sigemptyset(&stop);
    sigaddset(&stop, SIGINT);
    sigaddset(&stop, SIGTERM);
    if (o.serve != NULL) /* before any thread starts, for serve's sigwait */
        pthread_sigmask(SIG_BLOCK, &stop, NULL);
    sh = shared_new(o.requests, &sh_size);
    calls = calloc(o.requests, sizeof *calls);
    if (sh == NULL || calls == NULL || tally_init(&t, sh, o.requests) != 0) {
        fprintf(stderr, "pool-chaos: out of memory for %" PRIu64 " requests\n", o.requests);
        return 1;
    }
    chaos_Worker_pool_opts(&po);
    po.size = o.instances;
    po.balance = o.balance;
    po.isolation = o.isolation;
    po.restart.backoff_max_ms = BACKOFF_MAX_MS;
    po.report = on_supervision;
    int rc = actor_system_new(NULL, &sys);
    if (rc == 0)
        rc = chaos_Worker_spawn_pool(sys, &h, sh, &po, &pool);
    if (rc == 0)
        rc = actor_client_new(sys, &me);
    if (rc != 0) {
        fprintf(stderr, "pool-chaos: could not start the pool: %s\n", actor_strerror(rc));
        return 1;
    }
    if (o.serve != NULL) {
        int status = serve(sys, pool, o.serve, &stop);
        actor_client_destroy(&me);
        actor_system_destroy(&sys);
        tally_fini(&t);
        free(calls);
        munmap(sh, sh_size);
        return status;
    }
    if (o.isolation == ACTOR_ISOLATION_PROCESS)
        print_instances(sys, pool);

    k = (killer){.sys = sys, .pool = pool, .o = &o, .sh = sh};
    if (o.kill_every_ms != 0 && pthread_create(&k.thread, NULL, kill_loop, &k) != 0) {
        fprintf(stderr, "pool-chaos: could not start the killer thread\n");
        return 1;
    }
    run_requests(me, pool, &t, calls);
    if (o.kill_every_ms != 0) {
        atomic_store(&k.stop, true);
        pthread_join(k.thread, NULL);
    }
    actor_pool_stats_get(sys, pool, &ps);
    actor_client_destroy(&me);
    actor_system_destroy(&sys);
    count_runs(&t);

    printf("requests %" PRIu64 " replies %" PRIu64 " ok %" PRIu64 " died %" PRIu64
           " retried %" PRIu64 " lost %" PRIu64 " duplicated %" PRIu64 " wrong %" PRIu64 "\n",
           o.requests, (uint64_t)(atomic_load(&t.answered) + atomic_load(&t.extra)),
           (uint64_t)atomic_load(&t.ok), (uint64_t)atomic_load(&t.died), ps.retried,
           (uint64_t)atomic_load(&t.lost), (uint64_t)atomic_load(&t.duplicated),
           (uint64_t)atomic_load(&t.wrong));
    passed = atomic_load(&t.answered) == o.requests && atomic_load(&t.lost) == 0 &&
             atomic_load(&t.duplicated) == 0 && atomic_load(&t.wrong) == 0;
    tally_fini(&t);
    free(calls);
    munmap(sh, sh_size);
    return passed ? 0 : 1;
}
