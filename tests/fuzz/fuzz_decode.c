/*
 * fuzz_decode.c - libFuzzer target for the decoders actorc generates:
 * every message of idl/types.actor (and common.Point) decodes each input,
 * with the default limits and with small ones.
 *
 * Properties checked beyond "no crash, no leak, no undefined behaviour"
 * (ASan/UBSan/LSan do those):
 * - a rejection returns a negative code, fills the error with that code and
 *   a message, and leaves the struct zeroed;
 * - a decoded message re-encodes, the encoding decodes again, and encoding
 *   that gives the same bytes (encode . decode is idempotent on encodings);
 * - what decodes within small limits decodes within the defaults too, to
 *   the same encoding;
 * - _decode and decode_ex(NULL limits) agree, and when msgpack-c reads the
 *   input as one object that _unpack accepts, _unpack agrees with _decode.
 * A violated property aborts, which libFuzzer reports as a crash.
 */
#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common.h"
#include "types.h"

typedef struct msg_ops {
    const char *name;
    size_t size;
    void (*free_)(void *m);
    int (*encode)(const void *m, msgpack_sbuffer *out);
    int (*decode)(const char *buf, size_t len, void *m);
    int (*decode_ex)(const char *buf, size_t len, void *m, const actor_decode_limits *limits,
                     actor_decode_error *err);
    int (*unpack)(const msgpack_object *o, void *m);
} msg_ops;

#define MSG_OPS(T)                                                                     \
    static void T##_free_v(void *m) { T##_free(m); }                                   \
    static int T##_encode_v(const void *m, msgpack_sbuffer *out)                       \
    {                                                                                  \
        return T##_encode(m, out);                                                     \
    }                                                                                  \
    static int T##_decode_v(const char *buf, size_t len, void *m)                      \
    {                                                                                  \
        return T##_decode(buf, len, m);                                                \
    }                                                                                  \
    static int T##_decode_ex_v(const char *buf, size_t len, void *m,                   \
                               const actor_decode_limits *limits, actor_decode_error *err) \
    {                                                                                  \
        return T##_decode_ex(buf, len, m, limits, err);                                \
    }                                                                                  \
    static int T##_unpack_v(const msgpack_object *o, void *m) { return T##_unpack(o, m); } \
    static const msg_ops T##_ops = {#T,           sizeof(T),       T##_free_v, T##_encode_v, \
                                    T##_decode_v, T##_decode_ex_v, T##_unpack_v};

MSG_OPS(common_Point)
MSG_OPS(types_Empty)
MSG_OPS(types_Scalars)
MSG_OPS(types_Optionals)
MSG_OPS(types_Defaults)
MSG_OPS(types_Lists)
MSG_OPS(types_Maps)
MSG_OPS(types_Nested)

static const msg_ops *const MESSAGES[] = {
    &common_Point_ops,    &types_Empty_ops, &types_Scalars_ops, &types_Optionals_ops,
    &types_Defaults_ops,  &types_Lists_ops, &types_Maps_ops,    &types_Nested_ops,
};

static const actor_decode_limits SMALL_LIMITS = {
    .max_depth = 4,
    .max_string_len = 16,
    .max_bytes_len = 16,
    .max_elements = 4,
    .max_total_alloc = 1024,
};

/* The largest generated struct, so one buffer fits every message. */
#define MAX_STRUCT 4096

static void violated(const msg_ops *ops, const char *what)
{
    fprintf(stderr, "fuzz_decode: %s: %s\n", ops->name, what);
    abort();
}

static bool all_zero(const void *p, size_t size)
{
    const unsigned char *b = p;
    for (size_t i = 0; i < size; i++)
        if (b[i])
            return false;
    return true;
}

static void check_rejection(const msg_ops *ops, int rc, const actor_decode_error *err,
                            const void *m)
{
    if (rc >= 0)
        violated(ops, "decode returned a positive value");
    if (err->code != rc)
        violated(ops, "err.code differs from the returned code");
    if (err->message[0] == '\0')
        violated(ops, "rejection without a message");
    if (!all_zero(m, ops->size))
        violated(ops, "struct not zeroed after a rejection");
}

/* Encodes a decoded message into `out` (which it initialises). */
static void encode_into(const msg_ops *ops, const void *m, msgpack_sbuffer *out)
{
    msgpack_sbuffer_init(out);
    if (ops->encode(m, out) != 0)
        violated(ops, "a decoded message does not encode");
}

static bool same_bytes(const msgpack_sbuffer *a, const msgpack_sbuffer *b)
{
    return a->size == b->size && (a->size == 0 || memcmp(a->data, b->data, a->size) == 0);
}

/* Re-decoding an encoding allows more depth than the first decode: the
 * encoder writes every non-optional message field, so a body that left a
 * by-value sub-message out at the depth limit comes back one level deeper
 * per by-value nesting in the schema (found by this fuzzer; see
 * tests/fuzz/regressions/decode/depth-grows-on-reencode). */
static const actor_decode_limits REENCODED_LIMITS = {
    .max_depth = ACTOR_DECODE_DEFAULT_MAX_DEPTH + 16,
};

/* encode(decode(encode(m))) == encode(m); leaves the first encoding in out. */
static void check_round_trip(const msg_ops *ops, const void *m, msgpack_sbuffer *out)
{
    _Alignas(max_align_t) unsigned char again[MAX_STRUCT];
    encode_into(ops, m, out);
    actor_decode_error err;
    int rc = ops->decode_ex(out->data, out->size, again, &REENCODED_LIMITS, &err);
    if (rc != 0) {
        fprintf(stderr, "fuzz_decode: %s: %s\n", ops->name, err.message);
        violated(ops, "an encoding does not decode");
    }
    msgpack_sbuffer second;
    encode_into(ops, again, &second);
    if (!same_bytes(out, &second))
        violated(ops, "encode(decode(encode(m))) != encode(m)");
    msgpack_sbuffer_destroy(&second);
    ops->free_(again);
}

/* Two msgpack objects are equal, any NaN equal to any NaN: msgpack-c's
 * object keeps a float32 as a double, which quiets a signalling NaN, so
 * _unpack may return other NaN bits than _decode (found by this fuzzer; see
 * tests/fuzz/regressions/decode/float32-signalling-nan). */
static bool same_object(const msgpack_object *a, const msgpack_object *b)
{
    bool a_float = a->type == MSGPACK_OBJECT_FLOAT32 || a->type == MSGPACK_OBJECT_FLOAT64;
    bool b_float = b->type == MSGPACK_OBJECT_FLOAT32 || b->type == MSGPACK_OBJECT_FLOAT64;
    if (a_float && b_float && a->type == b->type && isnan(a->via.f64) && isnan(b->via.f64))
        return true;
    if (a->type != b->type)
        return false;
    if (a->type == MSGPACK_OBJECT_ARRAY) {
        if (a->via.array.size != b->via.array.size)
            return false;
        for (uint32_t i = 0; i < a->via.array.size; i++)
            if (!same_object(&a->via.array.ptr[i], &b->via.array.ptr[i]))
                return false;
        return true;
    }
    if (a->type == MSGPACK_OBJECT_MAP) {
        if (a->via.map.size != b->via.map.size)
            return false;
        for (uint32_t i = 0; i < a->via.map.size; i++)
            if (!same_object(&a->via.map.ptr[i].key, &b->via.map.ptr[i].key) ||
                !same_object(&a->via.map.ptr[i].val, &b->via.map.ptr[i].val))
                return false;
        return true;
    }
    return msgpack_object_equal(*a, *b);
}

/* Two encodings (valid msgpack, written by the generated encoder) are the
 * same up to NaN payloads. */
static bool same_encoding(const msgpack_sbuffer *a, const msgpack_sbuffer *b)
{
    if (same_bytes(a, b))
        return true;
    msgpack_unpacked oa, ob;
    msgpack_unpacked_init(&oa);
    msgpack_unpacked_init(&ob);
    size_t off_a = 0, off_b = 0;
    bool same = msgpack_unpack_next(&oa, a->data, a->size, &off_a) == MSGPACK_UNPACK_SUCCESS &&
                msgpack_unpack_next(&ob, b->data, b->size, &off_b) == MSGPACK_UNPACK_SUCCESS &&
                same_object(&oa.data, &ob.data);
    msgpack_unpacked_destroy(&oa);
    msgpack_unpacked_destroy(&ob);
    return same;
}

/* _decode and, when it applies, _unpack must give `expected` again. */
static void check_other_decoders(const msg_ops *ops, const char *data, size_t size,
                                 const msgpack_sbuffer *expected)
{
    _Alignas(max_align_t) unsigned char m[MAX_STRUCT];
    if (ops->decode(data, size, m) != 0)
        violated(ops, "_decode rejects what decode_ex accepts");
    msgpack_sbuffer enc;
    encode_into(ops, m, &enc);
    if (!same_bytes(expected, &enc))
        violated(ops, "_decode and decode_ex disagree");
    msgpack_sbuffer_destroy(&enc);
    ops->free_(m);

    msgpack_unpacked obj;
    msgpack_unpacked_init(&obj);
    size_t off = 0;
    if (msgpack_unpack_next(&obj, data, size, &off) == MSGPACK_UNPACK_SUCCESS && off == size &&
        ops->unpack(&obj.data, m) == 0) {
        encode_into(ops, m, &enc);
        if (!same_encoding(expected, &enc))
            violated(ops, "_unpack and _decode disagree");
        msgpack_sbuffer_destroy(&enc);
        ops->free_(m);
    }
    msgpack_unpacked_destroy(&obj);
}

static void fuzz_message(const msg_ops *ops, const char *data, size_t size)
{
    _Alignas(max_align_t) unsigned char m[MAX_STRUCT];
    if (ops->size > sizeof m)
        violated(ops, "MAX_STRUCT is too small");
    actor_decode_error err;

    int small_rc = ops->decode_ex(data, size, m, &SMALL_LIMITS, &err);
    msgpack_sbuffer small_enc = {0};
    if (small_rc == 0) {
        check_round_trip(ops, m, &small_enc);
        ops->free_(m);
    } else {
        check_rejection(ops, small_rc, &err, m);
    }

    int rc = ops->decode_ex(data, size, m, NULL, &err);
    if (rc != 0) {
        check_rejection(ops, rc, &err, m);
        if (small_rc == 0)
            violated(ops, "accepted within small limits, rejected within the defaults");
        if (ops->decode(data, size, m) != rc)
            violated(ops, "_decode and decode_ex give different errors");
        return;
    }
    msgpack_sbuffer enc;
    check_round_trip(ops, m, &enc);
    ops->free_(m);
    if (small_rc == 0 && !same_bytes(&small_enc, &enc))
        violated(ops, "small and default limits decode differently");
    check_other_decoders(ops, data, size, &enc);
    msgpack_sbuffer_destroy(&enc);
    if (small_rc == 0)
        msgpack_sbuffer_destroy(&small_enc);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    /* A copy of exactly `size` bytes, so reading past the input is caught. */
    char *copy = malloc(size ? size : 1);
    if (copy == NULL)
        return 0;
    if (size)
        memcpy(copy, data, size);
    for (size_t i = 0; i < sizeof MESSAGES / sizeof MESSAGES[0]; i++)
        fuzz_message(MESSAGES[i], copy, size);
    free(copy);
    return 0;
}
