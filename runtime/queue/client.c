/*
 * client.c - typed puts and gets on a queue (actor/queues.h): items are
 * encoded with their message descriptor into the service's byte strings,
 * and decoded back, around the generated stubs of idl/queue.actor.
 */
#include <stdlib.h>
#include <string.h>

#include "actor/queues.h"
#include "queue/service.h"

/* The call's own options for a put or get that waits `wait`: longer than
 * the wait, so that the queue answers first. */
static actor_call_opts call_opts(actor_queue_Wait wait)
{
    return actor__wait_call_opts(wait.block, wait.timeout_ms);
}

static void status_local(actor_status *st, int rc, const char *what)
{
    actor_status_set(st, ACTOR_STATUS_INTERNAL, 0, "queue %s: %s", what, actor_strerror(rc));
}

/* Encodes items[0..n) of desc's type into *out (n byte strings, each
 * malloc'd; the caller frees them with actor_free_bytes_array). */
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
        actor_free_bytes_array(bytes, n);
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
    actor_free_bytes_array(bytes, n);
    return rc;
}

/* Decodes n items of res into out[0..n), or turns *st into DECODE with
 * none left decoded. */
static void decode_items(const actor_message_desc *desc, const actor_queue_Items *res, void *out,
                         size_t n, actor_status *st)
{
    actor_decode_error err = {0};
    size_t decoded = 0;

    if (res->n_items != n) {
        actor_status_set(st, ACTOR_STATUS_DECODE, 0, "queue get: %zu items for %zu asked",
                         res->n_items, n);
        return;
    }
    for (; decoded < n; decoded++) {
        void *item = (char *)out + decoded * desc->size;
        desc->init(item);
        if (desc->decode((const char *)res->items[decoded].data, res->items[decoded].len, NULL,
                         item, &err) != 0) {
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
}

int actor_queue_get(actor_client *c, actor_ref q, const actor_message_desc *desc,
                    const char *type, void *out, size_t n, actor_queue_Wait wait,
                    actor_status *st)
{
    actor_queue_GetRequest req;
    actor_queue_Items res;
    actor_call_opts o = call_opts(wait);
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
    decode_items(desc, &res, out, n, st);
    actor_queue_Items_free(&res);
    return 0;
}

/* ============================================================ prefetch */

/* The outstanding get ended (a worker thread, or the client's end): its
 * item is decoded into p->item there, so that next() only moves it. */
static void prefetched(void *user, uint64_t call_id, const actor_status *st,
                       const actor_queue_Items *res)
{
    actor_queue_prefetch *p = user;
    actor_status outcome = *st;

    (void)call_id;
    if (outcome.category == ACTOR_STATUS_OK)
        decode_items(p->desc, res, p->item, 1, &outcome);
    pthread_mutex_lock(&p->lock);
    p->st = outcome;
    p->ready = true;
    pthread_cond_signal(&p->done);
    pthread_mutex_unlock(&p->lock);
}

static int prefetch_send(actor_queue_prefetch *p)
{
    actor_queue_GetRequest req = {(char *)(uintptr_t)p->type, 1, p->wait};
    actor_call_opts o = call_opts(p->wait);
    int rc;

    p->ready = false;
    p->outstanding = true;
    rc = actor_queue_Queue_get_async(p->client, p->queue, &req, &o, prefetched, p, NULL);
    if (rc != 0)
        p->outstanding = false;
    return rc;
}

/* Waits for the outstanding get to end; its outcome is then p's. */
static void prefetch_wait(actor_queue_prefetch *p)
{
    pthread_mutex_lock(&p->lock);
    while (!p->ready)
        pthread_cond_wait(&p->done, &p->lock);
    pthread_mutex_unlock(&p->lock);
    p->outstanding = false;
}

int actor_queue_prefetch_start(actor_queue_prefetch *p, actor_client *c, actor_ref q,
                               const actor_message_desc *desc, const char *type,
                               actor_queue_Wait wait)
{
    int rc;

    if (p == NULL || c == NULL || desc == NULL)
        return ACTOR_EINVAL;
    memset(p, 0, sizeof *p);
    p->item = malloc(desc->size);
    if (p->item == NULL)
        return ACTOR_ENOMEM;
    p->client = c;
    p->queue = q;
    p->desc = desc;
    p->type = type != NULL ? type : "";
    p->wait = wait;
    pthread_mutex_init(&p->lock, NULL);
    pthread_cond_init(&p->done, NULL);
    rc = prefetch_send(p);
    if (rc != 0) {
        pthread_mutex_destroy(&p->lock);
        pthread_cond_destroy(&p->done);
        free(p->item);
    }
    return rc;
}

int actor_queue_prefetch_next(actor_queue_prefetch *p, void *out, actor_status *st)
{
    if (p == NULL || out == NULL || st == NULL)
        return ACTOR_EINVAL;
    if (!p->outstanding) {
        int rc = prefetch_send(p); /* the last one failed: ask again */
        if (rc != 0) {
            status_local(st, rc, "get");
            return rc;
        }
    }
    prefetch_wait(p);
    *st = p->st;
    if (st->category == ACTOR_STATUS_OK) {
        memcpy(out, p->item, p->desc->size); /* the decoded item moves: out owns it */
        (void)prefetch_send(p);              /* overlaps the caller's work on *out */
    }
    return 0;
}

void actor_queue_prefetch_stop(actor_queue_prefetch *p, void *out, bool *got)
{
    if (got != NULL)
        *got = false;
    if (p == NULL)
        return;
    if (p->outstanding) {
        prefetch_wait(p);
        if (p->st.category == ACTOR_STATUS_OK && out != NULL) {
            memcpy(out, p->item, p->desc->size);
            if (got != NULL)
                *got = true;
        } else if (p->st.category == ACTOR_STATUS_OK) {
            p->desc->free(p->item);
        }
    }
    pthread_mutex_destroy(&p->lock);
    pthread_cond_destroy(&p->done);
    free(p->item);
}
