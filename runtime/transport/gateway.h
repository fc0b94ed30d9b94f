/*
 * gateway.h - libactor's ZeroMQ side (internal; actor/remote.h is the
 * public API, docs/RUNTIME.md the design):
 *
 *   gateway.c  the system's endpoint (one ROUTER bound on every endpoint),
 *              remote requests into mailboxes and their responses
 *              back (per client, bounded), the holder's pump and wait,
 *              the hand-off of the gateway to an idle worker, shutdown
 *              without lost replies; the system's ZeroMQ context and ZAP
 *              domains.
 *   names.c    the name registry that remote requests target.
 *   queues.c   the queues of records: the holder's inbox and sendq, the
 *              clients' responses waiting for room.
 *   remote.c   remote references (actor_connect), calls on them: a
 *              client's blocking calls and casts on the client's own
 *              DEALER, everything else through the holder's DEALERs;
 *              what a peer found unreachable costs its calls and casts.
 *   link.c     one DEALER to one endpoint and its connection state.
 *
 * Threads: the gateway's *holder*, one worker at a time (worker 0 first;
 * docs/RUNTIME.md, "The gateway's holder"), uses the ROUTER, its DEALERs
 * and everything else listed as the holder's, and only while it has
 * `hold` locked; the destroying thread once the workers stopped. An
 * actor_client owns its DEALERs. Everything else in actor__gateway is
 * guarded by `lock` or atomic.
 */
#ifndef ACTOR_GATEWAY_H
#define ACTOR_GATEWAY_H

#include <zmq.h>

#include "actor/naming.h"
#include "actor/remote.h"
#include "actor/supervise.h"
#include "core/actor_internal.h"
#include "transport/pack.h"
#include "base/wire.h"

/* A remote system's endpoint as actor_connect named it; immutable. */
typedef struct actor__endpoint {
    uint32_t index; /* in actor__gateway.endpoints */
    bool curve;
    char server_key[ACTOR_CURVE_KEY_LEN + 1];
    actor_curve_keypair client;
    char address[]; /* "tcp://host:port" */
} actor__endpoint;

/* What a remote ref names; immutable. */
typedef struct actor__remote {
    const actor__endpoint *endpoint;
    char name[];
} actor__remote;

/* An encoded message on its way (to the holder, or waiting for room). */
typedef struct actor__outgoing {
    struct actor__outgoing *next;
    uint64_t id;        /* outgoing requests: the message id */
    uint32_t endpoint;  /* outgoing: actor__endpoint.index */
    bool request;       /* outgoing: a request (else a cast) */
    actor__route route; /* outgoing requests: where the response goes */
    int64_t expires;    /* outgoing requests: when `outstanding` forgets them */
    bool served;        /* a served request's end from another thread, not yet
                           encoded: id = its local message id, data = the status
                           (env_len bytes; none when OK), then the body */
    bool delimiter;     /* responses: the peer framed with an empty delimiter */
    bool packed;        /* responses: to a request that came in a BATCH (may be packed) */
    size_t id_len, env_len, body_len; /* responses: routing id first */
    char data[];
} actor__outgoing;

typedef struct actor__outq {
    actor__outgoing *head, *tail;
} actor__outq;

/* The responses waiting for one client (by routing id) whose queue in
 * libzmq is full; the holder's. Exists only while it holds some. */
typedef struct actor__peer_queue {
    struct actor__peer_queue *hash_next;   /* in its bucket */
    struct actor__peer_queue *prev, *next; /* in actor__peers.all */
    actor__outq q;
    size_t count, bytes;
    uint64_t hash;
    size_t id_len;
    uint8_t id[];
} actor__peer_queue;

/* How many responses may wait for one client that does not read them
 * (docs/PROTOCOL.md section 6). At the soft bound its new requests are
 * refused unrun (REJECTED, or dropped when even that finds no room); at
 * the hard bound a new response pushes out its oldest waiting one. The
 * hard bound covers the requests it had in mailboxes when it reached the
 * soft one. Both counted in actor_gateway_stats. */
#define ACTOR__WAITING_SOFT_COUNT 256u
#define ACTOR__WAITING_SOFT_BYTES ((size_t)1u << 20)
#define ACTOR__WAITING_HARD_COUNT 1024u
#define ACTOR__WAITING_HARD_BYTES ((size_t)8u << 20)

/* Every client's waiting responses: a hash table by routing id and a list
 * that flushing walks. The holder's. */
typedef struct actor__peers {
    actor__peer_queue **buckets;
    size_t n_buckets; /* a power of two, or 0 */
    size_t n_queues;
    actor__peer_queue *all;
} actor__peers;

struct actor__gateway {
    actor_system *sys;
    uint64_t serial;          /* this gateway's number in the process (caches' keys) */
    void *zctx;               /* the sockets' context: opts.zmq_context or our own */
    void *_Atomic zctx_ready; /* zctx once made: read without `lock` */
    bool own_zctx;            /* created by the first bind/connect; terminated at destroy */
    actor_security *security; /* opts.security, or our own (first CURVE bind) */
    bool own_security;
    char **domains; /* the ZAP domains our binds created; forgotten at destroy */
    size_t n_domains;

    pthread_mutex_t naming; /* taken before `lock` by name registrations (names.c) */
    pthread_mutex_t lock;   /* guards everything down to `has_work` */
    pthread_cond_t cmd_done;
    actor__outq inbox; /* responses from other threads (encoded, or `served`) */
    actor__outq sendq; /* requests and casts from other threads */
    struct actor__bind_cmd *cmds;
    struct actor__named *names;
    struct actor__export *exports; /* actor_export_type's, under `naming` */
    actor_ref watchdog;            /* watchdog.c's actor, under `naming`; 0: none yet */
    actor__endpoint **endpoints;
    size_t n_endpoints, cap_endpoints;
    actor__remote **remotes;       /* never moved: a larger copy replaces it, the old one */
    size_t n_remotes, cap_remotes; /* stays in `retired` until destroy */
    _Atomic(actor__remote **) remotes_ready; /* remotes and n_remotes as published, */
    atomic_size_t n_remotes_ready;           /* read without `lock` (remote_of) */
    void *retired[64];                       /* replaced remotes arrays (doubling: at most 64) */
    size_t n_retired;
    atomic_uint names_version; /* changed (with `lock`) by every name (un)registration */
    actor_dead_letter_fn dead_letter; /* actor_on_dead_letter's, under `lock` */
    void *dead_letter_user;
    atomic_bool has_work;      /* inbox, sendq or cmds not empty */

    /* Who holds the gateway (docs/RUNTIME.md, "The gateway's holder"). */
    pthread_mutex_t hold;       /* locked by whoever uses what follows it */
    atomic_uint holder;         /* the holder's worker index; written with `hold` locked */
    atomic_bool handoff_wanted; /* the stall check found the holder in one long handler */
    atomic_bool open;           /* a socket exists: the stall check watches the holder */

    /* The holder's, used with `hold` locked (the destroying thread's once
     * the workers stopped). */
    void *router;
    struct actor__peer_link **links; /* by endpoint index; NULL until used (remote.c) */
    size_t n_links;
    actor__peers waiting;    /* responses waiting for room, per client */
    msgpack_sbuffer sb;      /* responses' envelopes */
    msgpack_sbuffer call_sb; /* envelopes of calls the holder sends itself */
    actor__wire_in in;
    int64_t next_sweep;
    actor__idmap calls;                     /* served requests in mailboxes, by local id */
    struct actor__served_call *free_served; /* their records, for reuse */
    size_t n_free_served;
    actor__idmap outstanding;             /* requests sent through the holder, by id */
    struct actor__outcall *free_outcalls; /* their records, for reuse */
    size_t n_free_outcalls;
    /* The last name a request named and its actor, as of names_version
     * cached_version (acquire_named; saves the lock and the list walk). */
    bool name_cached;
    unsigned cached_version;
    actor_ref cached_ref;
    char cached_name[ACTOR__WIRE_MAX_NAME + 1];
    unsigned reads_skipped;      /* busy pumps left that skip reading (pump, gateway.c) */
    /* The last client found over its share of a full mailbox (gateway.c,
     * admit_fairly): its next refusals there skip the count. */
    uint64_t fair_actor;
    unsigned fair_skips;
    size_t fair_id_len;
    uint8_t fair_id[256];
    actor__packs response_packs; /* responses to packed requests, per client (pack.h) */
    actor__packs call_packs;     /* requests and casts sent by the holder, per endpoint */
    /* The requests and casts read for one actor, queued together when the
     * ZeroMQ message they came in is read or the next one is for another
     * actor (actor__burst, actor_internal.h); the burst holds a reference
     * to its actor. burst_name (when burst_by_name) or the actor's id is
     * what those messages targeted: a message targeting the same joins it
     * without a lookup. */
    actor__burst burst;
    bool burst_by_name;
    char burst_name[ACTOR__WIRE_MAX_NAME + 1];
    /* The envelope shape (actor__wire_msg.shape) last found valid for the
     * burst's actor, and its method: a message of that shape needs no
     * lookup at all. 0: none. */
    uint64_t burst_shape;
    const actor_method *burst_method;
    uint32_t burst_index;
    /* The replies read for one calling actor of this system, queued
     * together the same way (remote.c); it holds a reference too. */
    actor__burst reply_burst;

    atomic_uint_fast64_t received, requests, replies, errors, dropped, unroutable, deferred;
    atomic_uint_fast64_t slow_rejected, slow_dropped, slow_replies_dropped;
    atomic_uint_fast64_t waiting_replies, waiting_bytes, next_response_id;
    atomic_uint_fast64_t calls_sent, send_failed, late_replies;
    atomic_uint_fast64_t batches_received, batches_sent;
    atomic_uint_fast64_t handoffs; /* times an idle worker took the gateway over */
    atomic_uint_fast64_t unreachable, dead_letters, fair_rejected;
    atomic_uint_fast64_t next_link; /* numbers the links' monitor endpoints */
};

typedef struct actor__gateway actor__gateway;

/* ------------------------------------------------------------ gateway.c */

/* The system's gateway, made on its first use: attaches the transport
 * layer to sys (actor__transport_attach). *out receives it. ACTOR_ENOMEM. */
int actor__gateway_get(actor_system *sys, actor__gateway **out);
/* The gateway for a bind or a connect: ACTOR_ECLOSED when the system shuts
 * down, ACTOR_ESYSTEM without a ZeroMQ context, else as actor__gateway_get. */
int actor__gateway_open(actor_system *sys, actor__gateway **out);
/* The system's gateway, or NULL while nothing has used the transport. */
static inline actor__gateway *actor__gateway_of(actor_system *sys)
{
    return actor__transport(sys);
}

/* How the calling thread may use the holder's sockets now. */
typedef enum actor__hold {
    ACTOR__HOLD_NO,     /* not the holder, or the sockets are busy: hand over */
    ACTOR__HOLD_TAKEN,  /* the holder's thread, `hold` now locked */
    ACTOR__HOLD_NESTED, /* inside the holder's own pump (already locked) */
} actor__hold;
/* Any thread: ACTOR__HOLD_NO unless it is the holder's, which takes `hold`
 * if free (never waits). Pair with actor__gateway_leave. */
actor__hold actor__gateway_enter(actor__gateway *g);
void actor__gateway_leave(actor__gateway *g, actor__hold how);

/* The sockets' ZeroMQ context of g: the system's opts.zmq_context, or
 * one of its own created on first use; NULL on failure. */
void *actor__gateway_context(actor__gateway *g);
/* A cast this system cannot deliver (reason, for a person): counted
 * (`dead_letters`) and passed to the dead-letter handler if one is set.
 * endpoint: where it was going, or NULL for one this system received;
 * everything borrowed for the call. The holder or the destroying thread. */
void actor__gateway_dead_letter(actor__gateway *g, const char *endpoint, const char *target,
                                const char *method, const char *reason, const char *body,
                                size_t len);

/* Queues o for the holder (the inbox for responses, the sendq for
 * requests) and wakes it. */
void actor__gateway_hand_over(actor__gateway *g, actor__outq *q, actor__outgoing *o);

/* ------------------------------------------------------------- queues.c */

/* A record with room for a routing id, an envelope and a body of these
 * sizes, zeroed but for its data; NULL: no memory. The caller owns it. */
actor__outgoing *actor__outgoing_new(size_t id_len, size_t env_len, size_t body_len);
/* FIFOs of records: push takes o, pop hands the oldest back (NULL when
 * empty), free frees every record left. */
void actor__outq_push(actor__outq *q, actor__outgoing *o);
actor__outgoing *actor__outq_pop(actor__outq *q);
void actor__outq_free(actor__outq *q);
/* The waiting queue of the client with routing id `id` (borrowed), or
 * NULL. */
actor__peer_queue *actor__peers_find(actor__peers *p, const uint8_t *id, size_t len);
/* The same, created empty (the id copied) if it has none; NULL: no memory. */
actor__peer_queue *actor__peers_get(actor__peers *p, const uint8_t *id, size_t len);
/* Unlinks and frees an empty queue. */
void actor__peers_remove(actor__peers *p, actor__peer_queue *q);

/* Whether this thread has the gateway's `hold` locked now (it is the
 * holder, in its pump or sending from a handler). */
bool actor__gateway_held_here(const actor__gateway *g);

/* -------------------------------------------------------------- names.c */

/* The actor registered as `name`, acquired (release it); NULL if none or
 * dead. Any thread; the holder keeps the last answer while no name
 * changes. */
actor__actor *actor__names_acquire(actor__gateway *g, const char *name);
/* Appends the body of a CONTROL "names" answer to `body` (a NamesReply:
 * every name whose actor is alive, with its type and id). 0, or a negative
 * code. Any thread. */
int actor__names_write(actor__gateway *g, msgpack_sbuffer *body);
/* At destroy: frees every registration and exported type. */
void actor__names_free(actor__gateway *g);
/* The live named actors of `ns` (NULL: every namespace) as
 * actor_names_list reports them, in *out (free it; NULL when none). */
int actor__names_snapshot(actor_system *sys, const char *ns, actor_name_info **out, size_t *n);
/* Registers `ref` as `name` in the system's own namespace
 * (ACTOR_SERVICE_NAMESPACE), which actor_name_register refuses. */
int actor__names_register_service(actor_system *sys, actor_ref ref, const char *name);

/* A type actor_export_type made creatable by name. */
typedef struct actor__exported {
    const actor_type *type;
    actor_spawn_fn spawn;
    const void *spec; /* the exporter's, valid while the system lives */
} actor__exported;
/* The exported type called `type_name` into *out; ACTOR_ENOTFOUND. */
int actor__export_find(actor_system *sys, const char *type_name, actor__exported *out);

/* ----------------------------------------------------------- registry.c */

/* Spawns the registry (actor_sys.Registry, idl/actor_system.actor) and
 * names it ACTOR_SERVICE_NAMESPACE "/" ACTOR_REGISTRY_NAME, unless one
 * runs already; then the introspection service (introspect.c). Any thread
 * but a worker. */
int actor__registry_start(actor__gateway *g);

/* ------------------------------------------------------------ watchdog.c */

/* actor__transport_ops.watch: watches the remote ref through its
 * system's registry (its `watch`, asked again at each timeout) and fires
 * monitor `monitor` with what it learns: the end, or UNREACHABLE. */
int actor__watchdog_watch(actor_system *sys, actor_ref ref, uint64_t monitor);
/* actor__transport_ops.stopping: ends the watchdog without drain, so that
 * the watches it keeps in flight (each waits up to the default timeout for
 * news) do not hold the shutdown up; their monitors fire EXITED. */
void actor__watchdog_stop(void *gw);

/* ---------------------------------------------------------- introspect.c */

/* Spawns the introspection service (actor_sys.Introspect) as
 * ACTOR_SERVICE_NAMESPACE "/" ACTOR_INTROSPECT_NAME, unless one runs. */
int actor__introspect_start(actor__gateway *g);
/* Starts a system service: spawns it with spawn(sys, &sys, &ref) and names
 * it `name` in the service namespace, unless a live one holds the name. */
int actor__service_start(actor__gateway *g, const char *name,
                         int (*spawn)(actor_system *sys, actor_system *const *arg,
                                      actor_ref *ref));

/* ------------------------------------------------------------- remote.c */

/* The call behind actor_call on a remote ref (a plain thread): request on
 * the client's DEALER, wait for its response or the deadline. As
 * actor_call. */
int actor__remote_call(actor_client *c, actor_ref to, const actor_method_ref *m, const char *body,
                       size_t len, const actor_call_opts *opts, actor_status *st,
                       msgpack_sbuffer *reply);
/* The registry of the system that serves the remote ref `to` (the same
 * endpoint and keys) into *registry, and the name `to` has there into
 * name[size]. ACTOR_ENOTFOUND when `to` is not a remote ref. */
int actor__remote_registry(actor_system *sys, actor_ref to, actor_ref *registry, char *name,
                           size_t size);
/* actor_cast on a remote ref, on the client's DEALER. */
int actor__remote_cast(actor_client *c, actor_ref to, const actor_method_ref *m, const char *body,
                       size_t len, const actor_call_opts *opts);
/* Sends a request (route: where its response goes, by message id `id`) or
 * a cast (route NULL) to a remote ref through the holder. Returns 0 (a
 * request's end then comes through route exactly once, REJECTED when it
 * could not be sent) or a negative code (nothing was sent; ACTOR_EFULL
 * when the holder's queue to the peer is full). */
int actor__remote_submit(actor_system *sys, actor_ref to, const actor_method_ref *m,
                         const char *body, size_t len, const actor_call_opts *opts,
                         const actor__route *route, uint64_t id);
/* Closes the client's DEALERs. */
void actor__client_remote_fini(actor_client *c);

/* The holder: sends o (an outgoing request or cast) on its DEALER; frees o. A
 * request that cannot be sent is answered REJECTED. */
void actor__remote_send_queued(actor__gateway *g, actor__outgoing *o);
/* The holder: reads and routes every response its DEALERs have, and what
 * their connections did (when their monitors woke it, else now and then);
 * how many ZeroMQ messages it read. */
size_t actor__remote_read(actor__gateway *g);
/* The holder, before it sleeps: a poll item for each DEALER and each of
 * their monitors into items[cap]; how many. After the poll, polled takes
 * those items back (n of them) and notes which monitors woke it. */
size_t actor__remote_poll_items(actor__gateway *g, zmq_pollitem_t *items, size_t cap);
void actor__remote_polled(actor__gateway *g, const zmq_pollitem_t *items, size_t n);
/* The destroying thread: closes the DEALERs; casts waiting for a
 * connection wait for its outcome a moment (up to the linger), then go or
 * are dead letters. */
void actor__remote_links_close(actor__gateway *g);
/* The holder: sends the calls packed for each endpoint that are due (all
 * when `idle`; pack.h); a request that cannot be sent is answered
 * REJECTED. */
void actor__remote_flush(actor__gateway *g, bool idle);
/* The destroying thread: frees the outcall records kept for reuse. */
void actor__remote_outcalls_fini(actor__gateway *g);
/* The holder: forgets outstanding requests long past their deadline. */
void actor__remote_sweep(actor__gateway *g);

#endif /* ACTOR_GATEWAY_H */
