/*
 * actor/supervise.h - supervisors: restart actors that crash, report
 * unhealthy or miss their health checks, under a restart limit with
 * jittered exponential backoff; supervisors nest (Erlang/OTP's tree).
 *
 * A supervisor spawns its children itself, from a child spec, so that it
 * can restart them: a thread-isolated child restarts in place (same ref,
 * same mailbox: the messages waiting there are served after it, in
 * order; actor_restart), a process-isolated one in a new child process
 * behind the same ref. Each root supervisor runs one thread of its own,
 * shared by the supervisors nested under it; the handlers never run there.
 */
#ifndef ACTOR_SUPERVISE_H
#define ACTOR_SUPERVISE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "actor/actor.h"

#ifdef __cplusplus
extern "C" {
#endif

/* What restarting one child means for its siblings. */
typedef enum actor_strategy {
    ACTOR_ONE_FOR_ONE = 0,  /* only the child restarts */
    ACTOR_ONE_FOR_ALL = 1,  /* every child restarts with it */
    ACTOR_REST_FOR_ONE = 2, /* it and the children added after it restart (a
                               pipeline whose later stages depend on it) */
} actor_strategy;

/* Where a child's handlers run. */
typedef enum actor_isolation {
    ACTOR_ISOLATION_THREAD = 0,  /* on this process's workers */
    ACTOR_ISOLATION_PROCESS = 1, /* in a child process of its own, reached over ipc:
                                    a segfault, abort or kill -9 takes down only it */
} actor_isolation;

/* @restart(max, window, backoff). A child restarts at most `max` times in
 * any `window_ms`; the next crash marks it failed (and fails a nested
 * supervisor, which its parent then handles as its own child's crash).
 * The n-th restart within the window waits backoff_ms * 2^(n-1), at most
 * backoff_max_ms, times a random factor in [0.5, 1.5) (jitter: instances
 * that crashed together do not restart together). */
typedef struct actor_restart_opts {
    uint32_t max;            /* 0 with window_ms 0: the defaults below */
    uint32_t window_ms;      /* 0: 60000 */
    uint32_t backoff_ms;     /* 0: no wait */
    uint32_t backoff_max_ms; /* 0: 30000 */
} actor_restart_opts;

/* The defaults of @restart: 3 restarts in 60 s, 100 ms backoff. */
#define ACTOR_RESTART_DEFAULT_MAX 3u
#define ACTOR_RESTART_DEFAULT_WINDOW_MS 60000u
#define ACTOR_RESTART_DEFAULT_BACKOFF_MS 100u

/* What happened to a child, for the supervisor's report hook. */
typedef enum actor_supervision_event_kind {
    ACTOR_CHILD_CRASHED = 0,   /* it crashed (reason says why) */
    ACTOR_CHILD_UNHEALTHY = 1, /* its health check failed or timed out */
    ACTOR_CHILD_RESTARTED = 2, /* it serves again */
    ACTOR_CHILD_FAILED = 3,    /* past its restart limit: not restarted again */
} actor_supervision_event_kind;

typedef struct actor_supervision_event {
    actor_supervision_event_kind kind;
    const char *supervisor; /* actor_supervisor_opts.name */
    unsigned child;         /* its index in the supervisor, in the order added */
    actor_ref ref;          /* the child's ref (stays the same across restarts) */
    int pid;                /* a process-isolated child's process id, else 0 */
    uint32_t restarts;      /* restarts within the current window */
    uint32_t delay_ms;      /* RESTARTED: the backoff it waited */
    const char *reason;     /* borrowed for the call */
} actor_supervision_event;

/* Called on the supervisor's thread for every event. */
typedef void (*actor_supervision_fn)(void *user, const actor_supervision_event *ev);

typedef struct actor_supervisor_opts {
    actor_strategy strategy;
    actor_restart_opts restart;
    uint32_t health_interval_ms; /* check every child this often; 0: never */
    uint32_t health_timeout_ms;  /* a check unanswered this long failed; 0: 1000 */
    const char *name;            /* for reports (copied); NULL: "supervisor" */
    /* Reports. NULL: FAILED events print one line on stderr; all are counted. */
    actor_supervision_fn report;
    void *report_user;
} actor_supervisor_opts;

/* Spawns one instance of a child from `spec` (the bytes given to
 * actor_supervisor_add, copied and kept by the supervisor) with `opts`
 * (pass them on to the spawn function: they make the actor restartable).
 * Generated code provides one per actor: <Actor>_spawn_spec. */
typedef int (*actor_spawn_fn)(actor_system *sys, const void *spec, const actor_spawn_opts *opts,
                              actor_ref *ref);

typedef struct actor_child_spec {
    const actor_type *type; /* the child's type (the generated <Actor>_type) */
    actor_spawn_fn spawn;
    const void *spec; /* copied: spec_size bytes */
    size_t spec_size;
    actor_isolation isolation;
    /* A checkpoint every this many messages (actor_spawn_opts); 0: on request. */
    uint32_t checkpoint_every;
    /* Retries of an interrupted request whose method has neither @retries
     * nor @idempotent (actor_spawn_opts.max_task_retries); also with
     * process isolation. */
    uint32_t max_task_retries;
    /* actor_spawn_opts.shared_state of the child (borrowed: it must live
     * while the supervisor does); NULL: its own state. Not with process
     * isolation. */
    actor_shared_state *shared_state;
    /* This child's own restart limit; all zero: the supervisor's. */
    actor_restart_opts restart;
} actor_child_spec;

typedef struct actor_supervisor actor_supervisor;

typedef struct actor_supervisor_stats {
    size_t children;   /* actors and nested supervisors */
    size_t live;       /* serving now */
    size_t restarting; /* crashed, waiting for their restart */
    size_t failed;     /* past their restart limit */
    uint64_t crashes, unhealthy, restarts, failures;
} actor_supervisor_stats;

/* A supervisor of nothing yet; `opts` may be NULL (one-for-one, the
 * default restart limit, no health checks). `parent`: nest it under
 * another (it then shares the parent's thread, and its own failure is a
 * crash of the parent's child); NULL: a root, with a thread of its own.
 * Destroy roots with actor_supervisor_destroy before the system. */
int actor_supervisor_new(actor_system *sys, actor_supervisor *parent,
                         const actor_supervisor_opts *opts, actor_supervisor **out);

/* Spawns a child and supervises it; *ref (may be NULL) names it. */
int actor_supervisor_add(actor_supervisor *s, const actor_child_spec *child, actor_ref *ref);

void actor_supervisor_stats_get(actor_supervisor *s, actor_supervisor_stats *out);

/* Whether the supervisor has failed (a nested one past its limit stays
 * failed until its parent restarts it). */
bool actor_supervisor_failed(actor_supervisor *s);

/* A process-isolated child's current process id (0: none, or thread
 * isolation). ACTOR_ENOTFOUND for an index out of range. */
int actor_supervisor_child_pid(actor_supervisor *s, unsigned child, int *pid);

/* Terminates the children (with drain: each serves what waits in its
 * mailbox first), nested supervisors first, stops the thread, frees *s. A
 * nested supervisor is destroyed with its root. NULL: nothing. */
void actor_supervisor_destroy(actor_supervisor **s, bool drain);

#ifdef __cplusplus
}
#endif

#endif /* ACTOR_SUPERVISE_H */
