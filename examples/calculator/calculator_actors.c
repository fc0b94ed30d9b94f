/*
 * calculator_actors.c - the handlers behind calculator_actors.h: the
 * calculator's arithmetic with its two business errors, and the counter
 * whose state is a calc_CounterState kept in a file.
 */
#include "calculator_actors.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* ========================================================== calculator */

static const char *op_symbol(calc_Op op)
{
    switch (op) {
    case calc_Op_ADD: return "+";
    case calc_Op_SUB: return "-";
    case calc_Op_MUL: return "*";
    case calc_Op_DIV: return "/";
    default: return "?";
    }
}

static int calculate(void *state, actor_ctx *ctx, const calc_CalcRequest *req,
                     calc_CalcResponse *res)
{
    (void)state;
    double a = req->a, b = req->b;

    if (!isfinite(a) || !isfinite(b))
        return actor_ctx_raise(ctx, calc_CalcError_INVALID_INPUT, "operands must be finite");
    switch (req->op) {
    case calc_Op_ADD: res->result = a + b; break;
    case calc_Op_SUB: res->result = a - b; break;
    case calc_Op_MUL: res->result = a * b; break;
    case calc_Op_DIV:
        if (b == 0)
            return actor_ctx_raise(ctx, calc_CalcError_DIVIDE_BY_ZERO, "cannot divide %g by zero",
                                   a);
        res->result = a / b;
        break;
    default:
        return actor_ctx_raise(ctx, calc_CalcError_INVALID_INPUT, "unknown op %d",
                               (int)req->op);
    }
    if (!isfinite(res->result))
        return actor_ctx_raise(ctx, calc_CalcError_INVALID_INPUT, "%g %s %g overflows", a,
                               op_symbol(req->op), b);
    return 0;
}

static int ping(void *state, actor_ctx *ctx)
{
    (void)state, (void)ctx;
    return 0;
}

const calc_Calculator_handlers calculator_handlers = {
    .calculate = calculate,
    .ping = ping,
};

/* ======================================================= the state file */

/* A state file is a few hundred bytes; anything far larger is not ours. */
#define STATE_FILE_MAX (64 * 1024)

int counter_state_load(const char *path, calc_CounterState *state)
{
    calc_CounterState_init(state);
    FILE *f = fopen(path, "rb");
    if (f == NULL)
        return errno == ENOENT ? ACTOR_ENOTFOUND : ACTOR_ESYSTEM;

    char *buf = malloc(STATE_FILE_MAX);
    if (buf == NULL) {
        fclose(f);
        return ACTOR_ENOMEM;
    }
    size_t len = fread(buf, 1, STATE_FILE_MAX, f);
    int rc = ferror(f) ? ACTOR_ESYSTEM : !feof(f) ? ACTOR_ELIMIT : 0;
    fclose(f);
    if (rc == 0)
        rc = calc_CounterState_decode(buf, len, state);
    free(buf);
    return rc;
}

static int write_all(FILE *f, const char *data, size_t len)
{
    if (fwrite(data, 1, len, f) != len || fflush(f) != 0 || fsync(fileno(f)) != 0)
        return ACTOR_ESYSTEM;
    return 0;
}

int counter_state_save(const char *path, const calc_CounterState *state)
{
    msgpack_sbuffer buf;
    msgpack_sbuffer_init(&buf);
    int rc = calc_CounterState_encode(state, &buf);
    if (rc != 0) {
        msgpack_sbuffer_destroy(&buf);
        return rc;
    }

    char tmp[4096];
    if (snprintf(tmp, sizeof tmp, "%s.tmp", path) >= (int)sizeof tmp) {
        msgpack_sbuffer_destroy(&buf);
        return ACTOR_EINVAL;
    }
    FILE *f = fopen(tmp, "wb");
    if (f == NULL) {
        rc = ACTOR_ESYSTEM;
    } else {
        rc = write_all(f, buf.data, buf.size);
        if (fclose(f) != 0 && rc == 0)
            rc = ACTOR_ESYSTEM;
        if (rc == 0 && rename(tmp, path) != 0)
            rc = ACTOR_ESYSTEM;
        if (rc != 0)
            remove(tmp);
    }
    msgpack_sbuffer_destroy(&buf);
    return rc;
}

/* ============================================================= counter */

typedef struct counter {
    char *path;                          /* owned: the state file */
    int64_t count;
    int64_t history[calc_HISTORY_SIZE]; /* oldest first */
    size_t n_history;
    uint64_t updates;  /* since the counter was first created */
    unsigned unsaved;  /* updates since the file was last written */
} counter;

static void remember(counter *c, int64_t value)
{
    if (c->n_history == calc_HISTORY_SIZE) {
        memmove(c->history, c->history + 1, (calc_HISTORY_SIZE - 1) * sizeof c->history[0]);
        c->n_history--;
    }
    c->history[c->n_history++] = value;
}

/* A view of *c as the message (borrows c's history: never _free it). */
static calc_CounterState counter_view(counter *c)
{
    calc_CounterState st;
    calc_CounterState_init(&st);
    st.count = c->count;
    st.history = c->history;
    st.n_history = c->n_history;
    st.updates = c->updates;
    return st;
}

/* Writes the state file; a failure is reported and retried at the next
 * update, the count itself stays correct in memory. */
static void counter_persist(counter *c)
{
    calc_CounterState st = counter_view(c);
    int rc = counter_state_save(c->path, &st);
    if (rc != 0) {
        fprintf(stderr, "counter: cannot write %s: %s\n", c->path, actor_strerror(rc));
        return;
    }
    c->unsaved = 0;
}

static void counter_adopt(counter *c, const calc_CounterState *saved)
{
    size_t keep = saved->n_history < calc_HISTORY_SIZE ? saved->n_history : calc_HISTORY_SIZE;

    c->count = saved->count;
    c->updates = saved->updates;
    if (keep > 0) /* an empty list decodes as NULL */
        memcpy(c->history, saved->history + (saved->n_history - keep),
               keep * sizeof c->history[0]);
    c->n_history = keep;
}

static int counter_init(void **state, const void *arg, actor_ctx *ctx)
{
    (void)ctx;
    counter *c = calloc(1, sizeof *c);
    if (c == NULL || (c->path = strdup(arg)) == NULL) {
        free(c);
        return ACTOR_ENOMEM;
    }
    calc_CounterState saved;
    int rc = counter_state_load(c->path, &saved);
    if (rc == 0)
        counter_adopt(c, &saved);
    calc_CounterState_free(&saved);
    if (rc != 0 && rc != ACTOR_ENOTFOUND) {
        fprintf(stderr, "counter: cannot restore %s: %s\n", c->path, actor_strerror(rc));
        free(c->path);
        free(c);
        return rc;
    }
    *state = c;
    return 0;
}

static void counter_cleanup(void *state, actor_ctx *ctx)
{
    (void)ctx;
    counter *c = state;
    counter_persist(c);
    free(c->path);
    free(c);
}

static int counter_set(counter *c, int64_t value, calc_CountResponse *res)
{
    c->count = value;
    remember(c, value);
    c->updates++;
    if (++c->unsaved >= COUNTER_PERSIST_EVERY)
        counter_persist(c);
    res->count = value;
    return 0;
}

static int increment(void *state, actor_ctx *ctx, calc_CountResponse *res)
{
    counter *c = state;
    if (c->count == INT64_MAX)
        return actor_ctx_raise(ctx, calc_CounterError_OUT_OF_RANGE, "count at its maximum");
    return counter_set(c, c->count + 1, res);
}

static int decrement(void *state, actor_ctx *ctx, calc_CountResponse *res)
{
    counter *c = state;
    if (c->count == INT64_MIN)
        return actor_ctx_raise(ctx, calc_CounterError_OUT_OF_RANGE, "count at its minimum");
    return counter_set(c, c->count - 1, res);
}

static int reset(void *state, actor_ctx *ctx, calc_CountResponse *res)
{
    (void)ctx;
    return counter_set(state, 0, res);
}

/* *res is freed by the stub after encoding, so it gets its own history. */
static int get(void *state, actor_ctx *ctx, calc_CounterState *res)
{
    (void)ctx;
    counter *c = state;
    if (c->n_history > 0) {
        res->history = malloc(c->n_history * sizeof res->history[0]);
        if (res->history == NULL)
            return ACTOR_ENOMEM;
        memcpy(res->history, c->history, c->n_history * sizeof res->history[0]);
    }
    res->n_history = c->n_history;
    res->count = c->count;
    res->updates = c->updates;
    return 0;
}

const calc_Counter_handlers counter_handlers = {
    .init = counter_init,
    .cleanup = counter_cleanup,
    .increment = increment,
    .decrement = decrement,
    .reset = reset,
    .get = get,
};
