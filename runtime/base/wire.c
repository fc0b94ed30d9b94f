/*
 * wire.c - envelopes and whole multipart messages on ZeroMQ sockets
 * (docs/PROTOCOL.md; the API is described in wire.h). Validation follows
 * the protocol's section 6 rule by rule; every failure becomes either a
 * status to answer with or a verdict to drop, never a crash.
 */
#include "base/wire.h"
#include "base/text.h"

#include <errno.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The wire's category values are actor.h's. */
_Static_assert((int)actor_wire_Category_OK == (int)ACTOR_STATUS_OK, "category values");
_Static_assert((int)actor_wire_Category_ERROR == (int)ACTOR_STATUS_ERROR, "category values");
_Static_assert((int)actor_wire_Category_TIMEOUT == (int)ACTOR_STATUS_TIMEOUT, "category values");
_Static_assert((int)actor_wire_Category_DIED == (int)ACTOR_STATUS_DIED, "category values");
_Static_assert((int)actor_wire_Category_REJECTED == (int)ACTOR_STATUS_REJECTED, "category values");
_Static_assert((int)actor_wire_Category_DECODE == (int)ACTOR_STATUS_DECODE, "category values");
_Static_assert((int)actor_wire_Category_NOT_FOUND == (int)ACTOR_STATUS_NOT_FOUND,
               "category values");
_Static_assert((int)actor_wire_Category_UNAUTHORIZED == (int)ACTOR_STATUS_UNAUTHORIZED,
               "category values");
_Static_assert((int)actor_wire_Category_UNAVAILABLE == (int)ACTOR_STATUS_UNAVAILABLE, "category values");
_Static_assert((int)actor_wire_Category_UNREACHABLE == (int)ACTOR_STATUS_UNREACHABLE, "category values");

/* Marks a slow path that the compiler would otherwise inline into the
 * fast path that calls it, making every call of the fast path save and
 * restore the registers only the slow one needs. */
#if defined(__GNUC__)
#define SLOW_PATH __attribute__((noinline))
#else
#define SLOW_PATH
#endif

/* A plain response (no status, nothing but the ids: what a server
 * sends for every call that went well) is the map {1: 1, 2: 2,
 * 3: message_id, 4: correlation_id}, whose first six bytes never change:
 * written (encode_plain_response) and read (read_response) as such. */
static const uint8_t response_head[] = {
    ACTOR__MP_FIXMAP | 4u,    actor_wire_Envelope_FIELD_VERSION,
    actor_wire_VERSION,       actor_wire_Envelope_FIELD_KIND,
    actor_wire_Kind_RESPONSE, actor_wire_Envelope_FIELD_MESSAGE_ID,
};
_Static_assert(actor_wire_VERSION < ACTOR__MP_FIXMAP && actor_wire_Kind_RESPONSE < ACTOR__MP_FIXMAP,
               "response_head holds them as positive fixints");

/* The empty map: what a zero-length body frame stands for. */
static const char empty_body[] = "\x80";

/* Decode limits for envelopes: small, flat maps. */
const actor_decode_limits actor__wire_envelope_limits = {
    .max_depth = 4,
    .max_string_len = ACTOR__WIRE_MAX_STATUS_MESSAGE,
    .max_bytes_len = ACTOR__WIRE_MAX_STATUS_MESSAGE,
    .max_elements = 64,
    .max_total_alloc = 4u * ACTOR__WIRE_MAX_ENVELOPE,
};

/* ============================================================ encoding */

/* OK with no message (as actor_status_set would make it, without its
 * formatting and UTF-8 check: once or twice per message read). */
static void status_ok(actor_status *st)
{
    st->category = ACTOR_STATUS_OK;
    st->code = 0;
    st->message[0] = '\0';
}

static bool name_ok(const char *s)
{
    return s == NULL || strlen(s) <= ACTOR__WIRE_MAX_NAME;
}

static bool status_present(const actor__wire_header *h)
{
    return h->status != NULL && h->status->category != ACTOR_STATUS_OK;
}

static uint32_t count_fields(const actor__wire_header *h)
{
    uint32_t n = 3; /* version, kind, message_id */

    n += h->kind == actor_wire_Kind_RESPONSE;
    n += h->priority >= 0 && h->priority <= UINT8_MAX;
    n += h->has_deadline;
    n += h->target != NULL;
    n += h->has_target_id;
    n += h->method != NULL;
    n += h->has_method_index;
    n += h->type != NULL;
    n += status_present(h);
    return n;
}

static int write_str_field(msgpack_sbuffer *sb, uint32_t id, const char *s)
{
    int rc = actor_write_key(sb, id);

    return rc != 0 ? rc : actor_write_str(sb, s);
}

static int write_uint_field(msgpack_sbuffer *sb, uint32_t id, uint64_t v)
{
    int rc = actor_write_key(sb, id);

    return rc != 0 ? rc : actor_write_uint64(sb, v);
}

/* The message of *st, made valid UTF-8 if it is not (actor_status_set
 * already does that; a status filled by hand may not be, and encoders
 * refuse invalid text). */
static int write_status_message(msgpack_sbuffer *sb, const actor_status *st)
{
    size_t len = strnlen(st->message, sizeof st->message);
    char text[sizeof st->message + 1];

    if (actor__utf8_valid(st->message, len))
        return actor_write_strn(sb, st->message, len);
    memcpy(text, st->message, len);
    text[len] = '\0';
    actor__text_fix_utf8(text);
    return actor_write_str(sb, text);
}

static int write_status(msgpack_sbuffer *sb, const actor_status *st)
{
    int rc;

    if ((rc = actor_write_key(sb, actor_wire_Envelope_FIELD_STATUS)) != 0 ||
        (rc = actor_write_map_header(sb, 3)) != 0 ||
        (rc = actor_write_key(sb, actor_wire_Status_FIELD_CATEGORY)) != 0 ||
        (rc = actor_write_int32(sb, (int32_t)st->category)) != 0 ||
        (rc = actor_write_key(sb, actor_wire_Status_FIELD_CODE)) != 0 ||
        (rc = actor_write_int32(sb, st->code)) != 0 ||
        (rc = actor_write_key(sb, actor_wire_Status_FIELD_MESSAGE)) != 0)
        return rc;
    return write_status_message(sb, st);
}

/* The fields after the first three, in ascending id order. */
static int write_optional_fields(msgpack_sbuffer *sb, const actor__wire_header *h)
{
    int rc = 0;

    if (h->kind == actor_wire_Kind_RESPONSE)
        rc = write_uint_field(sb, actor_wire_Envelope_FIELD_CORRELATION_ID, h->correlation_id);
    if (rc == 0 && h->priority >= 0 && h->priority <= UINT8_MAX)
        rc = write_uint_field(sb, actor_wire_Envelope_FIELD_PRIORITY, (uint64_t)h->priority);
    if (rc == 0 && h->has_deadline)
        rc = write_uint_field(sb, actor_wire_Envelope_FIELD_DEADLINE_MS, h->deadline_ms);
    if (rc == 0 && h->target != NULL)
        rc = write_str_field(sb, actor_wire_Envelope_FIELD_TARGET, h->target);
    if (rc == 0 && h->has_target_id)
        rc = write_uint_field(sb, actor_wire_Envelope_FIELD_TARGET_ID, h->target_id);
    if (rc == 0 && h->method != NULL)
        rc = write_str_field(sb, actor_wire_Envelope_FIELD_METHOD, h->method);
    if (rc == 0 && h->has_method_index)
        rc = write_uint_field(sb, actor_wire_Envelope_FIELD_METHOD_INDEX, h->method_index);
    if (rc == 0 && h->type != NULL)
        rc = write_str_field(sb, actor_wire_Envelope_FIELD_TYPE, h->type);
    if (rc == 0 && status_present(h))
        rc = write_status(sb, h->status);
    return rc;
}

/* v in its smallest unsigned msgpack form at p (room for
 * ACTOR__MP_INT_MAX_SIZE bytes); the byte after it. Written through a
 * local pointer, not sb, so that each byte stored does not make the
 * compiler read sb's size and data again. */
static inline char *put_uint_at(char *p, uint64_t v)
{
    if (v < ACTOR__MP_FIXMAP) {
        p[0] = (char)v;
        return p + 1;
    }
    if (v <= UINT8_MAX) {
        p[0] = (char)ACTOR__MP_UINT8;
        p[1] = (char)v;
        return p + 2;
    }
    if (v <= UINT16_MAX) {
        p[0] = (char)ACTOR__MP_UINT16;
        actor__store16(p + 1, (uint16_t)v);
        return p + 3;
    }
    if (v <= UINT32_MAX) {
        p[0] = (char)ACTOR__MP_UINT32;
        actor__store32(p + 1, (uint32_t)v);
        return p + 5;
    }
    p[0] = (char)ACTOR__MP_UINT64;
    actor__store64(p + 1, v);
    return p + 9;
}

/* Key `id` (a positive fixint: every envelope field id up to 11) and
 * value v at p; the byte after them. */
_Static_assert(actor_wire_Envelope_FIELD_METHOD_INDEX < ACTOR__MP_FIXMAP, "field ids are fixints");
static char *put_uint_field_at(char *p, uint32_t id, uint64_t v)
{
    p[0] = (char)id;
    return put_uint_at(p + 1, v);
}

/* Whether *h is a plain response (response_head). */
static bool plain_response(const actor__wire_header *h)
{
    return h->kind == actor_wire_Kind_RESPONSE && h->target == NULL && h->method == NULL &&
           h->type == NULL && !status_present(h) && (h->priority < 0 || h->priority > UINT8_MAX) &&
           !h->has_deadline && !h->has_target_id && !h->has_method_index;
}

/* A plain response: response_head and the two ids, one reservation. */
static int encode_plain_response(msgpack_sbuffer *sb, const actor__wire_header *h)
{
    char *p;

    if (actor_reserve(sb, sizeof response_head + 1 + 2 * ACTOR__MP_INT_MAX_SIZE) != 0)
        return ACTOR_ENOMEM;
    p = sb->data + sb->size;
    memcpy(p, response_head, sizeof response_head);
    p = put_uint_field_at(put_uint_at(p + sizeof response_head, h->message_id),
                          actor_wire_Envelope_FIELD_CORRELATION_ID, h->correlation_id);
    sb->size = (size_t)(p - sb->data);
    return 0;
}

/* Whether *h is an envelope of integers only whose kind is a positive
 * fixint (every kind there is): encode_integers' case. */
static bool integers_only(const actor__wire_header *h)
{
    return h->target == NULL && h->method == NULL && h->type == NULL && !status_present(h) &&
           h->kind >= 0 && h->kind < (int)ACTOR__MP_FIXMAP;
}

/* An envelope of integers only (no names, no status: most responses), the
 * same bytes as the general path below with one reservation in all; the
 * map's header (a fixmap: at most 8 fields here) is filled in last, once
 * the fields are counted. */
static int encode_integers(msgpack_sbuffer *sb, const actor__wire_header *h)
{
    uint32_t n = 3; /* version, kind, message_id */
    char *map, *p;

    if (actor_reserve(sb, 6 + 8 * ACTOR__MP_INT_MAX_SIZE) != 0)
        return ACTOR_ENOMEM;
    map = sb->data + sb->size;
    map[1] = (char)actor_wire_Envelope_FIELD_VERSION;
    map[2] = (char)actor_wire_VERSION;
    map[3] = (char)actor_wire_Envelope_FIELD_KIND;
    map[4] = (char)h->kind;
    p = put_uint_field_at(map + 5, actor_wire_Envelope_FIELD_MESSAGE_ID, h->message_id);
    if (h->kind == actor_wire_Kind_RESPONSE) {
        p = put_uint_field_at(p, actor_wire_Envelope_FIELD_CORRELATION_ID, h->correlation_id);
        n++;
    }
    if (h->priority >= 0 && h->priority <= UINT8_MAX) {
        p = put_uint_field_at(p, actor_wire_Envelope_FIELD_PRIORITY, (uint64_t)h->priority);
        n++;
    }
    if (h->has_deadline) {
        p = put_uint_field_at(p, actor_wire_Envelope_FIELD_DEADLINE_MS, h->deadline_ms);
        n++;
    }
    if (h->has_target_id) {
        p = put_uint_field_at(p, actor_wire_Envelope_FIELD_TARGET_ID, h->target_id);
        n++;
    }
    if (h->has_method_index) {
        p = put_uint_field_at(p, actor_wire_Envelope_FIELD_METHOD_INDEX, h->method_index);
        n++;
    }
    map[0] = (char)(ACTOR__MP_FIXMAP | n);
    sb->size += (size_t)(p - map);
    return 0;
}

/* Any other envelope, field by field. */
static SLOW_PATH int encode_fields(msgpack_sbuffer *sb, const actor__wire_header *h)
{
    const size_t start = sb->size;
    int rc;

    if (!name_ok(h->target) || !name_ok(h->method) || !name_ok(h->type))
        return ACTOR_EINVAL;
    if ((rc = actor_write_map_header(sb, count_fields(h))) != 0 ||
        (rc = write_uint_field(sb, actor_wire_Envelope_FIELD_VERSION, actor_wire_VERSION)) != 0 ||
        (rc = actor_write_key(sb, actor_wire_Envelope_FIELD_KIND)) != 0 ||
        (rc = actor_write_int32(sb, h->kind)) != 0 ||
        (rc = write_uint_field(sb, actor_wire_Envelope_FIELD_MESSAGE_ID, h->message_id)) != 0 ||
        (rc = write_optional_fields(sb, h)) != 0) {
        sb->size = start;
        return rc;
    }
    return 0;
}

int actor__wire_encode(msgpack_sbuffer *sb, const actor__wire_header *h)
{
    if (plain_response(h))
        return encode_plain_response(sb, h);
    return integers_only(h) ? encode_integers(sb, h) : encode_fields(sb, h);
}

/* ============================================================= sending */

/* libzmq's errno after a failed send, as an ACTOR_E* code. */
static int send_error(int e)
{
    switch (e) {
    case EAGAIN:
        return ACTOR_EFULL;
    case EHOSTUNREACH:
        return ACTOR_ENOTFOUND;
    case ETERM:
    case ENOTSOCK:
        return ACTOR_ECLOSED;
    default:
        return ACTOR_ESYSTEM;
    }
}

/* A part after the first: libzmq checks the high-water mark only at the
 * first part of a message, so this does not block; EINTR is retried. */
static int send_more(void *socket, const void *data, size_t len, int flags)
{
    for (;;) {
        if (zmq_send(socket, data, len, flags) >= 0)
            return 0;
        if (zmq_errno() != EINTR)
            return send_error(zmq_errno());
    }
}

/* Sends [routing id][delimiter][envelope][body], the body's part with
 * `last_flags` (ZMQ_SNDMORE when frames follow). */
static int send_message(void *socket, const actor__wire_route *route, const char *envelope,
                        size_t envelope_len, const char *body, size_t body_len, int last_flags)
{
    const void *parts[4];
    size_t lens[4], n = 0;
    int rc;

    if (route != NULL && route->id != NULL) {
        parts[n] = route->id;
        lens[n++] = route->id_len;
    }
    if (route != NULL && route->delimiter) {
        parts[n] = "";
        lens[n++] = 0;
    }
    parts[n] = envelope;
    lens[n++] = envelope_len;
    parts[n] = body;
    lens[n++] = body_len;

    do
        rc = zmq_send(socket, parts[0], lens[0], ZMQ_DONTWAIT | ZMQ_SNDMORE);
    while (rc < 0 && zmq_errno() == EINTR);
    if (rc < 0)
        return send_error(zmq_errno());
    for (size_t i = 1; i < n; i++) {
        rc = send_more(socket, parts[i], lens[i], i + 1 < n ? ZMQ_SNDMORE : last_flags);
        if (rc != 0)
            return rc;
    }
    return 0;
}

int actor__wire_send(void *socket, const actor__wire_route *route, const char *envelope,
                     size_t envelope_len, const char *body, size_t body_len)
{
    return send_message(socket, route, envelope, envelope_len, body, body_len, 0);
}

/* ------------------------------------------------ out-of-band frames, out */

struct actor__wire_blob {
    atomic_size_t refs;
    char *data;
};

actor__wire_blob *actor__wire_blob_new(char *data)
{
    actor__wire_blob *b = malloc(sizeof *b);

    if (b == NULL) {
        free(data);
        return NULL;
    }
    atomic_init(&b->refs, 1);
    b->data = data;
    return b;
}

void actor__wire_blob_unref(actor__wire_blob *b)
{
    if (b != NULL && atomic_fetch_sub_explicit(&b->refs, 1, memory_order_acq_rel) == 1) {
        free(b->data);
        free(b);
    }
}

/* libzmq's free callback of a frame over a blob (any thread). */
static void blob_frame_done(void *data, void *hint)
{
    (void)data;
    actor__wire_blob_unref(hint);
}

/* One out-of-band frame: over `blob` (zero copy), else copied. */
static int send_frame(void *socket, const char *data, size_t len, actor__wire_blob *blob,
                      int flags)
{
    zmq_msg_t frame;

    if (blob == NULL)
        return send_more(socket, data, len, flags);
    atomic_fetch_add_explicit(&blob->refs, 1, memory_order_relaxed);
    if (zmq_msg_init_data(&frame, (void *)(uintptr_t)data, len, blob_frame_done, blob) != 0) {
        actor__wire_blob_unref(blob);
        return ACTOR_ENOMEM;
    }
    for (;;) {
        if (zmq_msg_send(&frame, socket, flags) >= 0)
            return 0;
        if (zmq_errno() != EINTR)
            break;
    }
    int rc = send_error(zmq_errno());
    zmq_msg_close(&frame); /* drops the blob's reference */
    return rc;
}

int actor__wire_send_split(void *socket, const actor__wire_route *route, const char *envelope,
                           size_t envelope_len, const actor__oob_split *s, const char *body,
                           actor__wire_blob *blob)
{
    int rc = send_message(socket, route, envelope, envelope_len, s->body.data, s->body.size,
                          ZMQ_SNDMORE);

    for (uint32_t i = 0; rc == 0 && i < s->n; i++)
        rc = send_frame(socket, body + s->offset[i], s->len[i], blob,
                        i + 1 < s->n ? ZMQ_SNDMORE : 0);
    return rc;
}

int actor__wire_send_large(void *socket, const actor__wire_route *route, const char *envelope,
                           size_t envelope_len, const char *body, size_t body_len,
                           size_t threshold)
{
    actor__oob_split s;
    msgpack_sbuffer env;
    int rc;

    if (body_len < threshold || actor__oob_split_body(body, body_len, threshold, &s) != 0)
        return actor__wire_send(socket, route, envelope, envelope_len, body, body_len);
    msgpack_sbuffer_init(&env);
    if (s.n > 0 && msgpack_sbuffer_write(&env, envelope, envelope_len) == 0 &&
        actor__wire_describe_oob(&env, 0, &s) == 0)
        rc = actor__wire_send_split(socket, route, env.data, env.size, &s, body, NULL);
    else /* nothing to split, or no memory to: inline */
        rc = actor__wire_send(socket, route, envelope, envelope_len, body, body_len);
    msgpack_sbuffer_destroy(&env);
    actor__oob_split_fini(&s);
    return rc;
}

int actor__wire_describe_oob(msgpack_sbuffer *sb, size_t env_start, const actor__oob_split *s)
{
    const size_t end = sb->size;
    unsigned char head = (unsigned char)sb->data[env_start];
    int rc;

    if ((head & 0xf0u) != ACTOR__MP_FIXMAP || (head & 0x0fu) == 0x0fu)
        return ACTOR_EINVAL; /* not an envelope this side encoded */
    if ((rc = actor_write_key(sb, actor_wire_Envelope_FIELD_OOB)) != 0 ||
        (rc = actor_write_map_header(sb, 1)) != 0 ||
        (rc = actor_write_key(sb, actor_wire_Oob_FIELD_FRAMES)) != 0 ||
        (rc = actor_write_array_header(sb, s->n)) != 0)
        goto fail;
    for (uint32_t i = 0; i < s->n; i++)
        if ((rc = actor_write_map_header(sb, 1)) != 0 ||
            (rc = actor_write_key(sb, actor_wire_OobFrame_FIELD_SIZE)) != 0 ||
            (rc = actor_write_uint64(sb, s->len[i])) != 0)
            goto fail;
    sb->data[env_start] = (char)(head + 1);
    return 0;

fail:
    sb->size = end;
    return rc;
}

/* ------------------------------------------------- out-of-band frames, in */

/* Frames moved out of an actor__wire_in: the zmq_msg_t's hold the bytes. */
typedef struct taken_frames {
    actor_oob_frames f;
    zmq_msg_t msgs[];
} taken_frames;

static void taken_frames_destroy(actor_oob_frames *f)
{
    taken_frames *t = (taken_frames *)(void *)f;

    for (uint32_t i = 0; i < f->n; i++)
        zmq_msg_close(&t->msgs[i]);
    free(t);
}

int actor__wire_take_frames(actor__wire_in *in, const actor__wire_msg *m, actor_oob_frames **out)
{
    taken_frames *t = malloc(sizeof *t + m->n_oob * sizeof(zmq_msg_t));

    *out = NULL;
    if (t == NULL)
        return ACTOR_ENOMEM;
    atomic_init(&t->f.refs, 1);
    t->f.destroy = taken_frames_destroy;
    t->f.n = m->n_oob;
    t->f.total = 0;
    for (uint32_t i = 0; i < m->n_oob; i++) {
        zmq_msg_t *part = &in->parts[m->oob_at + i];
        zmq_msg_init(&t->msgs[i]);
        zmq_msg_move(&t->msgs[i], part); /* a small one's bytes live in the zmq_msg_t */
        t->f.data[i] = zmq_msg_data(&t->msgs[i]);
        t->f.len[i] = zmq_msg_size(&t->msgs[i]);
        t->f.total += t->f.len[i];
        in->data[m->oob_at + i] = NULL;
        in->size[m->oob_at + i] = 0;
    }
    *out = &t->f;
    return 0;
}

int actor__wire_join_body(const actor__wire_in *in, const actor__wire_msg *m, msgpack_sbuffer *out,
                          const char **why)
{
    actor_oob_frames view = {.n = m->n_oob};

    for (uint32_t i = 0; i < m->n_oob; i++) {
        view.data[i] = (const uint8_t *)in->data[m->oob_at + i];
        view.len[i] = in->size[m->oob_at + i];
    }
    return actor__oob_join(m->body, m->body_len, &view, out, why);
}

/* =========================================================== receiving */

void actor__wire_in_close(actor__wire_in *in)
{
    for (size_t i = 0; i < in->n_parts; i++)
        zmq_msg_close(&in->parts[i]);
    in->n_parts = 0;
}

static int recv_error(int e)
{
    if (e == EAGAIN || e == EINTR)
        return ACTOR__WIRE_AGAIN;
    return e == ETERM || e == ENOTSOCK ? ACTOR_ECLOSED : ACTOR_ESYSTEM;
}

/* Receives one part into *part (initialised here). The parts after the
 * first are already there (libzmq delivers messages whole), so only the
 * first may wait or find nothing. */
static int recv_part(void *socket, zmq_msg_t *part, int flags, bool first)
{
    zmq_msg_init(part);
    for (;;) {
        if (zmq_msg_recv(part, socket, first ? flags : 0) >= 0)
            return 0;
        if (!(zmq_errno() == EINTR && !first))
            break;
    }
    int rc = recv_error(zmq_errno());
    zmq_msg_close(part);
    return rc;
}

int actor__wire_recv(void *socket, int flags, actor__wire_in *in)
{
    bool more = true;

    in->n_parts = 0;
    in->n_discarded = 0;
    while (more) {
        zmq_msg_t scratch;
        bool keep = in->n_parts < ACTOR__WIRE_MAX_PARTS;
        zmq_msg_t *part = keep ? &in->parts[in->n_parts] : &scratch;
        int rc = recv_part(socket, part, flags, in->n_parts + in->n_discarded == 0);

        if (rc != 0) {
            actor__wire_in_close(in);
            return rc == ACTOR__WIRE_AGAIN && in->n_discarded == 0 ? rc : ACTOR_ESYSTEM;
        }
        more = zmq_msg_more(part) != 0;
        if (keep) {
            in->data[in->n_parts] = zmq_msg_data(part);
            in->size[in->n_parts] = zmq_msg_size(part);
            in->n_parts++;
        } else {
            in->n_discarded++;
            zmq_msg_close(&scratch);
        }
    }
    return 0;
}

/* ========================================================== validation */

static const char *part_data(const actor__wire_in *in, size_t i)
{
    return in->data[i];
}

static size_t part_size(const actor__wire_in *in, size_t i)
{
    return in->size[i];
}

/* Reads message_id and kind from an envelope that did not decode, as far
 * as its top-level map can be walked, so that the error can be answered
 * (or a cast's dropped). Fields not found stay as they are. */
static void salvage(const char *buf, size_t len, actor_wire_Envelope *env)
{
    const uint8_t *p = (const uint8_t *)buf;
    size_t header;
    uint32_t n;
    actor_reader r;

    /* The map's header by hand: its count may overrun a truncated input,
     * which actor_read_map_begin rightly refuses. */
    if (len >= 1 && (p[0] & 0xf0u) == ACTOR__MP_FIXMAP) {
        n = p[0] & 0x0fu;
        header = 1;
    } else if (len >= 3 && p[0] == ACTOR__MP_MAP16) {
        n = actor__load16(p + 1);
        header = 3;
    } else if (len >= 5 && p[0] == ACTOR__MP_MAP32) {
        n = actor__load32(p + 1);
        header = 5;
    } else {
        return;
    }
    actor_reader_init(&r, p + header, len - header, &actor__wire_envelope_limits, NULL);
    for (uint32_t i = 0; i < n; i++) {
        uint32_t id = 0;
        uint64_t message_id = 0;
        int32_t kind = 0;

        if (actor_read_field_id(&r, &id) != 0)
            return;
        if (id == actor_wire_Envelope_FIELD_MESSAGE_ID && actor_read_uint64(&r, &message_id) == 0)
            env->message_id = message_id;
        else if (id == actor_wire_Envelope_FIELD_KIND && actor_read_int32(&r, &kind) == 0)
            env->kind = kind;
        else if (actor_skip(&r) != 0)
            return;
    }
}

/* Why a message is invalid, written into *st as a DECODE status. */
static actor__wire_verdict invalid(actor_status *st, actor_status_category category,
                                   const char *why)
{
    actor_status_set(st, category, 0, "%s", why);
    return ACTOR__WIRE_ANSWER;
}

static bool long_name(const char *s)
{
    return s != NULL && strlen(s) > ACTOR__WIRE_MAX_NAME;
}

/* The rules for a decoded REQUEST, CAST or CONTROL; `short_names`: its
 * names were read in place, so none is longer than 255 bytes. */
static actor__wire_verdict check_call(const actor_wire_Envelope *env, bool short_names,
                                      actor_status *st)
{
    bool control = env->kind == actor_wire_Kind_CONTROL;

    if (env->message_id == 0 && env->kind != actor_wire_Kind_CAST)
        return invalid(st, ACTOR_STATUS_DECODE, "message_id 0 on a request");
    if (!short_names && (long_name(env->target) || long_name(env->method) || long_name(env->type)))
        return invalid(st, ACTOR_STATUS_DECODE, "a name longer than 255 bytes");
    if (!control && env->target == NULL && !env->has_target_id)
        return invalid(st, ACTOR_STATUS_DECODE, "no target and no target_id");
    if (env->method == NULL && (control || !env->has_method_index))
        return invalid(st, ACTOR_STATUS_DECODE, "no method and no method_index");
    return ACTOR__WIRE_OK;
}

/* The rules for the envelope m read (decoded or in place: a name read in
 * place is never longer than 255 bytes); `in_batch`: it is one of a
 * BATCH's pairs. */
static inline actor__wire_verdict check_envelope(const actor__wire_msg *m, bool expect_response,
                                                 bool in_batch, actor_status *st)
{
    const actor_wire_Envelope *env = &m->env;

    if (env->version != actor_wire_VERSION) {
        actor_status_set(st, ACTOR_STATUS_DECODE, 0,
                         "unsupported protocol version %u (this side speaks %u)",
                         (unsigned)env->version, (unsigned)actor_wire_VERSION);
        return ACTOR__WIRE_ANSWER;
    }
    switch (env->kind) {
    case actor_wire_Kind_RESPONSE:
        if (!expect_response || !env->has_correlation_id)
            return ACTOR__WIRE_DROP;
        return ACTOR__WIRE_OK;
    case actor_wire_Kind_REQUEST:
    case actor_wire_Kind_CAST:
    case actor_wire_Kind_CONTROL:
        return expect_response ? ACTOR__WIRE_DROP : check_call(env, !m->heap_env, st);
    case actor_wire_Kind_BATCH:
        return in_batch ? invalid(st, ACTOR_STATUS_DECODE, "a batch inside a batch")
                        : ACTOR__WIRE_BATCH;
    default:
        actor_status_set(st, ACTOR_STATUS_DECODE, 0, "unknown message kind %d", (int)env->kind);
        return ACTOR__WIRE_ANSWER;
    }
}

/* The sizes of an envelope and its body, lone or in a batch. */
static inline actor__wire_verdict check_sizes(size_t env_len, size_t body_len, actor_status *st)
{
    if (env_len == 0)
        return invalid(st, ACTOR_STATUS_DECODE, "empty envelope frame");
    if (env_len > ACTOR__WIRE_MAX_ENVELOPE)
        return invalid(st, ACTOR_STATUS_DECODE, "envelope larger than 8192 bytes");
    if (body_len > ACTOR__WIRE_MAX_BODY)
        return invalid(st, ACTOR_STATUS_DECODE, "body larger than 64 MiB");
    return ACTOR__WIRE_OK;
}

/* The out-of-band frames from part `first` on against what the envelope
 * says of them (docs/PROTOCOL.md, "Large payloads"): as many, each of the
 * size given, on a message kind that may have them. */
static actor__wire_verdict check_oob(const actor__wire_in *in, size_t first,
                                     const actor_wire_Envelope *env, actor_status *st)
{
    size_t n = in->n_parts - first, described = env->oob != NULL ? env->oob->n_frames : 0;
    uint64_t total = 0;

    if (n == 0 && described == 0)
        return ACTOR__WIRE_OK;
    if (env->kind == actor_wire_Kind_BATCH || env->kind == actor_wire_Kind_CONTROL) {
        actor_status_set(st, ACTOR_STATUS_DECODE, 0, "out-of-band frames on a %s",
                         env->kind == actor_wire_Kind_BATCH ? "BATCH" : "CONTROL");
        return ACTOR__WIRE_ANSWER;
    }
    if (described != n) {
        actor_status_set(st, ACTOR_STATUS_DECODE, 0,
                         "the envelope describes %zu out-of-band frames, %zu came", described, n);
        return ACTOR__WIRE_ANSWER;
    }
    for (size_t i = 0; i < n; i++) {
        uint64_t size = env->oob->frames[i].size;
        if (size != part_size(in, first + i)) {
            actor_status_set(st, ACTOR_STATUS_DECODE, 0,
                             "out-of-band frame %zu holds %zu bytes, the envelope says %llu", i,
                             part_size(in, first + i), (unsigned long long)size);
            return ACTOR__WIRE_ANSWER;
        }
        total += size;
    }
    if (total > ACTOR__OOB_MAX_TOTAL)
        return invalid(st, ACTOR_STATUS_DECODE, "out-of-band frames of more than 256 MiB in all");
    return ACTOR__WIRE_OK;
}

/* Frames: the envelope at `at`, the body after it, then the out-of-band
 * frames m's envelope describes (m NULL: its envelope could not be read,
 * so none may follow). */
static actor__wire_verdict check_frames(actor__wire_in *in, size_t at, const actor__wire_msg *m,
                                        actor_status *st)
{
    actor__wire_verdict v;

    if (in->n_discarded > 0 || in->n_parts - at > ACTOR__WIRE_MAX_FRAMES)
        return invalid(st, ACTOR_STATUS_DECODE, "more than 18 frames");
    if (in->n_parts - at < 2)
        return check_sizes(part_size(in, at), 0, st) != ACTOR__WIRE_OK
                   ? ACTOR__WIRE_ANSWER
                   : invalid(st, ACTOR_STATUS_DECODE, "no body frame");
    v = check_sizes(part_size(in, at), part_size(in, at + 1), st);
    if (v != ACTOR__WIRE_OK)
        return v;
    if (m == NULL)
        return in->n_parts - at > 2 ? invalid(st, ACTOR_STATUS_DECODE,
                                              "frames after the body of an unreadable envelope")
                                    : ACTOR__WIRE_OK;
    return check_oob(in, at + 2, &m->env, st);
}

/* ------------------------------------------------- reading in place
 *
 * Every message has an envelope, so reading it is on the path of every
 * request and response. The generated decoder copies each string to the
 * heap and frees it after (~2,000 instructions per message, half of them
 * malloc and free). The envelopes peers really send have one shape: a map
 * of fields 1-11, each once, names as fixstr or str8 of at most 255 bytes,
 * no status, oob or auth, nothing after the map. read_in_place reads that
 * shape with the codec's own readers, copying the names into the message's
 * `names` buffers. Anything else (an error, an unknown or repeated field, a
 * status, a long name, trailing bytes...) makes it give up, and the
 * generated decoder reads the envelope again from the start: it alone
 * decides what is invalid and words the error, so both paths accept and
 * refuse exactly the same envelopes. */

/* A name (target, method, type): a valid UTF-8 fixstr or str8, copied
 * NUL-terminated into buf (ACTOR__WIRE_MAX_NAME + 1 bytes). false: not
 * that shape (not necessarily invalid). */
/* The names this thread last found valid, per field (target, method,
 * type): a name equal to the last one in its field (the usual case: one
 * target, a few methods) is not checked for UTF-8 again. */
static _Thread_local struct {
    size_t len;
    char text[ACTOR__WIRE_MAX_NAME];
} valid_names[3];

static bool name_valid(size_t slot, const uint8_t *p, size_t len)
{
    if (valid_names[slot].len == len && len != 0 && memcmp(valid_names[slot].text, p, len) == 0)
        return true;
    if (!actor__utf8_valid((const char *)p, len))
        return false;
    valid_names[slot].len = len;
    memcpy(valid_names[slot].text, p, len);
    return true;
}

/* Name field `slot` (0 target, 1 method, 2 type) into m->names[slot]. */
static bool read_name_in_place(actor_reader *r, actor__wire_msg *m, size_t slot, char **field)
{
    char *buf = m->names[slot];
    const uint8_t *p = r->p;
    size_t avail = (size_t)(r->end - p), len, header;

    if (avail >= 1 && (p[0] & 0xe0u) == ACTOR__MP_FIXSTR) {
        len = p[0] & 0x1fu;
        header = 1;
    } else if (avail >= 2 && p[0] == ACTOR__MP_STR8) {
        len = p[1];
        header = 2;
    } else {
        return false;
    }
    if (avail - header < len || !name_valid(slot, p + header, len))
        return false;
    memcpy(buf, p + header, len);
    buf[len] = '\0';
    *field = buf;
    r->p = p + header + len;
    return true;
}

/* One field of the usual shape into m->env; false: give up. */
static bool read_field_in_place(actor_reader *r, uint32_t id, actor__wire_msg *m)
{
    actor_wire_Envelope *env = &m->env;
    int32_t kind = 0;

    switch (id) {
    case actor_wire_Envelope_FIELD_VERSION:
        return actor_read_uint32(r, &env->version) == 0;
    case actor_wire_Envelope_FIELD_KIND:
        if (actor_read_int32(r, &kind) != 0)
            return false;
        env->kind = (actor_wire_Kind)kind;
        return true;
    case actor_wire_Envelope_FIELD_MESSAGE_ID:
        return actor_read_uint64(r, &env->message_id) == 0;
    case actor_wire_Envelope_FIELD_CORRELATION_ID:
        return (env->has_correlation_id = actor_read_uint64(r, &env->correlation_id) == 0);
    case actor_wire_Envelope_FIELD_PRIORITY:
        return (env->has_priority = actor_read_uint8(r, &env->priority) == 0);
    case actor_wire_Envelope_FIELD_DEADLINE_MS:
        return (env->has_deadline_ms = actor_read_uint32(r, &env->deadline_ms) == 0);
    case actor_wire_Envelope_FIELD_TARGET:
        return read_name_in_place(r, m, 0, &env->target);
    case actor_wire_Envelope_FIELD_TARGET_ID:
        return (env->has_target_id = actor_read_uint64(r, &env->target_id) == 0);
    case actor_wire_Envelope_FIELD_METHOD:
        return read_name_in_place(r, m, 1, &env->method);
    case actor_wire_Envelope_FIELD_METHOD_INDEX:
        return (env->has_method_index = actor_read_uint32(r, &env->method_index) == 0);
    case actor_wire_Envelope_FIELD_TYPE:
        return read_name_in_place(r, m, 2, &env->type);
    default: /* status, oob, auth, unknown ids: the generated decoder's */
        return false;
    }
}

/* An unsigned integer at p in one of msgpack's unsigned forms (positive
 * fixint, uint 8/16/32/64) that ends by `end`: its value into *v and the
 * byte after it; NULL when there is none. The signed forms, which the
 * codec also reads for unsigned fields, are left to the general readers. */
static inline const uint8_t *uint_at(const uint8_t *p, const uint8_t *end, uint64_t *v)
{
    size_t avail = (size_t)(end - p);

    if (avail == 0)
        return NULL;
    if (p[0] < ACTOR__MP_FIXMAP) {
        *v = p[0];
        return p + 1;
    }
    switch (p[0]) {
    case ACTOR__MP_UINT8:
        if (avail < 2)
            return NULL;
        *v = p[1];
        return p + 2;
    case ACTOR__MP_UINT16:
        if (avail < 3)
            return NULL;
        *v = actor__load16(p + 1);
        return p + 3;
    case ACTOR__MP_UINT32:
        if (avail < 5)
            return NULL;
        *v = actor__load32(p + 1);
        return p + 5;
    case ACTOR__MP_UINT64:
        if (avail < 9)
            return NULL;
        *v = actor__load64(p + 1);
        return p + 9;
    default:
        return NULL;
    }
}

/* A plain response (above, encode_plain_response) read back: exactly
 * response_head, an unsigned integer, key 4, an unsigned integer, and the
 * end of the envelope. The generated decoder reads such bytes as version
 * 1, kind RESPONSE, the two ids and nothing else, so this accepts only
 * what it accepts, with the same fields; any other response (a status, a
 * priority, other forms or orders) is read the general way. Nothing to
 * cache: a client's responses differ in both ids. */
static bool read_response(const char *buf, size_t len, actor__wire_msg *m)
{
    const uint8_t *p = (const uint8_t *)buf, *end = p + len;
    uint64_t id = 0, correlation = 0;

    if (len < sizeof response_head + 3 || memcmp(p, response_head, sizeof response_head) != 0)
        return false;
    p = uint_at(p + sizeof response_head, end, &id);
    if (p == NULL || p == end || *p != actor_wire_Envelope_FIELD_CORRELATION_ID)
        return false;
    if (uint_at(p + 1, end, &correlation) != end)
        return false;
    m->env = (actor_wire_Envelope){
        .version = actor_wire_VERSION,
        .kind = actor_wire_Kind_RESPONSE,
        .message_id = id,
        .has_correlation_id = true,
        .correlation_id = correlation,
    };
    return true;
}

/* The last request or cast envelope this thread read in place. A client's
 * calls to one actor and method differ in their message id only, so an
 * envelope whose bytes around the id equal this one's, and whose id reads
 * as an unsigned integer filling exactly the bytes between, has the same
 * fields but the id, and the same verdict: it is taken from here without
 * reading the map, the names or their UTF-8 again. */
#define ENV_CACHE_BYTES 1024u

typedef struct envelope_cache {
    bool valid;
    size_t head_len, tail_len;   /* the bytes before and after the id's value */
    char bytes[ENV_CACHE_BYTES]; /* head, then tail */
    actor_wire_Envelope env;     /* as read; its names are in `names` */
    size_t name_size[3];         /* strlen + 1 of each name; 0: absent */
    char names[3][ACTOR__WIRE_MAX_NAME + 1];
    uint64_t shape; /* what read_cached gives as actor__wire_msg.shape */
} envelope_cache;

static _Thread_local envelope_cache last_envelope;

/* Shapes handed out so far, by every thread: each cached shape gets a
 * number no other shape had (the gateway's holder may move between
 * threads). */
static _Atomic uint64_t shapes;

/* Cached name `slot` copied into m->names[slot]; NULL when absent. A
 * short name is copied as a fixed SHORT_NAME bytes (both buffers are
 * ACTOR__WIRE_MAX_NAME + 1 long, the cache's zeroed at first), which the
 * compiler does in two moves instead of a call to memcpy. */
#define SHORT_NAME 32u
_Static_assert(SHORT_NAME <= ACTOR__WIRE_MAX_NAME + 1, "a short name fits the buffers");

static char *name_from_cache(actor__wire_msg *m, const envelope_cache *c, size_t slot)
{
    if (c->name_size[slot] == 0)
        return NULL;
    if (c->name_size[slot] <= SHORT_NAME)
        memcpy(m->names[slot], c->names[slot], SHORT_NAME);
    else
        memcpy(m->names[slot], c->names[slot], c->name_size[slot]);
    return m->names[slot];
}

/* Masks of the first n bytes of 8, n = 0..8 (as bytes: the same on
 * either byte order). */
static const uint8_t first_bytes[9][8] = {
    {0},
    {0xff},
    {0xff, 0xff},
    {0xff, 0xff, 0xff},
    {0xff, 0xff, 0xff, 0xff},
    {0xff, 0xff, 0xff, 0xff, 0xff},
    {0xff, 0xff, 0xff, 0xff, 0xff, 0xff},
    {0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff},
    {0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff},
};

/* Whether buf (len bytes) starts with the cache's head: the usual head
 * (map header, version, kind, key 3) is at most 8 bytes, compared in one
 * word when buf has 8 to read; else memcmp. */
static bool same_head(const envelope_cache *c, const char *buf, size_t len)
{
    uint64_t a, b, mask;

    if (c->head_len > 8 || len < 8)
        return memcmp(buf, c->bytes, c->head_len) == 0;
    memcpy(&a, buf, 8);
    memcpy(&b, c->bytes, 8);
    memcpy(&mask, first_bytes[c->head_len], 8);
    return ((a ^ b) & mask) == 0;
}

/* m->env from the cache when buf matches it (above); false: read it. */
static bool read_cached(const char *buf, size_t len, actor__wire_msg *m)
{
    const envelope_cache *c = &last_envelope;
    const uint8_t *id_end;
    uint64_t id = 0;

    if (!c->valid || len <= c->head_len + c->tail_len)
        return false;
    id_end = (const uint8_t *)buf + len - c->tail_len;
    if (!same_head(c, buf, len) || memcmp(id_end, c->bytes + c->head_len, c->tail_len) != 0 ||
        uint_at((const uint8_t *)buf + c->head_len, id_end, &id) != id_end)
        return false;
    m->env = c->env;
    m->env.message_id = id;
    m->shape = c->shape;
    m->env.target = name_from_cache(m, c, 0);
    m->env.method = name_from_cache(m, c, 1);
    m->env.type = name_from_cache(m, c, 2);
    return true;
}

/* Name `s` (of a request just read) kept as the cache's name `slot`. */
static char *name_to_cache(envelope_cache *c, size_t slot, const char *s)
{
    c->name_size[slot] = s != NULL ? strlen(s) + 1 : 0;
    return s != NULL ? memcpy(c->names[slot], s, c->name_size[slot]) : NULL;
}

/* Keeps a request or cast just read in place (its id's value at
 * buf[id_start, id_end)) for read_cached. */
static void cache_envelope(const char *buf, size_t len, size_t id_start, size_t id_end,
                           const actor__wire_msg *m)
{
    envelope_cache *c = &last_envelope;

    if ((m->env.kind != actor_wire_Kind_REQUEST && m->env.kind != actor_wire_Kind_CAST) ||
        id_end <= id_start || len - (id_end - id_start) > ENV_CACHE_BYTES)
        return;
    c->head_len = id_start;
    c->tail_len = len - id_end;
    memcpy(c->bytes, buf, c->head_len);
    memcpy(c->bytes + c->head_len, buf + id_end, c->tail_len);
    c->env = m->env;
    c->env.target = name_to_cache(c, 0, m->env.target);
    c->env.method = name_to_cache(c, 1, m->env.method);
    c->env.type = name_to_cache(c, 2, m->env.type);
    c->shape = atomic_fetch_add_explicit(&shapes, 1, memory_order_relaxed) + 1;
    c->valid = true;
}

/* Reads the envelope into m->env in place, field by field; false (m->env
 * cleared): not the usual shape, decode it with the generated decoder. */
static SLOW_PATH bool read_fields_in_place(const char *buf, size_t len, actor__wire_msg *m)
{
    actor_reader r;
    uint32_t count = 0, seen = 0, i = 0;
    size_t id_start = 0, id_end = 0;

    memset(&m->env, 0, sizeof m->env); /* the fields are set as they are read */
    actor_reader_init(&r, buf, len, &actor__wire_envelope_limits, NULL);
    if (actor_read_map_begin(&r, &count) != 0)
        return false;
    for (; i < count; i++) {
        uint32_t id = 0;
        if (actor_read_field_id(&r, &id) != 0 || id >= 32 || (seen & (UINT32_C(1) << id)) != 0)
            break;
        if (id == actor_wire_Envelope_FIELD_MESSAGE_ID)
            id_start = (size_t)((const char *)r.p - buf);
        if (!read_field_in_place(&r, id, m))
            break;
        if (id == actor_wire_Envelope_FIELD_MESSAGE_ID)
            id_end = (size_t)((const char *)r.p - buf);
        seen |= UINT32_C(1) << id;
    }
    if (i == count && r.p == r.end) {
        cache_envelope(buf, len, id_start, id_end, m);
        return true;
    }
    memset(&m->env, 0, sizeof m->env);
    return false;
}

/* Reads the envelope into m->env in place: a plain response or the
 * request last read without a call to the general reader; false (m->env
 * cleared): decode it with the generated decoder. */
static bool read_in_place(const char *buf, size_t len, actor__wire_msg *m)
{
    return read_response(buf, len, m) || read_cached(buf, len, m) ||
           read_fields_in_place(buf, len, m);
}

/* An envelope not read in place, decoded by the generated decoder into
 * m->env (on the heap); a failure leaves the salvaged message_id and kind
 * there. */
static SLOW_PATH actor__wire_verdict decode_generated(const char *buf, size_t len,
                                                      actor__wire_msg *m, actor_status *st)
{
    actor_decode_error err;

    memset(&m->env, 0, sizeof m->env);
    m->heap_env = true;
    if (actor_wire_Envelope_decode_ex(buf, len, &m->env, &actor__wire_envelope_limits, &err) == 0)
        return ACTOR__WIRE_OK;
    salvage(buf, len, &m->env);
    actor_status_set(st, ACTOR_STATUS_DECODE, 0, "bad envelope: %s", err.message);
    return ACTOR__WIRE_ANSWER;
}

/* Decodes the envelope bytes into m->env, every field of it set whatever
 * the outcome (so the caller need not clear it first); a failure leaves
 * the salvaged message_id and kind there. */
static actor__wire_verdict decode_envelope(const char *buf, size_t len, actor__wire_msg *m,
                                           actor_status *st)
{
    return read_in_place(buf, len, m) ? ACTOR__WIRE_OK : decode_generated(buf, len, m, st);
}

/* An answerable error about a message of this kind: answered unless it is
 * a cast or a response (or we are the client). */
static actor__wire_verdict answer_or_drop(const actor__wire_msg *m, bool expect_response,
                                          actor__wire_verdict v)
{
    if (v != ACTOR__WIRE_ANSWER)
        return v;
    if (expect_response || m->env.kind == actor_wire_Kind_CAST ||
        m->env.kind == actor_wire_Kind_RESPONSE)
        return ACTOR__WIRE_DROP;
    return v;
}

static void set_body(actor__wire_msg *m, const char *body, size_t len)
{
    m->body = len == 0 ? empty_body : body;
    m->body_len = len == 0 ? 1 : len;
}

actor__wire_verdict actor__wire_parse(actor__wire_in *in, bool router, bool expect_response,
                                      actor__wire_msg *m, actor_status *st)
{
    size_t at = 0;
    actor__wire_verdict v;

    memset(m, 0, offsetof(actor__wire_msg, names)); /* the names are written as read */
    status_ok(st);
    if (router) {
        if (in->n_parts < 2)
            return ACTOR__WIRE_DROP; /* a routing id and nothing else */
        m->route.id = part_data(in, 0);
        m->route.id_len = part_size(in, 0);
        at = 1;
    }
    if (at + 1 < in->n_parts && part_size(in, at) == 0) {
        m->route.delimiter = true;
        at++;
    }
    if (at >= in->n_parts)
        return ACTOR__WIRE_DROP;
    if (part_size(in, at) > ACTOR__WIRE_MAX_ENVELOPE || part_size(in, at) == 0)
        return answer_or_drop(m, expect_response, check_frames(in, at, NULL, st));
    v = decode_envelope(part_data(in, at), part_size(in, at), m, st);
    if (v == ACTOR__WIRE_OK)
        v = check_envelope(m, expect_response, false, st);
    if (v == ACTOR__WIRE_OK || v == ACTOR__WIRE_BATCH) {
        actor__wire_verdict frames = check_frames(in, at, m, st);
        v = frames == ACTOR__WIRE_OK ? v : frames;
    }
    if (v != ACTOR__WIRE_OK && v != ACTOR__WIRE_BATCH)
        return answer_or_drop(m, expect_response, v);
    if (v == ACTOR__WIRE_BATCH) { /* the pairs as they are: an empty frame holds none */
        m->body = part_data(in, at + 1);
        m->body_len = part_size(in, at + 1);
    } else {
        set_body(m, part_data(in, at + 1), part_size(in, at + 1));
        m->oob_at = at + 2;
        m->n_oob = (uint32_t)(in->n_parts - m->oob_at);
    }
    return v;
}

actor__wire_verdict actor__wire_parse_item(const char *env, size_t env_len, const char *body,
                                           size_t body_len, const actor__wire_route *route,
                                           bool expect_response, actor__wire_msg *m,
                                           actor_status *st)
{
    static const actor__wire_route no_route;
    actor__wire_verdict v;

    m->route = route != NULL ? *route : no_route;
    m->heap_env = false;
    m->shape = 0;
    m->oob_at = 0;
    m->n_oob = 0;
    m->body = NULL;
    m->body_len = 0;
    status_ok(st);
    v = check_sizes(env_len, body_len, st);
    if (v != ACTOR__WIRE_OK)
        memset(&m->env, 0, sizeof m->env);
    else /* sets every field of m->env, whatever it finds */
        v = decode_envelope(env, env_len, m, st);
    if (v == ACTOR__WIRE_OK)
        v = check_envelope(m, expect_response, true, st);
    if (v == ACTOR__WIRE_OK && m->env.oob != NULL)
        v = invalid(st, ACTOR_STATUS_DECODE, "out-of-band frames inside a BATCH");
    if (v != ACTOR__WIRE_OK)
        return answer_or_drop(m, expect_response, v);
    set_body(m, body, body_len);
    return ACTOR__WIRE_OK;
}

void actor__wire_msg_fini(actor__wire_msg *m)
{
    if (!m->heap_env) /* nothing held: its names are in m->names */
        return;
    actor_wire_Envelope_free(&m->env); /* clears it */
    m->heap_env = false;
}

void actor__wire_status_of(const actor_wire_Envelope *env, actor_status *st)
{
    const actor_wire_Status *s = env->status;

    if (s == NULL) {
        status_ok(st);
        return;
    }
    if (s->category < actor_wire_Category_OK || s->category > actor_wire_Category_UNREACHABLE) {
        actor_status_set(st, ACTOR_STATUS_INTERNAL, 0, "unknown status category %d: %s",
                         (int)s->category, s->message != NULL ? s->message : "");
        return;
    }
    actor_status_set(st, (actor_status_category)s->category,
                     s->category == actor_wire_Category_ERROR ? s->code : 0, "%s",
                     s->message != NULL ? s->message : "");
}

int actor__wire_answer(void *socket, const actor__wire_msg *m, const actor_status *st,
                       msgpack_sbuffer *scratch)
{
    actor__wire_header h = actor__wire_header_make(actor_wire_Kind_RESPONSE, 0);
    int rc;

    h.correlation_id = m->env.message_id;
    h.status = st;
    scratch->size = 0;
    if ((rc = actor__wire_encode(scratch, &h)) != 0)
        return rc;
    return actor__wire_send(socket, &m->route, scratch->data, scratch->size, "", 0);
}

/* ============================================================= batches */

/* A BATCH message's envelope: {1: 1, 2: 5, 3: 0} (version, kind BATCH,
 * message id 0); wire_test decodes it. */
static const char batch_envelope[] = {'\x83', '\x01', '\x01', '\x02', '\x05', '\x03', '\x00'};
_Static_assert(actor_wire_Kind_BATCH == 5, "batch_envelope's kind");

/* A msgpack bin value (bin8/16/32) at p, all of it before end: its data
 * and length, and the byte after it; NULL when there is none. */
static inline const char *bin_at(const char *p, const char *end, const char **data, size_t *len)
{
    const uint8_t *u = (const uint8_t *)p;
    size_t avail = (size_t)(end - p), header, n;

    if (avail >= 2 && u[0] == ACTOR__MP_BIN8) {
        n = u[1];
        header = 2;
    } else if (avail >= 3 && u[0] == ACTOR__MP_BIN16) {
        n = actor__load16(u + 1);
        header = 3;
    } else if (avail >= 5 && u[0] == ACTOR__MP_BIN32) {
        n = actor__load32(u + 1);
        header = 5;
    } else {
        return NULL;
    }
    if (avail - header < n)
        return NULL;
    *data = p + header;
    *len = n;
    return p + header + n;
}

int actor__wire_items_next(actor__wire_items *it, const char **env, size_t *env_len,
                           const char **body, size_t *body_len, const char **why)
{
    const char *p;

    *why = "";
    if (it->p == it->end)
        return 0;
    if (it->count == ACTOR__WIRE_MAX_BATCH) {
        *why = "more than 1024 messages in a batch";
        return ACTOR_EMALFORMED;
    }
    p = bin_at(it->p, it->end, env, env_len);
    if (p != NULL)
        p = bin_at(p, it->end, body, body_len);
    if (p == NULL) {
        *why = "a batch's pairs are not two bin values each";
        it->p = it->end;
        return ACTOR_EMALFORMED;
    }
    it->p = p;
    it->count++;
    return 1;
}

const char *actor__wire_batch_each(const actor__wire_msg *batch, bool expect_response,
                                   actor__wire_item_fn *fn, void *ctx)
{
    actor__wire_items it = {batch->body, batch->body + batch->body_len, 0};
    const char *env, *body, *why;
    size_t env_len, body_len;
    int rc;

    while ((rc = actor__wire_items_next(&it, &env, &env_len, &body, &body_len, &why)) == 1) {
        actor__wire_msg m;
        actor_status st;
        actor__wire_verdict v = actor__wire_parse_item(env, env_len, body, body_len, &batch->route,
                                                       expect_response, &m, &st);
        fn(ctx, &m, v, &st);
        actor__wire_msg_fini(&m);
    }
    return rc < 0 ? why : NULL;
}

/* A bin value (header, then the bytes) at p, room reserved; the byte
 * after it. */
static inline char *put_bin_at(char *p, const char *data, size_t len)
{
    if (len <= UINT8_MAX) {
        p[0] = (char)ACTOR__MP_BIN8;
        p[1] = (char)len;
        p += 2;
    } else if (len <= UINT16_MAX) {
        p[0] = (char)ACTOR__MP_BIN16;
        actor__store16(p + 1, (uint16_t)len);
        p += 3;
    } else {
        p[0] = (char)ACTOR__MP_BIN32;
        actor__store32(p + 1, (uint32_t)len);
        p += 5;
    }
    if (len != 0)
        memcpy(p, data, len);
    return p + len;
}

int actor__wire_pack(msgpack_sbuffer *sb, const char *env, size_t env_len, const char *body,
                     size_t body_len)
{
    char *p;

    if (env_len > UINT32_MAX || body_len > UINT32_MAX)
        return ACTOR_ETOOLONG;
    if (body_len > SIZE_MAX - 2 * ACTOR__MP_HEADER_MAX_SIZE - env_len ||
        actor_reserve(sb, 2 * ACTOR__MP_HEADER_MAX_SIZE + env_len + body_len) != 0)
        return ACTOR_ENOMEM;
    p = put_bin_at(sb->data + sb->size, env, env_len);
    p = put_bin_at(p, body, body_len);
    sb->size = (size_t)(p - sb->data);
    return 0;
}

int actor__wire_send_packed(void *socket, const actor__wire_route *route, const char *pairs,
                            size_t len, size_t count)
{
    actor__wire_items it = {pairs, pairs + len, 0};
    const char *env, *body, *why;
    size_t env_len, body_len;

    if (count != 1)
        return actor__wire_send(socket, route, batch_envelope, sizeof batch_envelope, pairs, len);
    if (actor__wire_items_next(&it, &env, &env_len, &body, &body_len, &why) != 1)
        return ACTOR_EINVAL;
    return actor__wire_send(socket, route, env, env_len, body, body_len);
}

bool actor__wire_peek(const char *env, size_t env_len, uint64_t *message_id, actor_wire_Kind *kind)
{
    actor__wire_msg m;
    bool ok;

    memset(&m, 0, offsetof(actor__wire_msg, names));
    ok = read_in_place(env, env_len, &m);
    *message_id = m.env.message_id;
    *kind = m.env.kind;
    return ok;
}
