/*
 * actor/monitor.h - monitors (Erlang's monitor, Akka's watch): be told
 * once, with the reason, when an actor or a pool is gone.
 *
 * A monitor watches one actor_ref of this system: an actor or a pool.
 * When what it watches terminates or fails for good, the monitor fires
 * exactly once and is gone; watching what is
 * already gone fires at once, with ACTOR_DOWN_NOT_FOUND. A restart in
 * place is not an end: a supervised actor that crashes and comes back does
 * not fire its monitors; one that fails past its restart limit does.
 *
 * Two kinds of watcher:
 *   - anyone (a plain thread, a callback): actor_monitor with a function,
 *     which runs on the thread that saw the end (a worker, the thread that
 *     destroys the system, or the caller of actor_monitor when the watched
 *     is already gone). It must be quick and must not block.
 *   - an actor: actor_ctx_monitor from its handler. The news arrives as a
 *     message and its continuation runs on the actor, with its state, like
 *     a reply's. A monitor ends with its watcher: once the watcher actor has
 *     terminated, nothing runs.
 *
 * A monitor ends in one of the reasons below. A ref from actor_connect (an
 * actor of another system) is watched through that system's registry
 * ("actor/registry", actor/naming.h): its end is reported as there, and a
 * peer that refuses the connection, dies or stops answering (heartbeats,
 * actor_system_opts.peer_timeout_ms) fires ACTOR_DOWN_UNREACHABLE.
 * actor_monitor_peer (actor/remote.h) watches a whole peer system.
 *
 * Errors: 0 or a negative ACTOR_E* code (actor/error.h).
 */
#ifndef ACTOR_MONITOR_H
#define ACTOR_MONITOR_H

#include <stdint.h>

#include "actor/actor.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Why a monitor fired. Never renumbered (they are meant to travel). */
typedef enum actor_down_reason {
    ACTOR_DOWN_EXITED = 0,      /* it terminated: actor_terminate, a kill by name, its
                                   owner's end, its system's shutdown */
    ACTOR_DOWN_FAILED = 1,      /* its init failed, or it crashed and was not restarted */
    ACTOR_DOWN_NOT_FOUND = 2,   /* it was already gone (or never was) when watched */
    ACTOR_DOWN_UNREACHABLE = 3, /* another system's actor: that system cannot be reached
                                   (refused, gone, silent past the heartbeats) */
} actor_down_reason;

/* "EXITED", "FAILED", ...; a static string, never NULL. */
const char *actor_down_reason_name(actor_down_reason reason);

/* What a monitor reports: a plain value, copied freely. */
typedef struct actor_down {
    uint64_t monitor;         /* the id actor_monitor gave */
    actor_ref ref;            /* what was watched (a peer system: its registry's ref) */
    actor_down_reason reason;
    char message[ACTOR_STATUS_MESSAGE_SIZE]; /* for a person: "terminated",
                                                "crashed: ...", "init failed" */
} actor_down;

/* Runs once when a monitor fires (see above for the thread); `down` is
 * borrowed for the call. */
typedef void (*actor_down_fn)(void *user, const actor_down *down);

/* Watches `ref` (an actor or pool of sys, or a ref from actor_connect);
 * fn(user, ...) runs once. *id (may be NULL) receives the monitor's id,
 * for actor_demonitor. ACTOR_EINVAL for a NULL fn or ACTOR_REF_NONE,
 * ACTOR_ECLOSED when the system is shutting down. Any thread. */
int actor_monitor(actor_system *sys, actor_ref ref, actor_down_fn fn, void *user, uint64_t *id);

/* Runs once on the watching actor, serialised with its handlers; `state`
 * is its state (for a generated actor, the state its init made). */
typedef void (*actor_down_then_fn)(void *state, actor_ctx *ctx, const actor_down *down,
                                   void *user);

/* From a handler: the actor running it watches `ref`; then(state, ctx,
 * down, user) runs on it once. As actor_monitor otherwise. */
int actor_ctx_monitor(actor_ctx *ctx, actor_ref ref, actor_down_then_fn then, void *user,
                      uint64_t *id);

/* Cancels a monitor: once this returns 0 it does not fire. ACTOR_ENOTFOUND
 * when it has fired (or is firing now on another thread) or never was.
 * Any thread. */
int actor_demonitor(actor_system *sys, uint64_t id);

#ifdef __cplusplus
}
#endif

#endif /* ACTOR_MONITOR_H */
