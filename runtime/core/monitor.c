/*
 * monitor.c - monitors (actor/monitor.h): a record per monitor, in the
 * system's map by id, on the watched actor's `watchers` list and, when an
 * actor watches, on the watcher's `watching` list; everything under the
 * system's monitor_lock (monitors are made and fired rarely, never on a
 * message's path). A record holds a reference to each actor struct whose
 * list it is on, so the lists outlive neither.
 *
 * An actor's end (actor__finalize, after it is marked dead) fires its
 * watchers and drops the monitors it held. Firing takes the record out of
 * the map first, under the lock, so exactly one of firing and
 * actor_demonitor wins.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/actor_internal.h"

struct actor__monitor {
    actor__idnode node;            /* sys->monitors, by id */
    actor__monitor *prev, *next;   /* the watched actor's watchers */
    actor__monitor *wprev, *wnext; /* the watcher actor's watching */
    actor__actor *watched;         /* a reference; NULL: remote */
    actor__actor *watcher;         /* a reference; NULL: fn */
    actor_ref ref;
    actor_down_fn fn;
    actor_down_then_fn then;
    void *user;
};

/* The body of a DOWN message: what the watcher's continuation gets. */
typedef struct down_note {
    actor_down down;
    actor_down_then_fn then;
    void *user;
} down_note;

const char *actor_down_reason_name(actor_down_reason reason)
{
    switch (reason) {
    case ACTOR_DOWN_EXITED: return "EXITED";
    case ACTOR_DOWN_FAILED: return "FAILED";
    case ACTOR_DOWN_NOT_FOUND: return "NOT_FOUND";
    case ACTOR_DOWN_UNREACHABLE: return "UNREACHABLE";
    }
    return "UNKNOWN";
}

int actor__monitors_init(actor_system *sys)
{
    pthread_mutex_init(&sys->monitor_lock, NULL);
    return actor__idmap_init(&sys->monitors, 16);
}

static bool any_node(actor__idnode *node, void *arg)
{
    (void)node, (void)arg;
    return true;
}

static void record_free(actor__monitor *mon)
{
    if (mon->watched != NULL)
        actor__release(mon->watched);
    if (mon->watcher != NULL)
        actor__release(mon->watcher);
    free(mon);
}

void actor__monitors_fini(actor_system *sys)
{
    actor__idnode *node;

    /* every actor is gone, and with it every monitor: nothing should be
     * left, but a record must never leak */
    while ((node = actor__idmap_remove_if(&sys->monitors, any_node, NULL)) != NULL)
        record_free((actor__monitor *)(void *)node);
    actor__idmap_fini(&sys->monitors);
    pthread_mutex_destroy(&sys->monitor_lock);
}

/* ------------------------------------------------------------ the lists */

/* monitor_lock held. */
static void link_watched(actor__monitor *mon, actor__actor *a)
{
    mon->watched = a;
    mon->prev = NULL;
    mon->next = a->watchers;
    if (a->watchers != NULL)
        a->watchers->prev = mon;
    a->watchers = mon;
}

static void unlink_watched(actor__monitor *mon)
{
    actor__actor *a = mon->watched;

    if (a == NULL)
        return;
    if (mon->prev != NULL)
        mon->prev->next = mon->next;
    else if (a->watchers == mon)
        a->watchers = mon->next;
    if (mon->next != NULL)
        mon->next->prev = mon->prev;
    mon->prev = mon->next = NULL;
}

static void link_watcher(actor__monitor *mon, actor__actor *w)
{
    mon->watcher = w;
    mon->wprev = NULL;
    mon->wnext = w->watching;
    if (w->watching != NULL)
        w->watching->wprev = mon;
    w->watching = mon;
}

static void unlink_watcher(actor__monitor *mon)
{
    actor__actor *w = mon->watcher;

    if (w == NULL)
        return;
    if (mon->wprev != NULL)
        mon->wprev->wnext = mon->wnext;
    else if (w->watching == mon)
        w->watching = mon->wnext;
    if (mon->wnext != NULL)
        mon->wnext->wprev = mon->wprev;
    mon->wprev = mon->wnext = NULL;
}

/* Takes mon out of everything. monitor_lock held. */
static void detach(actor_system *sys, actor__monitor *mon)
{
    actor__idmap_remove(&sys->monitors, mon->node.id);
    unlink_watched(mon);
    unlink_watcher(mon);
}

/* --------------------------------------------------------------- firing */

/* Tells mon's watcher, then frees mon (already detached). */
static void deliver(actor_system *sys, actor__monitor *mon, actor_down_reason reason,
                    const char *why)
{
    down_note note;
    actor__msg *m;

    memset(&note, 0, sizeof note);
    note.down.monitor = mon->node.id;
    note.down.ref = mon->ref;
    note.down.reason = reason;
    snprintf(note.down.message, sizeof note.down.message, "%s", why);
    actor__text_fix_utf8(note.down.message);
    if (mon->fn != NULL) {
        mon->fn(mon->user, &note.down);
    } else {
        note.then = mon->then;
        note.user = mon->user;
        m = actor__msg_new(ACTOR__MSG_DOWN, (const char *)&note, sizeof note);
        /* a watcher that terminated meanwhile has nothing left to run it */
        if (m != NULL && actor__deliver(sys, mon->watcher, m, 0) != 0)
            actor__msg_free(m);
    }
    record_free(mon);
}

void actor__monitors_end(actor__actor *a, actor_down_reason reason, const char *why)
{
    actor_system *sys = a->sys;
    actor__monitor *fired = NULL, *mon;

    pthread_mutex_lock(&sys->monitor_lock);
    while ((mon = a->watchers) != NULL) {
        detach(sys, mon);
        mon->next = fired;
        fired = mon;
    }
    while ((mon = a->watching) != NULL) { /* they end with their watcher */
        detach(sys, mon);
        record_free(mon);
    }
    pthread_mutex_unlock(&sys->monitor_lock);
    while ((mon = fired) != NULL) {
        fired = mon->next;
        deliver(sys, mon, reason, why);
    }
}

void actor__monitor_run(actor__actor *a, actor_ctx *ctx, actor__msg *m)
{
    down_note note;

    memcpy(&note, m->body, sizeof note);
    actor__msg_free(m);
    if (a->state_live)
        note.then(actor__user_state(a), ctx, &note.down, note.user);
}

/* A record with a fresh id, on no list yet; NULL when out of memory. */
static actor__monitor *record_new(actor_system *sys, actor_ref ref, actor_down_fn fn,
                                  actor_down_then_fn then, void *user)
{
    actor__monitor *mon = calloc(1, sizeof *mon);

    if (mon != NULL) {
        mon->node.id = actor__next_id(sys);
        mon->ref = ref;
        mon->fn = fn;
        mon->then = then;
        mon->user = user;
    }
    return mon;
}

/* ------------------------------------------------------ remote refs */

/* A remote ref has no actor here to hang the record on: the record waits
 * in the map (and on its watcher's list) until the transport layer, which
 * watches through the peer's registry, fires it. */
static int watch_remote(actor_system *sys, actor_ref ref, actor__actor *watcher, actor_down_fn fn,
                        actor_down_then_fn then, void *user, uint64_t *id)
{
    const actor__transport_ops *ops = sys->transport_ops;
    actor__monitor *mon;
    uint64_t mid;
    int rc;

    if (actor__transport(sys) == NULL || ops == NULL || ops->watch == NULL)
        return ACTOR_EINVAL; /* no remote ref without a transport */
    if (actor__system_stopping(sys))
        return ACTOR_ECLOSED;
    mon = record_new(sys, ref, fn, then, user);
    if (mon == NULL)
        return ACTOR_ENOMEM;
    mid = mon->node.id;
    pthread_mutex_lock(&sys->monitor_lock);
    if (watcher != NULL) {
        atomic_fetch_add(&watcher->refs, 1);
        link_watcher(mon, watcher);
    }
    actor__idmap_insert(&sys->monitors, &mon->node);
    pthread_mutex_unlock(&sys->monitor_lock);
    rc = ops->watch(sys, ref, mid);
    if (rc != 0) {
        pthread_mutex_lock(&sys->monitor_lock);
        mon = (actor__monitor *)(void *)actor__idmap_find(&sys->monitors, mid);
        if (mon != NULL)
            detach(sys, mon);
        pthread_mutex_unlock(&sys->monitor_lock);
        if (mon != NULL)
            record_free(mon);
        return rc;
    }
    if (id != NULL)
        *id = mid;
    return 0;
}

void actor__monitor_fire(actor_system *sys, uint64_t id, actor_down_reason reason,
                         const char *why)
{
    actor__monitor *mon;

    pthread_mutex_lock(&sys->monitor_lock);
    mon = (actor__monitor *)(void *)actor__idmap_find(&sys->monitors, id);
    if (mon != NULL)
        detach(sys, mon);
    pthread_mutex_unlock(&sys->monitor_lock);
    if (mon != NULL)
        deliver(sys, mon, reason, why);
}

bool actor__monitor_live(actor_system *sys, uint64_t id)
{
    bool live;

    pthread_mutex_lock(&sys->monitor_lock);
    live = actor__idmap_find(&sys->monitors, id) != NULL;
    pthread_mutex_unlock(&sys->monitor_lock);
    return live;
}

/* ----------------------------------------------------------- the API */

static int watch(actor_system *sys, actor_ref ref, actor__actor *watcher, actor_down_fn fn,
                 actor_down_then_fn then, void *user, uint64_t *id)
{
    actor__monitor *mon;
    actor__actor *a;
    bool gone = false;

    if (ref.id == 0 || (fn == NULL && then == NULL))
        return ACTOR_EINVAL;
    if (actor__ref_is_remote(ref))
        return watch_remote(sys, ref, watcher, fn, then, user, id);
    if (actor__system_stopping(sys))
        return ACTOR_ECLOSED;
    mon = record_new(sys, ref, fn, then, user);
    if (mon == NULL)
        return ACTOR_ENOMEM;
    a = actor__acquire(sys, ref); /* the record keeps this reference */
    pthread_mutex_lock(&sys->monitor_lock);
    if (a != NULL) {
        pthread_mutex_lock(&a->lock);
        gone = a->dead; /* once dead, its end has fired (or is about to fire) its list */
        pthread_mutex_unlock(&a->lock);
        if (!gone)
            link_watched(mon, a);
    } else {
        gone = true;
    }
    if (!gone) {
        if (watcher != NULL) {
            atomic_fetch_add(&watcher->refs, 1);
            link_watcher(mon, watcher);
        }
        actor__idmap_insert(&sys->monitors, &mon->node);
    }
    pthread_mutex_unlock(&sys->monitor_lock);
    if (id != NULL)
        *id = mon->node.id;
    if (gone) {
        if (a != NULL)
            actor__release(a);
        if (watcher != NULL) { /* delivered as a message, like the others */
            atomic_fetch_add(&watcher->refs, 1);
            mon->watcher = watcher;
        }
        deliver(sys, mon, ACTOR_DOWN_NOT_FOUND, "no such actor (already gone)");
        return 0;
    }
    return 0;
}

int actor_monitor(actor_system *sys, actor_ref ref, actor_down_fn fn, void *user, uint64_t *id)
{
    if (sys == NULL || fn == NULL)
        return ACTOR_EINVAL;
    return watch(sys, ref, NULL, fn, NULL, user, id);
}

int actor_ctx_monitor(actor_ctx *ctx, actor_ref ref, actor_down_then_fn then, void *user,
                      uint64_t *id)
{
    if (ctx == NULL || then == NULL)
        return ACTOR_EINVAL;
    return watch(actor_ctx_system(ctx), ref, actor__ctx_actor(ctx), NULL, then, user, id);
}

int actor_demonitor(actor_system *sys, uint64_t id)
{
    actor__monitor *mon;

    if (sys == NULL)
        return ACTOR_EINVAL;
    pthread_mutex_lock(&sys->monitor_lock);
    mon = (actor__monitor *)(void *)actor__idmap_find(&sys->monitors, id);
    if (mon != NULL)
        detach(sys, mon);
    pthread_mutex_unlock(&sys->monitor_lock);
    if (mon == NULL)
        return ACTOR_ENOTFOUND;
    record_free(mon);
    return 0;
}
