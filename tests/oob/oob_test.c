/*
 * oob_test.c - large `bytes` values out of band (docs/PROTOCOL.md, "Large
 * payloads"): a client system calls a server system over ipc with
 * oob_threshold 4096. Values below the threshold travel inline, values at
 * or above it as frames of their own, and the handler sees those as views
 * into the received frames (no copy); alone, in lists and nested; in
 * requests, casts and responses; through a pool; kept past the handler.
 * A hand-written method gets them inline. Hostile frames (a count or a
 * size that is not the envelope's, a reference to no frame, frames on a
 * BATCH) are answered DECODE, leak nothing, and the server goes on. The
 * split and join of bodies is also checked on its own.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "actor/remote.h"
#include "actor/stub.h"
#include "actor/testing.h"
#include "base/oob.h"
#include "base/wire.h"
#include "blobs.h"

#define THRESHOLD 4096u

static uint64_t mix(uint64_t sum, const actor_bytes *b)
{
    for (size_t i = 0; i < b->len; i++)
        sum = sum * 31 + b->data[i];
    return sum;
}

static uint32_t is_view(const actor_bytes *b)
{
    return actor_bytes_is_view(b) ? 1u : 0u;
}

static blobs_Seen seen_of(const blobs_Blob *b)
{
    blobs_Seen s = {0};

    s.data_len = b->data.len;
    s.views = is_view(&b->data);
    s.sum = mix(0, &b->data);
    for (size_t i = 0; i < b->n_parts; i++) {
        s.parts_len += b->parts[i].len;
        s.views += is_view(&b->parts[i]);
        s.sum = mix(s.sum, &b->parts[i]);
    }
    if (b->inner != NULL) {
        s.inner_len = b->inner->data.len;
        s.views += is_view(&b->inner->data);
        s.sum = mix(s.sum, &b->inner->data);
    }
    return s;
}

static void fill(uint8_t *p, size_t n, unsigned seed)
{
    for (size_t i = 0; i < n; i++)
        p[i] = (uint8_t)(i * 131u + seed);
}

/* ---------------------------------------------------------------- holder */

typedef struct holder {
    actor_bytes kept;
    blobs_Seen last;
} holder;

static int holder_init(void **state, const void *arg, actor_ctx *ctx)
{
    (void)arg;
    (void)ctx;
    *state = calloc(1, sizeof(holder));
    return *state != NULL ? 0 : ACTOR_ENOMEM;
}

static void holder_cleanup(void *state, actor_ctx *ctx)
{
    holder *h = state;

    (void)ctx;
    actor_bytes_free(&h->kept);
    free(h);
}

static int holder_look(void *state, actor_ctx *ctx, const blobs_Blob *req, blobs_Seen *res)
{
    (void)state;
    (void)ctx;
    *res = seen_of(req);
    return 0;
}

static int holder_make(void *state, actor_ctx *ctx, const blobs_Seen *req, blobs_Blob *res)
{
    (void)state;
    (void)ctx;
    if (req->data_len > 0) {
        res->data.data = malloc(req->data_len);
        if (res->data.data == NULL)
            return ACTOR_ENOMEM;
        fill(res->data.data, req->data_len, 7);
        res->data.len = req->data_len;
    }
    return 0;
}

static int holder_keep(void *state, actor_ctx *ctx, const blobs_Blob *req, blobs_Seen *res)
{
    holder *h = state;
    int rc;

    (void)ctx;
    res->data_len = h->kept.len;
    res->views = is_view(&h->kept);
    res->sum = mix(0, &h->kept);
    actor_bytes_free(&h->kept);
    rc = actor_bytes_keep(&h->kept, &req->data); /* a view: one more reference, no copy */
    return rc;
}

static void holder_drop(void *state, actor_ctx *ctx, const blobs_Blob *msg)
{
    holder *h = state;

    (void)ctx;
    h->last = seen_of(msg);
}

static int holder_last(void *state, actor_ctx *ctx, blobs_Seen *res)
{
    holder *h = state;

    (void)ctx;
    *res = h->last;
    return 0;
}

static const blobs_Holder_handlers holder_handlers = {
    .init = holder_init,
    .cleanup = holder_cleanup,
    .look = holder_look,
    .make = holder_make,
    .keep = holder_keep,
    .drop = holder_drop,
    .last = holder_last,
};

/* A hand-written method (reads_frames false): it decodes the body itself. */
static int plain_look(void *state, actor_ctx *ctx, const char *body, size_t len,
                      msgpack_sbuffer *reply_body)
{
    blobs_Blob b;
    blobs_Seen s;
    int rc;

    (void)state;
    if (blobs_Blob_decode(body, len, &b) != 0)
        return actor_ctx_fail(ctx, ACTOR_STATUS_DECODE, "not a blob");
    s = seen_of(&b);
    blobs_Blob_free(&b);
    rc = blobs_Seen_encode(&s, reply_body);
    return rc == 0 ? ACTOR_INVOKE_REPLY : rc;
}

static const actor_method plain_methods[] = {
    {.name = "look", .kind = ACTOR_METHOD_RPC, .priority = 128, .invoke = plain_look},
};
static const actor_type plain_type = {
    .name = "blobs.Plain",
    .methods = plain_methods,
    .n_methods = 1,
};

/* ------------------------------------------------------------------ rig */

typedef struct rig {
    char dir[64], endpoint[96];
    actor_system *server, *client_sys;
    actor_client *client;
    actor_ref holder, pool, plain, far_holder, far_pool, far_plain;
} rig;

static int rig_start(rig *r)
{
    actor_system_opts o = {.workers = 2, .oob_threshold = THRESHOLD};
    actor_ref pool;
    int rc;

    memset(r, 0, sizeof *r);
    snprintf(r->dir, sizeof r->dir, "/tmp/actor-oob-XXXXXX");
    if (mkdtemp(r->dir) == NULL)
        return ACTOR_ESYSTEM;
    snprintf(r->endpoint, sizeof r->endpoint, "ipc://%s/server", r->dir);
    if ((rc = actor_system_new(&o, &r->server)) != 0 ||
        (rc = actor_system_bind(r->server, r->endpoint, NULL, NULL, 0)) != 0 ||
        (rc = blobs_Holder_spawn(r->server, &holder_handlers, NULL, NULL, &r->holder)) != 0 ||
        (rc = actor_register_name(r->server, r->holder, "holder")) != 0 ||
        (rc = blobs_Holder_spawn_pool(r->server, &holder_handlers, NULL,
                                      &(actor_pool_opts){.size = 2}, &pool)) != 0 ||
        (rc = actor_register_name(r->server, pool, "pool")) != 0 ||
        (rc = actor_spawn(r->server, &plain_type, NULL, NULL, &r->plain)) != 0 ||
        (rc = actor_register_name(r->server, r->plain, "plain")) != 0)
        return rc;
    r->pool = pool;
    if ((rc = actor_system_new(&o, &r->client_sys)) != 0 ||
        (rc = actor_client_new(r->client_sys, &r->client)) != 0 ||
        (rc = actor_connect(r->client_sys, r->endpoint, "holder", NULL, &r->far_holder)) != 0 ||
        (rc = actor_connect(r->client_sys, r->endpoint, "pool", NULL, &r->far_pool)) != 0 ||
        (rc = actor_connect(r->client_sys, r->endpoint, "plain", NULL, &r->far_plain)) != 0)
        return rc;
    return 0;
}

static void rig_stop(rig *r)
{
    char path[160];

    actor_client_destroy(&r->client);
    actor_system_destroy(&r->client_sys);
    actor_system_destroy(&r->server);
    snprintf(path, sizeof path, "%s/server", r->dir);
    unlink(path);
    rmdir(r->dir);
}

/* A blob: data of data_len, parts of the sizes given, inner of inner_len
 * (none when SIZE_MAX); its buffers are the test's (blob_free). */
static blobs_Blob blob_make(size_t data_len, const size_t *parts, size_t n_parts, size_t inner_len)
{
    blobs_Blob b;

    blobs_Blob_init(&b);
    b.data.data = malloc(data_len + 1);
    b.data.len = data_len;
    fill(b.data.data, data_len, 1);
    b.n_parts = n_parts;
    b.parts = calloc(n_parts + 1, sizeof *b.parts);
    for (size_t i = 0; i < n_parts; i++) {
        b.parts[i].data = malloc(parts[i] + 1);
        b.parts[i].len = parts[i];
        fill(b.parts[i].data, parts[i], (unsigned)(i + 2));
    }
    if (inner_len != SIZE_MAX) {
        b.inner = calloc(1, sizeof *b.inner);
        b.inner->data.data = malloc(inner_len + 1);
        b.inner->data.len = inner_len;
        fill(b.inner->data.data, inner_len, 9);
    }
    return b;
}

static void blob_free(blobs_Blob *b)
{
    blobs_Blob_free(b);
}

static uint32_t views_expected(const blobs_Blob *b)
{
    uint32_t n = b->data.len >= THRESHOLD ? 1 : 0;

    for (size_t i = 0; i < b->n_parts; i++)
        n += b->parts[i].len >= THRESHOLD ? 1 : 0;
    if (b->inner != NULL)
        n += b->inner->data.len >= THRESHOLD ? 1 : 0;
    return n;
}

/* Calls look on `to` with *b: 0 when the holder saw all of it, with
 * `views` of its values as views; else says what differs. */
static int look_sees(rig *r, actor_ref to, const blobs_Blob *b, uint32_t views)
{
    blobs_Seen want = seen_of(b), got = {0};
    actor_status st;
    int rc = blobs_Holder_look(r->client, to, b, &got, NULL, &st);

    if (rc != 0 || st.category != ACTOR_STATUS_OK) {
        fprintf(stderr, "look: rc %d, status %d: %s\n", rc, (int)st.category, st.message);
        return -1;
    }
    if (got.data_len != want.data_len || got.parts_len != want.parts_len ||
        got.inner_len != want.inner_len || got.sum != want.sum || got.views != views) {
        fprintf(
            stderr,
            "look saw %llu/%llu/%llu bytes, sum %llx, %u views; want %llu/%llu/%llu, %llx, %u\n",
            (unsigned long long)got.data_len, (unsigned long long)got.parts_len,
            (unsigned long long)got.inner_len, (unsigned long long)got.sum, got.views,
            (unsigned long long)want.data_len, (unsigned long long)want.parts_len,
            (unsigned long long)want.inner_len, (unsigned long long)want.sum, views);
        return -1;
    }
    return 0;
}

/* ---------------------------------------------------------------- tests */

ACTOR_TEST(values_at_the_threshold_and_above_reach_the_handler_as_views)
{
    static const size_t sizes[] = {0, 1, THRESHOLD - 1, THRESHOLD, THRESHOLD + 1, 1u << 20};
    rig r;

    ACTOR_ASSERT_RC(rig_start(&r), 0);
    for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
        blobs_Blob b = blob_make(sizes[i], NULL, 0, SIZE_MAX);
        ACTOR_ASSERT_RC(look_sees(&r, r.far_holder, &b, sizes[i] >= THRESHOLD ? 1u : 0u), 0);
        blob_free(&b);
    }
    rig_stop(&r);
}

ACTOR_TEST(values_in_lists_and_nested_messages_travel_out_of_band_too)
{
    static const size_t parts[] = {THRESHOLD, 10, THRESHOLD * 3, 0, THRESHOLD - 1};
    rig r;

    ACTOR_ASSERT_RC(rig_start(&r), 0);
    blobs_Blob b = blob_make(THRESHOLD * 2, parts, 5, THRESHOLD + 5);
    ACTOR_ASSERT_RC(look_sees(&r, r.far_holder, &b, views_expected(&b)), 0);
    ACTOR_ASSERT_RC(look_sees(&r, r.far_pool, &b, views_expected(&b)), 0); /* a pool's */
    blob_free(&b);
    /* more large values than a message has frames: the rest go inline */
    size_t many[ACTOR__OOB_MAX_FRAMES + 4];
    for (size_t i = 0; i < sizeof many / sizeof many[0]; i++)
        many[i] = THRESHOLD + i;
    b = blob_make(0, many, sizeof many / sizeof many[0], SIZE_MAX);
    ACTOR_ASSERT_RC(look_sees(&r, r.far_holder, &b, ACTOR__OOB_MAX_FRAMES), 0);
    blob_free(&b);
    rig_stop(&r);
}

/* What an asynchronous look answered, once. */
typedef struct async_seen {
    pthread_mutex_t lock;
    pthread_cond_t done;
    int n;
    actor_status st;
    blobs_Seen seen;
} async_seen;

static void on_seen(void *user, uint64_t call_id, const actor_status *st, const blobs_Seen *res)
{
    async_seen *a = user;

    (void)call_id;
    pthread_mutex_lock(&a->lock);
    a->st = *st;
    if (res != NULL)
        a->seen = *res;
    a->n++;
    pthread_cond_signal(&a->done);
    pthread_mutex_unlock(&a->lock);
}

ACTOR_TEST(calls_through_the_gateway_holder_carry_them_out_of_band_too)
{
    static const size_t parts[] = {THRESHOLD * 2, 7};
    rig r;
    async_seen a = {PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER, 0, {0}, {0}};

    ACTOR_ASSERT_RC(rig_start(&r), 0);
    blobs_Blob b = blob_make(THRESHOLD, parts, 2, THRESHOLD * 3);
    /* an asynchronous call leaves through the worker holding the sockets,
     * as a handler's request does */
    for (int i = 0; i < 3; i++)
        ACTOR_ASSERT_RC(
            blobs_Holder_look_async(r.client, r.far_holder, &b, NULL, on_seen, &a, NULL), 0);
    pthread_mutex_lock(&a.lock);
    while (a.n < 3)
        pthread_cond_wait(&a.done, &a.lock);
    pthread_mutex_unlock(&a.lock);
    ACTOR_ASSERT_STATUS(&a.st, ACTOR_STATUS_OK);
    ACTOR_ASSERT_INT(a.seen.sum, seen_of(&b).sum);
    ACTOR_ASSERT_INT(a.seen.views, 3);
    blob_free(&b);
    rig_stop(&r);
}

ACTOR_TEST(a_view_kept_past_the_handler_stays_valid)
{
    rig r;
    blobs_Seen got;
    actor_status st;

    ACTOR_ASSERT_RC(rig_start(&r), 0);
    blobs_Blob first = blob_make(THRESHOLD * 4, NULL, 0, SIZE_MAX);
    blobs_Blob second = blob_make(10, NULL, 0, SIZE_MAX);
    ACTOR_ASSERT_RC(blobs_Holder_keep(r.client, r.far_holder, &first, &got, NULL, &st), 0);
    ACTOR_ASSERT_STATUS(&st, ACTOR_STATUS_OK);
    ACTOR_ASSERT_INT(got.data_len, 0);
    /* the first request and its frames are gone; the kept view is not */
    ACTOR_ASSERT_RC(blobs_Holder_keep(r.client, r.far_holder, &second, &got, NULL, &st), 0);
    ACTOR_ASSERT_STATUS(&st, ACTOR_STATUS_OK);
    ACTOR_ASSERT_INT(got.data_len, THRESHOLD * 4);
    ACTOR_ASSERT_INT(got.views, 1);
    ACTOR_ASSERT_INT(got.sum, seen_of(&first).sum);
    blob_free(&first);
    blob_free(&second);
    rig_stop(&r); /* the holder's cleanup drops the last one */
}

ACTOR_TEST(responses_and_casts_carry_large_values_out_of_band)
{
    static const size_t sizes[] = {THRESHOLD - 1, THRESHOLD, 3u << 20};
    rig r;
    actor_status st;

    ACTOR_ASSERT_RC(rig_start(&r), 0);
    for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
        blobs_Seen ask = {.data_len = sizes[i]};
        blobs_Blob got;
        blobs_Blob want = blob_make(0, NULL, 0, SIZE_MAX);
        ACTOR_ASSERT_RC(blobs_Holder_make(r.client, r.far_holder, &ask, &got, NULL, &st), 0);
        ACTOR_ASSERT_STATUS(&st, ACTOR_STATUS_OK);
        ACTOR_ASSERT_INT(got.data.len, sizes[i]);
        free(want.data.data);
        want.data.data = malloc(sizes[i]);
        want.data.len = sizes[i];
        fill(want.data.data, sizes[i], 7);
        ACTOR_ASSERT(memcmp(got.data.data, want.data.data, sizes[i]) == 0);
        blobs_Blob_free(&got);
        blob_free(&want);
    }
    blobs_Blob b = blob_make(THRESHOLD * 2, NULL, 0, THRESHOLD);
    blobs_Seen last = {0};
    ACTOR_ASSERT_RC(blobs_Holder_drop(r.client, r.far_holder, &b, NULL), 0);
    ACTOR_ASSERT_RC(blobs_Holder_last(r.client, r.far_holder, &last, NULL, &st), 0);
    ACTOR_ASSERT_STATUS(&st, ACTOR_STATUS_OK);
    ACTOR_ASSERT_INT(last.sum, seen_of(&b).sum);
    ACTOR_ASSERT_INT(last.views, 2);
    blob_free(&b);
    rig_stop(&r);
}

ACTOR_TEST(a_hand_written_method_gets_the_values_inline)
{
    static const size_t parts[] = {THRESHOLD, 3};
    rig r;
    msgpack_sbuffer body, reply;
    blobs_Seen got;
    actor_status st;
    const actor_method_ref look = {&plain_type, 0};

    ACTOR_ASSERT_RC(rig_start(&r), 0);
    blobs_Blob b = blob_make(THRESHOLD * 2, parts, 2, THRESHOLD);
    msgpack_sbuffer_init(&body);
    msgpack_sbuffer_init(&reply);
    ACTOR_ASSERT_RC(blobs_Blob_encode(&b, &body), 0);
    ACTOR_ASSERT_RC(
        actor_call(r.client, r.far_plain, look, body.data, body.size, NULL, &st, &reply), 0);
    ACTOR_ASSERT_STATUS(&st, ACTOR_STATUS_OK);
    ACTOR_ASSERT_RC(blobs_Seen_decode(reply.data, reply.size, &got), 0);
    ACTOR_ASSERT_INT(got.sum, seen_of(&b).sum);
    ACTOR_ASSERT_INT(got.views, 0);
    msgpack_sbuffer_destroy(&body);
    msgpack_sbuffer_destroy(&reply);
    blob_free(&b);
    rig_stop(&r);
}

/* ------------------------------------------------------- hostile frames */

static void *raw_dealer(void *zctx, const char *endpoint)
{
    void *s = zmq_socket(zctx, ZMQ_DEALER);
    int linger = 0, timeout = 5000;

    zmq_setsockopt(s, ZMQ_LINGER, &linger, sizeof linger);
    zmq_setsockopt(s, ZMQ_RCVTIMEO, &timeout, sizeof timeout);
    zmq_connect(s, endpoint);
    return s;
}

/* The envelope of a request (or a cast) to holder.look whose oob field
 * describes frames of the sizes given. */
static void envelope_for(msgpack_sbuffer *sb, uint64_t id, bool cast, const size_t *sizes,
                         uint32_t n)
{
    actor__wire_header h =
        actor__wire_header_make(cast ? actor_wire_Kind_CAST : actor_wire_Kind_REQUEST, id);
    actor__oob_split s = {0};

    h.target = "holder";
    h.method = "look";
    sb->size = 0;
    actor__wire_encode(sb, &h);
    s.n = n;
    for (uint32_t i = 0; i < n; i++)
        s.len[i] = sizes[i];
    if (n > 0)
        actor__wire_describe_oob(sb, 0, &s);
}

/* The body of a Blob whose data refers to frame `index`. */
static size_t ref_body(char *out, uint32_t index)
{
    out[0] = (char)0x81; /* {1: ext 1 [index]} */
    out[1] = 1;
    out[2] = (char)0xd6;
    out[3] = ACTOR__OOB_EXT_TYPE;
    actor__store32(out + 4, index);
    return 8;
}

static void send_parts(void *s, const char *const *parts, const size_t *lens, size_t n)
{
    for (size_t i = 0; i < n; i++)
        zmq_send(s, parts[i], lens[i], i + 1 < n ? ZMQ_SNDMORE : 0);
}

/* Reads the response to `id`: its status. */
static void read_status(void *s, uint64_t id, actor_status *st)
{
    actor__wire_in in;
    actor__wire_msg m;

    st->category = ACTOR_STATUS_INTERNAL;
    snprintf(st->message, sizeof st->message, "no response");
    for (int tries = 0; tries < 10; tries++) {
        if (actor__wire_recv(s, 0, &in) != 0)
            return;
        if (actor__wire_parse(&in, false, true, &m, st) == ACTOR__WIRE_OK &&
            m.env.correlation_id == id) {
            actor__wire_status_of(&m.env, st);
            actor__wire_msg_fini(&m);
            actor__wire_in_close(&in);
            return;
        }
        actor__wire_msg_fini(&m);
        actor__wire_in_close(&in);
    }
}

/* 0 when the response to `id` is DECODE and says `text`. */
static int decode_says(void *s, uint64_t id, const char *text)
{
    actor_status st;

    read_status(s, id, &st);
    if (st.category == ACTOR_STATUS_DECODE && strstr(st.message, text) != NULL)
        return 0;
    fprintf(stderr, "response %llu: status %d \"%s\", not DECODE \"%s\"\n", (unsigned long long)id,
            (int)st.category, st.message, text);
    return -1;
}

ACTOR_TEST(frames_that_do_not_match_the_envelope_are_refused)
{
    rig r;
    void *zctx = zmq_ctx_new(), *s;
    msgpack_sbuffer env;
    char body[16], frame[THRESHOLD];
    const size_t one = sizeof frame, two[2] = {sizeof frame, sizeof frame};
    size_t body_len = ref_body(body, 0);

    memset(frame, 'x', sizeof frame);
    ACTOR_ASSERT_RC(rig_start(&r), 0);
    s = raw_dealer(zctx, r.endpoint);
    msgpack_sbuffer_init(&env);

    /* described one frame, sent none, then two */
    envelope_for(&env, 1, false, &one, 1);
    send_parts(s, (const char *[]){env.data, body}, (size_t[]){env.size, body_len}, 2);
    ACTOR_ASSERT_RC(decode_says(s, 1, "describes 1 out-of-band frames, 0 came"), 0);
    envelope_for(&env, 2, false, &one, 1);
    send_parts(s, (const char *[]){env.data, body, frame, frame},
               (size_t[]){env.size, body_len, one, one}, 4);
    ACTOR_ASSERT_RC(decode_says(s, 2, "describes 1 out-of-band frames, 2 came"), 0);
    /* frames no envelope describes */
    envelope_for(&env, 3, false, NULL, 0);
    send_parts(s, (const char *[]){env.data, body, frame}, (size_t[]){env.size, body_len, one}, 3);
    ACTOR_ASSERT_RC(decode_says(s, 3, "describes 0 out-of-band frames, 1 came"), 0);
    /* a size that is not the frame's */
    envelope_for(&env, 4, false, two, 2);
    send_parts(s, (const char *[]){env.data, body, frame, frame},
               (size_t[]){env.size, body_len, one, one - 1}, 4);
    ACTOR_ASSERT_RC(
        decode_says(s, 4, "out-of-band frame 1 holds 4095 bytes, the envelope says 4096"), 0);
    /* a reference to a frame the message does not have */
    body_len = ref_body(body, 3);
    envelope_for(&env, 5, false, &one, 1);
    send_parts(s, (const char *[]){env.data, body, frame}, (size_t[]){env.size, body_len, one}, 3);
    ACTOR_ASSERT_RC(decode_says(s, 5, "refers to out-of-band frame 3 of 1"), 0);
    /* a reference, and no frames at all */
    envelope_for(&env, 6, false, NULL, 0);
    send_parts(s, (const char *[]){env.data, body}, (size_t[]){env.size, body_len}, 2);
    ACTOR_ASSERT_RC(decode_says(s, 6, "refers to out-of-band frame 3 of 0"), 0);
    /* the same to a hand-written method, which gets the body joined */
    {
        actor__wire_header h = actor__wire_header_make(actor_wire_Kind_REQUEST, 7);
        h.target = "plain";
        h.method = "look";
        env.size = 0;
        actor__wire_encode(&env, &h);
        actor__oob_split sp = {.n = 1, .len = {one}};
        actor__wire_describe_oob(&env, 0, &sp);
        send_parts(s, (const char *[]){env.data, body, frame}, (size_t[]){env.size, body_len, one},
                   3);
        ACTOR_ASSERT_RC(
            decode_says(s, 7, "a reference to an out-of-band frame the message does not have"), 0);
    }
    /* casts with bad frames are dropped, and the server goes on */
    envelope_for(&env, 8, true, &one, 1);
    send_parts(s, (const char *[]){env.data, body}, (size_t[]){env.size, body_len}, 2);
    body_len = ref_body(body, 0);
    blobs_Blob ok = blob_make(THRESHOLD, NULL, 0, SIZE_MAX);
    ACTOR_ASSERT_RC(look_sees(&r, r.far_holder, &ok, 1u), 0);
    blob_free(&ok);
    /* and a good one by hand, for comparison */
    envelope_for(&env, 9, false, &one, 1);
    send_parts(s, (const char *[]){env.data, body, frame}, (size_t[]){env.size, body_len, one}, 3);
    {
        actor_status st;
        read_status(s, 9, &st);
        ACTOR_ASSERT_STATUS(&st, ACTOR_STATUS_OK);
    }
    msgpack_sbuffer_destroy(&env);
    zmq_close(s);
    zmq_ctx_term(zctx);
    rig_stop(&r);
}

/* ------------------------------------------------- split and join alone */

ACTOR_TEST(a_split_body_joins_back_into_the_same_bytes)
{
    static const size_t parts[] = {THRESHOLD, 1, 70000, THRESHOLD - 1, 65536};
    blobs_Blob b = blob_make(THRESHOLD * 3, parts, 5, 300000);
    msgpack_sbuffer whole, joined;
    actor__oob_split s;
    actor_oob_frames f = {.n = 0};
    const char *why = NULL;

    msgpack_sbuffer_init(&whole);
    msgpack_sbuffer_init(&joined);
    ACTOR_ASSERT_RC(blobs_Blob_encode(&b, &whole), 0);
    ACTOR_ASSERT_RC(actor__oob_split_body(whole.data, whole.size, THRESHOLD, &s), 0);
    ACTOR_ASSERT_INT(s.n, views_expected(&b));
    ACTOR_ASSERT_CMP(s.body.size, <, THRESHOLD + 200u); /* one of THRESHOLD - 1 stays */
    f.n = s.n;
    for (uint32_t i = 0; i < s.n; i++) {
        f.data[i] = (const uint8_t *)whole.data + s.offset[i];
        f.len[i] = s.len[i];
    }
    ACTOR_ASSERT_RC(actor__oob_join(s.body.data, s.body.size, &f, &joined, &why), 0);
    ACTOR_ASSERT_INT(joined.size, whole.size);
    ACTOR_ASSERT(memcmp(joined.data, whole.data, whole.size) == 0);
    /* nothing to split: below the threshold, threshold 0, not msgpack */
    actor__oob_split_fini(&s);
    ACTOR_ASSERT_RC(actor__oob_split_body(whole.data, whole.size, whole.size + 1, &s), 0);
    ACTOR_ASSERT_INT(s.n, 0);
    ACTOR_ASSERT_RC(actor__oob_split_body(whole.data, whole.size, 0, &s), 0);
    ACTOR_ASSERT_INT(s.n, 0);
    ACTOR_ASSERT_RC(actor__oob_split_body("\xc6\xff\xff\xff\xff", 5, 1, &s), 0);
    ACTOR_ASSERT_INT(s.n, 0);
    /* a truncated body does not join */
    joined.size = 0;
    ACTOR_ASSERT_RC(actor__oob_join("\x82\x01", 2, &f, &joined, &why), ACTOR_EMALFORMED);
    ACTOR_ASSERT(why != NULL);
    actor__oob_split_fini(&s);
    msgpack_sbuffer_destroy(&whole);
    msgpack_sbuffer_destroy(&joined);
    blob_free(&b);
}

int main(void)
{
    ACTOR_TEST_RUN(values_at_the_threshold_and_above_reach_the_handler_as_views);
    ACTOR_TEST_RUN(values_in_lists_and_nested_messages_travel_out_of_band_too);
    ACTOR_TEST_RUN(calls_through_the_gateway_holder_carry_them_out_of_band_too);
    ACTOR_TEST_RUN(a_view_kept_past_the_handler_stays_valid);
    ACTOR_TEST_RUN(responses_and_casts_carry_large_values_out_of_band);
    ACTOR_TEST_RUN(a_hand_written_method_gets_the_values_inline);
    ACTOR_TEST_RUN(frames_that_do_not_match_the_envelope_are_refused);
    ACTOR_TEST_RUN(a_split_body_joins_back_into_the_same_bytes);
    return actor_test_summary();
}
