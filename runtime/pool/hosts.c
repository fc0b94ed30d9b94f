/*
 * hosts.c - a pool across hosts (actor/pool.h, actor_host_pool_spawn;
 * docs/RUNTIME.md, "Pools across hosts").
 *
 * The pool is one local actor with the members' methods. Each message it
 * gets is forwarded to one member, an actor of another system (a ref from
 * actor_connect): the reachable member with the fewest of the pool's
 * calls in flight, in turn among equals. The member's answer is the
 * caller's (a deferred reply).
 *
 * A member is up or down. It goes down when a call to it ends UNREACHABLE
 * (its connection was refused, lost, or silent past the heartbeats) or when
 * the monitor kept on it fires (its system cannot be reached, or its actor
 * ended). A call that ended UNREACHABLE is sent to another member when it
 * never left (ACTOR_UNREACHABLE_NOT_SENT) or its method may be tried again
 * (@idempotent, @retries), else its caller gets the UNREACHABLE status: a
 * call that must not run twice never does. A down member is asked every
 * `rejoin_ms` whether it is back (a lookup of its name in its system's
 * registry); the first answer that finds it brings it up, watched again,
 * and it gets work again. While no member is up, calls are answered
 * UNAVAILABLE at once and casts are dead letters.
 */
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "actor/monitor.h"
#include "actor/pool.h"
#include "actor/remote.h"
#include "actor_system.h"
#include "core/actor_internal.h"
#include "supervise/supervise.h"
#include "transport/gateway.h"

#define REJOIN_DEFAULT_MS 250u
#define LOOKUP_TIMEOUT_MS 1000u
#define NAME_MAX_LEN 256u

typedef struct host_pool host_pool;

typedef struct member {
    size_t index;
    actor_ref ref;
    actor_ref registry; /* of the member's system: rejoin lookups go there */
    char name[NAME_MAX_LEN];
    bool up;
    bool probing;     /* a rejoin lookup or its timer is out */
    uint64_t monitor; /* while up: the monitor on it; 0: none */
    uint64_t in_flight;
    actor_host_member_stats stats;
} member;

/* A message the pool forwards; lives until it is answered. */
typedef struct forward {
    uint32_t method;
    bool request;
    uint8_t attempts;   /* times it was sent to another member after UNREACHABLE */
    member *to;         /* while in flight */
    int64_t deadline;   /* the caller's */
    actor_reply *reply; /* requests: the caller's deferred reply */
    size_t len;
    char body[];
} forward;

struct host_pool {
    const actor_type *type; /* the members' */
    actor_type own;         /* the pool's: the members' methods, forwarding, and stats */
    actor_method *methods;  /* type->n_methods + 1 */
    uint32_t rejoin_ms;
    size_t next; /* where the turn among equals starts */
    size_t n;
    member members[];
};

/* =============================================================== helpers */

static void answer(forward *f, actor_status_category category, int32_t code, const char *why)
{
    actor_status st;

    actor_status_set(&st, category, code, "%s", why);
    actor_reply_status(&f->reply, &st);
}

/* The up member with the fewest calls in flight, in turn among equals;
 * NULL when none is up. */
static member *pick(host_pool *hp)
{
    member *best = NULL;

    for (size_t i = 0; i < hp->n; i++) {
        member *m = &hp->members[(hp->next + i) % hp->n];
        if (m->up && (best == NULL || m->in_flight < best->in_flight))
            best = m;
    }
    if (best != NULL)
        hp->next = (best->index + 1) % hp->n;
    return best;
}

/* ============================================================ up and down */

static void watch(actor_ctx *ctx, member *m);
static void probe_later(host_pool *hp, actor_ctx *ctx, member *m);

static void member_down(host_pool *hp, actor_ctx *ctx, member *m)
{
    if (!m->up)
        return;
    m->up = false;
    m->stats.downs++;
    if (m->monitor != 0)
        actor_demonitor(actor_ctx_system(ctx), m->monitor);
    m->monitor = 0;
    probe_later(hp, ctx, m);
}

static void member_up(actor_ctx *ctx, member *m)
{
    if (m->up)
        return;
    m->up = true;
    m->stats.rejoins++;
    watch(ctx, m);
}

static void watched_down(void *state, actor_ctx *ctx, const actor_down *down, void *user)
{
    member *m = user;

    if (m->monitor != down->monitor)
        return; /* an earlier watch's */
    m->monitor = 0;
    member_down(state, ctx, m);
}

static void watch(actor_ctx *ctx, member *m)
{
    if (actor_ctx_monitor(ctx, m->ref, watched_down, m, &m->monitor) != 0)
        m->monitor = 0; /* calls still find out */
}

static void looked_up(void *state, actor_ctx *ctx, const actor_status *st, const char *body,
                      size_t len, void *user)
{
    host_pool *hp = state;
    member *m = user;

    (void)body;
    (void)len;
    m->probing = false;
    if (st->category == ACTOR_STATUS_OK)
        member_up(ctx, m);
    else
        probe_later(hp, ctx, m);
}

static void probe_now(void *state, actor_ctx *ctx, void *user)
{
    host_pool *hp = state;
    member *m = user;
    actor_method_ref lookup = {&actor_sys_Registry_type, actor_sys_Registry_METHOD_LOOKUP};
    actor_call_opts o = {ACTOR_PRIORITY_DEFAULT, LOOKUP_TIMEOUT_MS};
    actor_sys_Name name = {.name = m->name};
    msgpack_sbuffer *body = actor_encode_buffer();

    m->probing = false;
    if (actor_sys_Name_encode(&name, body) == 0 &&
        actor_ctx_request(ctx, m->registry, lookup, body->data, body->size, &o, looked_up, m,
                          NULL) == 0)
        m->probing = true;
    else
        probe_later(hp, ctx, m);
}

static void probe_later(host_pool *hp, actor_ctx *ctx, member *m)
{
    if (!m->probing && actor_ctx_after(ctx, hp->rejoin_ms, probe_now, m, NULL) == 0)
        m->probing = true;
}

/* ============================================================ forwarding */

static void forwarded(void *state, actor_ctx *ctx, const actor_status *st, const char *body,
                      size_t len, void *user);

static bool may_retry(const host_pool *hp, const forward *f, const actor_status *st)
{
    const actor_method *m = &hp->type->methods[f->method];

    return st->code == ACTOR_UNREACHABLE_NOT_SENT || f->attempts < actor__retries_allowed(m, 0);
}

/* Sends f to a member that is up, or answers it (none up, its deadline
 * passed). Takes f. */
static void send_forward(host_pool *hp, actor_ctx *ctx, forward *f)
{
    actor_method_ref method = {hp->type, f->method};
    actor_call_opts o = ACTOR_CALL_OPTS_DEFAULT;

    for (;;) {
        member *m = pick(hp);
        int rc;

        if (m == NULL) {
            if (f->request)
                answer(f, ACTOR_STATUS_UNAVAILABLE, 0, "no member of the pool is reachable");
            free(f);
            return;
        }
        if (f->deadline != 0 && actor_now_ns() >= f->deadline) {
            if (f->request)
                answer(f, ACTOR_STATUS_TIMEOUT, 0, "deadline passed before a member took it");
            free(f);
            return;
        }
        o.timeout_ms = actor__forward_timeout_ms(f->deadline);
        rc = f->request
                 ? actor_ctx_request(ctx, m->ref, method, f->body, f->len, &o, forwarded, f, NULL)
                 : actor_ctx_cast(ctx, m->ref, method, f->body, f->len, &o);
        if (rc == ACTOR_EUNREACHABLE) { /* known down: it never left */
            member_down(hp, ctx, m);
            continue;
        }
        if (rc != 0) {
            if (f->request)
                answer(f, ACTOR_STATUS_INTERNAL, 0, actor_strerror(rc));
            free(f);
            return;
        }
        m->stats.sent++;
        if (!f->request) {
            free(f);
            return;
        }
        m->in_flight++;
        f->to = m;
        return;
    }
}

static void forwarded(void *state, actor_ctx *ctx, const actor_status *st, const char *body,
                      size_t len, void *user)
{
    host_pool *hp = state;
    forward *f = user;
    member *m = f->to;

    m->in_flight--;
    f->to = NULL;
    if (st->category == ACTOR_STATUS_UNREACHABLE) {
        member_down(hp, ctx, m);
        if (may_retry(hp, f, st)) {
            f->attempts++;
            m->stats.retried++;
            send_forward(hp, ctx, f);
            return;
        }
    }
    if (st->category == ACTOR_STATUS_OK)
        actor_reply_send(&f->reply, body, len);
    else
        actor_reply_status(&f->reply, st);
    free(f);
}

/* ================================================================ the pool */

static int stats_reply(host_pool *hp, msgpack_sbuffer *reply_body)
{
    for (size_t i = 0; i < hp->n; i++) {
        actor_host_member_stats s = hp->members[i].stats;
        s.ref = hp->members[i].ref;
        s.up = hp->members[i].up;
        s.in_flight = hp->members[i].in_flight;
        if (msgpack_sbuffer_write(reply_body, (const char *)&s, sizeof s) != 0)
            return ACTOR_ENOMEM;
    }
    return ACTOR_INVOKE_REPLY;
}

static int pool_invoke(void *state, actor_ctx *ctx, const char *body, size_t len,
                       msgpack_sbuffer *reply_body)
{
    host_pool *hp = state;
    uint32_t index = (uint32_t)(actor__ctx_method(ctx) - hp->methods);
    forward *f;

    if (index == hp->type->n_methods)
        return stats_reply(hp, reply_body);
    f = malloc(sizeof *f + len);
    if (f == NULL)
        return ACTOR_ENOMEM;
    memset(f, 0, sizeof *f);
    f->method = index;
    f->request = hp->type->methods[index].kind == ACTOR_METHOD_RPC;
    f->deadline = actor_ctx_deadline(ctx);
    f->len = len;
    memcpy(f->body, body, len);
    if (f->request && actor_ctx_defer(ctx, &f->reply) != 0) {
        free(f);
        return ACTOR_ENOMEM;
    }
    send_forward(hp, ctx, f);
    return f->request ? ACTOR_INVOKE_DEFERRED : ACTOR_INVOKE_REPLY;
}

static int pool_init(void **state, const void *arg, actor_ctx *ctx)
{
    host_pool *hp = (host_pool *)(uintptr_t)arg;

    *state = hp;
    for (size_t i = 0; i < hp->n; i++)
        watch(ctx, &hp->members[i]);
    return 0;
}

static void pool_cleanup(void *state, actor_ctx *ctx)
{
    host_pool *hp = state;

    (void)ctx;
    free(hp->methods);
    free(hp);
}

static host_pool *pool_new(actor_system *sys, const actor_type *type, const actor_host_pool_opts *o)
{
    host_pool *hp = calloc(1, sizeof *hp + o->n_members * sizeof hp->members[0]);

    if (hp == NULL ||
        actor__stand_in_type(type, pool_invoke, "actor.host_pool_stats", ACTOR_METHOD_RPC,
                             pool_init, pool_cleanup, &hp->own, &hp->methods) != 0) {
        free(hp);
        return NULL;
    }
    hp->type = type;
    hp->rejoin_ms = o->rejoin_ms != 0 ? o->rejoin_ms : REJOIN_DEFAULT_MS;
    hp->n = o->n_members;
    for (size_t i = 0; i < hp->n; i++) {
        member *m = &hp->members[i];
        m->index = i;
        m->ref = o->members[i];
        m->up = true;
        if (actor__remote_registry(sys, m->ref, &m->registry, m->name, sizeof m->name) != 0) {
            free(hp->methods);
            free(hp);
            return NULL;
        }
    }
    return hp;
}

int actor_host_pool_spawn(actor_system *sys, const actor_type *type,
                          const actor_host_pool_opts *opts, actor_ref *pool)
{
    host_pool *hp;
    int rc;

    if (sys == NULL || type == NULL || opts == NULL || opts->n_members == 0 ||
        opts->members == NULL || pool == NULL)
        return ACTOR_EINVAL;
    for (size_t i = 0; i < opts->n_members; i++)
        if (!actor_ref_is_remote(opts->members[i]))
            return ACTOR_EINVAL;
    hp = pool_new(sys, type, opts);
    if (hp == NULL)
        return ACTOR_ENOMEM;
    rc = actor_spawn(sys, &hp->own, hp, NULL, pool);
    if (rc != 0) { /* init never ran: the pool is still ours */
        free(hp->methods);
        free(hp);
    }
    return rc;
}

/* The method count of the host pool `ref` names (its stats method is the
 * last); 0 when it is no host pool. */
static uint32_t host_pool_methods(actor_system *sys, actor_ref ref)
{
    actor__actor *a = actor__acquire(sys, ref);
    uint32_t n = 0;

    if (a != NULL && a->type->init == pool_init)
        n = (uint32_t)a->type->n_methods;
    if (a != NULL)
        actor__release(a);
    return n;
}

int actor_host_pool_stats(actor_system *sys, actor_client *c, actor_ref pool,
                          actor_host_member_stats *out, size_t cap, size_t *n)
{
    uint32_t methods = sys != NULL ? host_pool_methods(sys, pool) : 0;
    actor_method_ref stats = {NULL, methods - 1};
    msgpack_sbuffer reply;
    actor_status st;
    int rc = ACTOR_ENOTFOUND;

    if (c == NULL || n == NULL || (cap > 0 && out == NULL))
        return ACTOR_EINVAL;
    if (methods == 0)
        return ACTOR_ENOTFOUND;
    msgpack_sbuffer_init(&reply);
    if (actor_call(c, pool, stats, NULL, 0, NULL, &st, &reply) == 0 &&
        st.category == ACTOR_STATUS_OK && reply.size % sizeof *out == 0) {
        size_t count = reply.size / sizeof *out;
        *n = count;
        memcpy(out, reply.data, (count < cap ? count : cap) * sizeof *out);
        rc = 0;
    }
    msgpack_sbuffer_destroy(&reply);
    return rc;
}
