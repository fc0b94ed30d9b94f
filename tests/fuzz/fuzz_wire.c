/*
 * fuzz_wire.c - libFuzzer target for the wire layer (runtime/base/wire.c,
 * docs/PROTOCOL.md): what a server or a client does with one multipart
 * message read from a socket, BATCHes taken apart pair by pair included.
 *
 * Input: byte 0 chooses the side (bit 0: read as a ROUTER, i.e. part 0 is
 * a routing id; bit 1: read as a client, expecting responses); then parts,
 * each a 16-bit little-endian length and that many bytes (a short last
 * part takes what is left), at most ACTOR__WIRE_MAX_PARTS of them.
 *
 * Properties checked beyond "no crash, no leak, no undefined behaviour"
 * (ASan/UBSan/LSan do those):
 * - every verdict is one of the four, and never BATCH for a batch's pair;
 * - a valid message has a body of at least one byte (the empty map for an
 *   empty frame);
 * - an answer carries a status other than OK, with a message;
 * - a batch yields at most ACTOR__WIRE_MAX_BATCH pairs, each inside the
 *   pairs frame, and stops at the first one that does not read;
 * - the envelope (lone or a batch's pair) is read as the generated decoder
 *   reads it, whichever of wire.c's paths takes it: one the decoder refuses
 *   is never valid, one it takes has the same fields.
 * A violated property aborts, which libFuzzer reports as a crash.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "base/wire.h"
#include "wire/same_envelope.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void require(int ok)
{
    if (!ok)
        abort();
}

/* The parts of the input as an actor__wire_in (each part copied into a
 * zmq_msg_t of its own, as libzmq would hand it over). */
static void split(const uint8_t *data, size_t size, actor__wire_in *in)
{
    in->n_parts = 0;
    in->n_discarded = 0;
    while (size > 0 && in->n_parts < ACTOR__WIRE_MAX_PARTS) {
        size_t len = size >= 2 ? (size_t)(data[0] | data[1] << 8) : 0;
        size_t head = size >= 2 ? 2 : size;
        zmq_msg_t *part = &in->parts[in->n_parts];

        data += head;
        size -= head;
        if (len > size)
            len = size;
        zmq_msg_init_size(part, len);
        if (len != 0)
            memcpy(zmq_msg_data(part), data, len);
        in->data[in->n_parts] = zmq_msg_data(part);
        in->size[in->n_parts] = len;
        in->n_parts++;
        data += len;
        size -= len;
    }
    if (size > 0)
        in->n_discarded = 1; /* more parts than kept, as actor__wire_recv counts them */
}

static bool inside(const char *p, size_t len, const char *lo, size_t lo_len)
{
    return p >= lo && len <= lo_len && (size_t)(p - lo) <= lo_len - len;
}

/* The envelope bytes env (of 1..ACTOR__WIRE_MAX_ENVELOPE bytes) that m was
 * read from with verdict v: as the generated decoder reads them. */
static void check_envelope_read(const char *env, size_t len, actor__wire_verdict v,
                                const actor__wire_msg *m)
{
    actor_wire_Envelope ref;

    if (len == 0 || len > ACTOR__WIRE_MAX_ENVELOPE)
        return;
    if (actor_wire_Envelope_decode_ex(env, len, &ref, &actor__wire_envelope_limits, NULL) != 0) {
        require(v != ACTOR__WIRE_OK && v != ACTOR__WIRE_BATCH);
        return;
    }
    require(same_envelope(&m->env, &ref));
    actor_wire_Envelope_free(&ref);
}

static void check_verdict(actor__wire_verdict v, const actor__wire_msg *m, const actor_status *st)
{
    require(v == ACTOR__WIRE_OK || v == ACTOR__WIRE_ANSWER || v == ACTOR__WIRE_DROP ||
            v == ACTOR__WIRE_BATCH);
    if (v == ACTOR__WIRE_OK)
        require(m->body != NULL && m->body_len >= 1);
    if (v == ACTOR__WIRE_ANSWER)
        require(st->category != ACTOR_STATUS_OK && st->message[0] != '\0');
}

static void read_batch(const actor__wire_msg *batch, bool expect_response)
{
    actor__wire_items it = {batch->body, batch->body + batch->body_len, 0};
    const char *env, *body, *why;
    size_t env_len, body_len, n = 0;
    int rc;

    while ((rc = actor__wire_items_next(&it, &env, &env_len, &body, &body_len, &why)) == 1) {
        actor__wire_msg m;
        actor_status st;
        actor__wire_verdict v;

        require(++n <= ACTOR__WIRE_MAX_BATCH);
        require(inside(env, env_len, batch->body, batch->body_len));
        require(inside(body, body_len, batch->body, batch->body_len));
        v = actor__wire_parse_item(env, env_len, body, body_len, &batch->route, expect_response, &m,
                                   &st);
        require(v != ACTOR__WIRE_BATCH);
        check_verdict(v, &m, &st);
        if (body_len <= ACTOR__WIRE_MAX_BODY)
            check_envelope_read(env, env_len, v, &m);
        actor__wire_msg_fini(&m);
    }
    require(rc == 0 || (rc == ACTOR_EMALFORMED && why[0] != '\0'));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    actor__wire_in in;
    actor__wire_msg m;
    actor_status st;
    actor__wire_verdict v;
    bool router, expect_response;
    size_t at;

    if (size < 1)
        return 0;
    router = (data[0] & 1) != 0;
    expect_response = (data[0] & 2) != 0;
    split(data + 1, size - 1, &in);
    v = actor__wire_parse(&in, router, expect_response, &m, &st);
    check_verdict(v, &m, &st);
    at = router ? 1 : 0;
    if (at + 1 < in.n_parts && in.size[at] == 0)
        at++; /* the delimiter */
    if (at < in.n_parts && (!router || in.n_parts >= 2))
        check_envelope_read(in.data[at], in.size[at], v, &m);
    if (v == ACTOR__WIRE_BATCH)
        read_batch(&m, expect_response);
    actor__wire_msg_fini(&m);
    actor__wire_in_close(&in);
    return 0;
}
