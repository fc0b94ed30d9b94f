/*
 * actor/pool.h - pools: N instances of one actor type behind one actor_ref.
 *
 * A pool's ref takes the same calls as a single actor's (actor_call, the
 * generated stubs, actor_connect by a registered name): each request or
 * cast goes to one instance, chosen by the pool's balancing policy when
 * it is sent. The instances are supervised (actor/supervise.h): one that
 * crashes restarts in place, one past its restart limit is marked failed
 * and the pool routes around it; when no instance is live a call ends at
 * once with ACTOR_STATUS_UNAVAILABLE (ACTOR_EUNAVAILABLE), never waiting
 * for its deadline. actor_terminate on the pool's ref terminates it and
 * every instance; actor_system_destroy does it for every pool.
 *
 * Generated code spawns a pool of an IDL actor with its @pool, @restart
 * and @isolation settings: <Actor>_spawn_pool.
 */
#ifndef ACTOR_POOL_H
#define ACTOR_POOL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "actor/actor.h"
#include "actor/supervise.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Which instance a message goes to. */
typedef enum actor_balance {
    ACTOR_BALANCE_ROUND_ROBIN = 0,  /* each live instance in turn */
    ACTOR_BALANCE_LEAST_LOADED = 1, /* the live instance with the fewest messages
                                       queued and running */
    ACTOR_BALANCE_RANDOM2 = 2,      /* the less loaded of two live instances taken
                                       at random (power of two choices) */
    ACTOR_BALANCE_KEY_HASH = 3,     /* by the value of the method's key field
                                       (actor_method.key_field): the same key always
                                       reaches the same instance while it lives; a
                                       restarted instance keeps its keys; when one
                                       fails or the pool is resized, keys move to
                                       the others (jump consistent hashing: only
                                       the keys that must move do) */
} actor_balance;

typedef struct actor_pool_opts {
    unsigned size;         /* instances at the start; 0: 1 */
    actor_balance balance;
    /* Calls one instance is meant to take at once, for free slots and
     * has_free (Ray's ActorPool: 1); 0: 1. Routing does not enforce it. */
    unsigned slots;
    actor_isolation isolation;
    actor_restart_opts restart;  /* all zero: @restart's defaults */
    uint32_t health_interval_ms; /* 0: no health checks */
    uint32_t health_timeout_ms;  /* 0: 1000 */
    uint32_t checkpoint_every;   /* messages; 0: when a handler asks */
    uint32_t max_task_retries;   /* actor_spawn_opts.max_task_retries of every instance */
    /* The instances share one state (actor_spawn_opts.shared_state): the
     * first init makes it, the last cleanup frees it, a restarted instance
     * takes it as it is. What max_concurrency spawns; not with process
     * isolation (ACTOR_EINVAL). */
    bool shared_state;
    const char *name;            /* for reports; NULL: the type's name */
    actor_supervision_fn report; /* as actor_supervisor_opts */
    void *report_user;
} actor_pool_opts;

/* Spawns a pool of `type` whose instances `spawn` makes from `spec`
 * (spec_size bytes, copied and kept for restarts and growth). On success
 * *pool names it. */
int actor_pool_spawn(actor_system *sys, const actor_type *type, actor_spawn_fn spawn,
                     const void *spec, size_t spec_size, const actor_pool_opts *opts,
                     actor_ref *pool);

typedef struct actor_pool_stats {
    size_t size;       /* instances (live, restarting, failed; not those draining) */
    size_t live;       /* serving now */
    size_t restarting; /* crashed, waiting for their restart */
    size_t failed;     /* past their restart limit, routed around */
    size_t draining;   /* removed by a shrink, finishing what they had */
    uint64_t in_flight;  /* messages queued at or running on the instances */
    uint64_t free_slots; /* the live instances' slots not taken by in_flight */
    uint64_t routed;      /* messages sent to an instance */
    uint64_t unavailable; /* calls refused because no instance was live */
    uint64_t restarts, failures;
    uint64_t retried; /* requests a crash or a dead process interrupted, sent again */
} actor_pool_stats;

/* ACTOR_ENOTFOUND when `pool` is not a live pool. */
int actor_pool_stats_get(actor_system *sys, actor_ref pool, actor_pool_stats *out);

/* A pool's load at a glance (Ray's ActorPool: has_free, free slots), from
 * the stats. */
uint64_t actor_pool_in_flight(actor_system *sys, actor_ref pool);
uint64_t actor_pool_free_slots(actor_system *sys, actor_ref pool);
bool actor_pool_has_free(actor_system *sys, actor_ref pool);

/* Grows (delta > 0: new instances serve at once) or shrinks (delta < 0:
 * the newest instances stop receiving new messages, serve what they have
 * queued and running, then terminate) the pool. No message is lost or
 * served twice. A pool keeps at least one instance: ACTOR_EINVAL for a
 * shrink below that, or a growth past 1024 instances. */
int actor_pool_scale(actor_system *sys, actor_ref pool, int delta);

/* The instances' refs, in instance order, the routed-around ones too:
 * *n receives how many there are, at most `cap` are written. */
int actor_pool_members(actor_system *sys, actor_ref pool, actor_ref *out, size_t cap, size_t *n);

/* The process ids of a process-isolated pool's instances (0 for one with
 * no live process), as actor_pool_members. */
int actor_pool_pids(actor_system *sys, actor_ref pool, int *out, size_t cap, size_t *n);

/* The pool's supervisor (borrowed; lives as long as the pool): for its
 * stats, or to nest a pool's instances' fate under a wider tree. */
actor_supervisor *actor_pool_supervisor(actor_system *sys, actor_ref pool);

/* ================================================== pools across hosts
 *
 * A pool whose members are actors of other systems, normally on other
 * hosts: refs from actor_connect (actor/remote.h), one per member, each an
 * actor of the pool's type registered on its host. The pool is a local
 * actor with the type's methods; each message goes to the reachable member
 * with the fewest of the pool's calls in flight. A member is found down by
 * the failure detector (actor/remote.h, "Failure detection": refused, lost,
 * or silent past actor_system_opts.peer_timeout_ms) or when its actor ends;
 * the calls in flight to it that end UNREACHABLE go to another member when
 * they never left or their method is @idempotent or has @retries, and are
 * answered UNREACHABLE otherwise; it gets no new ones. Every `rejoin_ms` it
 * is asked again (a lookup of its name in its registry) and rejoins at the
 * first answer. With no member up a call is answered UNAVAILABLE. The pool
 * ends with actor_terminate; its members are not touched. docs/RUNTIME.md,
 * "Pools across hosts". */

typedef struct actor_host_pool_opts {
    const actor_ref *members; /* n_members refs from actor_connect (copied) */
    size_t n_members;
    uint32_t rejoin_ms; /* how often a down member is asked again; 0: 250 */
} actor_host_pool_opts;

/* Spawns a pool of `type` (static, the members' type) over opts->members.
 * ACTOR_EINVAL for no members or a member that is not a remote ref. */
int actor_host_pool_spawn(actor_system *sys, const actor_type *type,
                          const actor_host_pool_opts *opts, actor_ref *pool);

/* One member as the pool sees it. */
typedef struct actor_host_member_stats {
    actor_ref ref;
    bool up;
    uint64_t in_flight; /* the pool's calls to it now */
    uint64_t sent;      /* messages forwarded to it */
    uint64_t retried;   /* calls that ended UNREACHABLE on it and went to another member */
    uint64_t downs;     /* times it was found down */
    uint64_t rejoins;   /* times it came back */
} actor_host_member_stats;

/* The members of the host pool `pool` of sys, in the order given, asked
 * through client c (a call to the pool, answered between its messages):
 * *n receives how many there are, at most `cap` are written.
 * ACTOR_ENOTFOUND when `pool` is no host pool (or did not answer). */
int actor_host_pool_stats(actor_system *sys, actor_client *c, actor_ref pool,
                          actor_host_member_stats *out, size_t cap, size_t *n);

#ifdef __cplusplus
}
#endif

#endif /* ACTOR_POOL_H */
