/*
 * expect.h - comparison helpers for the cross-implementation and
 * compatibility tests (tests/xlang, tests/compat).
 *
 * Each helper compares an expected and an actual value of one field, prints
 * both when they differ (with the field's path, e.g. "maps_full.points[0].x"),
 * and returns whether they matched, so a whole struct is checked in one pass
 * and every difference is reported. Header-only: every function is static
 * inline and each test program includes it once.
 */
#ifndef XTEST_EXPECT_H
#define XTEST_EXPECT_H

#include <inttypes.h>
#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "actor/codec.h"

static inline bool expect_fail_(const char *path, const char *field)
{
    fprintf(stderr, "  %s.%s: ", path, field);
    return false;
}

static inline bool expect_i64(const char *path, const char *field, int64_t want, int64_t got)
{
    if (want == got)
        return true;
    expect_fail_(path, field);
    fprintf(stderr, "expected %" PRId64 ", got %" PRId64 "\n", want, got);
    return false;
}

static inline bool expect_u64(const char *path, const char *field, uint64_t want, uint64_t got)
{
    if (want == got)
        return true;
    expect_fail_(path, field);
    fprintf(stderr, "expected %" PRIu64 ", got %" PRIu64 "\n", want, got);
    return false;
}

/* Exact, with any NaN equal to any NaN and 0.0 different from -0.0. */
static inline bool expect_f64(const char *path, const char *field, double want, double got)
{
    if (isnan(want) && isnan(got))
        return true;
    if (want == got && signbit(want) == signbit(got))
        return true;
    expect_fail_(path, field);
    fprintf(stderr, "expected %.17g, got %.17g\n", want, got);
    return false;
}

/* NULL and "" differ: a decoder must give what the struct's contract says. */
static inline bool expect_str(const char *path, const char *field, const char *want,
                              const char *got)
{
    if (want == NULL && got == NULL)
        return true;
    if (want != NULL && got != NULL && strcmp(want, got) == 0)
        return true;
    expect_fail_(path, field);
    fprintf(stderr, "expected %s%.60s%s, got %s%.60s%s\n", want ? "\"" : "", want ? want : "NULL",
            want ? "\"" : "", got ? "\"" : "", got ? got : "NULL", got ? "\"" : "");
    return false;
}

static inline bool expect_mem(const char *path, const char *field, const void *want,
                              size_t want_len, const void *got, size_t got_len)
{
    if (want_len == got_len && (want_len == 0 || memcmp(want, got, want_len) == 0))
        return true;
    expect_fail_(path, field);
    fprintf(stderr, "expected %zu bytes, got %zu bytes%s\n", want_len, got_len,
            want_len == got_len ? " with different content" : "");
    return false;
}

static inline bool expect_bytes(const char *path, const char *field, actor_bytes want,
                                actor_bytes got)
{
    return expect_mem(path, field, want.data, want.len, got.data, got.len);
}

/* A presence flag or pointer presence (`has_x`, optional message). */
static inline bool expect_bool(const char *path, const char *field, bool want, bool got)
{
    if (want == got)
        return true;
    expect_fail_(path, field);
    fprintf(stderr, "expected %s, got %s\n", want ? "true" : "false", got ? "true" : "false");
    return false;
}

/* Element counts must match before elements are compared. */
static inline bool expect_count(const char *path, const char *field, size_t want, size_t got)
{
    if (want == got)
        return true;
    expect_fail_(path, field);
    fprintf(stderr, "expected %zu elements, got %zu\n", want, got);
    return false;
}

/* "path.field" or "path.field[i]" into buf, for the next level down. */
static inline const char *expect_path(char *buf, size_t size, const char *path,
                                      const char *field, long index)
{
    int n = index < 0 ? snprintf(buf, size, "%s.%s", path, field)
                      : snprintf(buf, size, "%s.%s[%ld]", path, field, index);
    if (n < 0 || (size_t)n >= size)
        buf[size - 1] = '\0'; /* a long path is cut, which only shortens a message */
    return buf;
}

#define EXPECT_PATH_MAX 512

/* Field comparisons inside an eq_<Message>(path, w, g) function that keeps
 * its verdict in `ok`. */
#define EQ_INT(f) (ok = expect_i64(path, #f, (int64_t)w->f, (int64_t)g->f) && ok)
#define EQ_UINT(f) (ok = expect_u64(path, #f, (uint64_t)w->f, (uint64_t)g->f) && ok)
#define EQ_FLT(f) (ok = expect_f64(path, #f, (double)w->f, (double)g->f) && ok)
#define EQ_BOOL(f) (ok = expect_bool(path, #f, w->f, g->f) && ok)
#define EQ_STR(f) (ok = expect_str(path, #f, w->f, g->f) && ok)
#define EQ_BYTES(f) (ok = expect_bytes(path, #f, w->f, g->f) && ok)

/* A list of scalars compared with `cmp` (expect_i64, expect_u64, expect_f64). */
#define EQ_LIST(f, cmp, cast)                                                          \
    do {                                                                               \
        if (!expect_count(path, #f, w->n_##f, g->n_##f)) {                            \
            ok = false;                                                                \
            break;                                                                     \
        }                                                                              \
        for (size_t i_ = 0; i_ < w->n_##f; i_++) {                                     \
            char sub_[EXPECT_PATH_MAX];                                                \
            expect_path(sub_, sizeof sub_, path, #f, (long)i_);                        \
            ok = cmp(sub_, "", (cast)w->f[i_], (cast)g->f[i_]) && ok;                  \
        }                                                                              \
    } while (0)

/* `count` elements at `f` (e.g. n_points/points, or n/items inside the
 * element struct of a nested list), each compared by eq(path, &w, &g). */
#define EQ_ITEMS(count, f, eq)                                                         \
    do {                                                                               \
        if (!expect_count(path, #f, w->count, g->count)) {                            \
            ok = false;                                                                \
            break;                                                                     \
        }                                                                              \
        for (size_t i_ = 0; i_ < w->count; i_++) {                                     \
            char sub_[EXPECT_PATH_MAX];                                                \
            expect_path(sub_, sizeof sub_, path, #f, (long)i_);                        \
            ok = eq(sub_, &w->f[i_], &g->f[i_]) && ok;                                 \
        }                                                                              \
    } while (0)

/* A list field of anything with an element comparison eq(path, &w, &g). */
#define EQ_LIST_OF(f, eq) EQ_ITEMS(n_##f, f, eq)

/* A nested message compared by eq(path, &w->f, &g->f). */
#define EQ_MSG(f, eq)                                                                  \
    do {                                                                               \
        char sub_[EXPECT_PATH_MAX];                                                    \
        ok = eq(expect_path(sub_, sizeof sub_, path, #f, -1), &w->f, &g->f) && ok;     \
    } while (0)

/* An optional message (pointer, NULL when absent). */
#define EQ_OPT_MSG(f, eq)                                                              \
    do {                                                                               \
        if (!expect_bool(path, #f " present", w->f != NULL, g->f != NULL)) {          \
            ok = false;                                                                \
            break;                                                                     \
        }                                                                              \
        if (w->f != NULL) {                                                            \
            char sub_[EXPECT_PATH_MAX];                                                \
            ok = eq(expect_path(sub_, sizeof sub_, path, #f, -1), w->f, g->f) && ok;   \
        }                                                                              \
    } while (0)

/* ------------------------------------------- building expected structs */
/* Heap copies, so a struct built by a test can be released by its _free. */

static inline char *xdup_str(const char *s)
{
    size_t n = strlen(s) + 1;
    char *p = malloc(n);
    if (p == NULL) {
        fprintf(stderr, "out of memory\n");
        abort();
    }
    return memcpy(p, s, n);
}

static inline void *xdup_mem(const void *src, size_t size)
{
    void *p = malloc(size ? size : 1);
    if (p == NULL) {
        fprintf(stderr, "out of memory\n");
        abort();
    }
    if (size)
        memcpy(p, src, size);
    return p;
}

static inline void *xcalloc(size_t n, size_t size)
{
    void *p = calloc(n ? n : 1, size);
    if (p == NULL) {
        fprintf(stderr, "out of memory\n");
        abort();
    }
    return p;
}

/* Replaces an owned string (e.g. a default _init allocated). */
static inline void set_str(char **field, const char *value)
{
    free(*field);
    *field = value ? xdup_str(value) : NULL;
}

static inline actor_bytes make_bytes(const void *data, size_t len)
{
    actor_bytes b = {.data = xdup_mem(data, len), .len = len};
    return b;
}

static inline void set_bytes(actor_bytes *field, const void *data, size_t len)
{
    free(field->data);
    *field = make_bytes(data, len);
}

/* count = the length and ptr = a heap copy of the array literal. */
#define SET_ARRAY(count, ptr, T, ...)                                                  \
    do {                                                                               \
        static const T lit_[] = __VA_ARGS__;                                           \
        free(ptr);                                                                     \
        (count) = sizeof lit_ / sizeof lit_[0];                                        \
        (ptr) = xdup_mem(lit_, sizeof lit_);                                           \
    } while (0)

/* m->n_f and a heap copy of the array literal in m->f. */
#define SET_LIST(m, f, T, ...) SET_ARRAY((m)->n_##f, (m)->f, T, __VA_ARGS__)

/* m->n_f = n zeroed elements to fill one by one. */
#define NEW_LIST(m, f, n)                                                              \
    do {                                                                               \
        (m)->n_##f = (n);                                                              \
        (m)->f = xcalloc((n), sizeof *(m)->f);                                         \
    } while (0)

#endif /* XTEST_EXPECT_H */
