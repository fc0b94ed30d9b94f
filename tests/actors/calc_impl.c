/*
 * tests/actors/calc_impl.c - the test schema's actors, implemented through
 * the generated handler tables (see calc_impl.h).
 */
#include "calc_impl.h"

#include <pthread.h>
#include <stdio.h>
#include <time.h>
#include <stdlib.h>
#include <string.h>

/* ------------------------------------------------------------ Calculator */

#define MAX_STALLED 64

typedef struct calc_state {
    double total;
    int32_t last_priority;
    int64_t alarms;
    char last_alarm[64];
    actor_reply *stalled[MAX_STALLED]; /* never answered: the runtime answers DIED */
    size_t n_stalled;
    bool unhealthy;
    atomic_int *cleanups;
    /* meet: the only handler that may run concurrently (max_concurrency) */
    pthread_mutex_t meet_lock;
    pthread_cond_t meet_cond;
    int inside, peak;
} calc_state;

static int calc_init(void **state, const void *arg, actor_ctx *ctx)
{
    const calc_config *cfg = arg;
    calc_state *s;

    (void)ctx;
    if (cfg != NULL && cfg->fail_init)
        return ACTOR_EINVAL;
    s = calloc(1, sizeof *s);
    if (s == NULL)
        return ACTOR_ENOMEM;
    pthread_mutex_init(&s->meet_lock, NULL);
    pthread_cond_init(&s->meet_cond, NULL);
    if (cfg != NULL) {
        s->total = cfg->start;
        s->cleanups = cfg->cleanups;
        s->unhealthy = cfg->unhealthy;
    }
    *state = s;
    return 0;
}

static void calc_cleanup(void *state, actor_ctx *ctx)
{
    calc_state *s = state;

    (void)ctx;
    if (s->cleanups != NULL)
        atomic_fetch_add(s->cleanups, 1);
    pthread_mutex_destroy(&s->meet_lock);
    pthread_cond_destroy(&s->meet_cond);
    free(s);
}

static int calc_health(void *state, char *reason, size_t size)
{
    const calc_state *s = state;

    if (!s->unhealthy)
        return 0;
    snprintf(reason, size, "overheated");
    return ACTOR_ESTATE;
}

static int calc_calculate(void *state, actor_ctx *ctx, const calc_CalcRequest *req,
                          calc_CalcResponse *res)
{
    calc_state *s = state;

    s->last_priority = actor_ctx_priority(ctx);
    if (req->note != NULL && strcmp(req->note, "undeclared") == 0)
        return actor_ctx_raise(ctx, calc_Other_UNDECLARED, "a code calculate does not declare");
    switch (req->op) {
    case calc_Op_ADD:
        res->result = req->a + req->b;
        break;
    case calc_Op_SUB:
        res->result = req->a - req->b;
        break;
    case calc_Op_MUL:
        res->result = req->a * req->b;
        break;
    case calc_Op_DIV:
        if (req->b == 0)
            return actor_ctx_raise(ctx, calc_CalcError_DIVIDE_BY_ZERO, "%g / 0", req->a);
        res->result = req->a / req->b;
        break;
    default:
        return actor_ctx_raise(ctx, calc_CalcError_INVALID_INPUT, "unknown op %d", (int)req->op);
    }
    if (req->note != NULL && (res->note = actor_strdup(req->note)) == NULL)
        return ACTOR_ENOMEM;
    return 0;
}

static int calc_ping(void *state, actor_ctx *ctx)
{
    calc_state *s = state;

    s->last_priority = actor_ctx_priority(ctx);
    return 0;
}

static int calc_total(void *state, actor_ctx *ctx, calc_CalcResponse *res)
{
    calc_state *s = state;

    s->last_priority = actor_ctx_priority(ctx);
    res->result = s->total;
    return 0;
}

static int calc_seen(void *state, actor_ctx *ctx, calc_Seen *res)
{
    calc_state *s = state;

    (void)ctx;
    res->priority = s->last_priority;
    res->alarms = s->alarms;
    res->last_alarm = actor_strdup(s->last_alarm);
    return res->last_alarm != NULL ? 0 : ACTOR_ENOMEM;
}

static int calc_stall(void *state, actor_ctx *ctx)
{
    calc_state *s = state;

    if (s->n_stalled == MAX_STALLED)
        return actor_ctx_fail(ctx, ACTOR_STATUS_REJECTED, "too many stalled calls");
    return calc_Calculator_stall_defer(ctx, &s->stalled[s->n_stalled++]);
}

/* Answers with the byte 0xc1, which is never valid msgpack. */
static int calc_garbage(void *state, actor_ctx *ctx, calc_CalcResponse *res)
{
    actor_reply *reply;
    int rc = calc_Calculator_garbage_defer(ctx, &reply);

    (void)state;
    (void)res;
    if (rc == ACTOR_INVOKE_DEFERRED)
        (void)actor_reply_send(&reply, "\xc1", 1);
    return rc;
}

static void calc_reset(void *state, actor_ctx *ctx)
{
    calc_state *s = state;

    s->last_priority = actor_ctx_priority(ctx);
    s->total = 0;
}

static void calc_alarm(void *state, actor_ctx *ctx, const calc_Alarm *msg)
{
    calc_state *s = state;

    s->last_priority = actor_ctx_priority(ctx);
    s->alarms++;
    snprintf(s->last_alarm, sizeof s->last_alarm, "%s", msg->text);
}

static void calc_add(void *state, actor_ctx *ctx, const calc_CalcRequest *msg)
{
    calc_state *s = state;

    s->last_priority = actor_ctx_priority(ctx);
    s->total += msg->a;
}

static int calc_meet(void *state, actor_ctx *ctx, const calc_CalcRequest *req,
                     calc_CalcResponse *res)
{
    calc_state *s = state;
    struct timespec until;

    (void)ctx;
    clock_gettime(CLOCK_REALTIME, &until);
    until.tv_sec += 5;
    pthread_mutex_lock(&s->meet_lock);
    s->inside++;
    if (s->inside > s->peak)
        s->peak = s->inside;
    pthread_cond_broadcast(&s->meet_cond);
    while (s->peak < (int)req->a &&
           pthread_cond_timedwait(&s->meet_cond, &s->meet_lock, &until) == 0)
        ;
    res->result = s->peak;
    s->inside--;
    pthread_mutex_unlock(&s->meet_lock);
    return 0;
}

const calc_Calculator_handlers calculator_handlers = {
    .init = calc_init,
    .cleanup = calc_cleanup,
    .health = calc_health,
    .calculate = calc_calculate,
    .ping = calc_ping,
    .total = calc_total,
    .seen = calc_seen,
    .stall = calc_stall,
    .garbage = calc_garbage,
    .missing = NULL,
    .reset = calc_reset,
    .alarm = calc_alarm,
    .add = calc_add,
    .meet = calc_meet,
};

/* A Calculator with fewer handlers: its own state, no config. */
static int scratch_init(void **state, const void *arg, actor_ctx *ctx)
{
    (void)arg;
    return calc_init(state, NULL, ctx);
}

static void scratch_cleanup(void *state, actor_ctx *ctx)
{
    (void)ctx;
    free(state);
}

const calc_Calculator_handlers calculate_only_handlers = {
    .init = scratch_init,
    .cleanup = scratch_cleanup,
    .calculate = calc_calculate,
};

/* -------------------------------------------------------------- Frontend */

#define FRONTEND_MAGIC 0x46524f4eu

typedef struct frontend_state {
    uint32_t magic;
    actor_ref backend;
} frontend_state;

atomic_int frontend_bad_states;

static int frontend_init(void **state, const void *arg, actor_ctx *ctx)
{
    const frontend_config *cfg = arg;
    frontend_state *s = calloc(1, sizeof *s);

    (void)ctx;
    if (s == NULL)
        return ACTOR_ENOMEM;
    s->magic = FRONTEND_MAGIC;
    s->backend = cfg->backend;
    *state = s;
    return 0;
}

static void frontend_cleanup(void *state, actor_ctx *ctx)
{
    (void)ctx;
    free(state);
}

/* A continuation must get the Frontend's own state (not the runtime's box). */
static void check_state(const void *state)
{
    const frontend_state *s = state;

    if (s == NULL || s->magic != FRONTEND_MAGIC)
        atomic_fetch_add(&frontend_bad_states, 1);
}

static void frontend_calculated(void *state, actor_ctx *ctx, const actor_status *st,
                                const calc_CalcResponse *res, void *user)
{
    actor_reply *reply = user;

    (void)ctx;
    check_state(state);
    if (st->category == ACTOR_STATUS_OK)
        (void)calc_Frontend_calculate_reply(&reply, res);
    else
        (void)actor_reply_status(&reply, st); /* forwards ERROR with its code */
}

static int frontend_calculate(void *state, actor_ctx *ctx, const calc_CalcRequest *req,
                              calc_CalcResponse *res)
{
    frontend_state *s = state;
    actor_reply *reply;
    actor_status st;
    int rc = calc_Frontend_calculate_defer(ctx, &reply);

    (void)res;
    if (rc != ACTOR_INVOKE_DEFERRED)
        return rc;
    rc = calc_Calculator_calculate_request(ctx, s->backend, req, NULL, frontend_calculated, reply,
                                           NULL);
    if (rc != 0) {
        actor_status_set(&st, ACTOR_STATUS_INTERNAL, 0, "backend: %s", actor_strerror(rc));
        (void)actor_reply_status(&reply, &st);
    }
    return ACTOR_INVOKE_DEFERRED;
}

static void frontend_totalled(void *state, actor_ctx *ctx, const actor_status *st,
                              const calc_CalcResponse *res, void *user)
{
    actor_reply *reply = user;

    (void)ctx;
    check_state(state);
    if (st->category == ACTOR_STATUS_OK)
        (void)calc_Frontend_add_then_total_reply(&reply, res);
    else
        (void)actor_reply_status(&reply, st);
}

static int frontend_add_then_total(void *state, actor_ctx *ctx, const calc_CalcRequest *req,
                                   calc_CalcResponse *res)
{
    frontend_state *s = state;
    actor_reply *reply;
    int rc;

    (void)res;
    rc = calc_Calculator_add_cast(ctx, s->backend, req, NULL);
    if (rc != 0)
        return actor_ctx_fail(ctx, ACTOR_STATUS_INTERNAL, "add: %s", actor_strerror(rc));
    rc = calc_Frontend_add_then_total_defer(ctx, &reply);
    if (rc != ACTOR_INVOKE_DEFERRED)
        return rc;
    rc = calc_Calculator_total_request(ctx, s->backend, NULL, frontend_totalled, reply, NULL);
    if (rc != 0) {
        actor_status st;
        actor_status_set(&st, ACTOR_STATUS_INTERNAL, 0, "total: %s", actor_strerror(rc));
        (void)actor_reply_status(&reply, &st);
    }
    return ACTOR_INVOKE_DEFERRED;
}

const calc_Frontend_handlers frontend_handlers = {
    .init = frontend_init,
    .cleanup = frontend_cleanup,
    .calculate = frontend_calculate,
    .add_then_total = frontend_add_then_total,
};
