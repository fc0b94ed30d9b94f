/*
 * bench/runtime/pool.c - the pool and supervision figures of the runtime
 * benchmark (bench-rt-pool), printed as RESULT lines (common.h) that run.py
 * pairs with each other and with CAF's pool figures:
 *
 *   key                     unit  compared in run.py with (goal on the ratio)
 *   ours.pool.cpu.1         req/s caf.pool.cpu.1 (info)
 *   ours.pool.cpu.2         req/s ours.pool.cpu.1 (>= 1.5); caf.pool.cpu.2 (info)
 *   ours.pool.uneven.rr     us    (its .p99 is the anchor of the next)
 *   ours.pool.uneven.ll     us    .p99 against ours.pool.uneven.rr.p99 (<= 0.5)
 *   ours.pool.alone.call    us    (the anchor of the next)
 *   ours.pool.one.call      us    ours.pool.alone.call (<= 1.1)
 *   ours.restart.budget     us    50 ms plus the longest backoff configured
 *   ours.restart.thread     us    ours.restart.budget (<= 1.0)
 *   ours.restart.process    us    ours.restart.budget (<= 1.0)
 *
 * Every call goes through the stubs actorc generates from
 * bench/runtime/poolbench.actor, from main() through an actor_client but
 * for the CPU figures':
 *
 *   pool.cpu.N       a pool of N instances (round robin) whose handler does
 *                    POOL_WORK_ITERS xorshift64 steps per request (~20 us,
 *                    caf.cpp's pool_work), POOL_OUTSTANDING requests in
 *                    flight, pipe_n / 10 of them (caf.cpp's pool_n), sent
 *                    by a Driver actor with _request, each reply sending the
 *                    next (caf.cpp's pool_driver);
 *   pool.uneven.*    a pool of UNEVEN_INSTANCES (4): one request in
 *                    UNEVEN_SLOW_EVERY (200) spins UNEVEN_SLOW_NS (5 ms), the
 *                    others do nothing; UNEVEN_OUTSTANDING (3) in flight; n
 *                    requests timed from send to reply, round robin (rr)
 *                    and least loaded (ll). Round robin keeps sending to the
 *                    busy instance, whose queue waits behind the slow one;
 *                    least loaded sends elsewhere: the p99 shows it;
 *   pool.*.call      n blocking calls that do nothing, one at a time, to an
 *                    instance spawned alone and to a pool of one, in
 *                    alternating blocks so that both see the same machine;
 *   restart.*        a pool of one with a fixed backoff (RESTART_BACKOFF_MS,
 *                    jittered by up to x1.5): the instance notes the time and
 *                    crashes (thread: a fatal status; process: SIGKILL of its
 *                    own process); the time is taken when the next call,
 *                    sent right after the crash's DIED, is answered by the
 *                    restarted instance. The median of RESTART_REPS.
 */
#include "common.h"

#include <errno.h>
#include <semaphore.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include "actor/actor.h"
#include "actor/pool.h"
#include "poolbench.h"

#define POOL_WORK_ITERS 12000 /* as caf.cpp */
#define POOL_OUTSTANDING 64   /* as caf.cpp */
#define UNEVEN_INSTANCES 4
#define UNEVEN_OUTSTANDING 3 /* fewer than the instances: least loaded has one to spare */
#define UNEVEN_SLOW_EVERY 200
#define UNEVEN_SLOW_NS 5000000 /* 5 ms: longer than the core's 1 ms stall check */
#define CALL_BLOCKS 10
#define RESTART_BACKOFF_MS 10
#define RESTART_BUDGET_MS 50
#define RESTART_REPS 9
#define RUN_TIMEOUT_S 300

static const char *const pool_name = "bench-rt-pool";

/* What the instances share with main(), in memory the child processes of
 * process isolation share too (mapped before they are forked). */
typedef struct pool_shared {
    pid_t parent;
    _Atomic int64_t crashed_at; /* bench_now_ns() at the last crash */
} pool_shared;

/* ---------------------------------------------------------------- helpers */

static void pool_check(int rc, const char *what)
{
    if (rc != 0) {
        fprintf(stderr, "%s: %s: %s\n", pool_name, what, actor_strerror(rc));
        exit(1);
    }
}

static void pool_check_status(const actor_status *st, actor_status_category want,
                              const char *what)
{
    if (st->category != want) {
        fprintf(stderr, "%s: %s: %s: %s\n", pool_name, what, actor_status_name(st->category),
                st->message);
        exit(1);
    }
}

static uint64_t pool_work(uint64_t x, uint64_t iters)
{
    for (uint64_t i = 0; i < iters; i++) {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
    }
    return x;
}

/* ------------------------------------------------------------ the worker */

static int worker_init(void **state, const void *arg, actor_ctx *ctx)
{
    (void)ctx;
    *state = (void *)(uintptr_t)arg; /* the shared region */
    return 0;
}

static int worker_work(void *state, actor_ctx *ctx, const poolbench_Work *req,
                       poolbench_Done *res)
{
    (void)state;
    (void)ctx;
    if (req->spin_ns != 0) {
        int64_t until = bench_now_ns() + (int64_t)req->spin_ns;
        while (bench_now_ns() < until)
            ;
    }
    res->value = pool_work(req->seed, req->iters);
    return 0;
}

static int worker_crash(void *state, actor_ctx *ctx, const poolbench_Work *req,
                        poolbench_Done *res)
{
    pool_shared *sh = state;

    (void)req;
    (void)res;
    atomic_store(&sh->crashed_at, bench_now_ns());
    if (getpid() != sh->parent)
        raise(SIGKILL); /* process isolation: the whole instance goes */
    return actor_ctx_crash(ctx, "crashed by the benchmark");
}

static const poolbench_Worker_handlers worker_handlers = {
    .init = worker_init, .work = worker_work, .crash = worker_crash};

/* A system with the default workers (one per CPU), a client, a pool. */
typedef struct pool_rig {
    actor_system *sys;
    actor_client *client;
    actor_ref pool;
    pool_shared *sh;
} pool_rig;

static void rig_start(pool_rig *r, const actor_pool_opts *o)
{
    r->sh = mmap(NULL, sizeof *r->sh, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    if (r->sh == MAP_FAILED)
        bench_die(pool_name, "mmap failed");
    r->sh->parent = getpid();
    pool_check(actor_system_new(NULL, &r->sys), "actor_system_new");
    pool_check(actor_client_new(r->sys, &r->client), "actor_client_new");
    if (o != NULL)
        pool_check(poolbench_Worker_spawn_pool(r->sys, &worker_handlers, r->sh, o, &r->pool),
                   "spawn_pool");
}

static void rig_stop(pool_rig *r)
{
    actor_client_destroy(&r->client);
    actor_system_destroy(&r->sys);
    munmap(r->sh, sizeof *r->sh);
}

static actor_pool_opts pool_opts(unsigned size, actor_balance balance)
{
    actor_pool_opts o;

    poolbench_Worker_pool_opts(&o);
    o.size = size;
    o.balance = balance;
    return o;
}

/* ---------------------------- requests kept in flight from a plain thread */

typedef struct window {
    sem_t slots;
    sem_t done;
    atomic_long left;       /* replies still to come */
    atomic_int failures;
    int64_t *latency_ns;    /* per request, or NULL */
} window;

typedef struct window_call {
    window *w;
    long index;
    int64_t sent_ns;
} window_call;

static void window_answered(void *user, uint64_t call_id, const actor_status *st,
                            const poolbench_Done *res)
{
    window_call *c = user;
    window *w = c->w;

    (void)call_id;
    (void)res;
    if (st->category != ACTOR_STATUS_OK)
        atomic_fetch_add(&w->failures, 1);
    if (w->latency_ns != NULL)
        w->latency_ns[c->index] = bench_now_ns() - c->sent_ns;
    sem_post(&w->slots);
    if (atomic_fetch_sub(&w->left, 1) == 1)
        sem_post(&w->done);
}

/* Sends `count` requests, `outstanding` at a time, work(i) the i-th;
 * returns the time from the first send to the last reply. */
static int64_t run_window(pool_rig *r, long count, long outstanding,
                          poolbench_Work (*work)(long i), int64_t *latency_ns, const char *key)
{
    window w = {.latency_ns = latency_ns};
    window_call *calls = calloc((size_t)count, sizeof *calls);
    struct timespec until;
    int64_t t0, t1;

    if (calls == NULL)
        bench_die(pool_name, "out of memory");
    sem_init(&w.slots, 0, (unsigned)outstanding);
    sem_init(&w.done, 0, 0);
    atomic_store(&w.left, count);
    t0 = bench_now_ns();
    for (long i = 0; i < count; i++) {
        poolbench_Work req = work(i);
        sem_wait(&w.slots);
        calls[i] = (window_call){&w, i, bench_now_ns()};
        pool_check(poolbench_Worker_work_async(r->client, r->pool, &req, NULL, window_answered,
                                               &calls[i], NULL),
                   key);
    }
    clock_gettime(CLOCK_REALTIME, &until);
    until.tv_sec += RUN_TIMEOUT_S;
    while (sem_timedwait(&w.done, &until) != 0)
        if (errno != EINTR)
            bench_die(pool_name, "replies missing after the run's timeout");
    t1 = bench_now_ns();
    if (atomic_load(&w.failures) != 0)
        bench_die(pool_name, "a request failed");
    sem_destroy(&w.slots);
    sem_destroy(&w.done);
    free(calls);
    return t1 - t0;
}

/* --------------------------------------- the driver of the CPU figures */

/* Keeps `outstanding` requests in flight to the pool from an actor, as
 * caf.cpp's pool_driver: start sends the first ones, each reply the next. */
typedef struct driver {
    actor_ref pool;
    long total, outstanding, sent, answered;
    int failures;
    int64_t t0, t1;
    sem_t done;
} driver;

static void driver_answered(void *state, actor_ctx *ctx, const actor_status *st,
                            const poolbench_Done *res, void *user);

static void driver_send(driver *d, actor_ctx *ctx)
{
    poolbench_Work req = {.seed = (uint64_t)++d->sent, .iters = POOL_WORK_ITERS};

    if (poolbench_Worker_work_request(ctx, d->pool, &req, NULL, driver_answered, NULL, NULL) != 0) {
        d->failures++; /* counted as answered: the run still ends, and fails */
        d->answered++;
    }
}

static void driver_finish_maybe(driver *d)
{
    if (d->answered == d->total) {
        d->t1 = bench_now_ns();
        sem_post(&d->done);
    }
}

static void driver_answered(void *state, actor_ctx *ctx, const actor_status *st,
                            const poolbench_Done *res, void *user)
{
    driver *d = state;

    (void)res;
    (void)user;
    if (st->category != ACTOR_STATUS_OK)
        d->failures++;
    d->answered++;
    if (d->sent < d->total)
        driver_send(d, ctx);
    driver_finish_maybe(d);
}

static void driver_start(void *state, actor_ctx *ctx)
{
    driver *d = state;

    d->t0 = bench_now_ns();
    while (d->sent < d->total && d->sent < d->outstanding)
        driver_send(d, ctx);
    driver_finish_maybe(d);
}

static const poolbench_Driver_handlers driver_handlers = {.init = worker_init,
                                                          .start = driver_start};

/* ------------------------------------------------------------ the figures */

static long pool_n(const bench_params *p)
{
    return p->pipe_n / 10 > 0 ? p->pipe_n / 10 : 1; /* as caf.cpp */
}

static void measure_cpu(const bench_params *p, unsigned size, const char *key)
{
    actor_pool_opts o = pool_opts(size, ACTOR_BALANCE_ROUND_ROBIN);
    driver d = {.total = pool_n(p), .outstanding = POOL_OUTSTANDING};
    struct timespec until;
    actor_ref ref;
    pool_rig r;

    sem_init(&d.done, 0, 0);
    rig_start(&r, &o);
    d.pool = r.pool;
    pool_check(poolbench_Driver_spawn(r.sys, &driver_handlers, &d, NULL, &ref), key);
    pool_check(poolbench_Driver_start(r.client, ref, NULL), key);
    clock_gettime(CLOCK_REALTIME, &until);
    until.tv_sec += RUN_TIMEOUT_S;
    while (sem_timedwait(&d.done, &until) != 0)
        if (errno != EINTR)
            bench_die(pool_name, "replies missing after the run's timeout");
    if (d.failures != 0)
        bench_die(pool_name, "a request failed");
    rig_stop(&r);
    sem_destroy(&d.done);
    bench_report_rate(key, d.total, d.t1 - d.t0, "req");
}

static poolbench_Work uneven_work(long i)
{
    return (poolbench_Work){.seed = (uint64_t)i + 1,
                            .spin_ns = i % UNEVEN_SLOW_EVERY == 0 ? UNEVEN_SLOW_NS : 0};
}

static void measure_uneven(const bench_params *p, actor_balance balance, const char *key)
{
    actor_pool_opts o = pool_opts(UNEVEN_INSTANCES, balance);
    long count = p->warmup + p->n;
    int64_t *ns = malloc((size_t)count * sizeof *ns);
    pool_rig r;

    if (ns == NULL)
        bench_die(pool_name, "out of memory");
    rig_start(&r, &o);
    run_window(&r, count, UNEVEN_OUTSTANDING, uneven_work, ns, key);
    bench_report_latency(key, ns + p->warmup, (size_t)p->n);
    rig_stop(&r);
    free(ns);
}

/* count blocking calls to `to`, their round trips appended at ns. */
static void blocking_calls(pool_rig *r, actor_ref to, long count, int64_t *ns, const char *key)
{
    poolbench_Work req = {.seed = 1};

    for (long i = 0; i < count; i++) {
        poolbench_Done res;
        actor_status st;
        int64_t t0 = bench_now_ns();
        pool_check(poolbench_Worker_work(r->client, to, &req, &res, NULL, &st), key);
        if (ns != NULL)
            ns[i] = bench_now_ns() - t0;
        pool_check_status(&st, ACTOR_STATUS_OK, key);
    }
}

static void measure_pool_of_one(const bench_params *p)
{
    actor_pool_opts o = pool_opts(1, ACTOR_BALANCE_ROUND_ROBIN);
    long block = p->n / CALL_BLOCKS > 0 ? p->n / CALL_BLOCKS : 1;
    int64_t *alone_ns = malloc((size_t)(block * CALL_BLOCKS) * sizeof *alone_ns);
    int64_t *pool_ns = malloc((size_t)(block * CALL_BLOCKS) * sizeof *pool_ns);
    actor_ref alone;
    pool_rig r;

    if (alone_ns == NULL || pool_ns == NULL)
        bench_die(pool_name, "out of memory");
    rig_start(&r, &o);
    pool_check(poolbench_Worker_spawn(r.sys, &worker_handlers, r.sh, NULL, &alone), "spawn");
    blocking_calls(&r, alone, p->warmup, NULL, "ours.pool.alone.call");
    blocking_calls(&r, r.pool, p->warmup, NULL, "ours.pool.one.call");
    for (long b = 0; b < CALL_BLOCKS; b++) {
        blocking_calls(&r, alone, block, alone_ns + b * block, "ours.pool.alone.call");
        blocking_calls(&r, r.pool, block, pool_ns + b * block, "ours.pool.one.call");
    }
    bench_report_latency("ours.pool.alone.call", alone_ns, (size_t)(block * CALL_BLOCKS));
    bench_report_latency("ours.pool.one.call", pool_ns, (size_t)(block * CALL_BLOCKS));
    rig_stop(&r);
    free(alone_ns);
    free(pool_ns);
}

static void measure_restart(const bench_params *p, actor_isolation isolation, const char *key)
{
    actor_pool_opts o = pool_opts(1, ACTOR_BALANCE_ROUND_ROBIN);
    int reps = p->smoke ? 3 : RESTART_REPS;
    int64_t ns[RESTART_REPS];
    poolbench_Work req = {.seed = 1};
    pool_rig r;

    o.isolation = isolation;
    o.restart = (actor_restart_opts){.max = 1000, .window_ms = 60000,
                                     .backoff_ms = RESTART_BACKOFF_MS,
                                     .backoff_max_ms = RESTART_BACKOFF_MS};
    rig_start(&r, &o);
    blocking_calls(&r, r.pool, 10, NULL, key); /* up and serving */
    for (int i = 0; i < reps; i++) {
        poolbench_Done res;
        actor_status st;
        pool_check(poolbench_Worker_crash(r.client, r.pool, &req, &res, NULL, &st), key);
        pool_check_status(&st, ACTOR_STATUS_DIED, key);
        blocking_calls(&r, r.pool, 1, NULL, key);
        ns[i] = bench_now_ns() - atomic_load(&r.sh->crashed_at);
    }
    rig_stop(&r);
    bench_report(key, bench_quantile_ns(ns, (size_t)reps, 0.5) / 1e3, "us");
}

int main(int argc, char **argv)
{
    bench_params p;

    if (bench_parse_args(argc, argv, &p) != 0)
        return 2;
    if (bench_selected(&p, "ours.pool.cpu.1"))
        measure_cpu(&p, 1, "ours.pool.cpu.1");
    if (bench_selected(&p, "ours.pool.cpu.2"))
        measure_cpu(&p, 2, "ours.pool.cpu.2");
    if (bench_selected(&p, "ours.pool.uneven.rr"))
        measure_uneven(&p, ACTOR_BALANCE_ROUND_ROBIN, "ours.pool.uneven.rr");
    if (bench_selected(&p, "ours.pool.uneven.ll"))
        measure_uneven(&p, ACTOR_BALANCE_LEAST_LOADED, "ours.pool.uneven.ll");
    if (bench_selected(&p, "ours.pool.alone.call") || bench_selected(&p, "ours.pool.one.call"))
        measure_pool_of_one(&p);
    if (bench_selected(&p, "ours.restart")) {
        bench_report("ours.restart.budget",
                     (RESTART_BUDGET_MS + RESTART_BACKOFF_MS * 1.5) * 1e3, "us");
        measure_restart(&p, ACTOR_ISOLATION_THREAD, "ours.restart.thread");
#ifdef __SANITIZE_ADDRESS__
        /* Its child processes are forked from a threaded process, which
         * AddressSanitizer's allocator does not survive (the Makefile's
         * CHECK_FORK_TESTS). */
        printf("NOTE ours.restart.process: not measured under AddressSanitizer\n");
#else
        measure_restart(&p, ACTOR_ISOLATION_PROCESS, "ours.restart.process");
#endif
    }
    return 0;
}
