/*
 * supervisor.c - supervisors (actor/supervise.h; docs/RUNTIME.md,
 * "Supervision").
 *
 * A root supervisor owns one thread and one lock, shared by the
 * supervisors nested under it. Children tell it what happens to them
 * through the core's watch hook (actor__watch), which runs on their
 * worker: the hook only marks the child's record under the lock and
 * signals; the thread does the rest (restart limits, backoff, restarts,
 * health checks, reports), so no handler ever waits for supervision and
 * the thread never waits for a worker: everything it asks of the core is
 * non-blocking (actor_restart, actor_terminate, the async health check).
 *
 * A root's memory is counted: one for its handle (actor_supervisor_destroy),
 * one per child actor that has not exited yet (the child's EXITED event is
 * the last thing the core tells it), so that an event arriving while or
 * after the handle is destroyed still finds the records.
 */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "supervise/supervise.h"

/* The thread looks at its children at least this often (process children
 * are reaped at this pace) and when an event wakes it. */
#define TICK_NS (10 * 1000000LL)
/* Backoff's factor on each restart within the window, and its cap. */
#define DEFAULT_BACKOFF_MAX_MS 30000u
#define DEFAULT_HEALTH_TIMEOUT_MS 1000u

struct actor_supervisor {
    actor_system *sys;
    struct actor_supervisor *root, *parent;
    actor__child *as_child; /* our record in the parent */
    actor_supervisor_opts opts;
    char *name;
    bool independent; /* a pool's: children fail alone */
    actor_ref owner;  /* a pool's router: every child's owner */
    actor__child **children;
    size_t n_children, cap_children;
    bool failed;
    uint64_t crashes, unhealthy, restarts, failures;

    /* The root's. */
    pthread_mutex_t lock;
    pthread_cond_t wake;
    pthread_t thread;
    bool thread_started, quit;
    unsigned counted; /* the handle + child actors not exited */
    actor_client *client;
    uint64_t next_token;
    unsigned seed;
    struct actor_supervisor **nested; /* every supervisor under the root */
    size_t n_nested, cap_nested;
};

static int64_t now_ns(void)
{
    return actor_now_ns();
}

static void free_tree(actor_supervisor *root);

/* Drops one count of root (lock held); true when it was the last: the
 * caller frees the tree once it has unlocked. */
static bool uncount(actor_supervisor *root)
{
    return --root->counted == 0;
}

static void set_state(actor__child *c, actor__child_state st)
{
    atomic_store_explicit(&c->state, (int)st, memory_order_release);
}

/* ======================================================== child events */

/* The core's watch hook (a child's worker, outside its lock). */
static void watched(void *user, actor_ref ref, actor__watch_event ev, const char *reason)
{
    actor__child *c = user;
    actor_supervisor *root = c->sup->root;
    bool last = false;

    pthread_mutex_lock(&root->lock);
    if (ref.id == atomic_load(&c->ref)) {
        switch (ev) {
        case ACTOR__WATCH_CRASHED:
            c->crash_seen = true;
            c->crashed_at = now_ns();
            snprintf(c->reason, sizeof c->reason, "%s", reason);
            break;
        case ACTOR__WATCH_RESTARTED:
            c->restart_seen = true;
            break;
        case ACTOR__WATCH_EXITED:
        default:
            c->exit_seen = true;
            snprintf(c->reason, sizeof c->reason, "%s", reason);
            break;
        }
        pthread_cond_signal(&root->wake);
    }
    if (ev == ACTOR__WATCH_EXITED)
        last = uncount(root);
    pthread_mutex_unlock(&root->lock);
    if (last)
        free_tree(root);
}

static void report(actor_supervisor *s, actor__child *c, actor_supervision_event_kind kind,
                   const char *reason)
{
    actor_supervision_event ev = {
        .kind = kind,
        .supervisor = s->name,
        .child = c->index,
        .ref = actor__child_ref(c),
        .pid = atomic_load(&c->pid),
        .restarts = c->n_restarts,
        .delay_ms = c->delay_ms,
        .reason = reason,
    };

    if (s->opts.report != NULL)
        s->opts.report(s->opts.report_user, &ev);
    else if (kind == ACTOR_CHILD_FAILED)
        fprintf(stderr, "actor: supervisor %s: child %u failed after %u restarts: %s\n", s->name,
                c->index, c->n_restarts, reason);
}

/* ============================================================ spawning */

/* Starts c's actor (or process) and watches it; root lock held. */
static int start_child(actor_supervisor *s, actor__child *c)
{
    actor_spawn_opts o = {0};
    actor_ref ref = ACTOR_REF_NONE;
    actor__actor *a;
    int rc;

    o.restartable = true;
    o.checkpoint_every = c->spec.checkpoint_every;
    o.max_task_retries = c->spec.max_task_retries;
    o.shared_state = c->spec.shared_state;
    if (c->spec.isolation == ACTOR_ISOLATION_PROCESS)
        rc = actor__process_spawn(s->sys, c, &ref);
    else
        rc = c->spec.spawn(s->sys, c->spec.spec, &o, &ref);
    if (rc != 0)
        return rc;
    atomic_store(&c->ref, ref.id);
    s->root->counted++; /* until its EXITED */
    if (actor__watch(s->sys, ref, watched, c) != 0) {
        c->exit_seen = true; /* gone already (its init failed): a respawn */
        snprintf(c->reason, sizeof c->reason, "exited at once");
        s->root->counted--;
        return 0;
    }
    if (s->owner.id != 0)
        actor__set_owner(s->sys, ref, s->owner);
    a = actor__acquire(s->sys, ref);
    atomic_store(&c->actor, a);
    if (a != NULL)
        actor__release(a); /* the pointer stays readable (type-stable) */
    c->respawn = false;
    return 0;
}

/* ============================================================= restarts */

static uint32_t restart_max(const actor__child *c)
{
    const actor_restart_opts *r = &c->spec.restart;

    if (r->max == 0 && r->window_ms == 0 && r->backoff_ms == 0 && r->backoff_max_ms == 0)
        r = &c->sup->opts.restart;
    return r->max;
}

static const actor_restart_opts *restart_of(const actor__child *c)
{
    const actor_restart_opts *r = &c->spec.restart;

    if (r->max == 0 && r->window_ms == 0 && r->backoff_ms == 0 && r->backoff_max_ms == 0)
        r = &c->sup->opts.restart;
    return r;
}

/* Forgets the restarts older than the window; returns how many are left. */
static uint32_t restarts_in_window(actor__child *c, int64_t now)
{
    const actor_restart_opts *r = restart_of(c);
    int64_t since = now - (int64_t)r->window_ms * 1000000;
    uint32_t cap = restart_max(c) + 1;

    while (c->n_restarts != 0) {
        uint32_t oldest = (c->ring_head + cap - c->n_restarts) % cap;
        if (c->restarts[oldest] >= since)
            break;
        c->n_restarts--;
    }
    return c->n_restarts;
}

static void count_restart(actor__child *c, int64_t now)
{
    uint32_t cap = restart_max(c) + 1;

    c->restarts[c->ring_head] = now;
    c->ring_head = (c->ring_head + 1) % cap;
    if (c->n_restarts < cap)
        c->n_restarts++;
}

/* The wait before the n-th restart in the window: exponential, capped,
 * jittered by a factor in [0.5, 1.5). */
static uint32_t backoff_ms(actor_supervisor *s, const actor__child *c, uint32_t n)
{
    const actor_restart_opts *r = restart_of(c);
    uint64_t cap = r->backoff_max_ms != 0 ? r->backoff_max_ms : DEFAULT_BACKOFF_MAX_MS;
    uint64_t d = r->backoff_ms;
    double jitter;

    for (uint32_t i = 1; i < n && d < cap; i++)
        d *= 2;
    if (d > cap)
        d = cap;
    jitter = 0.5 + (double)(rand_r(&s->root->seed) % 1000) / 1000.0;
    return (uint32_t)((double)d * jitter);
}

static void fail_supervisor(actor_supervisor *s, const char *reason);

/* c is past its limit: terminated for good (its queued messages go to its
 * pool's other instances, or are answered DIED). */
static void fail_child(actor_supervisor *s, actor__child *c, const char *reason)
{
    set_state(c, ACTOR__CHILD_FAILED);
    s->failures++;
    report(s, c, ACTOR_CHILD_FAILED, reason);
    if (c->nested != NULL) {
        c->nested->failed = true;
    } else {
        if (c->proc != NULL)
            actor__process_kill(c);
        actor_terminate(s->sys, actor__child_ref(c), false);
    }
    if (!s->independent)
        fail_supervisor(s, reason);
}

/* A nested supervisor past its limit stops its children and fails as its
 * parent's child (whose restart starts them anew). */
static void fail_supervisor(actor_supervisor *s, const char *reason)
{
    actor__child *me = s->as_child;

    s->failed = true;
    if (me == NULL)
        return; /* a root: reported, its other children go on */
    for (size_t i = 0; i < s->n_children; i++) {
        actor__child *c = s->children[i];
        actor__child_state st = actor__child_state_of(c);
        if (st == ACTOR__CHILD_FAILED || st == ACTOR__CHILD_REMOVED || c->nested != NULL)
            continue;
        set_state(c, ACTOR__CHILD_FAILED);
        if (c->proc != NULL)
            actor__process_kill(c);
        actor_terminate(s->sys, actor__child_ref(c), false);
    }
    me->crash_seen = true;
    me->crashed_at = now_ns();
    snprintf(me->reason, sizeof me->reason, "supervisor %.32s failed: %.64s", s->name, reason);
}

/* Schedules c's restart at `at` (a sibling's restart drags it along). */
static void schedule_restart(actor__child *c, int64_t at, uint32_t delay_ms, bool group)
{
    actor__child_state st = actor__child_state_of(c);

    if (st == ACTOR__CHILD_FAILED || st == ACTOR__CHILD_REMOVED)
        return;
    set_state(c, ACTOR__CHILD_CRASHED);
    c->restart_at = at;
    c->delay_ms = delay_ms;
    c->group = group;
}

/* c crashed (or was found unhealthy): counts it against its limit and
 * schedules its restart after the backoff, with its siblings as the
 * strategy says. */
static void child_crashed(actor_supervisor *s, actor__child *c, int64_t now,
                          actor_supervision_event_kind kind)
{
    uint32_t n, delay;
    int64_t at;

    if (actor__child_state_of(c) == ACTOR__CHILD_FAILED ||
        actor__child_state_of(c) == ACTOR__CHILD_REMOVED)
        return;
    if (kind == ACTOR_CHILD_UNHEALTHY)
        s->unhealthy++;
    else
        s->crashes++;
    report(s, c, kind, c->reason);
    n = restarts_in_window(c, now);
    if (n >= restart_max(c)) {
        fail_child(s, c, c->reason);
        return;
    }
    count_restart(c, now);
    delay = backoff_ms(s, c, n + 1);
    at = now + (int64_t)delay * 1000000;
    schedule_restart(c, at, delay, false);
    if (s->opts.strategy == ACTOR_ONE_FOR_ONE)
        return;
    for (size_t i = 0; i < s->n_children; i++) {
        actor__child *sib = s->children[i];
        if (sib != c && (s->opts.strategy == ACTOR_ONE_FOR_ALL || sib->index > c->index))
            schedule_restart(sib, at, delay, true);
    }
}

/* A nested supervisor's restart: each of its children starts anew. */
static void restart_nested(actor_supervisor *n, int64_t now);

/* The restart c waited for. */
static void restart_child(actor_supervisor *s, actor__child *c, int64_t now)
{
    int rc = 0;

    s->restarts++;
    if (c->nested != NULL) {
        restart_nested(c->nested, now);
        set_state(c, ACTOR__CHILD_LIVE);
        report(s, c, ACTOR_CHILD_RESTARTED, "supervisor restarted");
        return;
    }
    if (c->proc != NULL && !c->respawn) {
        rc = actor__process_restart(c);
        if (rc == 0) {
            set_state(c, ACTOR__CHILD_LIVE);
            report(s, c, ACTOR_CHILD_RESTARTED, "new process");
            return;
        }
    } else if (!c->respawn) {
        rc = actor_restart(s->sys, actor__child_ref(c));
        if (rc == 0) {
            set_state(c, ACTOR__CHILD_RESTARTING);
            return; /* LIVE at its RESTARTED event */
        }
    }
    if (c->proc != NULL)
        actor__process_free(c);
    rc = start_child(s, c); /* gone: a new actor in its place */
    if (rc != 0) {
        snprintf(c->reason, sizeof c->reason, "could not start it again: %s", actor_strerror(rc));
        c->crash_seen = true;
        c->crashed_at = now;
        return;
    }
    set_state(c, ACTOR__CHILD_LIVE);
    report(s, c, ACTOR_CHILD_RESTARTED, "started anew");
}

static void restart_nested(actor_supervisor *n, int64_t now)
{
    n->failed = false;
    for (size_t i = 0; i < n->n_children; i++) {
        actor__child *c = n->children[i];
        actor__child_state st = actor__child_state_of(c);
        if (st == ACTOR__CHILD_REMOVED)
            continue;
        c->n_restarts = 0;
        if (st == ACTOR__CHILD_FAILED)
            c->respawn = c->nested == NULL;
        restart_child(n, c, now);
    }
}

/* ======================================================= health checks */

typedef struct health_probe {
    actor_supervisor *root;
    actor__child *c;
    uint64_t token;
} health_probe;

/* The answer of a health check (a worker, the timer thread, or the thread
 * destroying the client). */
static void health_answered(void *user, uint64_t call_id, const actor_status *st, const char *body,
                            size_t len)
{
    health_probe *p = user;
    actor__child *c = p->c;

    (void)call_id;
    (void)body;
    (void)len;
    pthread_mutex_lock(&p->root->lock);
    if (c->health_pending && c->health_token == p->token) {
        c->health_pending = false;
        atomic_store(&c->suspect, st->category == ACTOR_STATUS_TIMEOUT);
        if (st->category == ACTOR_STATUS_ERROR || st->category == ACTOR_STATUS_TIMEOUT) {
            c->unhealthy_seen = true;
            snprintf(c->reason, sizeof c->reason, "%s: %.90s",
                     st->category == ACTOR_STATUS_TIMEOUT ? "health check timed out" : "unhealthy",
                     st->message);
            pthread_cond_signal(&p->root->wake);
        }
    }
    pthread_mutex_unlock(&p->root->lock);
    free(p);
}

void actor__supervisor_health_opts(const actor_supervisor *s, uint32_t *interval_ms,
                                   uint32_t *timeout_ms)
{
    *interval_ms = s->opts.health_interval_ms;
    *timeout_ms =
        s->opts.health_timeout_ms != 0 ? s->opts.health_timeout_ms : DEFAULT_HEALTH_TIMEOUT_MS;
}

static void check_health(actor_supervisor *s, actor__child *c, int64_t now)
{
    uint32_t interval, timeout;
    health_probe *p;

    actor__supervisor_health_opts(s, &interval, &timeout);

    c->next_health = now + (int64_t)interval * 1000000;
    if (c->health_pending || s->root->client == NULL)
        return;
    p = malloc(sizeof *p);
    if (p == NULL)
        return;
    p->root = s->root;
    p->c = c;
    p->token = ++s->root->next_token;
    c->health_pending = true;
    c->health_token = p->token;
    /* the answer takes the lock we hold: it comes on another thread */
    if (actor__health_check_async(s->root->client, actor__child_ref(c), timeout, health_answered,
                                  p) != 0) {
        c->health_pending = false;
        free(p);
    }
}

/* ============================================================ the thread */

static int64_t earliest(int64_t a, int64_t b)
{
    return a < b ? a : b;
}

/* One look at s's children; *next: when to look again at the latest. */
static void visit(actor_supervisor *s, int64_t now, int64_t *next)
{
    for (size_t i = 0; i < s->n_children; i++) {
        actor__child *c = s->children[i];
        actor__child_state st = actor__child_state_of(c);
        char why[ACTOR_STATUS_MESSAGE_SIZE];

        if (st == ACTOR__CHILD_REMOVED)
            continue;
        if (c->proc != NULL && st != ACTOR__CHILD_FAILED &&
            actor__process_reap(c, why, sizeof why, &c->crash_unhealthy)) {
            c->crash_seen = true;
            c->crashed_at = now;
            if (why[0] != '\0')
                snprintf(c->reason, sizeof c->reason, "%s", why);
        }
        if (c->exit_seen) { /* gone by itself: started anew, counted as a restart */
            c->exit_seen = false;
            if (st != ACTOR__CHILD_FAILED) {
                c->respawn = true;
                c->crash_seen = true;
                c->crashed_at = now;
            }
        }
        if (c->crash_seen) {
            c->crash_seen = false;
            child_crashed(s, c, now,
                          c->crash_unhealthy ? ACTOR_CHILD_UNHEALTHY : ACTOR_CHILD_CRASHED);
            c->crash_unhealthy = false;
        }
        if (c->unhealthy_seen) {
            c->unhealthy_seen = false;
            if (c->proc != NULL)
                actor__process_kill_unhealthy(c); /* reaped, then restarted, next look */
            else
                child_crashed(s, c, now, ACTOR_CHILD_UNHEALTHY);
        }
        if (c->restart_seen) {
            c->restart_seen = false;
            if (actor__child_state_of(c) == ACTOR__CHILD_RESTARTING) {
                set_state(c, ACTOR__CHILD_LIVE);
                report(s, c, ACTOR_CHILD_RESTARTED, "restarted");
            }
        }
        st = actor__child_state_of(c);
        if (st == ACTOR__CHILD_CRASHED) {
            if (now >= c->restart_at)
                restart_child(s, c, now);
            else
                *next = earliest(*next, c->restart_at);
        }
        if (c->nested != NULL) {
            visit(c->nested, now, next);
        } else if (s->opts.health_interval_ms != 0 && st == ACTOR__CHILD_LIVE) {
            if (now >= c->next_health)
                check_health(s, c, now);
            *next = earliest(*next, c->next_health);
        }
    }
}

static void *supervise(void *arg)
{
    actor_supervisor *root = arg;
    actor_client *client = NULL;
    struct timespec ts;

    actor_client_new(root->sys, &client); /* NULL: no health checks */
    pthread_mutex_lock(&root->lock);
    root->client = client;
    while (!root->quit) {
        int64_t now = now_ns(), next = now + TICK_NS;

        if (actor__system_stopping(root->sys))
            break; /* nothing restarts during shutdown */
        visit(root, now, &next);
        ts.tv_sec = (time_t)(next / 1000000000);
        ts.tv_nsec = (long)(next % 1000000000);
        pthread_cond_timedwait(&root->wake, &root->lock, &ts);
    }
    root->client = NULL;
    pthread_mutex_unlock(&root->lock);
    actor_client_destroy(&client); /* pending health checks end DIED, without the lock */
    actor__system_release(root->sys);
    return NULL;
}

/* =============================================================== the API */

static void default_opts(actor_supervisor_opts *o)
{
    actor_restart_opts *r = &o->restart;

    if (r->max == 0 && r->window_ms == 0 && r->backoff_ms == 0 && r->backoff_max_ms == 0) {
        r->max = ACTOR_RESTART_DEFAULT_MAX;
        r->window_ms = ACTOR_RESTART_DEFAULT_WINDOW_MS;
        r->backoff_ms = ACTOR_RESTART_DEFAULT_BACKOFF_MS;
    }
    if (r->window_ms == 0)
        r->window_ms = ACTOR_RESTART_DEFAULT_WINDOW_MS;
}

static int make_supervisor(actor_system *sys, actor_supervisor *parent,
                           const actor_supervisor_opts *opts, bool independent,
                           actor_supervisor **out)
{
    actor_supervisor *s;
    pthread_condattr_t attr;

    if (sys == NULL || out == NULL ||
        (opts != NULL && (unsigned)opts->strategy > ACTOR_REST_FOR_ONE))
        return ACTOR_EINVAL;
    *out = NULL;
    s = calloc(1, sizeof *s);
    if (s == NULL)
        return ACTOR_ENOMEM;
    if (opts != NULL)
        s->opts = *opts;
    default_opts(&s->opts);
    s->name = strdup(opts != NULL && opts->name != NULL ? opts->name : "supervisor");
    if (s->name == NULL) {
        free(s);
        return ACTOR_ENOMEM;
    }
    s->opts.name = s->name;
    s->sys = sys;
    s->independent = independent;
    if (parent != NULL) {
        s->root = parent->root;
        s->parent = parent;
        *out = s;
        return 0;
    }
    s->root = s;
    s->counted = 1; /* the handle */
    s->seed = (unsigned)now_ns();
    pthread_mutex_init(&s->lock, NULL);
    pthread_condattr_init(&attr);
    pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
    pthread_cond_init(&s->wake, &attr);
    pthread_condattr_destroy(&attr);
    actor__system_hold(sys);
    if (pthread_create(&s->thread, NULL, supervise, s) != 0) {
        actor__system_release(sys);
        pthread_cond_destroy(&s->wake);
        pthread_mutex_destroy(&s->lock);
        free(s->name);
        free(s);
        return ACTOR_ESYSTEM;
    }
    s->thread_started = true;
    *out = s;
    return 0;
}

static int add_record(actor_supervisor *s, actor__child *c)
{
    if (s->n_children == s->cap_children) {
        size_t cap = s->cap_children != 0 ? s->cap_children * 2 : 8;
        actor__child **grown = realloc(s->children, cap * sizeof *grown);
        if (grown == NULL)
            return ACTOR_ENOMEM;
        s->children = grown;
        s->cap_children = cap;
    }
    c->index = (unsigned)s->n_children;
    s->children[s->n_children++] = c;
    return 0;
}

static actor__child *child_new(actor_supervisor *s, const actor_child_spec *spec)
{
    actor__child *c = calloc(1, sizeof *c);

    if (c == NULL)
        return NULL;
    c->sup = s;
    if (spec != NULL) {
        c->spec = *spec;
        c->spec.spec = NULL;
        if (spec->spec_size != 0) {
            void *copy = malloc(spec->spec_size);
            if (copy == NULL) {
                free(c);
                return NULL;
            }
            memcpy(copy, spec->spec, spec->spec_size);
            c->spec.spec = copy;
        }
    }
    c->restarts = calloc(restart_max(c) + 1, sizeof *c->restarts);
    if (c->restarts == NULL) {
        free((void *)(uintptr_t)c->spec.spec);
        free(c);
        return NULL;
    }
    return c;
}

static void child_free(actor__child *c)
{
    free(c->restarts);
    free((void *)(uintptr_t)c->spec.spec);
    free(c);
}

/* Lists nested supervisor n under its root (root lock held). */
static int nested_add(actor_supervisor *root, actor_supervisor *n)
{
    if (root->n_nested == root->cap_nested) {
        size_t cap = root->cap_nested != 0 ? root->cap_nested * 2 : 4;
        actor_supervisor **grown = realloc(root->nested, cap * sizeof *grown);
        if (grown == NULL)
            return ACTOR_ENOMEM;
        root->nested = grown;
        root->cap_nested = cap;
    }
    root->nested[root->n_nested++] = n;
    return 0;
}

int actor_supervisor_new(actor_system *sys, actor_supervisor *parent,
                         const actor_supervisor_opts *opts, actor_supervisor **out)
{
    actor_supervisor *s;
    actor__child *c = NULL;
    int rc = make_supervisor(sys, parent, opts, false, out);

    if (rc != 0 || parent == NULL)
        return rc;
    s = *out;
    pthread_mutex_lock(&parent->root->lock);
    c = child_new(parent, NULL);
    rc = c == NULL ? ACTOR_ENOMEM : nested_add(parent->root, s);
    if (rc == 0) {
        rc = add_record(parent, c);
        if (rc != 0)
            parent->root->n_nested--;
    }
    if (rc == 0) {
        c->nested = s;
        s->as_child = c;
        set_state(c, ACTOR__CHILD_LIVE);
    }
    pthread_mutex_unlock(&parent->root->lock);
    if (rc != 0) {
        if (c != NULL)
            child_free(c);
        free(s->name);
        free(s);
        *out = NULL;
    }
    return rc;
}

int actor__supervisor_new_pool(actor_system *sys, const actor_supervisor_opts *opts,
                               actor_supervisor **out)
{
    return make_supervisor(sys, NULL, opts, true, out);
}

int actor__supervisor_add(actor_supervisor *s, const actor_child_spec *spec, actor__child **out)
{
    actor__child *c;
    int rc;

    if (s == NULL || spec == NULL || spec->spawn == NULL ||
        (unsigned)spec->isolation > ACTOR_ISOLATION_PROCESS)
        return ACTOR_EINVAL;
    c = child_new(s, spec);
    if (c == NULL)
        return ACTOR_ENOMEM;
    pthread_mutex_lock(&s->root->lock);
    rc = s->root->quit ? ACTOR_ECLOSED : add_record(s, c);
    if (rc == 0) {
        rc = start_child(s, c);
        if (rc != 0)
            s->n_children--;
    }
    if (rc == 0) {
        set_state(c, ACTOR__CHILD_LIVE);
        c->next_health = now_ns() + (int64_t)s->opts.health_interval_ms * 1000000;
        pthread_cond_signal(&s->root->wake);
    }
    pthread_mutex_unlock(&s->root->lock);
    if (rc != 0) {
        if (c->proc != NULL)
            actor__process_free(c);
        child_free(c);
        return rc;
    }
    if (out != NULL)
        *out = c;
    return 0;
}

int actor_supervisor_add(actor_supervisor *s, const actor_child_spec *child, actor_ref *ref)
{
    actor__child *c;
    int rc = actor__supervisor_add(s, child, &c);

    if (rc == 0 && ref != NULL)
        *ref = actor__child_ref(c);
    return rc;
}

void actor__supervisor_remove(actor_supervisor *s, actor__child *c)
{
    pthread_mutex_lock(&s->root->lock);
    set_state(c, ACTOR__CHILD_REMOVED);
    pthread_mutex_unlock(&s->root->lock);
}

bool actor__child_tally(const actor__child *c, size_t *live, size_t *restarting, size_t *failed)
{
    switch (actor__child_state_of(c)) {
    case ACTOR__CHILD_LIVE:
        ++*live;
        return true;
    case ACTOR__CHILD_CRASHED:
    case ACTOR__CHILD_RESTARTING:
        ++*restarting;
        return true;
    case ACTOR__CHILD_FAILED:
        ++*failed;
        return true;
    case ACTOR__CHILD_REMOVED:
    default:
        return false;
    }
}

static void add_stats(actor_supervisor *s, actor_supervisor_stats *out)
{
    for (size_t i = 0; i < s->n_children; i++)
        out->children +=
            actor__child_tally(s->children[i], &out->live, &out->restarting, &out->failed);
    out->crashes += s->crashes;
    out->unhealthy += s->unhealthy;
    out->restarts += s->restarts;
    out->failures += s->failures;
}

void actor_supervisor_stats_get(actor_supervisor *s, actor_supervisor_stats *out)
{
    memset(out, 0, sizeof *out);
    if (s == NULL)
        return;
    pthread_mutex_lock(&s->root->lock);
    add_stats(s, out);
    pthread_mutex_unlock(&s->root->lock);
}

uint64_t actor__supervisor_restarts(actor_supervisor *s)
{
    uint64_t n;

    pthread_mutex_lock(&s->root->lock);
    n = s->restarts;
    pthread_mutex_unlock(&s->root->lock);
    return n;
}

void actor__supervisor_set_owner(actor_supervisor *s, actor_ref router)
{
    pthread_mutex_lock(&s->root->lock);
    s->owner = router;
    pthread_mutex_unlock(&s->root->lock);
}

void actor__supervisor_retain(actor_supervisor *s)
{
    pthread_mutex_lock(&s->root->lock);
    s->root->counted++;
    pthread_mutex_unlock(&s->root->lock);
}

void actor__supervisor_release(actor_supervisor *s)
{
    actor_supervisor *root = s->root;
    bool last;

    pthread_mutex_lock(&root->lock);
    last = uncount(root);
    pthread_mutex_unlock(&root->lock);
    if (last)
        free_tree(root);
}

bool actor_supervisor_failed(actor_supervisor *s)
{
    bool failed;

    if (s == NULL)
        return false;
    pthread_mutex_lock(&s->root->lock);
    failed = s->failed;
    pthread_mutex_unlock(&s->root->lock);
    return failed;
}

int actor_supervisor_child_pid(actor_supervisor *s, unsigned child, int *pid)
{
    int rc = ACTOR_ENOTFOUND;

    if (s == NULL || pid == NULL)
        return ACTOR_EINVAL;
    pthread_mutex_lock(&s->root->lock);
    if (child < s->n_children) {
        *pid = atomic_load(&s->children[child]->pid);
        rc = 0;
    }
    pthread_mutex_unlock(&s->root->lock);
    return rc;
}

/* Terminates s's children (lock held), nested ones first. */
static void stop_children(actor_supervisor *s, bool drain)
{
    for (size_t i = 0; i < s->n_children; i++) {
        actor__child *c = s->children[i];
        if (c->nested != NULL) {
            stop_children(c->nested, drain);
            continue;
        }
        if (actor__child_state_of(c) != ACTOR__CHILD_FAILED)
            set_state(c, ACTOR__CHILD_REMOVED);
        actor_terminate(s->sys, actor__child_ref(c), drain);
    }
}

static void free_one(actor_supervisor *s)
{
    for (size_t i = 0; i < s->n_children; i++) {
        if (s->children[i]->proc != NULL)
            actor__process_free(s->children[i]);
        child_free(s->children[i]);
    }
    free(s->children);
    free(s->name);
    free(s);
}

static void free_tree(actor_supervisor *root)
{
    for (size_t i = 0; i < root->n_nested; i++)
        free_one(root->nested[i]);
    free(root->nested);
    pthread_cond_destroy(&root->wake);
    pthread_mutex_destroy(&root->lock);
    free_one(root);
}

void actor_supervisor_destroy(actor_supervisor **ps, bool drain)
{
    actor_supervisor *s = ps != NULL ? *ps : NULL;
    bool last;

    if (s == NULL)
        return;
    *ps = NULL;
    if (s->root != s)
        return; /* nested: destroyed with its root */
    pthread_mutex_lock(&s->lock);
    s->quit = true;
    pthread_cond_signal(&s->wake);
    pthread_mutex_unlock(&s->lock);
    if (s->thread_started)
        pthread_join(s->thread, NULL);
    pthread_mutex_lock(&s->lock);
    stop_children(s, drain);
    last = uncount(s);
    pthread_mutex_unlock(&s->lock);
    if (last)
        free_tree(s);
}
