/*
 * names.c - the system's name registry (actor/remote.h: actor_register_name,
 * actor_unregister_name, actor_lookup_name): names of local actors that
 * remote requests target (docs/PROTOCOL.md section 5). A list under the
 * gateway's `lock`, with a version that every change bumps, so that the
 * gateway's holder can keep the last name a request named and its actor
 * without taking the lock again while no name changed.
 */
#include "transport/gateway.h"

#include <stdlib.h>
#include <string.h>

typedef struct actor__named {
    struct actor__named *next;
    actor_ref ref;
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

int actor_register_name(actor_system *sys, actor_ref ref, const char *name)
{
    actor__gateway *g;
    named **p, *n;
    size_t len;
    int rc;

    if (sys == NULL || name == NULL || (len = strlen(name)) == 0 || len > ACTOR__WIRE_MAX_NAME ||
        actor__ref_is_remote(ref))
        return ACTOR_EINVAL;
    if (!ref_alive(sys, ref))
        return ACTOR_ENOTFOUND;
    rc = actor__gateway_get(sys, &g);
    if (rc != 0)
        return rc;
    pthread_mutex_lock(&g->lock);
    p = find_name(g, name);
    if (p != NULL) {
        bool taken = !actor_ref_eq((*p)->ref, ref) && ref_alive(sys, (*p)->ref);
        if (!taken) {
            (*p)->ref = ref;
            atomic_fetch_add(&g->names_version, 1);
        }
        pthread_mutex_unlock(&g->lock);
        return taken ? ACTOR_ESTATE : 0;
    }
    n = malloc(sizeof *n + len + 1);
    if (n != NULL) {
        memcpy(n->name, name, len + 1);
        n->ref = ref;
        n->next = g->names;
        g->names = n;
        atomic_fetch_add(&g->names_version, 1);
    }
    pthread_mutex_unlock(&g->lock);
    return n != NULL ? 0 : ACTOR_ENOMEM;
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
    pthread_mutex_lock(&g->lock);
    p = find_name(g, name);
    if (p != NULL) {
        gone = *p;
        *p = gone->next;
        atomic_fetch_add(&g->names_version, 1);
    }
    pthread_mutex_unlock(&g->lock);
    free(gone);
    return gone != NULL ? 0 : ACTOR_ENOTFOUND;
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

void actor__names_free(actor__gateway *g)
{
    while (g->names != NULL) {
        named *n = g->names;
        g->names = n->next;
        free(n);
    }
}
