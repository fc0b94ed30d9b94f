/*
 * codec.c - the out-of-line half of actor/codec.h: buffer growth, lists of
 * scalars, the slow paths of the reader, skipping unknown values, UTF-8
 * validation, the msgpack_object walker, and error formatting.
 *
 * Every reader function checks a length against what remains of the input
 * before it allocates, so no allocation is sized from an untrusted count that
 * the input cannot back (every msgpack value takes at least one byte).
 */
#include "actor/codec.h"
#include "base/oob.h"

#include <float.h>
#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

/* ------------------------------------------------------------------ writer */

int actor__sbuffer_grow(msgpack_sbuffer *sb, size_t n)
{
    size_t need, cap;
    void *data;

    if (n > SIZE_MAX - sb->size)
        return ACTOR_ENOMEM;
    need = sb->size + n;
    cap = sb->alloc != 0 ? sb->alloc : MSGPACK_SBUFFER_INIT_SIZE;
    while (cap < need)
        cap = cap > SIZE_MAX / 2 ? need : cap * 2;
    data = realloc(sb->data, cap);
    if (data == NULL)
        return ACTOR_ENOMEM;
    sb->data = data;
    sb->alloc = cap;
    return 0;
}

int actor__too_long(void)
{
    return ACTOR_ETOOLONG;
}

/* Lists of fixed-size scalars: one reservation, then unchecked stores. */
#define ACTOR__WRITE_INT_ARRAY(name, ctype, put, maxsize)                                          \
    int actor_write_##name##_array(msgpack_sbuffer *sb, const ctype *items, size_t n)              \
    {                                                                                              \
        size_t i;                                                                                  \
        int rc = actor_write_array_header(sb, n);                                                  \
        if (rc != 0)                                                                               \
            return rc;                                                                             \
        if (n > SIZE_MAX / (maxsize) || actor_reserve(sb, n * (maxsize)) != 0)                     \
            return ACTOR_ENOMEM;                                                                   \
        for (i = 0; i < n; i++)                                                                    \
            put(sb, items[i]);                                                                     \
        return 0;                                                                                  \
    }
ACTOR__WRITE_INT_ARRAY(int8, int8_t, actor__put_int, 2u)
ACTOR__WRITE_INT_ARRAY(int16, int16_t, actor__put_int, 3u)
ACTOR__WRITE_INT_ARRAY(int32, int32_t, actor__put_int, 5u)
ACTOR__WRITE_INT_ARRAY(int64, int64_t, actor__put_int, ACTOR__MP_INT_MAX_SIZE)
ACTOR__WRITE_INT_ARRAY(uint8, uint8_t, actor__put_uint, 2u)
ACTOR__WRITE_INT_ARRAY(uint16, uint16_t, actor__put_uint, 3u)
ACTOR__WRITE_INT_ARRAY(uint32, uint32_t, actor__put_uint, 5u)
ACTOR__WRITE_INT_ARRAY(uint64, uint64_t, actor__put_uint, ACTOR__MP_INT_MAX_SIZE)
#undef ACTOR__WRITE_INT_ARRAY

/* Lists written element by element with the checked writers. */
#define ACTOR__WRITE_ARRAY(name, ctype, write_one)                                                 \
    int actor_write_##name##_array(msgpack_sbuffer *sb, const ctype *items, size_t n)              \
    {                                                                                              \
        size_t i;                                                                                  \
        int rc = actor_write_array_header(sb, n);                                                  \
        for (i = 0; rc == 0 && i < n; i++)                                                         \
            rc = write_one;                                                                        \
        return rc;                                                                                 \
    }
ACTOR__WRITE_ARRAY(bool, bool, actor_write_bool(sb, items[i]))
ACTOR__WRITE_ARRAY(float32, float, actor_write_float32(sb, items[i]))
ACTOR__WRITE_ARRAY(float64, double, actor_write_float64(sb, items[i]))
ACTOR__WRITE_ARRAY(bytes, actor_bytes, actor_write_bytes(sb, &items[i]))
#undef ACTOR__WRITE_ARRAY

int actor_write_str_array(msgpack_sbuffer *sb, char *const *items, size_t n)
{
    size_t i;
    int rc = actor_write_array_header(sb, n);

    for (i = 0; rc == 0 && i < n; i++)
        rc = actor_write_str(sb, items[i]);
    return rc;
}

/* ------------------------------------------------------------------ packer */

int actor_pack_str(msgpack_packer *pk, const char *s)
{
    size_t len = s != NULL ? strlen(s) : 0;

    if (len > UINT32_MAX)
        return ACTOR_ETOOLONG;
    if (!actor__utf8_valid(s, len))
        return ACTOR_EUTF8;
    if (msgpack_pack_str(pk, len) != 0 || msgpack_pack_str_body(pk, s, len) != 0)
        return ACTOR_ENOMEM;
    return 0;
}

int actor_pack_bytes(msgpack_packer *pk, const actor_bytes *b)
{
    if (b->len > UINT32_MAX)
        return ACTOR_ETOOLONG;
    if (msgpack_pack_bin(pk, b->len) != 0 || msgpack_pack_bin_body(pk, b->data, b->len) != 0)
        return ACTOR_ENOMEM;
    return 0;
}

#define ACTOR__PACK_ARRAY(name, ctype, pack_one)                                                   \
    int actor_pack_##name##_array(msgpack_packer *pk, const ctype *items, size_t n)                \
    {                                                                                              \
        size_t i;                                                                                  \
        int rc = actor_pack_array_header(pk, n);                                                   \
        for (i = 0; rc == 0 && i < n; i++)                                                         \
            rc = pack_one;                                                                         \
        return rc;                                                                                 \
    }
ACTOR__PACK_ARRAY(bool, bool, actor_pack_bool(pk, items[i]))
ACTOR__PACK_ARRAY(int8, int8_t, actor_pack_int8(pk, items[i]))
ACTOR__PACK_ARRAY(int16, int16_t, actor_pack_int16(pk, items[i]))
ACTOR__PACK_ARRAY(int32, int32_t, actor_pack_int32(pk, items[i]))
ACTOR__PACK_ARRAY(int64, int64_t, actor_pack_int64(pk, items[i]))
ACTOR__PACK_ARRAY(uint8, uint8_t, actor_pack_uint8(pk, items[i]))
ACTOR__PACK_ARRAY(uint16, uint16_t, actor_pack_uint16(pk, items[i]))
ACTOR__PACK_ARRAY(uint32, uint32_t, actor_pack_uint32(pk, items[i]))
ACTOR__PACK_ARRAY(uint64, uint64_t, actor_pack_uint64(pk, items[i]))
ACTOR__PACK_ARRAY(float32, float, actor_pack_float32(pk, items[i]))
ACTOR__PACK_ARRAY(float64, double, actor_pack_float64(pk, items[i]))
ACTOR__PACK_ARRAY(bytes, actor_bytes, actor_pack_bytes(pk, &items[i]))
#undef ACTOR__PACK_ARRAY

int actor_pack_str_array(msgpack_packer *pk, char *const *items, size_t n)
{
    size_t i;
    int rc = actor_pack_array_header(pk, n);

    for (i = 0; rc == 0 && i < n; i++)
        rc = actor_pack_str(pk, items[i]);
    return rc;
}

/* ------------------------------------------------------------------ errors */

/* The msgpack type of the value starting with byte `b`, for messages. */
static const char *type_of_byte(uint8_t b)
{
    if (b < ACTOR__MP_FIXMAP || b >= ACTOR__MP_NEGATIVE_FIXINT)
        return "integer";
    if (b < ACTOR__MP_FIXARRAY)
        return "map";
    if (b < ACTOR__MP_FIXSTR)
        return "array";
    if (b < ACTOR__MP_NIL)
        return "str";
    switch (b) {
    case ACTOR__MP_NIL:
        return "nil";
    case ACTOR__MP_FALSE:
    case ACTOR__MP_TRUE:
        return "bool";
    case ACTOR__MP_BIN8:
    case ACTOR__MP_BIN16:
    case ACTOR__MP_BIN32:
        return "bin";
    case ACTOR__MP_FLOAT32:
        return "float32";
    case ACTOR__MP_FLOAT64:
        return "float64";
    case ACTOR__MP_STR8:
    case ACTOR__MP_STR16:
    case ACTOR__MP_STR32:
        return "str";
    case ACTOR__MP_ARRAY16:
    case ACTOR__MP_ARRAY32:
        return "array";
    case ACTOR__MP_MAP16:
    case ACTOR__MP_MAP32:
        return "map";
    case ACTOR__MP_NEVER_USED:
        return "invalid byte 0xc1";
    default:
        break;
    }
    if (b >= ACTOR__MP_UINT8 && b <= ACTOR__MP_INT64)
        return "integer";
    return "ext";
}

static const char *type_of_object(const msgpack_object *o)
{
    switch (o->type) {
    case MSGPACK_OBJECT_NIL:
        return "nil";
    case MSGPACK_OBJECT_BOOLEAN:
        return "bool";
    case MSGPACK_OBJECT_POSITIVE_INTEGER:
    case MSGPACK_OBJECT_NEGATIVE_INTEGER:
        return "integer";
    case MSGPACK_OBJECT_FLOAT32:
        return "float32";
    case MSGPACK_OBJECT_FLOAT64:
        return "float64";
    case MSGPACK_OBJECT_STR:
        return "str";
    case MSGPACK_OBJECT_ARRAY:
        return "array";
    case MSGPACK_OBJECT_MAP:
        return "map";
    case MSGPACK_OBJECT_BIN:
        return "bin";
    case MSGPACK_OBJECT_EXT:
        return "ext";
    }
    return "unknown";
}

static int vfail(actor_reader *r, const uint8_t *at, int code, const char *fmt, va_list ap)
    __attribute__((format(printf, 4, 0)));

static int vfail(actor_reader *r, const uint8_t *at, int code, const char *fmt, va_list ap)
{
    actor_decode_error *err = r->err;

    if (err == NULL || err->code != 0)
        return code;
    err->code = code;
    err->offset = at != NULL && r->start != NULL ? (size_t)(at - r->start) : 0;
    vsnprintf(err->message, sizeof err->message, fmt, ap);
    return code;
}

int actor__fail(actor_reader *r, const uint8_t *at, int code, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    code = vfail(r, at, code, fmt, ap);
    va_end(ap);
    return code;
}

int actor__fail_truncated(actor_reader *r, const uint8_t *at)
{
    return actor__fail(r, at, ACTOR_ETRUNCATED, "input ends inside a value");
}

static int fail_malformed(actor_reader *r, const uint8_t *at)
{
    return actor__fail(r, at, ACTOR_EMALFORMED, "byte 0xc1 is not valid msgpack");
}

int actor__fail_type(actor_reader *r, const uint8_t *at, const char *what)
{
    if (at == NULL || at >= r->end)
        return actor__fail_truncated(r, at);
    if (*at == ACTOR__MP_NEVER_USED)
        return fail_malformed(r, at);
    return actor__fail(r, at, ACTOR_ETYPE, "expected %s, got %s", what, type_of_byte(*at));
}

static int fail_type_object(actor_reader *r, const msgpack_object *o, const char *what)
{
    return actor__fail(r, NULL, ACTOR_ETYPE, "expected %s, got %s", what, type_of_object(o));
}

int actor__fail_range(actor_reader *r, const uint8_t *at, bool negative, uint64_t magnitude,
                      const char *type_name)
{
    return actor__fail(r, at, ACTOR_ERANGE, "%s%" PRIu64 " is out of range for %s",
                       negative ? "-" : "", magnitude, type_name);
}

int actor__fail_duplicate(actor_reader *r)
{
    return actor__fail(r, r->p, ACTOR_EDUPLICATE, "field appears twice");
}

static int reader_alloc(actor_reader *r, size_t count, size_t size, bool zero, void **out);

/* Moves the inline ids into a newly allocated bit set. */
static int unknown_ids_grow(actor_reader *r, actor_unknown_ids *u)
{
    void *mem = NULL;
    int rc = reader_alloc(r, ACTOR__UNKNOWN_WORDS, sizeof *u->bits, true, &mem);

    if (rc != 0)
        return rc;
    u->bits = mem;
    for (uint32_t i = 0; i < u->n; i++)
        u->bits[u->ids[i] / 64] |= (uint64_t)1 << (u->ids[i] % 64);
    return 0;
}

int actor_unknown_field_once(actor_reader *r, actor_unknown_ids *u, uint32_t id)
{
    uint64_t bit = (uint64_t)1 << (id % 64);
    int rc;

    if (u->bits == NULL) {
        for (uint32_t i = 0; i < u->n; i++)
            if (u->ids[i] == id)
                return actor__fail_duplicate(r);
        if (u->n < ACTOR__UNKNOWN_INLINE) {
            u->ids[u->n++] = (uint16_t)id;
            return 0;
        }
        if ((rc = unknown_ids_grow(r, u)) != 0)
            return rc;
    }
    if (u->bits[id / 64] & bit)
        return actor__fail_duplicate(r);
    u->bits[id / 64] |= bit;
    return 0;
}

/* The bit set is charged while held: a list of many messages from a newer
 * peer, each with many unknown fields, does not add up to the limit. */
void actor__unknown_ids_free(actor_reader *r, actor_unknown_ids *u)
{
    free(u->bits);
    u->bits = NULL;
    r->alloc_left += ACTOR__UNKNOWN_WORDS * sizeof *u->bits;
}

static int fail_depth(actor_reader *r, const uint8_t *at)
{
    return actor__fail(r, at, ACTOR_EDEPTH, "nesting deeper than %" PRIu32, r->max_depth);
}

/* ---------------------------------------------------------- reader: state */

static uint32_t limit_or(uint32_t value, uint32_t fallback)
{
    return value != 0 ? value : fallback;
}

void actor_reader_init(actor_reader *r, const void *buf, size_t len,
                       const actor_decode_limits *limits, actor_decode_error *err)
{
    static const actor_decode_limits defaults = {0};

    if (limits == NULL)
        limits = &defaults;
    r->start = buf;
    r->p = buf;
    r->end = r->p != NULL ? r->p + len : NULL;
    r->depth = 0;
    r->max_depth = limit_or(limits->max_depth, ACTOR_DECODE_DEFAULT_MAX_DEPTH);
    if (r->max_depth > ACTOR_DECODE_MAX_DEPTH_CAP)
        r->max_depth = ACTOR_DECODE_MAX_DEPTH_CAP;
    r->max_string_len = limit_or(limits->max_string_len, ACTOR_DECODE_DEFAULT_MAX_STRING_LEN);
    r->max_bytes_len = limit_or(limits->max_bytes_len, ACTOR_DECODE_DEFAULT_MAX_BYTES_LEN);
    r->max_elements = limit_or(limits->max_elements, ACTOR_DECODE_DEFAULT_MAX_ELEMENTS);
    r->alloc_left = limits->max_total_alloc != 0 ? limits->max_total_alloc
                                                 : ACTOR_DECODE_DEFAULT_MAX_TOTAL_ALLOC;
    r->err = err;
    r->err_has_context = false;
    r->oob = NULL;
    if (err != NULL) {
        err->code = 0;
        err->offset = 0;
        err->message[0] = '\0';
    }
}

int actor_reader_finish(actor_reader *r, const char *message_name)
{
    if (r->p == r->end)
        return 0;
    actor__fail(r, r->p, ACTOR_ETRAILING, "%s: %zu bytes after the end of the message",
                message_name, (size_t)(r->end - r->p));
    r->err_has_context = true;
    return ACTOR_ETRAILING;
}

void actor_reader_context(actor_reader *r, const char *message_name, uint32_t id,
                          const char *field_name)
{
    actor_decode_error *err = r->err;
    char detail[sizeof err->message];
    char full[sizeof err->message * 4];
    size_t len;

    if (err == NULL || err->code == 0 || r->err_has_context)
        return;
    r->err_has_context = true;
    memcpy(detail, err->message, sizeof detail);
    if (id == 0)
        snprintf(full, sizeof full, "%s: %s", message_name, detail);
    else
        snprintf(full, sizeof full, "%s field %" PRIu32 " (%s): %s", message_name, id, field_name,
                 detail);
    len = strlen(full);
    if (len >= sizeof err->message)
        len = sizeof err->message - 1;
    memcpy(err->message, full, len);
    err->message[len] = '\0';
}

/* Charges `count * size` bytes to the budget and allocates them. */
static int reader_alloc(actor_reader *r, size_t count, size_t size, bool zero, void **out)
{
    size_t total;
    void *mem;

    if (size != 0 && count > SIZE_MAX / size)
        return actor__fail(r, r->p, ACTOR_ELIMIT, "allocation size overflows");
    total = count * size;
    if (total > r->alloc_left)
        return actor__fail(r, r->p, ACTOR_ELIMIT,
                           "allocating %zu bytes would exceed max_total_alloc", total);
    mem = zero ? calloc(count, size) : malloc(total != 0 ? total : 1);
    if (mem == NULL)
        return actor__fail(r, r->p, ACTOR_ENOMEM, "out of memory allocating %zu bytes", total);
    r->alloc_left -= total;
    *out = mem;
    return 0;
}

int actor_reader_alloc(actor_reader *r, size_t count, size_t size, void **out)
{
    return reader_alloc(r, count, size, true, out);
}

/* ---------------------------------------------------------- reader: values */

/* True when `n` more bytes are left after `at`. */
static bool have(const actor_reader *r, const uint8_t *at, size_t n)
{
    return (size_t)(r->end - at) >= n;
}

static void set_signed(actor__integer *v, int64_t s)
{
    v->negative = s < 0;
    v->magnitude = s < 0 ? (uint64_t)(-(s + 1)) + 1 : (uint64_t)s;
}

static bool is_integer_byte(uint8_t b)
{
    return b < ACTOR__MP_FIXMAP || b >= ACTOR__MP_NEGATIVE_FIXINT ||
           (b >= ACTOR__MP_UINT8 && b <= ACTOR__MP_INT64);
}

int actor__read_integer_slow(actor_reader *r, actor__integer *v)
{
    const uint8_t *p = r->p;
    size_t size;

    if (p == r->end)
        return actor__fail_truncated(r, p);
    if (!is_integer_byte(*p))
        return actor__fail_type(r, p, "integer");
    if (*p < ACTOR__MP_FIXMAP || *p >= ACTOR__MP_NEGATIVE_FIXINT) {
        set_signed(v, (int8_t)*p);
        r->p = p + 1;
        return 0;
    }
    /* 0xcc..0xcf: uint8..uint64, 0xd0..0xd3: int8..int64 */
    size = (size_t)1 << ((*p - ACTOR__MP_UINT8) & 3u);
    if (!have(r, p, 1 + size))
        return actor__fail_truncated(r, p);
    switch (*p) {
    case ACTOR__MP_UINT8:
        set_signed(v, p[1]);
        break;
    case ACTOR__MP_UINT16:
        set_signed(v, actor__load16(p + 1));
        break;
    case ACTOR__MP_UINT32:
        set_signed(v, actor__load32(p + 1));
        break;
    case ACTOR__MP_UINT64:
        v->negative = false;
        v->magnitude = actor__load64(p + 1);
        break;
    case ACTOR__MP_INT8:
        set_signed(v, (int8_t)p[1]);
        break;
    case ACTOR__MP_INT16:
        set_signed(v, (int16_t)actor__load16(p + 1));
        break;
    case ACTOR__MP_INT32:
        set_signed(v, (int32_t)actor__load32(p + 1));
        break;
    default:
        set_signed(v, (int64_t)actor__load64(p + 1));
        break;
    }
    r->p = p + 1 + size;
    return 0;
}

static double integer_to_double(const actor__integer *v)
{
    return v->negative ? -(double)v->magnitude : (double)v->magnitude;
}

int actor__read_float_slow(actor_reader *r, double *v)
{
    const uint8_t *p = r->p;
    actor__integer i = {false, 0};
    int rc;

    if (p == r->end)
        return actor__fail_truncated(r, p);
    if (*p == ACTOR__MP_FLOAT32) {
        uint32_t bits;
        float f;
        if (!have(r, p, 5))
            return actor__fail_truncated(r, p);
        bits = actor__load32(p + 1);
        memcpy(&f, &bits, sizeof f);
        *v = f;
        r->p = p + 5;
        return 0;
    }
    if (*p == ACTOR__MP_FLOAT64) {
        uint64_t bits;
        if (!have(r, p, 9))
            return actor__fail_truncated(r, p);
        bits = actor__load64(p + 1);
        memcpy(v, &bits, sizeof *v);
        r->p = p + 9;
        return 0;
    }
    if (!is_integer_byte(*p))
        return actor__fail_type(r, p, "float");
    rc = actor__read_integer_slow(r, &i);
    if (rc == 0)
        *v = integer_to_double(&i);
    return rc;
}

/* A float field's value as a float32: inf and nan as they are, a finite
 * value beyond float's range is ACTOR_ERANGE (it would silently become inf). */
static int narrow_to_float(actor_reader *r, const uint8_t *at, double d, float *v)
{
    if (isfinite(d) && (d > FLT_MAX || d < -FLT_MAX))
        return actor__fail(r, at, ACTOR_ERANGE, "%g is out of range for float32", d);
    *v = (float)d;
    return 0;
}

int actor__read_float32_slow(actor_reader *r, float *v)
{
    const uint8_t *at = r->p;
    double d = 0;
    int rc = actor__read_float_slow(r, &d);

    if (rc == 0)
        rc = narrow_to_float(r, at, d, v);
    return rc;
}

static int check_field_id(actor_reader *r, const uint8_t *at, const actor__integer *v, uint32_t *id)
{
    if (v->negative || v->magnitude == 0)
        return actor__fail(r, at, ACTOR_EKEY, "map key %s%" PRIu64 " is not a positive field id",
                           v->negative ? "-" : "", v->magnitude);
    if (v->magnitude > ACTOR_FIELD_ID_MAX)
        return actor__fail(r, at, ACTOR_EKEY, "map key %" PRIu64 " is not a field id (1..%u)",
                           v->magnitude, ACTOR_FIELD_ID_MAX);
    *id = (uint32_t)v->magnitude;
    return 0;
}

int actor__read_field_id_slow(actor_reader *r, uint32_t *id)
{
    const uint8_t *at = r->p;
    actor__integer v = {false, 0};
    int rc;

    if (at == r->end)
        return actor__fail_truncated(r, at);
    if (*at == ACTOR__MP_NEVER_USED)
        return fail_malformed(r, at);
    if (!is_integer_byte(*at))
        return actor__fail(r, at, ACTOR_EKEY, "map key is a %s, not a field id", type_of_byte(*at));
    rc = actor__read_integer_slow(r, &v);
    if (rc != 0)
        return rc;
    return check_field_id(r, at, &v, id);
}

/* Reads the big-endian length of `size` bytes after the type byte at `at`. */
static int read_length(actor_reader *r, const uint8_t *at, size_t size, uint32_t *len)
{
    if (!have(r, at, 1 + size))
        return actor__fail_truncated(r, at);
    *len = size == 1 ? at[1] : size == 2 ? actor__load16(at + 1) : actor__load32(at + 1);
    r->p = at + 1 + size;
    return 0;
}

/* Opens a container of `n` entries, each of `values_per_entry` values. */
static int container_begin(actor_reader *r, const uint8_t *at, uint32_t n, size_t values_per_entry,
                           const char *what)
{
    if (r->depth >= r->max_depth)
        return fail_depth(r, at);
    if (n > r->max_elements)
        return actor__fail(r, at, ACTOR_ELIMIT,
                           "%s of %" PRIu32 " entries exceeds the limit %" PRIu32, what, n,
                           r->max_elements);
    if ((size_t)n * values_per_entry > (size_t)(r->end - r->p))
        return actor__fail(r, at, ACTOR_ETRUNCATED, "%s of %" PRIu32 " entries overruns the input",
                           what, n);
    r->depth++;
    return 0;
}

/* The header of a map or an array: the short form's 4-bit count or a 16- or
 * 32-bit one, then the limit and remaining-input checks of container_begin. */
typedef struct container_form {
    uint8_t fix; /* the fix form's tag in the high nibble */
    uint8_t tag16;
    uint8_t tag32;
    size_t values_per_entry;
    const char *what;
} container_form;

static const container_form map_form = {ACTOR__MP_FIXMAP, ACTOR__MP_MAP16, ACTOR__MP_MAP32, 2,
                                        "map"};
static const container_form array_form = {ACTOR__MP_FIXARRAY, ACTOR__MP_ARRAY16, ACTOR__MP_ARRAY32,
                                          1, "array"};

static int read_container_begin(actor_reader *r, const container_form *form, uint32_t *n)
{
    const uint8_t *at = r->p;
    int rc = 0;

    if (at == r->end)
        return actor__fail_truncated(r, at);
    if ((*at & 0xf0u) == form->fix) {
        *n = *at & 0x0fu;
        r->p = at + 1;
    } else if (*at == form->tag16) {
        rc = read_length(r, at, 2, n);
    } else if (*at == form->tag32) {
        rc = read_length(r, at, 4, n);
    } else {
        return actor__fail_type(r, at, form->what);
    }
    if (rc == 0)
        rc = container_begin(r, at, *n, form->values_per_entry, form->what);
    if (rc != 0)
        r->p = at;
    return rc;
}

int actor_read_map_begin(actor_reader *r, uint32_t *n)
{
    return read_container_begin(r, &map_form, n);
}

int actor_read_array_begin(actor_reader *r, uint32_t *n)
{
    return read_container_begin(r, &array_form, n);
}

/* ------------------------------------------------------------------- UTF-8 */

/* Index of the first byte of `s` that is not part of valid UTF-8 (or is
 * NUL, which a C string cannot hold), or n when all of it is valid.
 * Overlong forms, surrogates and code points above U+10FFFF are invalid. */
static size_t utf8_check(const uint8_t *s, size_t n)
{
    const uint64_t high = 0x8080808080808080u, ones = 0x0101010101010101u;
    size_t i = 0;

    while (i < n) {
        uint8_t b = s[i];
        uint8_t lo = 0x80, hi = 0xbf;
        size_t more, k;

        if (n - i >= 8) {
            uint64_t w;
            memcpy(&w, s + i, sizeof w);
            /* all ASCII and no zero byte */
            if (((w | ((w - ones) & ~w)) & high) == 0) {
                i += 8;
                continue;
            }
        }
        if (b >= 0x01 && b <= 0x7f) {
            i++;
            continue;
        }
        if (b >= 0xc2 && b <= 0xdf) {
            more = 1;
        } else if (b >= 0xe0 && b <= 0xef) {
            more = 2;
            if (b == 0xe0)
                lo = 0xa0; /* overlong */
            else if (b == 0xed)
                hi = 0x9f; /* surrogates */
        } else if (b >= 0xf0 && b <= 0xf4) {
            more = 3;
            if (b == 0xf0)
                lo = 0x90; /* overlong */
            else if (b == 0xf4)
                hi = 0x8f; /* above U+10FFFF */
        } else {
            return i; /* NUL, continuation byte, 0xc0/0xc1 overlong, 0xf5.. */
        }
        if (n - i <= more)
            return i;
        if (s[i + 1] < lo || s[i + 1] > hi)
            return i;
        for (k = 2; k <= more; k++)
            if (s[i + k] < 0x80 || s[i + k] > 0xbf)
                return i;
        i += more + 1;
    }
    return n;
}

bool actor__utf8_valid(const char *s, size_t n)
{
    return n == 0 || utf8_check((const uint8_t *)s, n) == n;
}

static int check_utf8(actor_reader *r, const uint8_t *body, size_t len)
{
    size_t bad = utf8_check(body, len);

    if (bad == len)
        return 0;
    if (body[bad] == 0)
        return actor__fail(r, r->start != NULL ? body + bad : NULL, ACTOR_EUTF8,
                           "string contains a NUL byte at index %zu", bad);
    return actor__fail(r, r->start != NULL ? body + bad : NULL, ACTOR_EUTF8,
                       "invalid UTF-8 at index %zu", bad);
}

/* Copies `len` bytes of a checked string into an exact heap buffer. */
static int copy_string(actor_reader *r, const uint8_t *body, size_t len, char **s)
{
    void *mem = NULL;
    int rc = check_utf8(r, body, len);

    if (rc == 0)
        rc = reader_alloc(r, len + 1, 1, false, &mem);
    if (rc != 0)
        return rc;
    if (len > 0)
        memcpy(mem, body, len);
    ((char *)mem)[len] = '\0';
    *s = mem;
    return 0;
}

static int copy_bytes(actor_reader *r, const uint8_t *body, size_t len, actor_bytes *b)
{
    void *mem = NULL;
    int rc;

    b->frames = NULL;
    if (len == 0) {
        b->data = NULL;
        b->len = 0;
        return 0;
    }
    rc = reader_alloc(r, len, 1, false, &mem);
    if (rc != 0)
        return rc;
    memcpy(mem, body, len);
    b->data = mem;
    b->len = len;
    return 0;
}

/* A reference to an out-of-band frame at r->p (oob.h): a view into it. */
static int read_frame_ref(actor_reader *r, actor_bytes *b)
{
    const uint8_t *at = r->p;
    const actor_oob_frames *f = r->oob;
    uint32_t index;

    if ((size_t)(r->end - at) < ACTOR__OOB_REF_SIZE)
        return actor__fail_truncated(r, at);
    if (at[1] != ACTOR__OOB_EXT_TYPE)
        return actor__fail_type(r, at, "bin");
    index = actor__load32(at + 2);
    if (f == NULL || index >= f->n)
        return actor__fail(r, at, ACTOR_EMALFORMED,
                           "refers to out-of-band frame %" PRIu32 " of %" PRIu32, index,
                           f != NULL ? f->n : 0u);
    if (f->len[index] > r->max_bytes_len)
        return actor__fail(r, at, ACTOR_ELIMIT, "bytes of %zu bytes exceeds the limit %" PRIu32,
                           f->len[index], r->max_bytes_len);
    b->len = f->len[index];
    b->data = b->len != 0 ? (uint8_t *)(uintptr_t)f->data[index] : NULL;
    b->frames = b->len != 0 ? r->oob : NULL;
    if (b->frames != NULL)
        actor__oob_retain(b->frames);
    r->p = at + ACTOR__OOB_REF_SIZE;
    return 0;
}

int actor_decode_framed(const char *buf, size_t len, actor_oob_frames *frames,
                        int (*read)(actor_reader *r, void *m), void (*free_msg)(void *m),
                        const char *message_name, void *m, actor_decode_error *err)
{
    actor_reader r;
    int rc;

    actor_reader_init(&r, buf, len, NULL, err);
    r.oob = frames;
    rc = read(&r, m);
    if (rc == 0 && (rc = actor_reader_finish(&r, message_name)) != 0)
        free_msg(m);
    return rc;
}

int actor_bytes_keep(actor_bytes *dst, const actor_bytes *src)
{
    if (src->frames == NULL)
        return actor_bytes_dup(dst, src->data, src->len);
    actor__oob_retain(src->frames);
    *dst = *src;
    return 0;
}

void actor_bytes_free(actor_bytes *b)
{
    if (b->frames != NULL)
        actor__oob_release(b->frames);
    else
        free(b->data);
    b->data = NULL;
    b->len = 0;
    b->frames = NULL;
}

/* Parses a str (is_str) or bin header at r->p: the body's start and length,
 * checked against the limit and against what remains. */
static int read_blob_header(actor_reader *r, bool is_str, const uint8_t **body, uint32_t *len)
{
    const uint8_t *at = r->p;
    uint32_t limit = is_str ? r->max_string_len : r->max_bytes_len;
    int rc = 0;

    if (at == r->end)
        return actor__fail_truncated(r, at);
    if (is_str && (*at & 0xe0u) == ACTOR__MP_FIXSTR) {
        *len = *at & 0x1fu;
        r->p = at + 1;
    } else if (*at == (is_str ? ACTOR__MP_STR8 : ACTOR__MP_BIN8)) {
        rc = read_length(r, at, 1, len);
    } else if (*at == (is_str ? ACTOR__MP_STR16 : ACTOR__MP_BIN16)) {
        rc = read_length(r, at, 2, len);
    } else if (*at == (is_str ? ACTOR__MP_STR32 : ACTOR__MP_BIN32)) {
        rc = read_length(r, at, 4, len);
    } else {
        return actor__fail_type(r, at, is_str ? "str" : "bin");
    }
    if (rc == 0 && *len > limit)
        rc = actor__fail(r, at, ACTOR_ELIMIT, "%s of %" PRIu32 " bytes exceeds the limit %" PRIu32,
                         is_str ? "string" : "bytes", *len, limit);
    if (rc == 0 && *len > (size_t)(r->end - r->p))
        rc = actor__fail(r, at, ACTOR_ETRUNCATED, "%s of %" PRIu32 " bytes overruns the input",
                         is_str ? "string" : "bytes", *len);
    if (rc != 0) {
        r->p = at;
        return rc;
    }
    *body = r->p;
    return 0;
}

int actor_read_str(actor_reader *r, char **s)
{
    const uint8_t *at = r->p, *body = NULL;
    uint32_t len = 0;
    int rc = read_blob_header(r, true, &body, &len);

    if (rc == 0)
        rc = copy_string(r, body, len, s);
    r->p = rc == 0 ? body + len : at;
    return rc;
}

int actor_read_bytes(actor_reader *r, actor_bytes *b)
{
    const uint8_t *at = r->p, *body = NULL;
    uint32_t len = 0;
    int rc;

    if (at < r->end && *at == ACTOR__MP_FIXEXT4)
        return read_frame_ref(r, b);
    rc = read_blob_header(r, false, &body, &len);
    if (rc == 0)
        rc = copy_bytes(r, body, len, b);
    r->p = rc == 0 ? body + len : at;
    return rc;
}

/* Skips `n` bytes of payload after a header that ended at r->p. */
static int skip_payload(actor_reader *r, const uint8_t *at, size_t n)
{
    if (n > (size_t)(r->end - r->p))
        return actor__fail_truncated(r, at);
    r->p += n;
    return 0;
}

/* Skips a str or bin whose `width`-byte length follows the header byte at
 * `at`: held to the same limit as one that is read. */
static int skip_blob(actor_reader *r, const uint8_t *at, unsigned width, bool is_str)
{
    uint32_t len = 0, limit = is_str ? r->max_string_len : r->max_bytes_len;
    int rc = read_length(r, at, width, &len);

    if (rc == 0 && len > limit) {
        rc = actor__fail(r, at, ACTOR_ELIMIT, "%s of %" PRIu32 " bytes exceeds the limit %" PRIu32,
                         is_str ? "string" : "bytes", len, limit);
        r->p = at;
        return rc;
    }
    return rc != 0 ? rc : skip_payload(r, at, len);
}

static int skip_entries(actor_reader *r, size_t values)
{
    size_t i;
    int rc = 0;

    for (i = 0; rc == 0 && i < values; i++)
        rc = actor_skip(r);
    r->depth--;
    return rc;
}

int actor_skip(actor_reader *r)
{
    const uint8_t *at = r->p;
    uint8_t b;
    uint32_t len = 0;
    int rc;

    if (at == r->end)
        return actor__fail_truncated(r, at);
    b = *at;
    if (b < ACTOR__MP_FIXMAP || b >= ACTOR__MP_NEGATIVE_FIXINT || b == ACTOR__MP_NIL ||
        b == ACTOR__MP_FALSE || b == ACTOR__MP_TRUE) {
        r->p = at + 1;
        return 0;
    }
    if (b < ACTOR__MP_FIXARRAY || b == ACTOR__MP_MAP16 || b == ACTOR__MP_MAP32) {
        rc = actor_read_map_begin(r, &len);
        return rc != 0 ? rc : skip_entries(r, (size_t)len * 2);
    }
    if (b < ACTOR__MP_FIXSTR || b == ACTOR__MP_ARRAY16 || b == ACTOR__MP_ARRAY32) {
        rc = actor_read_array_begin(r, &len);
        return rc != 0 ? rc : skip_entries(r, len);
    }
    if (b < ACTOR__MP_NIL) { /* fixstr */
        if ((b & 0x1fu) > r->max_string_len)
            return actor__fail(r, at, ACTOR_ELIMIT,
                               "string of %u bytes exceeds the limit %" PRIu32, b & 0x1fu,
                               r->max_string_len);
        r->p = at + 1;
        return skip_payload(r, at, b & 0x1fu);
    }
    switch (b) {
    case ACTOR__MP_STR8:
    case ACTOR__MP_BIN8:
        return skip_blob(r, at, 1, b == ACTOR__MP_STR8);
    case ACTOR__MP_STR16:
    case ACTOR__MP_BIN16:
        return skip_blob(r, at, 2, b == ACTOR__MP_STR16);
    case ACTOR__MP_STR32:
    case ACTOR__MP_BIN32:
        return skip_blob(r, at, 4, b == ACTOR__MP_STR32);
    case ACTOR__MP_EXT8: /* length, type, data */
        rc = read_length(r, at, 1, &len);
        return rc != 0 ? rc : skip_payload(r, at, (size_t)len + 1);
    case ACTOR__MP_EXT16:
        rc = read_length(r, at, 2, &len);
        return rc != 0 ? rc : skip_payload(r, at, (size_t)len + 1);
    case ACTOR__MP_EXT32:
        rc = read_length(r, at, 4, &len);
        return rc != 0 ? rc : skip_payload(r, at, (size_t)len + 1);
    case ACTOR__MP_FLOAT32:
        r->p = at + 1;
        return skip_payload(r, at, 4);
    case ACTOR__MP_FLOAT64:
        r->p = at + 1;
        return skip_payload(r, at, 8);
    case ACTOR__MP_NEVER_USED:
        return fail_malformed(r, at);
    default:
        break;
    }
    if (b >= ACTOR__MP_UINT8 && b <= ACTOR__MP_INT64) {
        r->p = at + 1;
        return skip_payload(r, at, (size_t)1 << ((b - ACTOR__MP_UINT8) & 3u));
    }
    /* fixext 1, 2, 4, 8, 16: type byte and data */
    r->p = at + 1;
    return skip_payload(r, at, 1 + ((size_t)1 << (b - ACTOR__MP_FIXEXT1)));
}

/* ----------------------------------------------------- reader: scalar lists */

#define ACTOR__READ_ARRAY(name, ctype)                                                             \
    int actor_read_##name##_array(actor_reader *r, ctype **items, size_t *n)                       \
    {                                                                                              \
        uint32_t count = 0, i;                                                                     \
        void *mem = NULL;                                                                          \
        ctype *v;                                                                                  \
        int rc = actor_read_array_begin(r, &count);                                                \
        if (rc != 0)                                                                               \
            return rc;                                                                             \
        if (count > 0 && (rc = reader_alloc(r, count, sizeof *v, false, &mem)) != 0)               \
            return rc;                                                                             \
        v = mem;                                                                                   \
        for (i = 0; i < count; i++) {                                                              \
            if ((rc = actor_read_##name(r, &v[i])) != 0) {                                         \
                free(v);                                                                           \
                return rc;                                                                         \
            }                                                                                      \
        }                                                                                          \
        actor_read_array_end(r);                                                                   \
        *items = v;                                                                                \
        *n = count;                                                                                \
        return 0;                                                                                  \
    }
ACTOR__READ_ARRAY(bool, bool)
ACTOR__READ_ARRAY(int8, int8_t)
ACTOR__READ_ARRAY(int16, int16_t)
ACTOR__READ_ARRAY(int32, int32_t)
ACTOR__READ_ARRAY(int64, int64_t)
ACTOR__READ_ARRAY(uint8, uint8_t)
ACTOR__READ_ARRAY(uint16, uint16_t)
ACTOR__READ_ARRAY(uint32, uint32_t)
ACTOR__READ_ARRAY(uint64, uint64_t)
ACTOR__READ_ARRAY(float32, float)
ACTOR__READ_ARRAY(float64, double)
#undef ACTOR__READ_ARRAY

void actor_free_str_array(char **items, size_t n)
{
    size_t i;

    for (i = 0; i < n; i++)
        free(items[i]);
    free(items);
}

void actor_free_bytes_array(actor_bytes *items, size_t n)
{
    size_t i;

    for (i = 0; i < n; i++)
        actor_bytes_free(&items[i]);
    free(items);
}

int actor_read_str_array(actor_reader *r, char ***items, size_t *n)
{
    uint32_t count = 0, i;
    void *mem = NULL;
    char **v;
    int rc = actor_read_array_begin(r, &count);

    if (rc != 0)
        return rc;
    if (count > 0 && (rc = reader_alloc(r, count, sizeof *v, true, &mem)) != 0)
        return rc;
    v = mem;
    for (i = 0; i < count; i++) {
        if ((rc = actor_read_str(r, &v[i])) != 0) {
            actor_free_str_array(v, i);
            return rc;
        }
    }
    actor_read_array_end(r);
    *items = v;
    *n = count;
    return 0;
}

int actor_read_bytes_array(actor_reader *r, actor_bytes **items, size_t *n)
{
    uint32_t count = 0, i;
    void *mem = NULL;
    actor_bytes *v;
    int rc = actor_read_array_begin(r, &count);

    if (rc != 0)
        return rc;
    if (count > 0 && (rc = reader_alloc(r, count, sizeof *v, true, &mem)) != 0)
        return rc;
    v = mem;
    for (i = 0; i < count; i++) {
        if ((rc = actor_read_bytes(r, &v[i])) != 0) {
            actor_free_bytes_array(v, i);
            return rc;
        }
    }
    actor_read_array_end(r);
    *items = v;
    *n = count;
    return 0;
}

/* ----------------------------------------------------------- object walker */

static int unpack_integer(actor_reader *r, const msgpack_object *o, actor__integer *v,
                          const char *what)
{
    if (o->type == MSGPACK_OBJECT_POSITIVE_INTEGER) {
        v->negative = false;
        v->magnitude = o->via.u64;
        return 0;
    }
    if (o->type == MSGPACK_OBJECT_NEGATIVE_INTEGER) {
        set_signed(v, o->via.i64);
        return 0;
    }
    return fail_type_object(r, o, what);
}

static int unpack_signed(actor_reader *r, const msgpack_object *o, int64_t min, int64_t max,
                         const char *type_name, int64_t *out)
{
    actor__integer v = {false, 0};
    int rc = unpack_integer(r, o, &v, "integer");

    if (rc != 0)
        return rc;
    if (v.negative ? v.magnitude - 1 > (uint64_t)(-(min + 1)) : v.magnitude > (uint64_t)max)
        return actor__fail_range(r, NULL, v.negative, v.magnitude, type_name);
    *out = v.negative ? -(int64_t)(v.magnitude - 1) - 1 : (int64_t)v.magnitude;
    return 0;
}

static int unpack_unsigned(actor_reader *r, const msgpack_object *o, uint64_t max,
                           const char *type_name, uint64_t *out)
{
    actor__integer v = {false, 0};
    int rc = unpack_integer(r, o, &v, "integer");

    if (rc != 0)
        return rc;
    if (v.negative || v.magnitude > max)
        return actor__fail_range(r, NULL, v.negative, v.magnitude, type_name);
    *out = v.magnitude;
    return 0;
}

#define ACTOR__UNPACK_SIGNED(name, ctype, min, max)                                                \
    int actor_unpack_##name(actor_reader *r, const msgpack_object *o, ctype *v)                    \
    {                                                                                              \
        int64_t x = 0;                                                                             \
        int rc = unpack_signed(r, o, min, max, #name, &x);                                         \
        if (rc == 0)                                                                               \
            *v = (ctype)x;                                                                         \
        return rc;                                                                                 \
    }
#define ACTOR__UNPACK_UNSIGNED(name, ctype, max)                                                   \
    int actor_unpack_##name(actor_reader *r, const msgpack_object *o, ctype *v)                    \
    {                                                                                              \
        uint64_t x = 0;                                                                            \
        int rc = unpack_unsigned(r, o, max, #name, &x);                                            \
        if (rc == 0)                                                                               \
            *v = (ctype)x;                                                                         \
        return rc;                                                                                 \
    }
ACTOR__UNPACK_SIGNED(int8, int8_t, INT8_MIN, INT8_MAX)
ACTOR__UNPACK_SIGNED(int16, int16_t, INT16_MIN, INT16_MAX)
ACTOR__UNPACK_SIGNED(int32, int32_t, INT32_MIN, INT32_MAX)
ACTOR__UNPACK_SIGNED(int64, int64_t, INT64_MIN, INT64_MAX)
ACTOR__UNPACK_UNSIGNED(uint8, uint8_t, UINT8_MAX)
ACTOR__UNPACK_UNSIGNED(uint16, uint16_t, UINT16_MAX)
ACTOR__UNPACK_UNSIGNED(uint32, uint32_t, UINT32_MAX)
ACTOR__UNPACK_UNSIGNED(uint64, uint64_t, UINT64_MAX)
#undef ACTOR__UNPACK_SIGNED
#undef ACTOR__UNPACK_UNSIGNED

int actor_unpack_bool(actor_reader *r, const msgpack_object *o, bool *v)
{
    if (o->type != MSGPACK_OBJECT_BOOLEAN)
        return fail_type_object(r, o, "bool");
    *v = o->via.boolean;
    return 0;
}

static int unpack_float(actor_reader *r, const msgpack_object *o, double *v)
{
    actor__integer i = {false, 0};
    int rc;

    if (o->type == MSGPACK_OBJECT_FLOAT32 || o->type == MSGPACK_OBJECT_FLOAT64) {
        *v = o->via.f64;
        return 0;
    }
    rc = unpack_integer(r, o, &i, "float");
    if (rc == 0)
        *v = integer_to_double(&i);
    return rc;
}

int actor_unpack_float32(actor_reader *r, const msgpack_object *o, float *v)
{
    double d = 0;
    int rc = unpack_float(r, o, &d);

    if (rc == 0)
        rc = narrow_to_float(r, NULL, d, v);
    return rc;
}

int actor_unpack_float64(actor_reader *r, const msgpack_object *o, double *v)
{
    return unpack_float(r, o, v);
}

int actor_unpack_str(actor_reader *r, const msgpack_object *o, char **s)
{
    if (o->type != MSGPACK_OBJECT_STR)
        return fail_type_object(r, o, "str");
    if (o->via.str.size > r->max_string_len)
        return actor__fail(r, NULL, ACTOR_ELIMIT,
                           "string of %" PRIu32 " bytes exceeds the limit %" PRIu32,
                           o->via.str.size, r->max_string_len);
    return copy_string(r, (const uint8_t *)o->via.str.ptr, o->via.str.size, s);
}

int actor_unpack_bytes(actor_reader *r, const msgpack_object *o, actor_bytes *b)
{
    if (o->type != MSGPACK_OBJECT_BIN)
        return fail_type_object(r, o, "bin");
    if (o->via.bin.size > r->max_bytes_len)
        return actor__fail(r, NULL, ACTOR_ELIMIT,
                           "bytes of %" PRIu32 " bytes exceeds the limit %" PRIu32, o->via.bin.size,
                           r->max_bytes_len);
    return copy_bytes(r, (const uint8_t *)o->via.bin.ptr, o->via.bin.size, b);
}

int actor_unpack_field_id(actor_reader *r, const msgpack_object *key, uint32_t *id)
{
    actor__integer v = {false, 0};

    if (key->type != MSGPACK_OBJECT_POSITIVE_INTEGER &&
        key->type != MSGPACK_OBJECT_NEGATIVE_INTEGER)
        return actor__fail(r, NULL, ACTOR_EKEY, "map key is a %s, not a field id",
                           type_of_object(key));
    unpack_integer(r, key, &v, "integer");
    return check_field_id(r, NULL, &v, id);
}

static int unpack_container_begin(actor_reader *r, uint32_t n, const char *what)
{
    if (r->depth >= r->max_depth)
        return fail_depth(r, NULL);
    if (n > r->max_elements)
        return actor__fail(r, NULL, ACTOR_ELIMIT,
                           "%s of %" PRIu32 " entries exceeds the limit %" PRIu32, what, n,
                           r->max_elements);
    r->depth++;
    return 0;
}

int actor_unpack_map_begin(actor_reader *r, const msgpack_object *o, uint32_t *n)
{
    if (o->type != MSGPACK_OBJECT_MAP)
        return fail_type_object(r, o, "map");
    *n = o->via.map.size;
    return unpack_container_begin(r, *n, "map");
}

int actor_unpack_array_begin(actor_reader *r, const msgpack_object *o, uint32_t *n)
{
    if (o->type != MSGPACK_OBJECT_ARRAY)
        return fail_type_object(r, o, "array");
    *n = o->via.array.size;
    return unpack_container_begin(r, *n, "array");
}

int actor_unpack_skip(actor_reader *r, const msgpack_object *o)
{
    uint32_t n = 0, i;
    int rc = 0;

    if (o->type == MSGPACK_OBJECT_MAP) {
        if ((rc = actor_unpack_map_begin(r, o, &n)) != 0)
            return rc;
        for (i = 0; rc == 0 && i < n; i++) {
            rc = actor_unpack_skip(r, &o->via.map.ptr[i].key);
            if (rc == 0)
                rc = actor_unpack_skip(r, &o->via.map.ptr[i].val);
        }
        actor_unpack_map_end(r);
    } else if (o->type == MSGPACK_OBJECT_ARRAY) {
        if ((rc = actor_unpack_array_begin(r, o, &n)) != 0)
            return rc;
        for (i = 0; rc == 0 && i < n; i++)
            rc = actor_unpack_skip(r, &o->via.array.ptr[i]);
        actor_unpack_array_end(r);
    }
    return rc;
}

#define ACTOR__UNPACK_ARRAY(name, ctype, zero, free_partial)                                       \
    int actor_unpack_##name##_array(actor_reader *r, const msgpack_object *o, ctype **items,       \
                                    size_t *n)                                                     \
    {                                                                                              \
        uint32_t count = 0, i;                                                                     \
        void *mem = NULL;                                                                          \
        ctype *v;                                                                                  \
        int rc = actor_unpack_array_begin(r, o, &count);                                           \
        if (rc != 0)                                                                               \
            return rc;                                                                             \
        if (count > 0 && (rc = reader_alloc(r, count, sizeof *v, zero, &mem)) != 0)                \
            return rc;                                                                             \
        v = mem;                                                                                   \
        for (i = 0; i < count; i++) {                                                              \
            if ((rc = actor_unpack_##name(r, &o->via.array.ptr[i], &v[i])) != 0) {                 \
                free_partial;                                                                      \
                return rc;                                                                         \
            }                                                                                      \
        }                                                                                          \
        actor_unpack_array_end(r);                                                                 \
        *items = v;                                                                                \
        *n = count;                                                                                \
        return 0;                                                                                  \
    }
ACTOR__UNPACK_ARRAY(bool, bool, false, free(v))
ACTOR__UNPACK_ARRAY(int8, int8_t, false, free(v))
ACTOR__UNPACK_ARRAY(int16, int16_t, false, free(v))
ACTOR__UNPACK_ARRAY(int32, int32_t, false, free(v))
ACTOR__UNPACK_ARRAY(int64, int64_t, false, free(v))
ACTOR__UNPACK_ARRAY(uint8, uint8_t, false, free(v))
ACTOR__UNPACK_ARRAY(uint16, uint16_t, false, free(v))
ACTOR__UNPACK_ARRAY(uint32, uint32_t, false, free(v))
ACTOR__UNPACK_ARRAY(uint64, uint64_t, false, free(v))
ACTOR__UNPACK_ARRAY(float32, float, false, free(v))
ACTOR__UNPACK_ARRAY(float64, double, false, free(v))
ACTOR__UNPACK_ARRAY(str, char *, true, actor_free_str_array(v, i))
ACTOR__UNPACK_ARRAY(bytes, actor_bytes, true, actor_free_bytes_array(v, i))
#undef ACTOR__UNPACK_ARRAY

/* ----------------------------------------------------------------- defaults */

char *actor_strdup(const char *s)
{
    size_t len = strlen(s) + 1;
    char *copy = malloc(len);

    if (copy != NULL)
        memcpy(copy, s, len);
    return copy;
}

int actor_bytes_dup(actor_bytes *b, const void *data, size_t len)
{
    b->data = NULL;
    b->len = 0;
    b->frames = NULL;
    if (len == 0)
        return 0;
    b->data = malloc(len);
    if (b->data == NULL)
        return ACTOR_ENOMEM;
    memcpy(b->data, data, len);
    b->len = len;
    return 0;
}
