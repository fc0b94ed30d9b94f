/*
 * barrier.c - the barrier service's actor (actor/barriers.h,
 * idl/barrier.actor; docs/RUNTIME.md, "Queues").
 *
 * A round collects arrivals as deferred replies; the last party's arrival
 * answers them all (and itself) and starts the next round. Each waiting
 * arrival has a timer (actor_ctx_after) for its wait, which ends before
 * its caller's deadline (queue/service.h): the first to run out answers
 * TIMED_OUT, and the round is broken, every other arrival answered BROKEN.
 * Joined parties are watched (actor_ctx_monitor, local or remote refs);
 * one that ends while a round it has not arrived in is under way breaks
 * that round with PARTY_DIED, and leaves the barrier.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "actor/barriers.h"
#include "actor/monitor.h"
#include "actor/remote.h"
#include "queue/service.h"

typedef struct arrival {
    struct arrival *next;
    actor_reply *reply;
    uint64_t party; /* 0: not joined */
    uint64_t timer;
    uint32_t waited_ms;
} arrival;

typedef struct party_rec {
    uint64_t id;
    uint64_t monitor;
    bool arrived; /* in the current round */
} party_rec;

typedef struct barrier {
    uint32_t parties;
    arrival *head, *tail; /* this round's, in arrival order */
    uint32_t waiting;
    party_rec *joined;
    uint32_t n_joined, cap_joined;
    uint64_t next_party, rounds, broken;
} barrier;

static party_rec *find_party(barrier *b, uint64_t id)
{
    for (uint32_t i = 0; i < b->n_joined; i++)
        if (b->joined[i].id == id)
            return &b->joined[i];
    return NULL;
}

/* Once a round's arrivals are answered (b->head is NULL): the next round
 * starts empty. */
static void next_round(barrier *b)
{
    b->tail = NULL;
    b->waiting = 0;
    for (uint32_t i = 0; i < b->n_joined; i++)
        b->joined[i].arrived = false;
}

/* Ends the round: every arrival is answered ERROR `code` (the one whose
 * timer ran out, `timed_out`, gets TIMED_OUT instead) and the next round
 * starts empty. */
static void break_round(barrier *b, actor_ctx *ctx, const arrival *timed_out, int32_t code,
                        const char *why)
{
    arrival *a;
    actor_status st;

    while ((a = b->head) != NULL) {
        b->head = a->next;
        if (a != timed_out)
            actor_ctx_cancel_after(ctx, a->timer);
        if (a == timed_out)
            actor_status_set(&st, ACTOR_STATUS_ERROR, actor_barrier_BarrierError_TIMED_OUT,
                             "no round within %u ms: %u of %u parties arrived",
                             (unsigned)a->waited_ms, (unsigned)b->waiting, (unsigned)b->parties);
        else
            actor_status_set(&st, ACTOR_STATUS_ERROR, code, "%s", why);
        actor_reply_status(&a->reply, &st);
        free(a);
    }
    next_round(b);
    b->broken++;
}

static void arrival_due(void *state, actor_ctx *ctx, void *user)
{
    break_round(state, ctx, user, actor_barrier_BarrierError_BROKEN,
                "round broken: another party's wait ran out");
}

/* The last arrival: every waiting one goes through with it. */
static void release(barrier *b, actor_ctx *ctx, actor_barrier_Released *mine)
{
    actor_barrier_Released res = {++b->rounds, 0};
    arrival *a;

    while ((a = b->head) != NULL) {
        b->head = a->next;
        actor_ctx_cancel_after(ctx, a->timer);
        (void)actor_barrier_Barrier_arrive_reply(&a->reply, &res);
        res.arrival++;
        free(a);
    }
    *mine = res;
    next_round(b);
}

static int barrier_arrive(void *state, actor_ctx *ctx, const actor_barrier_Arrive *req,
                          actor_barrier_Released *res)
{
    barrier *b = state;
    party_rec *p = NULL;
    arrival *a;
    uint32_t ms;
    int rc;

    if (req->party != 0 && (p = find_party(b, req->party)) == NULL)
        return actor_ctx_raise(ctx, actor_barrier_BarrierError_BAD_PARTY,
                               "no party %llu has joined (or it left)",
                               (unsigned long long)req->party);
    if (p != NULL && p->arrived)
        return actor_ctx_raise(ctx, actor_barrier_BarrierError_BAD_PARTY,
                               "party %llu arrived twice in one round",
                               (unsigned long long)req->party);
    if (b->waiting + 1 >= b->parties) {
        release(b, ctx, res);
        return 0;
    }
    ms = actor__wait_ms(ctx, true, req->timeout_ms);
    if (ms == 0) {
        break_round(b, ctx, NULL, actor_barrier_BarrierError_BROKEN,
                    "round broken: a party could not wait");
        return actor_ctx_raise(ctx, actor_barrier_BarrierError_TIMED_OUT,
                               "no time left to wait before the deadline");
    }
    a = calloc(1, sizeof *a);
    if (a == NULL)
        return ACTOR_ENOMEM;
    rc = actor_barrier_Barrier_arrive_defer(ctx, &a->reply);
    if (rc == ACTOR_INVOKE_DEFERRED)
        rc = actor_ctx_after(ctx, ms, arrival_due, a, &a->timer);
    if (rc != 0) {
        free(a);
        return rc < 0 ? rc : ACTOR_ESTATE;
    }
    a->party = req->party;
    a->waited_ms = ms;
    if (b->tail != NULL)
        b->tail->next = a;
    else
        b->head = a;
    b->tail = a;
    b->waiting++;
    if (p != NULL)
        p->arrived = true;
    return ACTOR_INVOKE_DEFERRED;
}

/* A joined party is gone: it leaves, and breaks a round it has not
 * arrived in. */
static void party_down(void *state, actor_ctx *ctx, const actor_down *down, void *user)
{
    barrier *b = state;
    uint64_t id = (uint64_t)(uintptr_t)user;
    party_rec *p = find_party(b, id);
    char why[ACTOR_STATUS_MESSAGE_SIZE + 64];
    bool arrived;

    if (p == NULL)
        return;
    arrived = p->arrived;
    *p = b->joined[--b->n_joined];
    if (b->waiting > 0 && !arrived) {
        snprintf(why, sizeof why, "party %llu %s: %.100s", (unsigned long long)id,
                 actor_down_reason_name(down->reason), down->message);
        break_round(b, ctx, NULL, actor_barrier_BarrierError_PARTY_DIED, why);
    }
}

static int barrier_join(void *state, actor_ctx *ctx, const actor_barrier_Party *req,
                        actor_barrier_Joined *res)
{
    barrier *b = state;
    actor_ref ref = {req->local_id};
    party_rec *p;
    int rc;

    if (b->n_joined >= b->parties)
        return actor_ctx_raise(ctx, actor_barrier_BarrierError_BAD_PARTY,
                               "all %u places are taken", (unsigned)b->parties);
    if (req->endpoint != NULL && req->endpoint[0] != '\0') {
        rc = actor_connect(actor_ctx_system(ctx), req->endpoint, req->name, NULL, &ref);
        if (rc != 0)
            return actor_ctx_raise(ctx, actor_barrier_BarrierError_BAD_PARTY,
                                   "cannot watch %s at %s: %s", req->name, req->endpoint,
                                   actor_strerror(rc));
    }
    if (b->n_joined == b->cap_joined) {
        uint32_t cap = b->cap_joined != 0 ? 2 * b->cap_joined : 8;
        party_rec *grown = realloc(b->joined, cap * sizeof *grown);
        if (grown == NULL)
            return ACTOR_ENOMEM;
        b->joined = grown;
        b->cap_joined = cap;
    }
    p = &b->joined[b->n_joined];
    *p = (party_rec){.id = ++b->next_party};
    rc = actor_ctx_monitor(ctx, ref, party_down, (void *)(uintptr_t)p->id, &p->monitor);
    if (rc != 0)
        return actor_ctx_raise(ctx, actor_barrier_BarrierError_BAD_PARTY, "cannot watch it: %s",
                               actor_strerror(rc));
    b->n_joined++;
    res->party = p->id;
    return 0;
}

static int barrier_info(void *state, actor_ctx *ctx, actor_barrier_BarrierInfo *res)
{
    barrier *b = state;

    (void)ctx;
    res->parties = b->parties;
    res->waiting = b->waiting;
    res->rounds = b->rounds;
    res->broken = b->broken;
    res->joined = b->n_joined;
    return 0;
}

/* The waiting arrivals' replies are answered DIED by the runtime after
 * this; the monitors end with the actor. */
static void barrier_cleanup(void *state, actor_ctx *ctx)
{
    barrier *b = state;

    (void)ctx;
    while (b->head != NULL) {
        arrival *a = b->head;
        b->head = a->next;
        free(a);
    }
    free(b->joined);
    free(b);
}

static const actor_barrier_Barrier_handlers barrier_handlers = {
    .init = actor__service_adopt,
    .cleanup = barrier_cleanup,
    .join = barrier_join,
    .arrive = barrier_arrive,
    .info = barrier_info,
};

int actor_barrier_spawn(actor_system *sys, uint32_t parties, const actor_spawn_opts *spawn_opts,
                        actor_ref *out)
{
    actor_spawn_opts so = actor__service_spawn_opts(spawn_opts);
    barrier *b;
    int rc;

    if (sys == NULL || out == NULL || parties == 0)
        return ACTOR_EINVAL;
    b = calloc(1, sizeof *b);
    if (b == NULL)
        return ACTOR_ENOMEM;
    b->parties = parties;
    rc = actor_barrier_Barrier_spawn(sys, &barrier_handlers, b, &so, out);
    if (rc != 0)
        free(b);
    return rc;
}

int actor_barrier_wait(actor_client *c, actor_ref barrier_ref, uint64_t party,
                       uint32_t timeout_ms, actor_barrier_Released *out, actor_status *st)
{
    actor_barrier_Arrive req = {party, timeout_ms};
    actor_call_opts o = actor__wait_call_opts(true, timeout_ms);
    actor_barrier_Released res;
    int rc;

    rc = actor_barrier_Barrier_arrive(c, barrier_ref, &req, &res, &o, st);
    if (out != NULL)
        *out = res;
    return rc;
}
