/*
 * wire_test.c - unit tests of the wire layer (runtime/base/wire.c,
 * docs/PROTOCOL.md): envelope round trips through the generated decoder,
 * the exact bytes of the protocol's example, whole messages over inproc
 * DEALER/ROUTER/REQ sockets, and every kind of hostile input: each must
 * end in an answer with a status or a counted drop, never a crash or a
 * leak (run under ASan).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <msgpack.h>
#include <zmq.h>

#include "codec/check.h"
#include "core/actor_internal.h"
#include "base/wire.h"
#include "wire/same_envelope.h"

static void *ctx, *router, *dealer;

/* ------------------------------------------------------------ helpers */

static void set_status(actor_status *st, actor_status_category category, int32_t code,
                       const char *message)
{
    st->category = category;
    st->code = code;
    snprintf(st->message, sizeof st->message, "%s", message);
}

/* Sends frames[0..n) as one message from `s`. */
static void send_frames(void *s, const char *const *frames, const size_t *lens, size_t n)
{
    for (size_t i = 0; i < n; i++)
        zmq_send(s, frames[i], lens[i], i + 1 < n ? ZMQ_SNDMORE : 0);
}

/* Sends [envelope][body] from the dealer, receives it on the router and
 * parses it as a server would. */
static actor__wire_verdict server_sees(const char *env, size_t env_len, const char *body,
                                       size_t body_len, actor__wire_in *in, actor__wire_msg *m,
                                       actor_status *st)
{
    const char *frames[2] = {env, body};
    size_t lens[2] = {env_len, body_len};

    send_frames(dealer, frames, lens, 2);
    if (actor__wire_recv(router, 0, in) != 0)
        return (actor__wire_verdict)-1;
    return actor__wire_parse(in, true, false, m, st);
}

/* A well-formed request envelope. */
static void request_envelope(msgpack_sbuffer *sb, uint64_t id)
{
    actor__wire_header h = actor__wire_header_make(actor_wire_Kind_REQUEST, id);

    h.target = "calc";
    h.method = "calculate";
    actor__wire_encode(sb, &h);
}

/* An envelope map written with msgpack-c, for inputs our encoder refuses
 * to produce. `pairs` key/value integers, then an optional raw tail. */
static void raw_envelope(msgpack_sbuffer *sb, const int64_t *pairs, size_t n_pairs)
{
    msgpack_packer pk;

    msgpack_packer_init(&pk, sb, msgpack_sbuffer_write);
    msgpack_pack_map(&pk, (uint32_t)n_pairs);
    for (size_t i = 0; i < n_pairs; i++) {
        msgpack_pack_int64(&pk, pairs[2 * i]);
        msgpack_pack_int64(&pk, pairs[2 * i + 1]);
    }
}

/* Parses a message with the given envelope bytes and an empty body; wants
 * verdict `want` and, for ANSWER, category DECODE and correlation `id`. */
static int expect_verdict(const char *env, size_t len, actor__wire_verdict want, uint64_t id,
                          const char *why_part)
{
    actor__wire_in in;
    actor__wire_msg m;
    actor_status st;
    actor__wire_verdict v = server_sees(env, len, "", 0, &in, &m, &st);
    int ok = v == want;

    if (ok && want == ACTOR__WIRE_ANSWER)
        ok = st.category == ACTOR_STATUS_DECODE && m.env.message_id == id &&
             (why_part == NULL || strstr(st.message, why_part) != NULL);
    if (!ok)
        printf("  verdict %d (want %d), category %d, id %llu (want %llu): %s\n", (int)v, (int)want,
               (int)st.category, (unsigned long long)m.env.message_id, (unsigned long long)id,
               st.message);
    actor__wire_msg_fini(&m);
    actor__wire_in_close(&in);
    return ok;
}

/* --------------------------------------------------------- round trips */

TEST(request_round_trip)
{
    msgpack_sbuffer sb;
    actor__wire_header h = actor__wire_header_make(actor_wire_Kind_REQUEST, 0x123456789abcULL);
    actor_wire_Envelope env;

    h.priority = 200;
    h.has_deadline = true;
    h.deadline_ms = 250;
    h.target = "calc";
    h.has_target_id = true;
    h.target_id = 77;
    h.method = "calculate";
    h.has_method_index = true;
    h.method_index = 3;
    h.type = "calc.Calculator";
    msgpack_sbuffer_init(&sb);
    CHECK_RC(actor__wire_encode(&sb, &h), 0);
    CHECK_RC(actor_wire_Envelope_decode(sb.data, sb.size, &env), 0);
    msgpack_sbuffer_destroy(&sb);
    CHECK_UINT(env.version, 1);
    CHECK_INT(env.kind, actor_wire_Kind_REQUEST);
    CHECK_UINT(env.message_id, 0x123456789abcULL);
    CHECK(!env.has_correlation_id);
    CHECK(env.has_priority && env.priority == 200);
    CHECK(env.has_deadline_ms && env.deadline_ms == 250);
    CHECK_STR(env.target, "calc");
    CHECK(env.has_target_id && env.target_id == 77);
    CHECK_STR(env.method, "calculate");
    CHECK(env.has_method_index && env.method_index == 3);
    CHECK_STR(env.type, "calc.Calculator");
    CHECK(env.status == NULL && env.oob == NULL && !env.has_auth);
    actor_wire_Envelope_free(&env);
}

TEST(response_round_trip)
{
    msgpack_sbuffer sb;
    actor_status st = {ACTOR_STATUS_ERROR, 1, "division by zero"}, got;
    actor__wire_header h = actor__wire_header_make(actor_wire_Kind_RESPONSE, 2);
    actor_wire_Envelope env;

    h.correlation_id = 7;
    h.status = &st;
    msgpack_sbuffer_init(&sb);
    CHECK_RC(actor__wire_encode(&sb, &h), 0);
    CHECK_RC(actor_wire_Envelope_decode(sb.data, sb.size, &env), 0);
    msgpack_sbuffer_destroy(&sb);
    CHECK(env.has_correlation_id && env.correlation_id == 7);
    actor__wire_status_of(&env, &got);
    actor_wire_Envelope_free(&env);
    CHECK_INT(got.category, ACTOR_STATUS_ERROR);
    CHECK_INT(got.code, 1);
    CHECK_STR(got.message, "division by zero");
}

TEST(ok_response_has_no_status)
{
    msgpack_sbuffer sb;
    actor_status ok = {ACTOR_STATUS_OK, 0, ""}, got;
    actor__wire_header h = actor__wire_header_make(actor_wire_Kind_RESPONSE, 1);
    actor_wire_Envelope env;
    const char want[] = "\x84\x01\x01\x02\x02\x03\x01\x04\x07";

    h.correlation_id = 7;
    h.status = &ok;
    msgpack_sbuffer_init(&sb);
    CHECK_RC(actor__wire_encode(&sb, &h), 0);
    CHECK_MEM(sb.data, sb.size, want, sizeof want - 1);
    CHECK_RC(actor_wire_Envelope_decode(sb.data, sb.size, &env), 0);
    msgpack_sbuffer_destroy(&sb);
    actor__wire_status_of(&env, &got);
    actor_wire_Envelope_free(&env);
    CHECK_INT(got.category, ACTOR_STATUS_OK);
}

/* The example of docs/PROTOCOL.md section 3, byte for byte. */
TEST(protocol_example_bytes)
{
    msgpack_sbuffer sb;
    actor__wire_header h = actor__wire_header_make(actor_wire_Kind_REQUEST, 7);
    const char want[] = "\x87\x01\x01\x02\x01\x03\x07\x05\xcc\xc8\x06\xcc\xfa"
                        "\x07\xa4"
                        "calc"
                        "\x09\xa9"
                        "calculate";

    h.priority = 200;
    h.has_deadline = true;
    h.deadline_ms = 250;
    h.target = "calc";
    h.method = "calculate";
    msgpack_sbuffer_init(&sb);
    CHECK_RC(actor__wire_encode(&sb, &h), 0);
    CHECK_MEM(sb.data, sb.size, want, sizeof want - 1);
    msgpack_sbuffer_destroy(&sb);
}

TEST(unknown_category_is_internal)
{
    actor_wire_Envelope env;
    actor_wire_Status s = {42, 5, (char *)(uintptr_t) "x"};
    actor_status got;

    memset(&env, 0, sizeof env);
    env.status = &s;
    actor__wire_status_of(&env, &got);
    CHECK_INT(got.category, ACTOR_STATUS_INTERNAL);
    CHECK_INT(got.code, 0);
}

TEST(encoder_refuses_long_names)
{
    char name[300];
    msgpack_sbuffer sb;
    actor__wire_header h = actor__wire_header_make(actor_wire_Kind_REQUEST, 1);

    memset(name, 'a', sizeof name - 1);
    name[sizeof name - 1] = '\0';
    h.target = name;
    msgpack_sbuffer_init(&sb);
    CHECK_RC(actor__wire_encode(&sb, &h), ACTOR_EINVAL);
    CHECK_UINT(sb.size, 0);
    msgpack_sbuffer_destroy(&sb);
}

/* ------------------------------------------------------ whole messages */

TEST(request_and_answer_over_sockets)
{
    msgpack_sbuffer sb, scratch;
    actor__wire_in in, back;
    actor__wire_msg m, r;
    actor_status st, got;

    msgpack_sbuffer_init(&sb);
    msgpack_sbuffer_init(&scratch);
    request_envelope(&sb, 99);
    CHECK_INT(server_sees(sb.data, sb.size, "\x81\x01\x02", 3, &in, &m, &st), ACTOR__WIRE_OK);
    CHECK(!m.route.delimiter && m.route.id_len > 0);
    CHECK_STR(m.env.target, "calc");
    CHECK_MEM(m.body, m.body_len, "\x81\x01\x02", 3);
    set_status(&st, ACTOR_STATUS_NOT_FOUND, 0, "no actor named calc");
    CHECK_RC(actor__wire_answer(router, &m, &st, &scratch), 0);
    actor__wire_msg_fini(&m);
    actor__wire_in_close(&in);

    CHECK_RC(actor__wire_recv(dealer, 0, &back), 0);
    CHECK_INT(actor__wire_parse(&back, false, true, &r, &st), ACTOR__WIRE_OK);
    CHECK_UINT(r.env.correlation_id, 99);
    actor__wire_status_of(&r.env, &got);
    CHECK_INT(got.category, ACTOR_STATUS_NOT_FOUND);
    CHECK_STR(got.message, "no actor named calc");
    CHECK_MEM(r.body, r.body_len, "\x80", 1); /* the empty frame means {} */
    actor__wire_msg_fini(&r);
    actor__wire_in_close(&back);
    msgpack_sbuffer_destroy(&sb);
    msgpack_sbuffer_destroy(&scratch);
}

/* A REQ client frames with an empty delimiter; the answer carries it back
 * (else REQ would discard it). */
TEST(req_delimiter_is_echoed)
{
    void *req = zmq_socket(ctx, ZMQ_REQ);
    msgpack_sbuffer sb, scratch;
    actor__wire_in in;
    actor__wire_msg m;
    actor_status st;
    char buf[64];
    const int timeout = 2000;

    zmq_setsockopt(req, ZMQ_RCVTIMEO, &timeout, sizeof timeout);
    CHECK(zmq_connect(req, "inproc://wire-test") == 0);
    msgpack_sbuffer_init(&sb);
    msgpack_sbuffer_init(&scratch);
    request_envelope(&sb, 5);
    zmq_send(req, sb.data, sb.size, ZMQ_SNDMORE);
    zmq_send(req, "", 0, 0);
    CHECK_RC(actor__wire_recv(router, 0, &in), 0);
    CHECK_INT(actor__wire_parse(&in, true, false, &m, &st), ACTOR__WIRE_OK);
    CHECK(m.route.delimiter);
    CHECK_MEM(m.body, m.body_len, "\x80", 1);
    set_status(&st, ACTOR_STATUS_TIMEOUT, 0, "late");
    CHECK_RC(actor__wire_answer(router, &m, &st, &scratch), 0);
    actor__wire_msg_fini(&m);
    actor__wire_in_close(&in);
    CHECK(zmq_recv(req, buf, sizeof buf, 0) > 0); /* the envelope */
    msgpack_sbuffer_destroy(&sb);
    msgpack_sbuffer_destroy(&scratch);
    zmq_close(req);
}

TEST(send_to_unknown_peer_is_notfound)
{
    const char env[] = "\x80";
    actor__wire_route route = {"no-such-peer", 12, false};

    CHECK_RC(actor__wire_send(router, &route, env, 1, "", 0), ACTOR_ENOTFOUND);
}

/* A peer that does not read: the router's queue fills and the send says
 * EFULL (nothing sent) instead of dropping. */
TEST(send_to_full_peer_is_efull)
{
    void *slow = zmq_socket(ctx, ZMQ_DEALER);
    const int hwm = 1;
    const char id[] = "slow";
    actor__wire_route route = {id, 4, false};
    int rc = 0, sent = 0;
    actor__wire_in in;

    zmq_setsockopt(slow, ZMQ_RCVHWM, &hwm, sizeof hwm);
    zmq_setsockopt(slow, ZMQ_ROUTING_ID, id, 4);
    CHECK(zmq_connect(slow, "inproc://wire-test") == 0);
    zmq_send(slow, "hi", 2, 0); /* so that the router knows it */
    CHECK_RC(actor__wire_recv(router, 0, &in), 0);
    actor__wire_in_close(&in);
    for (; sent < 100000; sent++) {
        rc = actor__wire_send(router, &route, "\x80", 1, "", 0);
        if (rc != 0)
            break;
    }
    CHECK_RC(rc, ACTOR_EFULL);
    CHECK(sent > 0);
    zmq_close(slow);
}

/* ----------------------------------------------------------- hostile */

TEST(garbage_envelope_is_answered)
{
    CHECK(expect_verdict("\xff\xfe\x01", 3, ACTOR__WIRE_ANSWER, 0, "bad envelope"));
    CHECK(expect_verdict("\xc1", 1, ACTOR__WIRE_ANSWER, 0, "bad envelope"));
    CHECK(expect_verdict("hello world", 11, ACTOR__WIRE_ANSWER, 0, "bad envelope"));
}

TEST(garbage_single_frame)
{
    const char *frames[1] = {"\x01\x02"};
    size_t lens[1] = {2};
    actor__wire_in in;
    actor__wire_msg m;
    actor_status st;

    send_frames(dealer, frames, lens, 1);
    CHECK_RC(actor__wire_recv(router, 0, &in), 0);
    CHECK_INT(actor__wire_parse(&in, true, false, &m, &st), ACTOR__WIRE_ANSWER);
    CHECK_INT(st.category, ACTOR_STATUS_DECODE);
    actor__wire_msg_fini(&m);
    actor__wire_in_close(&in);
}

TEST(wrong_version_is_answered_with_id)
{
    msgpack_sbuffer sb;
    const int64_t pairs[] = {1, 2, 2, 1, 3, 41, 7, 0};
    int ok;

    msgpack_sbuffer_init(&sb);
    raw_envelope(&sb, pairs, 3);
    ok = expect_verdict(sb.data, sb.size, ACTOR__WIRE_ANSWER, 41, "unsupported protocol version 2");
    msgpack_sbuffer_destroy(&sb);
    CHECK(ok);
}

TEST(missing_version_is_answered)
{
    msgpack_sbuffer sb;
    const int64_t pairs[] = {2, 1, 3, 8};
    int ok;

    msgpack_sbuffer_init(&sb);
    raw_envelope(&sb, pairs, 2);
    ok = expect_verdict(sb.data, sb.size, ACTOR__WIRE_ANSWER, 8, "version 0");
    msgpack_sbuffer_destroy(&sb);
    CHECK(ok);
}

TEST(unknown_kind_is_answered)
{
    msgpack_sbuffer sb;
    const int64_t nine[] = {1, 1, 2, 9, 3, 12};
    const int64_t none[] = {1, 1, 3, 13};
    int ok;

    msgpack_sbuffer_init(&sb);
    raw_envelope(&sb, nine, 3);
    ok = expect_verdict(sb.data, sb.size, ACTOR__WIRE_ANSWER, 12, "unknown message kind 9");
    sb.size = 0;
    raw_envelope(&sb, none, 2);
    ok = ok && expect_verdict(sb.data, sb.size, ACTOR__WIRE_ANSWER, 13, "unknown message kind 0");
    msgpack_sbuffer_destroy(&sb);
    CHECK(ok);
}

TEST(priority_out_of_range_is_answered_with_id)
{
    msgpack_sbuffer sb;
    const int64_t pairs[] = {1, 1, 2, 1, 3, 55, 5, 300};
    int ok;

    msgpack_sbuffer_init(&sb);
    raw_envelope(&sb, pairs, 4);
    ok = expect_verdict(sb.data, sb.size, ACTOR__WIRE_ANSWER, 55, "priority");
    msgpack_sbuffer_destroy(&sb);
    CHECK(ok);
}

TEST(request_rules)
{
    msgpack_sbuffer sb;
    actor__wire_header h = actor__wire_header_make(actor_wire_Kind_REQUEST, 0);
    int ok;

    msgpack_sbuffer_init(&sb);
    h.target = "calc";
    h.method = "m";
    actor__wire_encode(&sb, &h);
    ok = expect_verdict(sb.data, sb.size, ACTOR__WIRE_ANSWER, 0, "message_id 0");
    h.message_id = 3;
    h.target = NULL;
    sb.size = 0;
    actor__wire_encode(&sb, &h);
    ok = ok && expect_verdict(sb.data, sb.size, ACTOR__WIRE_ANSWER, 3, "no target");
    h.target = "calc";
    h.method = NULL;
    sb.size = 0;
    actor__wire_encode(&sb, &h);
    ok = ok && expect_verdict(sb.data, sb.size, ACTOR__WIRE_ANSWER, 3, "no method");
    h.method = NULL;
    h.has_method_index = true; /* an index is enough */
    sb.size = 0;
    actor__wire_encode(&sb, &h);
    ok = ok && expect_verdict(sb.data, sb.size, ACTOR__WIRE_OK, 3, NULL);
    h.kind = actor_wire_Kind_CONTROL; /* but not for a control */
    sb.size = 0;
    actor__wire_encode(&sb, &h);
    ok = ok && expect_verdict(sb.data, sb.size, ACTOR__WIRE_ANSWER, 3, "no method");
    msgpack_sbuffer_destroy(&sb);
    CHECK(ok);
}

TEST(long_name_from_peer_is_answered)
{
    msgpack_sbuffer sb;
    msgpack_packer pk;
    char name[300];
    int ok;

    memset(name, 'x', sizeof name);
    msgpack_sbuffer_init(&sb);
    msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
    msgpack_pack_map(&pk, 5);
    msgpack_pack_int(&pk, 1), msgpack_pack_int(&pk, 1);
    msgpack_pack_int(&pk, 2), msgpack_pack_int(&pk, 1);
    msgpack_pack_int(&pk, 3), msgpack_pack_int(&pk, 4);
    msgpack_pack_int(&pk, 7), msgpack_pack_str(&pk, sizeof name);
    msgpack_pack_str_body(&pk, name, sizeof name);
    msgpack_pack_int(&pk, 9), msgpack_pack_str(&pk, 1), msgpack_pack_str_body(&pk, "m", 1);
    ok = expect_verdict(sb.data, sb.size, ACTOR__WIRE_ANSWER, 4, "longer than 255");
    msgpack_sbuffer_destroy(&sb);
    CHECK(ok);
}

/* Every envelope string is held to the 1 KiB limit, also under a key this
 * version does not know (skipped, but not unchecked). */
TEST(long_string_under_an_unknown_key_is_answered)
{
    msgpack_sbuffer sb;
    msgpack_packer pk;
    char text[1100];
    int ok;

    memset(text, 'x', sizeof text);
    msgpack_sbuffer_init(&sb);
    msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
    msgpack_pack_map(&pk, 6);
    msgpack_pack_int(&pk, 1), msgpack_pack_int(&pk, 1);
    msgpack_pack_int(&pk, 2), msgpack_pack_int(&pk, 1);
    msgpack_pack_int(&pk, 3), msgpack_pack_int(&pk, 4);
    msgpack_pack_int(&pk, 7), msgpack_pack_str(&pk, 1), msgpack_pack_str_body(&pk, "a", 1);
    msgpack_pack_int(&pk, 9), msgpack_pack_str(&pk, 1), msgpack_pack_str_body(&pk, "m", 1);
    msgpack_pack_int(&pk, 99), msgpack_pack_str(&pk, sizeof text);
    msgpack_pack_str_body(&pk, text, sizeof text);
    ok = expect_verdict(sb.data, sb.size, ACTOR__WIRE_ANSWER, 4, "exceeds the limit 1024");
    msgpack_sbuffer_destroy(&sb);
    CHECK(ok);
}

TEST(truncated_envelope_at_every_offset)
{
    msgpack_sbuffer sb;
    actor__wire_header h = actor__wire_header_make(actor_wire_Kind_REQUEST, 1000);
    int ok = 1;

    h.priority = 9;
    h.has_deadline = true;
    h.deadline_ms = 100000;
    h.target = "some.actor";
    h.method = "method";
    h.type = "pkg.Type";
    msgpack_sbuffer_init(&sb);
    actor__wire_encode(&sb, &h);
    for (size_t cut = 1; cut < sb.size && ok; cut++)
        ok = expect_verdict(sb.data, cut, ACTOR__WIRE_ANSWER, cut >= 9 ? 1000 : 0, NULL);
    msgpack_sbuffer_destroy(&sb);
    CHECK(ok);
}

TEST(huge_declared_lengths)
{
    /* {1: 1, 7: str32 of 4 GiB - 1} */
    const char str32[] = "\x82\x01\x01\x07\xdb\xff\xff\xff\xff"
                         "abc";
    /* map32 claiming 2^32 - 1 entries */
    const char map32[] = "\xdf\xff\xff\xff\xff\x01\x01";
    /* {1: 1, 14: bin32 of 4 GiB - 1} */
    const char bin32[] = "\x82\x01\x01\x0e\xc6\xff\xff\xff\xff";
    /* {1: 1, 99: [array32 of 2^32 - 1]} (unknown field, skipped) */
    const char arr32[] = "\x82\x01\x01\x63\xdd\xff\xff\xff\xff";

    CHECK(expect_verdict(str32, sizeof str32 - 1, ACTOR__WIRE_ANSWER, 0, "bad envelope"));
    CHECK(expect_verdict(map32, sizeof map32 - 1, ACTOR__WIRE_ANSWER, 0, "bad envelope"));
    CHECK(expect_verdict(bin32, sizeof bin32 - 1, ACTOR__WIRE_ANSWER, 0, "bad envelope"));
    CHECK(expect_verdict(arr32, sizeof arr32 - 1, ACTOR__WIRE_ANSWER, 0, "bad envelope"));
}

TEST(deep_nesting_in_unknown_field)
{
    char env[64];
    size_t n = 0;

    env[n++] = (char)0x84;
    env[n++] = 1, env[n++] = 1;
    env[n++] = 2, env[n++] = 1;
    env[n++] = 3, env[n++] = 6;
    env[n++] = 50; /* unknown field 50: [[[[[[[[1]]]]]]]] */
    for (int i = 0; i < 8; i++)
        env[n++] = (char)0x91;
    env[n++] = 1;
    CHECK(expect_verdict(env, n, ACTOR__WIRE_ANSWER, 6, "bad envelope"));
}

TEST(oversized_envelope)
{
    size_t len = ACTOR__WIRE_MAX_ENVELOPE + 1;
    char *big = calloc(1, len);
    int ok;

    big[0] = (char)0x80;
    ok = expect_verdict(big, len, ACTOR__WIRE_ANSWER, 0, "larger than 8192");
    free(big);
    CHECK(ok);
}

TEST(empty_envelope_frame)
{
    CHECK(expect_verdict("", 0, ACTOR__WIRE_ANSWER, 0, NULL));
}

TEST(too_many_frames)
{
    enum { N = 40 };
    const char *frames[N];
    size_t lens[N];
    msgpack_sbuffer sb;
    actor__wire_in in;
    actor__wire_msg m;
    actor_status st;

    msgpack_sbuffer_init(&sb);
    request_envelope(&sb, 31);
    for (size_t i = 0; i < N; i++) {
        frames[i] = i == 0 ? sb.data : "x";
        lens[i] = i == 0 ? sb.size : 1;
    }
    send_frames(dealer, frames, lens, N);
    CHECK_RC(actor__wire_recv(router, 0, &in), 0);
    CHECK_UINT(in.n_parts, ACTOR__WIRE_MAX_PARTS);
    CHECK_UINT(in.n_discarded, N + 1 - ACTOR__WIRE_MAX_PARTS);
    CHECK_INT(actor__wire_parse(&in, true, false, &m, &st), ACTOR__WIRE_ANSWER);
    CHECK_INT(st.category, ACTOR_STATUS_DECODE);
    CHECK_UINT(m.env.message_id, 31);
    actor__wire_msg_fini(&m);
    actor__wire_in_close(&in);
    msgpack_sbuffer_destroy(&sb);
}

TEST(oob_frames_not_supported)
{
    const char *frames[3];
    size_t lens[3];
    msgpack_sbuffer sb;
    actor__wire_in in;
    actor__wire_msg m;
    actor_status st;

    msgpack_sbuffer_init(&sb);
    request_envelope(&sb, 32);
    frames[0] = sb.data, lens[0] = sb.size;
    frames[1] = "\x80", lens[1] = 1;
    frames[2] = "payload", lens[2] = 7;
    send_frames(dealer, frames, lens, 3);
    CHECK_RC(actor__wire_recv(router, 0, &in), 0);
    CHECK_INT(actor__wire_parse(&in, true, false, &m, &st), ACTOR__WIRE_ANSWER);
    CHECK(strstr(st.message, "out-of-band") != NULL);
    actor__wire_msg_fini(&m);
    actor__wire_in_close(&in);
    msgpack_sbuffer_destroy(&sb);
}

TEST(missing_body_frame)
{
    const char *frames[1];
    size_t lens[1];
    msgpack_sbuffer sb;
    actor__wire_in in;
    actor__wire_msg m;
    actor_status st;

    msgpack_sbuffer_init(&sb);
    request_envelope(&sb, 33);
    frames[0] = sb.data, lens[0] = sb.size;
    send_frames(dealer, frames, lens, 1);
    CHECK_RC(actor__wire_recv(router, 0, &in), 0);
    CHECK_INT(actor__wire_parse(&in, true, false, &m, &st), ACTOR__WIRE_ANSWER);
    CHECK(strstr(st.message, "no body") != NULL);
    CHECK_UINT(m.env.message_id, 33);
    actor__wire_msg_fini(&m);
    actor__wire_in_close(&in);
    msgpack_sbuffer_destroy(&sb);
}

TEST(bad_cast_and_stray_response_are_dropped)
{
    msgpack_sbuffer sb;
    const int64_t bad_cast[] = {1, 2, 2, 3, 3, 1};
    actor__wire_header h = actor__wire_header_make(actor_wire_Kind_RESPONSE, 1);
    int ok;

    msgpack_sbuffer_init(&sb);
    raw_envelope(&sb, bad_cast, 3);
    ok = expect_verdict(sb.data, sb.size, ACTOR__WIRE_DROP, 0, NULL);
    h.correlation_id = 5;
    sb.size = 0;
    actor__wire_encode(&sb, &h);
    ok = ok && expect_verdict(sb.data, sb.size, ACTOR__WIRE_DROP, 0, NULL);
    /* a cast without target: dropped, not answered */
    h = actor__wire_header_make(actor_wire_Kind_CAST, 2);
    sb.size = 0;
    actor__wire_encode(&sb, &h);
    ok = ok && expect_verdict(sb.data, sb.size, ACTOR__WIRE_DROP, 0, NULL);
    msgpack_sbuffer_destroy(&sb);
    CHECK(ok);
}

/* The client side drops what is not a well-formed response. */
TEST(client_drops_non_responses)
{
    msgpack_sbuffer sb;
    actor__wire_in in;
    actor__wire_msg m;
    actor_status st;
    const char *frames[3];
    size_t lens[3];
    actor__wire_in first;

    /* learn the dealer's routing id */
    msgpack_sbuffer_init(&sb);
    request_envelope(&sb, 1);
    zmq_send(dealer, "x", 1, 0);
    CHECK_RC(actor__wire_recv(router, 0, &first), 0);
    frames[0] = zmq_msg_data(&first.parts[0]), lens[0] = zmq_msg_size(&first.parts[0]);
    frames[1] = sb.data, lens[1] = sb.size; /* a request sent to a client */
    frames[2] = "", lens[2] = 0;
    send_frames(router, frames, lens, 3);
    frames[1] = "\xff", lens[1] = 1; /* garbage */
    send_frames(router, frames, lens, 3);
    actor__wire_in_close(&first);
    for (int i = 0; i < 2; i++) {
        CHECK_RC(actor__wire_recv(dealer, 0, &in), 0);
        CHECK_INT(actor__wire_parse(&in, false, true, &m, &st), ACTOR__WIRE_DROP);
        actor__wire_msg_fini(&m);
        actor__wire_in_close(&in);
    }
    msgpack_sbuffer_destroy(&sb);
}

/* Random bytes and random mutations of a valid envelope: any verdict, but
 * no crash, no leak, and nothing invalid passes as OK. */
TEST(random_envelopes)
{
    msgpack_sbuffer sb;
    char buf[128];
    unsigned seed = 12345;
    actor__wire_in in;
    actor__wire_msg m;
    actor_status st;

    msgpack_sbuffer_init(&sb);
    request_envelope(&sb, 77);
    for (int round = 0; round < 3000; round++) {
        size_t len;
        actor__wire_verdict v;

        if (round % 2 == 0) {
            len = (size_t)(rand_r(&seed) % (int)sizeof buf) + 1;
            for (size_t i = 0; i < len; i++)
                buf[i] = (char)rand_r(&seed);
        } else {
            len = sb.size;
            memcpy(buf, sb.data, len);
            for (int flips = rand_r(&seed) % 4 + 1; flips > 0; flips--)
                buf[(size_t)rand_r(&seed) % len] = (char)rand_r(&seed);
        }
        v = server_sees(buf, len, "", 0, &in, &m, &st);
        CHECK((int)v >= ACTOR__WIRE_OK && (int)v <= ACTOR__WIRE_DROP);
        if (v == ACTOR__WIRE_OK)
            CHECK(m.env.version == 1 && m.env.message_id != 0 && m.body_len > 0);
        else if (v == ACTOR__WIRE_ANSWER)
            CHECK(st.category != ACTOR_STATUS_OK && st.message[0] != '\0');
        actor__wire_msg_fini(&m);
        actor__wire_in_close(&in);
    }
    msgpack_sbuffer_destroy(&sb);
}

/* Envelopes are read in place when they have the usual shape, else by the
 * generated decoder: mutated envelopes of every field get the same verdict
 * and the same fields either way (an envelope the generated decoder
 * refuses is never OK). */
TEST(in_place_reading_agrees_with_the_decoder)
{
    msgpack_sbuffer sb;
    char buf[256];
    unsigned seed = 777;
    actor__wire_in in;
    actor__wire_msg m;
    actor_status st;
    actor__wire_header h = actor__wire_header_make(actor_wire_Kind_REQUEST, 300);
    int disagreements = 0;

    h.priority = 200;
    h.has_deadline = true;
    h.deadline_ms = 70000;
    h.target = "calc";
    h.method = "add";
    h.type = "test.Calc";
    h.has_target_id = true;
    h.target_id = 1ull << 40;
    h.has_method_index = true;
    h.method_index = 3;
    msgpack_sbuffer_init(&sb);
    CHECK_RC(actor__wire_encode(&sb, &h), 0);
    CHECK(sb.size <= sizeof buf);
    for (int round = 0; round < 3000; round++) {
        actor_wire_Envelope ref;
        size_t len = sb.size;
        int rc;
        actor__wire_verdict v;

        memcpy(buf, sb.data, len);
        for (int flips = round == 0 ? 0 : rand_r(&seed) % 3 + 1; flips > 0; flips--)
            buf[(size_t)rand_r(&seed) % len] = (char)rand_r(&seed);
        if (round % 7 == 3)
            len -= (size_t)rand_r(&seed) % len; /* truncated */
        rc = actor_wire_Envelope_decode_ex(buf, len, &ref, &actor__wire_envelope_limits, NULL);
        v = server_sees(buf, len, "", 0, &in, &m, &st);
        if (round == 0)
            CHECK_INT(v, ACTOR__WIRE_OK);
        if (rc != 0 && v == ACTOR__WIRE_OK)
            disagreements++;
        if (rc == 0 && v == ACTOR__WIRE_OK && !same_envelope(&m.env, &ref))
            disagreements++;
        if (rc == 0)
            actor_wire_Envelope_free(&ref);
        actor__wire_msg_fini(&m);
        actor__wire_in_close(&in);
    }
    CHECK_INT(disagreements, 0);
    msgpack_sbuffer_destroy(&sb);
}

/* Status messages are made valid UTF-8 where they are set: a character
 * cut by the end goes, other invalid bytes become '?'. */
TEST(status_text_made_valid_utf8)
{
    static const struct {
        const char *in, *out;
    } cases[] = {
        {"plain", "plain"},
        {"caf\xc3\xa9", "caf\xc3\xa9"},
        {"caf\xc3", "caf"},
        {"x\xe2\x82", "x"},
        {"a\xff"
         "b",
         "a?b"},
        {"\xe0\x80x", "??x"},
        {"\xed\xa0\x80.", "???."},
        {"\x80\xc3\xa9", "?\xc3\xa9"},
    };
    actor_status st;
    char text[32];

    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        snprintf(text, sizeof text, "%s", cases[i].in);
        actor__text_fix_utf8(text);
        CHECK_STR(text, cases[i].out);
    }
    /* a long message cut mid-character by actor_status_set */
    memset(text, 0, sizeof text);
    for (size_t i = 0; i + 2 < sizeof text; i += 2)
        memcpy(text + i, "\xc3\xa9", 2);
    actor_status_set(&st, ACTOR_STATUS_ERROR, 1, "%s%s%s%s%s", text, text, text, text, text);
    CHECK_UINT(strlen(st.message), ACTOR_STATUS_MESSAGE_SIZE - 2);
    CHECK(actor__utf8_valid(st.message, strlen(st.message)));
}

TEST(recv_nothing_is_again)
{
    actor__wire_in in;

    CHECK_INT(actor__wire_recv(router, ZMQ_DONTWAIT, &in), ACTOR__WIRE_AGAIN);
    CHECK_UINT(in.n_parts, 0);
}

/* A client reading responses one after another (the thread's response
 * cache in wire.c): ids of every width, both field orders, and mutated
 * envelopes read exactly as the generated decoder reads them. */
TEST(responses_read_in_a_row_agree_with_the_decoder)
{
    static const uint64_t ids[][2] = {
        {1, 1}, {200, 7}, {70000, 300}, {1ull << 40, 1ull << 33}, {5, 1ull << 63}, {2, 3},
    };
    msgpack_sbuffer sb;
    char buf[64];
    unsigned seed = 99;
    int disagreements = 0;

    msgpack_sbuffer_init(&sb);
    for (int order = 0; order < 2; order++) {
        for (int round = 0; round < 600; round++) {
            const uint64_t *pair = ids[round % 6];
            actor__wire_msg m;
            actor_status st;
            actor_wire_Envelope ref;
            actor__wire_verdict v;
            size_t len;
            int rc;

            sb.size = 0;
            if (order == 0) {
                actor__wire_header h = actor__wire_header_make(actor_wire_Kind_RESPONSE, pair[0]);
                h.correlation_id = pair[1];
                actor__wire_encode(&sb, &h);
            } else { /* correlation_id before message_id */
                msgpack_packer pk;
                msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
                msgpack_pack_map(&pk, 4);
                msgpack_pack_uint8(&pk, 1), msgpack_pack_uint8(&pk, 1);
                msgpack_pack_uint8(&pk, 2), msgpack_pack_uint8(&pk, 2);
                msgpack_pack_uint8(&pk, 4), msgpack_pack_uint64(&pk, pair[1]);
                msgpack_pack_uint8(&pk, 3), msgpack_pack_uint64(&pk, pair[0]);
            }
            len = sb.size;
            memcpy(buf, sb.data, len);
            if (round % 5 == 4) /* a mutation now and then */
                buf[(size_t)rand_r(&seed) % len] = (char)rand_r(&seed);
            rc = actor_wire_Envelope_decode_ex(buf, len, &ref, &actor__wire_envelope_limits, NULL);
            v = actor__wire_parse_item(buf, len, "", 0, NULL, true, &m, &st);
            if (round % 5 != 4 && (v != ACTOR__WIRE_OK || m.env.message_id != pair[0] ||
                                   m.env.correlation_id != pair[1]))
                disagreements++;
            if (rc != 0 && v == ACTOR__WIRE_OK)
                disagreements++;
            if (rc == 0 && v == ACTOR__WIRE_OK && !same_envelope(&m.env, &ref))
                disagreements++;
            if (rc == 0)
                actor_wire_Envelope_free(&ref);
            actor__wire_msg_fini(&m);
        }
    }
    CHECK_INT(disagreements, 0);
    msgpack_sbuffer_destroy(&sb);
}

/* ---------------------------------------------------------- fast paths
 *
 * wire.c reads a plain response ({1: 1, 2: 2, 3: id, 4: correlation})
 * and the request a thread read last (its bytes around the id) without
 * the general reader. Whatever they take must be what the generated
 * decoder takes, with the same fields. */

/* Whether parse_item and the generated decoder agree on the envelope
 * buf: a refused envelope is never OK, and an accepted one is read with
 * the same fields (whatever the verdict of the rules after it). */
static bool agrees_with_decoder(const char *buf, size_t len, bool expect_response)
{
    actor_wire_Envelope ref;
    actor__wire_msg m;
    actor_status st;
    int rc = actor_wire_Envelope_decode_ex(buf, len, &ref, &actor__wire_envelope_limits, NULL);
    actor__wire_verdict v = actor__wire_parse_item(buf, len, "", 0, NULL, expect_response, &m, &st);
    bool ok = rc == 0 ? same_envelope(&m.env, &ref) : v != ACTOR__WIRE_OK;

    if (rc == 0)
        actor_wire_Envelope_free(&ref);
    actor__wire_msg_fini(&m);
    return ok;
}

/* A response envelope for ids (id, correlation) as our encoder writes it. */
static void response_envelope(msgpack_sbuffer *sb, uint64_t id, uint64_t correlation)
{
    actor__wire_header h = actor__wire_header_make(actor_wire_Kind_RESPONSE, id);

    h.correlation_id = correlation;
    sb->size = 0;
    actor__wire_encode(sb, &h);
}

/* Parses envelope sb as a client; wants OK with these ids and no status. */
static bool reads_as_response(const msgpack_sbuffer *sb, uint64_t id, uint64_t correlation)
{
    actor__wire_msg m;
    actor_status st;
    actor__wire_verdict v = actor__wire_parse_item(sb->data, sb->size, "", 0, NULL, true, &m, &st);
    bool ok = v == ACTOR__WIRE_OK && m.env.kind == actor_wire_Kind_RESPONSE &&
              m.env.message_id == id && m.env.has_correlation_id &&
              m.env.correlation_id == correlation && m.env.status == NULL && !m.env.has_priority;

    actor__wire_msg_fini(&m);
    return ok;
}

/* Ids of every msgpack width (fixint, uint 8/16/32/64 and their edges),
 * one after another in every pairing. */
TEST(responses_of_every_id_width_in_a_row)
{
    static const uint64_t ids[] = {0,     1,     127,        128,        255,        256,
                                   65535, 65536, UINT32_MAX, 1ull << 32, 1ull << 63, UINT64_MAX};
    const size_t n = sizeof ids / sizeof ids[0];
    msgpack_sbuffer sb;

    msgpack_sbuffer_init(&sb);
    for (size_t i = 0; i < n; i++) {
        for (size_t j = 0; j < n; j++) {
            response_envelope(&sb, ids[i], ids[j]);
            CHECK(reads_as_response(&sb, ids[i], ids[j]));
            CHECK(agrees_with_decoder(sb.data, sb.size, true));
            response_envelope(&sb, ids[j], ids[i]);
            CHECK(reads_as_response(&sb, ids[j], ids[i]));
        }
    }
    msgpack_sbuffer_destroy(&sb);
}

/* Integers the codec reads but our encoder never writes (an id as a
 * wider form than it needs, or as a signed form) read as the decoder
 * reads them, whichever path takes them. */
TEST(responses_in_unusual_integer_forms)
{
    static const char *const envs[] = {
        "\x84\x01\x01\x02\x02\x03\xcf\x00\x00\x00\x00\x00\x00\x00\x05\x04\x07",
        "\x84\x01\x01\x02\x02\x03\xcc\x05\x04\xcd\x00\x07",
        "\x84\x01\x01\x02\x02\x03\xd0\x05\x04\x07", /* int8 id */
        "\x84\x01\x01\x02\x02\x03\x05\x04\xd3\x00\x00\x00\x00\x00\x00\x00\x07",
        "\x84\x01\x01\x02\x02\x03\xff\x04\x07", /* negative id */
        "\x84\x01\x01\x02\x02\x03\x05\x04\xc0", /* nil correlation */
        "\x84\x01\x01\x02\x02\x03\x05\x04\xcb\x00\x00\x00\x00\x00\x00\x00\x00",
        "\x84\x01\xcc\x01\x02\x02\x03\x05\x04\x07",     /* version as uint8 */
        "\x84\x01\x01\x02\xd0\x02\x03\x05\x04\x07",     /* kind as int8 */
        "\x84\x01\x01\x02\x02\x03\x05\x03\x07",         /* id twice */
        "\x84\x01\x01\x02\x02\x03\x05\x05\x07",         /* priority, no correlation */
        "\x84\x01\x01\x02\x02\x03\x05\x04\x07\x00",     /* trailing byte */
        "\x85\x01\x01\x02\x02\x03\x05\x04\x07",         /* one field short */
        "\x83\x01\x01\x02\x02\x03\x05\x04\x07",         /* one field too many */
        "\xde\x00\x04\x01\x01\x02\x02\x03\x05\x04\x07", /* map16 */
    };
    static const size_t lens[] = {17, 12, 10, 17, 9, 9, 17, 10, 10, 9, 9, 10, 9, 9, 11};

    for (size_t i = 0; i < sizeof envs / sizeof envs[0]; i++) {
        if (!agrees_with_decoder(envs[i], lens[i], true))
            printf("  envelope %zu\n", i);
        CHECK(agrees_with_decoder(envs[i], lens[i], true));
    }
}

/* Every byte of a plain response set to every value, and every prefix:
 * the fast path takes only what the decoder takes, with its fields. */
TEST(response_mutations_agree_with_the_decoder)
{
    static const uint64_t ids[][2] = {{5, 7}, {300, 70000}, {1ull << 40, 200}};
    msgpack_sbuffer sb;
    char buf[64];
    int disagreements = 0;

    msgpack_sbuffer_init(&sb);
    for (size_t k = 0; k < sizeof ids / sizeof ids[0]; k++) {
        response_envelope(&sb, ids[k][0], ids[k][1]);
        CHECK(sb.size <= sizeof buf);
        for (size_t at = 0; at < sb.size; at++) {
            for (int b = 0; b < 256; b++) {
                memcpy(buf, sb.data, sb.size);
                buf[at] = (char)b;
                disagreements += !agrees_with_decoder(buf, sb.size, true);
                disagreements += !agrees_with_decoder(buf, sb.size, false);
            }
            disagreements += !agrees_with_decoder(sb.data, at + 1, true); /* truncated */
        }
    }
    CHECK_INT(disagreements, 0);
    msgpack_sbuffer_destroy(&sb);
}

/* A response with a status, or with a third field, after plain ones: the
 * status and the field are read, not those of the responses before. */
TEST(response_with_status_or_more_after_plain_ones)
{
    msgpack_sbuffer sb;
    actor_status err = {ACTOR_STATUS_ERROR, 3, "no such thing"}, got;
    actor__wire_header h = actor__wire_header_make(actor_wire_Kind_RESPONSE, 11);
    actor__wire_msg m;
    actor_status st;

    msgpack_sbuffer_init(&sb);
    response_envelope(&sb, 10, 20);
    CHECK(reads_as_response(&sb, 10, 20));
    h.correlation_id = 21;
    h.status = &err;
    sb.size = 0;
    CHECK_RC(actor__wire_encode(&sb, &h), 0);
    CHECK_INT(actor__wire_parse_item(sb.data, sb.size, "", 0, NULL, true, &m, &st), ACTOR__WIRE_OK);
    CHECK(m.env.message_id == 11 && m.env.correlation_id == 21 && m.env.status != NULL);
    actor__wire_status_of(&m.env, &got);
    actor__wire_msg_fini(&m);
    CHECK_INT(got.category, ACTOR_STATUS_ERROR);
    CHECK_INT(got.code, 3);
    CHECK_STR(got.message, "no such thing");

    response_envelope(&sb, 12, 22);
    CHECK(reads_as_response(&sb, 12, 22));
    h = actor__wire_header_make(actor_wire_Kind_RESPONSE, 13);
    h.correlation_id = 23;
    h.priority = 9;
    sb.size = 0;
    CHECK_RC(actor__wire_encode(&sb, &h), 0);
    CHECK_INT(actor__wire_parse_item(sb.data, sb.size, "", 0, NULL, true, &m, &st), ACTOR__WIRE_OK);
    CHECK(m.env.message_id == 13 && m.env.correlation_id == 23 && m.env.has_priority &&
          m.env.priority == 9 && m.env.status == NULL);
    actor__wire_msg_fini(&m);
    CHECK(agrees_with_decoder(sb.data, sb.size, true));

    response_envelope(&sb, 14, 24);
    CHECK(reads_as_response(&sb, 14, 24));
    /* a server does not take a response, fast path or not */
    CHECK_INT(actor__wire_parse_item(sb.data, sb.size, "", 0, NULL, false, &m, &st),
              ACTOR__WIRE_DROP);
    actor__wire_msg_fini(&m);
    msgpack_sbuffer_destroy(&sb);
}

/* A request envelope with these names (NULL: left out). */
static void named_request(msgpack_sbuffer *sb, uint64_t id, const char *target, const char *method,
                          const char *type)
{
    actor__wire_header h = actor__wire_header_make(actor_wire_Kind_REQUEST, id);

    h.target = target;
    h.method = method;
    h.type = type;
    h.has_deadline = true;
    h.deadline_ms = 5000;
    if (target == NULL) {
        h.has_target_id = true;
        h.target_id = 9;
    }
    sb->size = 0;
    actor__wire_encode(sb, &h);
}

/* Parses request sb as a server; wants OK with this id and these names. */
static bool reads_as_request(const msgpack_sbuffer *sb, uint64_t id, const char *target,
                             const char *method, const char *type)
{
    actor__wire_msg m;
    actor_status st;
    actor__wire_verdict v = actor__wire_parse_item(sb->data, sb->size, "", 0, NULL, false, &m, &st);
    bool ok = v == ACTOR__WIRE_OK && m.env.kind == actor_wire_Kind_REQUEST &&
              m.env.message_id == id && same_name(m.env.target, target) &&
              same_name(m.env.method, method) && same_name(m.env.type, type) &&
              m.env.has_deadline_ms && m.env.deadline_ms == 5000;

    actor__wire_msg_fini(&m);
    return ok;
}

/* The thread's last request kept: ids of every width after one another,
 * names of every length around the short-copy size, a name that changes
 * but keeps its length, names left out. */
TEST(cached_requests_read_their_own_id_and_names)
{
    static const uint64_t ids[] = {1, 127, 128, 300, 70000, 1ull << 35, UINT64_MAX};
    char longs[4][256];
    msgpack_sbuffer sb;

    for (int i = 0; i < 4; i++) {
        static const size_t len[4] = {31, 32, 33, 255};
        memset(longs[i], 'a' + i, len[i]);
        longs[i][len[i]] = '\0';
    }
    msgpack_sbuffer_init(&sb);
    for (size_t i = 0; i < sizeof ids / sizeof ids[0]; i++) {
        for (size_t j = 0; j < sizeof ids / sizeof ids[0]; j++) {
            named_request(&sb, ids[i], "calc", "add", "test.Calc");
            CHECK(reads_as_request(&sb, ids[i], "calc", "add", "test.Calc"));
            named_request(&sb, ids[j], "calc", "add", "test.Calc");
            CHECK(reads_as_request(&sb, ids[j], "calc", "add", "test.Calc"));
        }
    }
    for (int i = 0; i < 4; i++) {
        for (int twice = 0; twice < 2; twice++) {
            named_request(&sb, 5u + (unsigned)twice * 1000, longs[i], longs[(i + 1) % 4],
                          longs[(i + 2) % 4]);
            CHECK(reads_as_request(&sb, 5u + (unsigned)twice * 1000, longs[i], longs[(i + 1) % 4],
                                   longs[(i + 2) % 4]));
        }
    }
    named_request(&sb, 7, "calc", "add", NULL);
    CHECK(reads_as_request(&sb, 7, "calc", "add", NULL));
    named_request(&sb, 8, "calc", "sub", NULL); /* same length, other name */
    CHECK(reads_as_request(&sb, 8, "calc", "sub", NULL));
    named_request(&sb, 9, NULL, "sub", NULL);
    CHECK(reads_as_request(&sb, 9, NULL, "sub", NULL));
    named_request(&sb, 10, NULL, "sub", NULL);
    CHECK(reads_as_request(&sb, 10, NULL, "sub", NULL));
    named_request(&sb, 11, "calc", "sub", "x");
    CHECK(reads_as_request(&sb, 11, "calc", "sub", "x"));
    msgpack_sbuffer_destroy(&sb);
}

/* Every byte of a request set to every value, and every prefix, each read
 * right after the request itself (so that the thread's cache holds it):
 * only what the decoder takes is taken, with its fields. */
TEST(request_mutations_after_a_cached_one_agree_with_the_decoder)
{
    msgpack_sbuffer sb;
    char buf[128];
    int disagreements = 0;

    msgpack_sbuffer_init(&sb);
    named_request(&sb, 70000, "calc", "add", "test.Calc");
    CHECK(sb.size <= sizeof buf);
    for (size_t at = 0; at < sb.size; at++) {
        for (int b = 0; b < 256; b++) {
            CHECK(reads_as_request(&sb, 70000, "calc", "add", "test.Calc"));
            memcpy(buf, sb.data, sb.size);
            buf[at] = (char)b;
            disagreements += !agrees_with_decoder(buf, sb.size, false);
        }
        CHECK(reads_as_request(&sb, 70000, "calc", "add", "test.Calc"));
        disagreements += !agrees_with_decoder(sb.data, at + 1, false); /* truncated */
    }
    CHECK_INT(disagreements, 0);
    msgpack_sbuffer_destroy(&sb);
}

/* parse_item sets every field of the message it fills, whatever was in
 * it before and whichever path reads the envelope: the same inputs parsed
 * into a zeroed message and into one full of garbage read the same. */
TEST(parse_item_sets_every_field)
{
    static const char garbage_env[] = "\xc1\x00";
    actor_status err = {ACTOR_STATUS_ERROR, 5, "bad"};
    actor__wire_route route = {"peer", 4, true};
    msgpack_sbuffer sb[6];
    const char *envs[8];
    size_t lens[8];
    actor__wire_header h;

    for (int i = 0; i < 6; i++)
        msgpack_sbuffer_init(&sb[i]);
    response_envelope(&sb[0], 3, 4);                    /* plain response */
    named_request(&sb[1], 77, "calc", "add", "t.Calc"); /* general, then cached */
    h = actor__wire_header_make(actor_wire_Kind_RESPONSE, 5);
    h.correlation_id = 6;
    h.status = &err;
    actor__wire_encode(&sb[2], &h);                                      /* decoded: a status */
    raw_envelope(&sb[3], (const int64_t[]){1, 1, 2, 1, 3, 9, 40, 1}, 4); /* unknown field */
    h = actor__wire_header_make(actor_wire_Kind_CAST, 0);
    h.has_target_id = true;
    h.target_id = 12;
    h.has_method_index = true;
    h.method_index = 1;
    actor__wire_encode(&sb[4], &h);                /* integers only */
    named_request(&sb[5], 0, "calc", "add", NULL); /* refused by the rules */
    for (int i = 0; i < 6; i++) {
        envs[i] = sb[i].data;
        lens[i] = sb[i].size;
    }
    envs[6] = garbage_env;
    lens[6] = 2;
    envs[7] = ""; /* refused before it is read */
    lens[7] = 0;
    for (int round = 0; round < 2; round++) {
        for (int i = 0; i < 8; i++) {
            for (int expect_response = 0; expect_response < 2; expect_response++) {
                actor__wire_msg a, b;
                actor_status sa, sb_;
                actor__wire_verdict va, vb;

                memset(&a, 0, sizeof a);
                memset(&b, 0xa5, sizeof b);
                vb = actor__wire_parse_item(envs[i], lens[i], "xy", 2, i % 2 ? &route : NULL,
                                            expect_response, &b, &sb_);
                va = actor__wire_parse_item(envs[i], lens[i], "xy", 2, &route, expect_response, &a,
                                            &sa);
                CHECK_INT(va, vb);
                CHECK(same_envelope(&a.env, &b.env));
                CHECK(a.env.has_auth == b.env.has_auth && a.env.auth.len == b.env.auth.len);
                CHECK(a.heap_env == b.heap_env);
                CHECK(a.body_len == b.body_len && (a.body == NULL) == (b.body == NULL));
                CHECK(b.route.id == (i % 2 ? route.id : NULL));
                CHECK(b.route.delimiter == (i % 2 ? route.delimiter : false));
                CHECK_INT(sa.category, sb_.category);
                actor__wire_msg_fini(&a);
                actor__wire_msg_fini(&b);
            }
        }
    }
    for (int i = 0; i < 6; i++)
        msgpack_sbuffer_destroy(&sb[i]);
}

/* The integer-only envelopes our encoder writes itself are the bytes
 * the generated encoder writes for the same fields. */
TEST(integer_envelopes_are_the_generated_encoders_bytes)
{
    static const uint64_t ids[] = {0, 1, 200, 70000, 1ull << 40};
    msgpack_sbuffer ours, ref;

    msgpack_sbuffer_init(&ours);
    msgpack_sbuffer_init(&ref);
    for (int kind = actor_wire_Kind_UNSET; kind <= actor_wire_Kind_BATCH + 200; kind += 1) {
        for (size_t i = 0; i < sizeof ids / sizeof ids[0]; i++) {
            actor__wire_header h = actor__wire_header_make((actor_wire_Kind)kind, ids[i]);
            actor_wire_Envelope env;

            actor_wire_Envelope_init(&env);
            env.version = actor_wire_VERSION;
            env.kind = (actor_wire_Kind)kind;
            env.message_id = ids[i];
            h.correlation_id = ids[(i + 1) % 5];
            env.has_correlation_id = kind == actor_wire_Kind_RESPONSE;
            env.correlation_id = env.has_correlation_id ? h.correlation_id : 0;
            if (i % 2 == 1) {
                h.priority = (int)(i * 50);
                env.has_priority = true;
                env.priority = (uint8_t)(i * 50);
                h.has_deadline = env.has_deadline_ms = true;
                h.deadline_ms = env.deadline_ms = (uint32_t)ids[i];
            }
            if (i == 2) {
                h.has_target_id = env.has_target_id = true;
                h.target_id = env.target_id = 1ull << 50;
                h.has_method_index = env.has_method_index = true;
                h.method_index = env.method_index = 77;
            }
            ours.size = ref.size = 0;
            CHECK_RC(actor__wire_encode(&ours, &h), 0);
            CHECK_RC(actor_wire_Envelope_encode(&env, &ref), 0);
            CHECK_UINT(ours.size, ref.size);
            CHECK(memcmp(ours.data, ref.data, ref.size) == 0);
        }
        if (kind == actor_wire_Kind_BATCH)
            kind = 120; /* then the kinds around the end of the fixints */
    }
    msgpack_sbuffer_destroy(&ours);
    msgpack_sbuffer_destroy(&ref);
}

/* A packed pair is two bin values, in the smallest form for each length,
 * as msgpack-c writes them; appended after what sb holds. */
TEST(packed_pairs_are_msgpack_bins)
{
    static const size_t lens[] = {0, 1, 255, 256, 65535, 65536};
    static char data[65537]; /* the bodies start one byte in */
    msgpack_sbuffer ours, ref;
    msgpack_packer pk;

    for (size_t i = 0; i < sizeof data; i++)
        data[i] = (char)(i * 7);
    msgpack_sbuffer_init(&ours);
    msgpack_sbuffer_init(&ref);
    msgpack_packer_init(&pk, &ref, msgpack_sbuffer_write);
    for (size_t i = 0; i < sizeof lens / sizeof lens[0]; i++) {
        size_t env_len = lens[i], body_len = lens[(i + 3) % 6];
        CHECK_RC(actor__wire_pack(&ours, data, env_len, data + 1, body_len), 0);
        msgpack_pack_bin(&pk, env_len);
        msgpack_pack_bin_body(&pk, data, env_len);
        msgpack_pack_bin(&pk, body_len);
        msgpack_pack_bin_body(&pk, data + 1, body_len);
    }
    CHECK_UINT(ours.size, ref.size);
    CHECK(memcmp(ours.data, ref.data, ref.size) == 0);
    msgpack_sbuffer_destroy(&ours);
    msgpack_sbuffer_destroy(&ref);
}

/* ------------------------------------------------------------ batches */

/* A request's envelope with id `id` and pairs appended to sb; the
 * body is `body_len` bytes of a bin-shaped placeholder (never decoded here). */
static void pack_request(msgpack_sbuffer *pairs, uint64_t id, const char *body, size_t body_len)
{
    msgpack_sbuffer env;

    msgpack_sbuffer_init(&env);
    request_envelope(&env, id);
    actor__wire_pack(pairs, env.data, env.size, body, body_len);
    msgpack_sbuffer_destroy(&env);
}

TEST(batch_round_trip_over_sockets)
{
    static char big[70000];
    const size_t sizes[3] = {0, 300, sizeof big}; /* bin8, bin16, bin32 */
    msgpack_sbuffer pairs;
    actor__wire_in in;
    actor__wire_msg m;
    actor_status st;
    actor__wire_items it;
    const char *env, *body, *why;
    size_t env_len, body_len, n = 0;
    int rc;

    memset(big, 'x', sizeof big);
    msgpack_sbuffer_init(&pairs);
    for (uint64_t id = 1; id <= 3; id++)
        pack_request(&pairs, id, big, sizes[id - 1]);
    CHECK_RC(actor__wire_send_packed(dealer, NULL, pairs.data, pairs.size, 3), 0);
    msgpack_sbuffer_destroy(&pairs);
    CHECK_RC(actor__wire_recv(router, 0, &in), 0);
    CHECK_INT(actor__wire_parse(&in, true, false, &m, &st), ACTOR__WIRE_BATCH);
    CHECK_INT(m.env.kind, actor_wire_Kind_BATCH);
    it = (actor__wire_items){m.body, m.body + m.body_len, 0};
    while ((rc = actor__wire_items_next(&it, &env, &env_len, &body, &body_len, &why)) == 1) {
        actor__wire_msg item;
        actor_status ist;
        n++;
        CHECK_INT(
            actor__wire_parse_item(env, env_len, body, body_len, &m.route, false, &item, &ist),
            ACTOR__WIRE_OK);
        CHECK_UINT(item.env.message_id, n);
        CHECK_STR(item.env.method, "calculate");
        CHECK_UINT(item.body_len, n == 1 ? 1 : sizes[n - 1]); /* empty: the empty map */
        CHECK(n != 1 || item.body[0] == (char)0x80);
        CHECK(item.route.id_len == m.route.id_len);
        actor__wire_msg_fini(&item);
    }
    CHECK_RC(rc, 0);
    CHECK_UINT(n, 3);
    actor__wire_msg_fini(&m);
    actor__wire_in_close(&in);
}

TEST(single_pair_is_sent_alone)
{
    msgpack_sbuffer pairs;
    actor__wire_in in;
    actor__wire_msg m;
    actor_status st;

    msgpack_sbuffer_init(&pairs);
    pack_request(&pairs, 9, "\x80", 1);
    CHECK_RC(actor__wire_send_packed(dealer, NULL, pairs.data, pairs.size, 1), 0);
    msgpack_sbuffer_destroy(&pairs);
    CHECK_RC(actor__wire_recv(router, 0, &in), 0);
    CHECK_UINT(in.n_parts, 3); /* routing id, envelope, body */
    CHECK_INT(actor__wire_parse(&in, true, false, &m, &st), ACTOR__WIRE_OK);
    CHECK_UINT(m.env.message_id, 9);
    actor__wire_msg_fini(&m);
    actor__wire_in_close(&in);
}

/* Every prefix of a valid pairs stream yields the whole pairs before the
 * cut and then an error, never a read past the end (ASan). */
TEST(batch_pairs_cut_at_every_offset)
{
    msgpack_sbuffer pairs;

    msgpack_sbuffer_init(&pairs);
    pack_request(&pairs, 1, "\x81\x01\x02", 3);
    pack_request(&pairs, 2, "", 0);
    for (size_t cut = 0; cut < pairs.size; cut++) {
        char *copy = malloc(cut + 1);
        actor__wire_items it = {copy, copy + cut, 0};
        const char *env, *body, *why;
        size_t env_len, body_len, whole = 0;
        int rc;

        memcpy(copy, pairs.data, cut);
        while ((rc = actor__wire_items_next(&it, &env, &env_len, &body, &body_len, &why)) == 1)
            whole++;
        CHECK(cut == 0 ? rc == 0 : rc == ACTOR_EMALFORMED || (rc == 0 && whole == 1));
        CHECK(whole <= 1);
        CHECK(rc == 0 || strstr(why, "two bin values") != NULL);
        free(copy);
    }
    msgpack_sbuffer_destroy(&pairs);
}

TEST(batch_pairs_not_bin)
{
    actor__wire_items it = {"\x81\x01\x02", NULL, 0};
    const char *env, *body, *why;
    size_t env_len, body_len;

    it.end = it.p + 3;
    CHECK_RC(actor__wire_items_next(&it, &env, &env_len, &body, &body_len, &why), ACTOR_EMALFORMED);
    CHECK_RC(actor__wire_items_next(&it, &env, &env_len, &body, &body_len, &why), 0);
}

TEST(batch_of_too_many_pairs)
{
    msgpack_sbuffer pairs;
    actor__wire_items it;
    const char *env, *body, *why;
    size_t env_len, body_len, n = 0;
    int rc;

    msgpack_sbuffer_init(&pairs);
    for (unsigned i = 0; i <= ACTOR__WIRE_MAX_BATCH; i++)
        actor__wire_pack(&pairs, "\x80", 1, "", 0);
    it = (actor__wire_items){pairs.data, pairs.data + pairs.size, 0};
    while ((rc = actor__wire_items_next(&it, &env, &env_len, &body, &body_len, &why)) == 1)
        n++;
    CHECK_RC(rc, ACTOR_EMALFORMED);
    CHECK_UINT(n, ACTOR__WIRE_MAX_BATCH);
    CHECK(strstr(why, "more than 1024") != NULL);
    msgpack_sbuffer_destroy(&pairs);
}

TEST(batch_items_follow_the_rules)
{
    static const char batch_env[] = "\x83\x01\x01\x02\x05\x03\x00";
    msgpack_sbuffer env;
    actor__wire_msg m;
    actor_status st;
    actor__wire_header cast = actor__wire_header_make(actor_wire_Kind_CAST, 0);
    const int64_t wrong_version[] = {1, 2, 2, 1, 3, 44};

    CHECK_INT(actor__wire_parse_item(batch_env, sizeof batch_env - 1, "", 0, NULL, false, &m, &st),
              ACTOR__WIRE_ANSWER);
    CHECK(strstr(st.message, "a batch inside a batch") != NULL);
    actor__wire_msg_fini(&m);
    CHECK_INT(actor__wire_parse_item("\xc1", 1, "", 0, NULL, false, &m, &st), ACTOR__WIRE_ANSWER);
    CHECK_INT(st.category, ACTOR_STATUS_DECODE);
    actor__wire_msg_fini(&m);
    CHECK_INT(actor__wire_parse_item("", 0, "", 0, NULL, false, &m, &st), ACTOR__WIRE_ANSWER);
    CHECK(strstr(st.message, "empty envelope") != NULL);
    actor__wire_msg_fini(&m);

    msgpack_sbuffer_init(&env);
    raw_envelope(&env, wrong_version, 3);
    CHECK_INT(actor__wire_parse_item(env.data, env.size, "", 0, NULL, false, &m, &st),
              ACTOR__WIRE_ANSWER);
    CHECK_UINT(m.env.message_id, 44); /* salvaged: the answer finds its caller */
    actor__wire_msg_fini(&m);

    env.size = 0;
    cast.target = "calc";
    cast.method = "nope";
    cast.priority = 1;
    actor__wire_encode(&env, &cast);
    CHECK_INT(actor__wire_parse_item(env.data, env.size, "", 0, NULL, false, &m, &st),
              ACTOR__WIRE_OK);
    actor__wire_msg_fini(&m);
    /* a client reading a batch drops what is not a response */
    CHECK_INT(actor__wire_parse_item(env.data, env.size, "", 0, NULL, true, &m, &st),
              ACTOR__WIRE_DROP);
    actor__wire_msg_fini(&m);
    msgpack_sbuffer_destroy(&env);
}

TEST(batch_with_extra_frames_is_answered)
{
    static const char batch_env[] = "\x83\x01\x01\x02\x05\x03\x00";
    const char *frames[3] = {batch_env, "", "oob"};
    size_t lens[3] = {sizeof batch_env - 1, 0, 3};
    actor__wire_in in;
    actor__wire_msg m;
    actor_status st;

    send_frames(dealer, frames, lens, 3);
    CHECK_RC(actor__wire_recv(router, 0, &in), 0);
    CHECK_INT(actor__wire_parse(&in, true, false, &m, &st), ACTOR__WIRE_ANSWER);
    CHECK_INT(st.category, ACTOR_STATUS_DECODE);
    CHECK_UINT(m.env.message_id, 0);
    actor__wire_msg_fini(&m);
    actor__wire_in_close(&in);
}

TEST(peek_reads_id_and_kind)
{
    msgpack_sbuffer env;
    uint64_t id = 0;
    actor_wire_Kind kind = actor_wire_Kind_UNSET;

    msgpack_sbuffer_init(&env);
    request_envelope(&env, 1234);
    CHECK(actor__wire_peek(env.data, env.size, &id, &kind));
    CHECK_UINT(id, 1234);
    CHECK_INT(kind, actor_wire_Kind_REQUEST);
    CHECK(!actor__wire_peek("\xc1", 1, &id, &kind));
    msgpack_sbuffer_destroy(&env);
}

int main(void)
{
    const int on = 1, timeout = 5000;

    ctx = zmq_ctx_new();
    router = zmq_socket(ctx, ZMQ_ROUTER);
    dealer = zmq_socket(ctx, ZMQ_DEALER);
    zmq_setsockopt(router, ZMQ_ROUTER_MANDATORY, &on, sizeof on);
    zmq_setsockopt(router, ZMQ_RCVTIMEO, &timeout, sizeof timeout);
    zmq_setsockopt(dealer, ZMQ_RCVTIMEO, &timeout, sizeof timeout);
    if (zmq_bind(router, "inproc://wire-test") != 0 ||
        zmq_connect(dealer, "inproc://wire-test") != 0) {
        printf("cannot set up sockets: %s\n", zmq_strerror(zmq_errno()));
        return 1;
    }

    RUN(request_round_trip);
    RUN(response_round_trip);
    RUN(ok_response_has_no_status);
    RUN(protocol_example_bytes);
    RUN(unknown_category_is_internal);
    RUN(encoder_refuses_long_names);
    RUN(request_and_answer_over_sockets);
    RUN(req_delimiter_is_echoed);
    RUN(send_to_unknown_peer_is_notfound);
    RUN(send_to_full_peer_is_efull);
    RUN(garbage_envelope_is_answered);
    RUN(garbage_single_frame);
    RUN(wrong_version_is_answered_with_id);
    RUN(missing_version_is_answered);
    RUN(unknown_kind_is_answered);
    RUN(priority_out_of_range_is_answered_with_id);
    RUN(request_rules);
    RUN(long_name_from_peer_is_answered);
    RUN(long_string_under_an_unknown_key_is_answered);
    RUN(truncated_envelope_at_every_offset);
    RUN(huge_declared_lengths);
    RUN(deep_nesting_in_unknown_field);
    RUN(oversized_envelope);
    RUN(empty_envelope_frame);
    RUN(too_many_frames);
    RUN(oob_frames_not_supported);
    RUN(missing_body_frame);
    RUN(bad_cast_and_stray_response_are_dropped);
    RUN(client_drops_non_responses);
    RUN(random_envelopes);
    RUN(in_place_reading_agrees_with_the_decoder);
    RUN(responses_read_in_a_row_agree_with_the_decoder);
    RUN(responses_of_every_id_width_in_a_row);
    RUN(responses_in_unusual_integer_forms);
    RUN(response_mutations_agree_with_the_decoder);
    RUN(response_with_status_or_more_after_plain_ones);
    RUN(cached_requests_read_their_own_id_and_names);
    RUN(request_mutations_after_a_cached_one_agree_with_the_decoder);
    RUN(parse_item_sets_every_field);
    RUN(integer_envelopes_are_the_generated_encoders_bytes);
    RUN(packed_pairs_are_msgpack_bins);
    RUN(status_text_made_valid_utf8);
    RUN(recv_nothing_is_again);
    RUN(batch_round_trip_over_sockets);
    RUN(single_pair_is_sent_alone);
    RUN(batch_pairs_cut_at_every_offset);
    RUN(batch_pairs_not_bin);
    RUN(batch_of_too_many_pairs);
    RUN(batch_items_follow_the_rules);
    RUN(batch_with_extra_frames_is_answered);
    RUN(peek_reads_id_and_kind);

    zmq_close(dealer);
    zmq_close(router);
    zmq_ctx_term(ctx);
    return check_summary();
}
