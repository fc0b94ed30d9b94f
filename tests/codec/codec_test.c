/*
 * codec_test.c - unit tests of the code actorc generates for idl/types.actor
 * and idl/common.actor (generated into $(BUILD) by tests/codec/build.mk):
 * round trips at edge values, _encode == _pack, _decode == _unpack,
 * defaults, unknown fields, unknown enum values, float coercions, and every
 * rejection of DESIGN.md section 3 with its specific error code. Run under
 * ASan/UBSan by `make check`, which also catches leaks on every error path.
 */
#include <float.h>
#include <math.h>
#include <stdlib.h>

#include "check.h"
#include "common.h"
#include "types.h"

/* ------------------------------------------------------------- helpers */

static void sbuf_init(msgpack_sbuffer *sb)
{
    msgpack_sbuffer_init(sb);
}

/* Every prefix of a valid encoding must fail with ACTOR_ETRUNCATED, one
 * extra byte with ACTOR_ETRAILING; defined per message type below. */
#define DEFINE_ROUNDTRIP(T)                                                                        \
    static bool roundtrip_##T(const T *in, T *out)                                                 \
    {                                                                                              \
        msgpack_sbuffer enc, packed, again;                                                        \
        msgpack_packer pk;                                                                         \
        msgpack_unpacked obj;                                                                      \
        T tmp;                                                                                     \
        bool ok = true;                                                                            \
        size_t off = 0, cut;                                                                       \
        sbuf_init(&enc);                                                                           \
        sbuf_init(&packed);                                                                        \
        sbuf_init(&again);                                                                         \
        msgpack_packer_init(&pk, &packed, msgpack_sbuffer_write);                                  \
        if (T##_encode(in, &enc) != 0 || T##_pack(&pk, in) != 0) {                                \
            printf("  " #T ": encode/pack failed\n");                                              \
            ok = false;                                                                            \
        } else if (enc.size != packed.size || memcmp(enc.data, packed.data, enc.size) != 0) {      \
            printf("  " #T ": _encode and _pack bytes differ (%zu vs %zu)\n", enc.size,            \
                   packed.size);                                                                   \
            ok = false;                                                                            \
        }                                                                                          \
        if (ok && T##_decode(enc.data, enc.size, out) != 0) {                                      \
            printf("  " #T ": decode of own encoding failed\n");                                   \
            ok = false;                                                                            \
        }                                                                                          \
        if (ok && (T##_encode(out, &again) != 0 || again.size != enc.size ||                       \
                   memcmp(again.data, enc.data, enc.size) != 0)) {                                 \
            printf("  " #T ": re-encoding the decoded message differs\n");                         \
            ok = false;                                                                            \
        }                                                                                          \
        msgpack_unpacked_init(&obj);                                                               \
        if (ok && msgpack_unpack_next(&obj, enc.data, enc.size, &off) != MSGPACK_UNPACK_SUCCESS) { \
            printf("  " #T ": msgpack-c cannot read our bytes\n");                                 \
            ok = false;                                                                            \
        }                                                                                          \
        if (ok) {                                                                                  \
            again.size = 0;                                                                        \
            if (T##_unpack(&obj.data, &tmp) != 0 || T##_encode(&tmp, &again) != 0 ||               \
                again.size != enc.size || memcmp(again.data, enc.data, enc.size) != 0) {           \
                printf("  " #T ": _unpack result differs from _decode\n");                         \
                ok = false;                                                                        \
            }                                                                                      \
            T##_free(&tmp);                                                                        \
        }                                                                                          \
        msgpack_unpacked_destroy(&obj);                                                            \
        for (cut = 0; ok && cut < enc.size; cut++) {                                               \
            int rc = T##_decode(enc.data, cut, &tmp);                                              \
            if (rc != ACTOR_ETRUNCATED) {                                                          \
                printf("  " #T ": prefix of %zu/%zu bytes gave %d (%s)\n", cut, enc.size, rc,      \
                       actor_strerror(rc));                                                        \
                ok = false;                                                                        \
            }                                                                                      \
        }                                                                                          \
        if (ok) {                                                                                  \
            msgpack_sbuffer_write(&enc, "\xc0", 1);                                                \
            if (T##_decode(enc.data, enc.size, &tmp) != ACTOR_ETRAILING) {                         \
                printf("  " #T ": trailing byte accepted\n");                                      \
                ok = false;                                                                        \
            }                                                                                      \
        }                                                                                          \
        msgpack_sbuffer_destroy(&enc);                                                             \
        msgpack_sbuffer_destroy(&packed);                                                          \
        msgpack_sbuffer_destroy(&again);                                                           \
        return ok;                                                                                 \
    }
DEFINE_ROUNDTRIP(types_Scalars)
DEFINE_ROUNDTRIP(types_Optionals)
DEFINE_ROUNDTRIP(types_Defaults)
DEFINE_ROUNDTRIP(types_Lists)
DEFINE_ROUNDTRIP(types_Maps)
DEFINE_ROUNDTRIP(types_Nested)
DEFINE_ROUNDTRIP(types_Empty)


static char *dup(const char *s)
{
    return actor_strdup(s);
}

static actor_bytes blob(size_t len, uint8_t seed)
{
    actor_bytes b = {.data = NULL, .len = len};
    if (len > 0) {
        b.data = malloc(len);
        for (size_t i = 0; i < len; i++)
            b.data[i] = (uint8_t)(seed + i);
    }
    return b;
}

static bool is_zero(const void *p, size_t n)
{
    const unsigned char *c = p;
    for (size_t i = 0; i < n; i++)
        if (c[i] != 0)
            return false;
    return true;
}

/* Hostile input from a hex string ("82 01 02"), spaces ignored. */
static size_t hex(uint8_t *out, const char *s)
{
    size_t n = 0;
    while (*s) {
        unsigned v;
        if (*s == ' ') {
            s++;
            continue;
        }
        sscanf(s, "%2x", &v);
        out[n++] = (uint8_t)v;
        s += 2;
    }
    return n;
}

/* Decodes hex as a Scalars, expecting `code`; *err gets the details. */
static int decode_hex_scalars(const char *h, actor_decode_error *err,
                              const actor_decode_limits *limits)
{
    uint8_t buf[512];
    size_t n = hex(buf, h);
    types_Scalars m;
    int rc = types_Scalars_decode_ex((const char *)buf, n, &m, limits, err);
    if (rc == 0)
        types_Scalars_free(&m);
    else if (!is_zero(&m, sizeof m))
        return 1; /* a failed decode must leave *m zeroed */
    return rc;
}

static int decode_hex_nested(const char *h, const actor_decode_limits *limits)
{
    uint8_t buf[4096];
    size_t n = hex(buf, h);
    types_Nested m;
    int rc = types_Nested_decode_ex((const char *)buf, n, &m, limits, NULL);
    if (rc == 0)
        types_Nested_free(&m);
    else if (!is_zero(&m, sizeof m))
        return 1;
    return rc;
}

/* The same bytes through msgpack_unpack + _unpack_ex. */
static int unpack_hex_scalars(const char *h, actor_decode_error *err)
{
    uint8_t buf[512];
    size_t n = hex(buf, h), off = 0;
    msgpack_unpacked obj;
    types_Scalars m;
    int rc;

    msgpack_unpacked_init(&obj);
    if (msgpack_unpack_next(&obj, (const char *)buf, n, &off) != MSGPACK_UNPACK_SUCCESS) {
        msgpack_unpacked_destroy(&obj);
        return 2;
    }
    rc = types_Scalars_unpack_ex(&obj.data, &m, NULL, err);
    if (rc == 0)
        types_Scalars_free(&m);
    else if (!is_zero(&m, sizeof m))
        rc = 1;
    msgpack_unpacked_destroy(&obj);
    return rc;
}

/* --------------------------------------------------------- round trips */

TEST(scalars_min_max_zero)
{
    types_Scalars in[3], out;

    memset(in, 0, sizeof in);
    in[0] = (types_Scalars){true, INT8_MIN, INT16_MIN, INT32_MIN, INT64_MIN, 0, 0, 0, 0,
                            -FLT_MAX, -DBL_MAX, dup(""), blob(0, 0)};
    in[1] = (types_Scalars){true, INT8_MAX, INT16_MAX, INT32_MAX, INT64_MAX, UINT8_MAX,
                            UINT16_MAX, UINT32_MAX, UINT64_MAX, FLT_MAX, DBL_MAX,
                            dup("h\xc3\xa9llo \xe2\x82\xac \xf0\x9f\x98\x80 \xf4\x8f\xbf\xbf"),
                            blob(300, 7)};
    types_Scalars_init(&in[2]);
    for (int i = 0; i < 3; i++) {
        CHECK(roundtrip_types_Scalars(&in[i], &out));
        CHECK_INT(out.i8, in[i].i8);
        CHECK_INT(out.i16, in[i].i16);
        CHECK_INT(out.i32, in[i].i32);
        CHECK_INT(out.i64, in[i].i64);
        CHECK_UINT(out.u8, in[i].u8);
        CHECK_UINT(out.u16, in[i].u16);
        CHECK_UINT(out.u32, in[i].u32);
        CHECK_UINT(out.u64, in[i].u64);
        CHECK(out.f32 == in[i].f32);
        CHECK(out.f64 == in[i].f64);
        CHECK_STR(out.s, in[i].s != NULL ? in[i].s : "");
        CHECK_MEM(out.data.data, out.data.len, in[i].data.data, in[i].data.len);
        types_Scalars_free(&out);
        types_Scalars_free(&in[i]);
    }
}

TEST(scalars_every_int_width)
{
    /* values at every msgpack int form boundary, for the widest types */
    static const int64_t signed_values[] = {
        0,      1,      31,     32,     127,        128,        255,        256,
        65535,  65536,  -1,     -32,    -33,        -128,       -129,       -32768,
        -32769, INT32_MAX, (int64_t)INT32_MAX + 1, INT32_MIN, (int64_t)INT32_MIN - 1,
        (int64_t)UINT32_MAX, (int64_t)UINT32_MAX + 1, INT64_MAX, INT64_MIN,
    };
    types_Scalars in, out;

    for (size_t i = 0; i < sizeof signed_values / sizeof signed_values[0]; i++) {
        types_Scalars_init(&in);
        in.i64 = signed_values[i];
        in.u64 = (uint64_t)signed_values[i];
        in.i32 = (int32_t)signed_values[i];
        in.u32 = (uint32_t)signed_values[i];
        in.i16 = (int16_t)signed_values[i];
        in.u16 = (uint16_t)signed_values[i];
        CHECK(roundtrip_types_Scalars(&in, &out));
        CHECK_INT(out.i64, in.i64);
        CHECK_UINT(out.u64, in.u64);
        CHECK_INT(out.i32, in.i32);
        CHECK_UINT(out.u32, in.u32);
        CHECK_INT(out.i16, in.i16);
        CHECK_UINT(out.u16, in.u16);
        types_Scalars_free(&out);
    }
}

TEST(floats_nan_inf)
{
    types_Scalars in, out;

    types_Scalars_init(&in);
    in.f32 = NAN;
    in.f64 = -INFINITY;
    CHECK(roundtrip_types_Scalars(&in, &out));
    CHECK(isnan(out.f32));
    CHECK(isinf(out.f64) && out.f64 < 0);
    types_Scalars_free(&out);
    in.f32 = INFINITY;
    in.f64 = NAN;
    CHECK(roundtrip_types_Scalars(&in, &out));
    CHECK(isinf(out.f32));
    CHECK(isnan(out.f64));
    in.f32 = FLT_MIN / 2; /* subnormal */
    in.f64 = -0.0;
    types_Scalars_free(&out);
    CHECK(roundtrip_types_Scalars(&in, &out));
    CHECK(out.f32 == FLT_MIN / 2);
    CHECK(signbit(out.f64));
    types_Scalars_free(&out);
}

TEST(long_strings_and_blobs)
{
    /* str8/16/32 and bin8/16/32 boundaries */
    static const size_t lengths[] = {31, 32, 255, 256, 65535, 65536, 70000};
    types_Scalars in, out;

    for (size_t i = 0; i < sizeof lengths / sizeof lengths[0]; i++) {
        types_Scalars_init(&in);
        in.s = malloc(lengths[i] + 1);
        memset(in.s, 'x', lengths[i]);
        in.s[lengths[i]] = '\0';
        in.data = blob(lengths[i], 1);
        msgpack_sbuffer sb;
        sbuf_init(&sb);
        CHECK_RC(types_Scalars_encode(&in, &sb), 0);
        CHECK_RC(types_Scalars_decode(sb.data, sb.size, &out), 0);
        CHECK_UINT(strlen(out.s), lengths[i]);
        CHECK_MEM(out.data.data, out.data.len, in.data.data, in.data.len);
        types_Scalars_free(&out);
        if (lengths[i] < 300)
            CHECK(roundtrip_types_Scalars(&in, &out));
        if (lengths[i] < 300)
            types_Scalars_free(&out);
        msgpack_sbuffer_destroy(&sb);
        types_Scalars_free(&in);
    }
}

TEST(optionals_absent_and_present)
{
    types_Optionals in, out;
    msgpack_sbuffer sb;

    types_Optionals_init(&in);
    sbuf_init(&sb);
    CHECK_RC(types_Optionals_encode(&in, &sb), 0);
    CHECK_UINT(sb.size, 1); /* an empty map: every optional left out */
    CHECK_UINT((uint8_t)sb.data[0], 0x80);
    msgpack_sbuffer_destroy(&sb);
    CHECK(roundtrip_types_Optionals(&in, &out));
    CHECK(!out.has_b && !out.has_i64 && !out.has_data && !out.has_kind);
    CHECK(out.s == NULL && out.point == NULL && out.scalars == NULL);
    types_Optionals_free(&out);

    in.has_b = true;
    in.has_i8 = true, in.i8 = -5;
    in.has_i16 = true, in.i16 = 0;
    in.has_i32 = true, in.i32 = 7;
    in.has_i64 = true, in.i64 = INT64_MIN;
    in.has_u8 = true, in.u8 = 200;
    in.has_u16 = true, in.u16 = 1;
    in.has_u32 = true, in.u32 = UINT32_MAX;
    in.has_u64 = true, in.u64 = UINT64_MAX;
    in.has_f32 = true, in.f32 = 0.5f;
    in.has_f64 = true, in.f64 = 1e300;
    in.s = dup("");
    in.has_data = true, in.data = blob(0, 0);
    in.has_kind = true, in.kind = types_Kind_NEGATIVE;
    in.has_color = true, in.color = common_Color_GREEN;
    in.point = calloc(1, sizeof *in.point);
    in.point->x = -1;
    in.scalars = calloc(1, sizeof *in.scalars);
    in.scalars->s = dup("inner");
    CHECK(roundtrip_types_Optionals(&in, &out));
    CHECK(out.has_b && out.b == false);
    CHECK(out.has_i16 && out.i16 == 0);
    CHECK(out.has_data && out.data.len == 0);
    CHECK_INT(out.kind, types_Kind_NEGATIVE);
    CHECK_STR(out.s, "");
    CHECK(out.point != NULL && out.point->x == -1);
    CHECK(out.scalars != NULL);
    CHECK_STR(out.scalars->s, "inner");
    types_Optionals_free(&out);
    types_Optionals_free(&in);
    CHECK(is_zero(&in, sizeof in));
}

TEST(defaults_from_init_and_missing_fields)
{
    types_Defaults m;

    types_Defaults_init(&m);
    CHECK(m.b == true);
    CHECK_INT(m.i8, -128);
    CHECK_INT(m.i32, -42);
    CHECK_INT(m.i64, INT64_MIN);
    CHECK_UINT(m.u16, 65535);
    CHECK_UINT(m.u64, UINT64_MAX);
    CHECK(m.f32 == 1.5f);
    CHECK(m.f64 == -2.25);
    CHECK_STR(m.s, "h\xc3\xa9llo \"quoted\"\n");
    CHECK_INT(m.kind, types_Kind_LARGE);
    CHECK_INT(m.neg, types_Kind_NEGATIVE);
    CHECK_INT(m.items, 16);
    CHECK(m.ratio == 0.25);
    CHECK_STR(m.greeting, "hello");
    CHECK(m.enabled);
    CHECK_INT(m.color, common_Color_BLUE);
    CHECK_INT(m.plain, 0);
    types_Defaults_free(&m);

    /* an empty map decodes to the defaults */
    CHECK_RC(types_Defaults_decode("\x80", 1, &m), 0);
    CHECK_INT(m.i32, -42);
    CHECK_STR(m.greeting, "hello");
    CHECK_INT(m.neg, types_Kind_NEGATIVE);
    types_Defaults_free(&m);

    /* a present string replaces its default (no leak: ASan checks) */
    CHECK_RC(types_Defaults_decode("\x81\x0e\xa1z", 4, &m), 0);
    CHECK_STR(m.greeting, "z");
    CHECK_STR(m.s, "h\xc3\xa9llo \"quoted\"\n");
    types_Defaults_free(&m);

    types_Defaults_init(&m);
    types_Defaults out;
    CHECK(roundtrip_types_Defaults(&m, &out));
    types_Defaults_free(&out);
    types_Defaults_free(&m);
}

TEST(lists_every_kind)
{
    types_Lists in, out;
    static bool bools[] = {true, false, true};
    static int8_t i8s[] = {INT8_MIN, -1, 0, INT8_MAX};
    static int16_t i16s[] = {INT16_MIN, 300, INT16_MAX};
    static int32_t i32s[17];
    static int64_t i64s[] = {INT64_MIN, INT64_MAX, 0};
    static uint8_t u8s[] = {0, 255};
    static uint16_t u16s[] = {65535};
    static uint32_t u32s[] = {UINT32_MAX, 128};
    static uint64_t u64s[] = {UINT64_MAX};
    static float f32s[] = {1.5f, -0.0f};
    static double f64s[] = {1e-300, 3.0};
    static types_Kind kinds[] = {types_Kind_SMALL, 99, -7};

    for (int i = 0; i < 17; i++)
        i32s[i] = i * 1000 - 8000;
    types_Lists_init(&in);
    CHECK(roundtrip_types_Lists(&in, &out)); /* all empty */
    CHECK(out.n_bools == 0 && out.bools == NULL && out.cube == NULL);
    types_Lists_free(&out);

    in.n_bools = 3, in.bools = bools;
    in.n_i8s = 4, in.i8s = i8s;
    in.n_i16s = 3, in.i16s = i16s;
    in.n_i32s = 17, in.i32s = i32s;
    in.n_i64s = 3, in.i64s = i64s;
    in.n_u8s = 2, in.u8s = u8s;
    in.n_u16s = 1, in.u16s = u16s;
    in.n_u32s = 2, in.u32s = u32s;
    in.n_u64s = 1, in.u64s = u64s;
    in.n_f32s = 2, in.f32s = f32s;
    in.n_f64s = 2, in.f64s = f64s;
    in.n_kinds = 3, in.kinds = kinds;
    char *strings[] = {"", "a", "\xe2\x82\xac"};
    in.n_strings = 3, in.strings = strings;
    actor_bytes blobs[] = {{.data = NULL, .len = 0}, {.data = (uint8_t *)"\x00\x01", .len = 2}};
    in.n_blobs = 2, in.blobs = blobs;
    common_Point points[] = {{1, 2}, {-3, 4}};
    in.n_points = 2, in.points = points;
    int32_t row0[] = {1, 2, 3};
    types_Lists_matrix_elem matrix[] = {{3, row0}, {0, NULL}};
    in.n_matrix = 2, in.matrix = matrix;
    types_Lists_dicts_elem_entry d0[] = {{"k", 1}, {"k2", -1}};
    types_Lists_dicts_elem dicts[] = {{2, d0}, {0, NULL}};
    in.n_dicts = 2, in.dicts = dicts;
    char *words[] = {"x", "y"};
    types_Lists_cube_elem_elem planes[] = {{2, words}, {0, NULL}};
    types_Lists_cube_elem cube[] = {{2, planes}, {0, NULL}};
    in.n_cube = 2, in.cube = cube;

    CHECK(roundtrip_types_Lists(&in, &out));
    CHECK_UINT(out.n_i32s, 17);
    CHECK_INT(out.i32s[16], 8000);
    CHECK_INT(out.kinds[1], 99); /* unknown enum values are kept */
    CHECK_INT(out.kinds[2], -7);
    CHECK_STR(out.strings[2], "\xe2\x82\xac");
    CHECK_INT(out.points[1].x, -3);
    CHECK_INT(out.matrix[0].items[2], 3);
    CHECK_STR(out.dicts[0].entries[1].key, "k2");
    CHECK_STR(out.cube[0].items[0].items[1], "y");
    types_Lists_free(&out);
}

TEST(maps_every_kind)
{
    types_Maps in, out;

    types_Maps_init(&in);
    CHECK(roundtrip_types_Maps(&in, &out));
    types_Maps_free(&out);

    types_Maps_by_name_entry by_name[] = {{"a", 1}, {"", INT32_MIN}};
    in.n_by_name = 2, in.by_name = by_name;
    types_Maps_i8_keys_entry i8k[] = {{INT8_MIN, "min"}, {INT8_MAX, ""}};
    in.n_i8_keys = 2, in.i8_keys = i8k;
    types_Maps_i16_keys_entry i16k[] = {{-300, true}};
    in.n_i16_keys = 1, in.i16_keys = i16k;
    types_Maps_i32_keys_entry i32k[] = {{0, 0.5}};
    in.n_i32_keys = 1, in.i32_keys = i32k;
    types_Maps_i64_keys_entry i64k[] = {{INT64_MIN, INT64_MAX}};
    in.n_i64_keys = 1, in.i64_keys = i64k;
    types_Maps_u8_keys_entry u8k[] = {{255, {.data = (uint8_t *)"ab", .len = 2}}};
    in.n_u8_keys = 1, in.u8_keys = u8k;
    types_Maps_u16_keys_entry u16k[] = {{65535, -1.0f}};
    in.n_u16_keys = 1, in.u16_keys = u16k;
    types_Maps_u32_keys_entry u32k[] = {{UINT32_MAX, 1}};
    in.n_u32_keys = 1, in.u32_keys = u32k;
    types_Maps_u64_keys_entry u64k[] = {{UINT64_MAX, 0}};
    in.n_u64_keys = 1, in.u64_keys = u64k;
    types_Maps_kinds_entry kinds[] = {{"large", types_Kind_LARGE}};
    in.n_kinds = 1, in.kinds = kinds;
    types_Maps_points_entry points[] = {{"p", {5, 6}}};
    in.n_points = 1, in.points = points;
    int32_t l0[] = {9, 8};
    types_Maps_lists_entry lists[] = {{"l", {2, l0}}, {"empty", {0, NULL}}};
    in.n_lists = 2, in.lists = lists;
    types_Maps_nested_value_entry inner[] = {{1, "one"}};
    types_Maps_nested_entry nested[] = {{"n", {1, inner}}};
    in.n_nested = 1, in.nested = nested;
    types_Maps_messages_entry msgs[1];
    memset(msgs, 0, sizeof msgs);
    msgs[0].key = -1;
    msgs[0].value.s = "in a map";
    in.n_messages = 1, in.messages = msgs;

    CHECK(roundtrip_types_Maps(&in, &out));
    CHECK_STR(out.by_name[1].key, "");
    CHECK_INT(out.by_name[1].value, INT32_MIN);
    CHECK_UINT(out.u64_keys[0].key, UINT64_MAX);
    CHECK_INT(out.points[0].value.y, 6);
    CHECK_INT(out.lists[0].value.items[1], 8);
    CHECK_STR(out.nested[0].value.entries[0].value, "one");
    CHECK_STR(out.messages[0].value.s, "in a map");
    types_Maps_free(&out);
}

TEST(nested_recursive)
{
    types_Nested in, out;
    types_Nested child, kids[2];
    types_Nested_named_entry named[1];

    types_Nested_init(&in);
    types_Nested_init(&child);
    types_Nested_init(&kids[0]);
    types_Nested_init(&kids[1]);
    child.label = "child";
    kids[1].label = "kid";
    kids[1].kind = 1234; /* unknown member */
    in.origin.x = 10;
    in.scalars.s = "s";
    in.child = &child;
    in.n_children = 2, in.children = kids;
    in.label = "root";
    named[0].key = "k";
    types_Nested_init(&named[0].value);
    named[0].value.label = "named";
    in.n_named = 1, in.named = named;
    CHECK(roundtrip_types_Nested(&in, &out));
    CHECK_STR(out.child->label, "child");
    CHECK_INT(out.children[1].kind, 1234);
    CHECK_STR(out.named[0].value.label, "named");
    CHECK_INT(out.kind, types_Kind_SMALL);
    types_Nested_free(&out);

    types_Empty e = {0}, eout;
    CHECK(roundtrip_types_Empty(&e, &eout));
    types_Empty_free(&eout);
}

/* ------------------------------------------------ tolerance of new data */

TEST(unknown_fields_are_skipped)
{
    /* Point {1: 7, 999: {1: [1, 2.5, "x", nil, true, bin, ext], "k": {}}, 65535: "big", 2: -3}
     * with fixext and ext8 in the skipped value */
    uint8_t buf[128];
    size_t n = hex(buf, "84 01 07"
                        " cd 03 e7 82 01 98 01 cb 40 04 00 00 00 00 00 00 a1 78 c0 c3 c4 01 ff"
                        "    d4 05 01 c7 02 06 aa bb"
                        "    a1 6b 80"
                        " cd ff ff a3 62 69 67"
                        " 02 fd");
    common_Point p;

    CHECK_RC(common_Point_decode((const char *)buf, n, &p), 0);
    CHECK_INT(p.x, 7);
    CHECK_INT(p.y, -3);
    common_Point_free(&p);
}

TEST(float_fields_accept_ints_and_both_widths)
{
    types_Scalars m;
    /* f32 (10) = int 3, f64 (11) = float32 1.5 */
    CHECK_RC(types_Scalars_decode("\x82\x0a\x03\x0b\xca\x3f\xc0\x00\x00", 9, &m), 0);
    CHECK(m.f32 == 3.0f);
    CHECK(m.f64 == 1.5);
    types_Scalars_free(&m);
    /* f32 = float64 0.25, f64 = negative int -2, then uint64 max */
    CHECK_RC(types_Scalars_decode("\x82\x0a\xcb\x3f\xd0\x00\x00\x00\x00\x00\x00\x0b\xfe", 13, &m),
             0);
    CHECK(m.f32 == 0.25f);
    CHECK(m.f64 == -2.0);
    types_Scalars_free(&m);
    CHECK_RC(types_Scalars_decode("\x81\x0b\xcf\xff\xff\xff\xff\xff\xff\xff\xff", 11, &m), 0);
    CHECK(m.f64 == 18446744073709551615.0);
    types_Scalars_free(&m);
}

TEST(integers_in_any_form)
{
    types_Scalars m;
    /* u8 (6) = int8-form 5; i64 (5) = uint64-form 1; i8 (2) = int64-form -1 */
    CHECK_RC(types_Scalars_decode("\x83\x06\xd0\x05\x05\xcf\x00\x00\x00\x00\x00\x00\x00\x01"
                                  "\x02\xd3\xff\xff\xff\xff\xff\xff\xff\xff",
                                  24, &m),
             0);
    CHECK_UINT(m.u8, 5);
    CHECK_INT(m.i64, 1);
    CHECK_INT(m.i8, -1);
    types_Scalars_free(&m);
    /* a field id in uint16 form */
    CHECK_RC(types_Scalars_decode("\x81\xcd\x00\x04\x2a", 5, &m), 0);
    CHECK_INT(m.i32, 42);
    types_Scalars_free(&m);
}

/* ---------------------------------------------------------- rejections */

TEST(reject_bad_keys)
{
    actor_decode_error err;

    CHECK_RC(decode_hex_scalars("81 00 01", &err, NULL), ACTOR_EKEY);      /* key 0 */
    CHECK_RC(decode_hex_scalars("81 ff 01", &err, NULL), ACTOR_EKEY);      /* key -1 */
    CHECK_RC(decode_hex_scalars("81 d3 80 00 00 00 00 00 00 00 01", &err, NULL), ACTOR_EKEY);
    CHECK_RC(decode_hex_scalars("81 a1 61 01", &err, NULL), ACTOR_EKEY);   /* "a" */
    CHECK_STR(err.message, "types.Scalars: map key is a str, not a field id");
    CHECK_UINT(err.offset, 1);
    CHECK_RC(decode_hex_scalars("81 ca 3f 80 00 00 01", &err, NULL), ACTOR_EKEY); /* 1.0f */
    CHECK_RC(decode_hex_scalars("81 c0 01", &err, NULL), ACTOR_EKEY);     /* nil */
    CHECK_RC(unpack_hex_scalars("81 00 01", &err), ACTOR_EKEY);
    CHECK_RC(unpack_hex_scalars("81 ff 01", &err), ACTOR_EKEY);
    CHECK_RC(unpack_hex_scalars("81 a1 61 01", &err), ACTOR_EKEY);
    /* no schema can declare an id above 65535: such a key is no field id */
    CHECK_RC(decode_hex_scalars("81 ce 00 01 00 00 01", &err, NULL), ACTOR_EKEY);
    CHECK_STR(err.message, "types.Scalars: map key 65536 is not a field id (1..65535)");
    CHECK_RC(decode_hex_scalars("81 cf ff ff ff ff ff ff ff ff 01", &err, NULL), ACTOR_EKEY);
    CHECK_RC(unpack_hex_scalars("81 ce 00 01 11 70 01", &err), ACTOR_EKEY);
}

TEST(reject_duplicate_ids)
{
    actor_decode_error err;

    CHECK_RC(decode_hex_scalars("82 04 01 04 02", &err, NULL), ACTOR_EDUPLICATE);
    CHECK_STR(err.message, "types.Scalars field 4 (i32): field appears twice");
    /* a duplicate string must not leak the first one */
    CHECK_RC(decode_hex_scalars("82 0c a1 61 0c a1 62", &err, NULL), ACTOR_EDUPLICATE);
    CHECK_RC(unpack_hex_scalars("82 0c a1 61 0c a1 62", &err), ACTOR_EDUPLICATE);
}

/* Unknown ids: the first few are remembered inline, the rest in a bit set
 * allocated on demand and charged to max_total_alloc while held. */
TEST(reject_duplicate_unknown_ids)
{
    static const char *const dups[] = {
        "82 cd 03 e8 01 cd 03 e8 01",                         /* 1000 twice */
        "83 cd 03 e8 01 04 05 cd 03 e8 a1 61",                /* with a known one between */
        "88 20 01 21 01 22 01 23 01 24 01 25 01 26 01 26 01", /* 7th seen in the bit set */
        "88 20 01 21 01 22 01 23 01 24 01 25 01 26 01 20 01", /* 1st seen in the bit set */
        "83 cd ff ff 01 20 01 cd ff ff 01",                   /* the highest id */
    };
    actor_decode_error err;
    actor_decode_limits tight = {.max_total_alloc = 1024};
    types_Empty e;

    for (size_t i = 0; i < sizeof dups / sizeof dups[0]; i++) {
        CHECK_RC(decode_hex_scalars(dups[i], &err, NULL), ACTOR_EDUPLICATE);
        CHECK_RC(unpack_hex_scalars(dups[i], &err), ACTOR_EDUPLICATE);
    }
    CHECK_RC(decode_hex_scalars("82 cd 03 e8 01 cd 03 e8 01", &err, NULL), ACTOR_EDUPLICATE);
    CHECK_STR(err.message, "types.Scalars field 1000 (unknown): field appears twice");
    /* a message without fields, and the same id in different messages */
    CHECK_RC(types_Empty_decode("\x82\x07\x01\x07\x02", 5, &e), ACTOR_EDUPLICATE);
    CHECK_RC(types_Empty_decode("\x82\x07\x01\x08\x02", 5, &e), 0);
    types_Empty_free(&e);
    CHECK_RC(decode_hex_nested("82 63 81 63 01 01 81 63 02", NULL), 0);
    /* many distinct unknown ids are fine; the bit set counts against the
     * allocation limit only past the inline ones */
    CHECK_RC(decode_hex_scalars("88 20 01 21 01 22 01 23 01 24 01 25 01 26 01 27 01", &err, NULL), 0);
    CHECK_RC(decode_hex_scalars("86 20 01 21 01 22 01 23 01 24 01 25 01", &err, &tight), 0);
    CHECK_RC(decode_hex_scalars("87 20 01 21 01 22 01 23 01 24 01 25 01 26 01", &err, &tight),
             ACTOR_ELIMIT);
    /* held, not accumulated: two list elements, each with a bit set */
    actor_decode_limits one_set = {.max_total_alloc = 8192 + 4096};
    CHECK_RC(decode_hex_nested("81 04 92"
                               " 87 20 01 21 01 22 01 23 01 24 01 25 01 26 01"
                               " 87 20 01 21 01 22 01 23 01 24 01 25 01 26 01",
                               &one_set),
             0);
}

/* A float32 field given a finite value beyond float's range is refused
 * rather than turned into inf; inf and nan stay as they are. */
TEST(reject_float32_out_of_range)
{
    actor_decode_error err;
    types_Scalars m;

    CHECK_RC(decode_hex_scalars("81 0a cb 7e 37 e4 3c 88 00 75 9c", &err, NULL), ACTOR_ERANGE);
    CHECK_STR(err.message, "types.Scalars field 10 (f32): 1e+300 is out of range for float32");
    CHECK_RC(unpack_hex_scalars("81 0a cb 7e 37 e4 3c 88 00 75 9c", &err), ACTOR_ERANGE);
    CHECK_RC(decode_hex_scalars("81 0a cb fe 37 e4 3c 88 00 75 9c", &err, NULL), ACTOR_ERANGE);
    CHECK_RC(unpack_hex_scalars("81 0a cb fe 37 e4 3c 88 00 75 9c", &err), ACTOR_ERANGE);
    /* float64 inf, -inf, nan and FLT_MAX */
    CHECK_RC(types_Scalars_decode("\x81\x0a\xcb\x7f\xf0\0\0\0\0\0\0", 11, &m), 0);
    CHECK(isinf(m.f32) && m.f32 > 0);
    CHECK_RC(types_Scalars_decode("\x81\x0a\xcb\xff\xf0\0\0\0\0\0\0", 11, &m), 0);
    CHECK(isinf(m.f32) && m.f32 < 0);
    CHECK_RC(types_Scalars_decode("\x81\x0a\xcb\x7f\xf8\0\0\0\0\0\0", 11, &m), 0);
    CHECK(isnan(m.f32));
    CHECK_RC(types_Scalars_decode("\x81\x0a\xcb\x47\xef\xff\xff\xe0\0\0\0", 11, &m), 0);
    CHECK(m.f32 == FLT_MAX);
    /* the float64 field takes 1e300 */
    CHECK_RC(decode_hex_scalars("81 0b cb 7e 37 e4 3c 88 00 75 9c", &err, NULL), 0);
}

/* Encoders refuse a string that no decoder would accept. */
TEST(encode_refuses_invalid_utf8)
{
    static char *const bad[] = {"\xff", "ok\xc0\x80", "\xed\xa0\x80", "a\xe2\x82"};
    msgpack_sbuffer sb;
    msgpack_packer pk;
    types_Scalars m;
    types_Lists l;

    sbuf_init(&sb);
    msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        types_Scalars_init(&m);
        m.s = bad[i];
        CHECK_RC(types_Scalars_encode(&m, &sb), ACTOR_EUTF8);
        CHECK_UINT(sb.size, 0); /* rolled back */
        CHECK_RC(types_Scalars_pack(&pk, &m), ACTOR_EUTF8);
        sb.size = 0;
    }
    types_Lists_init(&l);
    l.n_strings = 2;
    l.strings = (char *[]){"fine", "\xff"};
    CHECK_RC(types_Lists_encode(&l, &sb), ACTOR_EUTF8);
    CHECK_UINT(sb.size, 0);
    types_Scalars_init(&m);
    m.s = "h\xc3\xa9llo \xf0\x9f\x98\x80";
    CHECK_RC(types_Scalars_encode(&m, &sb), 0);
    msgpack_sbuffer_destroy(&sb);
}

TEST(reject_wrong_types)
{
    actor_decode_error err;

    CHECK_RC(decode_hex_scalars("81 04 a1 61", &err, NULL), ACTOR_ETYPE);
    CHECK_STR(err.message, "types.Scalars field 4 (i32): expected integer, got str");
    CHECK_UINT(err.offset, 2);
    CHECK_RC(decode_hex_scalars("81 01 01", &err, NULL), ACTOR_ETYPE);    /* bool = 1 */
    CHECK_RC(decode_hex_scalars("81 0c c4 01 61", &err, NULL), ACTOR_ETYPE); /* str = bin */
    CHECK_RC(decode_hex_scalars("81 0d a1 61", &err, NULL), ACTOR_ETYPE); /* bin = str */
    CHECK_RC(decode_hex_scalars("81 0a a1 61", &err, NULL), ACTOR_ETYPE); /* float = str */
    CHECK_RC(decode_hex_scalars("81 04 c0", &err, NULL), ACTOR_ETYPE);    /* int = nil */
    CHECK_RC(decode_hex_scalars("91 01", &err, NULL), ACTOR_ETYPE);       /* not a map */
    CHECK_RC(decode_hex_nested("81 01 90", NULL), ACTOR_ETYPE);           /* message = array */
    CHECK_RC(decode_hex_nested("81 04 80", NULL), ACTOR_ETYPE);           /* list = map */
    CHECK_RC(decode_hex_nested("81 0c 90", NULL), ACTOR_ETYPE);           /* map = array */
    CHECK_RC(decode_hex_nested("81 01 81 01 a1 61", NULL), ACTOR_ETYPE);  /* Point.x = str */
    CHECK_RC(unpack_hex_scalars("81 04 a1 61", &err), ACTOR_ETYPE);
    CHECK_STR(err.message, "types.Scalars field 4 (i32): expected integer, got str");
    CHECK_RC(unpack_hex_scalars("81 0a a1 61", &err), ACTOR_ETYPE);
    CHECK_RC(unpack_hex_scalars("81 01 01", &err), ACTOR_ETYPE);
}

TEST(reject_out_of_range)
{
    static const char *const cases[] = {
        "81 02 cc 80",                   /* int8 128 */
        "81 02 d1 ff 7f",                /* int8 -129 */
        "81 03 cd 80 00",                /* int16 32768 */
        "81 03 d2 ff ff 7f ff",          /* int16 -32769 */
        "81 04 ce 80 00 00 00",          /* int32 2^31 */
        "81 04 d3 ff ff ff ff 7f ff ff ff", /* int32 -2^31-1 */
        "81 05 cf 80 00 00 00 00 00 00 00", /* int64 2^63 */
        "81 06 cd 01 00",                /* uint8 256 (300 too) */
        "81 06 cd 01 2c",                /* uint8 300 */
        "81 06 ff",                      /* uint8 -1 */
        "81 07 ce 00 01 00 00",          /* uint16 65536 */
        "81 08 cf 00 00 00 01 00 00 00 00", /* uint32 2^32 */
        "81 08 ff",                      /* uint32 -1 */
        "81 09 d0 80",                   /* uint64 -128 */
    };
    actor_decode_error err;

    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        CHECK_RC(decode_hex_scalars(cases[i], &err, NULL), ACTOR_ERANGE);
        CHECK_RC(unpack_hex_scalars(cases[i], &err), ACTOR_ERANGE);
    }
    CHECK_RC(decode_hex_scalars("81 06 cd 01 2c", &err, NULL), ACTOR_ERANGE);
    CHECK_STR(err.message, "types.Scalars field 6 (u8): 300 is out of range for uint8");
    CHECK_RC(decode_hex_scalars("81 08 ff", &err, NULL), ACTOR_ERANGE);
    CHECK_STR(err.message, "types.Scalars field 8 (u32): -1 is out of range for uint32");
    /* an enum out of int32 */
    CHECK_RC(decode_hex_nested("81 05 ce 80 00 00 00", NULL), ACTOR_ERANGE);
}

TEST(reject_invalid_utf8)
{
    static const char *const cases[] = {
        "81 0c a2 c0 80",       /* overlong NUL */
        "81 0c a2 c1 bf",       /* overlong */
        "81 0c a3 e0 80 80",    /* overlong 3-byte */
        "81 0c a4 f0 80 80 80", /* overlong 4-byte */
        "81 0c a3 ed a0 80",    /* surrogate U+D800 */
        "81 0c a3 ed bf bf",    /* surrogate U+DFFF */
        "81 0c a4 f4 90 80 80", /* above U+10FFFF */
        "81 0c a1 80",          /* lone continuation */
        "81 0c a2 e2 82",       /* truncated sequence */
        "81 0c a3 e2 28 a1",    /* bad continuation */
        "81 0c a1 f5",          /* never valid */
        "81 0c a1 ff",          /* never valid */
        "81 0c a3 61 00 62",    /* NUL inside: no C string can hold it */
        "81 0c a9 61 62 63 64 65 66 67 68 ff", /* after an ASCII run */
    };
    actor_decode_error err;

    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        CHECK_RC(decode_hex_scalars(cases[i], &err, NULL), ACTOR_EUTF8);
        CHECK_RC(unpack_hex_scalars(cases[i], &err), ACTOR_EUTF8);
    }
    CHECK_RC(decode_hex_scalars("81 0c a3 ed a0 80", &err, NULL), ACTOR_EUTF8);
    CHECK_STR(err.message, "types.Scalars field 12 (s): invalid UTF-8 at index 0");
    CHECK_UINT(err.offset, 3);
    /* a map key string is checked too */
    CHECK_RC(decode_hex_nested("81 0c 81 a1 ff 80", NULL), ACTOR_EUTF8);
    /* and a list element */
    uint8_t buf[16];
    size_t n = hex(buf, "81 0c 91 a1 ff");
    types_Lists l;
    CHECK_RC(types_Lists_decode((const char *)buf, n, &l), ACTOR_EUTF8);
}

/* n levels of nested single-element arrays ending in 0 */
static size_t array_bomb(uint8_t *buf, size_t levels)
{
    size_t n = 0;
    for (size_t i = 0; i < levels; i++)
        buf[n++] = 0x91;
    buf[n++] = 0x00;
    return n;
}

TEST(reject_depth_bombs)
{
    uint8_t buf[8192];
    size_t n;
    common_Point p;
    actor_decode_error err;
    actor_decode_limits limits = {0};

    /* Point {99: [[[...]]]}: the skipped value counts */
    buf[0] = 0x81;
    buf[1] = 99;
    n = 2 + array_bomb(buf + 2, 62); /* depth 1 (Point) + 62 + ... = 63: fine */
    CHECK_RC(common_Point_decode((const char *)buf, n, &p), 0);
    common_Point_free(&p);
    n = 2 + array_bomb(buf + 2, 63); /* 64 levels: still fine */
    CHECK_RC(common_Point_decode((const char *)buf, n, &p), 0);
    common_Point_free(&p);
    n = 2 + array_bomb(buf + 2, 64);
    CHECK_RC(common_Point_decode_ex((const char *)buf, n, &p, NULL, &err), ACTOR_EDEPTH);
    CHECK_STR(err.message, "common.Point field 99 (unknown): nesting deeper than 64");
    n = 2 + array_bomb(buf + 2, 5000);
    CHECK_RC(common_Point_decode((const char *)buf, n, &p), ACTOR_EDEPTH);
    limits.max_depth = 3;
    n = 2 + array_bomb(buf + 2, 2);
    CHECK_RC(common_Point_decode_ex((const char *)buf, n, &p, &limits, NULL), 0);
    common_Point_free(&p);
    n = 2 + array_bomb(buf + 2, 3);
    CHECK_RC(common_Point_decode_ex((const char *)buf, n, &p, &limits, NULL), ACTOR_EDEPTH);
    /* nested maps in a skipped value */
    n = 0;
    buf[n++] = 0x81;
    buf[n++] = 99;
    for (int i = 0; i < 100; i++) {
        buf[n++] = 0x81;
        buf[n++] = 0x01;
    }
    buf[n++] = 0x00;
    CHECK_RC(common_Point_decode((const char *)buf, n, &p), ACTOR_EDEPTH);
    /* recursion through Nested.child: {3: {3: {3: ...}}} */
    types_Nested nest;
    n = 0;
    for (int i = 0; i < 70; i++) {
        buf[n++] = 0x81;
        buf[n++] = 0x03;
    }
    buf[n++] = 0x80;
    CHECK_RC(types_Nested_decode((const char *)buf, n, &nest), ACTOR_EDEPTH);
    CHECK(is_zero(&nest, sizeof nest));
    /* the same through _unpack (msgpack-c itself stops at 32 levels) */
    msgpack_unpacked obj;
    size_t off = 0;
    n = 0;
    for (int i = 0; i < 20; i++) {
        buf[n++] = 0x81;
        buf[n++] = 0x03;
    }
    buf[n++] = 0x80;
    msgpack_unpacked_init(&obj);
    CHECK(msgpack_unpack_next(&obj, (const char *)buf, n, &off) == MSGPACK_UNPACK_SUCCESS);
    CHECK_RC(types_Nested_unpack(&obj.data, &nest), 0);
    types_Nested_free(&nest);
    limits.max_depth = 10;
    CHECK_RC(types_Nested_unpack_ex(&obj.data, &nest, &limits, &err), ACTOR_EDEPTH);
    CHECK(is_zero(&nest, sizeof nest));
    msgpack_unpacked_destroy(&obj);
}

TEST(reject_huge_declared_lengths)
{
    actor_decode_error err;

    /* beyond the default limits */
    CHECK_RC(decode_hex_scalars("81 0c db ff ff ff ff 61", &err, NULL), ACTOR_ELIMIT);
    CHECK_RC(decode_hex_scalars("81 0d c6 ff ff ff ff 61", &err, NULL), ACTOR_ELIMIT);
    CHECK_RC(decode_hex_nested("81 04 dd ff ff ff ff 01", NULL), ACTOR_ELIMIT);
    CHECK_RC(decode_hex_nested("81 0c df ff ff ff ff 01", NULL), ACTOR_ELIMIT);
    CHECK_RC(decode_hex_scalars("df ff ff ff ff 01", &err, NULL), ACTOR_ELIMIT);
    /* within the limits but beyond the input */
    CHECK_RC(decode_hex_scalars("81 0c db 00 01 00 00 61", &err, NULL), ACTOR_ETRUNCATED);
    CHECK_RC(decode_hex_scalars("81 0d c6 00 01 00 00 61", &err, NULL), ACTOR_ETRUNCATED);
    CHECK_RC(decode_hex_nested("81 04 dd 00 01 00 00 01", NULL), ACTOR_ETRUNCATED);
    CHECK_RC(decode_hex_nested("81 0c df 00 01 00 00 01", NULL), ACTOR_ETRUNCATED);
    CHECK_RC(decode_hex_scalars("df 00 00 10 00 01", &err, NULL), ACTOR_ETRUNCATED);
    /* in a skipped unknown field too */
    CHECK_RC(decode_hex_scalars("81 63 db 00 01 00 00 61", &err, NULL), ACTOR_ETRUNCATED);
    CHECK_RC(decode_hex_scalars("81 63 dd 00 01 00 00 61", &err, NULL), ACTOR_ETRUNCATED);
    CHECK_RC(decode_hex_scalars("81 63 c9 00 01 00 00 05 61", &err, NULL), ACTOR_ETRUNCATED);
    CHECK_RC(decode_hex_scalars("81 63 dd ff ff ff ff 61", &err, NULL), ACTOR_ELIMIT);
}

TEST(reject_beyond_configured_limits)
{
    actor_decode_error err;
    actor_decode_limits limits = {0};
    uint8_t buf[64];
    size_t n;
    types_Lists l;

    limits.max_string_len = 3;
    CHECK_RC(decode_hex_scalars("81 0c a3 61 62 63", &err, &limits), 0);
    CHECK_RC(decode_hex_scalars("81 0c a4 61 62 63 64", &err, &limits), ACTOR_ELIMIT);
    CHECK_STR(err.message, "types.Scalars field 12 (s): string of 4 bytes exceeds the limit 3");
    /* a skipped unknown field is held to the same limits as a read one */
    CHECK_RC(decode_hex_scalars("81 63 a3 61 62 63", &err, &limits), 0);
    CHECK_RC(decode_hex_scalars("81 63 a4 61 62 63 64", &err, &limits), ACTOR_ELIMIT);
    CHECK_STR(err.message, "types.Scalars field 99 (unknown): string of 4 bytes exceeds the limit 3");
    CHECK_RC(decode_hex_scalars("81 63 d9 04 61 62 63 64", &err, &limits), ACTOR_ELIMIT);
    CHECK_RC(decode_hex_scalars("81 63 91 d9 04 61 62 63 64", &err, &limits), ACTOR_ELIMIT);
    limits = (actor_decode_limits){0};
    limits.max_bytes_len = 1;
    CHECK_RC(decode_hex_scalars("81 0d c4 02 61 62", &err, &limits), ACTOR_ELIMIT);
    CHECK_RC(decode_hex_scalars("81 63 c4 02 61 62", &err, &limits), ACTOR_ELIMIT);
    CHECK_RC(decode_hex_scalars("81 63 c4 01 61", &err, &limits), 0);
    limits = (actor_decode_limits){0};
    limits.max_elements = 2;
    n = hex(buf, "81 04 93 01 02 03");
    CHECK_RC(types_Lists_decode_ex((const char *)buf, n, &l, &limits, NULL), ACTOR_ELIMIT);
    n = hex(buf, "81 04 92 01 02");
    CHECK_RC(types_Lists_decode_ex((const char *)buf, n, &l, &limits, NULL), 0);
    types_Lists_free(&l);
    CHECK_RC(decode_hex_scalars("83 01 c3 02 00 03 00", &err, &limits), ACTOR_ELIMIT);
    /* total allocation: two 6-byte strings against a 10-byte budget */
    limits = (actor_decode_limits){0};
    limits.max_total_alloc = 10;
    n = hex(buf, "81 0c 92 a5 61 61 61 61 61 a5 62 62 62 62 62");
    CHECK_RC(types_Lists_decode_ex((const char *)buf, n, &l, &limits, &err), ACTOR_ELIMIT);
    CHECK(strstr(err.message, "max_total_alloc") != NULL);
    limits.max_total_alloc = 1000;
    CHECK_RC(types_Lists_decode_ex((const char *)buf, n, &l, &limits, &err), 0);
    types_Lists_free(&l);
}

TEST(reject_malformed_and_trailing)
{
    actor_decode_error err;

    CHECK_RC(decode_hex_scalars("81 63 c1", &err, NULL), ACTOR_EMALFORMED);
    CHECK_RC(decode_hex_scalars("81 04 c1", &err, NULL), ACTOR_EMALFORMED);
    CHECK_STR(err.message, "types.Scalars field 4 (i32): byte 0xc1 is not valid msgpack");
    CHECK_RC(decode_hex_scalars("81 0c c1", &err, NULL), ACTOR_EMALFORMED);
    CHECK_RC(decode_hex_scalars("81 c1 01", &err, NULL), ACTOR_EMALFORMED);
    CHECK_RC(decode_hex_scalars("c1", &err, NULL), ACTOR_EMALFORMED);
    CHECK_RC(decode_hex_scalars("80 00", &err, NULL), ACTOR_ETRAILING);
    CHECK_STR(err.message, "types.Scalars: 1 bytes after the end of the message");
    CHECK_UINT(err.offset, 1);
    CHECK_RC(decode_hex_scalars("", &err, NULL), ACTOR_ETRUNCATED);
    types_Scalars m;
    CHECK_RC(types_Scalars_decode(NULL, 0, &m), ACTOR_ETRUNCATED);
    CHECK(is_zero(&m, sizeof m));
}

TEST(failures_free_everything)
{
    /* a valid prefix with strings, a list and a nested message, then an error */
    uint8_t buf[128];
    size_t n = hex(buf, "86 06 a5 68 65 6c 6c 6f"     /* label "hello" */
                        " 04 91 81 06 a1 61"         /* children [{label "a"}] */
                        " 03 81 06 a1 62"             /* child {label "b"} */
                        " 0c 81 a1 6b 80"             /* named {"k": {}} */
                        " 02 81 0c a1 73"             /* scalars {s: "s"} */
                        " 05 a1 78");                 /* kind = "x": wrong type */
    types_Nested m;
    actor_decode_error err;

    CHECK_RC(types_Nested_decode_ex((const char *)buf, n, &m, NULL, &err), ACTOR_ETYPE);
    CHECK_STR(err.message, "types.Nested field 5 (kind): expected integer, got str");
    CHECK(is_zero(&m, sizeof m));
    /* the error inside a nested message names the inner message */
    n = hex(buf, "81 04 91 81 05 a1 78");
    CHECK_RC(types_Nested_decode_ex((const char *)buf, n, &m, NULL, &err), ACTOR_ETYPE);
    CHECK_STR(err.message, "types.Nested field 5 (kind): expected integer, got str");
    n = hex(buf, "81 01 81 02 a1 78");
    CHECK_RC(types_Nested_decode_ex((const char *)buf, n, &m, NULL, &err), ACTOR_ETYPE);
    CHECK_STR(err.message, "common.Point field 2 (y): expected integer, got str");
}

TEST(encode_appends)
{
    msgpack_sbuffer sb;
    common_Point p = {1, 2};

    sbuf_init(&sb);
    msgpack_sbuffer_write(&sb, "xy", 2);
    CHECK_RC(common_Point_encode(&p, &sb), 0);
    CHECK_RC(common_Point_encode(&p, &sb), 0);
    CHECK_MEM(sb.data, sb.size, "xy\x82\x01\x01\x02\x02\x82\x01\x01\x02\x02", 12);
    msgpack_sbuffer_destroy(&sb);
}

TEST(names)
{
    CHECK_STR(types_Kind_name(types_Kind_NEGATIVE), "NEGATIVE");
    CHECK(types_Kind_name(42) == NULL);
    CHECK_STR(types_TypesError_name(types_TypesError_TOO_BIG), "TOO_BIG");
    CHECK(types_TypesError_name(0) == NULL);
    CHECK_INT(types_MAX_ITEMS, 16);
    CHECK_INT(types_MIN_I64, INT64_MIN);
    CHECK_UINT(types_MAX_U64, UINT64_MAX);
    CHECK_STR(types_GREETING, "hello");
    CHECK_STR(actor_strerror(ACTOR_EUTF8), "string is not valid UTF-8");
}

int main(void)
{
    RUN(scalars_min_max_zero);
    RUN(scalars_every_int_width);
    RUN(floats_nan_inf);
    RUN(long_strings_and_blobs);
    RUN(optionals_absent_and_present);
    RUN(defaults_from_init_and_missing_fields);
    RUN(lists_every_kind);
    RUN(maps_every_kind);
    RUN(nested_recursive);
    RUN(unknown_fields_are_skipped);
    RUN(float_fields_accept_ints_and_both_widths);
    RUN(integers_in_any_form);
    RUN(reject_bad_keys);
    RUN(reject_duplicate_ids);
    RUN(reject_duplicate_unknown_ids);
    RUN(reject_float32_out_of_range);
    RUN(encode_refuses_invalid_utf8);
    RUN(reject_wrong_types);
    RUN(reject_out_of_range);
    RUN(reject_invalid_utf8);
    RUN(reject_depth_bombs);
    RUN(reject_huge_declared_lengths);
    RUN(reject_beyond_configured_limits);
    RUN(reject_malformed_and_trailing);
    RUN(failures_free_everything);
    RUN(encode_appends);
    RUN(names);
    return check_summary();
}
