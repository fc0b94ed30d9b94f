/*
 * stage_queue.c - the bounded queues between stages (stage_queue.h).
 */
#include "stage_queue.h"

#include <stdlib.h>

int stage_queue_init(stage_queue *q, unsigned bound, unsigned capacity, void (*free_msg)(void *msg),
                     queue_gauge *gauge)
{
    *q = (stage_queue){.bound = bound, .capacity = capacity, .free_msg = free_msg, .gauge = gauge};
    q->ring = calloc(capacity, sizeof *q->ring);
    if (q->ring == NULL)
        return ACTOR_ENOMEM;
    atomic_store(&gauge->bound, bound);
    return 0;
}

void stage_queue_fini(stage_queue *q)
{
    for (unsigned i = 0; i < q->waiting; i++)
        q->free_msg(q->ring[(q->head + i) % q->capacity].msg);
    free(q->ring);
    q->ring = NULL;
    q->waiting = 0;
}

int stage_queue_put(stage_queue *q, void *msg, actor_reply *reply)
{
    if (q->waiting == q->capacity)
        return ACTOR_EFULL;
    if (q->waiting > 0 || q->in_flight >= q->bound)
        atomic_fetch_add(&q->gauge->waited, 1);
    q->ring[(q->head + q->waiting) % q->capacity] = (stage_item){msg, reply};
    q->waiting++;
    return 0;
}

bool stage_queue_ready(const stage_queue *q)
{
    return q->waiting > 0 && q->in_flight < q->bound;
}

stage_item stage_queue_take(stage_queue *q)
{
    stage_item item = q->ring[q->head];

    q->head = (q->head + 1) % q->capacity;
    q->waiting--;
    q->in_flight++;
    atomic_store(&q->gauge->in_flight, q->in_flight);
    if (q->in_flight > atomic_load(&q->gauge->deepest))
        atomic_store(&q->gauge->deepest, q->in_flight);
    atomic_fetch_add(&q->gauge->sent, 1);
    return item;
}

void stage_queue_done(stage_queue *q)
{
    if (q->in_flight > 0)
        q->in_flight--;
    atomic_store(&q->gauge->in_flight, q->in_flight);
}
