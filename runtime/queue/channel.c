/*
 * channel.c - senders and receivers over a queue (actor/channel.h): a
 * sender is an id the queue counts (open_sender, close_sender), sends and
 * receives are the queue's typed puts and gets of one item.
 */
#include "actor/channel.h"

int actor_sender_open(actor_client *c, actor_ref queue, const actor_message_desc *desc,
                      const char *type, actor_sender *out, actor_status *st)
{
    actor_queue_Sender sender = {0};
    int rc;

    if (st == NULL)
        return ACTOR_EINVAL;
    if (out == NULL || desc == NULL) {
        actor_status_set(st, ACTOR_STATUS_INTERNAL, 0, "channel: %s", actor_strerror(ACTOR_EINVAL));
        return ACTOR_EINVAL;
    }
    *out = (actor_sender){{queue, desc, type != NULL ? type : ""}, 0};
    rc = actor_queue_Queue_open_sender(c, queue, &sender, NULL, st);
    if (rc == 0 && st->category == ACTOR_STATUS_OK)
        out->id = sender.id;
    actor_queue_Sender_free(&sender);
    return rc;
}

int actor_sender_clone(actor_client *c, const actor_sender *from, actor_sender *out,
                       actor_status *st)
{
    if (from == NULL)
        return ACTOR_EINVAL;
    return actor_sender_open(c, from->end.queue, from->end.desc, from->end.type, out, st);
}

int actor_sender_close(actor_client *c, actor_sender *s, actor_status *st)
{
    actor_queue_Sender sender;
    int rc;

    if (s == NULL || st == NULL)
        return ACTOR_EINVAL;
    if (s->id == 0) {
        actor_status_set(st, ACTOR_STATUS_OK, 0, "%s", "");
        return 0;
    }
    sender.id = s->id;
    rc = actor_queue_Queue_close_sender(c, s->end.queue, &sender, NULL, st);
    if (rc == 0 && st->category == ACTOR_STATUS_OK)
        s->id = 0;
    return rc;
}

int actor_channel_new(actor_system *sys, actor_client *c, const actor_queue_opts *opts,
                      const actor_message_desc *desc, actor_sender *tx, actor_receiver *rx,
                      actor_status *st)
{
    actor_ref q;
    int rc;

    if (st == NULL || rx == NULL)
        return ACTOR_EINVAL;
    rc = actor_queue_spawn(sys, opts, NULL, &q);
    if (rc != 0) {
        actor_status_set(st, ACTOR_STATUS_INTERNAL, 0, "channel: %s", actor_strerror(rc));
        return rc;
    }
    rc = actor_sender_open(c, q, desc, opts != NULL ? opts->type : NULL, tx, st);
    if (rc != 0 || st->category != ACTOR_STATUS_OK) {
        actor_terminate(sys, q, false);
        return rc;
    }
    *rx = tx->end;
    return 0;
}

static int send_one(actor_client *c, const actor_sender *s, const void *item,
                    actor_queue_Wait wait, actor_status *st)
{
    if (s == NULL)
        return ACTOR_EINVAL;
    return actor_queue_put(c, s->end.queue, s->end.desc, s->end.type, item, 1, wait, st);
}

int actor_send(actor_client *c, const actor_sender *s, const void *item, uint32_t timeout_ms,
               actor_status *st)
{
    return send_one(c, s, item, (actor_queue_Wait){true, timeout_ms}, st);
}

int actor_try_send(actor_client *c, const actor_sender *s, const void *item, actor_status *st)
{
    return send_one(c, s, item, (actor_queue_Wait){false, 0}, st);
}

actor_receiver actor_receiver_of(actor_ref queue, const actor_message_desc *desc,
                                 const char *type)
{
    return (actor_receiver){queue, desc, type != NULL ? type : ""};
}

static int recv_one(actor_client *c, const actor_receiver *r, void *out, actor_queue_Wait wait,
                    actor_status *st)
{
    if (r == NULL)
        return ACTOR_EINVAL;
    return actor_queue_get(c, r->queue, r->desc, r->type, out, 1, wait, st);
}

int actor_recv(actor_client *c, const actor_receiver *r, void *out, uint32_t timeout_ms,
               actor_status *st)
{
    return recv_one(c, r, out, (actor_queue_Wait){true, timeout_ms}, st);
}

int actor_try_recv(actor_client *c, const actor_receiver *r, void *out, actor_status *st)
{
    return recv_one(c, r, out, (actor_queue_Wait){false, 0}, st);
}
