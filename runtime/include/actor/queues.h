/*
 * actor/queues.h - queues as a service: an actor holds the items, in
 * order, and producers and consumers anywhere in the system put them in
 * and get them out (docs/GUIDE.md, "Queues").
 *
 * The service is defined in idl/queue.actor; its messages and stubs
 * (actor_queue_Queue_put, _get, _info, _shutdown, and their _request
 * forms for handlers) are in <actor/queue.h>, which this header includes.
 * This header starts a queue and puts and gets typed items with the
 * message descriptors of the stubs (ACTOR_MESSAGE_DESC in actor/stub.h).
 *
 * A queue is bounded by items (max_items), bytes (max_bytes; an item's
 * bytes are its encoded size), both or neither. A put of a batch waits
 * until the whole batch fits and a get until as many items as it asks
 * for are there; waiting puts and gets are served in the order they
 * came. A put or get that does not wait, or whose wait ends, is answered
 * FULL or EMPTY (actor_queue_QueueError), never left hanging: the queue
 * answers a little before the caller's deadline whatever the timeout
 * asked, so an item it hands out always reaches a caller still waiting.
 * Errors reach the caller as ACTOR_STATUS_ERROR with the QueueError code.
 */
#ifndef ACTOR_QUEUES_H
#define ACTOR_QUEUES_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "actor/actor.h"
#include "actor/stub.h"
#include "queue.h" /* generated from idl/queue.actor: installed as <actor/queue.h> */

#ifdef __cplusplus
extern "C" {
#endif

/* The most items one put or get may carry. */
#define ACTOR_QUEUE_MAX_BATCH 65536u
/* Puts and gets that may wait at once, by default: more are answered at
 * once, as if they did not wait. */
#define ACTOR_QUEUE_DEFAULT_MAX_WAITING 4096u
/* A waiting put or get is answered this long before its caller's deadline
 * at the latest (or a tenth of the time left, when that is less). */
#define ACTOR_QUEUE_ANSWER_MARGIN_MS 50u
/* The typed helpers below give their calls this much more time than the
 * wait they ask for, so that the queue's own answer comes first. */
#define ACTOR_QUEUE_CALL_SLACK_MS 2000u

typedef struct actor_queue_opts {
    const char *type;     /* "package.Message": the only type it takes; NULL or "": any */
    uint64_t max_items;   /* 0: no bound */
    uint64_t max_bytes;   /* 0: no bound */
    uint32_t max_waiting; /* 0: ACTOR_QUEUE_DEFAULT_MAX_WAITING */
} actor_queue_opts;

/* Starts a queue (an actor: name it with actor_name_register to reach it
 * from other processes, end it with actor_terminate). opts (NULL: an
 * unbounded queue of any type) is copied; spawn_opts may be NULL. 0 or a
 * negative ACTOR_E* code, as actor_spawn. */
int actor_queue_spawn(actor_system *sys, const actor_queue_opts *opts,
                      const actor_spawn_opts *spawn_opts, actor_ref *out);

/* actor_queue_spawn as an actor_spawn_fn (pools, supervisors,
 * actor_spawn_named, actor_export_type): `spec` is a const
 * actor_queue_opts * (NULL: the defaults), borrowed for the call. */
int actor_queue_spawn_fn(actor_system *sys, const void *spec, const actor_spawn_opts *opts,
                         actor_ref *out);

/* Puts n items (items[0..n), each a message of `desc`'s type named
 * `type`, "package.Message") into queue q, waiting as `wait` says: they
 * go in together or none does. Blocks the calling thread (not from a
 * handler: there, use actor_queue_Queue_put_request). Always fills *st:
 * OK, or ERROR with an actor_queue_QueueError code (FULL, SHUT_DOWN,
 * TOO_LARGE, WRONG_TYPE), or the call's own status. Returns 0, or a
 * negative code when the items cannot be encoded or memory runs out. */
int actor_queue_put(actor_client *c, actor_ref q, const actor_message_desc *desc,
                    const char *type, const void *items, size_t n, actor_queue_Wait wait,
                    actor_status *st);

/* Gets n items into out[0..n) (each of `desc`'s type, _init'ed here;
 * the caller frees each with the type's _free when st is OK), oldest
 * first, waiting as `wait` says: all n or none. Status as
 * actor_queue_put's (EMPTY, SHUT_DOWN, TOO_LARGE, WRONG_TYPE, BAD_COUNT);
 * an item that does not decode as `desc`'s type turns OK into
 * ACTOR_STATUS_DECODE, with every out[] freed. */
int actor_queue_get(actor_client *c, actor_ref q, const actor_message_desc *desc,
                    const char *type, void *out, size_t n, actor_queue_Wait wait,
                    actor_status *st);

/* A consumer that fetches its next item while it works on the current
 * one: each actor_queue_prefetch_next returns the item fetched before and
 * at once asks the queue for the next, so the queue's round trip overlaps
 * the caller's work instead of following it. One thread uses it at a
 * time; the fields are its own. */
typedef struct actor_queue_prefetch {
    actor_client *client;           /* borrowed */
    actor_ref queue;
    const actor_message_desc *desc; /* borrowed */
    const char *type;               /* borrowed */
    actor_queue_Wait wait;
    pthread_mutex_t lock;
    pthread_cond_t done;
    bool outstanding; /* a get is out */
    bool ready;       /* it ended: st (and, OK, item) hold its outcome */
    actor_status st;
    void *item; /* desc->size bytes: the fetched item, decoded */
} actor_queue_prefetch;

/* Starts p on queue q (items of desc's type named `type`; each get waits
 * as `wait` says): the first get goes out now. 0 or a negative code. */
int actor_queue_prefetch_start(actor_queue_prefetch *p, actor_client *c, actor_ref q,
                               const actor_message_desc *desc, const char *type,
                               actor_queue_Wait wait);

/* Waits for the outstanding get, decodes its item into *out (_init'ed
 * here; the caller frees it when st is OK) and, when it is OK, sends the
 * next get before returning. *st as actor_queue_get's. */
int actor_queue_prefetch_next(actor_queue_prefetch *p, void *out, actor_status *st);

/* Ends p: waits for the get still out (up to its wait) and, when it
 * brought an item, decodes it into *out (may be NULL: then an item it
 * brought is lost, so pass one) with *got true. */
void actor_queue_prefetch_stop(actor_queue_prefetch *p, void *out, bool *got);

#ifdef __cplusplus
}
#endif

#endif /* ACTOR_QUEUES_H */
