/*
 * oob.c - out-of-band frames: the reference count of received frames, and
 * the walk over an encoded body that splits large bins out of it or joins
 * them back in (oob.h).
 */
#include "base/oob.h"

#include <string.h>

void actor__oob_retain(actor_oob_frames *f)
{
    atomic_fetch_add_explicit(&f->refs, 1, memory_order_relaxed);
}

void actor__oob_release(actor_oob_frames *f)
{
    if (f != NULL && atomic_fetch_sub_explicit(&f->refs, 1, memory_order_acq_rel) == 1)
        f->destroy(f);
}

/* ================================================================ walking */

/* One value of interest the walk found: a bin (ref false) whose payload is
 * `payload_len` bytes after a `header_len`-byte header at `at`, or a
 * reference (ref true, `index` its frame). */
typedef struct found {
    const uint8_t *at;
    size_t header_len, payload_len;
    bool ref;
    uint32_t index;
} found;

/* Called for each; nonzero stops the walk with that result. */
typedef int visit_fn(void *ctx, const found *v);

static uint32_t load_be(const uint8_t *p, unsigned width)
{
    uint32_t v = 0;

    for (unsigned i = 0; i < width; i++)
        v = v << 8 | p[i];
    return v;
}

/* The size of the value at p (header, payload) and how many values it
 * contains (a map's 2n, an array's n); false when it is not msgpack or
 * its header runs past `end`. */
static bool value_shape(const uint8_t *p, const uint8_t *end, size_t *header, uint64_t *payload,
                        uint64_t *children)
{
    /* The sizes of the values of one fixed size from 0xc0 (nil) to 0xd8
     * (fixext 16): nil, bool, float, (u)int 8..64, fixext 1..16. */
    static const uint8_t fixed[] = {
        [0xc0 - 0xc0] = 1,  [0xc2 - 0xc0] = 1,  [0xc3 - 0xc0] = 1, [0xca - 0xc0] = 5,
        [0xcb - 0xc0] = 9,  [0xcc - 0xc0] = 2,  [0xcd - 0xc0] = 3, [0xce - 0xc0] = 5,
        [0xcf - 0xc0] = 9,  [0xd0 - 0xc0] = 2,  [0xd1 - 0xc0] = 3, [0xd2 - 0xc0] = 5,
        [0xd3 - 0xc0] = 9,  [0xd4 - 0xc0] = 3,  [0xd5 - 0xc0] = 4, [0xd6 - 0xc0] = 6,
        [0xd7 - 0xc0] = 10, [0xd8 - 0xc0] = 18,
    };
    uint8_t b = *p;
    unsigned width = 0;

    *payload = 0;
    *children = 0;
    *header = 1;
    if (b < ACTOR__MP_FIXMAP || b >= ACTOR__MP_NEGATIVE_FIXINT)
        return true;
    if (b < ACTOR__MP_FIXARRAY) {
        *children = 2u * (b & 0x0fu);
        return true;
    }
    if (b < ACTOR__MP_FIXSTR) {
        *children = b & 0x0fu;
        return true;
    }
    if (b < ACTOR__MP_NIL) {
        *payload = b & 0x1fu;
        return true;
    }
    if (b <= ACTOR__MP_FIXEXT16 && fixed[b - 0xc0] != 0) {
        *header = fixed[b - 0xc0];
        return (size_t)(end - p) >= *header;
    }
    switch (b) {
    case ACTOR__MP_BIN8:
    case ACTOR__MP_EXT8:
    case ACTOR__MP_STR8:
        width = 1;
        break;
    case ACTOR__MP_BIN16:
    case ACTOR__MP_EXT16:
    case ACTOR__MP_STR16:
    case ACTOR__MP_ARRAY16:
    case ACTOR__MP_MAP16:
        width = 2;
        break;
    case ACTOR__MP_BIN32:
    case ACTOR__MP_EXT32:
    case ACTOR__MP_STR32:
    case ACTOR__MP_ARRAY32:
    case ACTOR__MP_MAP32:
        width = 4;
        break;
    default:
        return false; /* ACTOR__MP_NEVER_USED */
    }
    *header = 1 + width + (b >= ACTOR__MP_EXT8 && b <= ACTOR__MP_EXT32 ? 1 : 0); /* + ext type */
    if ((size_t)(end - p) < *header)
        return false;
    uint64_t n = load_be(p + 1, width);
    if (b == ACTOR__MP_ARRAY16 || b == ACTOR__MP_ARRAY32)
        *children = n;
    else if (b == ACTOR__MP_MAP16 || b == ACTOR__MP_MAP32)
        *children = 2 * n;
    else
        *payload = n;
    return true;
}

/* Walks the one value body[len] holds, calling `fn` on every bin and every
 * reference. 0, fn's nonzero result, or ACTOR_EMALFORMED (*why set). */
static int walk(const uint8_t *p, const uint8_t *end, visit_fn *fn, void *ctx, const char **why)
{
    uint64_t pending = 1; /* values still to read */

    while (pending > 0) {
        size_t header;
        uint64_t payload, children;

        if (p == end || !value_shape(p, end, &header, &payload, &children)) {
            *why = p == end ? "the body ends inside a value" : "the body is not msgpack";
            return ACTOR_EMALFORMED;
        }
        if (payload > (uint64_t)(end - p) - header) {
            *why = "the body ends inside a value";
            return ACTOR_EMALFORMED;
        }
        pending = pending - 1 + children;
        if (pending > (uint64_t)(end - p)) { /* every value takes a byte at least */
            *why = "the body ends inside a value";
            return ACTOR_EMALFORMED;
        }
        found v = {p, header, (size_t)payload, false, 0};
        int rc = 0;
        if (*p >= ACTOR__MP_BIN8 && *p <= ACTOR__MP_BIN32)
            rc = fn(ctx, &v);
        else if (*p == ACTOR__MP_FIXEXT4 && p[1] == ACTOR__OOB_EXT_TYPE) {
            v.ref = true;
            v.index = load_be(p + 2, 4);
            v.header_len = ACTOR__OOB_REF_SIZE;
            v.payload_len = 0;
            rc = fn(ctx, &v);
        }
        if (rc != 0)
            return rc;
        p += header + payload;
    }
    return 0;
}

/* ============================================================== splitting */

typedef struct split_walk {
    const uint8_t *body;
    size_t threshold;
    actor__oob_split *s;
    found bins[ACTOR__OOB_MAX_FRAMES];
} split_walk;

static int note_bin(void *ctx, const found *v)
{
    split_walk *w = ctx;
    actor__oob_split *s = w->s;

    if (v->ref || v->payload_len < w->threshold || s->n == ACTOR__OOB_MAX_FRAMES)
        return 0;
    w->bins[s->n] = *v;
    s->offset[s->n] = (size_t)(v->at - w->body) + v->header_len;
    s->len[s->n] = v->payload_len;
    s->n++;
    return 0;
}

static void put_ref(char *p, uint32_t index)
{
    p[0] = (char)ACTOR__MP_FIXEXT4;
    p[1] = (char)ACTOR__OOB_EXT_TYPE;
    actor__store32(p + 2, index);
}

int actor__oob_split_body(const char *body, size_t len, size_t threshold, actor__oob_split *s)
{
    split_walk w = {(const uint8_t *)body, threshold, s, {{0}}};
    const uint8_t *from = w.body;
    const char *why = NULL;

    s->n = 0;
    msgpack_sbuffer_init(&s->body);
    if (threshold == 0 || len < threshold)
        return 0;
    if (walk(w.body, w.body + len, note_bin, &w, &why) != 0 || s->n == 0) {
        s->n = 0; /* sent as it is: the receiver reports what is wrong with it */
        return 0;
    }
    for (uint32_t i = 0; i < s->n; i++) {
        const found *v = &w.bins[i];
        size_t keep = (size_t)(v->at - from);
        if (actor_reserve(&s->body, keep + ACTOR__OOB_REF_SIZE) != 0)
            goto nomem;
        memcpy(s->body.data + s->body.size, from, keep);
        put_ref(s->body.data + s->body.size + keep, i);
        s->body.size += keep + ACTOR__OOB_REF_SIZE;
        from = v->at + v->header_len + v->payload_len;
    }
    if (msgpack_sbuffer_write(&s->body, (const char *)from, len - (size_t)(from - w.body)) != 0)
        goto nomem;
    return 0;

nomem:
    actor__oob_split_fini(s);
    return ACTOR_ENOMEM;
}

void actor__oob_split_fini(actor__oob_split *s)
{
    msgpack_sbuffer_destroy(&s->body);
    msgpack_sbuffer_init(&s->body);
    s->n = 0;
}

/* ================================================================ joining */

typedef struct join_walk {
    const uint8_t *from; /* copied up to here */
    const actor_oob_frames *f;
    msgpack_sbuffer *out;
    const char **why;
} join_walk;

static int join_ref(void *ctx, const found *v)
{
    join_walk *w = ctx;
    actor_bytes b;
    size_t keep = (size_t)(v->at - w->from);

    if (!v->ref)
        return 0;
    if (w->f == NULL || v->index >= w->f->n) {
        *w->why = "a reference to an out-of-band frame the message does not have";
        return ACTOR_EMALFORMED;
    }
    b.data = (uint8_t *)(uintptr_t)w->f->data[v->index];
    b.len = w->f->len[v->index];
    b.frames = NULL;
    if (msgpack_sbuffer_write(w->out, (const char *)w->from, keep) != 0)
        return ACTOR_ENOMEM;
    int rc = actor_write_bytes(w->out, &b);
    if (rc == ACTOR_ETOOLONG)
        *w->why = "an out-of-band frame too long for a bin";
    w->from = v->at + v->header_len;
    return rc == ACTOR_ETOOLONG ? ACTOR_EMALFORMED : rc;
}

int actor__oob_join(const char *body, size_t len, const actor_oob_frames *f, msgpack_sbuffer *out,
                    const char **why)
{
    join_walk w = {(const uint8_t *)body, f, out, why};
    const uint8_t *end = (const uint8_t *)body + len;
    int rc = walk(w.from, end, join_ref, &w, why);

    if (rc == 0 && msgpack_sbuffer_write(out, (const char *)w.from, (size_t)(end - w.from)) != 0)
        rc = ACTOR_ENOMEM;
    return rc;
}
