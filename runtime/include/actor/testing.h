/*
 * actor/testing.h - a small harness for testing actors in-process: start
 * a system and a client, spawn, call, and assert with messages that print
 * both values. A test program:
 *
 *   ACTOR_TEST(adds) {
 *       actor_test t;
 *       ACTOR_ASSERT_RC(actor_test_start(&t, 0), 0);
 *       actor_ref calc = actor_test_spawn(&t, &calc_type, NULL);
 *       actor_status st;
 *       int64_t v;
 *       ACTOR_ASSERT_RC(actor_test_call_int(&t, calc, ADD, 20, &st, &v), 0);
 *       ACTOR_ASSERT_STATUS(&st, ACTOR_STATUS_OK);
 *       ACTOR_ASSERT_INT(v, 21);
 *       actor_test_stop(&t);
 *   }
 *   int main(void) { ACTOR_TEST_RUN(adds); return actor_test_summary(); }
 *
 * A failed assertion prints file:line and both values, marks the test
 * failed and returns from the test function (resources of a failed test
 * may leak: the test program ends soon after). actor_test_summary() prints
 * "N passed, N failed" last and returns the exit status. Include this
 * header from one .c file per program (it keeps the counters).
 */
#ifndef ACTOR_TESTING_H
#define ACTOR_TESTING_H

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "actor/actor.h"

#ifdef __cplusplus
extern "C" {
#endif

/* An in-process system plus a client for the test's own thread. */
typedef struct actor_test {
    actor_system *sys;
    actor_client *client;
    uint32_t timeout_ms; /* every call's hang guard; default 10000 */
} actor_test;

/* Starts a system with `workers` threads (0: 2) and a client. */
int actor_test_start(actor_test *t, unsigned workers);
/* Destroys the client and the system (which drains every actor). */
void actor_test_stop(actor_test *t);
/* Spawns an active actor; ACTOR_REF_NONE on failure. */
actor_ref actor_test_spawn(actor_test *t, const actor_type *type, const void *arg);
/* A synchronous call with the test's timeout; method index `method` of
 * whatever type the actor has. */
int actor_test_call(actor_test *t, actor_ref to, uint32_t method, const char *body, size_t len,
                    actor_status *st, msgpack_sbuffer *reply);

/* One-field bodies for quick tests without generated code: the msgpack map
 * {1: v}. */
int actor_test_int_body(msgpack_sbuffer *sb, int64_t v);
int actor_test_int_of(const char *body, size_t len, int64_t *v);
/* Calls with body {1: arg}; on OK, *result (may be NULL) receives the
 * reply's field 1. */
int actor_test_call_int(actor_test *t, actor_ref to, uint32_t method, int64_t arg,
                        actor_status *st, int64_t *result);
/* Polls pred(arg) every millisecond until true (returns true) or
 * timeout_ms passes (false): for conditions reached asynchronously. */
bool actor_test_wait(bool (*pred)(void *), void *arg, uint32_t timeout_ms);

/* ------------------------------------------------------------ assertions */

static int actor_test_passed_ __attribute__((unused));
static int actor_test_failed_ __attribute__((unused));
static int actor_test_current_failed_ __attribute__((unused));

#define ACTOR_TEST(name) static void name(void)

#define ACTOR_TEST_RUN(name)                                                                       \
    do {                                                                                           \
        actor_test_current_failed_ = 0;                                                            \
        name();                                                                                    \
        if (actor_test_current_failed_) {                                                          \
            actor_test_failed_++;                                                                  \
            printf("FAIL %s\n", #name);                                                            \
        } else {                                                                                   \
            actor_test_passed_++;                                                                  \
        }                                                                                          \
        fflush(stdout);                                                                            \
    } while (0)

#define ACTOR_FAIL_(...)                                                                           \
    do {                                                                                           \
        printf("  %s:%d: ", __FILE__, __LINE__);                                                   \
        printf(__VA_ARGS__);                                                                       \
        printf("\n");                                                                              \
        actor_test_current_failed_ = 1;                                                            \
        return;                                                                                    \
    } while (0)

#define ACTOR_ASSERT(cond)                                                                         \
    do {                                                                                           \
        if (!(cond))                                                                               \
            ACTOR_FAIL_("assertion failed: %s", #cond);                                            \
    } while (0)

#define ACTOR_ASSERT_INT(a, b)                                                                     \
    do {                                                                                           \
        intmax_t a_ = (intmax_t)(a), b_ = (intmax_t)(b);                                           \
        if (a_ != b_)                                                                              \
            ACTOR_FAIL_("%s == %s: %jd != %jd", #a, #b, a_, b_);                                   \
    } while (0)

#define ACTOR_ASSERT_CMP(a, op, b)                                                                 \
    do {                                                                                           \
        intmax_t a_ = (intmax_t)(a), b_ = (intmax_t)(b);                                           \
        if (!(a_ op b_))                                                                           \
            ACTOR_FAIL_("%s %s %s: %jd vs %jd", #a, #op, #b, a_, b_);                              \
    } while (0)

/* A return code: prints both codes with their actor_strerror texts. */
#define ACTOR_ASSERT_RC(expr, want)                                                                \
    do {                                                                                           \
        int got_ = (expr), want_ = (want);                                                         \
        if (got_ != want_)                                                                         \
            ACTOR_FAIL_("%s: got %d (%s), want %d (%s)", #expr, got_, actor_strerror(got_),        \
                        want_, actor_strerror(want_));                                             \
    } while (0)

/* A status category: prints both names and the status message. */
#define ACTOR_ASSERT_STATUS(st, want)                                                              \
    do {                                                                                           \
        const actor_status *st_ = (st);                                                            \
        actor_status_category want_ = (want);                                                      \
        if (st_->category != want_)                                                                \
            ACTOR_FAIL_("status %s (code %d, \"%s\"), want %s",                                    \
                        actor_status_name(st_->category), (int)st_->code, st_->message,            \
                        actor_status_name(want_));                                                 \
    } while (0)

/* ERROR with a given declared code. */
#define ACTOR_ASSERT_ERROR(st, want_code)                                                          \
    do {                                                                                           \
        ACTOR_ASSERT_STATUS((st), ACTOR_STATUS_ERROR);                                             \
        ACTOR_ASSERT_INT((st)->code, (want_code));                                                 \
    } while (0)

static inline int actor_test_summary(void)
{
    printf("%d passed, %d failed\n", actor_test_passed_, actor_test_failed_);
    return actor_test_failed_ == 0 ? 0 : 1;
}

#ifdef __cplusplus
}
#endif

#endif /* ACTOR_TESTING_H */
