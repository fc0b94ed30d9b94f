/*
 * test_actors.h - hand-written actors for the gateway tests (no generated
 * code, so the tests depend on the runtime only): "test.Calc" with
 *   add(rpc {1: a, 2: b} -> {1: a + b}; raises CALC_ERR_NEGATIVE for a < 0,
 *     for a == CALC_UTF8_OPERAND with a message of CALC_UTF8_CHARS 'é'),
 *   note(cast: counts), notes(rpc -> {1: count}),
 *   work(rpc: spins `a` microseconds, -> {1: b}),
 *   slow(rpc: sleeps `a` milliseconds, -> {1: b});
 * and "test.Relay" whose relay(rpc {1: a, 2: b}) calls add on the ref it
 * was spawned with (actor_ctx_request) and answers with that result, and
 * whose tell(cast) casts note to it (actor_ctx_cast), counting in
 * relay_tell_failed the casts that could not even be sent.
 * Bodies are one- or two-field maps of ints.
 */
#ifndef TEST_ACTORS_H
#define TEST_ACTORS_H

#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "actor/actor.h"

#define CALC_ERR_NEGATIVE 7
#define CALC_UTF8_OPERAND (-200)
#define CALC_UTF8_CHARS 200

enum { CALC_ADD, CALC_NOTE, CALC_NOTES, CALC_WORK, CALC_SLOW, CALC_SEQ, CALC_SEQ_STATE };

/* The calc's state: notes counted, and the sequence check of `seq`. */
typedef struct calc_state {
    int64_t notes;
    int64_t seq_next; /* the number the next `seq` cast should carry */
    int64_t seq_bad;  /* `seq` casts that came out of order */
} calc_state;

/* Reads {1: a, 2: b} (missing fields are 0). */
static inline int read_pair(const char *body, size_t len, int64_t *a, int64_t *b)
{
    actor_reader r;
    uint32_t n = 0;

    *a = *b = 0;
    actor_reader_init(&r, body, len, NULL, NULL);
    if (actor_read_map_begin(&r, &n) != 0)
        return -1;
    for (uint32_t i = 0; i < n; i++) {
        uint32_t id = 0;
        int rc = actor_read_field_id(&r, &id);
        if (rc == 0)
            rc = id == 1 ? actor_read_int64(&r, a) : id == 2 ? actor_read_int64(&r, b)
                                                             : actor_skip(&r);
        if (rc != 0)
            return rc;
    }
    actor_read_map_end(&r);
    return actor_reader_finish(&r, "Pair");
}

static inline int write_pair(msgpack_sbuffer *out, int64_t a, int64_t b)
{
    int rc = actor_write_map_header(out, 2);

    if (rc == 0)
        rc = actor_write_key(out, 1);
    if (rc == 0)
        rc = actor_write_int64(out, a);
    if (rc == 0)
        rc = actor_write_key(out, 2);
    return rc != 0 ? rc : actor_write_int64(out, b);
}

static inline int write_result(msgpack_sbuffer *out, int64_t v)
{
    int rc = actor_write_map_header(out, 1);

    if (rc == 0)
        rc = actor_write_key(out, 1);
    return rc != 0 ? rc : actor_write_int64(out, v);
}

static inline int calc_add(void *state, actor_ctx *ctx, const char *body, size_t len,
                           msgpack_sbuffer *reply)
{
    int64_t a, b;

    (void)state;
    if (read_pair(body, len, &a, &b) != 0)
        return actor_ctx_fail(ctx, ACTOR_STATUS_DECODE, "add: body is not a Pair");
    if (a == CALC_UTF8_OPERAND) { /* a message longer than a status holds */
        char text[2 * CALC_UTF8_CHARS + 1];
        for (int i = 0; i < CALC_UTF8_CHARS; i++)
            memcpy(text + 2 * i, "\xc3\xa9", 2); /* U+00E9 */
        text[2 * CALC_UTF8_CHARS] = '\0';
        return actor_ctx_raise(ctx, CALC_ERR_NEGATIVE, "%s", text);
    }
    if (a < 0)
        return actor_ctx_raise(ctx, CALC_ERR_NEGATIVE, "negative operand %lld", (long long)a);
    return write_result(reply, a + b);
}

static inline int calc_note(void *state, actor_ctx *ctx, const char *body, size_t len,
                            msgpack_sbuffer *reply)
{
    (void)ctx, (void)body, (void)len, (void)reply;
    ((calc_state *)state)->notes++;
    return ACTOR_INVOKE_REPLY;
}

static inline int calc_notes(void *state, actor_ctx *ctx, const char *body, size_t len,
                             msgpack_sbuffer *reply)
{
    (void)ctx, (void)body, (void)len;
    return write_result(reply, ((const calc_state *)state)->notes);
}

static inline int calc_work(void *state, actor_ctx *ctx, const char *body, size_t len,
                            msgpack_sbuffer *reply)
{
    int64_t a, b, until;

    (void)state;
    if (read_pair(body, len, &a, &b) != 0)
        return actor_ctx_fail(ctx, ACTOR_STATUS_DECODE, "work: body is not a Pair");
    until = actor_now_ns() + a * 1000;
    while (actor_now_ns() < until)
        ;
    return write_result(reply, b);
}

static inline int calc_slow(void *state, actor_ctx *ctx, const char *body, size_t len,
                            msgpack_sbuffer *reply)
{
    int64_t a, b;
    struct timespec ts;

    (void)state;
    if (read_pair(body, len, &a, &b) != 0)
        return actor_ctx_fail(ctx, ACTOR_STATUS_DECODE, "slow: body is not a Pair");
    ts.tv_sec = (time_t)(a / 1000);
    ts.tv_nsec = (long)(a % 1000) * 1000000;
    nanosleep(&ts, NULL);
    return write_result(reply, b);
}

static inline int calc_init(void **state, const void *arg, actor_ctx *ctx)
{
    (void)arg, (void)ctx;
    *state = calloc(1, sizeof(calc_state));
    return *state != NULL ? 0 : ACTOR_ENOMEM;
}

static inline void calc_cleanup(void *state, actor_ctx *ctx)
{
    (void)ctx;
    free(state);
}

/* cast seq({1: n, 2: _}): counts n out of order unless it is the one after
 * the last. */
static inline int calc_seq(void *state, actor_ctx *ctx, const char *body, size_t len,
                           msgpack_sbuffer *reply)
{
    calc_state *s = state;
    int64_t n, unused;

    (void)ctx, (void)reply;
    if (read_pair(body, len, &n, &unused) != 0)
        return actor_ctx_fail(ctx, ACTOR_STATUS_DECODE, "seq: body is not a Pair");
    if (n != s->seq_next)
        s->seq_bad++;
    s->seq_next = n + 1;
    return ACTOR_INVOKE_REPLY;
}

/* seq_state() -> {1: the next expected, 2: how many came out of order} */
static inline int calc_seq_state(void *state, actor_ctx *ctx, const char *body, size_t len,
                                 msgpack_sbuffer *reply)
{
    const calc_state *s = state;

    (void)ctx, (void)body, (void)len;
    return write_pair(reply, s->seq_next, s->seq_bad);
}

static const int32_t calc_errors[] = {CALC_ERR_NEGATIVE};
static const actor_method calc_methods[] = {
    {"add", ACTOR_METHOD_RPC, 128, 0, 0, false, calc_errors, 1, calc_add, 0, false},
    {"note", ACTOR_METHOD_CAST, 128, 0, 0, false, NULL, 0, calc_note, 0, false},
    {"notes", ACTOR_METHOD_RPC, 128, 0, 0, false, NULL, 0, calc_notes, 0, false},
    {"work", ACTOR_METHOD_RPC, 128, 0, 0, false, NULL, 0, calc_work, 0, false},
    {"slow", ACTOR_METHOD_RPC, 128, 0, 0, false, NULL, 0, calc_slow, 0, false},
    {"seq", ACTOR_METHOD_CAST, 128, 0, 0, false, NULL, 0, calc_seq, 0, false},
    {"seq_state", ACTOR_METHOD_RPC, 128, 0, 0, false, NULL, 0, calc_seq_state, 0, false},
};
static const actor_type calc_type = {
    .name = "test.Calc",
    .methods = calc_methods,
    .n_methods = sizeof calc_methods / sizeof calc_methods[0],
    .init = calc_init,
    .cleanup = calc_cleanup,
    .mailbox_capacity = 100000,
};

/* ------------------------------------------------------------ the relay */

typedef struct relay_state {
    actor_ref target;
    uint32_t timeout_ms;
} relay_state;

static inline void relay_then(void *state, actor_ctx *ctx, const actor_status *st,
                              const char *body, size_t len, void *user)
{
    actor_reply *r = user;

    (void)state, (void)ctx;
    if (st->category == ACTOR_STATUS_OK)
        actor_reply_send(&r, body, len);
    else
        actor_reply_status(&r, st);
}

static inline int relay_relay(void *state, actor_ctx *ctx, const char *body, size_t len,
                              msgpack_sbuffer *reply)
{
    relay_state *s = state;
    actor_call_opts o = ACTOR_CALL_OPTS_DEFAULT;
    actor_method_ref add = {&calc_type, CALC_ADD};
    actor_reply *r = NULL;
    int rc;

    (void)reply;
    o.timeout_ms = s->timeout_ms;
    if ((rc = actor_ctx_defer(ctx, &r)) != 0)
        return rc;
    rc = actor_ctx_request(ctx, s->target, add, body, len, &o, relay_then, r, NULL);
    if (rc != 0) {
        actor_status st;
        actor_status_set(&st, ACTOR_STATUS_INTERNAL, 0, "request failed: %s",
                         actor_strerror(rc));
        actor_reply_status(&r, &st);
    }
    return ACTOR_INVOKE_DEFERRED;
}

static atomic_int relay_tell_failed;

static inline int relay_tell(void *state, actor_ctx *ctx, const char *body, size_t len,
                             msgpack_sbuffer *reply)
{
    relay_state *s = state;
    actor_call_opts o = ACTOR_CALL_OPTS_DEFAULT;
    actor_method_ref note = {&calc_type, CALC_NOTE};

    (void)reply;
    o.timeout_ms = s->timeout_ms;
    if (actor_ctx_cast(ctx, s->target, note, body, len, &o) != 0)
        atomic_fetch_add(&relay_tell_failed, 1);
    return ACTOR_INVOKE_REPLY;
}

static inline int relay_init(void **state, const void *arg, actor_ctx *ctx)
{
    relay_state *s = malloc(sizeof *s);

    (void)ctx;
    if (s == NULL)
        return ACTOR_ENOMEM;
    *s = *(const relay_state *)arg;
    *state = s;
    return 0;
}

static const actor_method relay_methods[] = {
    {"relay", ACTOR_METHOD_RPC, 128, 0, 0, false, calc_errors, 1, relay_relay, 0, false},
    {"tell", ACTOR_METHOD_CAST, 128, 0, 0, false, NULL, 0, relay_tell, 0, false},
};
static const actor_type relay_type = {
    .name = "test.Relay",
    .methods = relay_methods,
    .n_methods = 2,
    .init = relay_init,
    .cleanup = calc_cleanup,
};

#endif /* TEST_ACTORS_H */
