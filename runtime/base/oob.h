/*
 * oob.h - out-of-band frames (docs/PROTOCOL.md, "Large payloads"): a
 * message's large `bytes` values travel as ZeroMQ frames of their own after
 * the body, and the body holds a short reference to each instead of its
 * bytes. Internal to libactor (prefix actor__oob_).
 *
 * Two directions:
 *   - sending: actor__oob_split finds the bin values of an encoded body that
 *     are at least a threshold long and writes a copy of the body with each
 *     replaced by a reference; the bins' bytes stay where they are, in the
 *     original body, for the transport to send as frames;
 *   - receiving: an actor_oob_frames holds the received frames, shared by
 *     reference count between the message that carried them and every
 *     decoded actor_bytes that is a view into one (codec.h, actor_bytes);
 *     actor__oob_join writes a body with the bins inline again, for a
 *     receiver that keeps no frames.
 * Both walk the body as plain msgpack: no schema is needed, and a body that
 * is not valid msgpack is reported, never read past its end.
 */
#ifndef ACTOR_OOB_H
#define ACTOR_OOB_H

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

#include <msgpack.h>

#include "actor/codec.h"

/* Most out-of-band frames of one message (docs/PROTOCOL.md section 7);
 * a sender leaves any further large bins inline. */
#define ACTOR__OOB_MAX_FRAMES 16u
/* Most bytes all out-of-band frames of one received message may hold. */
#define ACTOR__OOB_MAX_TOTAL ((uint64_t)256u * 1024u * 1024u)

/* A reference in a body: msgpack fixext 4 (0xd6) of this ext type, its
 * data the frame's index among the message's out-of-band frames (uint32,
 * big-endian). */
#define ACTOR__OOB_EXT_TYPE 1
#define ACTOR__OOB_REF_SIZE 6u

/* Received frames. `refs` counts the holders (the message that carried
 * them, each actor_bytes viewing one); the last actor__oob_release calls
 * `destroy`, which frees the frames and the struct. data[i]/len[i] stay put
 * while any reference is held. */
struct actor_oob_frames {
    atomic_size_t refs;
    void (*destroy)(actor_oob_frames *f);
    uint32_t n;
    uint64_t total; /* bytes in all frames */
    const uint8_t *data[ACTOR__OOB_MAX_FRAMES];
    size_t len[ACTOR__OOB_MAX_FRAMES];
};

void actor__oob_retain(actor_oob_frames *f);
/* Drops a reference; NULL: nothing. */
void actor__oob_release(actor_oob_frames *f);

/* A body split for sending. */
typedef struct actor__oob_split {
    uint32_t n;                           /* frames; 0: nothing split */
    size_t offset[ACTOR__OOB_MAX_FRAMES]; /* of each frame's bytes in the original body */
    size_t len[ACTOR__OOB_MAX_FRAMES];
    msgpack_sbuffer body; /* when n > 0: the body with references (owned) */
} actor__oob_split;

/* Splits body[len]: every bin value of at least `threshold` bytes (the
 * first ACTOR__OOB_MAX_FRAMES of them, in order) becomes a frame. 0 with
 * s->n frames (0: send the body as it is: no bin that large, threshold 0,
 * or a body that is not msgpack, which the receiver will refuse), or
 * ACTOR_ENOMEM. Release with actor__oob_split_fini either way. */
int actor__oob_split_body(const char *body, size_t len, size_t threshold, actor__oob_split *s);
void actor__oob_split_fini(actor__oob_split *s);

/* Appends to `out` body[len] with each reference to one of f's frames
 * replaced by that frame's bytes as a bin: the body as if it had been sent
 * inline. 0, ACTOR_EMALFORMED (a reference to a frame f has not, a frame
 * too long for a bin, a body that is not msgpack: *why says which) or
 * ACTOR_ENOMEM. */
int actor__oob_join(const char *body, size_t len, const actor_oob_frames *f, msgpack_sbuffer *out,
                    const char **why);

#endif /* ACTOR_OOB_H */
