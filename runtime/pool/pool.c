/*
 * pool.c - pools (actor/pool.h; docs/RUNTIME.md, "Pools").
 *
 * A pool is a router in the actor table (actor__spawn_router): its ref
 * takes calls like any actor's, and whoever sends one asks pick() for the
 * instance to queue it on, on the sending thread: no hop through a pool
 * actor, no lock. The instances are the children of the pool's own
 * supervisor (one that fails children one at a time); pick() reads their
 * records (supervise.h) without the supervisor's lock.
 *
 * The instances a pick chooses from are an immutable array, replaced
 * whole when the pool grows or shrinks (under the pool's lock) and
 * published with a release store. Replaced arrays are kept until the pool
 * is freed: a sender may still be reading one, and resizes are rare.
 * A shrink takes the newest instances out of the array first, then
 * terminates them with drain: what they have queued and running is served;
 * a message that reaches one after it closed goes through the pool again
 * (actor__actor.owner), so none is lost or served twice.
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "actor/pool.h"
#include "supervise/supervise.h"

#define POOL_MAX 1024u

typedef struct members {
    struct members *retired; /* the array this one replaced */
    size_t n;
    actor__child *child[];
} members;

typedef struct pool {
    actor_system *sys;
    const actor_type *type;
    actor_ref self;
    actor_balance balance;
    unsigned slots;
    actor_supervisor *sup;  /* NULL once terminated */
    actor_supervisor *kept; /* retained: its child records outlive `sup` */
    actor_child_spec spec;  /* for growth; spec.spec: our copy */
    char *name;
    pthread_mutex_t lock; /* resizes; guards `draining` and the retired list */
    _Atomic(members *) members;
    actor__child **draining; /* taken out by shrinks, until their exit */
    size_t n_draining;
    atomic_bool terminated;
    atomic_uint_fast64_t next, routed, unavailable;
} pool;

/* ================================================================ picks */

/* Whether c takes new messages: live, and not suspected of hanging. */
static bool routable(const actor__child *c)
{
    return actor__child_state_of(c) == ACTOR__CHILD_LIVE &&
           !atomic_load_explicit(&c->suspect, memory_order_relaxed);
}

/* Whether c keeps its keys: alive, even while it restarts (its messages
 * wait for it). */
static bool keeps_keys(const actor__child *c)
{
    actor__child_state st = actor__child_state_of(c);

    return st == ACTOR__CHILD_LIVE || st == ACTOR__CHILD_CRASHED || st == ACTOR__CHILD_RESTARTING;
}

static uint64_t load_of(const actor__child *c)
{
    const actor__actor *a = atomic_load_explicit(&c->actor, memory_order_relaxed);

    return a != NULL ? actor__load(a) : UINT64_MAX;
}

/* A random number, from the pool's counter (no shared generator state). */
static uint64_t mix(uint64_t x)
{
    x += 0x9e3779b97f4a7c15ull;
    x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
    x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
    return x ^ (x >> 31);
}

/* Jump consistent hashing (Lamping and Veach, 2014): the bucket of `key`
 * among n; growing n to n+1 moves only the keys that go to the new one. */
static size_t jump_hash(uint64_t key, size_t n)
{
    int64_t b = -1, j = 0;

    while (j < (int64_t)n) {
        b = j;
        key = key * 2862933555777941757ull + 1;
        j = (int64_t)((double)(b + 1) * ((double)(1ll << 31) / (double)((key >> 33) + 1)));
    }
    return (size_t)b;
}

static uint64_t fnv1a(uint64_t h, const uint8_t *p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        h = (h ^ p[i]) * 0x100000001b3ull;
    return h;
}

/* The hash of a msgpack value as the key's meaning, not its encoding: an
 * integer by its value, a string or bytes by their content, a bool as 0
 * or 1; zero, empty and absent hash alike (encoders may leave defaults
 * out). */
static uint64_t hash_value(const uint8_t *v, const uint8_t *end)
{
    uint64_t h = 0xcbf29ce484222325ull, x = 0;
    uint8_t b = *v, le[8];
    size_t n = 0, hdr = 0;

    if (b <= 0x7f || b >= 0xe0) { /* fixints */
        x = b >= 0xe0 ? (uint64_t)(int64_t)(int8_t)b : b;
    } else if (b >= 0xcc && b <= 0xd3) { /* uint8..64, int8..64 */
        size_t w = (size_t)1 << ((b - 0xcc) & 3);
        bool sign = b >= 0xd0;
        if ((size_t)(end - v) < 1 + w)
            return h;
        for (size_t i = 0; i < w; i++)
            x = x << 8 | v[1 + i];
        if (sign && w < 8 && (x >> (8 * w - 1)) != 0)
            x |= ~(uint64_t)0 << (8 * w);
    } else if (b == 0xc2 || b == 0xc3) {
        x = b == 0xc3;
    } else if ((b & 0xe0) == 0xa0) { /* fixstr */
        hdr = 1, n = b & 0x1f;
    } else if (b == 0xd9 || b == 0xc4) {
        hdr = 2, n = (size_t)(end - v) >= 2 ? v[1] : 0;
    } else if (b == 0xda || b == 0xc5) {
        hdr = 3, n = (size_t)(end - v) >= 3 ? (size_t)v[1] << 8 | v[2] : 0;
    } else if (b == 0xdb || b == 0xc6) {
        hdr = 5;
        n = (size_t)(end - v) >= 5
                ? (size_t)v[1] << 24 | (size_t)v[2] << 16 | (size_t)v[3] << 8 | v[4]
                : 0;
    } else {
        return fnv1a(h, v, 1); /* not a key type (the IDL forbids it) */
    }
    if (hdr != 0)
        return (size_t)(end - v) >= hdr + n ? fnv1a(h, v + hdr, n) : h;
    if (x == 0)
        return h;
    for (int i = 0; i < 8; i++)
        le[i] = (uint8_t)(x >> (8 * i));
    return fnv1a(h, le, sizeof le);
}

/* The hash of field `id` of the encoded message body (a map by field id);
 * a body that does not parse hashes as an absent key. */
static uint64_t key_of(const char *body, size_t len, uint32_t id)
{
    actor_reader r;
    uint32_t n, field;

    actor_reader_init(&r, body, len, NULL, NULL);
    if (len == 0 || actor_read_map_begin(&r, &n) != 0)
        return hash_value((const uint8_t *)"", (const uint8_t *)"");
    for (uint32_t i = 0; i < n; i++) {
        if (actor_read_field_id(&r, &field) != 0)
            break;
        if (field == id)
            return hash_value(r.p, r.end);
        if (actor_skip(&r) != 0)
            break;
    }
    return hash_value((const uint8_t *)"", (const uint8_t *)"");
}

/* The instance for `key`: its own while it lives; when it has failed or
 * drains, the same choice among those that take messages. */
static actor__child *by_key(const members *m, uint64_t key)
{
    actor__child *c = m->child[jump_hash(key, m->n)];
    size_t live = 0, k;

    if (keeps_keys(c))
        return c;
    for (size_t i = 0; i < m->n; i++)
        live += routable(m->child[i]);
    if (live == 0)
        return NULL;
    k = jump_hash(mix(key), live);
    for (size_t i = 0; i < m->n; i++)
        if (routable(m->child[i]) && k-- == 0)
            return m->child[i];
    return NULL;
}

/* The routable instance with the least load, the scan starting at a
 * rotating place so that ties spread. */
static actor__child *least_loaded(const members *m, uint64_t start)
{
    actor__child *best = NULL;
    uint64_t best_load = UINT64_MAX;

    for (size_t k = 0; k < m->n; k++) {
        actor__child *c = m->child[(start + k) % m->n];
        uint64_t l;
        if (!routable(c))
            continue;
        l = load_of(c);
        if (best == NULL || l < best_load) {
            best = c;
            best_load = l;
        }
        if (l == 0)
            break; /* idle: nothing beats it */
    }
    return best;
}

/* The less loaded of two routable instances taken at random. */
static actor__child *random2(const members *m, uint64_t r)
{
    actor__child *a = m->child[r % m->n], *b = m->child[(r >> 32) % m->n];

    if (!routable(a))
        a = NULL;
    if (!routable(b))
        b = NULL;
    if (a == NULL && b == NULL)
        return least_loaded(m, r);
    if (a == NULL || b == NULL)
        return a != NULL ? a : b;
    return load_of(b) < load_of(a) ? b : a;
}

static actor__child *round_robin(const members *m, uint64_t start)
{
    for (size_t k = 0; k < m->n; k++) {
        actor__child *c = m->child[(start + k) % m->n];
        if (routable(c))
            return c;
    }
    return NULL;
}

/* None takes messages now: one that is restarting will, after it (its
 * mailbox keeps them). NULL when every instance has failed. */
static actor__child *restarting(const members *m, uint64_t start)
{
    for (size_t k = 0; k < m->n; k++) {
        actor__child *c = m->child[(start + k) % m->n];
        if (keeps_keys(c))
            return c;
    }
    return NULL;
}

/* actor__router_ops.pick: any thread, concurrently. */
static actor__actor *pick(void *state, const actor_method *method, const char *body, size_t len)
{
    pool *p = state;
    const members *m = atomic_load_explicit(&p->members, memory_order_acquire);
    uint64_t turn = atomic_fetch_add_explicit(&p->next, 1, memory_order_relaxed);
    actor__child *c = NULL;
    actor__actor *a = NULL;

    if (atomic_load_explicit(&p->terminated, memory_order_relaxed))
        m = NULL; /* its instances are going */
    for (int tries = 0; m != NULL && a == NULL && tries < 3 && m->n != 0; tries++, turn++) {
        switch (p->balance) {
        case ACTOR_BALANCE_KEY_HASH:
            c = method != NULL && method->key_field != 0
                    ? by_key(m, key_of(body, len, method->key_field))
                    : round_robin(m, turn);
            break;
        case ACTOR_BALANCE_LEAST_LOADED:
            c = least_loaded(m, turn);
            break;
        case ACTOR_BALANCE_RANDOM2:
            c = random2(m, mix(turn));
            break;
        case ACTOR_BALANCE_ROUND_ROBIN:
        default:
            c = round_robin(m, turn);
            break;
        }
        if (c == NULL)
            c = restarting(m, turn);
        if (c == NULL)
            break;
        a = actor__acquire(p->sys, actor__child_ref(c)); /* NULL: just respawned, look again */
    }
    if (a == NULL)
        atomic_fetch_add_explicit(&p->unavailable, 1, memory_order_relaxed);
    else
        atomic_fetch_add_explicit(&p->routed, 1, memory_order_relaxed);
    return a;
}

/* ============================================================ lifetime */

static void members_free(members *m)
{
    while (m != NULL) {
        members *older = m->retired;
        free(m);
        m = older;
    }
}

/* actor__router_ops.terminate: the supervisor goes first (nothing
 * restarts any more), then each instance, as the pool was asked. */
static void terminate(void *state, bool drain)
{
    pool *p = state;
    actor_supervisor *sup;

    pthread_mutex_lock(&p->lock);
    sup = p->sup;
    p->sup = NULL;
    atomic_store(&p->terminated, true);
    pthread_mutex_unlock(&p->lock);
    actor_supervisor_destroy(&sup, drain);
}

/* actor__router_ops.free: the router's last reference went. */
static void pool_free(void *state)
{
    pool *p = state;

    terminate(p, false); /* when it was never terminated (spawn failed) */
    if (p->kept != NULL)
        actor__supervisor_release(p->kept); /* no sender can read the records now */
    members_free(atomic_load(&p->members));
    free(p->draining);
    free((void *)(uintptr_t)p->spec.spec);
    actor_shared_state_release(p->spec.shared_state); /* each instance holds its own */
    free(p->name);
    pthread_mutex_destroy(&p->lock);
    free(p);
}

/* actor__router_ops.members: the instances' refs. */
static size_t members_now(void *state, actor_ref *out, size_t cap)
{
    pool *p = state;
    const members *m;
    size_t n;

    pthread_mutex_lock(&p->lock);
    m = atomic_load_explicit(&p->members, memory_order_relaxed);
    n = m->n;
    for (size_t i = 0; i < n && i < cap; i++)
        out[i] = actor__child_ref(m->child[i]);
    pthread_mutex_unlock(&p->lock);
    return n;
}

static const actor__router_ops pool_ops = {
    .pick = pick,
    .terminate = terminate,
    .free = pool_free,
    .members = members_now,
};

/* The pool `ref` names (with the router's reference, released by the
 * caller through *router), or NULL. */
static pool *pool_of(actor_system *sys, actor_ref ref, actor__actor **router)
{
    actor__actor *a = sys != NULL ? actor__acquire(sys, ref) : NULL;

    *router = a;
    if (a != NULL && a->router == &pool_ops)
        return a->router_state;
    if (a != NULL)
        actor__release(a);
    *router = NULL;
    return NULL;
}

/* A copy of m with `add` more room, the first n of m's children in it. */
static members *members_copy(const members *m, size_t n, size_t add)
{
    members *c = calloc(1, sizeof *c + (n + add) * sizeof c->child[0]);

    if (c == NULL)
        return NULL;
    if (m != NULL)
        memcpy(c->child, m->child, n * sizeof c->child[0]);
    c->n = n;
    return c;
}

/* Publishes `next`, keeping the array it replaces (p->lock held). */
static void publish(pool *p, members *next)
{
    next->retired = atomic_load_explicit(&p->members, memory_order_relaxed);
    atomic_store_explicit(&p->members, next, memory_order_release);
}

/* Adds n instances (p->lock held). */
static int grow(pool *p, unsigned n)
{
    const members *m = atomic_load_explicit(&p->members, memory_order_relaxed);
    members *next = members_copy(m, m != NULL ? m->n : 0, n);
    int rc = 0;

    if (next == NULL)
        return ACTOR_ENOMEM;
    for (unsigned i = 0; i < n && rc == 0; i++) {
        actor__child *c;
        rc = actor__supervisor_add(p->sup, &p->spec, &c);
        if (rc == 0)
            next->child[next->n++] = c;
    }
    if (next->n == (m != NULL ? m->n : 0)) {
        free(next);
        return rc;
    }
    publish(p, next); /* the ones that started serve, even when a later one failed */
    return rc;
}

/* Takes the newest n instances out, then lets them finish (p->lock held). */
static int shrink(pool *p, unsigned n)
{
    const members *m = atomic_load_explicit(&p->members, memory_order_relaxed);
    members *next;
    actor__child **d;

    if (n >= m->n)
        return ACTOR_EINVAL;
    next = members_copy(m, m->n - n, 0);
    d = realloc(p->draining, (p->n_draining + n) * sizeof *d);
    if (next == NULL || d == NULL) {
        free(next);
        if (d != NULL)
            p->draining = d;
        return ACTOR_ENOMEM;
    }
    p->draining = d;
    publish(p, next); /* no new message reaches them from now on */
    for (size_t i = m->n - n; i < m->n; i++) {
        actor__child *c = m->child[i];
        actor__supervisor_remove(p->sup, c); /* its exit is no crash */
        p->draining[p->n_draining++] = c;
        actor_terminate(p->sys, actor__child_ref(c), true);
    }
    return 0;
}

int actor_pool_spawn(actor_system *sys, const actor_type *type, actor_spawn_fn spawn,
                     const void *spec, size_t spec_size, const actor_pool_opts *opts,
                     actor_ref *out)
{
    actor_pool_opts o = {0};
    actor_supervisor_opts so = {0};
    pool *p;
    int rc;

    if (opts != NULL)
        o = *opts;
    if (sys == NULL || type == NULL || spawn == NULL || out == NULL ||
        (spec == NULL && spec_size != 0) || o.size > POOL_MAX ||
        (unsigned)o.balance > ACTOR_BALANCE_KEY_HASH ||
        (unsigned)o.isolation > ACTOR_ISOLATION_PROCESS ||
        (o.shared_state && o.isolation == ACTOR_ISOLATION_PROCESS))
        return ACTOR_EINVAL;
    p = calloc(1, sizeof *p);
    if (p == NULL)
        return ACTOR_ENOMEM;
    p->sys = sys;
    p->type = type;
    p->balance = o.balance;
    p->slots = o.slots != 0 ? o.slots : 1;
    p->name = strdup(o.name != NULL ? o.name : type->name);
    p->spec.type = type;
    p->spec.spawn = spawn;
    p->spec.spec_size = spec_size;
    p->spec.isolation = o.isolation;
    p->spec.checkpoint_every = o.checkpoint_every;
    p->spec.max_task_retries = o.max_task_retries;
    p->spec.spec = spec_size != 0 ? malloc(spec_size) : NULL;
    pthread_mutex_init(&p->lock, NULL);
    if (o.shared_state && actor_shared_state_new(&p->spec.shared_state) != 0) {
        pool_free(p);
        return ACTOR_ENOMEM;
    }
    if (p->name == NULL || (spec_size != 0 && p->spec.spec == NULL)) {
        pool_free(p);
        return ACTOR_ENOMEM;
    }
    if (spec_size != 0)
        memcpy((void *)(uintptr_t)p->spec.spec, spec, spec_size);
    so.strategy = ACTOR_ONE_FOR_ONE;
    so.restart = o.restart;
    so.health_interval_ms = o.health_interval_ms;
    so.health_timeout_ms = o.health_timeout_ms;
    so.name = p->name;
    so.report = o.report;
    so.report_user = o.report_user;
    rc = actor__supervisor_new_pool(sys, &so, &p->sup);
    if (rc == 0) {
        p->kept = p->sup;
        actor__supervisor_retain(p->kept);
    }
    if (rc == 0) {
        members *none = members_copy(NULL, 0, 0);
        atomic_init(&p->members, none);
        if (none == NULL)
            rc = ACTOR_ENOMEM;
    }
    if (rc == 0)
        rc = actor__spawn_router(sys, type, &pool_ops, p, &p->self);
    if (rc != 0) {
        pool_free(p);
        return rc;
    }
    actor__supervisor_set_owner(p->sup, p->self);
    /* from here the router owns p: terminating it frees everything */
    pthread_mutex_lock(&p->lock);
    rc = grow(p, o.size != 0 ? o.size : 1);
    pthread_mutex_unlock(&p->lock);
    if (rc != 0) {
        actor_terminate(sys, p->self, false);
        return rc;
    }
    *out = p->self;
    return 0;
}

int actor_pool_scale(actor_system *sys, actor_ref ref, int delta)
{
    actor__actor *router;
    pool *p = pool_of(sys, ref, &router);
    const members *m;
    int rc;

    if (p == NULL)
        return ACTOR_ENOTFOUND;
    pthread_mutex_lock(&p->lock);
    m = atomic_load_explicit(&p->members, memory_order_relaxed);
    if (p->sup == NULL)
        rc = ACTOR_ECLOSED;
    else if (delta > 0 && m->n + (size_t)delta > POOL_MAX)
        rc = ACTOR_EINVAL;
    else if (delta > 0)
        rc = grow(p, (unsigned)delta);
    else if (delta < 0)
        rc = shrink(p, (unsigned)-delta);
    else
        rc = 0;
    pthread_mutex_unlock(&p->lock);
    actor__release(router);
    return rc;
}

/* ================================================================ stats */

/* The instances taken out by shrinks that have not exited yet (lock held). */
static size_t count_draining(pool *p)
{
    size_t n = 0;

    for (size_t i = 0; i < p->n_draining; i++) {
        actor__actor *a = actor__acquire(p->sys, actor__child_ref(p->draining[i]));
        if (a != NULL) {
            n++;
            actor__release(a);
        }
    }
    return n;
}

int actor_pool_stats_get(actor_system *sys, actor_ref ref, actor_pool_stats *out)
{
    actor__actor *router;
    pool *p = pool_of(sys, ref, &router);
    actor_supervisor_stats ss;
    const members *m;

    if (p == NULL || out == NULL) {
        if (p != NULL)
            actor__release(router);
        return p == NULL ? ACTOR_ENOTFOUND : ACTOR_EINVAL;
    }
    memset(out, 0, sizeof *out);
    pthread_mutex_lock(&p->lock);
    m = atomic_load_explicit(&p->members, memory_order_relaxed);
    out->size = m->n;
    for (size_t i = 0; i < m->n; i++) {
        actor__child *c = m->child[i];
        const actor__actor *a = atomic_load(&c->actor);
        uint64_t l = load_of(c);

        out->retried += atomic_load(&c->retried) + (a != NULL ? atomic_load(&a->retried) : 0);
        actor__child_tally(c, &out->live, &out->restarting, &out->failed);
        if (actor__child_state_of(c) == ACTOR__CHILD_FAILED || l == UINT64_MAX)
            continue;
        out->in_flight += l;
        if (routable(c) && l < p->slots)
            out->free_slots += p->slots - l;
    }
    out->draining = count_draining(p);
    actor_supervisor_stats_get(p->kept, &ss);
    pthread_mutex_unlock(&p->lock);
    out->routed = atomic_load(&p->routed);
    out->unavailable = atomic_load(&p->unavailable);
    out->restarts = ss.restarts;
    out->failures = ss.failures;
    actor__release(router);
    return 0;
}

uint64_t actor_pool_in_flight(actor_system *sys, actor_ref pool_ref)
{
    actor_pool_stats st;

    return actor_pool_stats_get(sys, pool_ref, &st) == 0 ? st.in_flight : 0;
}

uint64_t actor_pool_free_slots(actor_system *sys, actor_ref pool_ref)
{
    actor_pool_stats st;

    return actor_pool_stats_get(sys, pool_ref, &st) == 0 ? st.free_slots : 0;
}

bool actor_pool_has_free(actor_system *sys, actor_ref pool_ref)
{
    return actor_pool_free_slots(sys, pool_ref) != 0;
}

/* Fills out[] from the members, each through `get`; as actor_pool_members. */
static int each_member(actor_system *sys, actor_ref ref, size_t cap, size_t *n,
                       void (*get)(const actor__child *c, size_t i, void *out), void *out)
{
    actor__actor *router;
    pool *p = pool_of(sys, ref, &router);
    const members *m;

    if (p == NULL)
        return ACTOR_ENOTFOUND;
    if (n == NULL || (out == NULL && cap != 0)) {
        actor__release(router);
        return ACTOR_EINVAL;
    }
    pthread_mutex_lock(&p->lock);
    m = atomic_load_explicit(&p->members, memory_order_relaxed);
    *n = m->n;
    for (size_t i = 0; i < m->n && i < cap; i++)
        get(m->child[i], i, out);
    pthread_mutex_unlock(&p->lock);
    actor__release(router);
    return 0;
}

static void get_ref(const actor__child *c, size_t i, void *out)
{
    ((actor_ref *)out)[i] = actor__child_ref(c);
}

static void get_pid(const actor__child *c, size_t i, void *out)
{
    ((int *)out)[i] = atomic_load(&c->pid);
}

int actor_pool_members(actor_system *sys, actor_ref ref, actor_ref *out, size_t cap, size_t *n)
{
    return each_member(sys, ref, cap, n, get_ref, out);
}

int actor_pool_pids(actor_system *sys, actor_ref ref, int *out, size_t cap, size_t *n)
{
    return each_member(sys, ref, cap, n, get_pid, out);
}

actor_supervisor *actor_pool_supervisor(actor_system *sys, actor_ref ref)
{
    actor__actor *router;
    pool *p = pool_of(sys, ref, &router);
    actor_supervisor *s;

    if (p == NULL)
        return NULL;
    pthread_mutex_lock(&p->lock);
    s = p->sup;
    pthread_mutex_unlock(&p->lock);
    actor__release(router);
    return s;
}
