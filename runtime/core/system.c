/*
 * system.c - the actor system: creation and shutdown, the actor table (slot
 * and generation ids, so a stale ref fails cleanly), spawn and the lifecycle
 * calls (activate, deactivate, terminate), statistics and status helpers.
 * Lookups by ref take no lock (actor__acquire).
 * The transport layer (runtime/transport/) attaches itself on its first use
 * (actor__transport_attach) and is destroyed after the workers have stopped.
 */
#define _GNU_SOURCE /* PTHREAD_MUTEX_ADAPTIVE_NP */
#include <pthread.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "core/actor_internal.h"

/* =============================================================== helpers */

int64_t actor_now_ns(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/* CLOCK_MONOTONIC_COARSE is CLOCK_MONOTONIC as of the last tick: ~4 ns
 * a read here against ~18 ns, behind the precise clock by at most its
 * resolution (a tick). Two reads of the clock per message (the deadline,
 * then the expiry check before the handler) were ~15% of a cast's CPU.
 * Deadlines at least this far away are computed from it, late by at most
 * coarse_slack_ns(): under 1% of the timeout. */
#define COARSE_MIN_TIMEOUT_MS 1000u

/* How far the precise clock may be ahead of the coarse one (two ticks and
 * a millisecond, to be safe); 0: no coarse clock, use the precise one. */
static int64_t coarse_slack_ns(void)
{
    static atomic_llong slack = -1; /* -1: not asked yet */
    long long s = atomic_load_explicit(&slack, memory_order_relaxed);
    struct timespec res;

    if (s >= 0)
        return s;
    s = 0;
    if (clock_getres(CLOCK_MONOTONIC_COARSE, &res) == 0 && res.tv_sec == 0)
        s = 2 * (long long)res.tv_nsec + 1000000;
    atomic_store_explicit(&slack, s, memory_order_relaxed);
    return s;
}

static int64_t coarse_now_ns(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC_COARSE, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

int64_t actor__deadline_after(uint32_t timeout_ms)
{
    int64_t slack = timeout_ms >= COARSE_MIN_TIMEOUT_MS ? coarse_slack_ns() : 0;

    if (slack != 0) /* never earlier than precise now + timeout */
        return coarse_now_ns() + slack + (int64_t)timeout_ms * 1000000;
    return actor_now_ns() + (int64_t)timeout_ms * 1000000;
}

int64_t actor__spin_until(const actor_system *sys)
{
    return sys->opts.call_spin_us > 0 ? actor_now_ns() + (int64_t)sys->opts.call_spin_us * 1000 : 0;
}

bool actor__deadline_passed(int64_t deadline)
{
    int64_t slack;

    if (deadline == 0)
        return false;
    slack = coarse_slack_ns();
    if (slack != 0 && deadline > coarse_now_ns() + slack)
        return false; /* certainly ahead, without the precise read */
    return actor_now_ns() > deadline;
}

const char *actor_status_name(actor_status_category category)
{
    static const char *const names[] = {"OK",       "ERROR",      "TIMEOUT",   "DIED",
                                        "REJECTED", "DECODE",     "NOT_FOUND", "UNAUTHORIZED",
                                        "INTERNAL", "UNAVAILABLE", "UNREACHABLE"};

    if ((unsigned)category < sizeof(names) / sizeof(names[0]))
        return names[category];
    return "UNKNOWN";
}

/* Copies text into st->message, truncated as vsnprintf would. */
static void status_copy_message(actor_status *st, const char *text)
{
    size_t n = strnlen(text, sizeof(st->message) - 1);

    memcpy(st->message, text, n);
    st->message[n] = '\0';
}

void actor_status_set(actor_status *st, actor_status_category category, int32_t code,
                      const char *fmt, ...)
{
    va_list ap;

    st->category = category;
    st->code = code;
    va_start(ap, fmt);
    if (strcmp(fmt, "%s") == 0) /* the common case, without vsnprintf's cost */
        status_copy_message(st, va_arg(ap, const char *));
    else if (strchr(fmt, '%') == NULL)
        status_copy_message(st, fmt);
    else
        vsnprintf(st->message, sizeof(st->message), fmt, ap);
    va_end(ap);
    actor__text_fix_utf8(st->message);
}

void actor__status_copy(actor_status *dst, const actor_status *src)
{
    size_t len = strnlen(src->message, sizeof src->message - 1);

    dst->category = src->category;
    dst->code = src->code;
    memcpy(dst->message, src->message, len);
    dst->message[len] = '\0';
}

/* Ids a thread takes from its system's counter at a time. */
#define ID_BLOCK 256u

/* The calling thread's ids: next..end-1 of the system numbered `serial`
 * (a number, not the pointer: a new system may reuse a freed one's
 * address, and must not be handed the old one's ids). */
static _Thread_local struct id_block {
    uint64_t serial, next, end;
} id_block;

static atomic_uint_fast64_t system_serials;

/* One atomic add per ID_BLOCK ids, not per message: the add was ~6% of a
 * cast's samples (a locked instruction right after the message's stores).
 * Ids stay unique within the system; across threads they are not in
 * order. */
uint64_t actor__next_id(actor_system *sys)
{
    struct id_block *b = &id_block;

    if (b->serial != sys->serial || b->next == b->end) {
        b->next = atomic_fetch_add_explicit(&sys->next_id, ID_BLOCK, memory_order_relaxed) + 1;
        b->end = b->next + ID_BLOCK;
        b->serial = sys->serial;
    }
    return b->next++;
}

actor__shard *actor__shard_of(actor_system *sys, uint64_t id)
{
    return &sys->shards[id % ACTOR__SHARDS];
}

/* ================================================================= table */

/* Finding an actor by ref takes no lock (docs/RUNTIME.md, "The actor
 * table"): the slots never move (chunks, see ACTOR__SLOT_CHUNK0) and an
 * actor's struct is never given back to malloc before the system goes
 * (spares), so a lookup racing with an exit reads a slot and a refs count
 * that still exist, and checks afterwards that what it counted is what the
 * slot names. Spawns and exits take the table lock. */

static uint32_t slot_of(actor_ref ref)
{
    return (uint32_t)(ref.id & 0xffffffffu);
}

static uint32_t gen_of(actor_ref ref)
{
    return (uint32_t)(ref.id >> 32);
}

/* The chunk holding slot index i (the slot number - 1); *offset receives
 * i's place in it. Chunk k starts at index CHUNK0 * (2^k - 1). */
static unsigned chunk_of(uint32_t i, uint32_t *offset)
{
    uint32_t q = i / ACTOR__SLOT_CHUNK0 + 1;
    unsigned k = 31u - (unsigned)__builtin_clz(q);

    *offset = i - ACTOR__SLOT_CHUNK0 * ((1u << k) - 1);
    return k;
}

/* The entry of slot number `slot` (>= 1); NULL when its chunk does not
 * exist yet. Any thread. */
static actor__slot *slot_entry(actor_system *sys, uint32_t slot)
{
    uint32_t offset;
    unsigned k = chunk_of(slot - 1, &offset);
    actor__slot *chunk = atomic_load_explicit(&sys->slot_chunks[k], memory_order_acquire);

    return chunk != NULL ? &chunk[offset] : NULL;
}

/* The entry of a slot number in use (<= n_slots). Table lock held. */
static actor__slot *slot_at(actor_system *sys, uint32_t slot)
{
    uint32_t offset;
    unsigned k = chunk_of(slot - 1, &offset);

    return &atomic_load_explicit(&sys->slot_chunks[k], memory_order_relaxed)[offset];
}

/* One more reference on a, unless its count is 0: freed (a spare, or a
 * spare being set up for a spawn), which no lookup may revive. */
static bool ref_unless_freed(actor__actor *a)
{
    unsigned n = atomic_load(&a->refs);

    while (n != 0)
        if (atomic_compare_exchange_weak(&a->refs, &n, n + 1))
            return true;
    return false;
}

/* The atomics here are sequentially consistent: the slot's loads after the
 * increment see the table as it was then, or later. */
actor__actor *actor__acquire(actor_system *sys, actor_ref ref)
{
    uint32_t slot = slot_of(ref), gen = gen_of(ref);
    actor__slot *s = slot != 0 ? slot_entry(sys, slot) : NULL;
    actor__actor *a = s != NULL ? atomic_load(&s->actor) : NULL;

    if (a == NULL || atomic_load(&s->gen) != gen || !ref_unless_freed(a))
        return NULL;
    /* Between the load and the increment, a may have exited and its
     * struct been reused by a spawn, here or in another slot: then the
     * slot no longer names a with this generation. While counted, a stays
     * what it is now. */
    if (atomic_load(&s->actor) == a && atomic_load(&s->gen) == gen)
        return a;
    actor__release(a);
    return NULL;
}

/* Adds a struct whose last reference went to the spares. */
static void spare_put(actor_system *sys, actor__actor *a)
{
    pthread_mutex_lock(&sys->table_lock);
    a->run_next = sys->spares;
    sys->spares = a;
    pthread_mutex_unlock(&sys->table_lock);
}

/* A struct for a new actor, zeroed but for `refs` (which stays 0): a
 * spare, or a new one. NULL when out of memory. */
static actor__actor *spare_take(actor_system *sys)
{
    const size_t at = offsetof(actor__actor, refs), after = at + sizeof(atomic_uint);
    actor__actor *a;

    pthread_mutex_lock(&sys->table_lock);
    a = sys->spares;
    if (a != NULL)
        sys->spares = a->run_next;
    pthread_mutex_unlock(&sys->table_lock);
    if (a == NULL) {
        /* aligned: the fields senders write have cache lines of their
         * own (sizeof is a multiple of the alignment) */
        a = aligned_alloc(_Alignof(actor__actor), sizeof(*a));
        if (a == NULL)
            return NULL;
        atomic_init(&a->refs, 0);
    }
    /* a lookup holding a stale pointer may be testing refs meanwhile */
    memset(a, 0, at);
    memset((char *)a + after, 0, sizeof(*a) - after);
    return a;
}

/* Frees the spares (system destroy). */
static void spares_free(actor_system *sys)
{
    while (sys->spares != NULL) {
        actor__actor *a = sys->spares;

        sys->spares = a->run_next;
        free(a);
    }
}

static void actor_free(actor__actor *a)
{
    if (a->router != NULL)
        a->router->free(a->router_state);
    if (a->owner != NULL)
        actor__release(a->owner);
    msgpack_sbuffer_destroy(&a->checkpoint);
    actor__latency_free(a);
    actor_shared_state_release(a->shared);
    actor__mailbox_fini(&a->mb);
    actor__idmap_fini(&a->requests);
    pthread_cond_destroy(&a->room);
    pthread_mutex_destroy(&a->lock);
    spare_put(a->sys, a);
}

void actor__release(actor__actor *a)
{
    if (atomic_fetch_sub(&a->refs, 1) == 1)
        actor_free(a);
}

/* Makes sure the chunk of slot index i exists. Table lock held. */
static int table_grow(actor_system *sys, size_t i)
{
    uint32_t offset;
    unsigned k;
    actor__slot *chunk;

    if (i >= UINT32_MAX) /* slot numbers are 32 bits, 0 is none */
        return ACTOR_ENOMEM;
    k = chunk_of((uint32_t)i, &offset);
    if (atomic_load_explicit(&sys->slot_chunks[k], memory_order_relaxed) != NULL)
        return 0;
    chunk = calloc((size_t)ACTOR__SLOT_CHUNK0 << k, sizeof(*chunk));
    if (chunk == NULL)
        return ACTOR_ENOMEM;
    atomic_store_explicit(&sys->slot_chunks[k], chunk, memory_order_release);
    return 0;
}

/* Takes a free slot for `a` and sets a->ref. Table lock held. */
static int table_insert(actor_system *sys, actor__actor *a)
{
    uint32_t slot, gen;
    actor__slot *s;

    if (sys->free_head != 0) {
        slot = sys->free_head;
        s = slot_at(sys, slot);
        sys->free_head = s->next_free;
    } else {
        int rc = table_grow(sys, sys->n_slots);

        if (rc != 0)
            return rc;
        slot = (uint32_t)++sys->n_slots;
        s = slot_at(sys, slot);
    }
    /* below 2^31: ids with the top bit set are remote refs (remote.c) */
    gen = (atomic_load_explicit(&s->gen, memory_order_relaxed) + 1) & 0x7fffffffu;
    if (gen == 0)
        gen = 1;
    s->next_free = 0;
    a->ref.id = ((uint64_t)gen << 32) | slot;
    a->wait_timer.owner = a->ref;
    atomic_store(&s->gen, gen);
    atomic_store(&s->actor, a); /* last: a lookup that finds a sees it whole */
    sys->live++;
    return 0;
}

void actor__table_remove(actor__actor *a)
{
    actor_system *sys = a->sys;
    uint32_t slot = slot_of(a->ref);
    actor__slot *s;

    pthread_mutex_lock(&sys->table_lock);
    s = slot_at(sys, slot);
    atomic_store(&s->actor, NULL);
    s->next_free = sys->free_head;
    sys->free_head = slot;
    if (--sys->live == 0)
        pthread_cond_broadcast(&sys->all_dead);
    pthread_mutex_unlock(&sys->table_lock);
    actor__release(a); /* the table's reference */
}

/* ============================================================ scheduling */

bool actor__runnable(const actor__actor *a)
{
    if (a->dead)
        return false;
    if (!a->initialized || a->mb.system.n != 0)
        return true;
    if (a->terminating) /* a drain waiting for replies wakes up with one */
        return !(a->drain && a->awaiting);
    if (a->restart_pending)
        return true;
    return a->active && !a->crashed && a->mb.count != 0;
}

bool actor__claim_schedule(actor__actor *a)
{
    for (;;) {
        actor__mailbox_drain(&a->mb);
        if (a->sched != ACTOR__IDLE)
            return false; /* its worker drains the inbox again before it idles */
        if (actor__runnable(a)) {
            a->sched = ACTOR__SCHEDULED;
            actor__mailbox_unmark_idle(&a->mb);
            return true;
        }
        /* idle: the next sender to push onto the inbox is told to
         * schedule it, unless a push came since the drain */
        if (actor__mailbox_mark_idle(&a->mb))
            return false;
    }
}

/* ================================================================= spawn */

/* An actor's lock is held for a few hundred instructions at a time (a
 * push, a batch of pops), by a sender and the worker running the actor at
 * once. glibc's default mutex puts a contended locker to sleep in the
 * kernel at once, which costs far more than the wait: an adaptive mutex
 * spins a little first. */
static void actor_lock_init(pthread_mutex_t *lock)
{
    pthread_mutexattr_t attr;

    pthread_mutexattr_init(&attr);
#ifdef PTHREAD_MUTEX_ADAPTIVE_NP
    pthread_mutexattr_settype(&attr, PTHREAD_MUTEX_ADAPTIVE_NP);
#endif
    pthread_mutex_init(lock, &attr);
    pthread_mutexattr_destroy(&attr);
}

static actor__actor *actor_new(actor_system *sys, const actor_type *type, const void *arg,
                               const actor_spawn_opts *opts)
{
    actor__actor *a = spare_take(sys);
    pthread_condattr_t attr;
    size_t max_bytes = opts != NULL && opts->mailbox_max_bytes != 0 ? opts->mailbox_max_bytes
                                                                    : sys->opts.mailbox_max_bytes;

    if (a == NULL)
        return NULL;
    if (actor__mailbox_init(&a->mb, type->mailbox_capacity, max_bytes, type->overflow,
                            type->starvation_limit) != 0 ||
        actor__idmap_init(&a->requests, 16) != 0) {
        actor__mailbox_fini(&a->mb);
        spare_put(sys, a);
        return NULL;
    }
    a->sys = sys;
    a->type = type;
    a->init_arg = arg;
    a->active = opts == NULL || !opts->inactive;
    if (opts != NULL) {
        a->restartable = opts->restartable;
        a->arg_free = opts->restartable ? opts->arg_free : NULL;
        a->checkpoint_every = opts->checkpoint_every;
        a->max_task_retries = opts->max_task_retries;
        a->shared = opts->shared_state;
        if (a->shared != NULL)
            actor__shared_hold(a->shared);
    }
    actor_lock_init(&a->lock);
    pthread_condattr_init(&attr);
    pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
    pthread_cond_init(&a->room, &attr);
    pthread_condattr_destroy(&attr);
    a->wait_timer.index = ACTOR__TIMER_IDLE;
    a->wait_timer.kind = ACTOR__TIMER_WAITLINE;
    a->sched = ACTOR__SCHEDULED; /* its first turn runs init */
    atomic_store(&a->refs, 1);   /* the table's, from now on */
    return a;
}

/* Puts a new actor in the table and schedules its first turn. */
static int spawn_new(actor_system *sys, actor__actor *a, actor_ref *ref)
{
    int rc;

    pthread_mutex_lock(&sys->table_lock);
    rc = sys->stopping ? ACTOR_ECLOSED : table_insert(sys, a);
    pthread_mutex_unlock(&sys->table_lock);
    if (rc != 0) {
        a->router = NULL;  /* its state stays the caller's */
        actor__release(a); /* not actor_free: a stale lookup may count it too */
        return rc;
    }
    *ref = a->ref;
    actor__schedule(sys, a);
    return 0;
}

int actor_spawn(actor_system *sys, const actor_type *type, const void *arg,
                const actor_spawn_opts *opts, actor_ref *ref)
{
    actor__actor *a;
    int rc = ACTOR_ENOMEM;

    if (sys == NULL || type == NULL || ref == NULL ||
        (type->n_methods != 0 && type->methods == NULL) ||
        (opts != NULL && opts->max_concurrency > 1) || /* the generated spawn's, or a pool's */
        (opts != NULL && opts->shared_state != NULL && !opts->restartable))
        return ACTOR_EINVAL;
    a = actor_new(sys, type, arg, opts);
    if (a != NULL)
        rc = spawn_new(sys, a, ref);
    if (rc != 0 && opts != NULL && opts->restartable && opts->arg_free != NULL)
        opts->arg_free(arg);
    return rc;
}

int actor__spawn_router(actor_system *sys, const actor_type *type, const actor__router_ops *ops,
                        void *state, actor_ref *ref)
{
    actor__actor *a = actor_new(sys, type, NULL, NULL);

    if (a == NULL)
        return ACTOR_ENOMEM;
    a->router = ops;
    a->router_state = state;
    return spawn_new(sys, a, ref);
}

/* ============================================================= lifecycle */

/* Applies `change` to the actor under its lock and schedules it if that
 * made it runnable. */
static int lifecycle_change(actor_system *sys, actor_ref ref, void (*change)(actor__actor *, bool),
                            bool arg)
{
    actor__actor *a = sys != NULL ? actor__acquire(sys, ref) : NULL;
    bool schedule;

    if (a == NULL)
        return ACTOR_ENOTFOUND;
    pthread_mutex_lock(&a->lock);
    change(a, arg);
    schedule = actor__claim_schedule(a);
    pthread_mutex_unlock(&a->lock);
    if (schedule)
        actor__schedule(sys, a);
    actor__release(a);
    return 0;
}

static void set_active(actor__actor *a, bool active)
{
    if (!active)
        atomic_fetch_add_explicit(&a->interrupts, 1, memory_order_relaxed);
    a->active = active;
}

static void start_terminate(actor__actor *a, bool drain)
{
    atomic_fetch_add_explicit(&a->interrupts, 1, memory_order_relaxed);
    if (a->terminating) {
        a->drain = a->drain && drain; /* a second terminate may only shorten it */
        return;
    }
    a->terminating = true;
    a->drain = drain;
    actor__mailbox_close(&a->mb); /* user messages are refused from now on */
    if (a->blocked_senders != 0)
        pthread_cond_broadcast(&a->room);
}

int actor_activate(actor_system *sys, actor_ref ref)
{
    return lifecycle_change(sys, ref, set_active, true);
}

int actor_deactivate(actor_system *sys, actor_ref ref)
{
    return lifecycle_change(sys, ref, set_active, false);
}

int actor_terminate(actor_system *sys, actor_ref ref, bool drain)
{
    actor__actor *a = sys != NULL ? actor__acquire(sys, ref) : NULL;

    if (a != NULL && a->router != NULL) /* a pool: its instances first */
        a->router->terminate(a->router_state, drain);
    if (a != NULL)
        actor__release(a);
    return lifecycle_change(sys, ref, start_terminate, drain);
}

static void ask_restart(actor__actor *a, bool unused)
{
    (void)unused;
    atomic_fetch_add_explicit(&a->interrupts, 1, memory_order_relaxed);
    a->crashed = true; /* nothing more runs on the state it has */
    a->restart_pending = true;
}

int actor_restart(actor_system *sys, actor_ref ref)
{
    actor__actor *a = sys != NULL ? actor__acquire(sys, ref) : NULL;
    bool ok;

    if (a == NULL)
        return ACTOR_ENOTFOUND;
    pthread_mutex_lock(&a->lock);
    ok = a->restartable && !a->terminating && a->router == NULL;
    pthread_mutex_unlock(&a->lock);
    actor__release(a);
    return ok ? lifecycle_change(sys, ref, ask_restart, false) : ACTOR_ESTATE;
}

int actor__watch(actor_system *sys, actor_ref ref, actor__watch_fn fn, void *user)
{
    actor__actor *a = actor__acquire(sys, ref);
    int rc;

    if (a == NULL)
        return ACTOR_ENOTFOUND;
    pthread_mutex_lock(&a->lock);
    if (!a->dead) { /* once finalizing, it has said its last word */
        a->watch = fn;
        a->watch_user = user;
    }
    rc = a->dead ? ACTOR_ENOTFOUND : 0;
    pthread_mutex_unlock(&a->lock);
    actor__release(a);
    return rc;
}

int actor__set_owner(actor_system *sys, actor_ref ref, actor_ref router)
{
    actor__actor *a = actor__acquire(sys, ref), *r = actor__acquire(sys, router);
    int rc = a != NULL && r != NULL && r->router != NULL && a->owner == NULL ? 0 : ACTOR_EINVAL;

    if (rc == 0)
        a->owner = r; /* keeps the reference */
    else if (r != NULL)
        actor__release(r);
    if (a != NULL)
        actor__release(a);
    return rc;
}

bool actor__system_stopping(actor_system *sys)
{
    bool stopping;

    pthread_mutex_lock(&sys->table_lock);
    stopping = sys->stopping;
    pthread_mutex_unlock(&sys->table_lock);
    return stopping;
}

uint64_t actor__load(const actor__actor *a)
{
    /* the queue: admitted less what was popped since the last flush, which
     * the worker gives back a batch at a time. Read released first: a
     * flush lowers admitted, then zeroes released, so this order can only
     * undercount, by one batch, for an instant; never count a message that
     * a handler already took (its reply may have reached the caller). */
    uint64_t released = atomic_load_explicit(&a->mb.released, memory_order_relaxed);
    uint64_t admitted =
        atomic_load_explicit(&a->mb.admitted, memory_order_relaxed) >> ACTOR__ADMIT_SHIFT;
    uint64_t queued = admitted > released ? admitted - released : 0;

    return queued + atomic_load_explicit(&a->in_flight, memory_order_relaxed);
}

bool actor__serving(actor__actor *a)
{
    bool serving;

    pthread_mutex_lock(&a->lock);
    serving = !a->crashed && !a->terminating && !a->dead;
    pthread_mutex_unlock(&a->lock);
    return serving;
}

void actor__system_hold(actor_system *sys)
{
    pthread_mutex_lock(&sys->table_lock);
    sys->holds++;
    pthread_mutex_unlock(&sys->table_lock);
}

void actor__system_release(actor_system *sys)
{
    pthread_mutex_lock(&sys->table_lock);
    if (--sys->holds == 0)
        pthread_cond_broadcast(&sys->all_dead);
    pthread_mutex_unlock(&sys->table_lock);
}

/* ================================================================= stats */

int actor_stats_get(actor_system *sys, actor_ref ref, actor_stats *out)
{
    actor__actor *a = sys != NULL ? actor__acquire(sys, ref) : NULL;

    if (a == NULL)
        return ACTOR_ENOTFOUND;
    memset(out, 0, sizeof(*out));
    pthread_mutex_lock(&a->lock);
    out->mailbox_depth = actor__mailbox_user_depth(&a->mb);
    out->mailbox_bytes = actor__mailbox_user_bytes(&a->mb);
    out->rejected = a->mb.rejected;
    out->dropped = a->mb.dropped;
    out->overflows = a->mb.overflows;
    pthread_mutex_unlock(&a->lock);
    out->in_flight = atomic_load(&a->in_flight);
    out->processed = atomic_load(&a->processed);
    out->errors = atomic_load(&a->errors);
    out->expired = atomic_load(&a->expired);
    out->late_replies = atomic_load(&a->late_replies);
    out->crashes = atomic_load(&a->crashes);
    out->restarts = atomic_load(&a->restarts);
    out->retried = atomic_load(&a->retried);
    actor__release(a);
    return 0;
}

void actor_system_stats_get(actor_system *sys, actor_system_stats *out)
{
    memset(out, 0, sizeof(*out));
    pthread_mutex_lock(&sys->table_lock);
    out->actors = sys->live;
    pthread_mutex_unlock(&sys->table_lock);
    out->late_replies = atomic_load(&sys->late_replies);
    out->undeliverable = atomic_load(&sys->undeliverable);
    out->wakeups = atomic_load(&sys->wakeups);
}

/* ======================================================== system lifetime */

static void system_free(actor_system *sys)
{
    for (unsigned i = 0; i < ACTOR__SHARDS; i++) {
        actor__idmap_fini(&sys->shards[i].map);
        pthread_mutex_destroy(&sys->shards[i].lock);
    }
    pthread_mutex_destroy(&sys->timer_lock);
    actor__blocks_fini_all(sys);
    pthread_mutex_destroy(&sys->blocks_lock);
    pthread_cond_destroy(&sys->all_dead);
    if (actor__transport(sys) != NULL)
        sys->transport_ops->destroy(actor__transport(sys));
    pthread_mutex_destroy(&sys->transport_lock);
    actor__monitors_fini(sys);
    /* after anything that may still drop an actor's last reference (its
     * struct joins the spares under this lock) */
    pthread_mutex_destroy(&sys->table_lock);
    free(sys->heap);
    for (unsigned k = 0; k < ACTOR__SLOT_CHUNKS; k++)
        free(atomic_load_explicit(&sys->slot_chunks[k], memory_order_relaxed));
    spares_free(sys);
    free(sys->workers);
    free(sys);
}

static void apply_defaults(actor_system_opts *o)
{
    if (o->workers == 0) {
        long n = sysconf(_SC_NPROCESSORS_ONLN);
        o->workers = n > 0 ? (unsigned)n : 1;
    }
    if (o->batch == 0)
        o->batch = 32;
    if (o->default_timeout_ms == 0)
        o->default_timeout_ms = 30000;
    if (o->mailbox_max_bytes == 0)
        o->mailbox_max_bytes = ACTOR_MAILBOX_DEFAULT_MAX_BYTES;
    if (o->call_spin_us == 0)
        o->call_spin_us = ACTOR__CALL_SPIN_US;
    else if (o->call_spin_us < 0)
        o->call_spin_us = 0;
    if (o->idle_spin_us == 0)
        o->idle_spin_us = ACTOR__IDLE_SPIN_US;
    else if (o->idle_spin_us < 0)
        o->idle_spin_us = 0;
    if (o->peer_timeout_ms == 0)
        o->peer_timeout_ms = 3000;
    if (o->oob_threshold == 0)
        o->oob_threshold = ACTOR_OOB_DEFAULT_THRESHOLD;
}

int actor_system_new(const actor_system_opts *opts, actor_system **out)
{
    actor_system *sys;
    int rc = 0;

    if (out == NULL)
        return ACTOR_EINVAL;
    *out = NULL;
    sys = aligned_alloc(_Alignof(actor_system), sizeof(*sys)); /* its cache lines */
    if (sys == NULL)
        return ACTOR_ENOMEM;
    memset(sys, 0, sizeof(*sys));
    if (opts != NULL)
        sys->opts = *opts;
    apply_defaults(&sys->opts);
    sys->serial = atomic_fetch_add(&system_serials, 1) + 1;
    pthread_mutex_init(&sys->table_lock, NULL);
    pthread_cond_init(&sys->all_dead, NULL);
    pthread_mutex_init(&sys->timer_lock, NULL);
    pthread_mutex_init(&sys->blocks_lock, NULL);
    pthread_mutex_init(&sys->transport_lock, NULL);
    if (actor__monitors_init(sys) != 0)
        rc = ACTOR_ENOMEM;
    for (unsigned i = 0; i < ACTOR__SHARDS; i++) {
        pthread_mutex_init(&sys->shards[i].lock, NULL);
        if (rc == 0)
            rc = actor__idmap_init(&sys->shards[i].map, 64);
    }
    if (rc == 0)
        rc = actor__workers_start(sys);
    if (rc == 0) {
        rc = actor__timers_start(sys);
        if (rc != 0)
            actor__workers_stop(sys);
    }
    if (rc != 0) {
        system_free(sys);
        return rc;
    }
    *out = sys;
    return 0;
}

int actor__transport_attach(actor_system *sys, const actor__transport_ops *ops, void **t)
{
    void *made = actor__transport(sys);
    int rc = 0;

    if (made == NULL) {
        pthread_mutex_lock(&sys->transport_lock);
        made = atomic_load_explicit(&sys->transport, memory_order_relaxed);
        if (made == NULL) {
            rc = ops->make(sys, &made);
            if (rc == 0) {
                sys->transport_ops = ops;
                atomic_store_explicit(&sys->transport, made, memory_order_release);
            }
        }
        pthread_mutex_unlock(&sys->transport_lock);
    }
    *t = made;
    return rc;
}

/* Refs of every live actor; *n receives the count. NULL when none (or no
 * memory: then the caller retries). Table lock held. */
static actor_ref *live_refs(actor_system *sys, size_t *n)
{
    actor_ref *refs = malloc((sys->live + 1) * sizeof(*refs));

    *n = 0;
    if (refs == NULL)
        return NULL;
    for (size_t slot = 1; slot <= sys->n_slots; slot++) {
        actor__actor *a = atomic_load(&slot_at(sys, (uint32_t)slot)->actor);

        if (a != NULL)
            refs[(*n)++] = a->ref;
    }
    return refs;
}

static void terminate_all(actor_system *sys)
{
    size_t n;
    actor_ref *refs;

    pthread_mutex_lock(&sys->table_lock);
    sys->stopping = true;
    refs = live_refs(sys, &n);
    pthread_mutex_unlock(&sys->table_lock);
    for (size_t i = 0; i < n; i++)
        actor_terminate(sys, refs[i], true);
    free(refs);
    if (actor__transport(sys) != NULL && sys->transport_ops->stopping != NULL)
        sys->transport_ops->stopping(actor__transport(sys));
}

void actor_system_destroy(actor_system **psys)
{
    actor_system *sys = psys != NULL ? *psys : NULL;

    if (sys == NULL)
        return;
    terminate_all(sys);
    pthread_mutex_lock(&sys->table_lock);
    while (sys->live != 0 || sys->holds != 0) /* supervisors' threads see `stopping` */
        pthread_cond_wait(&sys->all_dead, &sys->table_lock);
    pthread_mutex_unlock(&sys->table_lock);
    actor__fail_pending_calls(sys, NULL);
    actor__timers_stop(sys);
    actor__workers_stop(sys);
    system_free(sys);
    *psys = NULL;
}
