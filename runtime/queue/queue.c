/*
 * queue.c - the queue service's actor (actor/queues.h, idl/queue.actor;
 * docs/RUNTIME.md, "Queues").
 *
 * The items are a ring of byte strings, each one encoded message, owned
 * by the queue. A put or get that cannot be served at once and may wait
 * takes its caller's reply (deferred) and joins its line, puts or gets,
 * in arrival order, with a timer (actor_ctx_after) for when its wait
 * ends. Every change of the ring serves the lines again: the oldest get
 * while enough items are there, then the oldest put while its whole batch
 * fits, until neither moves. Only the head of a line is served, so a
 * large batch is not passed by smaller ones behind it (no starvation).
 *
 * A waiter's wait ends at its timeout, and at the latest
 * ACTOR_QUEUE_ANSWER_MARGIN_MS before its caller's deadline: the caller
 * gets FULL or EMPTY from the queue, never a TIMEOUT of its own, and an
 * item is never handed to a reply that its caller stopped waiting for.
 *
 * Shutdown refuses puts at once (waiting ones end SHUT_DOWN); gets take
 * what is left until the queue is empty or the grace period ends, then
 * the rest is dropped (and counted in the answer), waiting gets end
 * SHUT_DOWN, and every later call is answered SHUT_DOWN.
 *
 * A queue with senders (open_sender) is a channel: when its last sender
 * closes it is closed, which is a shutdown without a deadline: puts end
 * CLOSED, gets take what is left, and once it is empty they (and those
 * waiting) end CLOSED. One actor, one worker at a time: no locks.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "actor/queues.h"
#include "queue/service.h"

/* A put or get waiting for room or items. */
typedef struct waiter {
    struct waiter *prev, *next;
    actor_reply *reply;  /* the caller's, deferred */
    actor_bytes *items;  /* a put's items, owned */
    size_t n;            /* a put's items, or the items a get asks for */
    uint64_t bytes;      /* a put's bytes */
    uint64_t timer;      /* when its wait ends (actor_ctx_after) */
    uint32_t waited_ms;  /* for the answer's message */
} waiter;

typedef struct line {
    waiter *head, *tail;
    uint32_t n; /* waiting in it */
} line;

typedef struct queue {
    char *type; /* "" : any */
    uint64_t max_items, max_bytes;
    uint32_t max_waiting;
    actor_bytes *ring; /* n items from head, of cap */
    size_t cap, head, n;
    uint64_t bytes;
    line puts, gets;
    uint64_t put_total, got_total;
    uint64_t peak_items, peak_bytes; /* the most held at once */
    bool shut_down;  /* no more puts */
    bool finished;   /* nothing more out either: the grace is over or it ran dry */
    uint64_t grace_timer;
    actor_reply *shutdown_reply; /* the first shutdown's, until finished */
    uint64_t dropped;
    /* A channel's senders: the ids open now (a set: closing twice does
     * nothing), and whether the last one closed. */
    uint64_t *senders;
    uint32_t n_senders, cap_senders;
    uint64_t next_sender;
    bool closed;
} queue;

/* =============================================================== lines */

static void line_push(line *l, waiter *w)
{
    w->next = NULL;
    w->prev = l->tail;
    if (l->tail != NULL)
        l->tail->next = w;
    else
        l->head = w;
    l->tail = w;
    l->n++;
}

static void line_unlink(line *l, waiter *w)
{
    if (w->prev != NULL)
        w->prev->next = w->next;
    else
        l->head = w->next;
    if (w->next != NULL)
        w->next->prev = w->prev;
    else
        l->tail = w->prev;
    w->next = w->prev = NULL;
    l->n--;
}

/* Takes l's oldest waiter out, its timer cancelled: the caller answers it. */
static waiter *line_take(line *l, actor_ctx *ctx)
{
    waiter *w = l->head;

    line_unlink(l, w);
    actor_ctx_cancel_after(ctx, w->timer);
    return w;
}

static void waiter_free(waiter *w)
{
    actor_free_bytes_array(w->items, w->items != NULL ? w->n : 0);
    free(w);
}

/* Answers w's caller ERROR `code` with `message`, and frees w (already
 * out of its line, its timer ended or cancelled). */
static void waiter_refuse(waiter *w, int32_t code, const char *message)
{
    actor_status st;

    actor_status_set(&st, ACTOR_STATUS_ERROR, code, "%s", message);
    actor_reply_status(&w->reply, &st);
    waiter_free(w);
}

/* ================================================================ ring */

static bool ring_room(const queue *q, size_t n, uint64_t bytes)
{
    return (q->max_items == 0 || q->n + n <= q->max_items) &&
           (q->max_bytes == 0 || q->bytes + bytes <= q->max_bytes);
}

/* Makes room in the ring for n more items. 0 or ACTOR_ENOMEM. */
static int ring_reserve(queue *q, size_t n)
{
    size_t cap = q->cap != 0 ? q->cap : 16;
    actor_bytes *ring;

    if (q->n + n <= q->cap)
        return 0;
    while (cap < q->n + n)
        cap *= 2;
    ring = malloc(cap * sizeof *ring);
    if (ring == NULL)
        return ACTOR_ENOMEM;
    for (size_t i = 0; i < q->n; i++)
        ring[i] = q->ring[(q->head + i) % q->cap];
    free(q->ring);
    q->ring = ring;
    q->cap = cap;
    q->head = 0;
    return 0;
}

/* Appends n items, taking their bytes (items[] itself stays the
 * caller's); room was reserved. */
static void ring_append(queue *q, actor_bytes *items, size_t n, uint64_t bytes)
{
    for (size_t i = 0; i < n; i++) {
        q->ring[(q->head + q->n) % q->cap] = items[i];
        q->n++;
        items[i] = (actor_bytes){0};
    }
    q->bytes += bytes;
    q->put_total += n;
    if (q->n > q->peak_items)
        q->peak_items = q->n;
    if (q->bytes > q->peak_bytes)
        q->peak_bytes = q->bytes;
}

/* The oldest n items into out (n of them, taken). */
static void ring_take(queue *q, actor_bytes *out, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        out[i] = q->ring[q->head];
        q->bytes -= out[i].len;
        q->head = (q->head + 1) % q->cap;
        q->n--;
    }
    q->got_total += n;
}

static void ring_drop_all(queue *q)
{
    while (q->n > 0) {
        free(q->ring[q->head].data);
        q->head = (q->head + 1) % q->cap;
        q->n--;
        q->dropped++;
    }
    q->bytes = 0;
}

/* Copies a request's items (borrowed) into owned ones, with their bytes.
 * NULL when out of memory. */
static actor_bytes *items_copy(const actor_bytes *in, size_t n, uint64_t *bytes)
{
    actor_bytes *out = calloc(n != 0 ? n : 1, sizeof *out);

    *bytes = 0;
    if (out == NULL)
        return NULL;
    for (size_t i = 0; i < n; i++) {
        if (in[i].len != 0) {
            out[i].data = malloc(in[i].len);
            if (out[i].data == NULL) {
                actor_free_bytes_array(out, i);
                return NULL;
            }
            memcpy(out[i].data, in[i].data, in[i].len);
        }
        out[i].len = in[i].len;
        *bytes += in[i].len;
    }
    return out;
}

/* ============================================================= serving */

static void finish_shutdown(queue *q, actor_ctx *ctx);
static void refuse_line(actor_ctx *ctx, line *l, int32_t code, const char *why);

/* Gives the oldest w->n items to waiting get w (out of its line). */
static void serve_get(queue *q, waiter *w)
{
    actor_queue_Items res = {w->n, calloc(w->n, sizeof(actor_bytes))};
    actor_status st;

    if (res.items == NULL) { /* out of memory: the items stay */
        actor_status_set(&st, ACTOR_STATUS_INTERNAL, 0, "queue: out of memory");
        actor_reply_status(&w->reply, &st);
        waiter_free(w);
        return;
    }
    ring_take(q, res.items, w->n);
    if (actor_queue_Queue_get_reply(&w->reply, &res) != 0)
        q->dropped += w->n; /* could not be encoded: the caller got INTERNAL */
    actor_queue_Items_free(&res);
    waiter_free(w);
}

/* Serves the heads of the lines while they can be: gets first (they make
 * room), then puts. */
static void serve(queue *q, actor_ctx *ctx)
{
    bool moved = true;

    while (moved) {
        moved = false;
        while (q->gets.head != NULL && q->gets.head->n <= q->n) {
            serve_get(q, line_take(&q->gets, ctx));
            moved = true;
        }
        while (q->puts.head != NULL && ring_room(q, q->puts.head->n, q->puts.head->bytes) &&
               ring_reserve(q, q->puts.head->n) == 0) {
            waiter *w = line_take(&q->puts, ctx);
            ring_append(q, w->items, w->n, w->bytes);
            actor_queue_Queue_put_reply(&w->reply);
            waiter_free(w);
            moved = true;
        }
    }
    if (q->shut_down && !q->finished && q->n == 0)
        finish_shutdown(q, ctx);
    /* a closed channel gets no more items: a waiting get that asks for
     * more than is left never will be served */
    if (q->closed && q->gets.head != NULL && q->gets.head->n > q->n) {
        waiter_refuse(line_take(&q->gets, ctx), actor_queue_QueueError_CLOSED,
                      "channel closed: its senders closed, and fewer items are left");
        serve(q, ctx); /* the next one may ask for less */
    }
}

/* A waiter's wait is over: out of its line, answered FULL or EMPTY. */
static void waiter_due(void *state, actor_ctx *ctx, void *user)
{
    queue *q = state;
    waiter *w = user;
    char why[80];

    if (w->items != NULL) {
        line_unlink(&q->puts, w);
        snprintf(why, sizeof why, "queue full: no room within %u ms", (unsigned)w->waited_ms);
        waiter_refuse(w, actor_queue_QueueError_FULL, why);
    } else {
        line_unlink(&q->gets, w);
        snprintf(why, sizeof why, "queue empty: no items within %u ms", (unsigned)w->waited_ms);
        waiter_refuse(w, actor_queue_QueueError_EMPTY, why);
    }
    serve(q, ctx); /* a put that left the head may let the next one in */
}

/* Puts the current request's caller in line `l` for up to ms: 0
 * (deferred), or a negative code (nothing kept). */
static int wait_in_line(actor_ctx *ctx, line *l, waiter *w, uint32_t ms,
                        int (*defer)(actor_ctx *, actor_reply **))
{
    int rc = defer(ctx, &w->reply);

    if (rc != ACTOR_INVOKE_DEFERRED)
        return rc < 0 ? rc : ACTOR_ESTATE;
    w->waited_ms = ms;
    rc = actor_ctx_after(ctx, ms, waiter_due, w, &w->timer);
    if (rc != 0)
        return rc; /* the reply stays with the runtime: INTERNAL */
    line_push(l, w);
    return 0;
}

/* ============================================================ handlers */

static bool type_differs(const queue *q, const char *type)
{
    return q->type[0] != '\0' && type != NULL && type[0] != '\0' && strcmp(q->type, type) != 0;
}

static int queue_put(void *state, actor_ctx *ctx, const actor_queue_PutRequest *req)
{
    queue *q = state;
    uint64_t bytes = 0;
    actor_bytes *items;
    waiter *w;
    uint32_t ms;
    int rc;

    if (q->shut_down)
        return actor_ctx_raise(ctx, actor_queue_QueueError_SHUT_DOWN, "queue shut down");
    if (q->closed)
        return actor_ctx_raise(ctx, actor_queue_QueueError_CLOSED,
                               "channel closed: its senders closed");
    if (type_differs(q, req->type))
        return actor_ctx_raise(ctx, actor_queue_QueueError_WRONG_TYPE,
                               "queue of %s: an item of %s", q->type, req->type);
    if (req->n_items > ACTOR_QUEUE_MAX_BATCH)
        return actor_ctx_raise(ctx, actor_queue_QueueError_TOO_LARGE,
                               "a batch of %zu items: at most %u", req->n_items,
                               ACTOR_QUEUE_MAX_BATCH);
    for (size_t i = 0; i < req->n_items; i++)
        bytes += req->items[i].len;
    if ((q->max_items != 0 && req->n_items > q->max_items) ||
        (q->max_bytes != 0 && bytes > q->max_bytes))
        return actor_ctx_raise(ctx, actor_queue_QueueError_TOO_LARGE,
                               "%zu items of %llu bytes never fit a queue of %llu items, %llu bytes",
                               req->n_items, (unsigned long long)bytes,
                               (unsigned long long)q->max_items, (unsigned long long)q->max_bytes);
    if (q->puts.head == NULL && ring_room(q, req->n_items, bytes)) {
        items = items_copy(req->items, req->n_items, &bytes);
        if (items == NULL || ring_reserve(q, req->n_items) != 0) {
            actor_free_bytes_array(items, items != NULL ? req->n_items : 0);
            return ACTOR_ENOMEM;
        }
        ring_append(q, items, req->n_items, bytes);
        free(items);
        serve(q, ctx);
        return 0;
    }
    ms = actor__wait_ms(ctx, req->wait.block, req->wait.timeout_ms);
    if (ms == 0 || q->puts.n + q->gets.n >= q->max_waiting)
        return actor_ctx_raise(ctx, actor_queue_QueueError_FULL,
                               ms == 0 ? "queue full" : "queue full, and too many callers wait");
    w = calloc(1, sizeof *w);
    items = w != NULL ? items_copy(req->items, req->n_items, &bytes) : NULL;
    if (items == NULL) {
        free(w);
        return ACTOR_ENOMEM;
    }
    *w = (waiter){.items = items, .n = req->n_items, .bytes = bytes};
    rc = wait_in_line(ctx, &q->puts, w, ms, actor_queue_Queue_put_defer);
    if (rc != 0) {
        waiter_free(w);
        return rc;
    }
    return ACTOR_INVOKE_DEFERRED;
}

static int queue_get(void *state, actor_ctx *ctx, const actor_queue_GetRequest *req,
                     actor_queue_Items *res)
{
    queue *q = state;
    waiter *w;
    uint32_t ms;
    int rc;

    if (type_differs(q, req->type))
        return actor_ctx_raise(ctx, actor_queue_QueueError_WRONG_TYPE,
                               "queue of %s: asked for %s", q->type, req->type);
    if (req->count == 0 || req->count > ACTOR_QUEUE_MAX_BATCH)
        return actor_ctx_raise(ctx, actor_queue_QueueError_BAD_COUNT,
                               "a get of %u items: from 1 to %u", (unsigned)req->count,
                               ACTOR_QUEUE_MAX_BATCH);
    if (q->max_items != 0 && req->count > q->max_items)
        return actor_ctx_raise(ctx, actor_queue_QueueError_TOO_LARGE,
                               "%u items never fit a queue of %llu", (unsigned)req->count,
                               (unsigned long long)q->max_items);
    if (q->finished)
        return actor_ctx_raise(ctx, actor_queue_QueueError_SHUT_DOWN, "queue shut down");
    if (q->gets.head == NULL && req->count <= q->n) {
        res->items = calloc(req->count, sizeof *res->items);
        if (res->items == NULL)
            return ACTOR_ENOMEM;
        res->n_items = req->count;
        ring_take(q, res->items, req->count);
        serve(q, ctx);
        return 0;
    }
    if (q->shut_down)
        return actor_ctx_raise(ctx, actor_queue_QueueError_SHUT_DOWN,
                               "queue shutting down with %zu items: fewer than %u", q->n,
                               (unsigned)req->count);
    if (q->closed)
        return actor_ctx_raise(ctx, actor_queue_QueueError_CLOSED,
                               "channel closed with %zu items: fewer than %u", q->n,
                               (unsigned)req->count);
    ms = actor__wait_ms(ctx, req->wait.block, req->wait.timeout_ms);
    if (ms == 0 || q->puts.n + q->gets.n >= q->max_waiting)
        return actor_ctx_raise(ctx, actor_queue_QueueError_EMPTY,
                               ms == 0 ? "queue empty" : "queue empty, and too many callers wait");
    w = calloc(1, sizeof *w);
    if (w == NULL)
        return ACTOR_ENOMEM;
    w->n = req->count;
    rc = wait_in_line(ctx, &q->gets, w, ms, actor_queue_Queue_get_defer);
    if (rc != 0) {
        free(w);
        return rc;
    }
    return ACTOR_INVOKE_DEFERRED;
}

static int queue_info(void *state, actor_ctx *ctx, actor_queue_Info *res)
{
    queue *q = state;

    (void)ctx;
    res->type = strdup(q->type);
    if (res->type == NULL)
        return ACTOR_ENOMEM;
    res->items = q->n;
    res->size_bytes = q->bytes;
    res->max_items = q->max_items;
    res->max_bytes = q->max_bytes;
    res->waiting_puts = q->puts.n;
    res->waiting_gets = q->gets.n;
    res->shut_down = q->shut_down;
    res->put_total = q->put_total;
    res->got_total = q->got_total;
    res->senders = q->n_senders;
    res->closed = q->closed;
    res->peak_items = q->peak_items;
    res->peak_bytes = q->peak_bytes;
    return 0;
}

/* ============================================================ channels */

static int queue_open_sender(void *state, actor_ctx *ctx, actor_queue_Sender *res)
{
    queue *q = state;

    if (q->closed)
        return actor_ctx_raise(ctx, actor_queue_QueueError_CLOSED,
                               "channel closed: its senders closed");
    if (q->shut_down)
        return actor_ctx_raise(ctx, actor_queue_QueueError_SHUT_DOWN, "queue shut down");
    if (q->n_senders == q->cap_senders) {
        uint32_t cap = q->cap_senders != 0 ? 2 * q->cap_senders : 8;
        uint64_t *grown = realloc(q->senders, cap * sizeof *grown);
        if (grown == NULL)
            return ACTOR_ENOMEM;
        q->senders = grown;
        q->cap_senders = cap;
    }
    res->id = ++q->next_sender;
    q->senders[q->n_senders++] = res->id;
    return 0;
}

static int queue_close_sender(void *state, actor_ctx *ctx, const actor_queue_Sender *req)
{
    queue *q = state;

    for (uint32_t i = 0; i < q->n_senders; i++) {
        if (q->senders[i] != req->id)
            continue;
        q->senders[i] = q->senders[--q->n_senders];
        if (q->n_senders != 0)
            return 0;
        q->closed = true;
        /* the waiting puts' items never went in */
        refuse_line(ctx, &q->puts, actor_queue_QueueError_CLOSED,
                    "channel closed: its senders closed");
        serve(q, ctx);
        return 0;
    }
    return 0; /* closed before, or never opened here: nothing to do */
}

/* Refuses every waiter of line l with `code`. */
static void refuse_line(actor_ctx *ctx, line *l, int32_t code, const char *why)
{
    while (l->head != NULL)
        waiter_refuse(line_take(l, ctx), code, why);
}

/* The end of a shutdown: what is left is dropped, waiting gets end, and
 * the shutdown's caller learns how many items were dropped. */
static void finish_shutdown(queue *q, actor_ctx *ctx)
{
    actor_queue_ShutdownResult res;

    q->finished = true;
    if (q->grace_timer != 0)
        actor_ctx_cancel_after(ctx, q->grace_timer);
    q->grace_timer = 0;
    ring_drop_all(q);
    refuse_line(ctx, &q->gets, actor_queue_QueueError_SHUT_DOWN, "queue shut down");
    res.dropped = q->dropped;
    if (q->shutdown_reply != NULL)
        actor_queue_Queue_shutdown_reply(&q->shutdown_reply, &res);
}

static void grace_over(void *state, actor_ctx *ctx, void *user)
{
    queue *q = state;

    (void)user;
    q->grace_timer = 0;
    finish_shutdown(q, ctx);
}

static int queue_shutdown(void *state, actor_ctx *ctx, const actor_queue_ShutdownRequest *req,
                          actor_queue_ShutdownResult *res)
{
    queue *q = state;
    int rc;

    if (q->shut_down) { /* again: answered with what the first one ended or ends with */
        res->dropped = q->dropped;
        return 0;
    }
    q->shut_down = true;
    refuse_line(ctx, &q->puts, actor_queue_QueueError_SHUT_DOWN, "queue shut down");
    if (q->n == 0 || req->grace_ms == 0) {
        finish_shutdown(q, ctx);
        res->dropped = q->dropped;
        return 0;
    }
    rc = actor_queue_Queue_shutdown_defer(ctx, &q->shutdown_reply);
    if (rc != ACTOR_INVOKE_DEFERRED)
        return rc;
    if (actor_ctx_after(ctx, req->grace_ms, grace_over, NULL, &q->grace_timer) != 0)
        finish_shutdown(q, ctx); /* no timer: no grace */
    return ACTOR_INVOKE_DEFERRED;
}

/* ============================================================ lifetime */

static queue *queue_new(const actor_queue_opts *o)
{
    queue *q = calloc(1, sizeof *q);

    if (q == NULL)
        return NULL;
    q->type = strdup(o->type != NULL ? o->type : "");
    if (q->type == NULL) {
        free(q);
        return NULL;
    }
    q->max_items = o->max_items;
    q->max_bytes = o->max_bytes;
    q->max_waiting = o->max_waiting != 0 ? o->max_waiting : ACTOR_QUEUE_DEFAULT_MAX_WAITING;
    return q;
}

/* The waiters' replies are answered DIED by the runtime after this. */
static void queue_cleanup(void *state, actor_ctx *ctx)
{
    queue *q = state;
    waiter *w;

    (void)ctx;
    while ((w = q->puts.head) != NULL) {
        line_unlink(&q->puts, w);
        waiter_free(w);
    }
    while ((w = q->gets.head) != NULL) {
        line_unlink(&q->gets, w);
        waiter_free(w);
    }
    ring_drop_all(q);
    free(q->ring);
    free(q->senders);
    free(q->type);
    free(q);
}

static const actor_queue_Queue_handlers queue_handlers = {
    .init = actor__service_adopt,
    .cleanup = queue_cleanup,
    .put = queue_put,
    .get = queue_get,
    .info = queue_info,
    .shutdown = queue_shutdown,
    .open_sender = queue_open_sender,
    .close_sender = queue_close_sender,
};

int actor_queue_spawn(actor_system *sys, const actor_queue_opts *opts,
                      const actor_spawn_opts *spawn_opts, actor_ref *out)
{
    const actor_queue_opts none = {0};
    actor_spawn_opts so = actor__service_spawn_opts(spawn_opts);
    queue *q;
    int rc;

    if (sys == NULL || out == NULL)
        return ACTOR_EINVAL;
    q = queue_new(opts != NULL ? opts : &none);
    if (q == NULL)
        return ACTOR_ENOMEM;
    rc = actor_queue_Queue_spawn(sys, &queue_handlers, q, &so, out);
    if (rc != 0) {
        free(q->type);
        free(q);
    }
    return rc;
}

int actor_queue_spawn_fn(actor_system *sys, const void *spec, const actor_spawn_opts *opts,
                         actor_ref *out)
{
    return actor_queue_spawn(sys, spec, opts, out);
}
