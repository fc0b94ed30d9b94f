/*
 * queues.c - the gateway's queues of records (gateway.h): the FIFOs of
 * actor__outgoing records that other threads hand to the holder (its inbox
 * and sendq), and the per-client queues of responses waiting for room,
 * found by routing id in a small hash table (actor__peers). The holder's,
 * or guarded by whoever owns the queue (gateway.c says which); no locks
 * of their own.
 */
#include <stdlib.h>
#include <string.h>

#include "transport/gateway.h"

/* ================================================================ FIFOs */

void actor__outq_push(actor__outq *q, actor__outgoing *o)
{
    o->next = NULL;
    if (q->tail != NULL)
        q->tail->next = o;
    else
        q->head = o;
    q->tail = o;
}

actor__outgoing *actor__outq_pop(actor__outq *q)
{
    actor__outgoing *o = q->head;

    if (o != NULL) {
        q->head = o->next;
        if (q->head == NULL)
            q->tail = NULL;
    }
    return o;
}

void actor__outq_free(actor__outq *q)
{
    while (q->head != NULL)
        free(actor__outq_pop(q));
}

actor__outgoing *actor__outgoing_new(size_t id_len, size_t env_len, size_t body_len)
{
    actor__outgoing *o = malloc(sizeof *o + id_len + env_len + body_len);

    if (o != NULL) {
        memset(o, 0, sizeof *o);
        o->id_len = id_len;
        o->env_len = env_len;
        o->body_len = body_len;
    }
    return o;
}

/* ================================================== waiting per client */

/* FNV-1a of a routing id. */
static uint64_t id_hash(const uint8_t *id, size_t len)
{
    uint64_t h = 14695981039346656037ull;

    for (size_t i = 0; i < len; i++)
        h = (h ^ id[i]) * 1099511628211ull;
    return h;
}

static actor__peer_queue **bucket_of(actor__peers *p, uint64_t hash)
{
    return &p->buckets[hash & (p->n_buckets - 1)];
}

actor__peer_queue *actor__peers_find(actor__peers *p, const uint8_t *id, size_t len)
{
    uint64_t hash;

    if (p->n_queues == 0)
        return NULL;
    hash = id_hash(id, len);
    for (actor__peer_queue *q = *bucket_of(p, hash); q != NULL; q = q->hash_next)
        if (q->hash == hash && q->id_len == len && memcmp(q->id, id, len) == 0)
            return q;
    return NULL;
}

/* Doubles the buckets when there are as many queues (or creates them). */
static int peers_grow(actor__peers *p)
{
    size_t n = p->n_buckets == 0 ? 16 : 2 * p->n_buckets;
    actor__peer_queue **b;

    if (p->n_queues < p->n_buckets)
        return 0;
    if ((b = calloc(n, sizeof *b)) == NULL)
        return p->n_buckets != 0 ? 0 : ACTOR_ENOMEM; /* longer chains will do */
    free(p->buckets);
    p->buckets = b;
    p->n_buckets = n;
    for (actor__peer_queue *q = p->all; q != NULL; q = q->next) {
        actor__peer_queue **head = bucket_of(p, q->hash);
        q->hash_next = *head;
        *head = q;
    }
    return 0;
}

actor__peer_queue *actor__peers_get(actor__peers *p, const uint8_t *id, size_t len)
{
    actor__peer_queue *q = actor__peers_find(p, id, len), **head;

    if (q != NULL)
        return q;
    if (peers_grow(p) != 0 || (q = calloc(1, sizeof *q + len)) == NULL)
        return NULL;
    q->hash = id_hash(id, len);
    q->id_len = len;
    memcpy(q->id, id, len);
    head = bucket_of(p, q->hash);
    q->hash_next = *head;
    *head = q;
    q->next = p->all;
    if (p->all != NULL)
        p->all->prev = q;
    p->all = q;
    p->n_queues++;
    return q;
}

void actor__peers_remove(actor__peers *p, actor__peer_queue *q)
{
    actor__peer_queue **link = bucket_of(p, q->hash);

    while (*link != q)
        link = &(*link)->hash_next;
    *link = q->hash_next;
    if (q->prev != NULL)
        q->prev->next = q->next;
    else
        p->all = q->next;
    if (q->next != NULL)
        q->next->prev = q->prev;
    p->n_queues--;
    free(q);
}
