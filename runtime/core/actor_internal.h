/*
 * actor_internal.h - libactor's internal structures and cross-file
 * functions (prefix actor__). Not installed. docs/RUNTIME.md describes the
 * design: messages and mailboxes (mailbox.c), the id map (idmap.c), timers
 * (timer.c), the system, actor table and lifecycle (system.c), workers and
 * the scheduling rule (worker.c), calls, replies and handler contexts
 * (call.c); the gateway and remote calls (gateway.h).
 *
 * Locks, in the order they may nest: an actor's `lock` (mailbox, lifecycle,
 * scheduling state) → the timer lock (its waiting line's expiry timer); the
 * table lock → nothing (any other lock may be held when an actor's last
 * reference goes: its struct joins the spares under the table lock); a
 * pending shard's lock → the timer lock; a client's lock → nothing; a
 * worker's queue lock → nothing; the timer lock → nothing. No lock is held
 * while a handler, hook or callback runs. A mailbox's inbox takes no lock:
 * senders push onto it, the holder of the actor's lock empties it; finding
 * an actor by ref takes none either (actor__acquire).
 */
#ifndef ACTOR_INTERNAL_H
#define ACTOR_INTERNAL_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "actor/actor.h"
#include "actor/monitor.h"
#include "base/oob.h"
#include "base/text.h"

/* ================================================================ messages */

typedef enum actor__msg_kind {
    ACTOR__MSG_REQUEST, /* a user request: runs a method, answered via reply_to */
    ACTOR__MSG_CAST,    /* a user one-way message */
    ACTOR__MSG_REPLY,   /* system: the reply to one of this actor's requests */
    ACTOR__MSG_TIMEOUT, /* system: one of this actor's requests reached its deadline */
    ACTOR__MSG_HEALTH,  /* system: run the health hook, answer via reply_to */
    ACTOR__MSG_DOWN,    /* system: a monitor of this actor's fired (monitor.c) */
} actor__msg_kind;

typedef enum actor__route_kind {
    ACTOR__ROUTE_NONE,   /* nobody waits (casts) */
    ACTOR__ROUTE_CLIENT, /* a client call, found by id in the system's pending table */
    ACTOR__ROUTE_ACTOR,  /* an actor's request: the reply goes to its mailbox */
    ACTOR__ROUTE_REMOTE, /* a request from an endpoint: the gateway's record by id */
} actor__route_kind;

typedef struct actor__route {
    uint8_t kind;
    actor_ref ref; /* ACTOR__ROUTE_ACTOR: the caller */
} actor__route;

struct actor__blocks;

/* One allocation: this header, then the status (REPLY and TIMEOUT only:
 * actor__msg_status), then the body. 88 bytes, so that a pool block's
 * header and a small body (up to 39 bytes and the NUL) share two cache
 * lines: the pool's blocks are 64-byte aligned. */
typedef struct actor__msg {
    struct actor__msg *next;    /* first: also the link of a pool's free lists */
    struct actor__blocks *pool; /* the pool the block goes back to; NULL: malloc'd */
    uint64_t seq;               /* mailbox arrival order */
    uint64_t id;                /* message id; correlation id for REPLY/TIMEOUT */
    int64_t deadline;           /* actor_now_ns() clock; 0: none */
    actor__route reply_to;      /* REQUEST, HEALTH */
    const actor_type *type;     /* what the sender expected (NULL: unchecked) */
    uint32_t method;
    uint8_t kind;
    uint8_t priority;
    uint8_t attempts; /* REQUEST: times it was tried again after a crash */
    bool has_frames;  /* out-of-band frames came with it: actor__msg_frames */
    char *body;
    size_t len;
} actor__msg;

/* The frames that came with m from an endpoint (NULL: none); m holds a
 * reference, kept after the body's NUL (actor__msg_new_framed). */
static inline actor_oob_frames *actor__msg_frames(const actor__msg *m)
{
    actor_oob_frames *f = NULL;

    if (m->has_frames)
        memcpy(&f, m->body + m->len + 1, sizeof f);
    return f;
}

/* What m weighs in a mailbox's byte bound: its body and its frames. */
static inline size_t actor__msg_bytes(const actor__msg *m)
{
    return m->has_frames ? m->len + (size_t)actor__msg_frames(m)->total : m->len;
}

/* The status of a REPLY or TIMEOUT (right after the header); NULL for
 * other kinds. */
static inline actor_status *actor__msg_status(actor__msg *m)
{
    return m->kind == ACTOR__MSG_REPLY || m->kind == ACTOR__MSG_TIMEOUT
               ? (actor_status *)(void *)(m + 1)
               : NULL;
}

/* A new message with a copy of body[len]; NULL when out of memory. */
actor__msg *actor__msg_new(actor__msg_kind kind, const char *body, size_t len);
/* The same in a block of `pool` (owned by the calling thread; NULL, or a
 * message too big for a block: malloc). */
actor__msg *actor__msg_new_in(struct actor__blocks *pool, actor__msg_kind kind, const char *body,
                              size_t len);
/* The same with `frames` (the caller's reference moves into the message,
 * also when this fails: then it is dropped). */
actor__msg *actor__msg_new_framed(struct actor__blocks *pool, actor__msg_kind kind,
                                  const char *body, size_t len, actor_oob_frames *frames);
/* Frees m into its pool (any thread) or with free. */
void actor__msg_free(actor__msg *m);
/* Adds n (wrapping: (uint64_t)-1 takes one away) to a statistics counter
 * that one thread at a time writes: an actor's by the worker running it
 * (its handlers, continuations and deferred replies run there only), the
 * gateway's by its holder. A plain load and store, where an atomic add
 * is a locked instruction on the path of every message; readers load it. */
static inline void actor__count_add(atomic_uint_fast64_t *counter, uint64_t n)
{
    atomic_store_explicit(counter, atomic_load_explicit(counter, memory_order_relaxed) + n,
                          memory_order_relaxed);
}

/* Copies a status: its category, code and message up to its end (an OK
 * status is 9 bytes, where the struct is 128; a reply carries one). */
void actor__status_copy(actor_status *dst, const actor_status *src);

/* Reverses a list linked through `next`; returns its new head. */
actor__msg *actor__msg_list_reverse(actor__msg *list);

/* ================================================================== pools */

/* Message blocks recycled without malloc's locks (blocks.c). One owner
 * thread allocates; any thread frees. */
typedef struct actor__blocks {
    actor__msg *local;              /* owner only: free blocks */
    size_t population;              /* owner only: blocks malloc'd, not freed */
    _Atomic(actor__msg *) returned; /* freed by other threads; the owner takes all */
    struct actor__blocks *next;     /* the system's list of idle client pools */
} actor__blocks;

/* The size of a block (a multiple of 64: blocks are cache-line aligned):
 * a message whose header, status and body fit. */
#define ACTOR__POOL_BLOCK 384u
/* Blocks a pool keeps (1.5 MiB); beyond, returning blocks are freed. */
#define ACTOR__POOL_KEEP 4096u
/* Returned blocks an owner keeps when it takes them, above the bound too. */
#define ACTOR__POOL_REFILL 256u

void actor__blocks_init(actor__blocks *p);
/* Frees every free block (the pool's messages must all be freed). */
void actor__blocks_fini(actor__blocks *p);
/* Marks p as the calling thread's own (a worker's): its frees skip the
 * atomic stack. NULL: none. */
void actor__blocks_set_own(actor__blocks *p);
/* A block of ACTOR__POOL_BLOCK bytes (owner only); NULL: out of memory. */
actor__msg *actor__blocks_alloc(actor__blocks *p);
/* Gives block b back to p (any thread). */
void actor__blocks_free(actor__blocks *p, actor__msg *b);
/* A pool for a new client (from the system's idle list, or new; NULL when
 * out of memory), and back to the list when the client is destroyed. */
actor__blocks *actor__blocks_take(actor_system *sys);
void actor__blocks_give_back(actor_system *sys, actor__blocks *p);
/* Frees the idle client pools (system destroy). */
void actor__blocks_fini_all(actor_system *sys);
bool actor__msg_is_user(const actor__msg *m);

/* ================================================================ mailbox */

typedef struct actor__fifo {
    actor__msg *head, *tail;
    size_t n;
    size_t bytes; /* the body bytes (len) of its messages */
} actor__fifo;

typedef struct actor__lane {
    uint32_t priority;
    actor__fifo q;
} actor__lane;

/* The inbox's two states besides a list of messages (never addresses). */
#define ACTOR__INBOX_IDLE ((actor__msg *)(uintptr_t)1)   /* empty, the actor idle */
#define ACTOR__INBOX_CLOSED ((actor__msg *)(uintptr_t)2) /* senders take the lock */

/* `admitted` packs a count and body bytes: count << ACTOR__ADMIT_SHIFT |
 * bytes, so that one compare-and-swap reserves both. Bounds beyond what
 * it holds are lowered to these (with room for a batch put back). */
#define ACTOR__ADMIT_SHIFT 40
#define ACTOR__MAILBOX_MAX_CAPACITY (1u << 23)
#define ACTOR__MAILBOX_MAX_BYTES ((size_t)1 << 39)

/* Everything but the inbox, `admitted` and `waiting_any` is guarded by
 * the owner (an actor's lock). The inbox is where senders push without
 * that lock (docs/RUNTIME.md, "Messages and mailboxes"): a stack linked
 * through `next`, newest first, which the lock holder moves into the lanes
 * and the system line (actor__mailbox_drain); or ACTOR__INBOX_IDLE, or
 * ACTOR__INBOX_CLOSED. */
typedef struct actor__mailbox {
    /* What senders touch, on a cache line of its own. */
    _Alignas(64) _Atomic(actor__msg *) inbox;
    /* User messages in the lanes and the inbox: the count and body bytes
     * bounded by `capacity` and `max_bytes` (packed, see above), reserved
     * before a push. Pops give theirs back a batch at a time (`released*`). */
    _Atomic uint64_t admitted;
    atomic_bool waiting_any;                      /* waiting.n != 0, for senders without the lock */
    /* Popped, not yet out of admitted. Written by the actor's worker under
     * `lock`; `released` is atomic (relaxed) so that a pool's least-loaded
     * pick (actor__load) subtracts it from any thread: a message popped a
     * moment ago no longer counts as queued. */
    _Alignas(64) atomic_size_t released;
    size_t released_bytes;
    actor__lane *lanes; /* the non-empty priority lanes, ascending priority */
    size_t n_lanes, cap_lanes;
    actor__fifo system;  /* replies, timeouts, health checks: no capacity, first */
    actor__fifo waiting; /* `block` overflow from senders that must not block */
    size_t count;        /* messages in the lanes */
    size_t bytes;        /* body bytes of the messages in the lanes */
    size_t max_bytes;    /* bound on `bytes`, and separately on waiting.bytes */
    uint32_t capacity, starvation_limit, streak;
    actor_overflow overflow;
    uint64_t seq;
    uint64_t overflows, rejected, dropped;
} actor__mailbox;

/* push flags */
#define ACTOR__PUSH_WAITLIST 1u /* block policy: queue on `waiting` instead of failing */
#define ACTOR__PUSH_RETRY 2u    /* a blocked sender's retry: the overflow is already counted */

/* What actor__mailbox_offer did with a message. */
typedef enum actor__offer {
    ACTOR__OFFER_QUEUED, /* in the inbox; the actor is scheduled or running */
    ACTOR__OFFER_WOKE,   /* in the inbox of an idle actor: the caller must take
                          * the actor's lock and actor__claim_schedule it */
    ACTOR__OFFER_LOCKED, /* not taken: push it under the actor's lock */
} actor__offer;

/* max_bytes: the byte bound (0: ACTOR_MAILBOX_DEFAULT_MAX_BYTES). */
int actor__mailbox_init(actor__mailbox *mb, uint32_t capacity, size_t max_bytes,
                        actor_overflow overflow, uint32_t starvation_limit);
/* Frees the lanes and every message still queued. */
void actor__mailbox_fini(actor__mailbox *mb);
/* Queues *m. Returns 0 or ACTOR_EFULL / ACTOR_ENOMEM (then the caller keeps
 * m). Full means `capacity` messages, or the body bytes would exceed
 * `max_bytes`. ACTOR_EFULL: a user message whose body alone exceeds
 * max_bytes (any policy, counted rejected: see actor__mailbox_too_big);
 * reject; drop_oldest when m itself would be a victim (dropping every
 * message of a priority <= m's would still not make room); block without
 * WAITLIST (a plain thread that waits for room; not counted as rejected);
 * block with WAITLIST when the waiting line holds `capacity` messages or
 * max_bytes already. With drop_oldest, *dropped receives the messages
 * removed to make room, a list linked through `next` (oldest of the lowest
 * priority first): the caller answers each REJECTED. With WAITLIST, m may
 * land on the waiting line (mb->waiting.tail == m): the caller arms its
 * expiry. */
int actor__mailbox_push(actor__mailbox *mb, actor__msg *m, unsigned flags, actor__msg **dropped);
/* Any thread, no lock: pushes m onto the inbox if that needs no decision
 * under the lock: a system message, or a user message with room (reserved
 * in `admitted`), no waiting line and no overflow; not when the inbox is
 * closed. On QUEUED and WOKE the mailbox owns m. */
actor__offer actor__mailbox_offer(actor__mailbox *mb, actor__msg *m);
/* The same for a chain of messages pushed together by one thread: linked
 * through `next` from `newest` to `oldest` (the inbox's order: newest
 * first), `users` of them user messages of `user_bytes` body bytes in
 * all. All or nothing: room is reserved for every user message at once,
 * and the chain joins the inbox with one compare-and-swap. On LOCKED
 * nothing was taken (the links are intact): push them one by one, oldest
 * first. */
actor__offer actor__mailbox_offer_chain(actor__mailbox *mb, actor__msg *newest, actor__msg *oldest,
                                        size_t users, size_t user_bytes);
/* Lock held: moves the inbox's messages into the lanes and the system
 * line, in the order they were pushed, and gives the room of the messages
 * popped since back to senders. */
void actor__mailbox_drain(actor__mailbox *mb);
/* Lock held, actor idle: marks the drained, empty inbox idle, so the next
 * offer reports WOKE. False when a message came meanwhile (drain, retry). */
bool actor__mailbox_mark_idle(actor__mailbox *mb);
/* Lock held: the actor is scheduled, the inbox no longer idle. */
void actor__mailbox_unmark_idle(actor__mailbox *mb);
/* Lock held: drains the inbox and closes it: every later push takes the
 * lock (terminating, dead). */
void actor__mailbox_close(actor__mailbox *mb);
/* The next message: system first, then (if `user`) by priority with the
 * anti-starvation rule. NULL when none. */
actor__msg *actor__mailbox_pop(actor__mailbox *mb, bool user);
/* What actor__mailbox_each shows each queued user message to, and what
 * actor__mailbox_take_newest asks of each. */
typedef void (*actor__msg_visit_fn)(void *arg, const actor__msg *m);
typedef bool (*actor__msg_match_fn)(void *arg, const actor__msg *m);
/* Shows visit every user message in the lanes and the waiting line (not
 * the inbox: drain it first). Lock held. */
void actor__mailbox_each(const actor__mailbox *mb, actor__msg_visit_fn visit, void *arg);
/* Takes out the newest user message in the lanes or the waiting line that
 * match accepts (its room given back) and returns it; NULL: none. Lock
 * held. */
actor__msg *actor__mailbox_take_newest(actor__mailbox *mb, actor__msg_match_fn match, void *arg);
/* Removes the waiting-line messages whose deadline is <= now and returns
 * them as a list; *next receives the earliest deadline still waiting (0:
 * none). */
actor__msg *actor__mailbox_take_expired(actor__mailbox *mb, int64_t now, int64_t *next);
/* Puts back `list` (messages popped from mb, linked through `next`, in
 * the order popped) so that they are popped again first, in the same
 * order. Returns those it could not put back (no memory for a lane), which
 * the caller handles as popped. */
actor__msg *actor__mailbox_unpop(actor__mailbox *mb, actor__msg *list);
/* Removes and returns every message (system, lanes, waiting) as a list. */
actor__msg *actor__mailbox_take_all(actor__mailbox *mb);
/* The user messages queued (lanes, inbox, waiting line). */
size_t actor__mailbox_user_depth(const actor__mailbox *mb);
/* Body bytes of the user messages queued: lanes, inbox, waiting line. */
size_t actor__mailbox_user_bytes(const actor__mailbox *mb);
/* Whether the user messages (lanes and waiting line) are down to half the
 * capacity and half the byte bound: blocked senders are woken then. */
bool actor__mailbox_below_half(const actor__mailbox *mb);
/* Whether m is a user message that can never fit (len > max_bytes). */
bool actor__mailbox_too_big(const actor__mailbox *mb, const actor__msg *m);

/* ================================================================= id map */

typedef struct actor__idnode {
    struct actor__idnode *next;
    uint64_t id;
} actor__idnode;

/* A chained hash from id to an embedded node. Not locked. */
typedef struct actor__idmap {
    actor__idnode **buckets;
    size_t n_buckets, count;
} actor__idmap;

int actor__idmap_init(actor__idmap *m, size_t n_buckets);
void actor__idmap_fini(actor__idmap *m);
void actor__idmap_insert(actor__idmap *m, actor__idnode *node);
actor__idnode *actor__idmap_remove(actor__idmap *m, uint64_t id);
/* The node for id, left in the map; NULL: none. */
actor__idnode *actor__idmap_find(const actor__idmap *m, uint64_t id);
/* Removes every node for which match(node, arg) and returns them as a list
 * linked through `next`. */
actor__idnode *actor__idmap_remove_if(actor__idmap *m, bool (*match)(actor__idnode *, void *),
                                      void *arg);

/* ================================================================= timers */

typedef enum actor__timer_kind {
    ACTOR__TIMER_CLIENT,   /* an async client call's deadline: id in the pending table */
    ACTOR__TIMER_REQUESTS, /* `owner`'s earliest request deadline (or earlier):
                            * one "requests due" message to it (call.c) */
    ACTOR__TIMER_WAITLINE, /* the earliest deadline in `owner`'s waiting line */
    ACTOR__TIMER_STALL,    /* worker `id`'s stall check (worker.c) */
} actor__timer_kind;

/* Embedded in the record it times; a run or the heap holds pointers
 * (timer.c). Firing copies the fields under the timer lock and never
 * touches the node again, so the owner may free it after
 * actor__timer_cancel. */
typedef struct actor__timer {
    int64_t when;
    size_t index; /* in the heap; ACTOR__TIMER_IN_RUN in a run; ACTOR__TIMER_IDLE: neither */
    uint64_t id;
    actor_ref owner;
    uint8_t kind;
    uint8_t run;                      /* ACTOR__TIMER_IN_RUN: which run */
    struct actor__timer *prev, *next; /* ACTOR__TIMER_IN_RUN: the run's neighbours */
} actor__timer;

#define ACTOR__TIMER_IDLE SIZE_MAX
#define ACTOR__TIMER_IN_RUN (SIZE_MAX - 1)
/* An idle timer that will fire at `when` (once armed) for `id` of `owner`. */
static inline actor__timer actor__timer_make(int64_t when, uint64_t id, actor_ref owner,
                                             actor__timer_kind kind)
{
    actor__timer t = {when, ACTOR__TIMER_IDLE, id, owner, (uint8_t)kind, 0, NULL, NULL};

    return t;
}

/* Runs of timers added in deadline order (timer.c). */
#define ACTOR__TIMER_RUNS 4

/* A run: timers in the order of their deadlines, oldest first. */
typedef struct actor__timer_run {
    actor__timer *head, *tail;
} actor__timer_run;

int actor__timer_add(actor_system *sys, actor__timer *t);
void actor__timer_cancel(actor_system *sys, actor__timer *t);
/* Makes t fire at `when` at the latest: arms it if idle, moves it earlier
 * if armed later, leaves it if armed before. The other fields must be set.
 * 0, or ACTOR_ENOMEM with t as it was (armed where it was, or idle). */
int actor__timer_arm_by(actor_system *sys, actor__timer *t, int64_t when);
/* The timer thread: fires due timers (client TIMEOUT callbacks run on it). */
int actor__timers_start(actor_system *sys);
void actor__timers_stop(actor_system *sys);

/* ================================================================== actors */

typedef enum actor__sched {
    ACTOR__IDLE,      /* not on a run queue */
    ACTOR__SCHEDULED, /* on one run queue (exactly one) */
    ACTOR__RUNNING,   /* a worker is running it */
} actor__sched;

typedef struct actor__actor actor__actor;

/* An outstanding request made by an actor: in its `requests` map by id and
 * on its deadline list (docs/RUNTIME.md, "Calls and statuses"). Owned by
 * the actor, touched only by the worker running it. `space` is room the
 * maker asked for (actor__ctx_request_space): `user` points there then. */
typedef struct actor__request {
    actor__idnode node;
    actor_then_fn then;
    void *user;
    int64_t deadline;
    struct actor__request *earlier, *later; /* the deadline list's neighbours */
    size_t space_size;                      /* bytes in `space` */
    max_align_t space[];
} actor__request;

/* A request record with this much `space` or less is a standard one: the
 * actor keeps up to ACTOR__REQUEST_SPARES of those it freed for its next
 * requests (no malloc per request in the steady state). */
#define ACTOR__REQUEST_SPACE 128u
#define ACTOR__REQUEST_SPARES 32u

struct actor_reply {
    actor_reply *prev, *next; /* the actor's list of deferred replies */
    actor__actor *actor;
    const actor_method *method;
    uint64_t id;
    actor__route route;
};

/* ============================================== hooks for upper layers */

/* What an actor's watcher is told (actor__watch). */
typedef enum actor__watch_event {
    ACTOR__WATCH_CRASHED,   /* actor_ctx_crash, or a restart's init or restore failed */
    ACTOR__WATCH_RESTARTED, /* a restart succeeded: it serves again */
    ACTOR__WATCH_EXITED,    /* it is gone (terminated, or init failed) */
} actor__watch_event;

/* Runs on the actor's worker, outside its lock; quick, never blocking.
 * `reason` is borrowed for the call. */
typedef void (*actor__watch_fn)(void *user, actor_ref ref, actor__watch_event ev,
                                const char *reason);

struct actor__actor {
    actor_system *sys;
    const actor_type *type;
    actor_ref ref;
    void *state;
    const void *init_arg;
    /* A router's (actor__spawn_router): messages go to the actor it picks.
     * Set before the actor is visible, never changed. */
    const struct actor__router_ops *router;
    void *router_state;
    /* A pool instance's router (actor__set_owner; a reference held until
     * this struct is freed): a user message that finds the instance
     * closing, or still queued when it goes, is routed again through it. */
    struct actor__actor *owner;
    /* The table's reference + senders'. 0: freed (a spare, or being
     * set up for reuse): actor__acquire may still read and test it, so it
     * is written atomically only and outlives the actor (type-stable). */
    _Alignas(64) atomic_uint refs;

    _Alignas(64) pthread_mutex_t lock; /* guards everything down to `run_next` */
    pthread_cond_t room;               /* blocked client senders wait for room here */
    unsigned blocked_senders;
    actor__mailbox mb;
    bool initialized; /* init has run successfully */
    bool init_failed; /* init has run and failed: terminate without cleanup */
    bool active;      /* user messages are processed */
    bool terminating; /* user messages are refused */
    bool drain;
    bool dead;            /* finalizing: every message is refused */
    bool awaiting;        /* draining, mailbox empty: waits for its requests to end */
    bool state_live;      /* init (or a restart's) succeeded: cleanup is owed */
    bool restartable;     /* actor_spawn_opts.restartable: init_arg is kept */
    bool crashed;         /* actor_ctx_crash or actor_restart: no user message runs */
    bool restart_pending; /* actor_restart asked: the next turn restarts it */
    void (*arg_free)(const void *arg);
    actor__watch_fn watch; /* actor__watch: told of crashes, restarts and the exit */
    void *watch_user;
    /* Bumped (under `lock`) by deactivate and terminate: a worker holding
     * a batch of popped messages puts the rest back when it changes. */
    atomic_uint interrupts;
    uint8_t sched;
    actor__timer wait_timer; /* ACTOR__TIMER_WAITLINE: the waiting line's next expiry */
    actor__actor *run_next;  /* run queue link (owned by the queue); the
                              * system's spares list once freed */

    /* Touched only by the worker running the actor. */
    actor__idmap requests; /* actor__request by id */
    size_t n_timers;       /* of them, actor_ctx_after's timers (a drain does not wait for those) */
    /* The same requests by deadline, earliest first (ties: in the order
     * made); req_timer fires at req_first's deadline or earlier, or a
     * "requests due" message is on its way: armed by this worker only,
     * at req_timer_by (0: not known to be armed). req_timer.kind is
     * ACTOR__TIMER_REQUESTS once set up (by the first request). */
    actor__request *req_first, *req_last;
    actor__request *req_spares; /* standard records to reuse, linked by `later` */
    unsigned n_req_spares;
    int64_t req_timer_by;
    actor__timer req_timer;
    actor_reply *deferred;
    bool finalizing;
    /* Checkpoints (actor_type.checkpoint): the last one taken, kept across
     * restarts for restore. */
    uint32_t checkpoint_every, since_checkpoint;
    uint32_t max_task_retries; /* actor_spawn_opts' */
    actor_shared_state *shared; /* actor_spawn_opts.shared_state (a reference); NULL: own */
    msgpack_sbuffer checkpoint;

    /* Written by the running worker, read by actor_stats_get. */
    atomic_uint_fast64_t processed, errors, in_flight, expired, late_replies;
    atomic_uint_fast64_t crashes, restarts, retried;
    /* Handler run times (latency.c): NULL until the first timed run;
     * latency_warm counts the first runs, all timed. The running worker's. */
    _Atomic(struct actor__latency *) latency;
    uint32_t latency_warm;

    /* Monitors (monitor.c), under the system's monitor_lock: those
     * watching this actor, and those it holds as a watcher. */
    struct actor__monitor *watchers, *watching;
    /* Why it crashed last (mark_crashed), for its monitors: "" if never. */
    char crash_reason[ACTOR_STATUS_MESSAGE_SIZE];
};

/* ------------------------------------------------------------ shared.c */

/* A's init and cleanup through its shared state (actor_spawn_opts). */
int actor__shared_init(actor__actor *a, actor_ctx *ctx);
void actor__shared_cleanup(actor__actor *a, actor_ctx *ctx);
/* Takes a reference to s (at spawn). */
void actor__shared_hold(actor_shared_state *s);

/* ----------------------------------------------------------- latency.c */

typedef struct actor__latency actor__latency;

/* Whether the run that starts now is timed: the first 64 of an actor, then
 * one in 8. The running worker. */
static inline bool actor__latency_wanted(actor__actor *a)
{
    if (a->latency_warm < 64u) {
        a->latency_warm++;
        return true;
    }
    return (atomic_load_explicit(&a->processed, memory_order_relaxed) & 7u) == 0;
}
/* Counts a run of `ns` in a's histogram (made at the first). The running
 * worker. */
void actor__latency_record(actor__actor *a, uint64_t ns);
/* Frees a's histogram (the actor's struct is being freed). */
void actor__latency_free(actor__actor *a);

/* The actor `ref` names with one more reference, or NULL (gone). Takes
 * no lock. */
actor__actor *actor__acquire(actor_system *sys, actor_ref ref);
void actor__release(actor__actor *a);
/* Removes a finalized actor from the table (the ref stops resolving). */
void actor__table_remove(actor__actor *a);
/* Call with a->lock held: whether the actor has something to do now. */
bool actor__runnable(const actor__actor *a);
/* Call with a->lock held: drains the inbox; if idle and runnable, marks
 * it SCHEDULED and returns true: the caller must then actor__schedule it
 * (after unlocking). Idle and not runnable: marks the inbox idle, so the
 * next lock-free push reports it (actor__mailbox_offer). */
bool actor__claim_schedule(actor__actor *a);

/* A router: an actor slot standing for other actors (pools). Messages to
 * it never reach its mailbox: whoever sends one asks `pick` for the actor
 * to queue it on. */
typedef struct actor__router_ops {
    /* The actor for a message of `method` (NULL: a health check) with
     * `body`, acquired; NULL when none can take it now (the call ends
     * ACTOR_EUNAVAILABLE). Any thread, concurrently. */
    actor__actor *(*pick)(void *state, const actor_method *method, const char *body, size_t len);
    /* actor_terminate on the router (any thread, before its own). */
    void (*terminate)(void *state, bool drain);
    /* The router's struct is being freed (its last reference went, on any
     * thread): releases `state`. */
    void (*free)(void *state);
    /* The actors it stands for now: how many, the first `cap` of them
     * written to out[]. Any thread. */
    size_t (*members)(void *state, actor_ref *out, size_t cap);
} actor__router_ops;

/* Spawns a router of `type` (its hooks never run) that owns `state`. */
int actor__spawn_router(actor_system *sys, const actor_type *type, const actor__router_ops *ops,
                        void *state, actor_ref *ref);
/* The actor a message to router `r` goes to: acquired, or NULL. */
static inline actor__actor *actor__router_pick(actor__actor *r, const actor_method *method,
                                               const char *body, size_t len)
{
    return r->router->pick(r->router_state, method, body, len);
}
/* Sets the watcher of `ref` (NULL: none). An actor with a watcher is not
 * terminated when it crashes: the watcher decides (actor_restart, or
 * actor_terminate). ACTOR_ENOTFOUND for a dead ref. */
int actor__watch(actor_system *sys, actor_ref ref, actor__watch_fn fn, void *user);

/* How many times a request of `method` that a crash interrupted may be
 * tried again: @retries, else 1 for @idempotent, else the actor's
 * max_task_retries. */
static inline uint32_t actor__retries_allowed(const actor_method *method,
                                              uint32_t max_task_retries)
{
    return method->retries != 0 ? method->retries : method->idempotent ? 1 : max_task_retries;
}

/* ============================================================ monitors */

typedef struct actor__monitor actor__monitor;
int actor__monitors_init(actor_system *sys);
/* At system free: the records left (remote monitors cut short). */
void actor__monitors_fini(actor_system *sys);
/* At a's end (actor__finalize, a->dead set): fires its watchers with
 * `reason`, drops the monitors it held. */
void actor__monitors_end(actor__actor *a, actor_down_reason reason, const char *why);
/* Runs a DOWN message's continuation on a (its worker, ctx made for it);
 * frees m. */
void actor__monitor_run(actor__actor *a, actor_ctx *ctx, actor__msg *m);
/* A remote ref's monitor `id` fires (the transport's watch learnt the
 * end); nothing when it ended already. Any thread. */
void actor__monitor_fire(actor_system *sys, uint64_t id, actor_down_reason reason,
                         const char *why);
/* Whether monitor `id` is still waiting to fire. */
bool actor__monitor_live(actor_system *sys, uint64_t id);
/* The actor running a handler. */
actor__actor *actor__ctx_actor(const actor_ctx *ctx);
/* When `body` is this thread's encode buffer (actor_encode_buffer, where
 * the generated stubs encode), its memory, which the caller now owns and
 * frees; the thread's next use starts a new buffer. Else NULL. */
char *actor__encode_buffer_take(const char *body);
/* The method a handler runs (NULL outside a message). */
const actor_method *actor__ctx_method(const actor_ctx *ctx);
/* The out-of-band frames of the message a handler runs (borrowed for the
 * handler's call; NULL: none, or its method does not read frames). */
actor_oob_frames *actor__ctx_frames(const actor_ctx *ctx);
/* actor_health_check without waiting: cb gets the answer (OK, ERROR with
 * the hook's code, TIMEOUT, DIED, NOT_FOUND) on another thread. */
int actor__health_check_async(actor_client *c, actor_ref to, uint32_t timeout_ms, actor_reply_fn cb,
                              void *user);
/* Makes `router` the owner of `ref` (see actor__actor.owner). */
int actor__set_owner(actor_system *sys, actor_ref ref, actor_ref router);
/* Whether actor_system_destroy has begun: nothing restarts any more. */
bool actor__system_stopping(actor_system *sys);
/* Messages queued at a and running on it: a pool's measure of load. Any
 * thread, without a lock (a moment's view). */
uint64_t actor__load(const actor__actor *a);
/* Whether a serves user messages now (not crashed, terminating or dead). */
bool actor__serving(actor__actor *a);
/* Threads of upper layers that use sys (supervisors): actor_system_destroy
 * waits, after terminating every actor, until each has let go. */
void actor__system_hold(actor_system *sys);
void actor__system_release(actor_system *sys);

/* ================================================================= workers */

typedef struct actor__worker {
    actor_system *sys;
    unsigned index;
    pthread_t thread;
    pthread_mutex_t qlock;
    actor__actor *qhead, *qtail;
    size_t qlen;
    atomic_size_t queued; /* qlen as of the last push or pop, read without qlock */
    int wake_fd;          /* eventfd; the gateway's holder polls it beside its sockets */
    atomic_int sleeping;
    atomic_int spinning;      /* idle, looking at the queues before it sleeps */
    atomic_bool stalled;      /* in one long handler with actors queued: steal even one */
    msgpack_sbuffer reply_sb; /* reused for every reply the worker encodes */
    actor__blocks pool;       /* blocks of the messages sent from this worker */
    /* The stall check (docs/RUNTIME.md, "Threading model"): `steps` counts
     * the worker's handler runs (written by the worker only); the check
     * armed at `stall_step` fires ACTOR__STALL_CHECK_NS later. */
    atomic_uint_fast64_t steps, stall_step;
    atomic_bool stall_armed;
    actor__timer stall_timer;
} actor__worker;

/* How long a worker may run one handler while actors wait on its queue
 * before the timer thread wakes an idle peer to steal them. */
#define ACTOR__STALL_CHECK_NS (1000 * 1000LL)

int actor__workers_start(actor_system *sys);
void actor__workers_stop(actor_system *sys);
/* Puts a SCHEDULED actor on a run queue: the calling worker's own (CAF's
 * rule) when called on a worker of sys, else a sleeping worker's. */
void actor__schedule(actor_system *sys, actor__actor *a);
void actor__wake(actor__worker *w);
/* The timer thread: worker `index`'s stall check is due. */
void actor__worker_stall_check(actor_system *sys, unsigned index);
/* The worker running on this thread, if it belongs to sys; else NULL. */
actor__worker *actor__current_worker(const actor_system *sys);

/* ================================================================== system */

#define ACTOR__SHARDS 16u

typedef struct actor__shard {
    pthread_mutex_t lock;
    actor__idmap map; /* actor__pending by id */
} actor__shard;

/* An entry of the actor table. `actor` and `gen` are written under the
 * table lock and read without it (actor__acquire); `next_free` is the
 * table lock's. */
typedef struct actor__slot {
    _Atomic(actor__actor *) actor; /* NULL: free */
    atomic_uint gen;               /* of the last actor put here */
    uint32_t next_free;            /* index + 1 of the next free slot; 0: none */
} actor__slot;

/* The table's storage never moves, so that a lookup without the lock reads
 * memory that stays valid: chunk k holds ACTOR__SLOT_CHUNK0 << k entries,
 * allocated once (when the slots before it are all taken) and freed with
 * the system. 27 chunks cover every 32-bit slot number. */
#define ACTOR__SLOT_CHUNK0 64u
#define ACTOR__SLOT_CHUNKS 27u

/* What the transport layer (runtime/transport/: endpoints, remote refs,
 * names) lends the core. The core stands below it and never names its
 * types: the layer attaches itself to a system on its first use
 * (actor__transport_attach) with this table, and the core calls it only
 * through the table, with the state `t` it made. */
typedef struct actor__transport_ops {
    /* Makes the layer's state for sys (under the system's transport_lock). */
    int (*make)(actor_system *sys, void **t);
    /* Destroys it, after the workers and the timer thread have stopped. */
    void (*destroy)(void *t);
    /* The worker loop (worker.c): whether worker `index` holds the sockets,
     * takes them over when asked, pumps them, sleeps on them beside its
     * wake-up fd; the stall check asks for a hand-over. */
    bool (*held_by)(void *t, unsigned index);
    bool (*claim)(void *t, unsigned index);
    bool (*pump)(void *t, unsigned index, bool idle);
    bool (*wait)(void *t, unsigned index, int wake_fd);
    void (*want_handoff)(void *t);
    /* The end of a request that came from an endpoint (ACTOR__ROUTE_REMOTE). */
    void (*reply)(void *t, uint64_t id, const actor_status *st, const char *body, size_t len);
    /* Calls on remote refs (call.c's entry points branch off here). */
    int (*call)(actor_client *c, actor_ref to, const actor_method_ref *m, const char *body,
                size_t len, const actor_call_opts *opts, actor_status *st, msgpack_sbuffer *reply);
    int (*cast)(actor_client *c, actor_ref to, const actor_method_ref *m, const char *body,
                size_t len, const actor_call_opts *opts);
    int (*submit)(actor_system *sys, actor_ref to, const actor_method_ref *m, const char *body,
                  size_t len, const actor_call_opts *opts, const actor__route *route, uint64_t id);
    /* A client's own sockets to remote systems, at actor_client_destroy. */
    void (*client_fini)(actor_client *c);
    /* Starts watching the remote ref `ref` for monitor `monitor` (made
     * already): the layer later calls actor__monitor_fire once, unless the
     * monitor ended first (actor__monitor_live says). */
    int (*watch)(actor_system *sys, actor_ref ref, uint64_t monitor);
    /* The system is shutting down: every actor was told to terminate with
     * drain; the layer cuts short the waits of its own actors that would
     * otherwise hold the shutdown up (a long-poll in flight). */
    void (*stopping)(void *t);
} actor__transport_ops;

struct actor_system {
    actor_system_opts opts;
    actor__worker *workers;
    unsigned n_workers;
    /* Written by every sender (message ids): a cache line of their own,
     * away from what workers read on every turn (opts, workers). */
    _Alignas(64) atomic_uint next_worker;
    atomic_uint_fast64_t next_id; /* taken a block at a time (actor__next_id) */
    uint64_t serial;              /* this system's number in the process, from 1 */

    /* Read by every sender (actor__acquire), written when a chunk is
     * added: away from the lock's line, which spawns and exits write. */
    _Alignas(64) _Atomic(actor__slot *) slot_chunks[ACTOR__SLOT_CHUNKS];

    _Alignas(64) pthread_mutex_t table_lock; /* guards down to `spares` */
    pthread_cond_t all_dead;
    size_t n_slots;     /* slots ever used (1..n_slots) */
    uint32_t free_head; /* index + 1; 0: none */
    size_t live;
    bool stopping;
    /* Freed actor structs, linked through run_next, reused by spawn and
     * freed with the system: a stale pointer read by actor__acquire always
     * points at an actor struct (docs/RUNTIME.md, "The actor table"). */
    actor__actor *spares;

    actor__shard shards[ACTOR__SHARDS];

    pthread_mutex_t timer_lock; /* guards the heap and the timer thread's fields */
    pthread_cond_t timer_cond;
    pthread_t timer_thread;
    bool timer_running, timer_quit;
    int64_t timer_sleep_until; /* when the timer thread wakes; INT64_MIN: awake */
    actor__timer **heap;
    size_t n_timers, cap_timers;
    actor__timer_run runs[ACTOR__TIMER_RUNS];

    pthread_mutex_t blocks_lock; /* guards idle_blocks */
    actor__blocks *idle_blocks;  /* client pools not in use (blocks.c) */

    atomic_bool quit;
    atomic_uint_fast64_t late_replies, undeliverable;
    atomic_uint_fast64_t wakeups; /* eventfd writes that woke a sleeping worker */
    unsigned holds;               /* actor__system_hold; under table_lock, signalled by all_dead */
    /* The transport layer's state, made by its first use: NULL until then
     * (actor__transport). transport_ops is set before it is published. */
    pthread_mutex_t transport_lock;
    void *_Atomic transport;
    const actor__transport_ops *transport_ops;

    /* Monitors (monitor.c): every live one by id, and the lists on the
     * actors, guarded by this lock. */
    pthread_mutex_t monitor_lock;
    actor__idmap monitors;
};

/* sys's transport state, or NULL while nothing has used it. */
static inline void *actor__transport(actor_system *sys)
{
    return atomic_load_explicit(&sys->transport, memory_order_acquire);
}
/* Attaches the transport layer: *t receives sys's state, made with
 * ops->make on the first call. Returns ACTOR_OK or make's error. */
int actor__transport_attach(actor_system *sys, const actor__transport_ops *ops, void **t);
/* The top bit of a ref's id: set, the rest is an index into the transport
 * layer's table of remote refs (actor_connect); local refs never have it
 * (generations stay below 2^31). */
#define ACTOR__REMOTE_BIT ((uint64_t)1 << 63)
static inline bool actor__ref_is_remote(actor_ref ref)
{
    return (ref.id & ACTOR__REMOTE_BIT) != 0;
}
/* A call's timeout in ms: opts', else the method's @timeout, else the
 * system's default. */
uint32_t actor__call_timeout(const actor_system *sys, const actor_method_ref *m,
                             const actor_call_opts *opts);

/* A client call waiting in the system's pending table. */
typedef struct actor__pending {
    actor__idnode node;
    actor_client *client;
    bool sync;
    /* sync: the caller's stack; done under client->lock */
    bool done;
    atomic_bool answered; /* sync: set last, after done: a spinning caller's */
    actor_status *st;
    msgpack_sbuffer *reply;
    /* async */
    actor_reply_fn cb;
    void *user;
    actor__timer timer;
} actor__pending;

struct actor_client {
    actor_system *sys;
    actor__blocks *pool; /* its messages' blocks; NULL: malloc */
    pthread_mutex_t lock;
    pthread_cond_t cond;
    struct actor__client_net *net; /* its DEALERs to remote systems (remote.c) */
};

/* A message id unique within sys, never 0 (from a block of the calling
 * thread's: not in order across threads). */
uint64_t actor__next_id(actor_system *sys);
actor__shard *actor__shard_of(actor_system *sys, uint64_t id);

/* The restart actor_restart asked for, on a's worker (STEP_RESTART). */
void actor__restart_run(actor__worker *w, actor__actor *a);

/* Sends the end of request `id` along `route`. body is borrowed. */
void actor__route_reply(actor_system *sys, const actor__route *route, uint64_t id,
                        const actor_status *st, const char *body, size_t len);
/* A client call's deadline passed (the timer thread). */
void actor__client_call_expired(actor_system *sys, uint64_t id);
/* The request timer of `owner` fired (the timer thread): queue a "requests
 * due" message to it (a TIMEOUT with id 0), which ends every request whose
 * deadline passed and re-arms the timer for the rest. */
void actor__requests_due(actor_system *sys, actor_ref owner);
/* actor_ctx_request with `space_size` bytes (max_align_t aligned) of room
 * for the caller inside the request's own record: on 0, *space points to
 * them and `then` receives them as its `user`; the caller may fill them
 * until its handler returns, and they stay valid until `then` returns,
 * when the runtime reuses or frees the record (the caller never frees
 * them). On failure nothing is allocated and `then` never runs. */
int actor__ctx_request_space(actor_ctx *ctx, actor_ref to, actor_method_ref m, const char *body,
                             size_t len, const actor_call_opts *opts, actor_then_fn then,
                             size_t space_size, void **space, uint64_t *call_id);
/* Forgets the calling actor's outstanding request `call_id` (its
 * continuation never runs; a late reply is dropped): for a maker that has
 * given up on it and dealt with what the continuation would have. false
 * when there is no such request. On the worker running the actor. */
bool actor__ctx_request_abandon(actor_ctx *ctx, uint64_t call_id);
/* The state a's user code works on: a generated actor's own (inside the
 * runtime's box), else a->state. What timers and monitors pass on. */
void *actor__user_state(const actor__actor *a);
/* The waiting line of `owner` has an expired message: remove and answer
 * every expired one (TIMEOUT), re-arm for the next. */
void actor__waitline_expired(actor_system *sys, actor_ref owner);
/* Call with a->lock held, on the worker running a, once its mailbox is
 * drained while terminating with drain: whether it must wait for its
 * outstanding requests to end before it finalizes. */
bool actor__drain_waits(const actor__actor *a);
/* Answers every pending client call (of `client`, or all when NULL) DIED. */
void actor__fail_pending_calls(actor_system *sys, actor_client *client);

/* Messages a worker pops under one lock acquisition (worker.c). */
#define ACTOR__POP_BATCH 4u

/* Runs one turn of a SCHEDULED actor on w (worker.c). */
void actor__run(actor__worker *w, actor__actor *a);
/* Handles one message on the running actor (call.c); consumes m. */
void actor__handle(actor__worker *w, actor__actor *a, actor__msg *m);
/* Runs the init hook (call.c). Returns its result. */
int actor__run_init(actor__worker *w, actor__actor *a);
/* Terminates the running actor for good (call.c). */
void actor__finalize(actor__worker *w, actor__actor *a);
/* Queues m on a's mailbox without blocking (flags: ACTOR__PUSH_*). On 0 the
 * mailbox owns m; on failure (ACTOR_EFULL, ACTOR_ECLOSED) the caller keeps it. */
int actor__deliver(actor_system *sys, actor__actor *a, actor__msg *m, unsigned flags);
/* Under a's lock: visit sees every user message queued on a
 * (actor__mailbox_each); take_newest takes one out (counted `rejected`:
 * the caller answers it). Any thread. */
void actor__queued_each(actor__actor *a, actor__msg_visit_fn visit, void *arg);
actor__msg *actor__queued_take_newest(actor__actor *a, actor__msg_match_fn match, void *arg);

/* A burst: messages one thread gathers for one actor and queues together,
 * with one reservation of mailbox room and one compare-and-swap on the
 * inbox instead of one each per message (actor__mailbox_offer_chain). The
 * gateway's holder gathers the requests of a BATCH to one actor, and the
 * replies of a BATCH to one calling actor, this way. The messages wait in
 * the burst only while that one thread goes on reading the same ZeroMQ
 * message, so they keep their order and nothing else overtakes them. */
typedef struct actor__burst {
    actor__actor *a;             /* the actor; acquired and released by the burst's user */
    actor__msg *newest, *oldest; /* the gathered messages, owned, linked newest first */
    size_t users, user_bytes;    /* the user messages among them and their body bytes */
} actor__burst;

/* A message the locked path refused at a flush (rc: ACTOR_EFULL,
 * ACTOR_ECLOSED...); the callback owns m. */
typedef void (*actor__burst_refused_fn)(void *ctx, actor__msg *m, int rc);

/* Adds m (owned by b from now) to b, for b->a. */
void actor__burst_add(actor__burst *b, actor__msg *m);
/* Queues b's messages on b->a, all at once when the mailbox needs no
 * decision, else one by one as actor__deliver does with `flags`; each one
 * refused goes to `refused`. b is empty after; b->a is left as it was. */
void actor__burst_flush(actor_system *sys, actor__burst *b, unsigned flags,
                        actor__burst_refused_fn refused, void *ctx);
/* A reply message for request `id` with status st (and the body, copied,
 * when st is OK); NULL: no memory. The running worker's pool when there is
 * one. */
actor__msg *actor__reply_msg_new(actor_system *sys, uint64_t id, const actor_status *st,
                                 const char *body, size_t len);
/* Answers a message that will never run: requests DIED/REJECTED (st), casts
 * counted; consumes m. */
void actor__refuse(actor_system *sys, actor__msg *m, actor_status_category category,
                   const char *why);

/* monotonic deadline from a timeout in ms; one of a second or more may be
 * late by a few ms (read from the coarse clock, system.c) */
int64_t actor__deadline_after(uint32_t timeout_ms);
/* Whether a deadline (0: none) has passed (system.c). */
bool actor__deadline_passed(int64_t deadline);

/* A blocking call's spin before it sleeps (actor_system_opts.call_spin_us). */
#define ACTOR__CALL_SPIN_US 100
/* An idle worker's look for work before it sleeps (idle_spin_us). */
#define ACTOR__IDLE_SPIN_US 50
/* When a thread blocked in a call that started now stops spinning. */
int64_t actor__spin_until(const actor_system *sys);
/* One step of a spin: tells the CPU (and a hyperthread sibling) so. */
static inline void actor__spin_pause(void)
{
#if defined(__x86_64__) || defined(__i386__)
    __builtin_ia32_pause();
#endif
}

#endif /* ACTOR_INTERNAL_H */
