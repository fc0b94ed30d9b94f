/*
 * stage_queue.h - a bounded queue from one stage to the next, held by the
 * stage that sends: credit-based flow control over actor_ctx_request.
 *
 * At most `bound` requests are in flight to the next stage: sent, and
 * not answered yet (their continuation has not run). An item that finds
 * no room waits here, in order, with its producer's deferred reply, and
 * the producer is answered only when its item leaves. A producer keeps at
 * most `bound` requests unanswered too, so a full queue stops it, which
 * stops its own producer in turn, back to the microphone: whichever stage
 * is slow, each queue holds at most its bound and nothing grows.
 *
 * A queue belongs to one actor's state: no lock, like the rest of it.
 */
#ifndef PIPELINE_STAGE_QUEUE_H
#define PIPELINE_STAGE_QUEUE_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "actor/actor.h"

/* Where a queue publishes its depths (one writer: the queue's actor; the
 * program reads them at the end). */
typedef struct queue_gauge {
    atomic_uint bound;           /* requests in flight at most */
    atomic_uint in_flight;       /* requests in flight now */
    atomic_uint deepest;         /* the most that were in flight at once */
    atomic_uint_fast64_t sent;   /* items that left */
    atomic_uint_fast64_t waited; /* items that found the queue full and waited */
} queue_gauge;

/* An item waiting for room: the message to send and, when it came from a
 * producer's request, that request's deferred reply (NULL otherwise). */
typedef struct stage_item {
    void *msg;
    actor_reply *reply;
} stage_item;

typedef struct stage_queue {
    unsigned bound;     /* requests in flight at most */
    unsigned in_flight; /* sent and not answered yet */
    stage_item *ring;   /* the waiting items: `waiting` from `head`, of `capacity` */
    unsigned capacity, head, waiting;
    void (*free_msg)(void *msg); /* frees a waiting item's message */
    queue_gauge *gauge;          /* borrowed; outlives the queue */
} stage_queue;

/* A queue of `bound` requests in flight, where up to `capacity` items may
 * wait (the producer's own bound: no more can come). `free_msg` frees
 * what still waits at stage_queue_fini. 0 or ACTOR_ENOMEM. */
int stage_queue_init(stage_queue *q, unsigned bound, unsigned capacity, void (*free_msg)(void *msg),
                     queue_gauge *gauge);

/* Frees the messages still waiting. Their deferred replies stay with the
 * actor, which answers them DIED when it ends. */
void stage_queue_fini(stage_queue *q);

/* Queues `msg` (then owned by the queue) with `reply` (may be NULL). 0,
 * or ACTOR_EFULL when `capacity` items wait already: a producer sent more
 * than its bound, and msg and reply stay with the caller. */
int stage_queue_put(stage_queue *q, void *msg, actor_reply *reply);

/* True when an item waits and a request may be sent for it. */
bool stage_queue_ready(const stage_queue *q);

/* The oldest waiting item, now counted in flight; only when ready. The
 * caller owns its message and reply, and calls stage_queue_done once
 * its request has ended (or could not be sent). */
stage_item stage_queue_take(stage_queue *q);

/* One request in flight has ended: its room is free again. */
void stage_queue_done(stage_queue *q);

#endif /* PIPELINE_STAGE_QUEUE_H */
