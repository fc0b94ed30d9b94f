/*
 * names.c - the system's names (actor/naming.h, and actor/remote.h's
 * actor_register_name, actor_unregister_name, actor_lookup_name): names of
 * local actors, in namespaces, that remote requests target
 * (docs/PROTOCOL.md section 5). A list under the gateway's `lock`, with a
 * version that every change bumps, so that the gateway's holder can keep
 * the last name a request named and its actor without taking the lock
 * again while no name changed. Registrations (and get-if-exists spawns)
 * take `naming` first, so that checking a name and taking it are one step.
 *
 * An entry is keyed by its wire name ("ns/name", or "name" in the default
 * namespace). Two monitors (actor/monitor.h) keep it true: one on its
 * actor, whose end removes the entry (the name is released), and, for an
 * owned actor, one on the owner, whose end terminates the actor. Each
 * monitor's user data is a ticket that whoever ends the monitor frees: the
 * callback when it fires, or the remover when actor_demonitor succeeds.
 */
#include "transport/gateway.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "actor/monitor.h"
#include "actor/naming.h"

typedef struct ticket {
    actor__gateway *g;
    actor_ref ref; /* the named actor */
    char name[];   /* its wire name */
} ticket;

typedef struct actor__named {
    struct actor__named *next;
    actor_ref ref, owner; /* owner: ACTOR_REF_NONE when detached */
    uint64_t monitor, owner_monitor; /* 0: not made yet */
    ticket *ticket, *owner_ticket;
    char name[];
} named;

/* g->lock held. */
static named **find_name(actor__gateway *g, const char *name)
{
    for (named **p = &g->names; *p != NULL; p = &(*p)->next)
        if (strcmp((*p)->name, name) == 0)
            return p;
    return NULL;
}

static bool ref_alive(actor_system *sys, actor_ref ref)
{
    actor__actor *a = actor__acquire(sys, ref);

    if (a == NULL)
        return false;
    actor__release(a);
    return true;
}

/* Ends e's monitors (the ones still live) and frees it; e is off the list. */
static void entry_drop(actor_system *sys, named *e)
{
    if (e->monitor != 0 && actor_demonitor(sys, e->monitor) == 0)
        free(e->ticket);
    if (e->owner_monitor != 0 && actor_demonitor(sys, e->owner_monitor) == 0)
        free(e->owner_ticket);
    free(e);
}

/* Takes the entry `name` of `ref` off the list; NULL if it is not there. */
static named *entry_take(actor__gateway *g, const char *name, actor_ref ref)
{
    named **p, *e = NULL;

    pthread_mutex_lock(&g->lock);
    p = find_name(g, name);
    if (p != NULL && actor_ref_eq((*p)->ref, ref)) {
        e = *p;
        *p = e->next;
        atomic_fetch_add(&g->names_version, 1);
    }
    pthread_mutex_unlock(&g->lock);
    return e;
}

/* A named actor is gone: its name is released. */
static void name_released(void *user, const actor_down *down)
{
    ticket *t = user;
    named *e = entry_take(t->g, t->name, t->ref);

    (void)down;
    if (e != NULL) {
        e->monitor = 0; /* this one has fired */
        entry_drop(t->g->sys, e);
    }
    free(t);
}

/* A named actor's owner is gone: so goes the actor (its name with it). */
static void owner_gone(void *user, const actor_down *down)
{
    ticket *t = user;

    (void)down;
    (void)actor_terminate(t->g->sys, t->ref, true);
    free(t);
}

static ticket *ticket_new(actor__gateway *g, actor_ref ref, const char *name)
{
    size_t len = strlen(name);
    ticket *t = malloc(sizeof *t + len + 1);

    if (t != NULL) {
        t->g = g;
        t->ref = ref;
        memcpy(t->name, name, len + 1);
    }
    return t;
}

/* Makes the monitors of the entry `full` of ref (on the list; g->naming
 * held). A monitor may
 * fire at once (its actor is already gone): its callback then finds the
 * entry by name and ref, so the ids are stored only while it is there. */
static int entry_watch(actor__gateway *g, actor_ref ref, actor_ref owner, const char *full)
{
    actor_system *sys = g->sys;
    ticket *t = ticket_new(g, ref, full);
    ticket *ot = owner.id != 0 ? ticket_new(g, ref, full) : NULL;
    uint64_t id = 0, oid = 0;
    named **p;
    int rc;

    if (t == NULL || (owner.id != 0 && ot == NULL)) {
        free(t);
        free(ot);
        return ACTOR_ENOMEM;
    }
    rc = actor_monitor(sys, ref, name_released, t, &id);
    if (rc != 0) {
        free(t);
        free(ot);
        return rc;
    }
    if (ot != NULL && (rc = actor_monitor(sys, owner, owner_gone, ot, &oid)) != 0) {
        free(ot);
        return rc; /* the caller takes the entry off: entry_drop ends the first */
    }
    pthread_mutex_lock(&g->lock);
    p = find_name(g, full);
    if (p != NULL && actor_ref_eq((*p)->ref, ref)) {
        (*p)->monitor = id;
        (*p)->ticket = t;
        (*p)->owner_monitor = oid;
        (*p)->owner_ticket = ot;
    }
    pthread_mutex_unlock(&g->lock);
    return 0;
}

/* Registers `full` (a valid wire name) for ref. g->naming held. */
static int register_locked(actor__gateway *g, actor_ref ref, const char *full, actor_ref owner)
{
    size_t len = strlen(full);
    named **p, *n, *stale = NULL;
    int rc;

    pthread_mutex_lock(&g->lock);
    p = find_name(g, full);
    if (p != NULL) {
        if (actor_ref_eq((*p)->ref, ref)) {
            pthread_mutex_unlock(&g->lock);
            return 0;
        }
        if (ref_alive(g->sys, (*p)->ref)) {
            pthread_mutex_unlock(&g->lock);
            return ACTOR_ESTATE;
        }
        stale = *p; /* its actor is gone; its monitor is about to say so */
        *p = stale->next;
    }
    n = calloc(1, sizeof *n + len + 1);
    if (n != NULL) {
        memcpy(n->name, full, len + 1);
        n->ref = ref;
        n->owner = owner;
        n->next = g->names;
        g->names = n;
    }
    atomic_fetch_add(&g->names_version, 1);
    pthread_mutex_unlock(&g->lock);
    if (stale != NULL)
        entry_drop(g->sys, stale);
    if (n == NULL)
        return ACTOR_ENOMEM;
    rc = entry_watch(g, ref, owner, full);
    if (rc != 0) {
        named *e = entry_take(g, full, ref);
        if (e != NULL)
            entry_drop(g->sys, e);
    }
    return rc;
}

/* ------------------------------------------------------------- names */

static bool part_ok(const char *s, bool may_be_empty)
{
    return s != NULL && (may_be_empty || s[0] != '\0') && strchr(s, '/') == NULL;
}

/* Whether the wire name `full` lies in the system's own namespace, which
 * only the runtime registers in. */
static bool reserved(const char *full)
{
    size_t len = strlen(ACTOR_SERVICE_NAMESPACE);

    return strncmp(full, ACTOR_SERVICE_NAMESPACE, len) == 0 && full[len] == '/';
}

/* The wire name of ns and name into full[ACTOR_NAME_MAX + 1], or false. */
static bool wire_name(const char *ns, const char *name, char *full)
{
    int n;

    if (ns == NULL)
        ns = "";
    if (!part_ok(ns, true) || !part_ok(name, false))
        return false;
    n = ns[0] != '\0' ? snprintf(full, ACTOR_NAME_MAX + 1, "%s/%s", ns, name)
                      : snprintf(full, ACTOR_NAME_MAX + 1, "%s", name);
    return n > 0 && (size_t)n <= ACTOR_NAME_MAX;
}

static int register_checked(actor_system *sys, actor_ref ref, const char *full, actor_ref owner)
{
    actor__gateway *g;
    int rc;

    if (actor__ref_is_remote(ref) || actor__ref_is_remote(owner))
        return ACTOR_EINVAL;
    if (!ref_alive(sys, ref) || (owner.id != 0 && !ref_alive(sys, owner)))
        return ACTOR_ENOTFOUND;
    rc = actor__gateway_get(sys, &g);
    if (rc != 0)
        return rc;
    pthread_mutex_lock(&g->naming);
    rc = register_locked(g, ref, full, owner);
    pthread_mutex_unlock(&g->naming);
    return rc;
}

int actor_register_name(actor_system *sys, actor_ref ref, const char *name)
{
    size_t len;

    if (sys == NULL || name == NULL || (len = strlen(name)) == 0 || len > ACTOR__WIRE_MAX_NAME ||
        reserved(name))
        return ACTOR_EINVAL;
    return register_checked(sys, ref, name, ACTOR_REF_NONE);
}

int actor_name_register(actor_system *sys, actor_ref ref, const char *name,
                        const actor_name_opts *opts)
{
    char full[ACTOR_NAME_MAX + 1];

    if (sys == NULL || !wire_name(opts != NULL ? opts->ns : NULL, name, full) || reserved(full))
        return ACTOR_EINVAL;
    return register_checked(sys, ref, full, opts != NULL ? opts->owner : ACTOR_REF_NONE);
}

int actor_spawn_named(actor_system *sys, const char *name, const actor_name_opts *opts,
                      const actor_type *type, actor_spawn_fn spawn, const void *spec,
                      const actor_spawn_opts *spawn_opts, bool get_if_exists, actor_ref *out,
                      bool *created)
{
    char full[ACTOR_NAME_MAX + 1];
    actor_ref owner = opts != NULL ? opts->owner : ACTOR_REF_NONE, ref;
    actor__gateway *g;
    actor__actor *a;
    int rc;

    if (created != NULL)
        *created = false;
    if (sys == NULL || type == NULL || spawn == NULL || out == NULL ||
        !wire_name(opts != NULL ? opts->ns : NULL, name, full) || reserved(full) ||
        actor__ref_is_remote(owner))
        return ACTOR_EINVAL;
    if (owner.id != 0 && !ref_alive(sys, owner))
        return ACTOR_ENOTFOUND;
    rc = actor__gateway_get(sys, &g);
    if (rc != 0)
        return rc;
    pthread_mutex_lock(&g->naming);
    a = actor__names_acquire(g, full);
    if (a != NULL) {
        rc = get_if_exists && strcmp(a->type->name, type->name) == 0 ? 0 : ACTOR_ESTATE;
        if (rc == 0)
            *out = a->ref;
        actor__release(a);
        pthread_mutex_unlock(&g->naming);
        return rc;
    }
    rc = spawn(sys, spec, spawn_opts, &ref);
    if (rc == 0 && (rc = register_locked(g, ref, full, owner)) != 0)
        (void)actor_terminate(sys, ref, false);
    pthread_mutex_unlock(&g->naming);
    if (rc == 0) {
        *out = ref;
        if (created != NULL)
            *created = true;
    }
    return rc;
}

int actor_unregister_name(actor_system *sys, const char *name)
{
    actor__gateway *g;
    named **p, *gone = NULL;

    if (sys == NULL || name == NULL)
        return ACTOR_EINVAL;
    g = actor__gateway_of(sys);
    if (g == NULL) /* no name was ever registered */
        return ACTOR_ENOTFOUND;
    pthread_mutex_lock(&g->naming);
    pthread_mutex_lock(&g->lock);
    p = find_name(g, name);
    if (p != NULL) {
        gone = *p;
        *p = gone->next;
        atomic_fetch_add(&g->names_version, 1);
    }
    pthread_mutex_unlock(&g->lock);
    pthread_mutex_unlock(&g->naming);
    if (gone == NULL)
        return ACTOR_ENOTFOUND;
    entry_drop(sys, gone);
    return 0;
}

/* The holder: the ref registered as `name` from its cache of the last
 * name a request named, when no name changed since; false: look it up. */
static bool cached_name(actor__gateway *g, const char *name, actor_ref *ref)
{
    if (!actor__gateway_held_here(g) || !g->name_cached ||
        atomic_load_explicit(&g->names_version, memory_order_acquire) != g->cached_version ||
        strcmp(g->cached_name, name) != 0)
        return false;
    *ref = g->cached_ref;
    return true;
}

/* The holder: remembers what `name` named as of names_version `version`. */
static void cache_name(actor__gateway *g, const char *name, actor_ref ref, unsigned version)
{
    size_t len = strlen(name);

    g->name_cached = actor__gateway_held_here(g) && len < sizeof g->cached_name;
    if (!g->name_cached)
        return;
    memcpy(g->cached_name, name, len + 1);
    g->cached_ref = ref;
    g->cached_version = version;
}

actor__actor *actor__names_acquire(actor__gateway *g, const char *name)
{
    actor_ref ref = ACTOR_REF_NONE;
    unsigned version;
    named **p;

    if (!cached_name(g, name, &ref)) {
        pthread_mutex_lock(&g->lock);
        version = atomic_load_explicit(&g->names_version, memory_order_relaxed);
        p = find_name(g, name);
        if (p != NULL)
            ref = (*p)->ref;
        pthread_mutex_unlock(&g->lock);
        if (actor__gateway_held_here(g))
            cache_name(g, name, ref, version);
    }
    return ref.id != 0 ? actor__acquire(g->sys, ref) : NULL;
}

int actor_lookup_name(actor_system *sys, const char *name, actor_ref *out)
{
    actor__actor *a;

    if (sys == NULL || name == NULL || out == NULL)
        return ACTOR_EINVAL;
    a = actor__gateway_of(sys) != NULL ? actor__names_acquire(actor__gateway_of(sys), name) : NULL;
    if (a == NULL)
        return ACTOR_ENOTFOUND;
    *out = a->ref;
    actor__release(a);
    return 0;
}

/* One NamedActor. */
static int write_named(msgpack_sbuffer *body, const char *name, const actor__actor *a)
{
    int rc;

    if ((rc = actor_write_map_header(body, 3)) != 0 ||
        (rc = actor_write_key(body, actor_wire_NamedActor_FIELD_NAME)) != 0 ||
        (rc = actor_write_str(body, name)) != 0 ||
        (rc = actor_write_key(body, actor_wire_NamedActor_FIELD_TYPE)) != 0 ||
        (rc = actor_write_str(body, a->type->name)) != 0 ||
        (rc = actor_write_key(body, actor_wire_NamedActor_FIELD_ID)) != 0)
        return rc;
    return actor_write_uint64(body, a->ref.id);
}

int actor__names_write(actor__gateway *g, msgpack_sbuffer *body)
{
    msgpack_sbuffer items; /* the entries, counted as they are written */
    size_t n = 0;
    int rc = 0;

    msgpack_sbuffer_init(&items);
    pthread_mutex_lock(&g->lock);
    for (named *e = g->names; rc == 0 && e != NULL; e = e->next) {
        actor__actor *a = actor__acquire(g->sys, e->ref);
        if (a == NULL)
            continue; /* dead: its name is going away */
        rc = write_named(&items, e->name, a);
        actor__release(a);
        n++;
    }
    pthread_mutex_unlock(&g->lock);
    if (rc == 0)
        rc = actor_write_map_header(body, 1);
    if (rc == 0)
        rc = actor_write_key(body, actor_wire_NamesReply_FIELD_NAMES);
    if (rc == 0)
        rc = actor_write_array_header(body, n);
    if (rc == 0 && items.size > 0 && msgpack_sbuffer_write(body, items.data, items.size) != 0)
        rc = ACTOR_ENOMEM;
    msgpack_sbuffer_destroy(&items);
    return rc;
}

int actor_name_lookup(actor_system *sys, const char *ns, const char *name, actor_ref *out)
{
    char full[ACTOR_NAME_MAX + 1];

    if (sys == NULL || out == NULL || !wire_name(ns, name, full))
        return ACTOR_EINVAL;
    return actor_lookup_name(sys, full, out);
}

int actor_name_kill(actor_system *sys, const char *ns, const char *name, bool drain)
{
    actor_ref ref;
    int rc = actor_name_lookup(sys, ns, name, &ref);

    return rc != 0 ? rc : actor_terminate(sys, ref, drain);
}

int actor_name_split(const char *full, char *ns, char *name)
{
    const char *slash;
    size_t ns_len, name_len;

    if (full == NULL || ns == NULL || name == NULL)
        return ACTOR_EINVAL;
    slash = strchr(full, '/');
    ns_len = slash != NULL ? (size_t)(slash - full) : 0;
    name_len = strlen(slash != NULL ? slash + 1 : full);
    memcpy(ns, full, ns_len <= ACTOR_NAME_MAX ? ns_len : ACTOR_NAME_MAX);
    ns[ns_len <= ACTOR_NAME_MAX ? ns_len : ACTOR_NAME_MAX] = '\0';
    snprintf(name, ACTOR_NAME_MAX + 1, "%s", slash != NULL ? slash + 1 : full);
    return ns_len <= ACTOR_NAME_MAX && name_len <= ACTOR_NAME_MAX ? 0 : ACTOR_EINVAL;
}

/* Fills *info from the entry e (its actor a). */
static void info_fill(actor_name_info *info, const named *e, const actor__actor *a)
{
    (void)actor_name_split(e->name, info->ns, info->name); /* registered: fits */
    info->ref = e->ref;
    info->type = a->type->name;
    info->pool = a->router != NULL;
    info->detached = e->owner.id == 0;
}

static bool in_namespace(const char *full, const char *ns)
{
    const char *slash = strchr(full, '/');
    size_t len = slash != NULL ? (size_t)(slash - full) : 0;

    return ns == NULL || (strlen(ns) == len && strncmp(full, ns, len) == 0);
}

int actor_names_list(actor_system *sys, const char *ns, actor_name_info *out, size_t cap,
                     size_t *n)
{
    actor__gateway *g;
    size_t count = 0;

    if (sys == NULL || n == NULL || (cap != 0 && out == NULL))
        return ACTOR_EINVAL;
    g = actor__gateway_of(sys);
    if (g != NULL) {
        pthread_mutex_lock(&g->lock);
        for (named *e = g->names; e != NULL; e = e->next) {
            actor__actor *a;
            if (!in_namespace(e->name, ns) || (a = actor__acquire(sys, e->ref)) == NULL)
                continue;
            if (count < cap)
                info_fill(&out[count], e, a);
            count++;
            actor__release(a);
        }
        pthread_mutex_unlock(&g->lock);
    }
    *n = count;
    return 0;
}

int actor_name_info_get(actor_system *sys, const char *ns, const char *name,
                        actor_name_info *out)
{
    char full[ACTOR_NAME_MAX + 1];
    actor__gateway *g;
    int rc = ACTOR_ENOTFOUND;

    if (sys == NULL || out == NULL || !wire_name(ns, name, full))
        return ACTOR_EINVAL;
    g = actor__gateway_of(sys);
    if (g == NULL)
        return ACTOR_ENOTFOUND;
    pthread_mutex_lock(&g->lock);
    named **p = find_name(g, full);
    actor__actor *a = p != NULL ? actor__acquire(sys, (*p)->ref) : NULL;
    if (a != NULL) {
        info_fill(out, *p, a);
        actor__release(a);
        rc = 0;
    }
    pthread_mutex_unlock(&g->lock);
    return rc;
}

int actor__names_snapshot(actor_system *sys, const char *ns, actor_name_info **out, size_t *n)
{
    actor_name_info *infos = NULL;
    size_t cap = 0;
    int rc;

    /* until every name fits: more may come meanwhile */
    while ((rc = actor_names_list(sys, ns, infos, cap, n)) == 0 && *n > cap) {
        free(infos);
        cap = *n + 8;
        if ((infos = malloc(cap * sizeof *infos)) == NULL)
            return ACTOR_ENOMEM;
    }
    if (rc != 0) {
        free(infos);
        return rc;
    }
    *out = infos;
    return 0;
}

int actor__names_register_service(actor_system *sys, actor_ref ref, const char *name)
{
    char full[ACTOR_NAME_MAX + 1];

    if (!wire_name(ACTOR_SERVICE_NAMESPACE, name, full))
        return ACTOR_EINVAL;
    return register_checked(sys, ref, full, ACTOR_REF_NONE);
}

/* ----------------------------------------------------- exported types */

typedef struct actor__export {
    struct actor__export *next;
    actor__exported what;
} exported;

int actor_export_type(actor_system *sys, const actor_type *type, actor_spawn_fn spawn,
                      const void *spec)
{
    actor__gateway *g;
    exported *e;
    int rc;

    if (sys == NULL || type == NULL || type->name == NULL || spawn == NULL)
        return ACTOR_EINVAL;
    rc = actor__gateway_get(sys, &g);
    if (rc != 0)
        return rc;
    pthread_mutex_lock(&g->naming);
    for (e = g->exports; e != NULL; e = e->next)
        if (strcmp(e->what.type->name, type->name) == 0)
            break;
    if (e != NULL) {
        rc = e->what.type == type && e->what.spawn == spawn && e->what.spec == spec
                 ? 0
                 : ACTOR_ESTATE;
    } else if ((e = malloc(sizeof *e)) == NULL) {
        rc = ACTOR_ENOMEM;
    } else {
        e->what = (actor__exported){type, spawn, spec};
        e->next = g->exports;
        g->exports = e;
    }
    pthread_mutex_unlock(&g->naming);
    return rc;
}

int actor__export_find(actor_system *sys, const char *type_name, actor__exported *out)
{
    actor__gateway *g = actor__gateway_of(sys);
    int rc = ACTOR_ENOTFOUND;

    if (g == NULL)
        return rc;
    pthread_mutex_lock(&g->naming);
    for (exported *e = g->exports; e != NULL; e = e->next)
        if (strcmp(e->what.type->name, type_name) == 0) {
            *out = e->what;
            rc = 0;
            break;
        }
    pthread_mutex_unlock(&g->naming);
    return rc;
}

/* At the gateway's end every actor is gone, and with it every entry; any
 * left (a monitor that could not be made) is freed here, and so are the
 * exported types. */
void actor__names_free(actor__gateway *g)
{
    while (g->names != NULL) {
        named *n = g->names;
        g->names = n->next;
        free(n);
    }
    while (g->exports != NULL) {
        exported *e = g->exports;
        g->exports = e->next;
        free(e);
    }
}
