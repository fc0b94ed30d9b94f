/*
 * compat_test.c - forward and backward compatibility of generated codecs:
 * idl/compat_v1.actor and idl/compat_v2.actor are one protocol a release
 * apart (v2 adds fields with and without defaults, reserves the ids of the
 * fields it removed, adds enum members, widens int32 -> int64 and
 * float32 -> float64), generated into different packages so both link here.
 *
 * Old code reads new data: unknown ids are skipped, unknown enum values are
 * kept as they are, a float64 is accepted for a float32 field. New code
 * reads old data: missing fields get their defaults, the removed fields are
 * skipped. Each test prints what differs and the program ends with
 * "N passed, N failed".
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "compat_v1.h"
#include "compat_v2.h"
#include "xlang/expect.h"

/* ------------------------------------------------------------ building */

static void v1_sample(compat_v1_Record *r)
{
    compat_v1_Record_init(r);
    r->id = 1;
    set_str(&r->name, "old");
    r->status = compat_v1_Status_BUSY;
    r->legacy = 42;
    SET_LIST(r, values, int32_t, {9, -9});
    r->inner.a = 3;
    r->weight = 1.25f;
    r->count = -5;
    set_str(&r->old_note, "note");
    SET_LIST(r, history, compat_v1_Status, {compat_v1_Status_IDLE, compat_v1_Status_BUSY});
    r->where.x = -1;
    r->where.y = -2;
}

static void v2_sample(compat_v2_Record *r)
{
    compat_v2_Record_init(r);
    r->id = 7;
    set_str(&r->name, "rec");
    r->status = compat_v2_Status_FAILED;
    SET_LIST(r, values, int32_t, {1, 2, 3});
    r->inner.a = 5;
    set_str(&r->inner.b, "bx");
    NEW_LIST(&r->inner, tags, 1);
    r->inner.tags[0] = xdup_str("t");
    r->weight = 2.5;
    r->count = 123456;
    SET_LIST(r, history, compat_v2_Status,
             {compat_v2_Status_IDLE, compat_v2_Status_STOPPED, compat_v2_Status_FAILED});
    r->where.x = 10;
    r->where.y = 20;
    set_str(&r->added, "a2");
    r->has_added_opt = true;
    r->added_opt = 99;
    NEW_LIST(r, extras, 1);
    r->extras[0].key = xdup_str("e");
    compat_v2_Inner_init(&r->extras[0].value);
    r->extras[0].value.a = 1;
    r->since = compat_v2_Status_STOPPED;
    r->ratio = 0.75;
    r->extra_inner = xcalloc(1, sizeof *r->extra_inner);
    compat_v2_Inner_init(r->extra_inner);
    r->extra_inner->a = 9;
    set_bytes(&r->blob, "\x01\x02", 2);
}

/* --------------------------------------------------------- transcoding */

/* Encodes with one version and decodes with the other; 0 or the error. */
#define TRANSCODE(FROM, TO)                                                            \
    static int FROM##_to_##TO(const FROM##_Record *in, TO##_Record *out)               \
    {                                                                                  \
        msgpack_sbuffer buf;                                                           \
        msgpack_sbuffer_init(&buf);                                                    \
        int rc = FROM##_Record_encode(in, &buf);                                       \
        if (rc == 0) {                                                                 \
            actor_decode_error err;                                                    \
            rc = TO##_Record_decode_ex(buf.data, buf.size, out, NULL, &err);           \
            if (rc != 0)                                                               \
                fprintf(stderr, "  decode: %s\n", err.message);                        \
        } else {                                                                       \
            fprintf(stderr, "  encode: %s\n", actor_strerror(rc));                     \
        }                                                                              \
        msgpack_sbuffer_destroy(&buf);                                                 \
        return rc;                                                                     \
    }
TRANSCODE(compat_v1, compat_v2)
TRANSCODE(compat_v2, compat_v1)
TRANSCODE(compat_v1, compat_v1)
TRANSCODE(compat_v2, compat_v2)

static bool decoded(int rc)
{
    if (rc != 0)
        fprintf(stderr, "  failed: %s (%d)\n", actor_strerror(rc), rc);
    return rc == 0;
}

/* ------------------------------------------------------------- checks */

/* The fields both versions share, compared across versions. */
#define EQ_COMMON_FIELDS()                                                             \
    do {                                                                               \
        EQ_INT(id);                                                                    \
        ok = expect_str(path, "name", w->name ? w->name : "", g->name ? g->name : "") && ok; \
        EQ_INT(status);                                                                \
        EQ_LIST(values, expect_i64, int64_t);                                          \
        EQ_INT(inner.a);                                                               \
        EQ_INT(count);                                                                 \
        EQ_LIST(history, expect_i64, int64_t);                                         \
        EQ_INT(where.x);                                                               \
        EQ_INT(where.y);                                                               \
    } while (0)

static bool v1_read_v2(const char *path, const compat_v2_Record *w, const compat_v1_Record *g)
{
    bool ok = true;
    EQ_COMMON_FIELDS();
    ok = expect_f64(path, "weight", (double)(float)w->weight, (double)g->weight) && ok;
    ok = expect_i64(path, "legacy (removed in v2)", 0, g->legacy) && ok;
    ok = expect_str(path, "old_note (removed in v2)", NULL, g->old_note) && ok;
    return ok;
}

static bool v2_read_v1(const char *path, const compat_v1_Record *w, const compat_v2_Record *g)
{
    bool ok = true;
    EQ_COMMON_FIELDS();
    ok = expect_f64(path, "weight", (double)w->weight, g->weight) && ok;
    return ok;
}

/* What v2's _init gives the fields v1 does not have. */
static bool v2_defaults_of_new_fields(const char *path, const compat_v2_Record *g)
{
    bool ok = true;
    ok = expect_str(path, "inner.b", "bee", g->inner.b) && ok;
    ok = expect_count(path, "inner.tags", 0, g->inner.n_tags) && ok;
    ok = expect_str(path, "added", "new", g->added) && ok;
    ok = expect_bool(path, "has_added_opt", false, g->has_added_opt) && ok;
    ok = expect_count(path, "extras", 0, g->n_extras) && ok;
    ok = expect_i64(path, "since", compat_v2_Status_BUSY, g->since) && ok;
    ok = expect_f64(path, "ratio", 0.5, g->ratio) && ok;
    ok = expect_bool(path, "extra_inner present", false, g->extra_inner != NULL) && ok;
    ok = expect_count(path, "blob", 0, g->blob.len) && ok;
    return ok;
}

/* -------------------------------------------------------------- tests */

/* Old code reads new data: new fields skipped, unknown enum values kept,
 * float64 accepted for the float32 field. */
static bool test_v1_reads_v2(void)
{
    compat_v2_Record in;
    compat_v1_Record out;
    v2_sample(&in);
    bool ok = decoded(compat_v2_to_compat_v1(&in, &out));
    if (ok) {
        ok = v1_read_v2("v1_reads_v2", &in, &out);
        compat_v1_Record_free(&out);
    }
    compat_v2_Record_free(&in);
    return ok;
}

/* New code reads old data: removed fields skipped, new ones defaulted. */
static bool test_v2_reads_v1(void)
{
    compat_v1_Record in;
    compat_v2_Record out;
    v1_sample(&in);
    bool ok = decoded(compat_v1_to_compat_v2(&in, &out));
    if (ok) {
        ok = v2_read_v1("v2_reads_v1", &in, &out);
        ok = v2_defaults_of_new_fields("v2_reads_v1", &out) && ok;
        compat_v2_Record_free(&out);
    }
    compat_v1_Record_free(&in);
    return ok;
}

/* An old peer in the middle: v2 -> v1 -> v2 keeps every shared field and
 * the enum values v1 does not know; the fields v1 dropped come back as
 * v2's defaults. */
static bool test_v2_through_v1(void)
{
    compat_v2_Record in, back;
    compat_v1_Record mid;
    v2_sample(&in);
    bool ok = decoded(compat_v2_to_compat_v1(&in, &mid));
    if (ok) {
        ok = decoded(compat_v1_to_compat_v2(&mid, &back));
        if (ok) {
            const char *path = "v2_through_v1";
            const compat_v2_Record *w = &in, *g = &back;
            EQ_COMMON_FIELDS();
            EQ_FLT(weight);
            ok = expect_i64(path, "status (unknown to v1)", compat_v2_Status_FAILED,
                            back.status) && ok;
            ok = v2_defaults_of_new_fields(path, &back) && ok;
            compat_v2_Record_free(&back);
        }
        compat_v1_Record_free(&mid);
    }
    compat_v2_Record_free(&in);
    return ok;
}

/* A new peer in the middle: v1 -> v2 -> v1 keeps the shared fields; the
 * fields v2 removed are lost (v2 does not keep unknown fields). */
static bool test_v1_through_v2(void)
{
    compat_v1_Record in, back;
    compat_v2_Record mid;
    v1_sample(&in);
    bool ok = decoded(compat_v1_to_compat_v2(&in, &mid));
    if (ok) {
        ok = decoded(compat_v2_to_compat_v1(&mid, &back));
        if (ok) {
            const char *path = "v1_through_v2";
            const compat_v1_Record *w = &in, *g = &back;
            EQ_COMMON_FIELDS();
            EQ_FLT(weight);
            ok = expect_i64(path, "legacy", 0, back.legacy) && ok;
            ok = expect_str(path, "old_note", NULL, back.old_note) && ok;
            compat_v1_Record_free(&back);
        }
        compat_v2_Record_free(&mid);
    }
    compat_v1_Record_free(&in);
    return ok;
}

/* Each version reads its own data unchanged (the baseline of the above). */
static bool test_same_version(void)
{
    compat_v1_Record a, a2;
    compat_v2_Record b, b2;
    v1_sample(&a);
    v2_sample(&b);
    bool ok = decoded(compat_v1_to_compat_v1(&a, &a2));
    if (ok) {
        const char *path = "v1_v1";
        const compat_v1_Record *w = &a, *g = &a2;
        EQ_COMMON_FIELDS();
        EQ_FLT(weight);
        EQ_INT(legacy);
        EQ_STR(old_note);
        compat_v1_Record_free(&a2);
    }
    if (decoded(compat_v2_to_compat_v2(&b, &b2))) {
        const char *path = "v2_v2";
        const compat_v2_Record *w = &b, *g = &b2;
        EQ_COMMON_FIELDS();
        EQ_FLT(weight);
        EQ_STR(added);
        EQ_BOOL(has_added_opt);
        EQ_INT(added_opt);
        ok = expect_count(path, "extras", 1, g->n_extras) && ok;
        EQ_INT(since);
        EQ_FLT(ratio);
        ok = expect_bool(path, "extra_inner present", true, g->extra_inner != NULL) && ok;
        EQ_BYTES(blob);
        compat_v2_Record_free(&b2);
    } else {
        ok = false;
    }
    compat_v1_Record_free(&a);
    compat_v2_Record_free(&b);
    return ok;
}

/* Records fresh from _init cross both ways. */
static bool test_defaults_cross(void)
{
    compat_v1_Record a, a2;
    compat_v2_Record b, b2;
    compat_v1_Record_init(&a);
    compat_v2_Record_init(&b);
    bool ok = decoded(compat_v1_to_compat_v2(&a, &b2));
    if (ok) {
        ok = v2_defaults_of_new_fields("v1_init_to_v2", &b2);
        compat_v2_Record_free(&b2);
    }
    if (decoded(compat_v2_to_compat_v1(&b, &a2))) {
        ok = expect_i64("v2_init_to_v1", "status", 0, a2.status) && ok;
        compat_v1_Record_free(&a2);
    } else {
        ok = false;
    }
    compat_v1_Record_free(&a);
    compat_v2_Record_free(&b);
    return ok;
}

/* Widening is one way: a v2 count beyond int32 is an error for v1, never
 * a silently truncated value. */
static bool test_narrowing_rejected(void)
{
    compat_v2_Record in;
    compat_v1_Record out;
    v2_sample(&in);
    in.count = (int64_t)1 << 40;
    msgpack_sbuffer buf;
    msgpack_sbuffer_init(&buf);
    bool ok = compat_v2_Record_encode(&in, &buf) == 0;
    if (ok) {
        int rc = compat_v1_Record_decode(buf.data, buf.size, &out);
        ok = expect_i64("narrowing", "decode result", ACTOR_ERANGE, rc);
        if (rc == 0)
            compat_v1_Record_free(&out);
    }
    msgpack_sbuffer_destroy(&buf);
    compat_v2_Record_free(&in);
    return ok;
}

/* A float64 that float32 cannot hold exactly is rounded, as C converts. */
static bool test_float_narrowing(void)
{
    compat_v2_Record in;
    compat_v1_Record out;
    compat_v2_Record_init(&in);
    in.weight = 0.1;
    bool ok = decoded(compat_v2_to_compat_v1(&in, &out));
    if (ok) {
        ok = expect_f64("float_narrowing", "weight", (double)0.1f, (double)out.weight);
        compat_v1_Record_free(&out);
    }
    compat_v2_Record_free(&in);
    return ok;
}

/* The empty body decodes in both versions to what _init gives. */
static bool test_empty_body(void)
{
    static const char empty_map[] = "\x80";
    compat_v1_Record a;
    compat_v2_Record b;
    bool ok = decoded(compat_v1_Record_decode(empty_map, 1, &a));
    if (ok) {
        ok = expect_i64("empty_v1", "status", compat_v1_Status_IDLE, a.status) && ok;
        compat_v1_Record_free(&a);
    }
    if (decoded(compat_v2_Record_decode(empty_map, 1, &b))) {
        ok = v2_defaults_of_new_fields("empty_v2", &b) && ok;
        compat_v2_Record_free(&b);
    } else {
        ok = false;
    }
    return ok;
}

typedef struct test {
    const char *name;
    bool (*run)(void);
} test;

static const test TESTS[] = {
    {"v1_reads_v2", test_v1_reads_v2},
    {"v2_reads_v1", test_v2_reads_v1},
    {"v2_through_v1", test_v2_through_v1},
    {"v1_through_v2", test_v1_through_v2},
    {"same_version", test_same_version},
    {"defaults_cross", test_defaults_cross},
    {"narrowing_rejected", test_narrowing_rejected},
    {"float_narrowing", test_float_narrowing},
    {"empty_body", test_empty_body},
};

int main(void)
{
    int passed = 0, failed = 0;
    for (size_t i = 0; i < sizeof TESTS / sizeof TESTS[0]; i++) {
        if (TESTS[i].run()) {
            passed++;
        } else {
            fprintf(stderr, "FAIL %s\n", TESTS[i].name);
            failed++;
        }
    }
    printf("%d passed, %d failed\n", passed, failed);
    return failed ? 1 : 0;
}
