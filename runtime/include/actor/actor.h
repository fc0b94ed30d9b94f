/*
 * actor/actor.h - libactor's in-process core: the actor system, actor
 * references, the actor type that generated code describes, statuses, and
 * the generic (untyped) call API over encoded message bodies that generated
 * stubs wrap. docs/RUNTIME.md is the design this implements.
 *
 * Threads: an actor_system runs worker threads; an actor runs on one worker
 * at a time, so its state needs no locks. Plain threads call actors through
 * an actor_client (one per thread). Handlers talk to other actors through
 * their actor_ctx.
 *
 * Errors: every function returning int returns 0 or a negative ACTOR_E* code
 * (actor/error.h). A call that takes a callback and fails to start never
 * calls it. Ownership: `T **` consumes (and NULLs the caller's pointer),
 * `T *` borrows for the duration of the call unless stated otherwise.
 */
#ifndef ACTOR_ACTOR_H
#define ACTOR_ACTOR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <msgpack.h>

#include "actor/codec.h"
#include "actor/error.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct actor_system actor_system;
typedef struct actor_client actor_client;
typedef struct actor_ctx actor_ctx;
typedef struct actor_reply actor_reply;

/* ============================================================ references */

/* A reference to an actor: the slot index and generation of the actor in its
 * system's table. A value, copied freely, owning nothing. A reference to an
 * actor that has terminated stays harmless: using it yields NOT_FOUND. The
 * zero id is never a valid actor. */
typedef struct actor_ref {
    uint64_t id;
} actor_ref;

#define ACTOR_REF_NONE ((actor_ref){0})

static inline bool actor_ref_eq(actor_ref a, actor_ref b)
{
    return a.id == b.id;
}

/* ============================================================== statuses */

/* How a call ended. The values travel on the wire: never renumber. */
typedef enum actor_status_category {
    ACTOR_STATUS_OK = 0,           /* the handler replied */
    ACTOR_STATUS_ERROR = 1,        /* the handler raised a declared error: see code */
    ACTOR_STATUS_TIMEOUT = 2,      /* the deadline passed before a reply */
    ACTOR_STATUS_DIED = 3,         /* the actor terminated before replying */
    ACTOR_STATUS_REJECTED = 4,     /* refused by backpressure (mailbox full) */
    ACTOR_STATUS_DECODE = 5,       /* a body could not be decoded */
    ACTOR_STATUS_NOT_FOUND = 6,    /* no such actor or method */
    ACTOR_STATUS_UNAUTHORIZED = 7, /* the caller may not call this */
    ACTOR_STATUS_INTERNAL = 8,     /* a runtime failure or an undeclared error */
    ACTOR_STATUS_UNAVAILABLE = 9,  /* no instance can take the call (a pool whose
                                      instances have all failed); try again later */
    ACTOR_STATUS_UNREACHABLE = 10, /* the peer's endpoint refused the connection,
                                      does not resolve, or went silent (actor/remote.h) */
} actor_status_category;

#define ACTOR_STATUS_MESSAGE_SIZE 120

/* The code of an UNREACHABLE status: whether the request may have run. */
#define ACTOR_UNREACHABLE_MAY_HAVE_RUN 0 /* it was sent; its connection broke first */
#define ACTOR_UNREACHABLE_NOT_SENT 1     /* it never left this process: safe to retry */

/* The end of a call: a plain value (no pointers), copied freely. `code` is
 * the IDL error code when category is ACTOR_STATUS_ERROR, one of the
 * ACTOR_UNREACHABLE_* when UNREACHABLE, else 0. `message`
 * is always NUL-terminated (possibly empty), truncated to fit. */
typedef struct actor_status {
    actor_status_category category;
    int32_t code;
    char message[ACTOR_STATUS_MESSAGE_SIZE];
} actor_status;

/* "OK", "ERROR", "TIMEOUT", ...; a static string, never NULL. */
const char *actor_status_name(actor_status_category category);

/* Fills *st with a category, a code and a printf-formatted message. */
void actor_status_set(actor_status *st, actor_status_category category, int32_t code,
                      const char *fmt, ...) __attribute__((format(printf, 4, 5)));

/* ======================================================== the actor type */

/* What a method's invoke trampoline returns (or a negative ACTOR_E* code,
 * which the runtime answers as INTERNAL with actor_strerror's text). */
typedef enum actor_invoke_result {
    ACTOR_INVOKE_REPLY = 0,    /* reply_body holds the encoded reply (empty for casts) */
    ACTOR_INVOKE_RAISED = 1,   /* actor_ctx_raise/actor_ctx_fail set the status */
    ACTOR_INVOKE_DEFERRED = 2, /* actor_ctx_defer took the reply; it is answered later */
    ACTOR_INVOKE_CRASHED = 3,  /* actor_ctx_crash: the instance is broken (see there) */
} actor_invoke_result;

/* The trampoline generated per method: decode `body` (borrowed, `len`
 * bytes), call the typed handler with `state`, and either encode the reply
 * into `reply_body` (an empty buffer the runtime owns; append only) and
 * return ACTOR_INVOKE_REPLY, or `return actor_ctx_raise(ctx, CODE, "...")`
 * for a declared error, or `return actor_ctx_fail(ctx,
 * ACTOR_STATUS_DECODE, "...")` when the body does not decode. */
typedef int (*actor_invoke_fn)(void *state, actor_ctx *ctx, const char *body, size_t len,
                               msgpack_sbuffer *reply_body);

typedef enum actor_method_kind {
    ACTOR_METHOD_RPC = 0,  /* request/response */
    ACTOR_METHOD_CAST = 1, /* one-way: no reply is sent */
} actor_method_kind;

#define ACTOR_PRIORITY_DEFAULT_VALUE 128

/* One method of an actor type; generated code emits a static const table. */
typedef struct actor_method {
    const char *name;             /* the IDL method name */
    actor_method_kind kind;
    uint8_t priority;             /* default priority: @priority, else 128 */
    uint32_t timeout_ms;          /* @timeout; 0: the system's default */
    uint32_t retries;             /* @retries: times a request to a crashed instance is tried again */
    bool idempotent;              /* @idempotent: tried again after a crash, like retries = 1 */
    const int32_t *errors;        /* the declared error codes (static) */
    size_t n_errors;
    actor_invoke_fn invoke;
    /* A key_hash pool's key: the id of the field of this method's parameter
     * message whose value picks the instance (@pool(balance =
     * key_hash(field))); 0: none. */
    uint32_t key_field;
    /* Whether `invoke` reads a message's out-of-band frames itself
     * (actor_stub_enter does: actorc's method tables set it), so that a
     * large `bytes` value reaches the handler as a view into the received
     * frame (docs/PROTOCOL.md, "Large payloads"). false: `body` has every
     * value inline, the frames copied back into it. */
    bool reads_frames;
} actor_method;

/* What happens when a message arrives at a full mailbox. Every refusal
 * reaches the sender: a blocking actor_call ends REJECTED (returning 0);
 * actor_call_async, actor_cast, actor_ctx_request and actor_ctx_cast
 * return ACTOR_EFULL (no callback); a remote caller gets REJECTED.
 * Full means `capacity` messages or, in body bytes, the actor's
 * mailbox_max_bytes (actor_spawn_opts); a message bigger than that bound
 * alone is refused at once under every policy.
 * block: a plain thread waits for room until the deadline, then is
 * refused. A sender that must not block (a handler, an async client call,
 * the gateway) joins the mailbox's waiting line instead, which holds at
 * most `capacity` messages and mailbox_max_bytes body bytes (refused
 * beyond) and which a message leaves at
 * its deadline (or the system's default timeout when it has none),
 * answered TIMEOUT and freed at once.
 * reject: refused at once.
 * drop_oldest: the oldest messages of the lowest priority present are
 * removed until the newcomer fits (one, when full by count; possibly
 * several, when full by bytes) and, if requests, answered REJECTED; a
 * newcomer that would itself be one of those victims (dropping every
 * message of a priority <= its own would not make room, e.g. its priority
 * is below everything queued) is refused as with reject instead (counted
 * `rejected`, not `dropped`). */
typedef enum actor_overflow {
    ACTOR_OVERFLOW_BLOCK = 0,       /* wait for room until the deadline, then REJECTED */
    ACTOR_OVERFLOW_REJECT = 1,      /* REJECTED at once */
    ACTOR_OVERFLOW_DROP_OLDEST = 2, /* drop the oldest lowest-priority message (REJECTED) */
} actor_overflow;

#define ACTOR_MAILBOX_DEFAULT_CAPACITY 1024u
/* The default bound on the body bytes a mailbox holds (64 MiB: one remote
 * body of the largest size the gateway accepts fits). */
#define ACTOR_MAILBOX_DEFAULT_MAX_BYTES ((size_t)64 * 1024 * 1024)
#define ACTOR_STARVATION_DEFAULT_LIMIT 16u

/* An actor type: static, const, emitted by actorc per IDL `actor`. */
typedef struct actor_type {
    const char *name;              /* "package.Actor" */
    const actor_method *methods;   /* indexed by the generated method constants */
    size_t n_methods;
    /* Creates the state in *state from `arg` (the spawn argument, borrowed
     * for this call only). Runs on a worker before any message. Returns 0,
     * or a negative code: then the actor terminates without cleanup and
     * waiting requests are answered DIED. NULL: state starts as NULL. */
    int (*init)(void **state, const void *arg, actor_ctx *ctx);
    /* Frees the state; runs once, on a worker, after the last message.
     * NULL: nothing to free. */
    void (*cleanup)(void *state, actor_ctx *ctx);
    /* Returns 0 when healthy, or non-zero (by convention a negative
     * ACTOR_E* code or an application's own negative number) and a reason
     * written into reason[size] (NUL-terminated); actor_health_check
     * reports it as ERROR with this value as `code`. NULL: always healthy. */
    int (*health)(void *state, char *reason, size_t size);
    uint32_t mailbox_capacity;     /* 0: ACTOR_MAILBOX_DEFAULT_CAPACITY */
    actor_overflow overflow;
    uint32_t starvation_limit;     /* 0: ACTOR_STARVATION_DEFAULT_LIMIT */
    /* Appends what restore needs to rebuild the state to `out` (msgpack or
     * any bytes); 0, or a negative code (the last checkpoint is kept). Runs
     * on the actor's worker between messages: every
     * actor_spawn_opts.checkpoint_every messages, and after a handler that
     * called actor_ctx_checkpoint. NULL: never. */
    int (*checkpoint)(void *state, msgpack_sbuffer *out);
    /* After init, when a restartable actor restarts (actor_restart,
     * supervision) and a checkpoint was taken: rebuilds the state from the
     * last checkpoint's bytes (borrowed). 0, or a negative code (the
     * instance then crashes again). NULL: the state stays as init left it. */
    int (*restore)(void *state, const char *data, size_t len);
    /* Its methods and the messages and enums they use, as JSON (actorc
     * writes it; the introspection service's describe answers it, so a
     * caller needs no .actor file). NULL: not described. */
    const char *schema;
} actor_type;

/* ============================================================ the system */

typedef struct actor_system_opts {
    unsigned workers;             /* 0: one per online CPU */
    unsigned batch;               /* messages per actor turn; 0: 32 */
    uint32_t default_timeout_ms;  /* when neither call nor method has one; 0: 30000 */
    /* The ZeroMQ context of the system's sockets (borrowed: terminate it
     * after actor_system_destroy). NULL: the system creates its own on its
     * first bind or connect and terminates it when it is destroyed. Systems
     * of one process that talk over inproc:// must share one context. */
    void *zmq_context;
    /* The ZAP handler for the system's CURVE endpoints (actor/security.h;
     * borrowed, destroy it after the system). NULL: the system starts its
     * own on its first CURVE bind. libzmq allows one ZAP handler per
     * context, so systems sharing a context that bind CURVE endpoints must
     * share one actor_security here (the second own one fails the bind
     * with ACTOR_ESTATE). */
    struct actor_security *security;
    /* The default byte bound of every mailbox (see actor_spawn_opts);
     * 0: ACTOR_MAILBOX_DEFAULT_MAX_BYTES. */
    size_t mailbox_max_bytes;
    /* How many messages to one peer the gateway may pack into one ZeroMQ
     * message (a BATCH, docs/PROTOCOL.md "Batches": calls to a remote
     * system, responses to a client that sends batches itself). Messages
     * wait in a pack only while the worker holding the sockets has other
     * actors ready to run, for at most 8 of their turns, never while it
     * sleeps. 0: 256; 1: never pack (for peers that do not read batches);
     * at most 1024. */
    unsigned wire_batch;
    /* How long a thread blocked in actor_call (and in the generated
     * synchronous stubs) checks for its reply before it sleeps, in µs. A
     * reply that comes meanwhile is taken without the thread being woken:
     * on machines where waking a thread on another CPU costs tens of µs,
     * that halves a round trip, for at most this much CPU per call. 0: 100;
     * negative: never spin, sleep at once. */
    int call_spin_us;
    /* How long an idle worker looks for work before it sleeps, in µs: a
     * message sent meanwhile (a plain thread's next blocking call) is taken
     * without waking a thread, which on machines where that costs tens of
     * µs makes a blocking call several times faster. It yields the CPU
     * every few µs. 0: 50; negative: sleep at once. */
    int idle_spin_us;
    /* How long a remote peer may stay silent before it is unreachable, in
     * ms (actor/remote.h, "Failure detection"): heartbeats go every third of
     * it on every connection to a peer, a connection that hears nothing,
     * not even a heartbeat, for this long is closed and the calls waiting
     * on it end UNREACHABLE; a connect or handshake that takes longer fails
     * the same way. 0: 3000. */
    unsigned peer_timeout_ms;
    /* The size from which a `bytes` value of a message to a remote system
     * travels out of band, in a ZeroMQ frame of its own rather than inside
     * the body (docs/PROTOCOL.md, "Large payloads"): a blocking call or
     * cast copies it only when it encodes it, and the receiving handler
     * sees it where it arrived, without a copy. 0:
     * ACTOR_OOB_DEFAULT_THRESHOLD; SIZE_MAX: never. */
    size_t oob_threshold;
} actor_system_opts;

#define ACTOR_OOB_DEFAULT_THRESHOLD ((size_t)64u * 1024u)

/* Starts a system and its workers; `opts` may be NULL (all defaults).
 * On success *out is a new system the caller destroys. */
int actor_system_new(const actor_system_opts *opts, actor_system **out);

/* Shuts down: refuses new spawns and calls, terminates every actor with
 * drain (each processes its mailbox and waits for its outstanding
 * requests, as actor_terminate, then its cleanup hook runs), answers
 * every pending call (DIED when no reply came), joins the workers and frees
 * *sys, setting it to NULL. Destroy every actor_client first. Must not be
 * called from a worker. NULL or *NULL: nothing. */
void actor_system_destroy(actor_system **sys);

/* A state several actors share (actor_spawn_opts.shared_state). */
typedef struct actor_shared_state actor_shared_state;

/* A new, empty shared state, with one reference: the caller's, dropped
 * with actor_shared_state_release once its actors are spawned. */
int actor_shared_state_new(actor_shared_state **out);
/* Drops a reference; the last one frees it (its state is freed by the
 * last actor's cleanup, before). NULL: nothing. */
void actor_shared_state_release(actor_shared_state *s);

typedef struct actor_spawn_opts {
    bool inactive; /* start deactivated: messages wait until actor_activate */
    /* The bound on the body bytes of the user messages the mailbox holds,
     * besides the type's count bound (`mailbox_capacity`); 0: the system's
     * actor_system_opts.mailbox_max_bytes. A message that would take the
     * mailbox past either bound overflows, handled by the type's policy
     * (actor_overflow) as for the count; block's waiting line is bounded by
     * the same number of bytes. A message whose body alone is larger than
     * the bound is refused at once under every policy (REJECTED /
     * ACTOR_EFULL, counted `rejected`). Replies to the actor's own
     * requests are not counted. */
    size_t mailbox_max_bytes;
    /* Keep `arg` for restarts (actor_restart, supervision): it must then
     * stay valid while the actor lives, and init runs again with it at
     * every restart. */
    bool restartable;
    /* A restartable actor's: releases `arg` once the actor is gone for good
     * (after its last cleanup, or when spawn fails). NULL: nothing. */
    void (*arg_free)(const void *arg);
    /* Take a checkpoint (actor_type.checkpoint) after every this many
     * messages; 0: only when a handler asks (actor_ctx_checkpoint). */
    uint32_t checkpoint_every;
    /* Ray's max_task_retries, as this actor's default: how many times a
     * request that a crash interrupted is tried again when its method has
     * neither @retries nor @idempotent. 0: never (such a request is
     * answered DIED). */
    uint32_t max_task_retries;
    /* Ray's max_concurrency: run up to this many calls at once (for
     * handlers that wait on I/O); 0 or 1: one at a time. Honoured by the
     * generated <Actor>_spawn, which then spawns that many instances behind
     * one ref, sharing one state (least loaded first, restarted as a pool
     * is; `arg` must stay valid while the actor lives). Handlers then run
     * concurrently on the same state: guarding it is the handlers' own
     * business. actor_spawn itself refuses it (ACTOR_EINVAL): for a
     * hand-written type, spawn a pool with actor_pool_opts.shared_state. */
    uint32_t max_concurrency;
    /* Actors spawned with the same shared state share one state: the first
     * init makes it, the others (and restarts, while one holds it) take it
     * as it is, and the last cleanup frees it; restore is not run on it.
     * Each actor holds a reference to `shared_state` while it lives; it
     * must be `restartable` (an init that finds the state made does not
     * take `arg`, so the runtime must own it). NULL: the actor's own
     * state. Pools with shared_state set it. */
    actor_shared_state *shared_state;
} actor_spawn_opts;

/* Creates an actor of `type` (borrowed; must outlive the actor, normally
 * static). `arg` is passed to type->init on a worker, so it must stay valid
 * until init has run (e.g. until the first call returns) — pass NULL or
 * static data when in doubt. `opts` may be NULL. On success *ref names the
 * actor; messages may be sent at once and wait until init has run. */
int actor_spawn(actor_system *sys, const actor_type *type, const void *arg,
                const actor_spawn_opts *opts, actor_ref *ref);

/* Restarts a restartable actor in place (actor_spawn_opts.restartable):
 * once the handler running now (if any) returns, the continuations of its
 * outstanding requests run with DIED, its deferred replies are answered
 * DIED, cleanup runs, then init with the spawn argument and restore from
 * the last checkpoint. Its ref and the messages waiting in its mailbox stay:
 * they are served after the restart, in their order. ACTOR_ENOTFOUND for
 * a dead ref, ACTOR_ESTATE when not restartable or terminating. */
int actor_restart(actor_system *sys, actor_ref ref);

/* Incoming messages are processed (activate) or accepted and kept waiting
 * (deactivate). Replies to the actor's own requests and health checks are
 * still processed while inactive. ACTOR_ENOTFOUND for a dead ref. */
int actor_activate(actor_system *sys, actor_ref ref);
int actor_deactivate(actor_system *sys, actor_ref ref);

/* Starts termination and returns at once; new messages are refused (DIED).
 * drain: the messages already queued are processed first (even if
 * inactive), then the actor waits for its outstanding requests
 * (actor_ctx_request) to end — by reply, TIMEOUT at their deadlines, or
 * DIED — and runs their continuations, so work in progress such as a
 * deferred reply waiting for another actor's answer completes. (A
 * continuation that keeps making requests keeps it waiting; a second
 * terminate without drain cuts the wait short.) Without drain, queued
 * requests are answered DIED at once. Then the remaining outstanding
 * requests' continuations run with DIED, cleanup runs, unanswered deferred
 * replies are answered DIED, and the ref stops resolving (NOT_FOUND).
 * ACTOR_ENOTFOUND if already gone. */
int actor_terminate(actor_system *sys, actor_ref ref, bool drain);

/* Per-actor counters, a snapshot. */
typedef struct actor_stats {
    uint64_t mailbox_depth;  /* messages waiting (user lanes + blocked senders) */
    uint64_t mailbox_bytes;  /* their body bytes (bounded by mailbox_max_bytes) */
    uint64_t in_flight;      /* requests taken and not yet answered (running or deferred) */
    uint64_t processed;      /* messages whose handler ran */
    uint64_t errors;         /* handler results other than OK (raised, failed, internal) */
    uint64_t rejected;       /* messages refused because the mailbox (or waiting line) was full */
    uint64_t dropped;        /* messages removed by drop_oldest */
    uint64_t overflows;      /* pushes that found the mailbox full (any policy) */
    uint64_t expired;        /* messages whose deadline passed before they ran (requests: TIMEOUT) */
    uint64_t late_replies;   /* replies to this actor's requests that came too late */
    uint64_t crashes;        /* actor_ctx_crash (and restarts that failed) */
    uint64_t restarts;       /* restarts in place that succeeded */
    uint64_t retried;        /* requests a crash interrupted, queued again */
} actor_stats;

int actor_stats_get(actor_system *sys, actor_ref ref, actor_stats *out);

/* How long an actor's handlers run: a histogram of handler run times (from
 * the handler's start to its return; a deferred reply's wait is not in
 * it), in log-linear buckets 1/8 of a power of two wide, so a percentile
 * read from it is within about 6% of the true value. The first 64 runs of
 * an actor are all timed, then one in 8 (two clock reads cost more than a
 * small handler), so `count` is the number of runs timed, not of runs. */
#define ACTOR_LATENCY_BUCKETS 248u
typedef struct actor_latency {
    uint64_t count;  /* runs timed */
    uint64_t max_ns; /* the longest */
    uint64_t buckets[ACTOR_LATENCY_BUCKETS];
} actor_latency;

/* The histogram of `ref` (a pool's: its instances' together) into *out.
 * ACTOR_ENOTFOUND for a dead ref, ACTOR_EINVAL for a remote one. */
int actor_latency_get(actor_system *sys, actor_ref ref, actor_latency *out);
/* Adds the runs of `from` to `into`. */
void actor_latency_merge(actor_latency *into, const actor_latency *from);
/* Counts one run of `ns` in h (a histogram of your own, e.g. a client's
 * call times; zero it first). */
void actor_latency_add_ns(actor_latency *h, uint64_t ns);
/* The run time (ns) that a fraction q (0 < q <= 1: 0.5, 0.99, 0.999) of
 * the timed runs did not exceed; 0 when nothing was timed. */
uint64_t actor_latency_quantile(const actor_latency *h, double q);

/* System-wide counters. */
typedef struct actor_system_stats {
    uint64_t actors;         /* live actors */
    uint64_t late_replies;   /* replies for client calls that no longer wait */
    uint64_t undeliverable;  /* replies whose caller actor was gone */
    uint64_t wakeups;        /* times a sleeping worker was woken (actor_system_opts.idle_spin_us) */
} actor_system_stats;

void actor_system_stats_get(actor_system *sys, actor_system_stats *out);

/* =============================================================== calls */

#define ACTOR_PRIORITY_DEFAULT (-1)

/* Per-call options. A NULL pointer means ACTOR_CALL_OPTS_DEFAULT. */
typedef struct actor_call_opts {
    int priority;        /* 0..255, or ACTOR_PRIORITY_DEFAULT: the method's */
    uint32_t timeout_ms; /* 0: the method's timeout_ms, else the system's default */
} actor_call_opts;

#define ACTOR_CALL_OPTS_DEFAULT ((actor_call_opts){ACTOR_PRIORITY_DEFAULT, 0})

/* The method being called: `type` is the actor type the caller expects (a
 * mismatch is NOT_FOUND; NULL skips the check) and `method` the index in
 * its method table. Generated stubs pass their own constants. */
typedef struct actor_method_ref {
    const actor_type *type;
    uint32_t method;
} actor_method_ref;

/* Called once per asynchronous call, with how it ended; `body`/`len` (the
 * reply when OK, else empty) are borrowed for the duration of the call. */
typedef void (*actor_reply_fn)(void *user, uint64_t call_id, const actor_status *st,
                               const char *body, size_t len);

/* A handle for calls from one plain (non-worker) thread. *out is owned by
 * the caller and freed with actor_client_destroy. actor_call, actor_cast
 * and actor_health_check may block, so on a worker thread (inside a
 * handler) they fail with ACTOR_ESTATE: handlers use actor_ctx_*. */
int actor_client_new(actor_system *sys, actor_client **out);

/* Answers the client's still-pending asynchronous calls with DIED (their
 * callbacks run on this thread, before it returns), frees *c, sets it NULL. */
void actor_client_destroy(actor_client **c);

/* Synchronous request: waits until the reply or the deadline. Always fills
 * *st. Returns 0 when the call was made (st says how it ended: OK, ERROR,
 * TIMEOUT, DIED, REJECTED, ...) or a negative code when it could not start
 * (ACTOR_ENOTFOUND: no such actor, also st NOT_FOUND; ACTOR_EINVAL,
 * ACTOR_ENOMEM; ACTOR_ECLOSED, also st DIED). A call refused by
 * backpressure (a full mailbox, under any overflow policy) was made: 0
 * with st REJECTED. When OK, the reply body is appended to `reply`
 * (caller-owned; may be NULL to discard it). */
int actor_call(actor_client *c, actor_ref to, actor_method_ref m, const char *body, size_t len,
               const actor_call_opts *opts, actor_status *st, msgpack_sbuffer *reply);

/* Asynchronous request: returns at once; `cb(user, ...)` is called exactly
 * once: on the worker thread that delivers the reply, on the system's timer
 * thread (TIMEOUT), or on the thread calling actor_client_destroy or
 * actor_system_destroy (DIED). cb must not block and must not use `c`.
 * *call_id (may be NULL) receives the call's correlation id. On a negative
 * return cb is never called: ACTOR_EFULL when refused by backpressure at
 * once (see actor_overflow), ACTOR_ENOTFOUND, ACTOR_ECLOSED, ... */
int actor_call_async(actor_client *c, actor_ref to, actor_method_ref m, const char *body,
                     size_t len, const actor_call_opts *opts, actor_reply_fn cb, void *user,
                     uint64_t *call_id);

/* One-way message. With a full mailbox: ACTOR_EFULL (reject), a dropped
 * older message (drop_oldest; ACTOR_EFULL when this cast would itself be
 * the victim), or waiting for room until the deadline, then ACTOR_EFULL
 * (block). ACTOR_ENOTFOUND / ACTOR_ECLOSED as for actor_call. */
int actor_cast(actor_client *c, actor_ref to, actor_method_ref m, const char *body, size_t len,
               const actor_call_opts *opts);

/* A buffer of this thread's, emptied, to encode a body into right before
 * passing it to one of the calls above or below, which copy the body before
 * they return (so encoding does not allocate a buffer per message: generated
 * stubs use it). Owned by the runtime: valid until this thread calls
 * actor_encode_buffer again, freed when the thread exits; do not destroy it
 * or keep pointers into it. */
msgpack_sbuffer *actor_encode_buffer(void);

/* Health check: runs the type's health hook on the actor (also while
 * inactive). *st is OK; or ERROR when the hook reports the actor
 * unhealthy, with `code` the hook's own non-zero return value (not an IDL
 * error code: a health check has no declared errors, and IDL codes are
 * >= 1 while the hook's are negative by convention) and its reason as the
 * message; or NOT_FOUND/DIED/TIMEOUT when the check itself did not run.
 * Return as actor_call. */
int actor_health_check(actor_client *c, actor_ref to, uint32_t timeout_ms, actor_status *st);

/* ====================================================== inside a handler */

/* The actor running the handler; its system; the current message's id,
 * priority and deadline (CLOCK_MONOTONIC ns, 0: none). */
actor_ref actor_ctx_self(const actor_ctx *ctx);
actor_system *actor_ctx_system(const actor_ctx *ctx);
uint64_t actor_ctx_message_id(const actor_ctx *ctx);
int actor_ctx_priority(const actor_ctx *ctx);
int64_t actor_ctx_deadline(const actor_ctx *ctx);

/* Sets the current message's status to ERROR with `code` (which must be one
 * of the method's declared errors, else the caller sees INTERNAL) and a
 * message; returns ACTOR_INVOKE_RAISED for the trampoline to return. */
int actor_ctx_raise(actor_ctx *ctx, int32_t code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* The same with any category (DECODE, INTERNAL, UNAUTHORIZED, ...). */
int actor_ctx_fail(actor_ctx *ctx, actor_status_category category, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* The handler's instance is broken and must not serve another message:
 * returns ACTOR_INVOKE_CRASHED for the trampoline to return (the typed
 * handlers return it as they return actor_ctx_raise's result). This is
 * what "crash" means for an actor that shares its process: the runtime
 * cannot stop a handler, so a handler that finds its state corrupt, or a
 * library it depends on wedged, says so. Then:
 *   - the current request is tried again after the restart (or on another
 *     instance of its pool) when its method is @idempotent or has
 *     @retries left; otherwise its caller gets DIED with `fmt`'s text;
 *   - the actor serves nothing until it is restarted; messages waiting in
 *     its mailbox stay there, in order;
 *   - its supervisor (actor/supervise.h; a pool's instances have one)
 *     restarts it after its backoff, or marks it failed past its restart
 *     limit. An actor nobody supervises is terminated (queued messages are
 *     answered DIED).
 * A segfault or abort in a handler takes the whole process down: run such
 * code with process isolation (actor/pool.h). */
int actor_ctx_crash(actor_ctx *ctx, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Asks for a checkpoint (actor_type.checkpoint) once the handler returns. */
void actor_ctx_checkpoint(actor_ctx *ctx);

/* Takes the current request's reply so that it can be answered later, from
 * this actor's own handlers or continuations (never another thread); the
 * trampoline then returns ACTOR_INVOKE_DEFERRED. *out is owned by the
 * actor until answered with actor_reply_send / actor_reply_status; one left
 * unanswered when the actor terminates is answered DIED and freed. Returns
 * ACTOR_EINVAL for a cast (nothing to reply to) or ACTOR_ENOMEM. */
int actor_ctx_defer(actor_ctx *ctx, actor_reply **out);

/* Answers a deferred reply and frees it (NULLs *r): OK with `body` (copied),
 * or the status `st` (an ERROR code the method did not declare becomes
 * INTERNAL). */
int actor_reply_send(actor_reply **r, const char *body, size_t len);
int actor_reply_status(actor_reply **r, const actor_status *st);

/* Runs on the calling actor once its request ends (serialised with its
 * other messages, so it may touch `state`): reply body (borrowed, empty
 * unless OK), the status, and `user` as given. Called exactly once per
 * successful actor_ctx_request: with the reply, TIMEOUT at the deadline, or
 * DIED when the calling actor terminates first. */
typedef void (*actor_then_fn)(void *state, actor_ctx *ctx, const actor_status *st,
                              const char *body, size_t len, void *user);

/* Asynchronous request from a handler or continuation: returns at once;
 * `then` runs later on this actor ("request(...).then(...)"). *call_id may
 * be NULL. On a negative return (ACTOR_ENOTFOUND, ACTOR_ECLOSED,
 * ACTOR_EFULL when refused by backpressure, ACTOR_ENOMEM) `then` is never
 * called. A full `block` mailbox does not block the worker: the message
 * joins its bounded waiting line and the continuation runs later (the
 * line being full too: ACTOR_EFULL). */
int actor_ctx_request(actor_ctx *ctx, actor_ref to, actor_method_ref m, const char *body,
                      size_t len, const actor_call_opts *opts, actor_then_fn then, void *user,
                      uint64_t *call_id);

/* One-way message from a handler. ACTOR_EFULL when refused by
 * backpressure (see actor_overflow: a handler never blocks, so a full
 * `block` mailbox with a full waiting line refuses too): the handler
 * decides, e.g. to try again in a later turn. */
int actor_ctx_cast(actor_ctx *ctx, actor_ref to, actor_method_ref m, const char *body, size_t len,
                   const actor_call_opts *opts);

/* Runs on the actor once a timer of actor_ctx_after is due, serialised
 * with its other messages: `state` is the actor's state (for a generated
 * actor, the state its init made), `user` as given. */
typedef void (*actor_after_fn)(void *state, actor_ctx *ctx, void *user);

/* A timer from a handler or continuation: fn(state, ctx, user) runs on
 * this actor once, `delay_ms` from now (or as soon after as its worker
 * gets to it), unless actor_ctx_cancel_after takes it back first or the
 * actor ends first (then it never runs). *timer_id (may be NULL) names it.
 * A timer costs no message until it is due (it rides on the actor's
 * request deadlines). 0, ACTOR_EINVAL (fn NULL) or ACTOR_ENOMEM. */
int actor_ctx_after(actor_ctx *ctx, uint32_t delay_ms, actor_after_fn fn, void *user,
                    uint64_t *timer_id);

/* Takes back a timer of this actor's that has not run: true, and it never
 * will; false when it ran already or is not this actor's. */
bool actor_ctx_cancel_after(actor_ctx *ctx, uint64_t timer_id);

/* The current monotonic time in nanoseconds (the clock of deadlines). */
int64_t actor_now_ns(void);

#ifdef __cplusplus
}
#endif

#endif /* ACTOR_ACTOR_H */
