/*
 * wire.h - the wire layer (docs/PROTOCOL.md): encoding envelopes, sending
 * and receiving whole multipart ZeroMQ messages, and validating what comes
 * in. Internal to libactor (prefix actor__wire_); the gateway and the
 * client's remote calls use it. No state of its own: every function works
 * on what it is given, on the calling thread's sockets.
 *
 * Envelopes of the usual shape are read in place here (wire.c, "reading
 * in place"); any other is decoded by the code actorc generates from
 * idl/actor_protocol.actor (gen/actor_protocol.c), which has the last word
 * on what is valid. Envelopes are encoded here, from borrowed const
 * fields, with the same field ids.
 */
#ifndef ACTOR_WIRE_H
#define ACTOR_WIRE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <msgpack.h>
#include <zmq.h>

#include "actor/actor.h"
#include "actor_protocol.h"
#include "base/oob.h"

/* Limits of docs/PROTOCOL.md section 7. */
#define ACTOR__WIRE_MAX_OOB ACTOR__OOB_MAX_FRAMES
#define ACTOR__WIRE_MAX_FRAMES (2u + ACTOR__WIRE_MAX_OOB) /* envelope, body, oob */
/* Routing id and delimiter on a ROUTER, then the frames. */
#define ACTOR__WIRE_MAX_PARTS (2u + ACTOR__WIRE_MAX_FRAMES)
#define ACTOR__WIRE_MAX_ENVELOPE 8192u
#define ACTOR__WIRE_MAX_NAME 255u
#define ACTOR__WIRE_MAX_STATUS_MESSAGE 1024u
#define ACTOR__WIRE_MAX_BODY ((size_t)64u * 1024u * 1024u)
/* ZMQ_MAXMSGSIZE for server sockets: libzmq drops a peer sending more. */
#define ACTOR__WIRE_MAX_FRAME_SIZE ((int64_t)ACTOR__WIRE_MAX_BODY + ACTOR__WIRE_MAX_ENVELOPE)

/* The decode limits envelopes are read under (small, flat maps): what the
 * generated decoder is given for an envelope not read in place. */
extern const actor_decode_limits actor__wire_envelope_limits;

/* actor__wire_recv: nothing to receive (ZMQ_DONTWAIT, EAGAIN or EINTR). */
#define ACTOR__WIRE_AGAIN 1

/* ------------------------------------------------------------ outgoing */

/* The envelope of one outgoing message; every pointer borrowed. */
typedef struct actor__wire_header {
    actor_wire_Kind kind;
    uint64_t message_id;
    uint64_t correlation_id; /* RESPONSE (always written for responses) */
    int priority;            /* 0..255, or ACTOR_PRIORITY_DEFAULT: left out */
    bool has_deadline;
    uint32_t deadline_ms;
    const char *target; /* NULL: left out */
    bool has_target_id;
    uint64_t target_id;
    const char *method; /* NULL: left out */
    bool has_method_index;
    uint32_t method_index;
    const char *type;           /* NULL: left out */
    const actor_status *status; /* RESPONSE; NULL or OK: left out */
} actor__wire_header;

/* A header with nothing set but kind and ids (inline: made for every
 * response, most of it known to the compiler). */
static inline actor__wire_header actor__wire_header_make(actor_wire_Kind kind, uint64_t message_id)
{
    actor__wire_header h = {
        .kind = kind, .message_id = message_id, .priority = ACTOR_PRIORITY_DEFAULT};

    return h;
}

/* Appends the envelope for *h to sb. 0 or ACTOR_ENOMEM / ACTOR_ETOOLONG
 * (sb unchanged then). */
int actor__wire_encode(msgpack_sbuffer *sb, const actor__wire_header *h);

/* Where a message goes: on a ROUTER the peer's routing id (and whether it
 * framed its request with an empty delimiter); on a DEALER nothing. */
typedef struct actor__wire_route {
    const void *id; /* NULL: no routing id frame (DEALER side) */
    size_t id_len;
    bool delimiter;
} actor__wire_route;

/* Sends [routing id][delimiter][envelope][body] on `socket` without
 * blocking. Returns 0; ACTOR_EFULL when the peer's queue is full (EAGAIN:
 * nothing was sent, try again later); ACTOR_ENOTFOUND when a ROUTER has no
 * such peer (EHOSTUNREACH: gone); ACTOR_ECLOSED when the socket or context
 * is closing; ACTOR_ESYSTEM otherwise. Either the whole message is queued
 * or nothing is. Everything is borrowed (copied into libzmq). */
int actor__wire_send(void *socket, const actor__wire_route *route, const char *envelope,
                     size_t envelope_len, const char *body, size_t body_len);

/* Out-of-band frames, out (docs/PROTOCOL.md, "Large payloads"). */

/* Adds the description of s's frames (envelope field 13) to the envelope
 * that starts at sb->data[env_start] and ends at sb->size: a fixmap with
 * room for one more field, as every envelope actor__wire_encode makes is.
 * 0, ACTOR_EINVAL (not such a map) or ACTOR_ENOMEM (sb unchanged then). */
int actor__wire_describe_oob(msgpack_sbuffer *sb, size_t env_start, const actor__oob_split *s);

/* A malloc'd buffer that the frames sent over it share: freed when the
 * last of them is sent (libzmq's free callback, any thread) and its
 * creator's reference is dropped. NULL when out of memory (data freed). */
typedef struct actor__wire_blob actor__wire_blob;
actor__wire_blob *actor__wire_blob_new(char *data);
void actor__wire_blob_unref(actor__wire_blob *b);

/* As actor__wire_send with s's body in place of `body`, then s's frames:
 * frame i is body[s->offset[i]..+s->len[i]), `body` the one s was split
 * from. `blob` NULL: the frames are copied into libzmq; else `body` lies in
 * blob's buffer, and they are sent without a copy, each holding a
 * reference (the caller keeps its own). Result as actor__wire_send. */
int actor__wire_send_split(void *socket, const actor__wire_route *route, const char *envelope,
                           size_t envelope_len, const actor__oob_split *s, const char *body,
                           actor__wire_blob *blob);

/* actor__wire_send with body's bins of at least `threshold` bytes out of
 * band, copied into libzmq (actor__wire_send_split), when it has any;
 * inline when it has none, or there is no memory to split it. The same
 * result. Everything borrowed. */
int actor__wire_send_large(void *socket, const actor__wire_route *route, const char *envelope,
                           size_t envelope_len, const char *body, size_t body_len,
                           size_t threshold);

/* ------------------------------------------------------------ incoming */

/* One received multipart message: up to ACTOR__WIRE_MAX_PARTS parts are
 * kept; parts beyond are received, counted in n_discarded and closed. */
typedef struct actor__wire_in {
    zmq_msg_t parts[ACTOR__WIRE_MAX_PARTS];
    const char *data[ACTOR__WIRE_MAX_PARTS]; /* zmq_msg_data/size of each part, */
    size_t size[ACTOR__WIRE_MAX_PARTS];      /* read once as it arrives */
    size_t n_parts;
    size_t n_discarded;
} actor__wire_in;

/* Receives one whole message from `socket` (flags: 0 or ZMQ_DONTWAIT for
 * the first part). Returns 0 with *in filled (release with
 * actor__wire_in_close), ACTOR__WIRE_AGAIN when nothing is there, or
 * ACTOR_ECLOSED / ACTOR_ESYSTEM (*in then holds nothing). */
int actor__wire_recv(void *socket, int flags, actor__wire_in *in);
void actor__wire_in_close(actor__wire_in *in);

/* A validated message: views into an actor__wire_in plus the decoded
 * envelope. The envelope is read in place when it has the usual shape
 * (its names copied into `names`, nothing allocated), else by the
 * generated decoder (heap_env: its strings, status and oob are on the heap).
 * Either way *m owns them; actor__wire_msg_fini releases them. *m must not
 * be copied (env's strings may point into it). */
typedef struct actor__wire_msg {
    actor__wire_route route; /* borrowed from the in (ROUTER side) */
    actor_wire_Envelope env; /* owned, see above */
    bool heap_env;           /* env came from actor_wire_Envelope_decode_ex */
    const char *body;        /* borrowed from the in; "\x80" for an empty frame */
    size_t body_len;
    /* Nonzero: the envelope was read from the cache of its shape (wire.c,
     * read_cached), and every message with the same `shape`, in any
     * thread, has the same fields but message_id (kind, target, method,
     * type, priority, deadline). 0: unknown. */
    uint64_t shape;
    /* Out-of-band frames (a valid REQUEST, CAST or RESPONSE only): n_oob
     * of them, the in's parts from oob_at on. */
    size_t oob_at;
    uint32_t n_oob;
    char names[3][ACTOR__WIRE_MAX_NAME + 1]; /* target, method, type (NUL-terminated) */
} actor__wire_msg;

/* Moves m's out-of-band frames (m->n_oob > 0) out of `in` into *out, a
 * new actor_oob_frames with one reference, the caller's; `in` keeps empty
 * parts there (the body stays). 0 or ACTOR_ENOMEM (*out NULL). */
int actor__wire_take_frames(actor__wire_in *in, const actor__wire_msg *m, actor_oob_frames **out);

/* Appends m's body to `out` with its out-of-band frames (if any) back
 * inline: for a receiver that keeps no frames. 0, ACTOR_EMALFORMED (a
 * reference to a frame m does not have, a body that is not msgpack; *why
 * says which) or ACTOR_ENOMEM. */
int actor__wire_join_body(const actor__wire_in *in, const actor__wire_msg *m, msgpack_sbuffer *out,
                          const char **why);

/* What to do with a message that failed validation. */
typedef enum actor__wire_verdict {
    ACTOR__WIRE_OK = 0,     /* valid: use it */
    ACTOR__WIRE_ANSWER = 1, /* invalid: answer it with *st, correlation m->env.message_id */
    ACTOR__WIRE_DROP = 2,   /* invalid and not answerable (cast, response): count, drop */
    ACTOR__WIRE_BATCH = 3,  /* a valid BATCH: m->body/body_len hold its pairs, to be read
                               with actor__wire_items_next and each checked with
                               actor__wire_parse_item */
} actor__wire_verdict;

/* Validates `in` (docs/PROTOCOL.md section 6; `router`: in came from a
 * ROUTER, so part 0 is the routing id) and fills *m. *m must be released
 * with actor__wire_msg_fini whatever the verdict; on ANSWER, m->route and
 * m->env.message_id (salvaged when possible, else 0) tell where, and *st
 * what. Responses (kind RESPONSE) are valid only when `expect_response`;
 * requests, casts and controls only when not. */
actor__wire_verdict actor__wire_parse(actor__wire_in *in, bool router, bool expect_response,
                                      actor__wire_msg *m, actor_status *st);
void actor__wire_msg_fini(actor__wire_msg *m);

/* One message of a BATCH (envelope and body bytes, borrowed from the batch
 * frame; `route` as the batch's): validated by the same rules as a
 * message on its own, plus: a BATCH inside a batch is DECODE. As
 * actor__wire_parse otherwise (never returns ACTOR__WIRE_BATCH). */
actor__wire_verdict actor__wire_parse_item(const char *env, size_t env_len, const char *body,
                                           size_t body_len, const actor__wire_route *route,
                                           bool expect_response, actor__wire_msg *m,
                                           actor_status *st);

/* The status a RESPONSE carries (OK when it has none); an unknown
 * category becomes INTERNAL. */
void actor__wire_status_of(const actor_wire_Envelope *env, actor_status *st);

/* Encodes and sends the error response *st to the sender of m (correlation
 * m->env.message_id, empty body). Result as actor__wire_send. */
int actor__wire_answer(void *socket, const actor__wire_msg *m, const actor_status *st,
                       msgpack_sbuffer *scratch);

/* --------------------------------------------------------------- batches
 *
 * A BATCH (docs/PROTOCOL.md, "Batches") is the two frames
 * [{1: 1, 2: 5, 3: 0}] [pairs]: `pairs` is a sequence of msgpack bin
 * values, two per message: its envelope, then its body (an empty bin
 * standing for the empty map, as an empty body frame does). */

/* Most messages one BATCH may carry; a reader refuses the rest. */
#define ACTOR__WIRE_MAX_BATCH 1024u

/* Reading a batch's pairs in order: set p and end to the pairs frame
 * (m->body, m->body + m->body_len of its BATCH message). */
typedef struct actor__wire_items {
    const char *p, *end;
    size_t count; /* pairs read so far */
} actor__wire_items;

/* The next pair: 1 with *env and *body pointing into the frame (a zero
 * length body as the empty map), 0 at the end, ACTOR_EMALFORMED when the
 * rest cannot be read (not a bin where one belongs, truncated, more than
 * ACTOR__WIRE_MAX_BATCH pairs; *why says which). */
int actor__wire_items_next(actor__wire_items *it, const char **env, size_t *env_len,
                           const char **body, size_t *body_len, const char **why);

/* Called with each message of a batch, its verdict and status (as
 * actor__wire_parse_item gives them); *m is released after it returns. */
typedef void actor__wire_item_fn(void *ctx, const actor__wire_msg *m, actor__wire_verdict v,
                                 actor_status *st);

/* Reads the pairs of `batch` (a BATCH from actor__wire_parse) in order,
 * validates each with actor__wire_parse_item under the batch's route and
 * hands it to fn. NULL when every pair was read, else why the rest could
 * not be (ACTOR_EMALFORMED's reason from actor__wire_items_next). */
const char *actor__wire_batch_each(const actor__wire_msg *batch, bool expect_response,
                                   actor__wire_item_fn *fn, void *ctx);

/* Appends the pair (envelope, body) to the pairs in sb. 0 or ACTOR_ENOMEM
 * (sb unchanged then). Everything borrowed. */
int actor__wire_pack(msgpack_sbuffer *sb, const char *env, size_t env_len, const char *body,
                     size_t body_len);

/* Sends `count` packed pairs as one BATCH, or a single one as the usual
 * [envelope][body]. Result as actor__wire_send. */
int actor__wire_send_packed(void *socket, const actor__wire_route *route, const char *pairs,
                            size_t len, size_t count);

/* The message id and kind in an envelope this side encoded (a packed
 * pair being taken apart); false when it does not read. */
bool actor__wire_peek(const char *env, size_t env_len, uint64_t *message_id, actor_wire_Kind *kind);

#endif /* ACTOR_WIRE_H */
