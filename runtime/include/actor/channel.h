/*
 * actor/channel.h - channels: senders and receivers of typed items over
 * a queue (actor/queues.h), local or in another process, that close when
 * their last sender closes (docs/GUIDE.md, "Queues").
 *
 * A channel is a queue with senders. Each sender is counted by the queue
 * (open_sender in idl/queue.actor), cloning one opens another, and when
 * the last one closes the channel is closed: sends end CLOSED, receivers
 * take what is left, then their receives end CLOSED
 * (actor_queue_QueueError_CLOSED), those waiting then too. Receivers are
 * not counted: copy one to have another. A process that ends without
 * closing its senders leaves the channel open: close them first (or shut
 * the queue down).
 *
 * The handles are plain values: a queue's ref, a sender's id, the items'
 * descriptor and type name (both borrowed: normally static). Every call
 * blocks the calling thread (not from a handler: there, use the queue's
 * generated _request stubs) and fills *st as the queue's helpers do.
 */
#ifndef ACTOR_CHANNEL_H
#define ACTOR_CHANNEL_H

#include "actor/queues.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct actor_channel_end {
    actor_ref queue;
    const actor_message_desc *desc; /* the items' type */
    const char *type;               /* its name, "package.Message" */
} actor_channel_end;

typedef struct actor_sender {
    actor_channel_end end;
    uint64_t id; /* 0: closed */
} actor_sender;

typedef actor_channel_end actor_receiver;

/* A new channel: a queue started with *opts (its `type` names the items;
 * NULL: unbounded) and its first sender, in *tx, with a receiver in *rx.
 * 0 with st OK; else a negative code or st says why (nothing is left
 * running). */
int actor_channel_new(actor_system *sys, actor_client *c, const actor_queue_opts *opts,
                      const actor_message_desc *desc, actor_sender *tx, actor_receiver *rx,
                      actor_status *st);

/* One more sender on the channel of queue `queue` (another process's,
 * found by name, or the one in *from: actor_sender_clone). */
int actor_sender_open(actor_client *c, actor_ref queue, const actor_message_desc *desc,
                      const char *type, actor_sender *out, actor_status *st);
int actor_sender_clone(actor_client *c, const actor_sender *from, actor_sender *out,
                       actor_status *st);

/* Closes s (s->id becomes 0; closing a closed sender does nothing). */
int actor_sender_close(actor_client *c, actor_sender *s, actor_status *st);

/* Sends one item, waiting up to timeout_ms for room (0: as long as the
 * call may); try_send does not wait (FULL). CLOSED once the channel is. */
int actor_send(actor_client *c, const actor_sender *s, const void *item, uint32_t timeout_ms,
               actor_status *st);
int actor_try_send(actor_client *c, const actor_sender *s, const void *item, actor_status *st);

/* The receiver of the channel of queue `queue`. */
actor_receiver actor_receiver_of(actor_ref queue, const actor_message_desc *desc,
                                 const char *type);

/* Receives the oldest item into *out (_init'ed here; the caller frees it
 * when st is OK), waiting up to timeout_ms (0: as long as the call may);
 * try_recv does not wait (EMPTY). CLOSED once the channel is closed and
 * empty. */
int actor_recv(actor_client *c, const actor_receiver *r, void *out, uint32_t timeout_ms,
               actor_status *st);
int actor_try_recv(actor_client *c, const actor_receiver *r, void *out, actor_status *st);

#ifdef __cplusplus
}
#endif

#endif /* ACTOR_CHANNEL_H */
