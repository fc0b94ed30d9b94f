/*
 * supervise.h - the supervision layer's internals (actor/supervise.h is
 * its API): the child records pools route by, and how the pool layer
 * reaches them.
 */
#ifndef ACTOR_SUPERVISE_INTERNAL_H
#define ACTOR_SUPERVISE_INTERNAL_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "actor/supervise.h"
#include "core/actor_internal.h"

/* Where a child is in its life. Written under the root's lock, read
 * without it by pools (a moment's view is enough to route). */
typedef enum actor__child_state {
    ACTOR__CHILD_LIVE,       /* serving */
    ACTOR__CHILD_CRASHED,    /* crashed or unhealthy: waits for its restart */
    ACTOR__CHILD_RESTARTING, /* restart asked, not done yet */
    ACTOR__CHILD_FAILED,     /* past its restart limit: terminated, not restarted */
    ACTOR__CHILD_REMOVED,    /* taken out (a pool's shrink, destroy): its exit is expected */
} actor__child_state;

typedef struct actor__process actor__process;

typedef struct actor__child {
    struct actor_supervisor *sup;
    unsigned index;
    actor_child_spec spec;           /* spec.spec: our own copy */
    struct actor_supervisor *nested; /* a nested supervisor (then no actor) */
    _Atomic int state;               /* actor__child_state */
    atomic_uint_fast64_t ref;        /* the actor's ref id (changes when respawned) */
    /* The actor's struct, for a pool's load reading without a reference:
     * structs are never freed while the system lives (docs/RUNTIME.md,
     * "The actor table"), so a stale pointer reads a stale number. */
    _Atomic(actor__actor *) actor;
    atomic_bool suspect;          /* its health check timed out: routed around */
    atomic_int pid;               /* process isolation: the child process, 0: none */
    atomic_uint_fast64_t retried; /* process isolation: requests sent again after a death */

    /* Under the root's lock. */
    bool crash_seen, restart_seen, exit_seen, unhealthy_seen;
    bool crash_unhealthy; /* with crash_seen: it was found unhealthy (a process child) */
    bool respawn; /* its actor is gone: start a new one (new ref) */
    bool group;   /* restarts because a sibling did (one-for-all, rest-for-one) */
    bool health_pending;
    uint64_t health_token;
    int64_t next_health, restart_at, crashed_at;
    uint32_t delay_ms;
    int64_t *restarts; /* the times of its restarts in the window, a ring */
    uint32_t n_restarts, ring_head;
    char reason[ACTOR_STATUS_MESSAGE_SIZE];
    struct actor__process *proc; /* process isolation */
} actor__child;

/* A supervisor whose children fail one by one (a pool's): a child past its
 * limit is marked failed without failing the supervisor. */
int actor__supervisor_new_pool(actor_system *sys, const actor_supervisor_opts *opts,
                               actor_supervisor **out);
/* Adds a child as actor_supervisor_add does; *child (may be NULL) is its
 * record, which lives as long as the supervisor. */
int actor__supervisor_add(actor_supervisor *s, const actor_child_spec *spec, actor__child **child);
/* Takes a child out: its exit is not a crash. Its actor is the caller's to
 * terminate. */
void actor__supervisor_remove(actor_supervisor *s, actor__child *c);
/* The state of c, as pools read it. */
static inline actor__child_state actor__child_state_of(const actor__child *c)
{
    return (actor__child_state)atomic_load_explicit(&c->state, memory_order_acquire);
}
static inline actor_ref actor__child_ref(const actor__child *c)
{
    actor_ref r = {atomic_load_explicit(&c->ref, memory_order_acquire)};
    return r;
}
/* Counts c under its state: live, crashed or restarting, failed. false
 * (nothing counted) when it was removed. */
bool actor__child_tally(const actor__child *c, size_t *live, size_t *restarting, size_t *failed);
/* Restarts counted over the supervisor's life. */
uint64_t actor__supervisor_restarts(actor_supervisor *s);
/* Every actor the supervisor starts from now on gets `router` as its owner
 * (actor__set_owner): a pool's. */
void actor__supervisor_set_owner(actor_supervisor *s, actor_ref router);
/* Keeps the child records alive past actor_supervisor_destroy until the
 * matching release (a pool's senders may still read them). */
void actor__supervisor_retain(actor_supervisor *s);
void actor__supervisor_release(actor_supervisor *s);

/* ------------------------------------------------------------ process.c */

/* The type of an actor that stands in for instances of `t` elsewhere (a
 * process instance's stand-in, a pool across hosts): *own is a copy of t
 * whose methods all run `invoke` on one body (reads_frames false: their
 * frames are joined back in), with one more method at index t->n_methods,
 * `control` (priority 255), and `init` and `cleanup` as its hooks (no
 * health, checkpoint or restore). *methods receives the method table the
 * copy points to (malloc'd: the caller frees it after the actor ended). 0
 * or ACTOR_ENOMEM. */
/* The timeout of a stand-in's forward of a message whose caller's
 * deadline is `deadline` (actor_ctx_deadline): the ms left, at least 1;
 * 0 (the method's or the system's) when it has none. */
uint32_t actor__forward_timeout_ms(int64_t deadline);

int actor__stand_in_type(const actor_type *t, actor_invoke_fn invoke, const char *control,
                         actor_method_kind control_kind,
                         int (*init)(void **state, const void *arg, actor_ctx *ctx),
                         void (*cleanup)(void *state, actor_ctx *ctx), actor_type *own,
                         actor_method **methods);

/* Starts c's actor in a child process and the stand-in actor that forwards
 * to it; *ref names the stand-in (what callers and pools see). */
int actor__process_spawn(actor_system *sys, actor__child *c, actor_ref *ref);
/* Starts a new child process behind c's stand-in (a restart). */
int actor__process_restart(actor__child *c);
/* Reaps c's process if it has died: true when it did (its stand-in then
 * answers or re-sends what was in flight), with *unhealthy true when it
 * ended because it was found unhealthy (by its own health checks, or
 * killed by actor__process_kill_unhealthy): then `why` is not written
 * over when the kill set it already. */
bool actor__process_reap(actor__child *c, char *why, size_t size, bool *unhealthy);
/* Kills c's process (SIGKILL), e.g. when it failed for good. */
void actor__process_kill(actor__child *c);
/* The same, because its health check failed: reaped as unhealthy. */
void actor__process_kill_unhealthy(actor__child *c);
/* The health checks of the supervisor of c: every interval_ms (0: none),
 * each failing after timeout_ms. A process child runs them on itself. */
void actor__supervisor_health_opts(const actor_supervisor *s, uint32_t *interval_ms,
                                   uint32_t *timeout_ms);
/* Kills and reaps the process, frees c->proc (the stand-in terminates on
 * its own). */
void actor__process_free(actor__child *c);

#endif /* ACTOR_SUPERVISE_INTERNAL_H */
