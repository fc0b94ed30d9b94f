/*
 * rt_actors.h - the hand-written actor types the runtime tests use, written
 * the way actorc's generated skeletons will be: a method table of invoke
 * trampolines that decode the body ({1: int}), run the handler and encode
 * the reply. Each actor's state is a `probe` the test owns, so the test can
 * hold a handler at a gate, read what the actor logged, and count hooks.
 * Include once per test program.
 */
#ifndef TESTS_RUNTIME_RT_ACTORS_H
#define TESTS_RUNTIME_RT_ACTORS_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>

#include "actor/testing.h"

#define PROBE_LOG_MAX 4096

typedef struct probe {
    pthread_mutex_t lock;
    pthread_cond_t cond;
    bool gate_open;           /* M_WAIT handlers wait for it */
    atomic_int entered;       /* M_WAIT handlers started */
    int64_t log[PROBE_LOG_MAX];
    atomic_int n_log;         /* written by the actor only */
    atomic_int inits, cleanups;
    int init_rc;              /* what init returns */
    int health_rc;            /* what the health hook returns */
    actor_ref peer;           /* M_FORWARD's next hop; none: answer itself */
    uint32_t forward_timeout_ms;
    actor_reply *held;        /* M_HOLD's unanswered reply */
    int want_log;             /* for wait_log */
    actor_client *client;     /* M_NESTED misuses it from a handler */
    char nested_message[ACTOR_STATUS_MESSAGE_SIZE]; /* what that call said */
} probe;

enum {
    M_ADD,     /* reply {1: arg + 1} */
    M_RAISE,   /* raise arg: 7 is declared, anything else is not */
    M_DECODE,  /* decodes strictly: DECODE on a bad body */
    M_LOG,     /* cast: append arg to the log */
    M_WAIT,    /* wait for the gate, then reply {1: arg} */
    M_FORWARD, /* request peer's M_FORWARD (or answer arg + 1), reply its result + 1 */
    M_HOLD,    /* defer the reply and never answer it */
    M_NESTED,  /* a blocking client call from a handler: reply {1: its rc} */
    M_COUNT
};

#define ERR_SEVEN 7

static inline void probe_init(probe *p)
{
    memset(p, 0, sizeof(*p));
    pthread_mutex_init(&p->lock, NULL);
    pthread_cond_init(&p->cond, NULL);
}

static inline void probe_fini(probe *p)
{
    pthread_mutex_destroy(&p->lock);
    pthread_cond_destroy(&p->cond);
}

static inline void probe_open(probe *p)
{
    pthread_mutex_lock(&p->lock);
    p->gate_open = true;
    pthread_cond_broadcast(&p->cond);
    pthread_mutex_unlock(&p->lock);
}

static inline bool probe_entered_pred(void *arg)
{
    return atomic_load(&((probe *)arg)->entered) > 0;
}

/* Waits until an M_WAIT handler holds the actor. */
static inline bool probe_wait_entered(probe *p)
{
    return actor_test_wait(probe_entered_pred, p, 10000);
}

static inline int reply_int(msgpack_sbuffer *sb, int64_t v)
{
    return actor_test_int_body(sb, v);
}

/* --------------------------------------------------------- trampolines */

static inline int inv_add(void *state, actor_ctx *ctx, const char *body, size_t len,
                   msgpack_sbuffer *out)
{
    int64_t v;

    (void)state;
    if (actor_test_int_of(body, len, &v) != 0)
        return actor_ctx_fail(ctx, ACTOR_STATUS_DECODE, "bad body");
    return reply_int(out, v + 1);
}

static inline int inv_raise(void *state, actor_ctx *ctx, const char *body, size_t len,
                     msgpack_sbuffer *out)
{
    int64_t v = 0;

    (void)state;
    (void)out;
    actor_test_int_of(body, len, &v);
    return actor_ctx_raise(ctx, (int32_t)v, "raised %d", (int)v);
}

static inline int inv_decode(void *state, actor_ctx *ctx, const char *body, size_t len,
                      msgpack_sbuffer *out)
{
    int64_t v;
    int rc = actor_test_int_of(body, len, &v);

    (void)state;
    (void)out;
    if (rc != 0)
        return actor_ctx_fail(ctx, ACTOR_STATUS_DECODE, "body: %s", actor_strerror(rc));
    return ACTOR_INVOKE_REPLY;
}

static inline int inv_log(void *state, actor_ctx *ctx, const char *body, size_t len,
                   msgpack_sbuffer *out)
{
    probe *p = state;
    int64_t v = 0;
    int n = atomic_load(&p->n_log);

    (void)ctx;
    (void)out;
    actor_test_int_of(body, len, &v);
    if (n < PROBE_LOG_MAX) {
        p->log[n] = v;
        atomic_store(&p->n_log, n + 1);
    }
    return ACTOR_INVOKE_REPLY;
}

static inline int inv_wait(void *state, actor_ctx *ctx, const char *body, size_t len,
                    msgpack_sbuffer *out)
{
    probe *p = state;
    int64_t v = 0;

    (void)ctx;
    actor_test_int_of(body, len, &v);
    atomic_fetch_add(&p->entered, 1);
    pthread_mutex_lock(&p->lock);
    while (!p->gate_open)
        pthread_cond_wait(&p->cond, &p->lock);
    pthread_mutex_unlock(&p->lock);
    return reply_int(out, v);
}

/* M_FORWARD's continuation: answers the deferred reply with result + 1, or
 * passes a failure on as it is. */
static inline void forward_then(void *state, actor_ctx *ctx, const actor_status *st, const char *body,
                         size_t len, void *user)
{
    actor_reply *r = user;
    msgpack_sbuffer sb;
    int64_t v;

    (void)state;
    (void)ctx;
    if (st->category != ACTOR_STATUS_OK) {
        actor_reply_status(&r, st);
        return;
    }
    msgpack_sbuffer_init(&sb);
    if (actor_test_int_of(body, len, &v) == 0 && reply_int(&sb, v + 1) == 0) {
        actor_reply_send(&r, sb.data, sb.size);
    } else {
        actor_status bad;
        actor_status_set(&bad, ACTOR_STATUS_DECODE, 0, "bad reply");
        actor_reply_status(&r, &bad);
    }
    msgpack_sbuffer_destroy(&sb);
}

static inline int inv_forward(void *state, actor_ctx *ctx, const char *body, size_t len,
                       msgpack_sbuffer *out)
{
    probe *p = state;
    actor_call_opts o = ACTOR_CALL_OPTS_DEFAULT;
    actor_method_ref m = {NULL, M_FORWARD};
    actor_reply *r;
    int64_t v;
    int rc;

    if (actor_test_int_of(body, len, &v) != 0)
        return actor_ctx_fail(ctx, ACTOR_STATUS_DECODE, "bad body");
    if (p->peer.id == 0)
        return reply_int(out, v + 1);
    rc = actor_ctx_defer(ctx, &r);
    if (rc != 0)
        return rc;
    o.timeout_ms = p->forward_timeout_ms;
    rc = actor_ctx_request(ctx, p->peer, m, body, len, &o, forward_then, r, NULL);
    if (rc != 0) {
        actor_status st;
        actor_status_set(&st, ACTOR_STATUS_INTERNAL, 0, "forward: %s", actor_strerror(rc));
        actor_reply_status(&r, &st);
    }
    return ACTOR_INVOKE_DEFERRED;
}

static inline int inv_hold(void *state, actor_ctx *ctx, const char *body, size_t len,
                    msgpack_sbuffer *out)
{
    probe *p = state;

    (void)body;
    (void)len;
    (void)out;
    if (actor_ctx_defer(ctx, &p->held) != 0)
        return actor_ctx_fail(ctx, ACTOR_STATUS_INTERNAL, "defer failed");
    return ACTOR_INVOKE_DEFERRED;
}

static inline int inv_nested(void *state, actor_ctx *ctx, const char *body, size_t len,
                             msgpack_sbuffer *out)
{
    probe *p = state;
    actor_method_ref m = {NULL, M_ADD};
    actor_status st;
    int rc = actor_call(p->client, actor_ctx_self(ctx), m, body, len, NULL, &st, NULL);

    snprintf(p->nested_message, sizeof p->nested_message, "%s", st.message);
    return reply_int(out, rc);
}

/* ---------------------------------------------------------------- hooks */

static inline int probe_type_init(void **state, const void *arg, actor_ctx *ctx)
{
    probe *p = (probe *)(uintptr_t)arg;

    (void)ctx;
    if (p->init_rc != 0)
        return p->init_rc;
    atomic_fetch_add(&p->inits, 1);
    *state = p;
    return 0;
}

static inline void probe_type_cleanup(void *state, actor_ctx *ctx)
{
    probe *p = state;

    (void)ctx;
    atomic_fetch_add(&p->cleanups, 1);
}

static inline int probe_type_health(void *state, char *reason, size_t size)
{
    probe *p = state;

    if (p->health_rc != 0)
        snprintf(reason, size, "sick");
    return p->health_rc;
}

static const int32_t raise_errors[] = {ERR_SEVEN};

static const actor_method probe_methods[M_COUNT] = {
    [M_ADD] = {"add", ACTOR_METHOD_RPC, 128, 0, 0, true, NULL, 0, inv_add},
    [M_RAISE] = {"raise", ACTOR_METHOD_RPC, 128, 0, 0, false, raise_errors, 1, inv_raise},
    [M_DECODE] = {"decode", ACTOR_METHOD_RPC, 128, 0, 0, false, NULL, 0, inv_decode},
    [M_LOG] = {"log", ACTOR_METHOD_CAST, 128, 0, 0, false, NULL, 0, inv_log},
    [M_WAIT] = {"wait", ACTOR_METHOD_RPC, 128, 0, 0, false, NULL, 0, inv_wait},
    [M_FORWARD] = {"forward", ACTOR_METHOD_RPC, 128, 0, 0, false, NULL, 0, inv_forward},
    [M_HOLD] = {"hold", ACTOR_METHOD_RPC, 128, 0, 0, false, NULL, 0, inv_hold},
    [M_NESTED] = {"nested", ACTOR_METHOD_RPC, 128, 0, 0, false, NULL, 0, inv_nested},
};

#define PROBE_TYPE(cap, policy)                                                                    \
    {                                                                                              \
        .name = "test.Probe", .methods = probe_methods, .n_methods = M_COUNT,                      \
        .init = probe_type_init, .cleanup = probe_type_cleanup, .health = probe_type_health,       \
        .mailbox_capacity = (cap), .overflow = (policy),                                           \
    }

static const actor_type probe_type = PROBE_TYPE(0, ACTOR_OVERFLOW_REJECT);
static const actor_type probe_reject_type = PROBE_TYPE(4, ACTOR_OVERFLOW_REJECT);
static const actor_type probe_drop_type = PROBE_TYPE(4, ACTOR_OVERFLOW_DROP_OLDEST);
static const actor_type probe_block_type = PROBE_TYPE(2, ACTOR_OVERFLOW_BLOCK);

/* ------------------------------------------------------- client helpers */

static inline actor_method_ref method(uint32_t index)
{
    actor_method_ref m = {&probe_type, index};
    return m;
}

static inline actor_method_ref any_method(uint32_t index)
{
    actor_method_ref m = {NULL, index};
    return m;
}

static inline actor_call_opts opts_prio(int priority, uint32_t timeout_ms)
{
    actor_call_opts o = {priority, timeout_ms};
    return o;
}

/* An async call's outcome, filled by record_reply. */
typedef struct outcome {
    atomic_int calls;
    actor_status st;
    int64_t value;
    uint64_t id;
} outcome;

static inline void record_reply(void *user, uint64_t id, const actor_status *st, const char *body,
                         size_t len)
{
    outcome *o = user;

    o->st = *st;
    o->id = id;
    o->value = -1;
    if (st->category == ACTOR_STATUS_OK)
        actor_test_int_of(body, len, &o->value);
    atomic_fetch_add(&o->calls, 1);
}

static inline bool outcome_done_pred(void *arg)
{
    return atomic_load(&((outcome *)arg)->calls) > 0;
}

static inline bool outcome_wait(outcome *o)
{
    return actor_test_wait(outcome_done_pred, o, 10000);
}

/* Sends body {1: v} as a cast / an async call. */
static inline int cast_int(actor_client *c, actor_ref to, uint32_t m, int64_t v, int priority,
                    uint32_t timeout_ms)
{
    msgpack_sbuffer sb;
    actor_call_opts o = opts_prio(priority, timeout_ms);
    int rc;

    msgpack_sbuffer_init(&sb);
    actor_test_int_body(&sb, v);
    rc = actor_cast(c, to, any_method(m), sb.data, sb.size, &o);
    msgpack_sbuffer_destroy(&sb);
    return rc;
}

static inline int async_int(actor_client *c, actor_ref to, uint32_t m, int64_t v, int priority,
                     uint32_t timeout_ms, outcome *out)
{
    msgpack_sbuffer sb;
    actor_call_opts o = opts_prio(priority, timeout_ms);
    int rc;

    msgpack_sbuffer_init(&sb);
    actor_test_int_body(&sb, v);
    rc = actor_call_async(c, to, any_method(m), sb.data, sb.size, &o, record_reply, out, NULL);
    msgpack_sbuffer_destroy(&sb);
    return rc;
}

static inline int sync_int(actor_client *c, actor_ref to, uint32_t m, int64_t v, int priority,
                    uint32_t timeout_ms, actor_status *st, int64_t *result)
{
    msgpack_sbuffer sb, reply;
    actor_call_opts o = opts_prio(priority, timeout_ms);
    int rc;

    msgpack_sbuffer_init(&sb);
    msgpack_sbuffer_init(&reply);
    actor_test_int_body(&sb, v);
    rc = actor_call(c, to, any_method(m), sb.data, sb.size, &o, st, &reply);
    if (rc == 0 && st->category == ACTOR_STATUS_OK && result != NULL &&
        actor_test_int_of(reply.data, reply.size, result) != 0)
        rc = ACTOR_EMALFORMED;
    msgpack_sbuffer_destroy(&sb);
    msgpack_sbuffer_destroy(&reply);
    return rc;
}

/* For actor_test_wait: whether `ref` no longer resolves (its actor is
 * gone, its slot freed). */
typedef struct gone_wait {
    actor_system *sys;
    actor_ref ref;
} gone_wait;

static inline bool gone_pred(void *arg)
{
    gone_wait *g = arg;
    actor_stats s;

    return actor_stats_get(g->sys, g->ref, &s) == ACTOR_ENOTFOUND;
}

/* An actor_spawn_fn (pools, actor_spawn_named): a probe_type actor whose
 * probe is the pointer `spec` holds. */
static inline int spawn_probe_spec(actor_system *sys, const void *spec,
                                   const actor_spawn_opts *opts, actor_ref *ref)
{
    probe *p;

    memcpy(&p, spec, sizeof p);
    return actor_spawn(sys, &probe_type, p, opts, ref);
}

static inline actor_ref spawn_probe(actor_test *t, const actor_type *type, probe *p)
{
    return actor_test_spawn(t, type, p);
}

#endif /* TESTS_RUNTIME_RT_ACTORS_H */
