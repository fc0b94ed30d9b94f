/*
 * client.c - typed puts and gets on a queue (actor/queues.h): items are
 * encoded with their message descriptor into the service's byte strings,
 * and decoded back, around the generated stubs of idl/queue.actor.
 */
#include <stdlib.h>
#include <string.h>

#include "actor/queues.h"

/* The call's own timeout for a put or get that waits `wait`: longer, so
 * that the queue answers first; 0 (the method's) when it waits as long as
 * the call may. */
static actor_call_opts call_opts(actor_queue_Wait wait)
{
    actor_call_opts o = ACTOR_CALL_OPTS_DEFAULT;

    if (!wait.block)
        o.timeout_ms = ACTOR_QUEUE_CALL_SLACK_MS;
    else if (wait.timeout_ms != 0)
        o.timeout_ms = wait.timeout_ms > UINT32_MAX - ACTOR_QUEUE_CALL_SLACK_MS
                           ? UINT32_MAX
                           : wait.timeout_ms + ACTOR_QUEUE_CALL_SLACK_MS;
    return o;
}

static void status_local(actor_status *st, int rc, const char *what)
{
    actor_status_set(st, ACTOR_STATUS_INTERNAL, 0, "queue %s: %s", what, actor_strerror(rc));
}

/* Encodes items[0..n) of desc's type into *out (n byte strings, each
 * malloc'd; the caller frees them with items_free). */
static int encode_items(const actor_message_desc *desc, const void *items, size_t n,
                        actor_bytes **out)
{
    actor_bytes *bytes = calloc(n != 0 ? n : 1, sizeof *bytes);
    msgpack_sbuffer sb;
    int rc = 0;

    if (bytes == NULL)
        return ACTOR_ENOMEM;
    msgpack_sbuffer_init(&sb);
    for (size_t i = 0; i < n && rc == 0; i++) {
        sb.size = 0;
        rc = desc->encode((const char *)items + i * desc->size, &sb);
        if (rc == 0 && sb.size != 0 && (bytes[i].data = malloc(sb.size)) == NULL)
            rc = ACTOR_ENOMEM;
        if (rc == 0) {
            if (sb.size != 0)
                memcpy(bytes[i].data, sb.data, sb.size);
            bytes[i].len = sb.size;
        }
    }
    msgpack_sbuffer_destroy(&sb);
    if (rc != 0) {
        for (size_t i = 0; i < n; i++)
            free(bytes[i].data);
        free(bytes);
        return rc;
    }
    *out = bytes;
    return 0;
}

int actor_queue_put(actor_client *c, actor_ref q, const actor_message_desc *desc,
                    const char *type, const void *items, size_t n, actor_queue_Wait wait,
                    actor_status *st)
{
    actor_queue_PutRequest req;
    actor_call_opts o = call_opts(wait);
    actor_bytes *bytes = NULL;
    int rc;

    if (st == NULL)
        return ACTOR_EINVAL;
    if (c == NULL || desc == NULL || (items == NULL && n != 0)) {
        status_local(st, ACTOR_EINVAL, "put");
        return ACTOR_EINVAL;
    }
    rc = encode_items(desc, items, n, &bytes);
    if (rc != 0) {
        status_local(st, rc, "put");
        return rc;
    }
    req = (actor_queue_PutRequest){(char *)(uintptr_t)(type != NULL ? type : ""), n, bytes, wait};
    rc = actor_queue_Queue_put(c, q, &req, &o, st);
    for (size_t i = 0; i < n; i++)
        free(bytes[i].data);
    free(bytes);
    return rc;
}

int actor_queue_get(actor_client *c, actor_ref q, const actor_message_desc *desc,
                    const char *type, void *out, size_t n, actor_queue_Wait wait,
                    actor_status *st)
{
    actor_queue_GetRequest req;
    actor_queue_Items res;
    actor_call_opts o = call_opts(wait);
    actor_decode_error err = {0};
    size_t decoded = 0;
    int rc;

    if (st == NULL)
        return ACTOR_EINVAL;
    if (c == NULL || desc == NULL || out == NULL || n > UINT32_MAX) {
        status_local(st, ACTOR_EINVAL, "get");
        return ACTOR_EINVAL;
    }
    req = (actor_queue_GetRequest){(char *)(uintptr_t)(type != NULL ? type : ""), (uint32_t)n,
                                   wait};
    rc = actor_queue_Queue_get(c, q, &req, &res, &o, st);
    if (rc != 0 || st->category != ACTOR_STATUS_OK)
        return rc;
    if (res.n_items != n) {
        actor_status_set(st, ACTOR_STATUS_DECODE, 0, "queue get: %zu items for %zu asked",
                         res.n_items, n);
        actor_queue_Items_free(&res);
        return 0;
    }
    for (; decoded < n; decoded++) {
        void *item = (char *)out + decoded * desc->size;
        desc->init(item);
        if (desc->decode((const char *)res.items[decoded].data, res.items[decoded].len, item,
                         &err) != 0) {
            desc->free(item);
            break;
        }
    }
    if (decoded != n) {
        for (size_t i = 0; i < decoded; i++)
            desc->free((char *)out + i * desc->size);
        actor_status_set(st, ACTOR_STATUS_DECODE, 0, "queue get: item %zu: %s", decoded,
                         err.message);
    }
    actor_queue_Items_free(&res);
    return 0;
}
