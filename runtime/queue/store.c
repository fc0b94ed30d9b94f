/*
 * store.c - the object store's actor (actor/stores.h, idl/store.actor;
 * docs/RUNTIME.md, "Queues").
 *
 * Blobs by id in the core's id map, each with its count of references; the bytes bound counts the blobs' sizes. A blob is copied
 * in once at put and out once per get: what crosses the other hops is its
 * 16-byte ObjectRef. One actor, one worker at a time: no locks.
 */
#include <stdlib.h>
#include <string.h>

#include "actor/stores.h"
#include "core/actor_internal.h"
#include "queue/service.h"

typedef struct object {
    actor__idnode node; /* first: its id in the map */
    uint32_t refs;
    actor_bytes data; /* owned */
} object;

typedef struct store {
    actor__idmap objects;
    uint64_t next_id, bytes, max_bytes, peak_bytes;
} store;

static object *find_object(store *s, uint64_t id)
{
    return (object *)(void *)actor__idmap_find(&s->objects, id);
}

/* Frees o, taken out of the map already. */
static void object_free(store *s, object *o)
{
    s->bytes -= o->data.len;
    actor_bytes_free(&o->data);
    free(o);
}

static int store_put(void *state, actor_ctx *ctx, const actor_store_PutObject *req,
                     actor_store_ObjectRef *res)
{
    store *s = state;
    object *o;

    if (s->max_bytes != 0 && req->data.len > s->max_bytes)
        return actor_ctx_raise(ctx, actor_store_StoreError_TOO_LARGE,
                               "a blob of %zu bytes never fits a store of %llu", req->data.len,
                               (unsigned long long)s->max_bytes);
    if (s->max_bytes != 0 && s->bytes + req->data.len > s->max_bytes)
        return actor_ctx_raise(ctx, actor_store_StoreError_FULL,
                               "store full: %llu of %llu bytes held, %zu more asked",
                               (unsigned long long)s->bytes, (unsigned long long)s->max_bytes,
                               req->data.len);
    o = calloc(1, sizeof *o);
    if (o == NULL || actor_bytes_keep(&o->data, &req->data) != 0) { /* a view: no copy */
        free(o);
        return ACTOR_ENOMEM;
    }
    o->node.id = ++s->next_id;
    o->refs = req->refs != 0 ? req->refs : 1;
    actor__idmap_insert(&s->objects, &o->node);
    s->bytes += o->data.len;
    if (s->bytes > s->peak_bytes)
        s->peak_bytes = s->bytes;
    res->id = o->node.id;
    res->size = o->data.len;
    return 0;
}

static int no_such_object(actor_ctx *ctx, uint64_t id)
{
    return actor_ctx_raise(ctx, actor_store_StoreError_NO_SUCH_OBJECT,
                           "no object %llu: never put, or released", (unsigned long long)id);
}

static int store_get(void *state, actor_ctx *ctx, const actor_store_ObjectRef *req,
                     actor_store_Blob *res)
{
    store *s = state;
    object *o = find_object(s, req->id);

    if (o == NULL)
        return no_such_object(ctx, req->id);
    if (o->data.len != 0) {
        res->data.data = malloc(o->data.len); /* the stub frees it after encoding */
        if (res->data.data == NULL)
            return ACTOR_ENOMEM;
        memcpy(res->data.data, o->data.data, o->data.len);
    }
    res->data.len = o->data.len;
    return 0;
}

static int store_retain(void *state, actor_ctx *ctx, const actor_store_RefCount *req,
                        actor_store_Remaining *res)
{
    store *s = state;
    object *o = find_object(s, req->object.id);

    if (o == NULL)
        return no_such_object(ctx, req->object.id);
    o->refs = req->count > UINT32_MAX - o->refs ? UINT32_MAX : o->refs + req->count;
    res->refs = o->refs;
    return 0;
}

static int store_release(void *state, actor_ctx *ctx, const actor_store_RefCount *req,
                         actor_store_Remaining *res)
{
    store *s = state;
    object *o = find_object(s, req->object.id);

    if (o == NULL)
        return no_such_object(ctx, req->object.id);
    o->refs = req->count >= o->refs ? 0 : o->refs - req->count;
    res->refs = o->refs;
    if (res->refs == 0) {
        actor__idmap_remove(&s->objects, o->node.id);
        object_free(s, o);
    }
    return 0;
}

static int store_info(void *state, actor_ctx *ctx, actor_store_StoreInfo *res)
{
    store *s = state;

    (void)ctx;
    res->objects = s->objects.count;
    res->size_bytes = s->bytes;
    res->max_bytes = s->max_bytes;
    res->peak_bytes = s->peak_bytes;
    return 0;
}

static bool every_object(actor__idnode *node, void *arg)
{
    (void)node;
    (void)arg;
    return true;
}

static void store_cleanup(void *state, actor_ctx *ctx)
{
    store *s = state;
    actor__idnode *n = actor__idmap_remove_if(&s->objects, every_object, NULL);

    (void)ctx;
    while (n != NULL) {
        actor__idnode *next = n->next;
        object_free(s, (object *)(void *)n);
        n = next;
    }
    actor__idmap_fini(&s->objects);
    free(s);
}

static const actor_store_Store_handlers store_handlers = {
    .init = actor__service_adopt,
    .cleanup = store_cleanup,
    .put = store_put,
    .get = store_get,
    .retain = store_retain,
    .release = store_release,
    .info = store_info,
};

int actor_store_spawn(actor_system *sys, uint64_t max_bytes, const actor_spawn_opts *spawn_opts,
                      actor_ref *out)
{
    actor_spawn_opts so = actor__service_spawn_opts(spawn_opts);
    store *s;
    int rc;

    if (sys == NULL || out == NULL)
        return ACTOR_EINVAL;
    s = calloc(1, sizeof *s);
    if (s == NULL)
        return ACTOR_ENOMEM;
    if (actor__idmap_init(&s->objects, 64) != 0) {
        free(s);
        return ACTOR_ENOMEM;
    }
    s->max_bytes = max_bytes;
    rc = actor_store_Store_spawn(sys, &store_handlers, s, &so, out);
    if (rc != 0) {
        actor__idmap_fini(&s->objects);
        free(s);
    }
    return rc;
}
