/*
 * farm.h - the hand-written actor type the pool and supervision tests run
 * many instances of. Every instance shares one `farm` (its spawn
 * argument, kept for restarts); each start of an instance (init, and init
 * again at every restart) is a new incarnation with its own number, so a
 * test sees restarts in the answers. Bodies and replies are {1: int}.
 * Include once per test program.
 */
#ifndef TESTS_POOL_FARM_H
#define TESTS_POOL_FARM_H

#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <unistd.h>

#include "actor/pool.h"
#include "actor/testing.h"

#define FARM_LOG_MAX 4096

typedef struct farm {
    atomic_int incarnations; /* inits so far */
    atomic_int cleanups;
    atomic_int crash_next; /* M_MAYBE_CRASH crashes while this is > 0 */
    atomic_int unhealthy;  /* the health hook fails while this is > 0 (then counts down) */
    atomic_int served;     /* M_WHO calls answered */
    pthread_mutex_t lock;  /* the gate and the log */
    pthread_cond_t cond;
    bool gate_open;
    atomic_int entered;        /* M_GATE handlers waiting at the gate */
    int64_t log[FARM_LOG_MAX]; /* M_LOG's arguments, in the order served */
    atomic_int n_log;
} farm;

/* One incarnation of an instance. */
typedef struct cell {
    farm *f;
    int incarnation;
    int64_t count; /* M_COUNT's, kept by checkpoints */
} cell;

enum {
    M_WHO,         /* reply {1: the instance's ref id}; its key field is 1 */
    M_INCARNATION, /* reply {1: this incarnation's number} */
    M_GATE,        /* wait at the gate, then reply {1: arg} */
    M_CRASH,       /* crash (not idempotent) */
    M_MAYBE_CRASH, /* @idempotent: crash while crash_next > 0, else reply {1: incarnation} */
    M_LOG,         /* cast: log arg */
    M_COUNT,       /* count += arg, reply {1: count}; asks for a checkpoint */
    M_GATE_CRASH,  /* wait at the gate, then crash */
    M_SPIN,        /* busy for arg microseconds, reply {1: incarnation} */
    M_SAFE_SPIN,   /* @idempotent M_SPIN */
    M_PID,         /* reply {1: the process id serving it} */
    M_SIGNAL,      /* the process dies of signal arg, its default action (a
                      segfault is SIGSEGV; abort() is SIGABRT) */
    M_SICKEN,      /* the next arg health checks fail (in the farm this
                      instance sees: a process instance's own copy) */
    M_N
};

static inline void farm_init(farm *f)
{
    memset(f, 0, sizeof *f);
    pthread_mutex_init(&f->lock, NULL);
    pthread_cond_init(&f->cond, NULL);
}

static inline void farm_fini(farm *f)
{
    pthread_mutex_destroy(&f->lock);
    pthread_cond_destroy(&f->cond);
}

static inline void farm_gate(farm *f, bool open)
{
    pthread_mutex_lock(&f->lock);
    f->gate_open = open;
    pthread_cond_broadcast(&f->cond);
    pthread_mutex_unlock(&f->lock);
}

static inline int farm_init_hook(void **state, const void *arg, actor_ctx *ctx)
{
    cell *c = calloc(1, sizeof *c);

    (void)ctx;
    if (c == NULL)
        return ACTOR_ENOMEM;
    c->f = (farm *)(uintptr_t)arg;
    c->incarnation = atomic_fetch_add(&c->f->incarnations, 1) + 1;
    *state = c;
    return 0;
}

static inline void farm_cleanup_hook(void *state, actor_ctx *ctx)
{
    cell *c = state;

    (void)ctx;
    atomic_fetch_add(&c->f->cleanups, 1);
    free(c);
}

static inline int farm_health_hook(void *state, char *reason, size_t size)
{
    cell *c = state;

    if (atomic_load(&c->f->unhealthy) <= 0)
        return 0;
    atomic_fetch_sub(&c->f->unhealthy, 1);
    snprintf(reason, size, "told to be unhealthy");
    return -1;
}

static inline int farm_checkpoint_hook(void *state, msgpack_sbuffer *out)
{
    return actor_test_int_body(out, ((cell *)state)->count);
}

static inline int farm_restore_hook(void *state, const char *data, size_t len)
{
    return actor_test_int_of(data, len, &((cell *)state)->count);
}

static inline void farm_wait_gate(farm *f)
{
    atomic_fetch_add(&f->entered, 1);
    pthread_mutex_lock(&f->lock);
    while (!f->gate_open)
        pthread_cond_wait(&f->cond, &f->lock);
    pthread_mutex_unlock(&f->lock);
    atomic_fetch_sub(&f->entered, 1);
}

static inline int inv_who(void *state, actor_ctx *ctx, const char *body, size_t len,
                          msgpack_sbuffer *out)
{
    (void)body;
    (void)len;
    atomic_fetch_add(&((cell *)state)->f->served, 1);
    return actor_test_int_body(out, (int64_t)actor_ctx_self(ctx).id);
}

static inline int inv_incarnation(void *state, actor_ctx *ctx, const char *body, size_t len,
                                  msgpack_sbuffer *out)
{
    (void)ctx;
    (void)body;
    (void)len;
    return actor_test_int_body(out, ((cell *)state)->incarnation);
}

static inline int inv_gate(void *state, actor_ctx *ctx, const char *body, size_t len,
                           msgpack_sbuffer *out)
{
    int64_t v = 0;

    (void)ctx;
    actor_test_int_of(body, len, &v);
    farm_wait_gate(((cell *)state)->f);
    return actor_test_int_body(out, v);
}

static inline int inv_crash(void *state, actor_ctx *ctx, const char *body, size_t len,
                            msgpack_sbuffer *out)
{
    (void)state;
    (void)body;
    (void)len;
    (void)out;
    return actor_ctx_crash(ctx, "told to crash");
}

static inline int inv_maybe_crash(void *state, actor_ctx *ctx, const char *body, size_t len,
                                  msgpack_sbuffer *out)
{
    cell *c = state;

    (void)body;
    (void)len;
    if (atomic_fetch_sub(&c->f->crash_next, 1) > 0)
        return actor_ctx_crash(ctx, "crashing on purpose");
    atomic_store(&c->f->crash_next, 0);
    return actor_test_int_body(out, c->incarnation);
}

static inline int inv_log(void *state, actor_ctx *ctx, const char *body, size_t len,
                          msgpack_sbuffer *out)
{
    farm *f = ((cell *)state)->f;
    int64_t v = 0;
    int n;

    (void)ctx;
    (void)out;
    actor_test_int_of(body, len, &v);
    pthread_mutex_lock(&f->lock);
    n = atomic_load(&f->n_log);
    if (n < FARM_LOG_MAX) {
        f->log[n] = v;
        atomic_store(&f->n_log, n + 1);
    }
    pthread_mutex_unlock(&f->lock);
    return ACTOR_INVOKE_REPLY;
}

static inline int inv_count(void *state, actor_ctx *ctx, const char *body, size_t len,
                            msgpack_sbuffer *out)
{
    cell *c = state;
    int64_t v = 0;

    actor_test_int_of(body, len, &v);
    c->count += v;
    actor_ctx_checkpoint(ctx);
    return actor_test_int_body(out, c->count);
}

static inline int inv_gate_crash(void *state, actor_ctx *ctx, const char *body, size_t len,
                                 msgpack_sbuffer *out)
{
    (void)body;
    (void)len;
    (void)out;
    farm_wait_gate(((cell *)state)->f);
    return actor_ctx_crash(ctx, "crashed at the gate");
}

static inline int inv_spin(void *state, actor_ctx *ctx, const char *body, size_t len,
                           msgpack_sbuffer *out)
{
    int64_t us = 0, end;

    (void)ctx;
    actor_test_int_of(body, len, &us);
    end = actor_now_ns() + us * 1000;
    while (actor_now_ns() < end)
        ;
    return actor_test_int_body(out, ((cell *)state)->incarnation);
}

static inline int inv_pid(void *state, actor_ctx *ctx, const char *body, size_t len,
                          msgpack_sbuffer *out)
{
    (void)state;
    (void)ctx;
    (void)body;
    (void)len;
    return actor_test_int_body(out, (int64_t)getpid());
}

static inline int inv_sicken(void *state, actor_ctx *ctx, const char *body, size_t len,
                             msgpack_sbuffer *out)
{
    cell *c = state;
    int64_t n = 0;

    (void)ctx;
    actor_test_int_of(body, len, &n);
    atomic_store(&c->f->unhealthy, (int)n);
    return actor_test_int_body(out, n);
}

static inline int inv_signal(void *state, actor_ctx *ctx, const char *body, size_t len,
                             msgpack_sbuffer *out)
{
    int64_t sig = SIGSEGV;

    (void)state;
    (void)ctx;
    (void)out;
    actor_test_int_of(body, len, &sig);
    signal((int)sig, SIG_DFL); /* past the sanitizers' handlers */
    if (sig == SIGABRT)
        abort();
    raise((int)sig);
    return ACTOR_INVOKE_REPLY;
}

static const actor_method farm_methods[M_N] = {
    [M_WHO] = {.name = "who",
               .kind = ACTOR_METHOD_RPC,
               .priority = 128,
               .invoke = inv_who,
               .key_field = 1},
    [M_INCARNATION] = {.name = "incarnation",
                       .kind = ACTOR_METHOD_RPC,
                       .priority = 128,
                       .invoke = inv_incarnation},
    [M_GATE] = {.name = "gate",
                .kind = ACTOR_METHOD_RPC,
                .priority = 128,
                .invoke = inv_gate,
                .key_field = 1},
    [M_CRASH] = {.name = "crash", .kind = ACTOR_METHOD_RPC, .priority = 128, .invoke = inv_crash},
    [M_MAYBE_CRASH] = {.name = "maybe_crash",
                       .kind = ACTOR_METHOD_RPC,
                       .priority = 128,
                       .idempotent = true,
                       .invoke = inv_maybe_crash},
    [M_LOG] = {.name = "log", .kind = ACTOR_METHOD_CAST, .priority = 128, .invoke = inv_log},
    [M_COUNT] = {.name = "count", .kind = ACTOR_METHOD_RPC, .priority = 128, .invoke = inv_count},
    [M_GATE_CRASH] = {.name = "gate_crash",
                      .kind = ACTOR_METHOD_RPC,
                      .priority = 128,
                      .invoke = inv_gate_crash},
    [M_SPIN] = {.name = "spin", .kind = ACTOR_METHOD_RPC, .priority = 128, .invoke = inv_spin},
    [M_SAFE_SPIN] = {.name = "safe_spin",
                     .kind = ACTOR_METHOD_RPC,
                     .priority = 128,
                     .idempotent = true,
                     .invoke = inv_spin},
    [M_PID] = {.name = "pid", .kind = ACTOR_METHOD_RPC, .priority = 128, .invoke = inv_pid},
    [M_SIGNAL] = {.name = "signal", .kind = ACTOR_METHOD_RPC, .priority = 128, .invoke = inv_signal},
    [M_SICKEN] = {.name = "sicken", .kind = ACTOR_METHOD_RPC, .priority = 128, .invoke = inv_sicken},
};

static const actor_type farm_type = {
    .name = "tests.Farm",
    .methods = farm_methods,
    .n_methods = M_N,
    .init = farm_init_hook,
    .cleanup = farm_cleanup_hook,
    .health = farm_health_hook,
    .checkpoint = farm_checkpoint_hook,
    .restore = farm_restore_hook,
};

/* The spawn function of a farm's instances: the spec is the farm's address. */
static inline int farm_spawn(actor_system *sys, const void *spec, const actor_spawn_opts *opts,
                             actor_ref *ref)
{
    farm *f;

    memcpy(&f, spec, sizeof f);
    return actor_spawn(sys, &farm_type, f, opts, ref);
}

/* A pool of n farm instances. */
static inline int farm_pool(actor_system *sys, farm *f, const actor_pool_opts *opts,
                            actor_ref *pool)
{
    return actor_pool_spawn(sys, &farm_type, farm_spawn, &f, sizeof f, opts, pool);
}

static inline actor_child_spec farm_child(farm **f)
{
    actor_child_spec c = {0};

    c.type = &farm_type;
    c.spawn = farm_spawn;
    c.spec = f;
    c.spec_size = sizeof *f;
    return c;
}

#endif /* TESTS_POOL_FARM_H */
