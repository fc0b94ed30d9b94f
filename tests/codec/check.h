/*
 * check.h - a tiny test harness for C unit tests: assertions that print
 * both values and where, and a runner that ends with "N passed, N failed".
 *
 *   TEST(name) { CHECK_INT(f(), 3); CHECK_RC(g(), ACTOR_ETYPE); }
 *   int main(void) { RUN(name); return check_summary(); }
 *
 * A failed check reports and returns from the test function; one failed
 * check fails the whole test.
 */
#ifndef TESTS_CHECK_H
#define TESTS_CHECK_H

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "actor/error.h"

static int check_passed_, check_failed_;
static int check_current_failed_;

#define TEST(name) static void name(void)

#define RUN(name)                                                                                  \
    do {                                                                                           \
        check_current_failed_ = 0;                                                                 \
        name();                                                                                    \
        if (check_current_failed_) {                                                               \
            check_failed_++;                                                                       \
            printf("FAIL %s\n", #name);                                                            \
        } else {                                                                                   \
            check_passed_++;                                                                       \
        }                                                                                          \
    } while (0)

#define CHECK_FAIL_(...)                                                                           \
    do {                                                                                           \
        printf("  %s:%d: ", __FILE__, __LINE__);                                                   \
        printf(__VA_ARGS__);                                                                       \
        printf("\n");                                                                              \
        check_current_failed_ = 1;                                                                 \
        return;                                                                                    \
    } while (0)

#define CHECK(cond)                                                                                \
    do {                                                                                           \
        if (!(cond))                                                                               \
            CHECK_FAIL_("check failed: %s", #cond);                                                \
    } while (0)

#define CHECK_INT(a, b)                                                                            \
    do {                                                                                           \
        intmax_t a_ = (intmax_t)(a), b_ = (intmax_t)(b);                                           \
        if (a_ != b_)                                                                              \
            CHECK_FAIL_("%s == %s: %jd != %jd", #a, #b, a_, b_);                                   \
    } while (0)

#define CHECK_UINT(a, b)                                                                           \
    do {                                                                                           \
        uintmax_t a_ = (uintmax_t)(a), b_ = (uintmax_t)(b);                                        \
        if (a_ != b_)                                                                              \
            CHECK_FAIL_("%s == %s: %ju != %ju", #a, #b, a_, b_);                                   \
    } while (0)

#define CHECK_STR(a, b)                                                                            \
    do {                                                                                           \
        const char *a_ = (a), *b_ = (b);                                                           \
        if ((a_ == NULL) != (b_ == NULL) || (a_ != NULL && strcmp(a_, b_) != 0))                   \
            CHECK_FAIL_("%s == %s: \"%s\" != \"%s\"", #a, #b, a_ ? a_ : "(null)",                  \
                        b_ ? b_ : "(null)");                                                       \
    } while (0)

#define CHECK_MEM(a, alen, b, blen)                                                                \
    do {                                                                                           \
        size_t al_ = (alen), bl_ = (blen);                                                         \
        if (al_ != bl_ || (al_ > 0 && memcmp((a), (b), al_) != 0))                                 \
            CHECK_FAIL_("%s == %s: %zu bytes vs %zu bytes, contents differ", #a, #b, al_, bl_);    \
    } while (0)

/* An ACTOR_E* result, printed by name. */
#define CHECK_RC(expr, code)                                                                       \
    do {                                                                                           \
        int a_ = (expr), b_ = (code);                                                              \
        if (a_ != b_)                                                                              \
            CHECK_FAIL_("%s: got %d (%s), want %d (%s)", #expr, a_, actor_strerror(a_), b_,        \
                        actor_strerror(b_));                                                       \
    } while (0)

static inline int check_summary(void)
{
    printf("%d passed, %d failed\n", check_passed_, check_failed_);
    return check_failed_ == 0 ? 0 : 1;
}

#endif /* TESTS_CHECK_H */
