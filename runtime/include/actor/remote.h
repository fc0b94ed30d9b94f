/*
 * actor/remote.h - actors across processes: binding an actor system's
 * endpoints (inproc, ipc, tcp; optionally CURVE with a client allow-list),
 * naming actors for remote callers, references to actors of other systems,
 * and the gateway's counters. docs/PROTOCOL.md is the wire protocol;
 * docs/RUNTIME.md says which thread does what (the system's endpoint and
 * its outgoing sockets belong to one worker at a time, the gateway's
 * holder, handed to an idle worker while a handler runs long; an
 * actor_client has its own).
 *
 * A remote reference is an ordinary actor_ref: actor_call, actor_call_async,
 * actor_cast (from a plain thread through an actor_client) and
 * actor_ctx_request, actor_ctx_cast (from a handler) work on it unchanged,
 * so generated stubs call remote actors as they call local ones. The
 * lifecycle functions (actor_terminate, actor_stats_get, ...) and
 * actor_health_check answer ACTOR_ENOTFOUND for a remote reference.
 *
 * Errors: 0 or a negative ACTOR_E* code (actor/error.h).
 */
#ifndef ACTOR_REMOTE_H
#define ACTOR_REMOTE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "actor/actor.h"
#include "actor/monitor.h"
#include "actor/security.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ============================================================== serving */

/* How an endpoint admits clients. A NULL pointer means plain (no CURVE). */
typedef struct actor_bind_opts {
    /* The server's CURVE secret key (Z85, 40 characters); NULL: plain. */
    const char *curve_secret_key;
    /* The client public keys (Z85) let in (borrowed for the call); with
     * CURVE, nobody else gets a message through. */
    const char *const *allowed_client_keys;
    size_t n_allowed_client_keys;
} actor_bind_opts;

/* Binds the system's endpoint socket on `endpoint` ("tcp://127.0.0.1:5555",
 * "tcp://127.0.0.1:*", "ipc:///tmp/x", "inproc://name"); may be called
 * several times for several endpoints, from any thread but a worker. The
 * endpoint actually bound (with the port chosen for "*") is written into
 * bound[size] (NUL-terminated) when bound is not NULL. ACTOR_EINVAL for a
 * bad endpoint or key, ACTOR_ESYSTEM when the bind fails (address in use,
 * an ipc directory that does not exist, ...; an ipc path a running server
 * is bound on is refused, not taken over), ACTOR_ESTATE on a worker,
 * ACTOR_ECLOSED when the system is shutting down. On failure bound[size]
 * says why, for a person: "tcp://127.0.0.1:5555: Address already in use".
 * Endpoints stay bound until actor_system_destroy, which sends every reply
 * still owed before it closes them. */
int actor_system_bind(actor_system *sys, const char *endpoint, const actor_bind_opts *opts,
                      char *bound, size_t size);

/* Names `ref` (a local actor) for remote callers (the envelope's `target`):
 * `name` is the whole wire name, "ns/name" for a name in a namespace
 * (actor/naming.h has namespaces, owners and get-if-exists spawns). Names
 * are unique within a system: registering a taken name fails with
 * ACTOR_ESTATE unless its actor is gone. ACTOR_EINVAL for an empty name,
 * one longer than 255 bytes or a remote ref; ACTOR_ENOTFOUND for a dead
 * ref. A name is released as soon as its actor is gone. Detached (no
 * owner). Any thread. */
int actor_register_name(actor_system *sys, actor_ref ref, const char *name);
/* ACTOR_ENOTFOUND when the name is not registered. */
int actor_unregister_name(actor_system *sys, const char *name);
/* The live local actor registered as `name`; ACTOR_ENOTFOUND if none. */
int actor_lookup_name(actor_system *sys, const char *name, actor_ref *out);

/* ============================================================ connecting */

/* How to reach a remote endpoint. A NULL pointer means plain. */
typedef struct actor_connect_opts {
    /* The server's CURVE public key (Z85); NULL: plain. */
    const char *curve_server_key;
    /* This side's CURVE keypair (copied); NULL with a server key: a fresh
     * random keypair (which a server with an allow-list will refuse). */
    const actor_curve_keypair *curve_client;
} actor_connect_opts;

/* A reference to the actor registered as `name` in the system serving
 * `endpoint` (any process, any host; "inproc://" for a system of this
 * process). Does not talk to the network: a wrong endpoint or name shows
 * up in the first call's status (UNREACHABLE, NOT_FOUND). Calls on it carry
 * the method's actor type name, so an actor of another type answers
 * NOT_FOUND. Connecting twice with the same endpoint, name and keys gives
 * the same ref. The ref stays valid until actor_system_destroy. Any
 * thread. ACTOR_EINVAL for a bad endpoint, name or key. */
int actor_connect(actor_system *sys, const char *endpoint, const char *name,
                  const actor_connect_opts *opts, actor_ref *out);

/* Whether `ref` came from actor_connect. */
bool actor_ref_is_remote(actor_ref ref);

/* Watches the system serving `endpoint` itself (actor/monitor.h): fn runs
 * once, with ACTOR_DOWN_UNREACHABLE when its process is gone, stops
 * answering (heartbeats) or refuses the connection, or ACTOR_DOWN_EXITED
 * when it shut down. down->ref is its registry's ref. As actor_monitor
 * otherwise; `opts` as actor_connect's. */
int actor_monitor_peer(actor_system *sys, const char *endpoint, const actor_connect_opts *opts,
                       actor_down_fn fn, void *user, uint64_t *id);

/* ==================================================== failure detection
 *
 * A system keeps one connection per endpoint and thread that calls it (a
 * plain thread's actor_client has its own; handlers and asynchronous calls
 * share the gateway's). Nothing is queued for a peer that is not
 * connected:
 *   - The first call or cast to an endpoint waits for its connection. A
 *     connection refused, an ipc path nobody serves, a host name that does
 *     not resolve, or a connect or handshake that takes longer than
 *     actor_system_opts.peer_timeout_ms (3 s by default) ends it at once:
 *     a call gets UNREACHABLE with the reason ("tcp://127.0.0.1:5555:
 *     connection refused") and code ACTOR_UNREACHABLE_NOT_SENT, actor_cast
 *     returns ACTOR_EUNREACHABLE.
 *   - A connection that hears nothing from its peer for peer_timeout_ms,
 *     not even the heartbeats libzmq sends every third of it (a stopped
 *     process, a host cut off), is closed, like one the peer closed. The
 *     calls waiting on it end UNREACHABLE at once ("connection lost", code
 *     ACTOR_UNREACHABLE_MAY_HAVE_RUN), not at their deadline.
 *   - A call to a peer found unreachable tries to connect again (one
 *     attempt, shared by every call made meanwhile), so a server that comes
 *     back is reached by the next call; libzmq keeps trying in the
 *     background too.
 *   - A cast sent from a handler (actor_ctx_cast) or queued while the
 *     connection was being made cannot return the failure: it is a dead
 *     letter (below). So is a cast this system received for a name, method
 *     or mailbox that cannot take it. A cast written to a connection that
 *     breaks before the peer reads it may be lost without a count (casts
 *     are at most once).
 * Shutting down sends what is queued to a connected peer (for up to 2 s
 * if it does not read); nothing waits for a peer that is not connected. */

/* A cast that could not be delivered, as the dead-letter handler sees it;
 * every pointer borrowed for the call. */
typedef struct actor_dead_letter {
    const char *endpoint; /* where it was going; NULL: a cast this system received */
    const char *target;   /* the actor's registered name; "" when it named an id */
    const char *method;   /* the method's name; "" when it named an index */
    const char *reason;   /* why, for a person */
    const char *body;     /* the cast's body (msgpack) */
    size_t len;
} actor_dead_letter;

typedef void (*actor_dead_letter_fn)(void *user, const actor_dead_letter *letter);

/* Sets the handler called for each dead letter (NULL: none; they are
 * counted in actor_gateway_stats.dead_letters either way). It runs on a
 * worker (or, at shutdown, the destroying thread), one call at a time,
 * and must not block. Any thread; `user` is passed back. */
void actor_on_dead_letter(actor_system *sys, actor_dead_letter_fn fn, void *user);

/* ============================================================ statistics */

/* The gateway's counters, a snapshot. */
typedef struct actor_gateway_stats {
    /* serving */
    uint64_t received;     /* messages read from the endpoints */
    uint64_t requests;     /* requests and casts delivered to mailboxes */
    uint64_t replies;      /* responses sent (results and error statuses) */
    uint64_t errors;       /* messages answered with an error status */
    uint64_t dropped;      /* messages dropped unanswered (bad casts, stray responses) */
    uint64_t unroutable;   /* responses whose client had gone (EHOSTUNREACH) or stopped reading at shutdown */
    uint64_t deferred;     /* responses that found the client's queue full and waited */
    /* a client that does not read its responses (docs/PROTOCOL.md §6) */
    uint64_t slow_rejected;        /* its requests answered REJECTED unrun (its backlog is over the bound) */
    uint64_t slow_dropped;         /* its requests dropped unanswered (not even REJECTED fit) */
    uint64_t slow_replies_dropped; /* its oldest waiting responses dropped at the hard bound */
    /* a full mailbox shared fairly (docs/PROTOCOL.md §6) */
    uint64_t fair_rejected; /* waiting requests of a client over its share, answered
                               REJECTED to make room for a client under it */
    uint64_t waiting_replies;      /* responses waiting for room now, all clients */
    uint64_t waiting_bytes;        /* their size now */
    /* calling */
    uint64_t calls_sent;   /* requests and casts sent to remote systems */
    uint64_t send_failed;  /* requests and casts that could not be sent (queue full: REJECTED) */
    uint64_t late_replies; /* responses for remote calls that no longer waited */
    uint64_t unreachable;  /* calls and casts that ended UNREACHABLE / ACTOR_EUNREACHABLE */
    uint64_t dead_letters; /* casts not delivered that no return code reported (above) */
    /* packing (docs/PROTOCOL.md "Batches", actor_system_opts.wire_batch);
     * the messages in them count above as if they came or went alone */
    uint64_t batches_received; /* BATCH messages read */
    uint64_t batches_sent;     /* BATCH messages sent (responses and calls) */
    uint64_t handoffs;         /* times an idle worker took the gateway over from one
                                  stuck in a long handler (docs/RUNTIME.md) */
} actor_gateway_stats;

void actor_gateway_stats_get(actor_system *sys, actor_gateway_stats *out);

#ifdef __cplusplus
}
#endif

#endif /* ACTOR_REMOTE_H */
