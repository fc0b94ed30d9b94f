/*
 * burst_test.c - the gateway's bursts (actor__burst, runtime/core/call.c): the
 * requests of one BATCH to one actor are queued on its mailbox together,
 * and the replies of one BATCH to one calling actor too.
 *
 * A system in this process serves over tcp; a raw DEALER sends it BATCHes
 * (docs/PROTOCOL.md, "Batches"):
 *   - more requests than the target's mailbox holds: the burst cannot be
 *     taken whole, so they are queued one by one; those that fit run, the
 *     others are answered REJECTED, each exactly once;
 *   - casts alternating between two actors: each actor gets its own in
 *     the order sent (the burst is queued before the next target's starts);
 *   - a remote ref's pipelined requests from a handler, whose replies come
 *     back in BATCHes (a burst of replies): every continuation runs once.
 */
#include <semaphore.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <zmq.h>

#include "actor/remote.h"
#include "codec/check.h"
#include "test_actors.h"
#include "base/wire.h"

/* ============================================================= the gate */

/* An actor that parks in `hold` until the test lets it go, so that its
 * mailbox fills up behind it; `pass` answers its Pair's sum. */
#define GATE_CAPACITY 4

static struct {
    sem_t entered, release;
} gate;

static int gate_hold(void *state, actor_ctx *ctx, const char *body, size_t len,
                     msgpack_sbuffer *reply)
{
    (void)state, (void)ctx, (void)body, (void)len;
    sem_post(&gate.entered);
    sem_wait(&gate.release);
    return write_pair(reply, 0, 0);
}

static int gate_pass(void *state, actor_ctx *ctx, const char *body, size_t len,
                     msgpack_sbuffer *reply)
{
    int64_t a, b;

    (void)state;
    if (read_pair(body, len, &a, &b) != 0)
        return actor_ctx_fail(ctx, ACTOR_STATUS_DECODE, "pass: body is not a Pair");
    return write_pair(reply, a + b, 0);
}

static const actor_method gate_methods[] = {
    {"hold", ACTOR_METHOD_RPC, 128, 0, 0, false, NULL, 0, gate_hold, 0, false},
    {"pass", ACTOR_METHOD_RPC, 128, 0, 0, false, NULL, 0, gate_pass, 0, false},
};
static const actor_type gate_type = {
    .name = "test.Gate",
    .methods = gate_methods,
    .n_methods = 2,
    .mailbox_capacity = GATE_CAPACITY,
    .overflow = ACTOR_OVERFLOW_REJECT,
};

/* sem_wait for at most `seconds` (a hang guard): 0, or -1. */
static int wait_up_to(sem_t *sem, int seconds)
{
    struct timespec until;

    clock_gettime(CLOCK_REALTIME, &until);
    until.tv_sec += seconds;
    return sem_timedwait(sem, &until);
}

/* ====================================================== raw batches */

static void *zctx;
/* Every socket opened, closed by main() at the end: a test that fails a
 * check returns before its own close. */
static void *sockets[8];
static size_t n_sockets;

static void *dealer(const char *endpoint)
{
    void *s = zmq_socket(zctx, ZMQ_DEALER);
    const int timeout = 10000, linger = 0; /* hang guard only */

    zmq_setsockopt(s, ZMQ_RCVTIMEO, &timeout, sizeof timeout);
    zmq_setsockopt(s, ZMQ_LINGER, &linger, sizeof linger);
    zmq_connect(s, endpoint);
    sockets[n_sockets++] = s;
    return s;
}

/* A message of `kind` to `target`.`method` with body {1: a, 2: b}: its
 * envelope and body encoded into env and body (initialised here; the
 * caller destroys them). */
static void encode_call(msgpack_sbuffer *env, msgpack_sbuffer *body, actor_wire_Kind kind,
                        uint64_t id, const char *target, const char *method, int64_t a, int64_t b)
{
    actor__wire_header h = actor__wire_header_make(kind, id);

    h.target = target;
    h.method = method;
    msgpack_sbuffer_init(env);
    msgpack_sbuffer_init(body);
    actor__wire_encode(env, &h);
    write_pair(body, a, b);
}

/* That message appended to the pairs of a BATCH. */
static void pack_call(msgpack_sbuffer *pairs, actor_wire_Kind kind, uint64_t id, const char *target,
                      const char *method, int64_t a, int64_t b)
{
    msgpack_sbuffer env, body;

    encode_call(&env, &body, kind, id, target, method, a, b);
    actor__wire_pack(pairs, env.data, env.size, body.data, body.size);
    msgpack_sbuffer_destroy(&env);
    msgpack_sbuffer_destroy(&body);
}

/* A request with body {1: 0, 2: 0} sent on its own. */
static void send_lone(void *s, uint64_t id, const char *target, const char *method)
{
    msgpack_sbuffer env, body;

    encode_call(&env, &body, actor_wire_Kind_REQUEST, id, target, method, 0, 0);
    actor__wire_send(s, NULL, env.data, env.size, body.data, body.size);
    msgpack_sbuffer_destroy(&env);
    msgpack_sbuffer_destroy(&body);
}

/* The responses read so far, by correlation id (ids < MAX_IDS). */
#define MAX_IDS 64

typedef struct responses {
    int count[MAX_IDS];
    actor_status_category category[MAX_IDS];
    int64_t result[MAX_IDS];
    int total, bad;
} responses;

static void note_response(void *ctx, const actor__wire_msg *m, actor__wire_verdict v,
                          actor_status *st)
{
    responses *r = ctx;
    uint64_t id = m->env.correlation_id;
    int64_t unused;

    if (v != ACTOR__WIRE_OK || id >= MAX_IDS) {
        r->bad++;
        return;
    }
    actor__wire_status_of(&m->env, st);
    r->count[id]++;
    r->category[id] = st->category;
    if (st->category == ACTOR_STATUS_OK)
        read_pair(m->body, m->body_len, &r->result[id], &unused);
    r->total++;
}

/* Reads one ZeroMQ message (a response or a BATCH of them) into r; -1 when
 * none came within the socket's timeout. */
static int recv_into(void *s, responses *r)
{
    actor__wire_in in;
    actor__wire_msg m;
    actor_status st;
    actor__wire_verdict v;

    if (actor__wire_recv(s, 0, &in) != 0)
        return -1;
    v = actor__wire_parse(&in, false, true, &m, &st);
    if (v == ACTOR__WIRE_BATCH) {
        if (actor__wire_batch_each(&m, true, note_response, r) != NULL)
            r->bad++;
    } else {
        note_response(r, &m, v, &st);
    }
    actor__wire_msg_fini(&m);
    actor__wire_in_close(&in);
    return 0;
}

static int recv_until(void *s, responses *r, int total)
{
    while (r->total < total)
        if (recv_into(s, r) != 0)
            return -1;
    return 0;
}

/* ================================================================ tests */

static actor_system *sys;
static char endpoint[256];

/* Ten requests in one BATCH to a gate parked in `hold` with room for four:
 * four run once it is let go, six are answered REJECTED at once; every
 * request is answered exactly once. */
TEST(batch_over_a_full_mailbox_is_queued_one_by_one)
{
    void *s = dealer(endpoint);
    msgpack_sbuffer pairs;
    responses r = {0};
    int ok = 0, rejected = 0, got;

    send_lone(s, 1, "gate", "hold");
    CHECK_INT(wait_up_to(&gate.entered, 30), 0);
    msgpack_sbuffer_init(&pairs);
    for (uint64_t id = 10; id < 20; id++)
        pack_call(&pairs, actor_wire_Kind_REQUEST, id, "gate", "pass", (int64_t)id, 1);
    CHECK_RC(actor__wire_send_packed(s, NULL, pairs.data, pairs.size, 10), 0);
    msgpack_sbuffer_destroy(&pairs);
    got = recv_until(s, &r, 10 - GATE_CAPACITY); /* the refused ones, while it holds */
    for (uint64_t id = 10; id < 20; id++)
        rejected += r.count[id] == 1 && r.category[id] == ACTOR_STATUS_REJECTED;
    sem_post(&gate.release); /* whatever came: a failed check must not leave it parked */
    CHECK_INT(got, 0);
    CHECK_INT(rejected, 10 - GATE_CAPACITY);
    CHECK_INT(recv_until(s, &r, 11), 0);
    CHECK_INT(r.bad, 0);
    CHECK_INT(r.count[1], 1);
    CHECK_INT(r.category[1], ACTOR_STATUS_OK);
    for (uint64_t id = 10; id < 20; id++) {
        CHECK_INT(r.count[id], 1);
        if (r.category[id] == ACTOR_STATUS_OK) {
            CHECK_INT(r.result[id], (int64_t)id + 1);
            ok++;
        }
    }
    CHECK_INT(ok, GATE_CAPACITY);
}

/* Casts in one BATCH, first alternating between two actors (a burst of
 * one each), then a run of them to each (one burst each), arrive at each
 * actor in the order sent (calc's `seq` counts any out of order). */
TEST(batch_to_two_actors_keeps_each_ones_order)
{
    enum { ALTERNATING = 10, RUN = 20, PER_ACTOR = ALTERNATING + RUN };
    const char *const names[2] = {"calc", "calc2"};
    void *s = dealer(endpoint);
    msgpack_sbuffer pairs;
    responses r = {0};

    msgpack_sbuffer_init(&pairs);
    for (int64_t n = 0; n < ALTERNATING; n++) {
        pack_call(&pairs, actor_wire_Kind_CAST, 0, "calc", "seq", n, 0);
        pack_call(&pairs, actor_wire_Kind_CAST, 0, "calc2", "seq", n, 0);
    }
    for (size_t who = 0; who < 2; who++)
        for (int64_t n = ALTERNATING; n < PER_ACTOR; n++)
            pack_call(&pairs, actor_wire_Kind_CAST, 0, names[who], "seq", n, 0);
    pack_call(&pairs, actor_wire_Kind_REQUEST, 2, "calc", "seq_state", 0, 0);
    pack_call(&pairs, actor_wire_Kind_REQUEST, 3, "calc2", "seq_state", 0, 0);
    CHECK_RC(actor__wire_send_packed(s, NULL, pairs.data, pairs.size, 2 * PER_ACTOR + 2), 0);
    msgpack_sbuffer_destroy(&pairs);
    CHECK_INT(recv_until(s, &r, 2), 0);
    CHECK_INT(r.bad, 0);
    CHECK_INT(r.category[2], ACTOR_STATUS_OK);
    CHECK_INT(r.category[3], ACTOR_STATUS_OK);
    CHECK_INT(r.result[2], PER_ACTOR); /* seq_next; the Pair's second, seq_bad, below */
    CHECK_INT(r.result[3], PER_ACTOR);
}

/* Requests to one actor in one BATCH with two methods, the same envelope
 * shape (wire.h, actor__wire_msg.shape) twice in a row and again after
 * another: each runs the method it names (the gateway skips the lookup
 * only for the shape it last checked for that actor). */
TEST(batch_mixing_methods_runs_each_ones_own)
{
    void *s = dealer(endpoint);
    msgpack_sbuffer pairs;
    responses r = {0};

    msgpack_sbuffer_init(&pairs);
    pack_call(&pairs, actor_wire_Kind_REQUEST, 30, "calc", "add", 1, 2);
    pack_call(&pairs, actor_wire_Kind_REQUEST, 31, "calc", "add", 3, 4);
    pack_call(&pairs, actor_wire_Kind_REQUEST, 32, "calc", "seq_state", 0, 0);
    pack_call(&pairs, actor_wire_Kind_REQUEST, 33, "calc", "add", 5, 6);
    pack_call(&pairs, actor_wire_Kind_REQUEST, 34, "calc2", "add", 7, 8);
    pack_call(&pairs, actor_wire_Kind_REQUEST, 35, "calc", "add", 9, 10);
    CHECK_RC(actor__wire_send_packed(s, NULL, pairs.data, pairs.size, 6), 0);
    msgpack_sbuffer_destroy(&pairs);
    CHECK_INT(recv_until(s, &r, 6), 0);
    CHECK_INT(r.bad, 0);
    for (uint64_t id = 30; id <= 35; id++)
        CHECK_INT(r.category[id], ACTOR_STATUS_OK);
    CHECK_INT(r.result[30], 3);
    CHECK_INT(r.result[31], 7);
    CHECK_INT(r.result[32], 30); /* seq_state's seq_next after the runs above */
    CHECK_INT(r.result[33], 11);
    CHECK_INT(r.result[34], 15);
    CHECK_INT(r.result[35], 19);
}

/* seq_state's second field, seq_bad, for `name`, by a lone call. */
static int64_t seq_bad(void *s, uint64_t id, const char *name)
{
    actor__wire_in in;
    actor__wire_msg m;
    actor_status st;
    int64_t next = -1, bad = -1;

    send_lone(s, id, name, "seq_state");
    if (actor__wire_recv(s, 0, &in) != 0)
        return -1;
    if (actor__wire_parse(&in, false, true, &m, &st) == ACTOR__WIRE_OK &&
        m.env.correlation_id == id)
        read_pair(m.body, m.body_len, &next, &bad);
    actor__wire_msg_fini(&m);
    actor__wire_in_close(&in);
    return bad;
}

TEST(no_cast_out_of_order)
{
    void *s = dealer(endpoint);

    CHECK_INT(seq_bad(s, 4, "calc"), 0);
    CHECK_INT(seq_bad(s, 5, "calc2"), 0);
}

/* ------------------------------------------- replies gathered in bursts */

/* A driver actor of a second system keeps PIPE_N requests in flight to
 * the remote calc (`add`), from a handler; their responses come back
 * packed and are queued on it in bursts. */
#define PIPE_N 600
#define PIPE_WINDOW 200

static struct {
    actor_ref calc;
    int sent, replied, wrong;
    int seen[PIPE_N];
    sem_t done;
} pipe_run;

static void pipe_send(actor_ctx *ctx);

static void pipe_then(void *state, actor_ctx *ctx, const actor_status *st, const char *body,
                      size_t len, void *user)
{
    int i = (int)(intptr_t)user;
    int64_t sum = -1, unused;

    (void)state;
    if (st->category != ACTOR_STATUS_OK || read_pair(body, len, &sum, &unused) != 0 || sum != i + 1)
        pipe_run.wrong++;
    pipe_run.seen[i]++;
    if (++pipe_run.replied == PIPE_N)
        sem_post(&pipe_run.done);
    else
        pipe_send(ctx);
}

static void pipe_send(actor_ctx *ctx)
{
    while (pipe_run.sent < PIPE_N && pipe_run.sent - pipe_run.replied < PIPE_WINDOW) {
        msgpack_sbuffer body;
        int i = pipe_run.sent++;
        msgpack_sbuffer_init(&body);
        write_pair(&body, i, 1);
        if (actor_ctx_request(ctx, pipe_run.calc, (actor_method_ref){&calc_type, CALC_ADD},
                              body.data, body.size, NULL, pipe_then, (void *)(intptr_t)i,
                              NULL) != 0)
            pipe_run.wrong++;
        msgpack_sbuffer_destroy(&body);
    }
}

static int driver_go(void *state, actor_ctx *ctx, const char *body, size_t len,
                     msgpack_sbuffer *reply)
{
    (void)state, (void)body, (void)len, (void)reply;
    pipe_send(ctx);
    return 0;
}

static const actor_method driver_methods[] = {
    {"go", ACTOR_METHOD_CAST, 128, 0, 0, false, NULL, 0, driver_go, 0, false},
};
static const actor_type driver_type = {
    .name = "test.Driver",
    .methods = driver_methods,
    .n_methods = 1,
};

TEST(pipelined_replies_each_reach_their_continuation_once)
{
    actor_system *s2 = NULL;
    actor_client *c = NULL;
    actor_ref driver;
    actor_gateway_stats gs;

    sem_init(&pipe_run.done, 0, 0);
    CHECK_RC(actor_system_new(NULL, &s2), 0);
    CHECK_RC(actor_client_new(s2, &c), 0);
    CHECK_RC(actor_connect(s2, endpoint, "calc", NULL, &pipe_run.calc), 0);
    CHECK_RC(actor_spawn(s2, &driver_type, NULL, NULL, &driver), 0);
    CHECK_RC(actor_cast(c, driver, (actor_method_ref){&driver_type, 0}, "\x80", 1, NULL), 0);
    CHECK_INT(wait_up_to(&pipe_run.done, 30), 0);
    CHECK_INT(pipe_run.wrong, 0);
    for (int i = 0; i < PIPE_N; i++)
        CHECK_INT(pipe_run.seen[i], 1);
    actor_gateway_stats_get(s2, &gs);
    CHECK(gs.batches_received > 0); /* the replies did come packed */
    actor_client_destroy(&c);
    actor_system_destroy(&s2);
    sem_destroy(&pipe_run.done);
}

int main(void)
{
    actor_ref g, calc, calc2;

    sem_init(&gate.entered, 0, 0);
    sem_init(&gate.release, 0, 0);
    zctx = zmq_ctx_new();
    if (actor_system_new(NULL, &sys) != 0 || actor_spawn(sys, &gate_type, NULL, NULL, &g) != 0 ||
        actor_register_name(sys, g, "gate") != 0 ||
        actor_spawn(sys, &calc_type, NULL, NULL, &calc) != 0 ||
        actor_register_name(sys, calc, "calc") != 0 ||
        actor_spawn(sys, &calc_type, NULL, NULL, &calc2) != 0 ||
        actor_register_name(sys, calc2, "calc2") != 0 ||
        actor_system_bind(sys, "tcp://127.0.0.1:*", NULL, endpoint, sizeof endpoint) != 0) {
        fprintf(stderr, "burst_test: cannot start the serving system\n");
        return 1;
    }
    RUN(batch_over_a_full_mailbox_is_queued_one_by_one);
    RUN(batch_to_two_actors_keeps_each_ones_order);
    RUN(no_cast_out_of_order);
    RUN(batch_mixing_methods_runs_each_ones_own);
    RUN(pipelined_replies_each_reach_their_continuation_once);
    actor_system_destroy(&sys);
    while (n_sockets != 0)
        zmq_close(sockets[--n_sockets]);
    zmq_ctx_term(zctx);
    sem_destroy(&gate.entered);
    sem_destroy(&gate.release);
    return check_summary();
}
