/*
 * xlang_test.c - the C half of the cross-implementation tests: the codecs
 * actorc generated from idl/types.actor (gen/types.c) against
 * python-msgpack (tests/xlang/xlang.py).
 *
 *   xlang_test decode DIR   decodes every <case>.bin that xlang.py wrote
 *                           into DIR and compares the struct field by field
 *                           with what the case must give, or checks that
 *                           the decoder rejects it with the expected error
 *                           (leaving the struct zeroed). Valid bodies also go
 *                           through _decode and msgpack-c's object API +
 *                           _unpack, which must agree.
 *   xlang_test encode DIR   encodes every case both sides share into
 *                           DIR/<case>.bin for xlang.py to check; _pack must
 *                           write the same bytes as _encode, and decoding
 *                           them back must give the struct again.
 *
 * Every case is a row of CASES: the message type, which directions it runs
 * in, the function that fills the expected struct after _init, and for a
 * rejected body the error codes it may give. Ends with "N passed, N failed".
 */
#include <dirent.h>
#include <errno.h>
#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common.h"
#include "types.h"
#include "xlang/expect.h"

/* ------------------------------------------------------ struct equality */

/* A non-optional string: NULL (as _init may leave it) reads as "". */
static bool expect_str_nn(const char *path, const char *field, const char *want, const char *got)
{
    return expect_str(path, field, want ? want : "", got ? got : "");
}
#define EQ_STR_NN(f) (ok = expect_str_nn(path, #f, w->f, g->f) && ok)

/* An optional scalar, enum or bytes: the flag, then the value when present. */
#define EQ_OPT(f, EQ)                                                                  \
    do {                                                                               \
        ok = expect_bool(path, "has_" #f, w->has_##f, g->has_##f) && ok;               \
        if (w->has_##f && g->has_##f)                                                  \
            EQ(f);                                                                     \
    } while (0)

static bool eq_str_elem(const char *path, char *const *w, char *const *g)
{
    return expect_str_nn(path, "", *w, *g);
}

static bool eq_bytes_elem(const char *path, const actor_bytes *w, const actor_bytes *g)
{
    return expect_bytes(path, "", *w, *g);
}

static bool eq_common_Point(const char *path, const common_Point *w, const common_Point *g)
{
    bool ok = true;
    EQ_INT(x);
    EQ_INT(y);
    return ok;
}

static bool eq_types_Empty(const char *path, const types_Empty *w, const types_Empty *g)
{
    (void)path, (void)w, (void)g;
    return true;
}

static bool eq_types_Scalars(const char *path, const types_Scalars *w, const types_Scalars *g)
{
    bool ok = true;
    EQ_BOOL(b);
    EQ_INT(i8);
    EQ_INT(i16);
    EQ_INT(i32);
    EQ_INT(i64);
    EQ_UINT(u8);
    EQ_UINT(u16);
    EQ_UINT(u32);
    EQ_UINT(u64);
    EQ_FLT(f32);
    EQ_FLT(f64);
    EQ_STR_NN(s);
    EQ_BYTES(data);
    return ok;
}

static bool eq_types_Optionals(const char *path, const types_Optionals *w,
                               const types_Optionals *g)
{
    bool ok = true;
    EQ_OPT(b, EQ_BOOL);
    EQ_OPT(i8, EQ_INT);
    EQ_OPT(i16, EQ_INT);
    EQ_OPT(i32, EQ_INT);
    EQ_OPT(i64, EQ_INT);
    EQ_OPT(u8, EQ_UINT);
    EQ_OPT(u16, EQ_UINT);
    EQ_OPT(u32, EQ_UINT);
    EQ_OPT(u64, EQ_UINT);
    EQ_OPT(f32, EQ_FLT);
    EQ_OPT(f64, EQ_FLT);
    EQ_STR(s);
    EQ_OPT(data, EQ_BYTES);
    EQ_OPT(kind, EQ_INT);
    EQ_OPT(color, EQ_INT);
    EQ_OPT_MSG(point, eq_common_Point);
    EQ_OPT_MSG(scalars, eq_types_Scalars);
    return ok;
}

static bool eq_types_Defaults(const char *path, const types_Defaults *w, const types_Defaults *g)
{
    bool ok = true;
    EQ_BOOL(b);
    EQ_INT(i8);
    EQ_INT(i32);
    EQ_INT(i64);
    EQ_UINT(u16);
    EQ_UINT(u64);
    EQ_FLT(f32);
    EQ_FLT(f64);
    EQ_STR_NN(s);
    EQ_INT(kind);
    EQ_INT(neg);
    EQ_INT(items);
    EQ_FLT(ratio);
    EQ_STR_NN(greeting);
    EQ_BOOL(enabled);
    EQ_INT(color);
    EQ_INT(plain);
    return ok;
}

/* Map entries: key and value compared with the given field macros. */
#define ENTRY_EQ(name, T, EQK, EQV)                                                    \
    static bool name(const char *path, const T *w, const T *g)                         \
    {                                                                                  \
        bool ok = true;                                                                \
        EQK(key);                                                                      \
        EQV(value);                                                                    \
        return ok;                                                                     \
    }

/* Nested containers: actorc gives the inner list a struct {n, items} and
 * the inner map a struct {n, entries}. */
static bool eq_i32_elem(const char *path, const int32_t *w, const int32_t *g)
{
    return expect_i64(path, "", *w, *g);
}

static bool eq_matrix_elem(const char *path, const types_Lists_matrix_elem *w,
                           const types_Lists_matrix_elem *g)
{
    bool ok = true;
    EQ_ITEMS(n, items, eq_i32_elem);
    return ok;
}

ENTRY_EQ(eq_dicts_entry, types_Lists_dicts_elem_entry, EQ_STR_NN, EQ_INT)

static bool eq_dicts_elem(const char *path, const types_Lists_dicts_elem *w,
                          const types_Lists_dicts_elem *g)
{
    bool ok = true;
    EQ_ITEMS(n, entries, eq_dicts_entry);
    return ok;
}

static bool eq_cube_elem_elem(const char *path, const types_Lists_cube_elem_elem *w,
                              const types_Lists_cube_elem_elem *g)
{
    bool ok = true;
    EQ_ITEMS(n, items, eq_str_elem);
    return ok;
}

static bool eq_cube_elem(const char *path, const types_Lists_cube_elem *w,
                         const types_Lists_cube_elem *g)
{
    bool ok = true;
    EQ_ITEMS(n, items, eq_cube_elem_elem);
    return ok;
}

static bool eq_lists_value(const char *path, const types_Maps_lists_value *w,
                           const types_Maps_lists_value *g)
{
    bool ok = true;
    EQ_ITEMS(n, items, eq_i32_elem);
    return ok;
}

#define EQ_LISTS_VALUE(f) EQ_MSG(f, eq_lists_value)
ENTRY_EQ(eq_lists_entry, types_Maps_lists_entry, EQ_STR_NN, EQ_LISTS_VALUE)
ENTRY_EQ(eq_nested_value_entry, types_Maps_nested_value_entry, EQ_INT, EQ_STR_NN)

static bool eq_nested_value(const char *path, const types_Maps_nested_value *w,
                            const types_Maps_nested_value *g)
{
    bool ok = true;
    EQ_ITEMS(n, entries, eq_nested_value_entry);
    return ok;
}

#define EQ_NESTED_MAP_VALUE(f) EQ_MSG(f, eq_nested_value)
ENTRY_EQ(eq_nested_entry, types_Maps_nested_entry, EQ_STR_NN, EQ_NESTED_MAP_VALUE)

static bool eq_types_Lists(const char *path, const types_Lists *w, const types_Lists *g)
{
    bool ok = true;
    EQ_LIST(bools, expect_bool, bool);
    EQ_LIST(i8s, expect_i64, int64_t);
    EQ_LIST(i16s, expect_i64, int64_t);
    EQ_LIST(i32s, expect_i64, int64_t);
    EQ_LIST(i64s, expect_i64, int64_t);
    EQ_LIST(u8s, expect_u64, uint64_t);
    EQ_LIST(u16s, expect_u64, uint64_t);
    EQ_LIST(u32s, expect_u64, uint64_t);
    EQ_LIST(u64s, expect_u64, uint64_t);
    EQ_LIST(f32s, expect_f64, double);
    EQ_LIST(f64s, expect_f64, double);
    EQ_LIST_OF(strings, eq_str_elem);
    EQ_LIST_OF(blobs, eq_bytes_elem);
    EQ_LIST(kinds, expect_i64, int64_t);
    EQ_LIST_OF(points, eq_common_Point);
    EQ_LIST_OF(matrix, eq_matrix_elem);
    EQ_LIST_OF(dicts, eq_dicts_elem);
    EQ_LIST_OF(cube, eq_cube_elem);
    return ok;
}

#define EQ_POINT_VALUE(f) EQ_MSG(f, eq_common_Point)
#define EQ_SCALARS_VALUE(f) EQ_MSG(f, eq_types_Scalars)
ENTRY_EQ(eq_by_name, types_Maps_by_name_entry, EQ_STR_NN, EQ_INT)
ENTRY_EQ(eq_i8_keys, types_Maps_i8_keys_entry, EQ_INT, EQ_STR_NN)
ENTRY_EQ(eq_i16_keys, types_Maps_i16_keys_entry, EQ_INT, EQ_BOOL)
ENTRY_EQ(eq_i32_keys, types_Maps_i32_keys_entry, EQ_INT, EQ_FLT)
ENTRY_EQ(eq_i64_keys, types_Maps_i64_keys_entry, EQ_INT, EQ_INT)
ENTRY_EQ(eq_u8_keys, types_Maps_u8_keys_entry, EQ_UINT, EQ_BYTES)
ENTRY_EQ(eq_u16_keys, types_Maps_u16_keys_entry, EQ_UINT, EQ_FLT)
ENTRY_EQ(eq_u32_keys, types_Maps_u32_keys_entry, EQ_UINT, EQ_UINT)
ENTRY_EQ(eq_u64_keys, types_Maps_u64_keys_entry, EQ_UINT, EQ_UINT)
ENTRY_EQ(eq_kinds, types_Maps_kinds_entry, EQ_STR_NN, EQ_INT)
ENTRY_EQ(eq_points, types_Maps_points_entry, EQ_STR_NN, EQ_POINT_VALUE)
ENTRY_EQ(eq_messages, types_Maps_messages_entry, EQ_INT, EQ_SCALARS_VALUE)

static bool eq_types_Maps(const char *path, const types_Maps *w, const types_Maps *g)
{
    bool ok = true;
    EQ_LIST_OF(by_name, eq_by_name);
    EQ_LIST_OF(i8_keys, eq_i8_keys);
    EQ_LIST_OF(i16_keys, eq_i16_keys);
    EQ_LIST_OF(i32_keys, eq_i32_keys);
    EQ_LIST_OF(i64_keys, eq_i64_keys);
    EQ_LIST_OF(u8_keys, eq_u8_keys);
    EQ_LIST_OF(u16_keys, eq_u16_keys);
    EQ_LIST_OF(u32_keys, eq_u32_keys);
    EQ_LIST_OF(u64_keys, eq_u64_keys);
    EQ_LIST_OF(kinds, eq_kinds);
    EQ_LIST_OF(points, eq_points);
    EQ_LIST_OF(lists, eq_lists_entry);
    EQ_LIST_OF(nested, eq_nested_entry);
    EQ_LIST_OF(messages, eq_messages);
    return ok;
}

static bool eq_types_Nested(const char *path, const types_Nested *w, const types_Nested *g);
#define EQ_NESTED_VALUE(f) EQ_MSG(f, eq_types_Nested)
ENTRY_EQ(eq_named, types_Nested_named_entry, EQ_STR_NN, EQ_NESTED_VALUE)

static bool eq_types_Nested(const char *path, const types_Nested *w, const types_Nested *g)
{
    bool ok = true;
    EQ_MSG(origin, eq_common_Point);
    EQ_MSG(scalars, eq_types_Scalars);
    EQ_OPT_MSG(child, eq_types_Nested);
    EQ_LIST_OF(children, eq_types_Nested);
    EQ_INT(kind);
    EQ_STR_NN(label);
    EQ_LIST_OF(named, eq_named);
    return ok;
}

/* -------------------------------------------- one interface per message */

typedef struct msg_ops {
    const char *name;
    size_t size;
    void (*init)(void *m);
    void (*free_)(void *m);
    int (*encode)(const void *m, msgpack_sbuffer *out);
    int (*pack)(msgpack_packer *pk, const void *m);
    int (*decode)(const char *buf, size_t len, void *m);
    int (*decode_ex)(const char *buf, size_t len, void *m, const actor_decode_limits *limits,
                     actor_decode_error *err);
    int (*unpack)(const msgpack_object *o, void *m);
    bool (*eq)(const char *path, const void *want, const void *got);
} msg_ops;

#define MSG_OPS(T)                                                                     \
    static void T##_init_v(void *m) { T##_init(m); }                                   \
    static void T##_free_v(void *m) { T##_free(m); }                                   \
    static int T##_encode_v(const void *m, msgpack_sbuffer *out)                       \
    {                                                                                  \
        return T##_encode(m, out);                                                     \
    }                                                                                  \
    static int T##_pack_v(msgpack_packer *pk, const void *m) { return T##_pack(pk, m); } \
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
    static bool T##_eq_v(const char *path, const void *w, const void *g)               \
    {                                                                                  \
        return eq_##T(path, w, g);                                                     \
    }                                                                                  \
    static const msg_ops T##_ops = {#T,           sizeof(T),         T##_init_v,       \
                                    T##_free_v,   T##_encode_v,      T##_pack_v,       \
                                    T##_decode_v, T##_decode_ex_v,   T##_unpack_v,     \
                                    T##_eq_v};

MSG_OPS(common_Point)
MSG_OPS(types_Empty)
MSG_OPS(types_Scalars)
MSG_OPS(types_Optionals)
MSG_OPS(types_Defaults)
MSG_OPS(types_Lists)
MSG_OPS(types_Maps)
MSG_OPS(types_Nested)

/* ------------------------------------------------ the expected structs */
/* Each fills a struct _init prepared with the values of the case of the
 * same name in xlang.py. Everything is heap-owned, released by _free. */

#define UNICODE_TEXT "h\u00e9llo w\u00f6rld \u2713 \U0001F600 \u65e5\u672c\u8a9e"
#define LONG_STRING_LEN 80000u
#define LONG_BYTES_LEN 70000u

static void fill_scalars_max(void *p)
{
    types_Scalars *m = p;
    m->b = true;
    m->i8 = INT8_MAX;
    m->i16 = INT16_MAX;
    m->i32 = INT32_MAX;
    m->i64 = INT64_MAX;
    m->u8 = UINT8_MAX;
    m->u16 = UINT16_MAX;
    m->u32 = UINT32_MAX;
    m->u64 = UINT64_MAX;
    m->f32 = FLT_MAX;
    m->f64 = DBL_MAX;
    set_str(&m->s, UNICODE_TEXT);
    uint8_t all[256];
    for (size_t i = 0; i < sizeof all; i++)
        all[i] = (uint8_t)i;
    set_bytes(&m->data, all, sizeof all);
}

static void fill_scalars_min(void *p)
{
    types_Scalars *m = p;
    m->i8 = INT8_MIN;
    m->i16 = INT16_MIN;
    m->i32 = INT32_MIN;
    m->i64 = INT64_MIN;
    m->f32 = FLT_TRUE_MIN;
    m->f64 = -DBL_TRUE_MIN;
}

static void fill_scalars_mixed(void *p)
{
    types_Scalars *m = p;
    m->b = true;
    m->i8 = -1;
    m->i16 = -33;
    m->i32 = -32769;
    m->i64 = -2147483649LL;
    m->u8 = 128;
    m->u16 = 256;
    m->u32 = 65536;
    m->u64 = 4294967296ULL;
    m->f32 = -0.0f;
    m->f64 = 0.1;
    set_str(&m->s, "\x7f tab\t nl\n \\ \"");
    set_bytes(&m->data, "\x00\xff\x80", 3);
}

static void fill_scalars_special(void *p)
{
    types_Scalars *m = p;
    m->f32 = INFINITY;
    m->f64 = -INFINITY;
    free(m->s);
    m->s = xcalloc(LONG_STRING_LEN + 1, 1);
    for (size_t i = 0; i < LONG_STRING_LEN; i++)
        m->s[i] = i % 2 ? 'b' : 'a';
    uint8_t *data = xcalloc(LONG_BYTES_LEN, 1);
    for (size_t i = 0; i < LONG_BYTES_LEN; i++)
        data[i] = (uint8_t)(i % 251);
    free(m->data.data);
    m->data.data = data;
    m->data.len = LONG_BYTES_LEN;
}

static void fill_scalars_nan(void *p)
{
    types_Scalars *m = p;
    m->f32 = NAN;
    m->f64 = NAN;
}

static void fill_scalars_float_as_int(void *p)
{
    types_Scalars *m = p;
    m->f32 = 3.0f;
    m->f64 = -7.0;
}

static void fill_scalars_float_big_int(void *p)
{
    types_Scalars *m = p;
    m->f32 = (float)UINT64_MAX;
    m->f64 = (double)INT64_MIN;
}

static void fill_scalars_float_widths(void *p)
{
    types_Scalars *m = p;
    m->f32 = (float)0.1;
    m->f64 = (double)0.1f;
}

static void fill_scalars_wide_ints(void *p)
{
    types_Scalars *m = p;
    m->i8 = -5;
    m->u8 = 200;
    m->i64 = 5;
    m->u64 = 7;
    m->u32 = 2147483648u;
    m->i32 = -100;
    m->i16 = 1;
}

static void fill_scalars_string_10(void *p)
{
    types_Scalars *m = p;
    set_str(&m->s, "xxxxxxxxxx");
}

static void fill_scalars_bytes_10(void *p)
{
    types_Scalars *m = p;
    set_bytes(&m->data, "yyyyyyyyyy", 10);
}

static void fill_optionals_present(void *p)
{
    types_Optionals *m = p;
    m->has_b = true;
    m->b = false;
    m->has_i8 = true;
    m->i8 = -8;
    m->has_i16 = true;
    m->i16 = -16;
    m->has_i32 = true;
    m->i32 = -32;
    m->has_i64 = true;
    m->i64 = -64;
    m->has_u8 = true;
    m->u8 = 8;
    m->has_u16 = true;
    m->u16 = 16;
    m->has_u32 = true;
    m->u32 = 32;
    m->has_u64 = true;
    m->u64 = 64;
    m->has_f32 = true;
    m->f32 = 0.5f;
    m->has_f64 = true;
    m->f64 = 0.25;
    set_str(&m->s, "opt");
    m->has_data = true;
    set_bytes(&m->data, "\x01\x02\x03", 3);
    m->has_kind = true;
    m->kind = types_Kind_NEGATIVE;
    m->has_color = true;
    m->color = common_Color_GREEN;
    m->point = xcalloc(1, sizeof *m->point);
    common_Point_init(m->point);
    m->point->x = -3;
    m->point->y = 4;
    m->scalars = xcalloc(1, sizeof *m->scalars);
    types_Scalars_init(m->scalars);
    m->scalars->i32 = 5;
}

static void fill_optionals_unknown_enum(void *p)
{
    types_Optionals *m = p;
    m->has_kind = true;
    m->kind = 99;
    m->has_color = true;
    m->color = -5;
}

static void fill_defaults_other(void *p)
{
    types_Defaults *m = p;
    m->b = false;
    m->i8 = 5;
    m->i32 = 0;
    m->i64 = 1;
    m->u16 = 0;
    m->u64 = 0;
    m->f32 = 0.0f;
    m->f64 = 0.0;
    set_str(&m->s, "");
    m->kind = types_Kind_UNKNOWN;
    m->neg = 1;
    m->items = 0;
    m->ratio = 0.0;
    set_str(&m->greeting, "");
    m->enabled = false;
    m->color = common_Color_RED;
    m->plain = 9;
}

/* matrix [[1, 2], [], [3]], dicts [{"a": 1, "b": -2}, {}],
 * cube [[["x", "y"], []], []] */
static void fill_lists_nested(types_Lists *m)
{
    NEW_LIST(m, matrix, 3);
    SET_ARRAY(m->matrix[0].n, m->matrix[0].items, int32_t, {1, 2});
    SET_ARRAY(m->matrix[2].n, m->matrix[2].items, int32_t, {3});
    NEW_LIST(m, dicts, 2);
    m->dicts[0].n = 2;
    m->dicts[0].entries = xcalloc(2, sizeof *m->dicts[0].entries);
    m->dicts[0].entries[0].key = xdup_str("a");
    m->dicts[0].entries[0].value = 1;
    m->dicts[0].entries[1].key = xdup_str("b");
    m->dicts[0].entries[1].value = -2;
    NEW_LIST(m, cube, 2);
    types_Lists_cube_elem *plane = &m->cube[0];
    plane->n = 2;
    plane->items = xcalloc(2, sizeof *plane->items);
    plane->items[0].n = 2;
    plane->items[0].items = xcalloc(2, sizeof *plane->items[0].items);
    plane->items[0].items[0] = xdup_str("x");
    plane->items[0].items[1] = xdup_str("y");
}

static void fill_lists_full(void *p)
{
    types_Lists *m = p;
    SET_LIST(m, bools, bool, {true, false, true});
    SET_LIST(m, i8s, int8_t, {INT8_MIN, 0, INT8_MAX});
    SET_LIST(m, i16s, int16_t, {INT16_MIN, INT16_MAX});
    SET_LIST(m, i32s, int32_t, {INT32_MIN, -1, 0, INT32_MAX});
    SET_LIST(m, i64s, int64_t, {INT64_MIN, INT64_MAX});
    SET_LIST(m, u8s, uint8_t, {0, UINT8_MAX});
    SET_LIST(m, u16s, uint16_t, {UINT16_MAX});
    SET_LIST(m, u32s, uint32_t, {UINT32_MAX});
    SET_LIST(m, u64s, uint64_t, {UINT64_MAX, 0});
    SET_LIST(m, f32s, float, {1.5f, -0.25f});
    SET_LIST(m, f64s, double, {3.5, -1e300});
    NEW_LIST(m, strings, 3);
    m->strings[0] = xdup_str("");
    m->strings[1] = xdup_str("a");
    m->strings[2] = xdup_str("\u00fc");
    NEW_LIST(m, blobs, 2);
    m->blobs[0] = make_bytes("", 0);
    m->blobs[1] = make_bytes("\xff\x00", 2);
    SET_LIST(m, kinds, types_Kind, {0, 1, 2, -1, 42});
    NEW_LIST(m, points, 2);
    m->points[0].x = 1;
    m->points[0].y = 2;
    m->points[1].x = -1;
    m->points[1].y = -2;
    fill_lists_nested(m);
}

static void fill_lists_ten(void *p)
{
    types_Lists *m = p;
    SET_LIST(m, i32s, int32_t, {0, 1, 2, 3, 4, 5, 6, 7, 8, 9});
}

/* lists {"l": [1, 2, 3], "e": []}, nested {"outer": {1: "a", -2: "b"}, "empty": {}} */
static void fill_maps_nested(types_Maps *m)
{
    NEW_LIST(m, lists, 2);
    m->lists[0].key = xdup_str("l");
    SET_ARRAY(m->lists[0].value.n, m->lists[0].value.items, int32_t, {1, 2, 3});
    m->lists[1].key = xdup_str("e");
    NEW_LIST(m, nested, 2);
    m->nested[0].key = xdup_str("outer");
    types_Maps_nested_value *outer = &m->nested[0].value;
    outer->n = 2;
    outer->entries = xcalloc(2, sizeof *outer->entries);
    outer->entries[0].key = 1;
    outer->entries[0].value = xdup_str("a");
    outer->entries[1].key = -2;
    outer->entries[1].value = xdup_str("b");
    m->nested[1].key = xdup_str("empty");
}

static void fill_maps_full(void *p)
{
    types_Maps *m = p;
    NEW_LIST(m, by_name, 2);
    m->by_name[0].key = xdup_str("one");
    m->by_name[0].value = 1;
    m->by_name[1].key = xdup_str("minus");
    m->by_name[1].value = -1;
    NEW_LIST(m, i8_keys, 2);
    m->i8_keys[0].key = INT8_MIN;
    m->i8_keys[0].value = xdup_str("min");
    m->i8_keys[1].key = INT8_MAX;
    m->i8_keys[1].value = xdup_str("max");
    NEW_LIST(m, i16_keys, 2);
    m->i16_keys[0].key = -1;
    m->i16_keys[0].value = true;
    m->i16_keys[1].key = 300;
    m->i16_keys[1].value = false;
    NEW_LIST(m, i32_keys, 1);
    m->i32_keys[0].key = 7;
    m->i32_keys[0].value = 1.25;
    NEW_LIST(m, i64_keys, 1);
    m->i64_keys[0].key = INT64_MIN;
    m->i64_keys[0].value = INT64_MAX;
    NEW_LIST(m, u8_keys, 1);
    m->u8_keys[0].key = UINT8_MAX;
    m->u8_keys[0].value = make_bytes("\x01\x02", 2);
    NEW_LIST(m, u16_keys, 1);
    m->u16_keys[0].key = UINT16_MAX;
    m->u16_keys[0].value = 0.5f;
    NEW_LIST(m, u32_keys, 1);
    m->u32_keys[0].key = UINT32_MAX;
    m->u32_keys[0].value = 1;
    NEW_LIST(m, u64_keys, 1);
    m->u64_keys[0].key = UINT64_MAX;
    m->u64_keys[0].value = UINT64_MAX;
    NEW_LIST(m, kinds, 2);
    m->kinds[0].key = xdup_str("n");
    m->kinds[0].value = types_Kind_NEGATIVE;
    m->kinds[1].key = xdup_str("u");
    m->kinds[1].value = 77;
    NEW_LIST(m, points, 1);
    m->points[0].key = xdup_str("p");
    m->points[0].value.x = 5;
    m->points[0].value.y = 6;
    fill_maps_nested(m);
    NEW_LIST(m, messages, 1);
    m->messages[0].key = 3;
    types_Scalars_init(&m->messages[0].value);
    set_str(&m->messages[0].value.s, "three");
}

static void fill_point(void *p)
{
    common_Point *m = p;
    m->x = -1;
    m->y = 1;
}

static types_Nested *new_nested(const char *label)
{
    types_Nested *n = xcalloc(1, sizeof *n);
    types_Nested_init(n);
    set_str(&n->label, label);
    return n;
}

static void fill_nested(void *p)
{
    types_Nested *m = p;
    m->origin.x = 1;
    m->origin.y = 2;
    m->scalars.u8 = 9;
    m->child = new_nested("child");
    m->child->child = new_nested("grandchild");
    m->child->child->kind = types_Kind_LARGE;
    NEW_LIST(m, children, 2);
    types_Nested_init(&m->children[0]);
    set_str(&m->children[0].label, "c0");
    types_Nested_init(&m->children[1]);
    set_str(&m->children[1].label, "c1");
    m->children[1].origin.x = 3;
    m->children[1].origin.y = 4;
    set_str(&m->label, "root");
    NEW_LIST(m, named, 1);
    m->named[0].key = xdup_str("x");
    types_Nested_init(&m->named[0].value);
    set_str(&m->named[0].value.label, "nx");
}

/* xlang.py's nested_chain(depth): `child` links, the innermost "leaf". */
static void fill_nested_chain_n(types_Nested *m, int depth)
{
    for (int i = 1; i < depth; i++) {
        m->child = xcalloc(1, sizeof *m->child);
        types_Nested_init(m->child);
        m = m->child;
    }
    set_str(&m->label, "leaf");
}

static void fill_nested_chain(void *p) { fill_nested_chain_n(p, 30); }
static void fill_nested_chain_2(void *p) { fill_nested_chain_n(p, 2); }

static void fill_nested_partial(void *p)
{
    types_Nested *m = p;
    m->child = new_nested("c");
    set_str(&m->label, "p");
}

/* ---------------------------------------------------------------- cases */

enum { DECODE = 1, ENCODE = 2, BOTH = DECODE | ENCODE };

#define MAX_CODES 3
typedef struct xcase {
    const char *name;
    const msg_ops *ops;
    unsigned dirs;
    void (*fill)(void *m);     /* the expected struct after _init, or NULL */
    int codes[MAX_CODES];      /* a rejected body: the errors it may give */
    actor_decode_limits limits; /* non-zero: decoded with these limits */
} xcase;

#define OK(name, T, dirs, fill) {name, &T##_ops, dirs, fill, {0}, {0}}
#define BAD(name, T, ...) {name, &T##_ops, DECODE, NULL, {__VA_ARGS__}, {0}}
#define LIMITED(name, T, fill, limits, ...) {name, &T##_ops, DECODE, fill, {__VA_ARGS__}, limits}

#define DEPTH_3 {.max_depth = 3}
#define STRING_10 {.max_string_len = 10}
#define BYTES_10 {.max_bytes_len = 10}
#define ELEMENTS_10 {.max_elements = 10}
#define ALLOC_4K {.max_total_alloc = 4096}
#define TOO_LONG ACTOR_ETRUNCATED, ACTOR_ELIMIT

static const xcase CASES[] = {
    OK("scalars_zero", types_Scalars, BOTH, NULL),
    OK("scalars_max", types_Scalars, BOTH, fill_scalars_max),
    OK("scalars_min", types_Scalars, BOTH, fill_scalars_min),
    OK("scalars_mixed", types_Scalars, BOTH, fill_scalars_mixed),
    OK("scalars_special", types_Scalars, BOTH, fill_scalars_special),
    OK("scalars_nan", types_Scalars, BOTH, fill_scalars_nan),
    OK("optionals_absent", types_Optionals, BOTH, NULL),
    OK("optionals_present", types_Optionals, BOTH, fill_optionals_present),
    OK("optionals_unknown_enum", types_Optionals, BOTH, fill_optionals_unknown_enum),
    OK("defaults_init", types_Defaults, BOTH, NULL),
    OK("lists_empty", types_Lists, BOTH, NULL),
    OK("lists_full", types_Lists, BOTH, fill_lists_full),
    OK("maps_empty", types_Maps, BOTH, NULL),
    OK("maps_full", types_Maps, BOTH, fill_maps_full),
    OK("nested", types_Nested, BOTH, fill_nested),
    OK("empty", types_Empty, BOTH, NULL),
    OK("point", common_Point, BOTH, fill_point),

    OK("scalars_missing", types_Scalars, DECODE, NULL),
    OK("scalars_reordered", types_Scalars, DECODE, fill_scalars_max),
    OK("scalars_float_as_int", types_Scalars, DECODE, fill_scalars_float_as_int),
    OK("scalars_float_big_int", types_Scalars, DECODE, fill_scalars_float_big_int),
    OK("scalars_float_widths", types_Scalars, DECODE, fill_scalars_float_widths),
    OK("scalars_wide_ints", types_Scalars, DECODE, fill_scalars_wide_ints),
    OK("scalars_unknown_fields", types_Scalars, DECODE, fill_scalars_mixed),
    OK("defaults_missing", types_Defaults, DECODE, NULL),
    OK("defaults_other", types_Defaults, DECODE, fill_defaults_other),
    OK("lists_missing", types_Lists, DECODE, NULL),
    OK("maps_missing", types_Maps, DECODE, NULL),
    OK("empty_unknown", types_Empty, DECODE, NULL),
    OK("nested_chain", types_Nested, DECODE, fill_nested_chain),
    OK("nested_partial", types_Nested, DECODE, fill_nested_partial),

    BAD("bad_dup_key", types_Scalars, ACTOR_EDUPLICATE),
    BAD("bad_dup_unknown_key", types_Scalars, ACTOR_EDUPLICATE),
    BAD("bad_key_above_max", types_Scalars, ACTOR_EKEY),
    BAD("bad_key_u64_max", types_Scalars, ACTOR_EKEY),
    BAD("bad_f32_beyond_range", types_Scalars, ACTOR_ERANGE),
    BAD("bad_key_zero", types_Scalars, ACTOR_EKEY),
    BAD("bad_key_negative", types_Scalars, ACTOR_EKEY),
    BAD("bad_key_str", types_Scalars, ACTOR_EKEY),
    BAD("bad_key_float", types_Scalars, ACTOR_EKEY),
    BAD("bad_key_nil", types_Scalars, ACTOR_EKEY),
    BAD("bad_key_bool", types_Scalars, ACTOR_EKEY),
    BAD("bad_not_map", types_Scalars, ACTOR_ETYPE),
    BAD("bad_type_int_str", types_Scalars, ACTOR_ETYPE),
    BAD("bad_type_bool_int", types_Scalars, ACTOR_ETYPE),
    BAD("bad_type_str_bin", types_Scalars, ACTOR_ETYPE),
    BAD("bad_type_bin_str", types_Scalars, ACTOR_ETYPE),
    BAD("bad_type_float_str", types_Scalars, ACTOR_ETYPE),
    BAD("bad_type_int_float", types_Scalars, ACTOR_ETYPE),
    BAD("bad_type_int_nil", types_Scalars, ACTOR_ETYPE),
    BAD("bad_type_list_map", types_Lists, ACTOR_ETYPE),
    BAD("bad_type_list_elem", types_Lists, ACTOR_ETYPE),
    BAD("bad_type_map_str_key", types_Maps, ACTOR_ETYPE),
    BAD("bad_type_map_int_key", types_Maps, ACTOR_ETYPE),
    BAD("bad_type_msg_array", types_Nested, ACTOR_ETYPE),
    BAD("bad_type_enum_str", types_Optionals, ACTOR_ETYPE),
    BAD("bad_range_i8_hi", types_Scalars, ACTOR_ERANGE),
    BAD("bad_range_i8_lo", types_Scalars, ACTOR_ERANGE),
    BAD("bad_range_i16", types_Scalars, ACTOR_ERANGE),
    BAD("bad_range_i32", types_Scalars, ACTOR_ERANGE),
    BAD("bad_range_i64", types_Scalars, ACTOR_ERANGE),
    BAD("bad_range_u8", types_Scalars, ACTOR_ERANGE),
    BAD("bad_range_u8_neg", types_Scalars, ACTOR_ERANGE),
    BAD("bad_range_u16", types_Scalars, ACTOR_ERANGE),
    BAD("bad_range_u32", types_Scalars, ACTOR_ERANGE),
    BAD("bad_range_u64_neg", types_Scalars, ACTOR_ERANGE),
    BAD("bad_range_enum", types_Optionals, ACTOR_ERANGE),
    BAD("bad_range_map_key", types_Maps, ACTOR_ERANGE),
    BAD("bad_range_list_elem", types_Lists, ACTOR_ERANGE),
    BAD("bad_utf8_continuation", types_Scalars, ACTOR_EUTF8),
    BAD("bad_utf8_overlong", types_Scalars, ACTOR_EUTF8),
    BAD("bad_utf8_surrogate", types_Scalars, ACTOR_EUTF8),
    BAD("bad_utf8_truncated", types_Scalars, ACTOR_EUTF8),
    BAD("bad_utf8_too_big", types_Scalars, ACTOR_EUTF8),
    BAD("bad_utf8_in_list", types_Lists, ACTOR_EUTF8),
    BAD("bad_utf8_map_key", types_Maps, ACTOR_EUTF8),
    BAD("bad_trailing", types_Scalars, ACTOR_ETRAILING),
    BAD("bad_trailing_empty", types_Empty, ACTOR_ETRAILING),
    BAD("bad_truncated_empty", types_Scalars, ACTOR_ETRUNCATED),
    BAD("bad_truncated_mid", types_Scalars, ACTOR_ETRUNCATED),
    BAD("bad_truncated_header", types_Scalars, ACTOR_ETRUNCATED),
    BAD("bad_truncated_str", types_Scalars, ACTOR_ETRUNCATED),
    BAD("bad_huge_array", types_Lists, TOO_LONG),
    BAD("bad_huge_map", types_Maps, TOO_LONG),
    BAD("bad_huge_str", types_Scalars, TOO_LONG),
    BAD("bad_huge_bin", types_Scalars, TOO_LONG),
    BAD("bad_huge_body", types_Scalars, TOO_LONG),
    BAD("bad_huge_unknown", types_Scalars, TOO_LONG),
    BAD("bad_malformed", types_Scalars, ACTOR_EMALFORMED),
    BAD("bad_malformed_unknown", types_Scalars, ACTOR_EMALFORMED),
    BAD("bad_ext_for_int", types_Scalars, ACTOR_ETYPE),
    BAD("bad_depth_unknown", types_Scalars, ACTOR_EDEPTH),
    BAD("bad_depth_nested", types_Nested, ACTOR_EDEPTH),
    BAD("bad_nested_late_error", types_Nested, ACTOR_ETYPE),
    BAD("bad_lists_late_error", types_Lists, ACTOR_ETYPE),
    BAD("bad_maps_late_error", types_Maps, ACTOR_ETYPE),
    BAD("bad_optionals_late_error", types_Optionals, ACTOR_ETYPE),

    LIMITED("limit_string", types_Scalars, NULL, STRING_10, ACTOR_ELIMIT),
    LIMITED("limit_string_ok", types_Scalars, fill_scalars_string_10, STRING_10, 0),
    LIMITED("limit_bytes", types_Scalars, NULL, BYTES_10, ACTOR_ELIMIT),
    LIMITED("limit_bytes_ok", types_Scalars, fill_scalars_bytes_10, BYTES_10, 0),
    LIMITED("limit_list", types_Lists, NULL, ELEMENTS_10, ACTOR_ELIMIT),
    LIMITED("limit_list_ok", types_Lists, fill_lists_ten, ELEMENTS_10, 0),
    LIMITED("limit_map", types_Maps, NULL, ELEMENTS_10, ACTOR_ELIMIT),
    LIMITED("limit_depth", types_Nested, NULL, DEPTH_3, ACTOR_EDEPTH),
    LIMITED("limit_depth_ok", types_Nested, fill_nested_chain_2, DEPTH_3, 0),
    LIMITED("limit_depth_unknown", types_Scalars, NULL, DEPTH_3, ACTOR_EDEPTH),
    LIMITED("limit_total", types_Lists, NULL, ALLOC_4K, ACTOR_ELIMIT, ACTOR_ENOMEM),
};
#define N_CASES (sizeof CASES / sizeof CASES[0])

static bool is_rejection(const xcase *c) { return c->codes[0] != 0; }

static bool has_limits(const xcase *c)
{
    const actor_decode_limits *l = &c->limits;
    return l->max_depth || l->max_string_len || l->max_bytes_len || l->max_elements ||
           l->max_total_alloc;
}

static bool code_expected(const xcase *c, int rc)
{
    for (int i = 0; i < MAX_CODES && c->codes[i] != 0; i++)
        if (c->codes[i] == rc)
            return true;
    return false;
}

static void *new_expected(const xcase *c)
{
    void *m = xcalloc(1, c->ops->size);
    c->ops->init(m);
    if (c->fill)
        c->fill(m);
    return m;
}

static void drop(const msg_ops *ops, void *m)
{
    ops->free_(m);
    free(m);
}

static bool all_zero(const void *p, size_t size)
{
    const unsigned char *b = p;
    for (size_t i = 0; i < size; i++)
        if (b[i])
            return false;
    return true;
}

/* --------------------------------------------------------------- files */

static char *read_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (f == NULL)
        return NULL;
    size_t cap = 4096, n = 0;
    char *buf = malloc(cap);
    for (;;) {
        if (n == cap)
            buf = realloc(buf, cap *= 2);
        if (buf == NULL)
            abort();
        size_t got = fread(buf + n, 1, cap - n, f);
        n += got;
        if (got == 0)
            break;
    }
    fclose(f);
    *len = n;
    return buf;
}

static bool write_file(const char *path, const void *data, size_t len)
{
    FILE *f = fopen(path, "wb");
    if (f == NULL)
        return false;
    bool ok = fwrite(data, 1, len, f) == len;
    return fclose(f) == 0 && ok;
}

/* --------------------------------------------------------------- decode */

/* Valid body: decode_ex, _decode and _unpack must each give the struct. */
static bool decode_valid(const xcase *c, const char *buf, size_t len)
{
    const msg_ops *ops = c->ops;
    const actor_decode_limits *limits = has_limits(c) ? &c->limits : NULL;
    void *want = new_expected(c);
    void *got = xcalloc(1, ops->size);
    actor_decode_error err;
    memset(&err, 0, sizeof err);
    bool ok = true;
    int rc = ops->decode_ex(buf, len, got, limits, &err);
    if (rc != 0) {
        fprintf(stderr, "  decode_ex: %s (%d): %s\n", actor_strerror(rc), rc, err.message);
        ok = false;
    } else {
        ok = ops->eq(c->name, want, got) && ok;
        ops->free_(got);
    }
    if (limits == NULL) {
        rc = ops->decode(buf, len, got);
        if (rc != 0) {
            fprintf(stderr, "  _decode: %s (%d)\n", actor_strerror(rc), rc);
            ok = false;
        } else {
            ok = ops->eq(c->name, want, got) && ok;
            ops->free_(got);
        }
        msgpack_unpacked obj;
        msgpack_unpacked_init(&obj);
        size_t off = 0;
        if (msgpack_unpack_next(&obj, buf, len, &off) != MSGPACK_UNPACK_SUCCESS) {
            fprintf(stderr, "  msgpack-c cannot read the body\n");
            ok = false;
        } else if ((rc = ops->unpack(&obj.data, got)) != 0) {
            fprintf(stderr, "  _unpack: %s (%d)\n", actor_strerror(rc), rc);
            ok = false;
        } else {
            ok = ops->eq(c->name, want, got) && ok;
            ops->free_(got);
        }
        msgpack_unpacked_destroy(&obj);
    }
    free(got);
    drop(ops, want);
    return ok;
}

/* msgpack-c allocates a whole array or map before it knows the input holds
 * it, so the bad_huge_* bodies (counts near 2^32) are not given to it. */
static bool msgpack_c_can_read(const xcase *c)
{
    return strncmp(c->name, "bad_huge_", strlen("bad_huge_")) != 0;
}

/* Rejected body: an expected code, the same from _decode, a message in the
 * error, and the struct left zeroed. _unpack must reject it too when
 * msgpack-c can read it as one object. */
static bool decode_rejected(const xcase *c, const char *buf, size_t len)
{
    const msg_ops *ops = c->ops;
    const actor_decode_limits *limits = has_limits(c) ? &c->limits : NULL;
    unsigned char *got = xcalloc(1, ops->size);
    memset(got, 0xa5, ops->size); /* garbage the decoder must clear */
    actor_decode_error err;
    memset(&err, 0, sizeof err);
    bool ok = true;
    int rc = ops->decode_ex(buf, len, got, limits, &err);
    if (rc == 0) {
        fprintf(stderr, "  decode_ex accepted it\n");
        ops->free_(got);
        free(got);
        return false;
    }
    if (!code_expected(c, rc)) {
        fprintf(stderr, "  decode_ex: got %s (%d): %s; expected %s (%d)\n", actor_strerror(rc),
                rc, err.message, actor_strerror(c->codes[0]), c->codes[0]);
        ok = false;
    }
    if (err.code != rc) {
        fprintf(stderr, "  err.code is %d, returned %d\n", err.code, rc);
        ok = false;
    }
    if (err.message[0] == '\0') {
        fprintf(stderr, "  err.message is empty\n");
        ok = false;
    }
    if (!all_zero(got, ops->size)) {
        fprintf(stderr, "  the struct is not zeroed after the error\n");
        ok = false;
    }
    int rc_no_err = ops->decode_ex(buf, len, got, limits, NULL); /* err may be NULL */
    if (rc_no_err != rc) {
        fprintf(stderr, "  decode_ex without an error struct returned %d, with one %d\n",
                rc_no_err, rc);
        ok = false;
    }
    if (rc_no_err == 0)
        ops->free_(got);
    if (limits == NULL) {
        int rc2 = ops->decode(buf, len, got);
        if (rc2 != rc) {
            fprintf(stderr, "  _decode returned %d, decode_ex %d\n", rc2, rc);
            ok = false;
        }
        if (rc2 == 0)
            ops->free_(got);
        msgpack_unpacked obj;
        msgpack_unpacked_init(&obj);
        size_t off = 0;
        if (msgpack_c_can_read(c) &&
            msgpack_unpack_next(&obj, buf, len, &off) == MSGPACK_UNPACK_SUCCESS && off == len) {
            rc2 = ops->unpack(&obj.data, got);
            if (rc2 >= 0) {
                fprintf(stderr, "  _unpack accepted it\n");
                ops->free_(got);
                ok = false;
            }
        }
        msgpack_unpacked_destroy(&obj);
    }
    free(got);
    return ok;
}

static bool decode_case(const xcase *c, const char *dir)
{
    char path[1024];
    snprintf(path, sizeof path, "%s/%s.bin", dir, c->name);
    size_t len = 0;
    char *buf = read_file(path, &len);
    if (buf == NULL) {
        fprintf(stderr, "  cannot read %s: %s\n", path, strerror(errno));
        return false;
    }
    bool ok = is_rejection(c) ? decode_rejected(c, buf, len) : decode_valid(c, buf, len);
    free(buf);
    return ok;
}

static const xcase *find_case(const char *name)
{
    for (size_t i = 0; i < N_CASES; i++)
        if (strcmp(CASES[i].name, name) == 0)
            return &CASES[i];
    return NULL;
}

/* Every .bin in dir must be a case this program knows. */
static int unknown_files(const char *dir)
{
    DIR *d = opendir(dir);
    if (d == NULL) {
        fprintf(stderr, "cannot open %s: %s\n", dir, strerror(errno));
        return 1;
    }
    int unknown = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        size_t n = strlen(e->d_name);
        if (n < 5 || strcmp(e->d_name + n - 4, ".bin") != 0)
            continue;
        char name[256];
        snprintf(name, sizeof name, "%.*s", (int)(n - 4), e->d_name);
        const xcase *c = find_case(name);
        if (c == NULL || !(c->dirs & DECODE)) {
            fprintf(stderr, "FAIL %s: xlang.py wrote a case this program does not know\n", name);
            unknown++;
        }
    }
    closedir(d);
    return unknown;
}

static int run_decode(const char *dir)
{
    int passed = 0, failed = unknown_files(dir);
    for (size_t i = 0; i < N_CASES; i++) {
        const xcase *c = &CASES[i];
        if (!(c->dirs & DECODE))
            continue;
        if (decode_case(c, dir)) {
            passed++;
        } else {
            fprintf(stderr, "FAIL decode %s (%s)\n", c->name, c->ops->name);
            failed++;
        }
    }
    printf("%d passed, %d failed\n", passed, failed);
    return failed ? 1 : 0;
}

/* --------------------------------------------------------------- encode */

static int pack_to(const xcase *c, const void *m, msgpack_sbuffer *out)
{
    msgpack_packer pk;
    msgpack_packer_init(&pk, out, msgpack_sbuffer_write);
    return c->ops->pack(&pk, m);
}

/* Encodes the case into dir; _pack must agree with _encode and the bytes
 * must decode to the same struct. */
static bool encode_case(const xcase *c, const char *dir)
{
    const msg_ops *ops = c->ops;
    void *m = new_expected(c);
    msgpack_sbuffer enc, packed;
    msgpack_sbuffer_init(&enc);
    msgpack_sbuffer_init(&packed);
    bool ok = true;
    int rc = ops->encode(m, &enc);
    int rc2 = pack_to(c, m, &packed);
    if (rc != 0 || rc2 != 0) {
        fprintf(stderr, "  _encode returned %d, _pack %d\n", rc, rc2);
        ok = false;
    } else if (enc.size != packed.size || memcmp(enc.data, packed.data, enc.size) != 0) {
        fprintf(stderr, "  _pack wrote other bytes than _encode\n");
        ok = false;
    }
    char path[1024];
    snprintf(path, sizeof path, "%s/%s.bin", dir, c->name);
    if (rc == 0 && !write_file(path, enc.data, enc.size)) {
        fprintf(stderr, "  cannot write %s: %s\n", path, strerror(errno));
        ok = false;
    }
    if (rc == 0) {
        void *back = xcalloc(1, ops->size);
        actor_decode_error err;
        rc = ops->decode_ex(enc.data, enc.size, back, NULL, &err);
        if (rc != 0) {
            fprintf(stderr, "  decoding what _encode wrote: %s\n", err.message);
            ok = false;
        } else {
            ok = ops->eq(c->name, m, back) && ok;
            ops->free_(back);
        }
        free(back);
    }
    msgpack_sbuffer_destroy(&enc);
    msgpack_sbuffer_destroy(&packed);
    drop(ops, m);
    return ok;
}

static int run_encode(const char *dir)
{
    int passed = 0, failed = 0;
    for (size_t i = 0; i < N_CASES; i++) {
        const xcase *c = &CASES[i];
        if (!(c->dirs & ENCODE))
            continue;
        if (encode_case(c, dir)) {
            passed++;
        } else {
            fprintf(stderr, "FAIL encode %s (%s)\n", c->name, c->ops->name);
            failed++;
        }
    }
    printf("%d passed, %d failed\n", passed, failed);
    return failed ? 1 : 0;
}

int main(int argc, char **argv)
{
    if (argc == 3 && strcmp(argv[1], "decode") == 0)
        return run_decode(argv[2]);
    if (argc == 3 && strcmp(argv[1], "encode") == 0)
        return run_encode(argv[2]);
    fprintf(stderr, "usage: %s decode|encode DIR\n", argv[0]);
    return 2;
}
