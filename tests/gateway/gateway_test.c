/*
 * gateway_test.c - actor systems' endpoints and remote references end to
 * end (runtime/transport/gateway.c, runtime/transport/remote.c, docs/PROTOCOL.md).
 *
 * The test first starts a server PROCESS (this program with `serve`, over a
 * pipe: it prints its endpoints and serves until its stdin closes), then:
 *   - raw DEALER sockets speak the protocol to it: results and every error
 *     status, casts, control ping/lookup, target_id;
 *   - hostile bytes at the live endpoint: error replies or counted drops,
 *     and a legit call on the same socket still works;
 *   - many clients x many requests over ipc and tcp through remote refs
 *     (blocking actor_call and pipelined actor_call_async): every reply
 *     matched to its request, none lost or duplicated;
 *   - remote refs from a handler (actor_ctx_request), casts, NOT_FOUND for
 *     wrong names and types, an unreachable peer (TIMEOUT, never a hang),
 *     a late reply discarded and counted, inproc between two systems;
 *   - CURVE on a live endpoint: a listed key gets through, others nothing;
 *   - shutdown: the server process is told to stop with thousands of
 *     requests queued; every one is answered (OK or DIED), none lost.
 *
 *   gateway_test            the tests
 *   gateway_test serve      the server (tests/gateway/client.py uses it too)
 */
#include <errno.h>
#include <pthread.h>
#include <semaphore.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <zmq.h>

#include "actor/remote.h"
#include "codec/check.h"
#include "transport/gateway.h" /* the order test holds the gateway's `hold` for a moment */
#include "transport/gateway.h" /* the bounds of a slow client's waiting responses */
#include "test_actors.h"
#include "base/wire.h"

/* ============================================================ the server */

/* Calcs with a small mailbox, for the fair-share test to flood: one with
 * the default overflow (block: a waiting line as long), one that rejects. */
static actor_type small_calc_type, small_reject_type;

static int serve(void)
{
    char tcp[256], ipc[256], line[64];
    actor_system_opts opts = {0};
    actor_system *sys = NULL;
    actor_ref calc, calc2, small, small_reject;
    actor_gateway_stats gs;
    int rc;

    snprintf(ipc, sizeof ipc, "ipc:///tmp/actorc-gateway-test-%d", (int)getpid());
    /* two workers at least: gateway_served_during_a_long_handler needs an
     * idle one to take the gateway over */
    opts.workers = sysconf(_SC_NPROCESSORS_ONLN) < 2 ? 2 : 0;
    small_calc_type = calc_type;
    small_calc_type.mailbox_capacity = 32;
    small_reject_type = small_calc_type;
    small_reject_type.overflow = ACTOR_OVERFLOW_REJECT;
    if ((rc = actor_system_new(&opts, &sys)) != 0 ||
        (rc = actor_spawn(sys, &calc_type, NULL, NULL, &calc)) != 0 ||
        (rc = actor_register_name(sys, calc, "calc")) != 0 ||
        (rc = actor_spawn(sys, &calc_type, NULL, NULL, &calc2)) != 0 ||
        (rc = actor_register_name(sys, calc2, "calc2")) != 0 ||
        (rc = actor_spawn(sys, &small_calc_type, NULL, NULL, &small)) != 0 ||
        (rc = actor_register_name(sys, small, "small")) != 0 ||
        (rc = actor_spawn(sys, &small_reject_type, NULL, NULL, &small_reject)) != 0 ||
        (rc = actor_register_name(sys, small_reject, "small-reject")) != 0 ||
        (rc = actor_system_bind(sys, "tcp://127.0.0.1:*", NULL, tcp, sizeof tcp)) != 0 ||
        (rc = actor_system_bind(sys, ipc, NULL, NULL, 0)) != 0) {
        printf("cannot serve: %s\n", actor_strerror(rc));
        actor_system_destroy(&sys);
        return 1;
    }
    printf("%s\n%s\n", tcp, ipc);
    fflush(stdout);
    while (fgets(line, sizeof line, stdin) != NULL)
        ;
    actor_gateway_stats_get(sys, &gs);
    actor_system_destroy(&sys);
    unlink(ipc + strlen("ipc://"));
    fprintf(stderr,
            "server: received %llu, replies %llu, errors %llu, dropped %llu, handoffs %llu, "
            "fair rejected %llu\n",
            (unsigned long long)gs.received, (unsigned long long)gs.replies,
            (unsigned long long)gs.errors, (unsigned long long)gs.dropped,
            (unsigned long long)gs.handoffs, (unsigned long long)gs.fair_rejected);
    return 0;
}

typedef struct server {
    pid_t pid;
    FILE *to; /* its stdin: closing it stops the server */
    char tcp[256], ipc[256];
} server;

static int read_line(FILE *f, char *buf, size_t size)
{
    if (fgets(buf, (int)size, f) == NULL)
        return -1;
    buf[strcspn(buf, "\n")] = '\0';
    return 0;
}

/* Starts `self serve` with pipes to its stdin and from its stdout. */
static int server_start(server *s, const char *self)
{
    int in[2], out[2];
    FILE *from;

    if (pipe(in) != 0 || pipe(out) != 0)
        return -1;
    s->pid = fork();
    if (s->pid < 0)
        return -1;
    if (s->pid == 0) {
        dup2(in[0], 0);
        dup2(out[1], 1);
        close(in[1]);
        close(out[0]);
        execl(self, self, "serve", (char *)NULL);
        _exit(127);
    }
    close(in[0]);
    close(out[1]);
    s->to = fdopen(in[1], "w");
    from = fdopen(out[0], "r");
    if (s->to == NULL || from == NULL || read_line(from, s->tcp, sizeof s->tcp) != 0 ||
        read_line(from, s->ipc, sizeof s->ipc) != 0 || strncmp(s->tcp, "tcp://", 6) != 0) {
        if (from != NULL)
            fclose(from);
        return -1;
    }
    fclose(from);
    return 0;
}

/* Closes its stdin and waits; its exit status. */
static int server_stop(server *s)
{
    int status = 0;

    if (s->to != NULL)
        fclose(s->to);
    s->to = NULL;
    if (s->pid > 0)
        waitpid(s->pid, &status, 0);
    s->pid = 0;
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

/* ======================================================= raw protocol */

static server srv;
static void *zctx; /* the raw sockets' context */

static void *dealer(const char *endpoint)
{
    void *s = zmq_socket(zctx, ZMQ_DEALER);
    const int timeout = 10000, linger = 0; /* hang guard only */

    zmq_setsockopt(s, ZMQ_RCVTIMEO, &timeout, sizeof timeout);
    zmq_setsockopt(s, ZMQ_LINGER, &linger, sizeof linger);
    zmq_connect(s, endpoint);
    return s;
}

static void send_env(void *s, const actor__wire_header *h, const char *body, size_t len)
{
    msgpack_sbuffer env;

    msgpack_sbuffer_init(&env);
    actor__wire_encode(&env, h);
    actor__wire_send(s, NULL, env.data, env.size, body, len);
    msgpack_sbuffer_destroy(&env);
}

/* Sends a request for `method` of `target` with body {1: a, 2: b}. */
static void send_call(void *s, uint64_t id, const char *target, const char *method, int64_t a,
                      int64_t b)
{
    msgpack_sbuffer body;
    actor__wire_header h = actor__wire_header_make(actor_wire_Kind_REQUEST, id);

    h.target = target;
    h.method = method;
    msgpack_sbuffer_init(&body);
    write_pair(&body, a, b);
    send_env(s, &h, body.data, body.size);
    msgpack_sbuffer_destroy(&body);
}

/* Receives one response: 0 with its correlation id, status and result
 * (field 1, or for a lookup the id). */
static int recv_response(void *s, uint64_t *id, actor_status *st, int64_t *result)
{
    actor__wire_in in;
    actor__wire_msg m;
    actor_status why;
    int64_t unused;
    int rc = actor__wire_recv(s, 0, &in);

    if (rc != 0)
        return -1;
    rc = actor__wire_parse(&in, false, true, &m, &why) == ACTOR__WIRE_OK ? 0 : -1;
    if (rc == 0) {
        *id = m.env.correlation_id;
        actor__wire_status_of(&m.env, st);
        *result = 0;
        if (st->category == ACTOR_STATUS_OK)
            read_pair(m.body, m.body_len, result, &unused);
    }
    actor__wire_msg_fini(&m);
    actor__wire_in_close(&in);
    return rc;
}

/* One call: its status category (-1: no or wrong response); *result. */
static int call(void *s, uint64_t id, const char *target, const char *method, int64_t a, int64_t b,
                int64_t *result, actor_status *st)
{
    uint64_t got = 0;

    send_call(s, id, target, method, a, b);
    if (recv_response(s, &got, st, result) != 0 || got != id)
        return -1;
    return (int)st->category;
}

/* A handler's message longer than a status holds is cut on a character
 * boundary (a cut UTF-8 character would make the response unencodable):
 * the remote caller gets the error with every whole 'é' that fit. */
TEST(long_utf8_message_cut_on_a_character)
{
    void *s = dealer(srv.tcp);
    int64_t r = 0;
    actor_status st;
    size_t n;

    CHECK_INT(call(s, 1, "calc", "add", CALC_UTF8_OPERAND, 0, &r, &st), ACTOR_STATUS_ERROR);
    CHECK_INT(st.code, CALC_ERR_NEGATIVE);
    n = strlen(st.message);
    CHECK_UINT(n, (ACTOR_STATUS_MESSAGE_SIZE - 1) / 2 * 2);
    for (size_t i = 0; i + 1 < n; i += 2)
        CHECK(memcmp(st.message + i, "\xc3\xa9", 2) == 0);
    zmq_close(s);
}

TEST(raw_results_and_statuses)
{
    void *s = dealer(srv.tcp);
    int64_t r = 0;
    actor_status st;

    CHECK_INT(call(s, 1, "calc", "add", 2, 3, &r, &st), ACTOR_STATUS_OK);
    CHECK_INT(r, 5);
    CHECK_INT(call(s, 2, "calc", "add", -1, 3, &r, &st), ACTOR_STATUS_ERROR);
    CHECK_INT(st.code, CALC_ERR_NEGATIVE);
    CHECK_INT(call(s, 3, "nobody", "add", 1, 1, &r, &st), ACTOR_STATUS_NOT_FOUND);
    CHECK_INT(call(s, 4, "calc", "mul", 1, 1, &r, &st), ACTOR_STATUS_NOT_FOUND);
    CHECK_INT(call(s, 5, "calc", "note", 1, 1, &r, &st), ACTOR_STATUS_NOT_FOUND);
    zmq_close(s);
}

TEST(raw_decode_deadline_control_target_id)
{
    void *s = dealer(srv.ipc);
    actor__wire_header h = actor__wire_header_make(actor_wire_Kind_REQUEST, 9);
    uint64_t id = 0;
    int64_t r = 0, calc_id;
    actor_status st;

    h.target = "calc";
    h.method = "add";
    send_env(s, &h, "\xc1\xc1", 2); /* a body add cannot decode */
    CHECK_INT(recv_response(s, &id, &st, &r), 0);
    CHECK_UINT(id, 9);
    CHECK_INT(st.category, ACTOR_STATUS_DECODE);

    h.message_id = 11;
    h.has_deadline = true; /* deadline_ms 0: already expired */
    send_env(s, &h, "\x80", 1);
    CHECK_INT(recv_response(s, &id, &st, &r), 0);
    CHECK_UINT(id, 11);
    CHECK_INT(st.category, ACTOR_STATUS_TIMEOUT);

    h = actor__wire_header_make(actor_wire_Kind_CONTROL, 12);
    h.method = "ping";
    send_env(s, &h, "", 0);
    CHECK_INT(recv_response(s, &id, &st, &r), 0);
    CHECK_UINT(id, 12);
    CHECK_INT(st.category, ACTOR_STATUS_OK);

    h = actor__wire_header_make(actor_wire_Kind_CONTROL, 13);
    h.method = "lookup";
    h.target = "calc";
    send_env(s, &h, "", 0);
    CHECK_INT(recv_response(s, &id, &st, &calc_id), 0);
    CHECK_UINT(id, 13);
    CHECK_INT(st.category, ACTOR_STATUS_OK);
    CHECK(calc_id != 0);

    h = actor__wire_header_make(actor_wire_Kind_REQUEST, 14);
    h.has_target_id = true;
    h.target_id = (uint64_t)calc_id;
    h.has_method_index = true;
    h.method_index = CALC_ADD;
    send_env(s, &h, "\x82\x01\x05\x02\x06", 5);
    CHECK_INT(recv_response(s, &id, &st, &r), 0);
    CHECK_UINT(id, 14);
    CHECK_INT(st.category, ACTOR_STATUS_OK);
    CHECK_INT(r, 11);
    zmq_close(s);
}

TEST(raw_casts_arrive)
{
    void *s = dealer(srv.tcp);
    actor__wire_header h = actor__wire_header_make(actor_wire_Kind_CAST, 0);
    int64_t before = 0, after = 0;
    actor_status st;

    CHECK_INT(call(s, 20, "calc", "notes", 0, 0, &before, &st), ACTOR_STATUS_OK);
    h.target = "calc";
    h.method = "note";
    for (int i = 0; i < 10; i++)
        send_env(s, &h, "", 0);
    CHECK_INT(call(s, 21, "calc", "notes", 0, 0, &after, &st), ACTOR_STATUS_OK);
    CHECK_INT(after - before, 10);
    zmq_close(s);
}

/* ================================================================ hostile */

static void send_frames(void *s, const char *const *frames, const size_t *lens, size_t n)
{
    for (size_t i = 0; i < n; i++)
        zmq_send(s, frames[i], lens[i], i + 1 < n ? ZMQ_SNDMORE : 0);
}

/* Garbage of every kind at a live endpoint: each answerable message gets an
 * error response, the rest are dropped; then a legit call on the same
 * socket works, and so does a new client. */
TEST(hostile_bytes_then_legit_call)
{
    void *s = dealer(srv.tcp);
    static const char version2[] = "\x83\x01\x02\x02\x01\x03\x05"; /* v2, id 5 */
    static const char kind9[] = "\x83\x01\x01\x02\x09\x03\x06";    /* kind 9, id 6 */
    static const char trunc[] = "\x85\x01\x01\x02\x01\x03";        /* truncated */
    static const char huge_map[] = "\xdf\xff\xff\xff\xff\x01\x01"; /* 2^32-1 pairs */
    static const char huge_str[] =
        "\x84\x01\x01\x02\x01\x03\x07\x07\xdb\xff\xff\xff\xff";        /* str 4 GiB */
    static const char resp[] = "\x84\x01\x01\x02\x02\x03\x08\x04\x01"; /* a RESPONSE */
    static const char oob[] = "\x86\x01\x01\x02\x01\x03\x09\x07\xa4" /* one frame */
                              "calc"                                   /* described, */
                              "\x09\xa3"                               /* none sent */
                              "add"
                              "\x0d\x81\x01\x91\x81\x02\x05";
    static const char no_target[] = "\x84\x01\x01\x02\x01\x03\x0a\x09\xa3"
                                    "add";
    char big_frames[30];
    const char *frames[30];
    size_t lens[30];
    int64_t r = 0;
    actor_status st;
    uint64_t id;
    int answered = 0, answered_decode = 0;

    /* answerable ones: each gets DECODE */
    const char *answerable[] = {version2, kind9, oob, no_target};
    size_t alens[] = {sizeof version2 - 1, sizeof kind9 - 1, sizeof oob - 1, sizeof no_target - 1};
    for (size_t i = 0; i < 4; i++) {
        frames[0] = answerable[i], lens[0] = alens[i];
        frames[1] = "\x80", lens[1] = 1;
        send_frames(s, frames, lens, 2);
    }
    /* not answerable, or answered with correlation 0 */
    const char *junk[] = {"\xff", "hello", trunc, huge_map, huge_str, resp, "\xc1"};
    size_t jlens[] = {
        1, 5, sizeof trunc - 1, sizeof huge_map - 1, sizeof huge_str - 1, sizeof resp - 1, 1};
    for (size_t i = 0; i < sizeof junk / sizeof junk[0]; i++) {
        frames[0] = junk[i], lens[0] = jlens[i];
        frames[1] = "\x80", lens[1] = 1;
        send_frames(s, frames, lens, 2);
        send_frames(s, frames, lens, 1); /* a single frame */
    }
    /* a valid envelope with 30 frames */
    for (int i = 0; i < 30; i++) {
        big_frames[i] = 'x';
        frames[i] = i == 0 ? version2 : &big_frames[i];
        lens[i] = i == 0 ? sizeof version2 - 1 : 1;
    }
    send_frames(s, frames, lens, 30);
    /* an empty envelope, and empty frames only */
    frames[0] = "", lens[0] = 0;
    frames[1] = "", lens[1] = 0;
    send_frames(s, frames, lens, 2);
    send_frames(s, frames, lens, 1);

    send_call(s, 1000, "calc", "add", 20, 22);
    for (;;) {
        CHECK_INT(recv_response(s, &id, &st, &r), 0);
        if (id == 1000)
            break;
        answered++;
        answered_decode += st.category == ACTOR_STATUS_DECODE;
        if (st.category != ACTOR_STATUS_DECODE)
            printf("  answer %llu: %s %s\n", (unsigned long long)id, actor_status_name(st.category),
                   st.message);
    }
    CHECK_INT(st.category, ACTOR_STATUS_OK);
    CHECK_INT(r, 42);
    CHECK(answered >= 4);
    CHECK_INT(answered_decode, answered);
    CHECK_INT(call(s, 1001, "calc", "add", 1, 2, &r, &st), ACTOR_STATUS_OK);
    zmq_close(s);
    s = dealer(srv.ipc);
    CHECK_INT(call(s, 1002, "calc", "add", 20, 22, &r, &st), ACTOR_STATUS_OK);
    CHECK_INT(r, 42);
    zmq_close(s);
}

/* =========================================================== remote refs */

static actor_system *csys; /* the client side's system */
static const actor_method_ref m_add = {&calc_type, CALC_ADD};
static const actor_method_ref m_note = {&calc_type, CALC_NOTE};
static const actor_method_ref m_notes = {&calc_type, CALC_NOTES};
static const actor_method_ref m_slow = {&calc_type, CALC_SLOW};

/* A blocking call of a method with {1: a, 2: b}: its status; *result. */
static int ref_call(actor_client *c, actor_ref to, actor_method_ref m, int64_t a, int64_t b,
                    uint32_t timeout_ms, int64_t *result, actor_status *st)
{
    actor_call_opts o = ACTOR_CALL_OPTS_DEFAULT;
    msgpack_sbuffer body, reply;
    int64_t unused;
    int rc;

    o.timeout_ms = timeout_ms;
    msgpack_sbuffer_init(&body);
    msgpack_sbuffer_init(&reply);
    write_pair(&body, a, b);
    rc = actor_call(c, to, m, body.data, body.size, &o, st, &reply);
    *result = 0;
    if (rc == 0 && st->category == ACTOR_STATUS_OK)
        read_pair(reply.data, reply.size, result, &unused);
    msgpack_sbuffer_destroy(&body);
    msgpack_sbuffer_destroy(&reply);
    return rc != 0 ? rc : (int)st->category;
}

TEST(remote_ref_blocking_calls_and_casts)
{
    actor_client *c = NULL;
    actor_ref calc, calc2, nobody;
    actor_method_ref wrong_type = {&relay_type, 0};
    int64_t r = 0, before = 0, after = 0;
    actor_status st;

    CHECK_RC(actor_client_new(csys, &c), 0);
    CHECK_RC(actor_connect(csys, srv.tcp, "calc", NULL, &calc), 0);
    CHECK(actor_ref_is_remote(calc));
    CHECK_RC(actor_connect(csys, srv.tcp, "calc", NULL, &calc2), 0);
    CHECK(actor_ref_eq(calc, calc2));
    CHECK_RC(actor_connect(csys, srv.tcp, "nobody", NULL, &nobody), 0);
    CHECK_INT(ref_call(c, calc, m_add, 40, 2, 10000, &r, &st), ACTOR_STATUS_OK);
    CHECK_INT(r, 42);
    CHECK_INT(ref_call(c, calc, m_add, -4, 2, 10000, &r, &st), ACTOR_STATUS_ERROR);
    CHECK_INT(st.code, CALC_ERR_NEGATIVE);
    CHECK_INT(ref_call(c, nobody, m_add, 1, 2, 10000, &r, &st), ACTOR_STATUS_NOT_FOUND);
    CHECK_INT(ref_call(c, calc, wrong_type, 1, 2, 10000, &r, &st), ACTOR_STATUS_NOT_FOUND);
    CHECK_INT(ref_call(c, calc, m_notes, 0, 0, 10000, &before, &st), ACTOR_STATUS_OK);
    for (int i = 0; i < 25; i++)
        CHECK_RC(actor_cast(c, calc, m_note, "\x80", 1, NULL), 0);
    CHECK_INT(ref_call(c, calc, m_notes, 0, 0, 10000, &after, &st), ACTOR_STATUS_OK);
    CHECK_INT(after - before, 25);
    CHECK_RC(actor_terminate(csys, calc, true), ACTOR_ENOTFOUND);
    actor_client_destroy(&c);
}

/* A late reply (after the caller's deadline) is discarded and counted;
 * the next call on the same socket gets its own reply. */
TEST(remote_late_reply_discarded)
{
    actor_client *c = NULL;
    actor_ref calc;
    actor_gateway_stats before, after;
    int64_t r = 0;
    actor_status st;

    CHECK_RC(actor_client_new(csys, &c), 0);
    CHECK_RC(actor_connect(csys, srv.ipc, "calc", NULL, &calc), 0);
    actor_gateway_stats_get(csys, &before);
    CHECK_INT(ref_call(c, calc, m_slow, 300, 1, 50, &r, &st), ACTOR_STATUS_TIMEOUT);
    CHECK_INT(ref_call(c, calc, m_add, 2, 2, 10000, &r, &st), ACTOR_STATUS_OK);
    CHECK_INT(r, 4);
    actor_gateway_stats_get(csys, &after);
    CHECK_UINT(after.late_replies - before.late_replies, 1);
    actor_client_destroy(&c);
}

/* An endpoint nobody serves: TIMEOUT from every path, never a hang. */
typedef struct async_result {
    pthread_mutex_t lock;
    pthread_cond_t cond;
    int done;
    actor_status st;
    int64_t result;
} async_result;

static void on_reply(void *user, uint64_t call_id, const actor_status *st, const char *body,
                     size_t len)
{
    async_result *a = user;
    int64_t unused, r = 0;

    (void)call_id;
    if (st->category == ACTOR_STATUS_OK)
        read_pair(body, len, &r, &unused);
    pthread_mutex_lock(&a->lock);
    a->st = *st;
    a->result = r;
    a->done++;
    pthread_cond_broadcast(&a->cond);
    pthread_mutex_unlock(&a->lock);
}

static void async_wait(async_result *a, int n)
{
    pthread_mutex_lock(&a->lock);
    while (a->done < n)
        pthread_cond_wait(&a->cond, &a->lock);
    pthread_mutex_unlock(&a->lock);
}

/* The dead letters a system's handler was given (dead_letter_fn). */
typedef struct letters {
    pthread_mutex_t lock;
    int count;
    char endpoint[96], target[64], method[64], reason[128];
} letters;

static void on_dead_letter(void *user, const actor_dead_letter *d)
{
    letters *l = user;

    pthread_mutex_lock(&l->lock);
    l->count++;
    snprintf(l->endpoint, sizeof l->endpoint, "%s", d->endpoint != NULL ? d->endpoint : "(in)");
    snprintf(l->target, sizeof l->target, "%s", d->target);
    snprintf(l->method, sizeof l->method, "%s", d->method);
    snprintf(l->reason, sizeof l->reason, "%s", d->reason);
    pthread_mutex_unlock(&l->lock);
}

/* Waits (a hang guard of 10 s) until `l` holds n letters; how many it holds. */
static int letters_wait(letters *l, int n)
{
    int got = 0;

    for (int i = 0; i < 10000; i++) {
        pthread_mutex_lock(&l->lock);
        got = l->count;
        pthread_mutex_unlock(&l->lock);
        if (got >= n)
            break;
        usleep(1000);
    }
    return got;
}

/* Endpoints nobody serves: every path ends UNREACHABLE with the reason, at
 * once (the 20 s deadlines would make a TIMEOUT instead); a cast from a
 * plain thread returns ACTOR_EUNREACHABLE, one from a handler is a dead
 * letter; and shutting down after all that does not wait for the linger
 * (2 s) of messages queued for nobody. */
TEST(unreachable_peers_fail_fast_with_the_reason)
{
    static const struct {
        const char *endpoint, *why;
    } gone[] = {
        {"tcp://127.0.0.1:1", "connection refused"},
        {"tcp://no-such-host.invalid:5555", "does not resolve"},
        {"ipc:///tmp/actorc-no-such-dir/x", "no server is listening"},
    };
    static letters dead = {PTHREAD_MUTEX_INITIALIZER, 0, "", "", "", ""};
    static relay_state rs;
    actor_system *sys = NULL;
    actor_client *c = NULL;
    actor_call_opts o = ACTOR_CALL_OPTS_DEFAULT;
    actor_gateway_stats gs;
    actor_ref ref, relay;
    int64_t r = 0, t0;
    actor_status st;

    CHECK_RC(actor_system_new(NULL, &sys), 0);
    actor_on_dead_letter(sys, on_dead_letter, &dead);
    CHECK_RC(actor_client_new(sys, &c), 0);
    o.timeout_ms = 20000;
    for (size_t i = 0; i < sizeof gone / sizeof gone[0]; i++) {
        async_result a = {PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER, 0, {0, 0, ""}, 0};
        CHECK_RC(actor_connect(sys, gone[i].endpoint, "calc", NULL, &ref), 0);
        CHECK_INT(ref_call(c, ref, m_add, 1, 2, 20000, &r, &st), ACTOR_STATUS_UNREACHABLE);
        CHECK(strstr(st.message, gone[i].why) != NULL);
        CHECK(strstr(st.message, gone[i].endpoint) != NULL);
        CHECK_INT(st.code, ACTOR_UNREACHABLE_NOT_SENT);
        CHECK_INT(ref_call(c, ref, m_add, 1, 2, 20000, &r, &st), ACTOR_STATUS_UNREACHABLE);
        CHECK_RC(actor_cast(c, ref, m_note, "\x80", 1, &o), ACTOR_EUNREACHABLE);
        CHECK_RC(actor_call_async(c, ref, m_add, "\x80", 1, &o, on_reply, &a, NULL), 0);
        async_wait(&a, 1);
        CHECK_INT(a.st.category, ACTOR_STATUS_UNREACHABLE);
        CHECK(strstr(a.st.message, gone[i].why) != NULL);
        CHECK_INT(a.st.code, ACTOR_UNREACHABLE_NOT_SENT);
    }
    printf("  %s\n", st.message);
    /* from a handler: the request's status comes back; its cast is a dead letter */
    rs = (relay_state){ref, 20000};
    CHECK_RC(actor_spawn(sys, &relay_type, &rs, NULL, &relay), 0);
    CHECK_INT(ref_call(c, relay, (actor_method_ref){&relay_type, 0}, 1, 2, 20000, &r, &st),
              ACTOR_STATUS_UNREACHABLE);
    atomic_store(&relay_tell_failed, 0);
    CHECK_RC(actor_cast(c, relay, (actor_method_ref){&relay_type, 1}, "\x80", 1, NULL), 0);
    CHECK_INT(letters_wait(&dead, 1) + atomic_load(&relay_tell_failed), 1);
    if (dead.count == 1) {
        CHECK_STR(dead.endpoint, gone[2].endpoint);
        CHECK_STR(dead.target, "calc");
        CHECK_STR(dead.method, "note");
        CHECK(strstr(dead.reason, gone[2].why) != NULL);
    }
    actor_gateway_stats_get(sys, &gs);
    CHECK_UINT(gs.unreachable, 3 * 4 + 2);
    CHECK_UINT(gs.dead_letters, (uint64_t)dead.count);
    actor_terminate(sys, relay, true);
    actor_client_destroy(&c);
    t0 = actor_now_ns();
    actor_system_destroy(&sys);
    /* not a speed check: a destroy that waits out the 2 s linger of messages
     * queued for nobody takes 2000 ms; this one has nothing to wait for */
    CHECK((actor_now_ns() - t0) / 1000000 < 1000);
}

/* A cast this system receives but cannot deliver (no such name, no such
 * method) is counted and given to its dead-letter handler. */
TEST(received_casts_not_delivered_are_dead_letters)
{
    static letters dead = {PTHREAD_MUTEX_INITIALIZER, 0, "", "", "", ""};
    actor_system *s2 = NULL;
    actor_client *c = NULL;
    actor_gateway_stats gs;
    actor_ref calc, nobody, local;
    char bound[64];

    CHECK_RC(actor_system_new(NULL, &s2), 0);
    actor_on_dead_letter(s2, on_dead_letter, &dead);
    CHECK_RC(actor_spawn(s2, &calc_type, NULL, NULL, &local), 0);
    CHECK_RC(actor_register_name(s2, local, "calc"), 0);
    CHECK_RC(actor_system_bind(s2, "tcp://127.0.0.1:*", NULL, bound, sizeof bound), 0);
    CHECK_RC(actor_client_new(csys, &c), 0);
    CHECK_RC(actor_connect(csys, bound, "nobody", NULL, &nobody), 0);
    CHECK_RC(actor_connect(csys, bound, "calc", NULL, &calc), 0);
    CHECK_RC(actor_cast(c, nobody, m_note, "\x80", 1, NULL), 0);
    CHECK_INT(letters_wait(&dead, 1), 1);
    CHECK_STR(dead.endpoint, "(in)");
    CHECK_STR(dead.target, "nobody");
    CHECK_STR(dead.method, "note");
    CHECK(strstr(dead.reason, "nobody") != NULL);
    CHECK_RC(actor_cast(c, calc, (actor_method_ref){&relay_type, 1}, "\x80", 1, NULL), 0);
    CHECK_INT(letters_wait(&dead, 2), 2);
    CHECK_STR(dead.method, "tell");
    actor_gateway_stats_get(s2, &gs);
    CHECK_UINT(gs.dead_letters, 2);
    actor_client_destroy(&c);
    actor_system_destroy(&s2);
}

/* A server that stops (SIGSTOP: its sockets stay open, nothing answers,
 * not even heartbeats) is found by the heartbeats within the peer timeout:
 * the calls waiting on it, blocking and asynchronous, end UNREACHABLE, not
 * at their 20 s deadline. When it runs again the next call reconnects. One
 * killed during a call ends that call UNREACHABLE at once. */
TEST(silent_or_dead_peer_ends_waiting_calls)
{
    actor_system_opts so = {0};
    actor_system *sys = NULL;
    actor_client *c = NULL;
    actor_call_opts o = ACTOR_CALL_OPTS_DEFAULT;
    async_result a = {PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER, 0, {0, 0, ""}, 0};
    msgpack_sbuffer body;
    server s2 = {0};
    actor_ref calc;
    int64_t r = 0;
    actor_status st;

    CHECK_RC(server_start(&s2, "/proc/self/exe"), 0);
    so.peer_timeout_ms = 300;
    CHECK_RC(actor_system_new(&so, &sys), 0);
    CHECK_RC(actor_client_new(sys, &c), 0);
    CHECK_RC(actor_connect(sys, s2.tcp, "calc", NULL, &calc), 0);
    o.timeout_ms = 20000;
    msgpack_sbuffer_init(&body);
    write_pair(&body, 5, 6);
    CHECK_INT(ref_call(c, calc, m_add, 1, 2, 20000, &r, &st), ACTOR_STATUS_OK);
    CHECK_RC(actor_call_async(c, calc, m_add, body.data, body.size, &o, on_reply, &a, NULL), 0);
    async_wait(&a, 1);
    CHECK_INT(a.st.category, ACTOR_STATUS_OK);
    kill(s2.pid, SIGSTOP);
    CHECK_RC(actor_call_async(c, calc, m_add, body.data, body.size, &o, on_reply, &a, NULL), 0);
    CHECK_INT(ref_call(c, calc, m_add, 1, 2, 20000, &r, &st), ACTOR_STATUS_UNREACHABLE);
    CHECK(strstr(st.message, "connection lost") != NULL);
    CHECK_INT(st.code, ACTOR_UNREACHABLE_MAY_HAVE_RUN);
    printf("  %s\n", st.message);
    async_wait(&a, 2);
    CHECK_INT(a.st.category, ACTOR_STATUS_UNREACHABLE);
    CHECK_INT(a.st.code, ACTOR_UNREACHABLE_MAY_HAVE_RUN);
    kill(s2.pid, SIGCONT);
    CHECK_INT(ref_call(c, calc, m_add, 1, 2, 20000, &r, &st), ACTOR_STATUS_OK);
    CHECK_INT(r, 3);
    CHECK_RC(actor_call_async(c, calc, m_slow, body.data, body.size, &o, on_reply, &a, NULL), 0);
    usleep(100000); /* both calls are in the server: the slow one sleeps 5 ms, then... */
    kill(s2.pid, SIGKILL);
    CHECK_INT(ref_call(c, calc, m_slow, 10000, 2, 20000, &r, &st), ACTOR_STATUS_UNREACHABLE);
    async_wait(&a, 3);
    CHECK(a.st.category == ACTOR_STATUS_OK || a.st.category == ACTOR_STATUS_UNREACHABLE);
    fclose(s2.to);
    waitpid(s2.pid, NULL, 0);
    unlink(s2.ipc + strlen("ipc://"));
    msgpack_sbuffer_destroy(&body);
    actor_client_destroy(&c);
    actor_system_destroy(&sys);
}

/* A failed bind says why, with the endpoint; an ipc path that a live
 * server is bound on is refused, and that server goes on serving. */
TEST(bind_errors_say_why)
{
    actor_system *s2 = NULL;
    actor_client *c = NULL;
    actor_ref calc;
    char why[512];
    int64_t r = 0;
    actor_status st;

    CHECK_RC(actor_system_new(NULL, &s2), 0);
    CHECK_RC(actor_system_bind(s2, srv.tcp, NULL, why, sizeof why), ACTOR_ESYSTEM);
    CHECK(strstr(why, srv.tcp) == why && strstr(why, "Address already in use") != NULL);
    CHECK_RC(actor_system_bind(s2, "tcp://no-port-here", NULL, why, sizeof why), ACTOR_EINVAL);
    CHECK(strcmp(why, "tcp://no-port-here: not a valid endpoint") == 0);
    CHECK_RC(actor_system_bind(s2, "smtp://127.0.0.1:25", NULL, why, sizeof why), ACTOR_EINVAL);
    CHECK(strstr(why, "unknown transport") != NULL);
    CHECK_RC(actor_system_bind(s2, "ipc:///nonexistent-actorc-dir/x", NULL, why, sizeof why),
             ACTOR_ESYSTEM);
    CHECK(strcmp(why, "ipc:///nonexistent-actorc-dir/x: No such file or directory") == 0);
    CHECK_RC(actor_system_bind(s2, srv.ipc, NULL, why, sizeof why), ACTOR_ESYSTEM);
    CHECK(strstr(why, srv.ipc) == why && strstr(why, "a running server") != NULL);
    actor_system_destroy(&s2);
    /* the server still holds its ipc endpoint */
    CHECK_RC(actor_client_new(csys, &c), 0);
    CHECK_RC(actor_connect(csys, srv.ipc, "calc", NULL, &calc), 0);
    CHECK_INT(ref_call(c, calc, m_add, 20, 22, 10000, &r, &st), ACTOR_STATUS_OK);
    CHECK_INT(r, 42);
    actor_client_destroy(&c);
}

/* A handler calling a remote actor (actor_ctx_request through worker 0),
 * and asynchronous client calls. */
TEST(remote_from_handler_and_async)
{
    actor_client *c = NULL;
    actor_ref calc, relay;
    static relay_state rs;
    async_result a = {PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER, 0, {0, 0, ""}, 0};
    msgpack_sbuffer body;
    int64_t r = 0;
    actor_status st;

    CHECK_RC(actor_client_new(csys, &c), 0);
    CHECK_RC(actor_connect(csys, srv.tcp, "calc", NULL, &calc), 0);
    rs = (relay_state){calc, 10000};
    CHECK_RC(actor_spawn(csys, &relay_type, &rs, NULL, &relay), 0);
    for (int i = 0; i < 50; i++) {
        CHECK_INT(ref_call(c, relay, (actor_method_ref){&relay_type, 0}, i, 100, 10000, &r, &st),
                  ACTOR_STATUS_OK);
        CHECK_INT(r, i + 100);
    }
    CHECK_INT(ref_call(c, relay, (actor_method_ref){&relay_type, 0}, -1, 1, 10000, &r, &st),
              ACTOR_STATUS_ERROR);
    CHECK_INT(st.code, CALC_ERR_NEGATIVE);
    msgpack_sbuffer_init(&body);
    write_pair(&body, 7, 8);
    CHECK_RC(actor_call_async(c, calc, m_add, body.data, body.size, NULL, on_reply, &a, NULL), 0);
    msgpack_sbuffer_destroy(&body);
    async_wait(&a, 1);
    CHECK_INT(a.st.category, ACTOR_STATUS_OK);
    CHECK_INT(a.result, 15);
    actor_terminate(csys, relay, true);
    actor_client_destroy(&c);
}

/* Two systems of one process over inproc: they share the context that
 * main() lends both (each system has its own otherwise). */
TEST(remote_inproc_between_systems)
{
    actor_system_opts so = {0};
    actor_system *s2 = NULL;
    actor_client *c = NULL;
    actor_ref local_calc, calc;
    char bound[64];
    int64_t r = 0;
    actor_status st;

    so.zmq_context = zctx;
    CHECK_RC(actor_system_new(&so, &s2), 0);
    CHECK_RC(actor_spawn(s2, &calc_type, NULL, NULL, &local_calc), 0);
    CHECK_RC(actor_register_name(s2, local_calc, "calc"), 0);
    CHECK_RC(actor_register_name(s2, local_calc, "calc"), 0);
    CHECK_RC(actor_system_bind(s2, "inproc://gateway-test", NULL, bound, sizeof bound), 0);
    CHECK(strcmp(bound, "inproc://gateway-test") == 0);
    CHECK_RC(actor_client_new(csys, &c), 0);
    CHECK_RC(actor_connect(csys, "inproc://gateway-test", "calc", NULL, &calc), 0);
    CHECK_INT(ref_call(c, calc, m_add, 3, 4, 10000, &r, &st), ACTOR_STATUS_OK);
    CHECK_INT(r, 7);
    actor_client_destroy(&c);
    actor_system_destroy(&s2);
}

/* ================================================================= CURVE */

TEST(curve_live_endpoint)
{
    actor_system *s2 = NULL;
    actor_client *c = NULL;
    actor_curve_keypair server_keys, listed, unlisted;
    const char *allowed[1];
    actor_bind_opts bo = {NULL, allowed, 1};
    actor_connect_opts good = {NULL, &listed}, bad = {NULL, &unlisted};
    actor_ref calc_local, calc_good, calc_bad, calc_plain;
    char bound[64];
    int64_t r = 0;
    actor_status st;

    CHECK_RC(actor_curve_keypair_new(&server_keys), 0);
    CHECK_RC(actor_curve_keypair_new(&listed), 0);
    CHECK_RC(actor_curve_keypair_new(&unlisted), 0);
    allowed[0] = listed.public_key;
    bo.curve_secret_key = server_keys.secret_key;
    good.curve_server_key = bad.curve_server_key = server_keys.public_key;
    CHECK_RC(actor_system_new(NULL, &s2), 0);
    CHECK_RC(actor_spawn(s2, &calc_type, NULL, NULL, &calc_local), 0);
    CHECK_RC(actor_register_name(s2, calc_local, "calc"), 0);
    CHECK_RC(actor_system_bind(s2, "tcp://127.0.0.1:*", &bo, bound, sizeof bound), 0);
    CHECK_RC(actor_client_new(csys, &c), 0);
    CHECK_RC(actor_connect(csys, bound, "calc", &good, &calc_good), 0);
    CHECK_RC(actor_connect(csys, bound, "calc", &bad, &calc_bad), 0);
    CHECK_RC(actor_connect(csys, bound, "calc", NULL, &calc_plain), 0);
    CHECK_INT(ref_call(c, calc_good, m_add, 1, 2, 10000, &r, &st), ACTOR_STATUS_OK);
    CHECK_INT(r, 3);
    /* refused in the handshake: at once, not at the deadline, with why */
    CHECK_INT(ref_call(c, calc_bad, m_add, 1, 2, 20000, &r, &st), ACTOR_STATUS_UNREACHABLE);
    CHECK(strstr(st.message, "refused this client's CURVE keys") != NULL);
    CHECK_INT(ref_call(c, calc_plain, m_add, 1, 2, 20000, &r, &st), ACTOR_STATUS_UNREACHABLE);
    printf("  plain client at a CURVE endpoint: %s\n", st.message);
    CHECK_INT(ref_call(c, calc_good, m_add, 2, 2, 10000, &r, &st), ACTOR_STATUS_OK);
    CHECK_INT(r, 4);
    actor_client_destroy(&c);
    actor_system_destroy(&s2);
}

/* Two systems sharing one context, each with a CURVE endpoint: they share
 * one ZAP handler (libzmq allows one per context); each endpoint admits
 * its own list only, and a destroyed system's domains are forgotten. */
TEST(curve_shared_context_and_security)
{
    void *ctx = zmq_ctx_new();
    actor_security *sec = NULL;
    actor_system_opts so = {0};
    actor_system *s2 = NULL, *s3 = NULL;
    actor_client *c = NULL;
    actor_curve_keypair k2, k3, client2, client3;
    const char *allow2[1] = {client2.public_key}, *allow3[1] = {client3.public_key};
    actor_bind_opts b2 = {k2.secret_key, allow2, 1}, b3 = {k3.secret_key, allow3, 1};
    actor_connect_opts to2 = {k2.public_key, &client2}, to3_wrong = {k3.public_key, &client2};
    actor_ref local, r2, r3;
    char bound2[64], bound3[64];
    int64_t r = 0;
    actor_status st;

    CHECK_RC(actor_curve_keypair_new(&k2), 0);
    CHECK_RC(actor_curve_keypair_new(&k3), 0);
    CHECK_RC(actor_curve_keypair_new(&client2), 0);
    CHECK_RC(actor_curve_keypair_new(&client3), 0);
    CHECK_RC(actor_security_new(ctx, &sec), 0);
    so.zmq_context = ctx;
    so.security = sec;
    CHECK_RC(actor_system_new(&so, &s2), 0);
    CHECK_RC(actor_system_new(&so, &s3), 0);
    CHECK_RC(actor_spawn(s2, &calc_type, NULL, NULL, &local), 0);
    CHECK_RC(actor_register_name(s2, local, "calc"), 0);
    CHECK_RC(actor_spawn(s3, &calc_type, NULL, NULL, &local), 0);
    CHECK_RC(actor_register_name(s3, local, "calc"), 0);
    CHECK_RC(actor_system_bind(s2, "tcp://127.0.0.1:*", &b2, bound2, sizeof bound2), 0);
    CHECK_RC(actor_system_bind(s3, "tcp://127.0.0.1:*", &b3, bound3, sizeof bound3), 0);
    CHECK_RC(actor_client_new(csys, &c), 0);
    CHECK_RC(actor_connect(csys, bound2, "calc", &to2, &r2), 0);
    CHECK_RC(actor_connect(csys, bound3, "calc", &to3_wrong, &r3), 0);
    CHECK_INT(ref_call(c, r2, m_add, 1, 2, 10000, &r, &st), ACTOR_STATUS_OK);
    CHECK_INT(r, 3);
    CHECK_INT(ref_call(c, r3, m_add, 1, 2, 20000, &r, &st), ACTOR_STATUS_UNREACHABLE);
    CHECK(strstr(st.message, "CURVE") != NULL);
    actor_client_destroy(&c);
    actor_system_destroy(&s2);
    actor_system_destroy(&s3);
    actor_security_destroy(&sec);
    zmq_ctx_term(ctx);
}

/* ====================================================== fair shares */

/* A client that keeps `window` requests of 1 ms of work in flight at
 * `target` until told to stop, counting how each ended. */
typedef struct flood {
    const char *endpoint, *target;
    int window;
    atomic_bool stop;
    long sent, ok, other, lost;
    atomic_long rejected;
} flood;

static void *flood_run(void *arg)
{
    flood *f = arg;
    void *s = dealer(f->endpoint);
    long in_flight = 0;

    while (!atomic_load(&f->stop) || in_flight > 0) {
        uint64_t id = 0;
        int64_t result = 0;
        actor_status st;
        zmq_pollitem_t item = {s, 0, ZMQ_POLLIN, 0};
        while (!atomic_load(&f->stop) && in_flight < f->window) {
            send_call(s, (uint64_t)++f->sent, f->target, "work", 1000, 0);
            in_flight++;
        }
        if (zmq_poll(&item, 1, 10000) <= 0) { /* the hang guard: nothing for 10 s */
            f->lost += in_flight;
            break;
        }
        if (recv_response(s, &id, &st, &result) != 0) {
            f->other++;
        } else if (st.category == ACTOR_STATUS_OK) {
            f->ok++;
        } else if (st.category == ACTOR_STATUS_REJECTED) {
            atomic_fetch_add(&f->rejected, 1);
        } else {
            f->other++;
        }
        in_flight--;
    }
    zmq_close(s);
    return NULL;
}

/* A client flooding an actor across processes (300 requests in flight at
 * a mailbox of 32) does not crowd out a polite one: each of the polite
 * client's calls (one at a time, within its share) is served, never
 * REJECTED, under both the default overflow (block) and reject; the flood
 * gets statuses (REJECTED for its requests over its share), every one of
 * its requests is answered, and the mailbox never holds more than its
 * bound. */
TEST(a_flooding_client_does_not_crowd_out_others)
{
    static const char *const targets[] = {"small", "small-reject"};
    actor_client *c = NULL;

    CHECK_RC(actor_client_new(csys, &c), 0);
    for (size_t t = 0; t < sizeof targets / sizeof targets[0]; t++) {
        flood f = {srv.ipc, targets[t], 300, false, 0, 0, 0, 0, 0};
        long full = 0;
        pthread_t th;
        actor_ref small;
        int64_t r = 0;
        int polite_ok = 0, polite_rejected = 0;
        actor_status st;
        CHECK_RC(actor_connect(csys, srv.ipc, targets[t], NULL, &small), 0);
        CHECK_INT(pthread_create(&th, NULL, flood_run, &f), 0);
        for (int i = 0; i < 20; i++) {
            int cat, waited = 0;
            /* call when the mailbox was just found full (the flood was refused) */
            while (atomic_load(&f.rejected) == full && waited++ < 5000)
                usleep(1000);
            CHECK(atomic_load(&f.rejected) > full);
            full = atomic_load(&f.rejected);
            cat = ref_call(c, small, m_add, i, 1, 20000, &r, &st);
            polite_ok += cat == ACTOR_STATUS_OK && r == i + 1;
            polite_rejected += cat == ACTOR_STATUS_REJECTED;
        }
        atomic_store(&f.stop, true);
        pthread_join(th, NULL);
        printf("  %s: polite %d OK, %d REJECTED; flood sent %ld: %ld OK, %ld REJECTED, %ld "
               "other, %ld unanswered\n",
               targets[t], polite_ok, polite_rejected, f.sent, f.ok, atomic_load(&f.rejected),
               f.other, f.lost);
        CHECK_INT(polite_ok, 20);
        CHECK_INT(polite_rejected, 0);
        CHECK_INT(f.ok + atomic_load(&f.rejected), f.sent);
        CHECK_INT(f.lost, 0);
    }
    actor_client_destroy(&c);
}

/* ========================================== a client that does not read */

/* Client A sends many requests over ipc and never reads (a small receive
 * queue); client B's calls and pings are still answered (before the
 * dealer's hang guard), and the server's memory stays bounded: A's
 * requests beyond the bound are refused or dropped, counted. */
TEST(slow_client_does_not_stall_others)
{
    enum { FLOOD = 50000, FROM_B = 19 };
    actor_system *s2 = NULL;
    actor_ref local;
    actor_gateway_stats gs;
    char bound[64];
    void *a, *b;
    const int small = 8, rcvbuf = 4096, send_guard = 10000;
    int64_t r = 0;
    actor_status st;
    int sent = 0;

    CHECK_RC(actor_system_new(NULL, &s2), 0);
    CHECK_RC(actor_spawn(s2, &calc_type, NULL, NULL, &local), 0);
    CHECK_RC(actor_register_name(s2, local, "calc"), 0);
    /* ipc: a unix socket buffers far less than a loopback tcp one */
    snprintf(bound, sizeof bound, "ipc:///tmp/actorc-gateway-slow-%d", (int)getpid());
    CHECK_RC(actor_system_bind(s2, bound, NULL, NULL, 0), 0);
    a = zmq_socket(zctx, ZMQ_DEALER);
    zmq_setsockopt(a, ZMQ_RCVHWM, &small, sizeof small);
    zmq_setsockopt(a, ZMQ_RCVBUF, &rcvbuf, sizeof rcvbuf);
    zmq_setsockopt(a, ZMQ_SNDTIMEO, &send_guard, sizeof send_guard);
    zmq_connect(a, bound);
    for (int i = 1; i <= FLOOD; i++) {
        msgpack_sbuffer env;
        actor__wire_header h = actor__wire_header_make(actor_wire_Kind_REQUEST, (uint64_t)i);
        h.target = "calc";
        h.method = "add";
        msgpack_sbuffer_init(&env);
        actor__wire_encode(&env, &h);
        if (zmq_send(a, env.data, env.size, ZMQ_SNDMORE) >= 0 &&
            zmq_send(a, "\x82\x01\x01\x02\x02", 5, 0) >= 0)
            sent++;
        msgpack_sbuffer_destroy(&env);
    }
    CHECK_INT(sent, FLOOD);
    b = dealer(bound);
    CHECK_INT(call(b, 1, "calc", "add", 2, 3, &r, &st), ACTOR_STATUS_OK);
    CHECK_INT(r, 5);
    for (uint64_t i = 2; i <= FROM_B; i++) {
        actor__wire_header h = actor__wire_header_make(actor_wire_Kind_CONTROL, i);
        uint64_t id = 0;
        h.method = "ping";
        send_env(b, &h, "", 0);
        CHECK_INT(recv_response(b, &id, &st, &r), 0);
        CHECK_UINT(id, i);
        CHECK_INT(st.category, ACTOR_STATUS_OK);
    }
    /* every request of A's was read by now or is read soon; what the
     * server keeps for A stays under the hard bound */
    for (int tries = 0; tries < 1000; tries++) {
        actor_gateway_stats_get(s2, &gs);
        if (gs.received >= FLOOD + FROM_B)
            break;
        zmq_poll(NULL, 0, 10);
    }
    printf("  slow client: received %llu, replies %llu, waiting %llu (%llu bytes), "
           "rejected %llu, dropped %llu, replies dropped %llu\n",
           (unsigned long long)gs.received, (unsigned long long)gs.replies,
           (unsigned long long)gs.waiting_replies, (unsigned long long)gs.waiting_bytes,
           (unsigned long long)gs.slow_rejected, (unsigned long long)gs.slow_dropped,
           (unsigned long long)gs.slow_replies_dropped);
    CHECK_UINT(gs.received, FLOOD + FROM_B);
    CHECK(gs.slow_rejected + gs.slow_dropped > 0);
    CHECK(gs.waiting_replies <= ACTOR__WAITING_HARD_COUNT);
    CHECK(gs.waiting_bytes <= ACTOR__WAITING_HARD_BYTES);
    CHECK(gs.replies + gs.waiting_replies + gs.slow_dropped + gs.slow_replies_dropped >= FLOOD);
    zmq_close(a);
    zmq_close(b);
    actor_system_destroy(&s2);
    unlink(bound + strlen("ipc://"));
}

/* ================================================== many clients, requests */

enum { CLIENTS = 6, REQUESTS = 1500, WINDOW = 100 };

typedef struct client_run {
    const char *endpoint;
    int index;
    bool async;
    int ok, bad;
    pthread_mutex_t lock;
    pthread_cond_t cond;
    int done;
    unsigned char seen[REQUESTS];
} client_run;

/* Each request i carries {1: index * 1000000 + i, 2: 0}: the reply says
 * which request it answers. */
static void on_many(void *user, uint64_t call_id, const actor_status *st, const char *body,
                    size_t len)
{
    client_run *run = user;
    int64_t r = -1, unused;

    (void)call_id;
    if (st->category == ACTOR_STATUS_OK)
        read_pair(body, len, &r, &unused);
    pthread_mutex_lock(&run->lock);
    r -= (int64_t)run->index * 1000000;
    if (r >= 0 && r < REQUESTS && !run->seen[r]) {
        run->seen[r] = 1;
        run->ok++;
    } else {
        run->bad++;
    }
    run->done++;
    pthread_cond_signal(&run->cond);
    pthread_mutex_unlock(&run->lock);
}

static void run_async(client_run *run, actor_client *c, actor_ref calc)
{
    msgpack_sbuffer body;

    msgpack_sbuffer_init(&body);
    for (int i = 0; i < REQUESTS; i++) {
        pthread_mutex_lock(&run->lock);
        while (i - run->done >= WINDOW)
            pthread_cond_wait(&run->cond, &run->lock);
        pthread_mutex_unlock(&run->lock);
        body.size = 0;
        write_pair(&body, (int64_t)run->index * 1000000 + i, 0);
        if (actor_call_async(c, calc, m_add, body.data, body.size, NULL, on_many, run, NULL) != 0)
            on_many(run, 0, &(actor_status){ACTOR_STATUS_INTERNAL, 0, ""}, NULL, 0);
    }
    pthread_mutex_lock(&run->lock);
    while (run->done < REQUESTS)
        pthread_cond_wait(&run->cond, &run->lock);
    pthread_mutex_unlock(&run->lock);
    msgpack_sbuffer_destroy(&body);
}

static void *client_thread(void *arg)
{
    client_run *run = arg;
    actor_client *c = NULL;
    actor_ref calc;
    actor_status st;
    int64_t r;

    if (actor_client_new(csys, &c) != 0 ||
        actor_connect(csys, run->endpoint, "calc", NULL, &calc) != 0) {
        run->bad = REQUESTS;
        return NULL;
    }
    if (run->async) {
        run_async(run, c, calc);
    } else {
        for (int i = 0; i < REQUESTS; i++) {
            int64_t want = (int64_t)run->index * 1000000 + i;
            if (ref_call(c, calc, m_add, want, 0, 10000, &r, &st) == ACTOR_STATUS_OK && r == want)
                run->ok++;
            else
                run->bad++;
        }
    }
    actor_client_destroy(&c);
    return NULL;
}

TEST(many_clients_many_requests_across_processes)
{
    pthread_t threads[CLIENTS];
    static client_run runs[CLIENTS];
    int ok = 0, bad = 0;
    actor_gateway_stats before, after;

    actor_gateway_stats_get(csys, &before);

    for (int i = 0; i < CLIENTS; i++) {
        memset(&runs[i], 0, sizeof runs[i]);
        runs[i].endpoint = i % 2 ? srv.tcp : srv.ipc;
        runs[i].index = i;
        runs[i].async = i >= CLIENTS / 2;
        pthread_mutex_init(&runs[i].lock, NULL);
        pthread_cond_init(&runs[i].cond, NULL);
        pthread_create(&threads[i], NULL, client_thread, &runs[i]);
    }
    for (int i = 0; i < CLIENTS; i++) {
        pthread_join(threads[i], NULL);
        ok += runs[i].ok;
        bad += runs[i].bad;
        pthread_mutex_destroy(&runs[i].lock);
        pthread_cond_destroy(&runs[i].cond);
    }
    CHECK_INT(bad, 0);
    CHECK_INT(ok, CLIENTS * REQUESTS);
    /* the async clients' pipelined calls went out packed (worker 0's
     * DEALERs), and the server answered them packed */
    actor_gateway_stats_get(csys, &after);
    CHECK(after.batches_sent > before.batches_sent);
    CHECK(after.batches_received > before.batches_received);
}

/* An actor that keeps itself ready: each "spin" casts the next until
 * `stop`, so the worker running it always has an actor ready. */
static struct {
    atomic_bool stop;
    atomic_long spins;
} spin;

static int spinner_spin(void *state, actor_ctx *ctx, const char *body, size_t len,
                        msgpack_sbuffer *reply);
static const actor_method spinner_methods[] = {
    {"spin", ACTOR_METHOD_CAST, 128, 0, 0, false, NULL, 0, spinner_spin, 0, false},
};
static const actor_type spinner_type = {
    .name = "test.Spinner",
    .methods = spinner_methods,
    .n_methods = 1,
};

static int spinner_spin(void *state, actor_ctx *ctx, const char *body, size_t len,
                        msgpack_sbuffer *reply)
{
    (void)state, (void)body, (void)len, (void)reply;
    atomic_fetch_add(&spin.spins, 1);
    if (!atomic_load(&spin.stop))
        actor_ctx_cast(ctx, actor_ctx_self(ctx), (actor_method_ref){&spinner_type, 0}, "\x80", 1,
                       NULL);
    return 0;
}

/* A packed call leaves within a few turns even while worker 0 always has
 * another actor ready (pack.h, ACTOR__PACK_MAX_PUMPS): one worker, a
 * spinner that never lets it idle, and a relay's remote call that must
 * still be answered. */
TEST(packed_call_leaves_while_worker_stays_busy)
{
    actor_system_opts so = {0};
    actor_system *s4 = NULL;
    actor_client *c = NULL;
    actor_ref calc, relay, spinner;
    static relay_state rs;
    int64_t r = 0;
    actor_status st;

    so.workers = 1;
    CHECK_RC(actor_system_new(&so, &s4), 0);
    CHECK_RC(actor_client_new(s4, &c), 0);
    CHECK_RC(actor_connect(s4, srv.tcp, "calc", NULL, &calc), 0);
    atomic_init(&spin.stop, false);
    atomic_init(&spin.spins, 0);
    CHECK_RC(actor_spawn(s4, &spinner_type, NULL, NULL, &spinner), 0);
    rs = (relay_state){calc, 5000};
    CHECK_RC(actor_spawn(s4, &relay_type, &rs, NULL, &relay), 0);
    CHECK_RC(actor_cast(c, spinner, (actor_method_ref){&spinner_type, 0}, "\x80", 1, NULL), 0);
    for (int i = 0; i < 5; i++) {
        CHECK_INT(ref_call(c, relay, (actor_method_ref){&relay_type, 0}, i, 1, 10000, &r, &st),
                  ACTOR_STATUS_OK);
        CHECK_INT(r, i + 1);
    }
    CHECK(atomic_load(&spin.spins) > 0);
    atomic_store(&spin.stop, true);
    actor_client_destroy(&c);
    actor_system_destroy(&s4);
}

/* The order test's actor: its "go" casts `seq` 0..9 to a remote calc, the
 * first while the test thread holds the gateway's `hold` (so that one is
 * handed over to the holder's queue), the rest after it let go (so the
 * holder, this very worker, could send them at once). */
#define ORDER_CASTS 10

static struct {
    actor_ref calc;
    sem_t ready, locked, sent_first, unlocked;
} order;

static void order_cast(actor_ctx *ctx, int64_t n)
{
    msgpack_sbuffer body;

    msgpack_sbuffer_init(&body);
    write_pair(&body, n, 0);
    actor_ctx_cast(ctx, order.calc, (actor_method_ref){&calc_type, CALC_SEQ}, body.data, body.size,
                   NULL);
    msgpack_sbuffer_destroy(&body);
}

static int orderer_go(void *state, actor_ctx *ctx, const char *body, size_t len,
                      msgpack_sbuffer *reply)
{
    (void)state, (void)body, (void)len, (void)reply;
    sem_post(&order.ready);
    sem_wait(&order.locked);
    order_cast(ctx, 0);
    sem_post(&order.sent_first);
    sem_wait(&order.unlocked);
    for (int64_t n = 1; n < ORDER_CASTS; n++)
        order_cast(ctx, n);
    return 0;
}

static const actor_method orderer_methods[] = {
    {"go", ACTOR_METHOD_CAST, 128, 0, 0, false, NULL, 0, orderer_go, 0, false},
};
static const actor_type orderer_type = {
    .name = "test.Orderer",
    .methods = orderer_methods,
    .n_methods = 1,
};

/* The calc's {seq_next, seq_bad}. */
static void seq_state(actor_client *c, actor_ref calc, int64_t *next, int64_t *bad)
{
    msgpack_sbuffer body, reply;
    actor_status st;

    msgpack_sbuffer_init(&body);
    msgpack_sbuffer_init(&reply);
    write_pair(&body, 0, 0);
    *next = *bad = -1;
    if (actor_call(c, calc, (actor_method_ref){&calc_type, CALC_SEQ_STATE}, body.data, body.size,
                   NULL, &st, &reply) == 0 &&
        st.category == ACTOR_STATUS_OK)
        read_pair(reply.data, reply.size, next, bad);
    msgpack_sbuffer_destroy(&body);
    msgpack_sbuffer_destroy(&reply);
}

/* One actor's casts to a remote actor arrive in the order sent, even when
 * the first was handed over to the holder's queue and the later ones were
 * made on the holder itself (they queue behind it instead of leaving
 * first; runtime/transport/remote.c, actor__remote_submit). */
TEST(casts_keep_their_order_across_the_hand_over_queue)
{
    actor_system_opts so = {0};
    actor_system *s5 = NULL;
    actor_client *c = NULL;
    actor_ref orderer;
    int64_t next = 0, bad = 0;

    so.workers = 1; /* the orderer runs on the holder */
    CHECK_RC(actor_system_new(&so, &s5), 0);
    CHECK_RC(actor_client_new(s5, &c), 0);
    CHECK_RC(actor_connect(s5, srv.ipc, "calc", NULL, &order.calc), 0);
    sem_init(&order.ready, 0, 0);
    sem_init(&order.locked, 0, 0);
    sem_init(&order.sent_first, 0, 0);
    sem_init(&order.unlocked, 0, 0);
    CHECK_RC(actor_spawn(s5, &orderer_type, NULL, NULL, &orderer), 0);
    CHECK_RC(actor_cast(c, orderer, (actor_method_ref){&orderer_type, 0}, "\x80", 1, NULL), 0);
    sem_wait(&order.ready);
    pthread_mutex_lock(&actor__gateway_of(s5)->hold);
    sem_post(&order.locked);
    sem_wait(&order.sent_first);
    pthread_mutex_unlock(&actor__gateway_of(s5)->hold);
    sem_post(&order.unlocked);
    for (int i = 0; i < 500 && next != ORDER_CASTS; i++) {
        seq_state(c, order.calc, &next, &bad);
        if (next != ORDER_CASTS)
            usleep(10000);
    }
    CHECK_INT(next, ORDER_CASTS);
    CHECK_INT(bad, 0);
    actor_client_destroy(&c);
    actor_system_destroy(&s5);
    sem_destroy(&order.ready);
    sem_destroy(&order.locked);
    sem_destroy(&order.sent_first);
    sem_destroy(&order.unlocked);
}

/* actor_system_opts.wire_batch 1: a client system that never packs its
 * calls gets every answer, and unpacked ones (the server packs only for
 * clients that pack). */
TEST(packing_off_pipelines_unpacked)
{
    actor_system_opts so = {0};
    actor_system *s3 = NULL;
    actor_client *c = NULL;
    actor_ref calc;
    static client_run run;
    actor_gateway_stats st;

    so.wire_batch = 1;
    CHECK_RC(actor_system_new(&so, &s3), 0);
    memset(&run, 0, sizeof run);
    run.index = 7;
    pthread_mutex_init(&run.lock, NULL);
    pthread_cond_init(&run.cond, NULL);
    CHECK_RC(actor_client_new(s3, &c), 0);
    CHECK_RC(actor_connect(s3, srv.tcp, "calc", NULL, &calc), 0);
    run_async(&run, c, calc);
    CHECK_INT(run.bad, 0);
    CHECK_INT(run.ok, REQUESTS);
    actor_gateway_stats_get(s3, &st);
    CHECK_UINT(st.calls_sent, REQUESTS);
    CHECK_UINT(st.batches_sent, 0);
    CHECK_UINT(st.batches_received, 0);
    actor_client_destroy(&c);
    actor_system_destroy(&s3);
    pthread_mutex_destroy(&run.lock);
    pthread_cond_destroy(&run.cond);
}

/* ========================================================= the hand-off */

/* Sends a control ping with message id `id`. */
static void send_ping(void *s, uint64_t id)
{
    actor__wire_header h = actor__wire_header_make(actor_wire_Kind_CONTROL, id);

    h.method = "ping";
    send_env(s, &h, "", 0);
}

/* A long handler on the worker that holds the server's gateway does not
 * stop the server from serving other clients (docs/RUNTIME.md, "The
 * gateway's holder"): while calc works for 1.5 s, calls to calc2 and
 * control pings over tcp and ipc are all answered, and the long call's
 * answer comes last (the order of completion is asserted, not times).
 * The server runs two workers. */
TEST(gateway_served_during_a_long_handler)
{
    enum { LONG_ID = 100, SYNC_ID = 101, LONG_US = 1500000, N = 4 };
    void *slow = dealer(srv.tcp), *tcp = dealer(srv.tcp), *ipc = dealer(srv.ipc);
    zmq_pollitem_t items[] = {
        {slow, 0, ZMQ_POLLIN, 0}, {tcp, 0, ZMQ_POLLIN, 0}, {ipc, 0, ZMQ_POLLIN, 0}};
    int answered = 0, long_at = -1, bad = 0;
    uint64_t id = 0;
    int64_t r = 0;
    actor_status st;

    send_call(slow, LONG_ID, "calc", "work", LONG_US, 7);
    send_ping(slow, SYNC_ID);
    /* the ping's answer says the server has read the long call (same
     * socket, in order), so it runs or is about to */
    CHECK_INT(recv_response(slow, &id, &st, &r), 0);
    CHECK_UINT(id, SYNC_ID);
    usleep(50 * 1000); /* pacing only: let the long handler start */
    send_call(tcp, 1, "calc2", "add", 1, 2);
    send_ping(tcp, 2);
    send_call(ipc, 3, "calc2", "add", 3, 4);
    send_ping(ipc, 4);
    while (long_at < 0 && zmq_poll(items, 3, 10000) > 0) {
        for (int i = 0; i < 3; i++) {
            if (!(items[i].revents & ZMQ_POLLIN) ||
                recv_response(items[i].socket, &id, &st, &r) != 0)
                continue;
            if (id == LONG_ID) {
                long_at = answered;
                bad += st.category != ACTOR_STATUS_OK || r != 7;
            } else {
                bad += st.category != ACTOR_STATUS_OK || (id == 1 && r != 3) || (id == 3 && r != 7);
            }
            answered++;
        }
    }
    CHECK_INT(bad, 0);
    CHECK_INT(long_at, N); /* every other answer came before it */
    /* and the gateway still serves afterwards, whoever holds it */
    CHECK_INT(call(slow, 5, "calc", "add", 2, 2, &r, &st), ACTOR_STATUS_OK);
    CHECK_INT(r, 4);
    CHECK_INT(call(tcp, 6, "calc2", "add", 2, 3, &r, &st), ACTOR_STATUS_OK);
    zmq_close(slow);
    zmq_close(tcp);
    zmq_close(ipc);
}

/* ============================================================== shutdown */

/* Thousands of requests queued in the server when it is told to stop:
 * every one is answered (OK, or DIED once the actor is gone), none lost,
 * none twice. The client keeps reading meanwhile, as real clients do. */
TEST(no_reply_lost_at_shutdown)
{
    enum { N = 4000 };
    void *s = dealer(srv.ipc);
    static unsigned char seen[N + 1];
    actor__wire_header h = actor__wire_header_make(actor_wire_Kind_CONTROL, N + 1);
    int ok = 0, died = 0, other = 0, dup = 0, got = 0, exit_code = -1;
    uint64_t id;
    int64_t r;
    actor_status st;

    memset(seen, 0, sizeof seen);
    for (int i = 0; i < N; i++) {
        zmq_pollitem_t item = {s, 0, ZMQ_POLLOUT, 0};
        zmq_poll(&item, 1, 10000);
        send_call(s, (uint64_t)i + 1, "calc", "work", 50, i); /* 50 us each */
    }
    h.method = "ping"; /* answered when read: everything before it was read */
    send_env(s, &h, "", 0);
    while (got < N + 1 && recv_response(s, &id, &st, &r) == 0) {
        got++;
        if (id == N + 1) { /* stop the server now: it drains, then exits */
            if (srv.to != NULL)
                fclose(srv.to);
            srv.to = NULL;
            continue;
        }
        if (id == 0 || id > N || seen[id]) {
            dup++;
            continue;
        }
        seen[id] = 1;
        if (st.category == ACTOR_STATUS_OK)
            ok++;
        else if (st.category == ACTOR_STATUS_DIED)
            died++;
        else
            other++;
    }
    zmq_close(s);
    exit_code = server_stop(&srv);
    printf("  shutdown: %d OK, %d DIED, %d other, %d duplicate, of %d\n", ok, died, other, dup, N);
    fflush(stdout);
    CHECK_INT(dup, 0);
    CHECK_INT(other, 0);
    CHECK_INT(ok + died, N);
    CHECK_INT(exit_code, 0);
}

int main(int argc, char **argv)
{
    actor_system_opts opts = {0};
    int rc;

    setvbuf(stdout, NULL, _IONBF, 0);
    if (argc > 1 && strcmp(argv[1], "serve") == 0)
        return serve();
    signal(SIGPIPE, SIG_IGN);
    /* the server process first, before this one has any thread */
    if (server_start(&srv, "/proc/self/exe") != 0) {
        printf("cannot start the server process\n");
        return 1;
    }
    zctx = zmq_ctx_new();
    opts.zmq_context = zctx; /* shared with remote_inproc_between_systems */
    rc = actor_system_new(&opts, &csys);
    if (rc != 0) {
        printf("cannot start the client system: %s\n", actor_strerror(rc));
        return 1;
    }
    RUN(raw_results_and_statuses);
    RUN(long_utf8_message_cut_on_a_character);
    RUN(raw_decode_deadline_control_target_id);
    RUN(raw_casts_arrive);
    RUN(hostile_bytes_then_legit_call);
    RUN(remote_ref_blocking_calls_and_casts);
    RUN(remote_late_reply_discarded);
    RUN(unreachable_peers_fail_fast_with_the_reason);
    RUN(received_casts_not_delivered_are_dead_letters);
    RUN(a_flooding_client_does_not_crowd_out_others);
    RUN(silent_or_dead_peer_ends_waiting_calls);
    RUN(bind_errors_say_why);
    RUN(remote_from_handler_and_async);
    RUN(remote_inproc_between_systems);
    RUN(curve_live_endpoint);
    RUN(curve_shared_context_and_security);
    RUN(slow_client_does_not_stall_others);
    RUN(many_clients_many_requests_across_processes);
    RUN(packing_off_pipelines_unpacked);
    RUN(casts_keep_their_order_across_the_hand_over_queue);
    RUN(packed_call_leaves_while_worker_stays_busy);
    RUN(gateway_served_during_a_long_handler);
    RUN(no_reply_lost_at_shutdown);
    if (srv.pid > 0 && server_stop(&srv) != 0)
        printf("the server process failed\n");
    actor_system_destroy(&csys);
    if (check_failed_ == 0) /* a failed test may have left a raw socket open */
        zmq_ctx_term(zctx);
    return check_summary();
}
