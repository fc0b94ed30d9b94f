/*
 * call.c - calls and replies: the client API (sync, async, cast, health),
 * requests and casts from handlers with continuations on the calling actor,
 * deferred replies, reply routing by correlation id, and running messages,
 * init and termination on an actor (docs/RUNTIME.md, "Calls and statuses").
 *
 * Exactly-once endings: a client call is a record in the system's pending
 * table (sharded, by message id); whoever removes it from the table (the
 * reply, the timeout, or shutdown) ends it, and anyone else finds nothing
 * and counts a late reply. An actor's own requests live in its local table,
 * touched only by the worker running it; their replies and timeouts come
 * back as messages to its mailbox, so the same rule holds without locks.
 * Calls on remote refs branch off to remote.c at the entry points and come
 * back through the same pending table or mailbox.
 */
#include <errno.h>
#include <sched.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "actor/stub.h"
#include "core/actor_internal.h"

struct actor_ctx {
    actor_system *sys;
    actor__worker *worker;
    actor__actor *self;
    const actor__msg *msg;      /* NULL outside a message (init, cleanup, continuations) */
    const actor_method *method; /* the method being run, or NULL */
    actor_status status;        /* set by actor_ctx_raise / actor_ctx_fail / actor_ctx_crash */
    bool raised;
    bool checkpoint_wanted; /* actor_ctx_checkpoint */
    actor_reply *deferred;  /* taken during this invoke */
};

/* `status` is left as it is: read only once `raised` (ctx_vfail sets both). */
static void ctx_init(actor_ctx *ctx, actor__worker *w, actor__actor *a, const actor__msg *m,
                     const actor_method *method)
{
    ctx->raised = false;
    ctx->checkpoint_wanted = false;
    ctx->deferred = NULL;
    ctx->sys = a->sys;
    ctx->worker = w;
    ctx->self = a;
    ctx->msg = m;
    ctx->method = method;
}

/* ================================================================ helpers */

static int wait_until(pthread_cond_t *cv, pthread_mutex_t *mu, int64_t deadline)
{
    struct timespec ts;

    ts.tv_sec = (time_t)(deadline / 1000000000);
    ts.tv_nsec = (long)(deadline % 1000000000);
    return pthread_cond_timedwait(cv, mu, &ts);
}

static void status_ok(actor_status *st)
{
    st->category = ACTOR_STATUS_OK;
    st->code = 0;
    st->message[0] = '\0';
}

/* The status of a call that could not start with `rc`. */
static void status_from_rc(actor_status *st, int rc)
{
    switch (rc) {
    case ACTOR_ENOTFOUND:
        actor_status_set(st, ACTOR_STATUS_NOT_FOUND, 0, "no such actor or method");
        break;
    case ACTOR_ECLOSED:
        actor_status_set(st, ACTOR_STATUS_DIED, 0, "actor is terminating");
        break;
    case ACTOR_EFULL:
        actor_status_set(st, ACTOR_STATUS_REJECTED, 0, "mailbox full");
        break;
    case ACTOR_EUNAVAILABLE:
        actor_status_set(st, ACTOR_STATUS_UNAVAILABLE, 0, "no instance of the pool is live");
        break;
    case ACTOR_EUNREACHABLE:
        actor_status_set(st, ACTOR_STATUS_UNREACHABLE, ACTOR_UNREACHABLE_NOT_SENT,
                         "the peer is unreachable");
        break;
    default:
        actor_status_set(st, ACTOR_STATUS_INTERNAL, 0, "%s", actor_strerror(rc));
        break;
    }
}

static bool declared(const actor_method *method, int32_t code)
{
    for (size_t i = 0; method != NULL && i < method->n_errors; i++)
        if (method->errors[i] == code)
            return true;
    return false;
}

/* An ERROR whose code the method did not declare becomes INTERNAL. */
static void check_declared(const actor_method *method, actor_status *st)
{
    char text[ACTOR_STATUS_MESSAGE_SIZE];

    if (st->category != ACTOR_STATUS_ERROR || declared(method, st->code))
        return;
    memcpy(text, st->message, sizeof(text));
    text[sizeof(text) - 1] = '\0';
    actor_status_set(st, ACTOR_STATUS_INTERNAL, 0, "method %s raised undeclared error %d: %s",
                     method != NULL ? method->name : "?", (int)st->code, text);
}

/* ================================================================ targets */

typedef struct target {
    actor__actor *a;            /* acquired */
    const actor_method *method; /* NULL for health checks */
    uint8_t priority;
    int64_t deadline;
} target;

static int check_opts(const actor_call_opts *o)
{
    if (o != NULL && (o->priority < ACTOR_PRIORITY_DEFAULT || o->priority > 255))
        return ACTOR_EINVAL;
    return 0;
}

/* A router's pick for a message of method index `m` (NULL: a health
 * check): the instance replaces the router in *a. */
static int route(actor__actor **a, const actor_method_ref *m, const char *body, size_t len)
{
    actor__actor *r = *a;
    actor__actor *to =
        actor__router_pick(r, m != NULL ? &r->type->methods[m->method] : NULL, body, len);

    actor__release(r);
    *a = to;
    return to != NULL ? 0 : ACTOR_EUNAVAILABLE;
}

/* Whether a call that expects `want` may run on an actor of type `have`:
 * the same type, or a copy of it (a process instance's stand-in runs a
 * copy with one more method of its own, and keeps the static name). */
static bool type_matches(const actor_type *want, const actor_type *have)
{
    return want == have || (want->name == have->name && want->n_methods <= have->n_methods);
}

/* Finds the actor (for a router, the one it picks for `body`) and method,
 * and the call's priority and deadline. */
static int resolve(actor_system *sys, actor_ref to, const actor_method_ref *m,
                   const actor_call_opts *o, const char *body, size_t len, target *t)
{
    uint32_t timeout = o != NULL ? o->timeout_ms : 0;

    t->a = actor__acquire(sys, to);
    if (t->a == NULL)
        return ACTOR_ENOTFOUND;
    t->method = NULL;
    t->priority = ACTOR_PRIORITY_DEFAULT_VALUE;
    if (m != NULL &&
        ((m->type != NULL && !type_matches(m->type, t->a->type)) ||
         m->method >= t->a->type->n_methods)) {
        actor__release(t->a);
        t->a = NULL;
        return ACTOR_ENOTFOUND;
    }
    if (t->a->router != NULL && route(&t->a, m, body, len) != 0)
        return ACTOR_EUNAVAILABLE;
    if (m != NULL) {
        t->method = &t->a->type->methods[m->method];
        t->priority = t->method->priority;
        if (timeout == 0)
            timeout = t->method->timeout_ms;
    }
    if (o != NULL && o->priority != ACTOR_PRIORITY_DEFAULT)
        t->priority = (uint8_t)o->priority;
    if (timeout == 0)
        timeout = sys->opts.default_timeout_ms;
    t->deadline = actor__deadline_after(timeout);
    return 0;
}

/* A message for t in a block of `pool`, the calling thread's (NULL: malloc). */
static actor__msg *build(actor_system *sys, actor__blocks *pool, actor__msg_kind kind,
                         const target *t, const actor_method_ref *m, const char *body, size_t len)
{
    actor__msg *msg = actor__msg_new_in(pool, kind, body, len);

    if (msg == NULL)
        return NULL;
    msg->id = actor__next_id(sys);
    msg->deadline = t->deadline;
    msg->priority = t->priority;
    msg->type = m != NULL ? m->type : NULL;
    msg->method = m != NULL ? m->method : 0;
    return msg;
}

/* A blocked sender waits for room; true when the deadline passed. a->lock held. */
static bool wait_room(actor__actor *a, int64_t deadline)
{
    int rc;

    a->blocked_senders++;
    rc = wait_until(&a->room, &a->lock, deadline);
    a->blocked_senders--;
    return rc == ETIMEDOUT && actor_now_ns() >= deadline;
}

/* m has just joined a's waiting line: it leaves it by its deadline at the
 * latest (one without a deadline gets the system's default timeout from
 * now, so nothing waits forever). a->lock held. */
static void waitline_arm(actor_system *sys, actor__actor *a, actor__msg *m)
{
    if (m->deadline == 0)
        m->deadline = actor__deadline_after(sys->opts.default_timeout_ms);
    /* ENOMEM: the entry waits until admitted or until the next expiry */
    (void)actor__timer_arm_by(sys, &a->wait_timer, m->deadline);
}

/* After an offer without the lock: true when the mailbox took the
 * message(s); an actor that was idle is scheduled. */
static bool offered(actor_system *sys, actor__actor *a, actor__offer offer)
{
    bool schedule;

    switch (offer) {
    case ACTOR__OFFER_QUEUED:
        return true;
    case ACTOR__OFFER_WOKE:
        pthread_mutex_lock(&a->lock);
        schedule = actor__claim_schedule(a);
        pthread_mutex_unlock(&a->lock);
        if (schedule)
            actor__schedule(sys, a);
        return true;
    case ACTOR__OFFER_LOCKED:
    default:
        return false;
    }
}

/* Queues m on a's inbox without its lock when it needs no decision there
 * (actor__mailbox_offer): then returns true and the mailbox owns m. An
 * idle actor is scheduled. */
static bool push_unlocked(actor_system *sys, actor__actor *a, actor__msg *m)
{
    return offered(sys, a, actor__mailbox_offer(&a->mb, m));
}

/* Queues m on a. On 0 the mailbox owns m; on failure the caller keeps it.
 * may_block: a plain thread waits for room in a full `block` mailbox. */
static int push_to(actor_system *sys, actor__actor *a, actor__msg *m, unsigned flags,
                   bool may_block, int64_t deadline)
{
    actor__msg *dropped = NULL;
    bool schedule, timed_out = false;
    int rc;

    if (push_unlocked(sys, a, m))
        return 0;
    pthread_mutex_lock(&a->lock);
    for (;;) {
        if (a->dead || (a->terminating && actor__msg_is_user(m))) {
            rc = ACTOR_ECLOSED;
            break;
        }
        rc = actor__mailbox_push(&a->mb, m, flags, &dropped);
        if (rc != ACTOR_EFULL || !may_block || a->mb.overflow != ACTOR_OVERFLOW_BLOCK ||
            actor__mailbox_too_big(&a->mb, m))
            break;
        if (timed_out) { /* one last try after the deadline, then REJECTED */
            a->mb.rejected++;
            break;
        }
        flags |= ACTOR__PUSH_RETRY;
        timed_out = wait_room(a, deadline);
    }
    if (rc == 0 && a->mb.waiting.tail == m)
        waitline_arm(sys, a, m);
    schedule = rc == 0 && actor__claim_schedule(a);
    pthread_mutex_unlock(&a->lock);
    if (schedule)
        actor__schedule(sys, a);
    while (dropped != NULL) { /* drop_oldest's victims, oldest first */
        actor__msg *victim = dropped;
        dropped = victim->next;
        actor__refuse(sys, victim, ACTOR_STATUS_REJECTED, "mailbox full (drop_oldest)");
    }
    return rc;
}

/* How many instances a message for a closing pool instance may try. */
#define REROUTE_TRIES 8

/* A user message for pool instance `a`, which is closing (a shrink, a
 * failure): queued on the instance its pool picks now instead. 0, or
 * ACTOR_ECLOSED (the caller keeps m) when none other takes it. */
static int reroute(actor_system *sys, actor__actor *a, actor__msg *m, unsigned flags)
{
    actor__actor *pool = a->owner;
    const actor_method *method =
        m->method < pool->type->n_methods ? &pool->type->methods[m->method] : NULL;

    for (int tries = 0; tries < REROUTE_TRIES; tries++) {
        actor__actor *b = actor__router_pick(pool, method, m->body, m->len);
        int rc = ACTOR_ECLOSED;

        if (b == NULL)
            break;
        if (b != a) {
            m->type = b->type;
            rc = push_to(sys, b, m, flags, false, m->deadline);
        }
        actor__release(b);
        if (rc != ACTOR_ECLOSED)
            return rc;
    }
    return ACTOR_ECLOSED;
}

/* push_to, except that a pool instance that is closing hands a user
 * message to its pool. */
static int push(actor_system *sys, actor__actor *a, actor__msg *m, unsigned flags, bool may_block,
                int64_t deadline)
{
    int rc = push_to(sys, a, m, flags, may_block, deadline);

    if (rc == ACTOR_ECLOSED && a->owner != NULL && actor__msg_is_user(m))
        rc = reroute(sys, a, m, flags);
    return rc;
}

int actor__deliver(actor_system *sys, actor__actor *a, actor__msg *m, unsigned flags)
{
    return push(sys, a, m, flags, false, m->deadline);
}

void actor__queued_each(actor__actor *a, actor__msg_visit_fn visit, void *arg)
{
    pthread_mutex_lock(&a->lock);
    actor__mailbox_drain(&a->mb);
    actor__mailbox_each(&a->mb, visit, arg);
    pthread_mutex_unlock(&a->lock);
}

actor__msg *actor__queued_take_newest(actor__actor *a, actor__msg_match_fn match, void *arg)
{
    actor__msg *m;

    pthread_mutex_lock(&a->lock);
    actor__mailbox_drain(&a->mb);
    m = actor__mailbox_take_newest(&a->mb, match, arg);
    if (m != NULL)
        a->mb.rejected++;
    pthread_mutex_unlock(&a->lock);
    return m;
}


/* ================================================================ bursts */

void actor__burst_add(actor__burst *b, actor__msg *m)
{
    m->next = b->newest;
    b->newest = m;
    if (b->oldest == NULL)
        b->oldest = m;
    if (actor__msg_is_user(m)) {
        b->users++;
        b->user_bytes += actor__msg_bytes(m);
    }
}

void actor__burst_flush(actor_system *sys, actor__burst *b, unsigned flags,
                        actor__burst_refused_fn refused, void *ctx)
{
    actor__msg *list = b->newest;

    if (list == NULL)
        return;
    if (offered(
            sys, b->a,
            actor__mailbox_offer_chain(&b->a->mb, b->newest, b->oldest, b->users, b->user_bytes)))
        list = NULL;
    else
        list = actor__msg_list_reverse(list); /* one by one, oldest first */
    b->newest = b->oldest = NULL;
    b->users = b->user_bytes = 0;
    while (list != NULL) {
        actor__msg *m = list;
        int rc;
        list = m->next;
        m->next = NULL;
        rc = push(sys, b->a, m, flags, false, m->deadline);
        if (rc != 0)
            refused(ctx, m, rc);
    }
}

void actor__refuse(actor_system *sys, actor__msg *m, actor_status_category category,
                   const char *why)
{
    if ((m->kind == ACTOR__MSG_REQUEST || m->kind == ACTOR__MSG_HEALTH) &&
        m->reply_to.kind != ACTOR__ROUTE_NONE) {
        actor_status st;
        actor_status_set(&st, category, 0, "%s", why);
        actor__route_reply(sys, &m->reply_to, m->id, &st, NULL, 0);
    }
    actor__msg_free(m);
}

/* ========================================================= pending table */

static void pending_register(actor_system *sys, actor__pending *p)
{
    actor__shard *sh = actor__shard_of(sys, p->node.id);

    pthread_mutex_lock(&sh->lock);
    actor__idmap_insert(&sh->map, &p->node);
    pthread_mutex_unlock(&sh->lock);
}

/* Inserts p and arms its timer atomically with respect to take_pending. */
static int pending_register_timed(actor_system *sys, actor__pending *p)
{
    actor__shard *sh = actor__shard_of(sys, p->node.id);
    int rc;

    pthread_mutex_lock(&sh->lock);
    rc = actor__timer_add(sys, &p->timer);
    if (rc == 0)
        actor__idmap_insert(&sh->map, &p->node);
    pthread_mutex_unlock(&sh->lock);
    return rc;
}

/* Removes the pending call `id` (its owner is then the caller) or NULL. */
static actor__pending *take_pending(actor_system *sys, uint64_t id)
{
    actor__shard *sh = actor__shard_of(sys, id);
    actor__pending *p;

    pthread_mutex_lock(&sh->lock);
    p = (actor__pending *)(void *)actor__idmap_remove(&sh->map, id);
    if (p != NULL && !p->sync)
        actor__timer_cancel(sys, &p->timer);
    pthread_mutex_unlock(&sh->lock);
    return p;
}

/* Ends a pending call taken from the table: wakes the waiter or runs the
 * callback (and frees the record). */
static void complete_pending(actor__pending *p, const actor_status *st, const char *body,
                             size_t len)
{
    if (p->sync) {
        actor_client *c = p->client;
        pthread_mutex_lock(&c->lock);
        *p->st = *st;
        if (st->category == ACTOR_STATUS_OK && p->reply != NULL && len != 0 &&
            msgpack_sbuffer_write(p->reply, body, len) != 0)
            actor_status_set(p->st, ACTOR_STATUS_INTERNAL, 0, "out of memory for the reply");
        p->done = true;
        pthread_cond_signal(&c->cond);
        /* the last touch of *p: a spinning caller may return and reuse
         * its stack as soon as it sees this */
        atomic_store_explicit(&p->answered, true, memory_order_release);
        pthread_mutex_unlock(&c->lock);
        return;
    }
    p->cb(p->user, p->node.id, st, body, len);
    free(p);
}

void actor__client_call_expired(actor_system *sys, uint64_t id)
{
    actor__pending *p = take_pending(sys, id);
    actor_status st;

    if (p == NULL)
        return;
    actor_status_set(&st, ACTOR_STATUS_TIMEOUT, 0, "no reply within the deadline");
    complete_pending(p, &st, NULL, 0);
}

static bool pending_of_client(actor__idnode *node, void *client)
{
    return client == NULL || ((actor__pending *)(void *)node)->client == client;
}

void actor__fail_pending_calls(actor_system *sys, actor_client *client)
{
    actor_status st;

    actor_status_set(&st, ACTOR_STATUS_DIED, 0, "the caller or the system shut down");
    for (unsigned i = 0; i < ACTOR__SHARDS; i++) {
        actor__shard *sh = &sys->shards[i];
        actor__idnode *list;

        pthread_mutex_lock(&sh->lock);
        list = actor__idmap_remove_if(&sh->map, pending_of_client, client);
        for (actor__idnode *n = list; n != NULL; n = n->next)
            if (!((actor__pending *)(void *)n)->sync)
                actor__timer_cancel(sys, &((actor__pending *)(void *)n)->timer);
        pthread_mutex_unlock(&sh->lock);
        while (list != NULL) {
            actor__idnode *next = list->next;
            complete_pending((actor__pending *)(void *)list, &st, NULL, 0);
            list = next;
        }
    }
}

/* =========================================================== reply routes */

actor__msg *actor__reply_msg_new(actor_system *sys, uint64_t id, const actor_status *st,
                                 const char *body, size_t len)
{
    bool ok = st->category == ACTOR_STATUS_OK;
    actor__worker *w = actor__current_worker(sys); /* else the timer thread or a client: malloc */
    actor__msg *m = actor__msg_new_in(w != NULL ? &w->pool : NULL, ACTOR__MSG_REPLY,
                                      ok ? body : NULL, ok ? len : 0);

    if (m != NULL) {
        m->id = id;
        actor__status_copy(actor__msg_status(m), st);
    }
    return m;
}

static void deliver_to_actor(actor_system *sys, actor_ref ref, uint64_t id, const actor_status *st,
                             const char *body, size_t len)
{
    actor__actor *a = actor__acquire(sys, ref);
    actor__msg *m;

    if (a == NULL) {
        atomic_fetch_add(&sys->undeliverable, 1);
        return;
    }
    m = actor__reply_msg_new(sys, id, st, body, len);
    if (m != NULL && push(sys, a, m, 0, false, 0) != 0) {
        actor__msg_free(m);
        m = NULL;
    }
    if (m == NULL) /* the caller's timer still ends its request */
        atomic_fetch_add(&sys->undeliverable, 1);
    actor__release(a);
}

void actor__route_reply(actor_system *sys, const actor__route *route, uint64_t id,
                        const actor_status *st, const char *body, size_t len)
{
    actor__pending *p;

    switch (route->kind) {
    case ACTOR__ROUTE_CLIENT:
        p = take_pending(sys, id);
        if (p == NULL)
            atomic_fetch_add(&sys->late_replies, 1);
        else
            complete_pending(p, st, body, len);
        break;
    case ACTOR__ROUTE_ACTOR:
        deliver_to_actor(sys, route->ref, id, st, body, len);
        break;
    case ACTOR__ROUTE_REMOTE:
        sys->transport_ops->reply(actor__transport(sys), id, st, body, len);
        break;
    default:
        break;
    }
}

/* How long the timer thread waits before it tries again to tell an actor
 * that requests are due, when there was no memory for the message. */
#define REQUESTS_DUE_RETRY_NS (10 * 1000000LL)

void actor__requests_due(actor_system *sys, actor_ref owner)
{
    actor__actor *a = actor__acquire(sys, owner);
    actor__msg *m;

    if (a == NULL)
        return; /* gone: its requests ended DIED */
    m = actor__msg_new(ACTOR__MSG_TIMEOUT, NULL, 0);
    if (m != NULL) {
        m->id = 0; /* no request's: "look at the deadline list" */
        actor_status_set(actor__msg_status(m), ACTOR_STATUS_TIMEOUT, 0, "requests due");
        if (push(sys, a, m, 0, false, 0) != 0)
            actor__msg_free(m); /* terminated: its requests end DIED */
    } else {                    /* not once it finalizes: it cancels the timer after setting dead */
        pthread_mutex_lock(&a->lock);
        if (!a->dead)
            (void)actor__timer_arm_by(sys, &a->req_timer, actor_now_ns() + REQUESTS_DUE_RETRY_NS);
        pthread_mutex_unlock(&a->lock);
    }
    actor__release(a);
}

/* Ends a message whose deadline passed in a waiting line, exactly once: a
 * client call through the pending table (its own timer may have won), an
 * actor's request by its deadline list (which ends it at this same
 * deadline, so it is not answered twice here), a remote request TIMEOUT;
 * a cast is freed. */
static void end_expired(actor_system *sys, actor__msg *m)
{
    actor_status st;

    actor_status_set(&st, ACTOR_STATUS_TIMEOUT, 0, "deadline passed while waiting for room");
    if (m->kind == ACTOR__MSG_REQUEST && m->reply_to.kind == ACTOR__ROUTE_CLIENT) {
        actor__pending *p = take_pending(sys, m->id);
        if (p != NULL)
            complete_pending(p, &st, NULL, 0);
    } else if (m->kind == ACTOR__MSG_REQUEST && m->reply_to.kind == ACTOR__ROUTE_REMOTE) {
        actor__route_reply(sys, &m->reply_to, m->id, &st, NULL, 0);
    }
    actor__msg_free(m);
}

void actor__waitline_expired(actor_system *sys, actor_ref owner)
{
    actor__actor *a = actor__acquire(sys, owner);
    actor__msg *list = NULL;
    int64_t next = 0;

    if (a == NULL)
        return;
    pthread_mutex_lock(&a->lock);
    if (!a->dead) {
        list = actor__mailbox_take_expired(&a->mb, actor_now_ns(), &next);
        if (next != 0)
            (void)actor__timer_arm_by(sys, &a->wait_timer, next);
        if (list != NULL && a->blocked_senders != 0)
            pthread_cond_broadcast(&a->room);
    }
    pthread_mutex_unlock(&a->lock);
    while (list != NULL) {
        actor__msg *m = list;
        list = m->next;
        atomic_fetch_add(&a->expired, 1);
        end_expired(sys, m);
    }
    actor__release(a);
}

/* ================================================================ clients */

int actor_client_new(actor_system *sys, actor_client **out)
{
    actor_client *c;
    pthread_condattr_t attr;

    if (sys == NULL || out == NULL)
        return ACTOR_EINVAL;
    c = calloc(1, sizeof(*c));
    if (c == NULL)
        return ACTOR_ENOMEM;
    c->sys = sys;
    c->pool = actor__blocks_take(sys);
    pthread_mutex_init(&c->lock, NULL);
    pthread_condattr_init(&attr);
    pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
    pthread_cond_init(&c->cond, &attr);
    pthread_condattr_destroy(&attr);
    *out = c;
    return 0;
}

void actor_client_destroy(actor_client **pc)
{
    actor_client *c = pc != NULL ? *pc : NULL;

    if (c == NULL)
        return;
    actor__fail_pending_calls(c->sys, c);
    if (actor__transport(c->sys) != NULL)
        c->sys->transport_ops->client_fini(c);
    actor__blocks_give_back(c->sys, c->pool);
    /* a worker that answered a spinning caller may still be unlocking */
    pthread_mutex_lock(&c->lock);
    pthread_mutex_unlock(&c->lock);
    pthread_cond_destroy(&c->cond);
    pthread_mutex_destroy(&c->lock);
    free(c);
    *pc = NULL;
}

/* Waits for the sync call p until done or its deadline. */
/* Checks for the answer until the spin ends (actor_system_opts.call_spin_us):
 * true when it came, with *p complete. */
static bool spin_for_answer(actor_client *c, actor__pending *p, int64_t deadline)
{
    int64_t until = actor__spin_until(c->sys);

    if (until > deadline)
        until = deadline;
    for (unsigned i = 0;; i++) {
        if (atomic_load_explicit(&p->answered, memory_order_acquire))
            return true;
        if ((i & 15) == 0) {
            if (actor_now_ns() >= until)
                return false;
            sched_yield(); /* a worker sharing this CPU answers meanwhile */
        }
        actor__spin_pause();
    }
}

static void wait_sync(actor_client *c, actor__pending *p, int64_t deadline)
{
    if (spin_for_answer(c, p, deadline))
        return;
    pthread_mutex_lock(&c->lock);
    while (!p->done) {
        if (wait_until(&c->cond, &c->lock, deadline) != ETIMEDOUT || p->done)
            continue;
        pthread_mutex_unlock(&c->lock);
        if (take_pending(c->sys, p->node.id) != NULL) {
            actor_status_set(p->st, ACTOR_STATUS_TIMEOUT, 0, "no reply within the deadline");
            return;
        }
        pthread_mutex_lock(&c->lock); /* a reply is being delivered right now */
        while (!p->done)
            pthread_cond_wait(&c->cond, &c->lock);
    }
    pthread_mutex_unlock(&c->lock);
}

/* The transport layer's table when a call on `to` is its business: a
 * remote ref, once the layer exists. NULL otherwise; before the layer
 * exists no remote ref is valid, and resolve finds no such actor. */
static inline const actor__transport_ops *remote_route(actor_system *sys, actor_ref to)
{
    return actor__ref_is_remote(to) && actor__transport(sys) != NULL ? sys->transport_ops : NULL;
}

/* The synchronous request behind actor_call and actor_health_check. */
static int call_sync(actor_client *c, actor_ref to, const actor_method_ref *m, actor__msg_kind kind,
                     const char *body, size_t len, const actor_call_opts *opts, actor_status *st,
                     msgpack_sbuffer *reply)
{
    actor__pending p;
    actor__msg *msg;
    target t;
    int rc;

    rc = c == NULL || (body == NULL && len != 0) ? ACTOR_EINVAL : check_opts(opts);
    if (rc == 0 && actor__current_worker(c->sys) != NULL) { /* a worker must never block */
        actor_status_set(st, ACTOR_STATUS_INTERNAL, ACTOR_ESTATE,
                         "a blocking call from inside a handler would stall its worker: use "
                         "the method's _request stub (actor_ctx_request), whose continuation "
                         "runs on this actor");
        return ACTOR_ESTATE;
    }
    if (rc == 0 && m != NULL && remote_route(c->sys, to) != NULL)
        return c->sys->transport_ops->call(c, to, m, body, len, opts, st, reply);
    if (rc == 0)
        rc = resolve(c->sys, to, m, opts, body, len, &t);
    if (rc != 0) {
        status_from_rc(st, rc);
        return rc;
    }
    msg = build(c->sys, c->pool, kind, &t, m, body, len);
    if (msg == NULL) {
        actor__release(t.a);
        status_from_rc(st, ACTOR_ENOMEM);
        return ACTOR_ENOMEM;
    }
    msg->reply_to.kind = ACTOR__ROUTE_CLIENT;
    memset(&p, 0, sizeof(p));
    atomic_init(&p.answered, false);
    p.node.id = msg->id;
    p.client = c;
    p.sync = true;
    p.st = st;
    p.reply = reply;
    pending_register(c->sys, &p);
    rc = push(c->sys, t.a, msg, 0, true, t.deadline);
    actor__release(t.a);
    if (rc != 0) {
        actor__msg_free(msg);
        if (take_pending(c->sys, p.node.id) != NULL) {
            status_from_rc(st, rc);
            /* refused by backpressure: the call was made, st says REJECTED */
            return rc == ACTOR_EFULL ? 0 : rc;
        }
    }
    wait_sync(c, &p, t.deadline);
    return 0;
}

int actor_call(actor_client *c, actor_ref to, actor_method_ref m, const char *body, size_t len,
               const actor_call_opts *opts, actor_status *st, msgpack_sbuffer *reply)
{
    if (st == NULL)
        return ACTOR_EINVAL;
    return call_sync(c, to, &m, ACTOR__MSG_REQUEST, body, len, opts, st, reply);
}

int actor_health_check(actor_client *c, actor_ref to, uint32_t timeout_ms, actor_status *st)
{
    actor_call_opts o = ACTOR_CALL_OPTS_DEFAULT;

    if (st == NULL)
        return ACTOR_EINVAL;
    o.timeout_ms = timeout_ms;
    return call_sync(c, to, NULL, ACTOR__MSG_HEALTH, NULL, 0, &o, st, NULL);
}

uint32_t actor__call_timeout(const actor_system *sys, const actor_method_ref *m,
                             const actor_call_opts *opts)
{
    uint32_t timeout = opts != NULL ? opts->timeout_ms : 0;

    if (timeout == 0 && m->type != NULL && m->method < m->type->n_methods)
        timeout = m->type->methods[m->method].timeout_ms;
    return timeout != 0 ? timeout : sys->opts.default_timeout_ms;
}

/* actor_call_async on a remote ref: a pending call with its timer, whose
 * request the gateway's holder sends; the response ends it through the pending table. */
static int call_async_remote(actor_client *c, actor_ref to, const actor_method_ref *m,
                             const char *body, size_t len, const actor_call_opts *opts,
                             actor_reply_fn cb, void *user, uint64_t *call_id)
{
    actor__route route = {ACTOR__ROUTE_CLIENT, ACTOR_REF_NONE};
    actor__pending *p = calloc(1, sizeof(*p));
    uint64_t id = actor__next_id(c->sys);
    int rc;

    if (p == NULL)
        return ACTOR_ENOMEM;
    p->node.id = id;
    p->client = c;
    p->cb = cb;
    p->user = user;
    p->timer = actor__timer_make(actor__deadline_after(actor__call_timeout(c->sys, m, opts)), id,
                                 ACTOR_REF_NONE, ACTOR__TIMER_CLIENT);
    if (call_id != NULL)
        *call_id = id;
    rc = pending_register_timed(c->sys, p);
    if (rc != 0) {
        free(p);
        return rc;
    }
    rc = c->sys->transport_ops->submit(c->sys, to, m, body, len, opts, &route, id);
    if (rc != 0) {
        p = take_pending(c->sys, id);
        if (p == NULL)
            return 0; /* its timer already ended it: cb has run (TIMEOUT) */
        free(p);
    }
    return rc;
}

/* actor_call_async, and a health check's (m NULL, kind HEALTH). */
static int call_async(actor_client *c, actor_ref to, const actor_method_ref *m,
                      actor__msg_kind kind, const char *body, size_t len,
                      const actor_call_opts *opts, actor_reply_fn cb, void *user, uint64_t *call_id)
{
    actor__pending *p;
    actor__msg *msg;
    target t;
    int rc;

    if (c == NULL || cb == NULL || (body == NULL && len != 0))
        return ACTOR_EINVAL;
    rc = check_opts(opts);
    if (rc == 0 && m != NULL && remote_route(c->sys, to) != NULL)
        return call_async_remote(c, to, m, body, len, opts, cb, user, call_id);
    if (rc == 0)
        rc = resolve(c->sys, to, m, opts, body, len, &t);
    if (rc != 0)
        return rc;
    msg = build(c->sys, c->pool, kind, &t, m, body, len);
    p = msg != NULL ? calloc(1, sizeof(*p)) : NULL;
    if (p == NULL) {
        actor__msg_free(msg);
        actor__release(t.a);
        return ACTOR_ENOMEM;
    }
    msg->reply_to.kind = ACTOR__ROUTE_CLIENT;
    p->node.id = msg->id;
    p->client = c;
    p->cb = cb;
    p->user = user;
    p->timer = actor__timer_make(t.deadline, msg->id, ACTOR_REF_NONE, ACTOR__TIMER_CLIENT);
    if (call_id != NULL)
        *call_id = msg->id;
    rc = pending_register_timed(c->sys, p);
    if (rc != 0) {
        free(p);
        actor__msg_free(msg);
        actor__release(t.a);
        return rc;
    }
    rc = push(c->sys, t.a, msg, ACTOR__PUSH_WAITLIST, false, t.deadline);
    actor__release(t.a);
    if (rc != 0) {
        uint64_t id = msg->id;
        actor__msg_free(msg);
        p = take_pending(c->sys, id);
        if (p == NULL)
            return 0; /* its timer already ended it: cb has run (TIMEOUT) */
        free(p);
    }
    return rc;
}

int actor_call_async(actor_client *c, actor_ref to, actor_method_ref m, const char *body,
                     size_t len, const actor_call_opts *opts, actor_reply_fn cb, void *user,
                     uint64_t *call_id)
{
    return call_async(c, to, &m, ACTOR__MSG_REQUEST, body, len, opts, cb, user, call_id);
}

int actor__health_check_async(actor_client *c, actor_ref to, uint32_t timeout_ms, actor_reply_fn cb,
                              void *user)
{
    actor_call_opts o = ACTOR_CALL_OPTS_DEFAULT;

    o.timeout_ms = timeout_ms;
    return call_async(c, to, NULL, ACTOR__MSG_HEALTH, NULL, 0, &o, cb, user, NULL);
}

int actor_cast(actor_client *c, actor_ref to, actor_method_ref m, const char *body, size_t len,
               const actor_call_opts *opts)
{
    actor__msg *msg;
    target t;
    int rc;

    if (c == NULL || (body == NULL && len != 0))
        return ACTOR_EINVAL;
    rc = check_opts(opts);
    if (rc == 0 && actor__current_worker(c->sys) != NULL)
        rc = ACTOR_ESTATE; /* it may block: use actor_ctx_cast */
    if (rc == 0 && remote_route(c->sys, to) != NULL)
        return c->sys->transport_ops->cast(c, to, &m, body, len, opts);
    if (rc == 0)
        rc = resolve(c->sys, to, &m, opts, body, len, &t);
    if (rc != 0)
        return rc;
    msg = build(c->sys, c->pool, ACTOR__MSG_CAST, &t, &m, body, len);
    rc = msg != NULL ? push(c->sys, t.a, msg, 0, true, t.deadline) : ACTOR_ENOMEM;
    if (rc != 0)
        actor__msg_free(msg);
    actor__release(t.a);
    return rc;
}

/* ========================================================= encode buffer */

/* Generated stubs encode into this thread's buffer; the calls copy the body
 * into the message (or ZeroMQ frames) before returning, or take the buffer
 * over (actor__encode_buffer_take). */
#define ENCODE_BUFFER_KEEP (64u * 1024u) /* a bigger one is freed on next use */

static _Thread_local msgpack_sbuffer encode_buffer;
static pthread_key_t encode_buffer_key;
static pthread_once_t encode_buffer_once = PTHREAD_ONCE_INIT;

static void encode_buffer_free(void *sb)
{
    msgpack_sbuffer_destroy(sb);
    msgpack_sbuffer_init(sb);
}

static void encode_buffer_key_create(void)
{
    (void)pthread_key_create(&encode_buffer_key, encode_buffer_free);
}

msgpack_sbuffer *actor_encode_buffer(void)
{
    msgpack_sbuffer *sb = &encode_buffer;

    if (sb->data == NULL) { /* first use on this thread: free it at thread exit */
        pthread_once(&encode_buffer_once, encode_buffer_key_create);
        (void)pthread_setspecific(encode_buffer_key, sb);
    } else if (sb->alloc > ENCODE_BUFFER_KEEP) {
        msgpack_sbuffer_destroy(sb);
        msgpack_sbuffer_init(sb);
    }
    sb->size = 0;
    return sb;
}

char *actor__encode_buffer_take(const char *body)
{
    char *data = encode_buffer.data;

    if (body == NULL || body != data)
        return NULL;
    msgpack_sbuffer_init(&encode_buffer); /* the next use starts a new one */
    return data;
}

/* ===================================================== an actor's requests */

/* An actor's outstanding requests (actor_ctx_request) are records in its
 * `requests` map (replies find them by id) and on its deadline list,
 * earliest first, touched only by the worker running the actor. One timer
 * of the actor's own covers the whole list: it fires at the first deadline
 * or earlier, and its "requests due" message ends every request whose
 * deadline passed, in deadline order, then arms the timer again for the
 * first one left (docs/RUNTIME.md, "Calls and statuses"). */

/* A record with room for space_size bytes: a spare when that fits a
 * standard one, else malloc'd. NULL when out of memory. */
static actor__request *request_alloc(actor__actor *a, size_t space_size)
{
    actor__request *req;

    if (space_size <= ACTOR__REQUEST_SPACE) {
        req = a->req_spares;
        if (req != NULL) {
            a->req_spares = req->later;
            a->n_req_spares--;
            return req;
        }
        space_size = ACTOR__REQUEST_SPACE;
    }
    req = malloc(sizeof(*req) + space_size);
    if (req != NULL)
        req->space_size = space_size;
    return req;
}

/* Takes back a record that neither the map nor the list holds: a standard
 * one is kept as a spare (up to ACTOR__REQUEST_SPARES; none once the
 * actor finalizes), any other is freed. */
static void request_release(actor__actor *a, actor__request *req)
{
    if (req->space_size == ACTOR__REQUEST_SPACE && a->n_req_spares < ACTOR__REQUEST_SPARES &&
        !a->finalizing) {
        req->later = a->req_spares;
        a->req_spares = req;
        a->n_req_spares++;
        return;
    }
    free(req);
}

static void request_spares_free(actor__actor *a)
{
    while (a->req_spares != NULL) {
        actor__request *req = a->req_spares;
        a->req_spares = req->later;
        free(req);
    }
    a->n_req_spares = 0;
}

/* Puts req on the deadline list after every request due no later than it,
 * looking from the latest: requests made with one timeout go last at once. */
static void requests_link(actor__actor *a, actor__request *req)
{
    actor__request *before = a->req_last;

    while (before != NULL && before->deadline > req->deadline)
        before = before->earlier;
    req->earlier = before;
    req->later = before != NULL ? before->later : a->req_first;
    if (req->later != NULL)
        req->later->earlier = req;
    else
        a->req_last = req;
    if (before != NULL)
        before->later = req;
    else
        a->req_first = req;
}

static void requests_unlink(actor__actor *a, actor__request *req)
{
    if (req->earlier != NULL)
        req->earlier->later = req->later;
    else
        a->req_first = req->later;
    if (req->later != NULL)
        req->later->earlier = req->earlier;
    else
        a->req_last = req->earlier;
}

/* Makes sure the request timer fires by the first deadline on the list.
 * It takes the timer lock only when that deadline is earlier than the one
 * the timer is known to be armed at (req_timer_by): with one timeout,
 * once per timeout period, not once per request. A timer that fires before
 * the first deadline (its request was answered) costs one message, whose
 * handling arms it again. 0, or ACTOR_ENOMEM (the timer is as it was). */
static int requests_arm(actor__actor *a)
{
    int64_t when;
    int rc;

    if (a->req_first == NULL)
        return 0;
    when = a->req_first->deadline;
    if (a->req_timer_by != 0 && a->req_timer_by <= when)
        return 0;
    if (a->req_timer.kind != ACTOR__TIMER_REQUESTS) /* first use: never armed yet */
        a->req_timer = actor__timer_make(0, 0, a->ref, ACTOR__TIMER_REQUESTS);
    rc = actor__timer_arm_by(a->sys, &a->req_timer, when);
    if (rc == 0)
        a->req_timer_by = when;
    return rc;
}

/* Enters a request of a's, `id` until `deadline`: in the map and on the
 * list, the timer armed for it. `user` is what `then` receives, or NULL
 * for the record's own space (space_size bytes, then *space points to
 * it). NULL when out of memory (nothing entered). */
static actor__request *request_enter(actor__actor *a, uint64_t id, int64_t deadline,
                                     actor_then_fn then, void *user, size_t space_size,
                                     void **space)
{
    actor__request *req = request_alloc(a, space_size);

    if (req == NULL)
        return NULL;
    req->node.id = id;
    req->then = then;
    req->user = space != NULL ? (void *)req->space : user;
    req->deadline = deadline;
    actor__idmap_insert(&a->requests, &req->node);
    requests_link(a, req);
    if (requests_arm(a) != 0) {
        actor__idmap_remove(&a->requests, id);
        requests_unlink(a, req);
        request_release(a, req);
        return NULL;
    }
    if (space != NULL)
        *space = req->space;
    return req;
}

/* Takes back a request that could not be sent (its continuation never
 * runs). The timer stays armed: if it was armed for this one, it fires
 * early, and that is harmless. */
static void request_withdraw(actor__actor *a, actor__request *req)
{
    actor__idmap_remove(&a->requests, req->node.id);
    requests_unlink(a, req);
    request_release(a, req);
}

/* Runs the continuation of a request taken out of the map and the list,
 * then takes its record back. */
static void request_end(actor__worker *w, actor__actor *a, actor__request *req,
                        const actor_status *st, const char *body, size_t len)
{
    actor_ctx ctx;

    ctx_init(&ctx, w, a, NULL, NULL);
    req->then(a->state, &ctx, st, body, len, req->user);
    request_release(a, req);
}

bool actor__ctx_request_abandon(actor_ctx *ctx, uint64_t call_id)
{
    actor__actor *a = ctx->self;
    actor__request *req = (actor__request *)(void *)actor__idmap_remove(&a->requests, call_id);

    if (req == NULL)
        return false;
    requests_unlink(a, req);
    request_release(a, req);
    return true;
}

void *actor__user_state(const actor__actor *a)
{
    if (a->state != NULL && a->type->init == actor_stub_init)
        return actor_stub_state(a->state); /* a generated actor's box */
    return a->state;
}

/* ================================================================ timers */

/* An actor_ctx_after timer is a request record that sends nothing: the
 * deadline list that ends an actor's requests TIMEOUT runs its callback
 * when it is due, in deadline order with them, and abandoning it is
 * cancelling it. Its callback and user ride in the record's space. */
typedef struct after_call {
    actor_after_fn fn;
    void *user;
} after_call;

/* A timer's "request" ended: due (TIMEOUT) runs the callback with the
 * user's state (a generated actor's own, not the runtime's box); DIED
 * (the actor ends first) does not. */
static void after_due(void *state, actor_ctx *ctx, const actor_status *st, const char *body,
                      size_t len, void *user)
{
    const after_call *ac = user;

    (void)body;
    (void)len;
    (void)state;
    ctx->self->n_timers--;
    if (st->category != ACTOR_STATUS_TIMEOUT)
        return;
    ac->fn(actor__user_state(ctx->self), ctx, ac->user);
}

int actor_ctx_after(actor_ctx *ctx, uint32_t delay_ms, actor_after_fn fn, void *user,
                    uint64_t *timer_id)
{
    uint64_t id;
    void *space;

    if (ctx == NULL || fn == NULL)
        return ACTOR_EINVAL;
    id = actor__next_id(ctx->sys);
    if (request_enter(ctx->self, id, actor_now_ns() + (int64_t)delay_ms * 1000000, after_due, NULL,
                      sizeof(after_call), &space) == NULL)
        return ACTOR_ENOMEM;
    *(after_call *)space = (after_call){fn, user};
    ctx->self->n_timers++;
    if (timer_id != NULL)
        *timer_id = id;
    return 0;
}

bool actor_ctx_cancel_after(actor_ctx *ctx, uint64_t timer_id)
{
    const actor__request *req;

    if (ctx == NULL)
        return false;
    req = (const actor__request *)(void *)actor__idmap_find(&ctx->self->requests, timer_id);
    if (req == NULL || req->then != after_due) /* ran, or a request's id */
        return false;
    ctx->self->n_timers--;
    return actor__ctx_request_abandon(ctx, timer_id);
}

/* The request timer fired: ends, TIMEOUT, every request whose deadline
 * passed, in deadline order (those a continuation makes meanwhile are due
 * later than `now`), then arms the timer for the first one left. */
static void requests_expire(actor__worker *w, actor__actor *a)
{
    int64_t now = actor_now_ns();
    actor__request *req;
    actor_status st;

    a->req_timer_by = 0; /* it fired (or fires soon): not known to be armed */
    actor_status_set(&st, ACTOR_STATUS_TIMEOUT, 0, "no reply within the deadline");
    while ((req = a->req_first) != NULL && req->deadline <= now) {
        actor__idmap_remove(&a->requests, req->node.id);
        requests_unlink(a, req);
        request_end(w, a, req, &st, NULL, 0);
    }
    /* out of memory for the timer: the rest waits for the next request
     * (which arms it) or ends DIED when the actor terminates */
    if (!a->finalizing)
        (void)requests_arm(a);
}

/* ======================================================= from a handler */

actor_ref actor_ctx_self(const actor_ctx *ctx)
{
    return ctx->self->ref;
}

actor_system *actor_ctx_system(const actor_ctx *ctx)
{
    return ctx->sys;
}

uint64_t actor_ctx_message_id(const actor_ctx *ctx)
{
    return ctx->msg != NULL ? ctx->msg->id : 0;
}

int actor_ctx_priority(const actor_ctx *ctx)
{
    return ctx->msg != NULL ? ctx->msg->priority : ACTOR_PRIORITY_DEFAULT;
}

int64_t actor_ctx_deadline(const actor_ctx *ctx)
{
    return ctx->msg != NULL ? ctx->msg->deadline : 0;
}

static int ctx_vfail(actor_ctx *ctx, actor_status_category category, int32_t code, const char *fmt,
                     va_list ap)
{
    ctx->status.category = category;
    ctx->status.code = code;
    vsnprintf(ctx->status.message, sizeof(ctx->status.message), fmt, ap);
    actor__text_fix_utf8(ctx->status.message);
    ctx->raised = true;
    return ACTOR_INVOKE_RAISED;
}

int actor_ctx_raise(actor_ctx *ctx, int32_t code, const char *fmt, ...)
{
    va_list ap;
    int rc;

    va_start(ap, fmt);
    rc = ctx_vfail(ctx, ACTOR_STATUS_ERROR, code, fmt, ap);
    va_end(ap);
    return rc;
}

int actor_ctx_fail(actor_ctx *ctx, actor_status_category category, const char *fmt, ...)
{
    va_list ap;
    int rc;

    va_start(ap, fmt);
    rc = ctx_vfail(ctx, category, 0, fmt, ap);
    va_end(ap);
    return rc;
}

int actor_ctx_crash(actor_ctx *ctx, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    ctx_vfail(ctx, ACTOR_STATUS_DIED, 0, fmt, ap);
    va_end(ap);
    return ACTOR_INVOKE_CRASHED;
}

void actor_ctx_checkpoint(actor_ctx *ctx)
{
    ctx->checkpoint_wanted = true;
}

const actor_method *actor__ctx_method(const actor_ctx *ctx)
{
    return ctx->method;
}

actor_oob_frames *actor__ctx_frames(const actor_ctx *ctx)
{
    return ctx->msg != NULL && ctx->method != NULL && ctx->method->reads_frames
               ? actor__msg_frames(ctx->msg)
               : NULL;
}

actor__actor *actor__ctx_actor(const actor_ctx *ctx)
{
    return ctx->self;
}

/* actor_ctx_request on a remote ref: the request waits in the actor's table
 * with its deadline as a local one does; the gateway's holder sends it and
 * routes the response to this actor's mailbox. */
static int ctx_request_remote(actor_ctx *ctx, actor_ref to, const actor_method_ref *m,
                              const char *body, size_t len, const actor_call_opts *opts,
                              actor_then_fn then, void *user, size_t space_size, void **space,
                              uint64_t *call_id)
{
    actor__actor *self = ctx->self;
    actor__route route = {ACTOR__ROUTE_ACTOR, self->ref};
    uint64_t id = actor__next_id(ctx->sys);
    int64_t deadline = actor__deadline_after(actor__call_timeout(ctx->sys, m, opts));
    actor__request *req = request_enter(self, id, deadline, then, user, space_size, space);
    int rc;

    if (req == NULL)
        return ACTOR_ENOMEM;
    rc = ctx->sys->transport_ops->submit(ctx->sys, to, m, body, len, opts, &route, id);
    if (rc != 0) {
        request_withdraw(self, req);
        return rc;
    }
    if (call_id != NULL)
        *call_id = id;
    return 0;
}

/* actor_ctx_request, and actor__ctx_request_space when space is not NULL. */
static int ctx_request(actor_ctx *ctx, actor_ref to, actor_method_ref m, const char *body,
                       size_t len, const actor_call_opts *opts, actor_then_fn then, void *user,
                       size_t space_size, void **space, uint64_t *call_id)
{
    actor__actor *self = ctx->self;
    actor__request *req;
    actor__msg *msg;
    target t;
    int rc;

    if (then == NULL || (body == NULL && len != 0))
        return ACTOR_EINVAL;
    if (self->finalizing)
        return ACTOR_ECLOSED;
    rc = check_opts(opts);
    if (rc == 0 && remote_route(ctx->sys, to) != NULL)
        return ctx_request_remote(ctx, to, &m, body, len, opts, then, user, space_size, space,
                                  call_id);
    if (rc == 0)
        rc = resolve(ctx->sys, to, &m, opts, body, len, &t);
    if (rc != 0)
        return rc;
    msg = build(ctx->sys, &ctx->worker->pool, ACTOR__MSG_REQUEST, &t, &m, body, len);
    req = msg != NULL ? request_enter(self, msg->id, t.deadline, then, user, space_size, space)
                      : NULL;
    if (req == NULL) {
        actor__msg_free(msg);
        actor__release(t.a);
        return ACTOR_ENOMEM;
    }
    msg->reply_to.kind = ACTOR__ROUTE_ACTOR;
    msg->reply_to.ref = self->ref;
    if (call_id != NULL)
        *call_id = msg->id;
    rc = push(ctx->sys, t.a, msg, ACTOR__PUSH_WAITLIST, false, t.deadline);
    actor__release(t.a);
    if (rc != 0) {
        request_withdraw(self, req);
        actor__msg_free(msg);
    }
    return rc;
}

int actor_ctx_request(actor_ctx *ctx, actor_ref to, actor_method_ref m, const char *body,
                      size_t len, const actor_call_opts *opts, actor_then_fn then, void *user,
                      uint64_t *call_id)
{
    return ctx_request(ctx, to, m, body, len, opts, then, user, 0, NULL, call_id);
}

int actor__ctx_request_space(actor_ctx *ctx, actor_ref to, actor_method_ref m, const char *body,
                             size_t len, const actor_call_opts *opts, actor_then_fn then,
                             size_t space_size, void **space, uint64_t *call_id)
{
    if (space == NULL)
        return ACTOR_EINVAL;
    return ctx_request(ctx, to, m, body, len, opts, then, NULL, space_size, space, call_id);
}

int actor_ctx_cast(actor_ctx *ctx, actor_ref to, actor_method_ref m, const char *body, size_t len,
                   const actor_call_opts *opts)
{
    actor__msg *msg;
    target t;
    int rc;

    if (body == NULL && len != 0)
        return ACTOR_EINVAL;
    rc = check_opts(opts);
    if (rc == 0 && remote_route(ctx->sys, to) != NULL)
        return ctx->sys->transport_ops->submit(ctx->sys, to, &m, body, len, opts, NULL,
                                               actor__next_id(ctx->sys));
    if (rc == 0)
        rc = resolve(ctx->sys, to, &m, opts, body, len, &t);
    if (rc != 0)
        return rc;
    msg = build(ctx->sys, &ctx->worker->pool, ACTOR__MSG_CAST, &t, &m, body, len);
    rc = msg != NULL ? push(ctx->sys, t.a, msg, ACTOR__PUSH_WAITLIST, false, t.deadline)
                     : ACTOR_ENOMEM;
    if (rc != 0)
        actor__msg_free(msg);
    actor__release(t.a);
    return rc;
}

/* ======================================================= deferred replies */

int actor_ctx_defer(actor_ctx *ctx, actor_reply **out)
{
    actor_reply *r;

    if (out == NULL || ctx->msg == NULL || ctx->msg->kind != ACTOR__MSG_REQUEST)
        return ACTOR_EINVAL;
    if (ctx->deferred != NULL) {
        *out = ctx->deferred;
        return 0;
    }
    r = calloc(1, sizeof(*r));
    if (r == NULL)
        return ACTOR_ENOMEM;
    r->actor = ctx->self;
    r->method = ctx->method;
    r->id = ctx->msg->id;
    r->route = ctx->msg->reply_to;
    r->next = ctx->self->deferred;
    if (r->next != NULL)
        r->next->prev = r;
    ctx->self->deferred = r;
    ctx->deferred = r;
    *out = r;
    return 0;
}

static void reply_unlink(actor_reply *r)
{
    if (r->prev != NULL)
        r->prev->next = r->next;
    else
        r->actor->deferred = r->next;
    if (r->next != NULL)
        r->next->prev = r->prev;
}

/* Sends and frees a deferred reply. A disarmed one (route NONE: its
 * request was answered already) is only freed. */
static int reply_finish(actor_reply **pr, actor_status *st, const char *body, size_t len)
{
    actor_reply *r = pr != NULL ? *pr : NULL;
    actor__actor *a;

    if (r == NULL || (body == NULL && len != 0))
        return ACTOR_EINVAL;
    a = r->actor;
    reply_unlink(r);
    if (r->route.kind != ACTOR__ROUTE_NONE) {
        check_declared(r->method, st);
        if (st->category != ACTOR_STATUS_OK)
            actor__count_add(&a->errors, 1);
        actor__count_add(&a->in_flight, (uint64_t)-1);
        actor__route_reply(a->sys, &r->route, r->id, st, body, len);
    }
    free(r);
    *pr = NULL;
    return 0;
}

int actor_reply_send(actor_reply **r, const char *body, size_t len)
{
    actor_status st;

    status_ok(&st);
    return reply_finish(r, &st, body, len);
}

int actor_reply_status(actor_reply **r, const actor_status *st)
{
    actor_status copy;

    if (st == NULL)
        return ACTOR_EINVAL;
    copy = *st;
    return reply_finish(r, &copy, NULL, 0);
}

/* ==================================================== running messages */

/* The status of an invoke that did not defer. */
static void invoke_status(const actor_ctx *ctx, int rc, actor_status *st)
{
    if (rc == ACTOR_INVOKE_REPLY) {
        status_ok(st);
    } else if (rc == ACTOR_INVOKE_RAISED && ctx->raised) {
        *st = ctx->status;
        check_declared(ctx->method, st);
    } else if (rc < 0) {
        actor_status_set(st, ACTOR_STATUS_INTERNAL, 0, "method %s failed: %s", ctx->method->name,
                         actor_strerror(rc));
    } else {
        actor_status_set(st, ACTOR_STATUS_INTERNAL, 0, "method %s returned %d inconsistently",
                         ctx->method->name, rc);
    }
}

/* ================================================ crashes and restarts */

/* Tells a's watcher (read under the lock) what happened. */
static void notify_watch(actor__actor *a, actor__watch_event ev, const char *reason)
{
    actor__watch_fn fn;
    void *user;

    pthread_mutex_lock(&a->lock);
    fn = a->watch;
    user = a->watch_user;
    pthread_mutex_unlock(&a->lock);
    if (fn != NULL)
        fn(user, a->ref, ev, reason);
}

/* The actor can serve nothing more: the rest of the popped batch goes
 * back to the mailbox (interrupts), user messages wait there. Nobody
 * watching: it terminates, its queued messages answered DIED. */
static void mark_crashed(actor__actor *a, const char *reason)
{
    bool watched;

    actor__count_add(&a->crashes, 1);
    pthread_mutex_lock(&a->lock);
    atomic_fetch_add_explicit(&a->interrupts, 1, memory_order_relaxed);
    a->crashed = true;
    snprintf(a->crash_reason, sizeof a->crash_reason, "%s", reason);
    watched = a->watch != NULL;
    if (!watched && !a->terminating) {
        a->terminating = true;
        a->drain = false;
        actor__mailbox_close(&a->mb);
        if (a->blocked_senders != 0)
            pthread_cond_broadcast(&a->room);
    }
    pthread_mutex_unlock(&a->lock);
    if (watched)
        notify_watch(a, ACTOR__WATCH_CRASHED, reason);
}

/* Whether a request that was running when its actor crashed may be tried
 * again: retries left by actor__retries_allowed. */
static bool may_retry(const actor__actor *a, const actor_method *method, const actor__msg *m)
{
    uint32_t allowed = actor__retries_allowed(method, a->max_task_retries);

    return m->kind == ACTOR__MSG_REQUEST && m->attempts < allowed && m->attempts < UINT8_MAX;
}

/* A handler returned actor_ctx_crash's result. Its request goes back to
 * the front of the mailbox when it may be tried again (the restarted
 * actor, or its pool's next pick, serves it first), else its caller gets
 * DIED with the handler's reason; a cast is counted an error. */
static void crashed(actor__worker *w, actor__actor *a, actor__msg *m, actor_ctx *ctx)
{
    const actor_method *method = &a->type->methods[m->method];
    actor_status st = ctx->status;
    /* a request whose reply the handler deferred is answered DIED by the
     * restart (its reply record belongs to the state that crashed) */
    bool request = m->kind == ACTOR__MSG_REQUEST && ctx->deferred == NULL;

    (void)w;
    if (m->kind == ACTOR__MSG_REQUEST)
        actor__count_add(&a->in_flight, (uint64_t)-1);
    actor__count_add(&a->errors, 1);
    if (request && may_retry(a, method, m)) {
        m->attempts++;
        actor__count_add(&a->retried, 1);
        pthread_mutex_lock(&a->lock);
        m = actor__mailbox_unpop(&a->mb, m); /* NULL: back in its lane */
        pthread_mutex_unlock(&a->lock);
    }
    if (m != NULL && request) {
        if (st.message[0] == '\0')
            actor_status_set(&st, ACTOR_STATUS_DIED, 0, "the instance crashed");
        st.category = ACTOR_STATUS_DIED;
        actor__route_reply(a->sys, &m->reply_to, m->id, &st, NULL, 0);
    }
    if (m != NULL)
        actor__msg_free(m);
    mark_crashed(a, ctx->status.message[0] != '\0' ? ctx->status.message : "crashed");
}

/* Replaces a's last checkpoint with a new one (the hook's failure keeps
 * the old one). */
static void take_checkpoint(actor__actor *a)
{
    msgpack_sbuffer sb;

    a->since_checkpoint = 0;
    if (a->type->checkpoint == NULL)
        return;
    msgpack_sbuffer_init(&sb);
    if (a->type->checkpoint(a->state, &sb) == 0) {
        msgpack_sbuffer_destroy(&a->checkpoint);
        a->checkpoint = sb;
    } else {
        msgpack_sbuffer_destroy(&sb);
    }
}

/* Runs a method that does not read out-of-band frames on m's body with
 * its frames copied back in; a body whose references do not match the
 * frames fails as a message that does not decode. */
static int invoke_joined(actor__actor *a, actor_ctx *ctx, const actor__msg *m,
                         msgpack_sbuffer *reply_body)
{
    const actor_method *method = &a->type->methods[m->method];
    msgpack_sbuffer joined;
    const char *why = NULL;
    int rc;

    msgpack_sbuffer_init(&joined);
    rc = actor__oob_join(m->body, m->len, actor__msg_frames(m), &joined, &why);
    if (rc == 0)
        rc = method->invoke(a->state, ctx, joined.data, joined.size, reply_body);
    else if (rc == ACTOR_EMALFORMED)
        rc = actor_ctx_fail(ctx, ACTOR_STATUS_DECODE, "%s", why);
    msgpack_sbuffer_destroy(&joined);
    return rc;
}

static void handle_user(actor__worker *w, actor__actor *a, actor__msg *m)
{
    bool request = m->kind == ACTOR__MSG_REQUEST;
    const actor_method *method = &a->type->methods[m->method];
    actor_status st;
    actor_ctx ctx;
    int rc;

    if (actor__deadline_passed(m->deadline)) {
        atomic_fetch_add(&a->expired, 1);
        actor__refuse(a->sys, m, ACTOR_STATUS_TIMEOUT, "deadline passed before the handler ran");
        return;
    }
    ctx_init(&ctx, w, a, m, method);
    w->reply_sb.size = 0;
    if (request)
        actor__count_add(&a->in_flight, 1);
    int64_t started = actor__latency_wanted(a) ? actor_now_ns() : 0;
    if (m->has_frames && !method->reads_frames)
        rc = invoke_joined(a, &ctx, m, &w->reply_sb);
    else
        rc = method->invoke(a->state, &ctx, m->body, m->len, &w->reply_sb);
    if (started != 0)
        actor__latency_record(a, (uint64_t)(actor_now_ns() - started));
    actor__count_add(&a->processed, 1);
    if (rc == ACTOR_INVOKE_CRASHED) {
        crashed(w, a, m, &ctx);
        return;
    }
    if (ctx.checkpoint_wanted ||
        (a->checkpoint_every != 0 && ++a->since_checkpoint >= a->checkpoint_every))
        take_checkpoint(a);
    if (rc == ACTOR_INVOKE_DEFERRED && ctx.deferred != NULL) {
        actor__msg_free(m);
        return;
    }
    if (ctx.deferred != NULL)
        ctx.deferred->route.kind = ACTOR__ROUTE_NONE; /* answered below instead */
    invoke_status(&ctx, rc, &st);
    if (st.category != ACTOR_STATUS_OK)
        actor__count_add(&a->errors, 1);
    if (request) {
        bool ok = st.category == ACTOR_STATUS_OK;
        actor__count_add(&a->in_flight,
                         (uint64_t)-1); /* first: the caller may read stats at once */
        actor__route_reply(a->sys, &m->reply_to, m->id, &st, ok ? w->reply_sb.data : NULL,
                           ok ? w->reply_sb.size : 0);
    }
    actor__msg_free(m);
}

static void handle_reply(actor__worker *w, actor__actor *a, actor__msg *m)
{
    actor__request *req;

    if (m->kind == ACTOR__MSG_TIMEOUT && m->id == 0) { /* actor__requests_due */
        actor__msg_free(m);
        requests_expire(w, a);
        return;
    }
    req = (actor__request *)(void *)actor__idmap_remove(&a->requests, m->id);
    if (req == NULL) {
        if (m->kind == ACTOR__MSG_REPLY)
            atomic_fetch_add(&a->late_replies, 1);
        actor__msg_free(m);
        return;
    }
    requests_unlink(a, req);
    request_end(w, a, req, actor__msg_status(m), m->body, m->len);
    actor__msg_free(m);
}

static void handle_health(actor__actor *a, actor__msg *m)
{
    char reason[ACTOR_STATUS_MESSAGE_SIZE] = "";
    int rc = a->type->health != NULL ? a->type->health(a->state, reason, sizeof(reason)) : 0;
    actor_status st;

    if (rc == 0)
        status_ok(&st);
    else /* unhealthy: ERROR with the hook's own value (actor.h, actor_health_check) */
        actor_status_set(&st, ACTOR_STATUS_ERROR, rc, "%s",
                         reason[0] != '\0' ? reason : "unhealthy");
    actor__route_reply(a->sys, &m->reply_to, m->id, &st, NULL, 0);
    actor__msg_free(m);
}

static void handle_down(actor__worker *w, actor__actor *a, actor__msg *m)
{
    actor_ctx ctx;

    ctx_init(&ctx, w, a, NULL, NULL);
    actor__monitor_run(a, &ctx, m);
}

void actor__handle(actor__worker *w, actor__actor *a, actor__msg *m)
{
    switch (m->kind) {
    case ACTOR__MSG_REQUEST:
    case ACTOR__MSG_CAST:
        handle_user(w, a, m);
        break;
    case ACTOR__MSG_REPLY:
    case ACTOR__MSG_TIMEOUT:
        handle_reply(w, a, m);
        break;
    case ACTOR__MSG_DOWN:
        handle_down(w, a, m);
        break;
    case ACTOR__MSG_HEALTH:
    default:
        handle_health(a, m);
        break;
    }
}

int actor__run_init(actor__worker *w, actor__actor *a)
{
    actor_ctx ctx;

    if (a->type->init == NULL || a->router != NULL)
        return 0;
    ctx_init(&ctx, w, a, NULL, NULL);
    if (a->shared != NULL)
        return actor__shared_init(a, &ctx);
    return a->type->init(&a->state, a->init_arg, &ctx);
}

/* ============================================================ termination */

/* Runs every outstanding request's continuation with DIED, in deadline
 * order, and frees the spare records. */
static void fail_requests(actor__worker *w, actor__actor *a)
{
    actor__request *req;
    actor_status st;

    if (a->req_timer.kind == ACTOR__TIMER_REQUESTS)
        actor__timer_cancel(a->sys, &a->req_timer);
    actor_status_set(&st, ACTOR_STATUS_DIED, 0, "the calling actor terminated");
    while ((req = a->req_first) != NULL) {
        actor__idmap_remove(&a->requests, req->node.id);
        requests_unlink(a, req);
        request_end(w, a, req, &st, NULL, 0);
    }
    request_spares_free(a);
}

static void fail_deferred(actor__actor *a)
{
    actor_status st;

    while (a->deferred != NULL) {
        actor_reply *r = a->deferred;
        actor_status_set(&st, ACTOR_STATUS_DIED, 0, "actor terminated before replying");
        reply_finish(&r, &st, NULL, 0);
    }
}

bool actor__drain_waits(const actor__actor *a)
{
    /* each ends by its deadline at the latest; timers do not hold it up */
    return a->requests.count > a->n_timers;
}

/* Runs cleanup on the state init made, if it did. */
static void cleanup_state(actor__worker *w, actor__actor *a)
{
    actor_ctx ctx;

    if (a->state_live && a->shared != NULL) {
        ctx_init(&ctx, w, a, NULL, NULL);
        actor__shared_cleanup(a, &ctx);
    } else if (a->state_live && a->type->cleanup != NULL) {
        ctx_init(&ctx, w, a, NULL, NULL);
        a->type->cleanup(a->state, &ctx);
    }
    a->state_live = false;
    a->state = NULL;
}

/* Tells a's monitors how it ended. */
static void monitors_end(actor__actor *a)
{
    char why[ACTOR_STATUS_MESSAGE_SIZE + 16];

    if (a->init_failed) {
        actor__monitors_end(a, ACTOR_DOWN_FAILED, "init failed");
    } else if (a->crashed) {
        snprintf(why, sizeof why, "crashed: %s", a->crash_reason);
        actor__monitors_end(a, ACTOR_DOWN_FAILED, why);
    } else {
        actor__monitors_end(a, ACTOR_DOWN_EXITED,
                            actor__system_stopping(a->sys) ? "terminated: its system shut down"
                                                           : "terminated");
    }
}

void actor__finalize(actor__worker *w, actor__actor *a)
{
    actor__msg *list;

    pthread_mutex_lock(&a->lock);
    a->dead = true;
    actor__timer_cancel(a->sys, &a->wait_timer);
    list = actor__mailbox_take_all(&a->mb);
    if (a->blocked_senders != 0)
        pthread_cond_broadcast(&a->room);
    pthread_mutex_unlock(&a->lock);
    a->finalizing = true;
    while (list != NULL) {
        actor__msg *next = list->next;
        list->next = NULL;
        if (list->kind == ACTOR__MSG_REPLY || list->kind == ACTOR__MSG_TIMEOUT)
            handle_reply(w, a, list);
        else if (a->owner == NULL || !actor__msg_is_user(list) ||
                 reroute(a->sys, a, list, ACTOR__PUSH_WAITLIST) != 0) /* never ran: safe */
            actor__refuse(a->sys, list, ACTOR_STATUS_DIED, "actor terminated");
        list = next;
    }
    fail_requests(w, a);
    cleanup_state(w, a);
    fail_deferred(a);
    if (a->arg_free != NULL)
        a->arg_free(a->init_arg);
    a->init_arg = NULL;
    notify_watch(a, ACTOR__WATCH_EXITED, a->init_failed ? "init failed" : "terminated");
    monitors_end(a);
    actor__table_remove(a);
}

void actor__restart_run(actor__worker *w, actor__actor *a)
{
    char why[ACTOR_STATUS_MESSAGE_SIZE] = "";
    bool has_state;
    int rc;

    fail_requests(w, a);
    fail_deferred(a);
    cleanup_state(w, a);
    rc = actor__run_init(w, a);
    has_state = rc == 0;
    if (rc != 0)
        snprintf(why, sizeof why, "init failed on restart: %s", actor_strerror(rc));
    else if (a->type->restore != NULL && a->checkpoint.size != 0 && a->shared == NULL &&
             (rc = a->type->restore(a->state, a->checkpoint.data, a->checkpoint.size)) != 0)
        snprintf(why, sizeof why, "restore failed: %s", actor_strerror(rc));
    a->since_checkpoint = 0;
    pthread_mutex_lock(&a->lock);
    a->restart_pending = false;
    a->state_live = has_state;
    a->crashed = rc != 0;
    pthread_mutex_unlock(&a->lock);
    if (rc == 0) {
        actor__count_add(&a->restarts, 1);
        notify_watch(a, ACTOR__WATCH_RESTARTED, "restarted");
    }
    else
        mark_crashed(a, why);
}
