/*
 * calculator_test.c - the calculator's and the counter's handlers tested
 * with actor/testing.h: actors in this process, a call, an assertion.
 * Prints "N passed, N failed" last.
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <unistd.h>

#include "actor/testing.h"
#include "calculator_actors.h"

/* a op b through the generated stub; *result is valid when st is OK. */
static int calc(actor_test *t, actor_ref to, double a, calc_Op op, double b, actor_status *st,
                double *result)
{
    calc_CalcRequest req;
    calc_CalcRequest_init(&req);
    req.a = a, req.op = op, req.b = b;
    calc_CalcResponse res;
    int rc = calc_Calculator_calculate(t->client, to, &req, &res, NULL, st);
    *result = res.result;
    calc_CalcResponse_free(&res);
    return rc;
}

static actor_ref spawn_calculator(actor_test *t)
{
    actor_ref ref = ACTOR_REF_NONE;
    (void)calc_Calculator_spawn(t->sys, &calculator_handlers, NULL, NULL, &ref);
    return ref;
}

ACTOR_TEST(adds)
{
    actor_test t;
    ACTOR_ASSERT_RC(actor_test_start(&t, 0), 0);
    actor_ref c = spawn_calculator(&t);
    actor_status st;
    double r;
    ACTOR_ASSERT_RC(calc(&t, c, 10, calc_Op_ADD, 5, &st, &r), 0);
    ACTOR_ASSERT_STATUS(&st, ACTOR_STATUS_OK);
    ACTOR_ASSERT(r == 15.0);
    actor_test_stop(&t);
}

ACTOR_TEST(divide_by_zero)
{
    actor_test t;
    ACTOR_ASSERT_RC(actor_test_start(&t, 0), 0);
    actor_ref c = spawn_calculator(&t);
    actor_status st;
    double r;
    ACTOR_ASSERT_RC(calc(&t, c, 10, calc_Op_DIV, 0, &st, &r), 0);
    ACTOR_ASSERT_ERROR(&st, calc_CalcError_DIVIDE_BY_ZERO);
    actor_test_stop(&t);
}

ACTOR_TEST(invalid_input)
{
    actor_test t;
    ACTOR_ASSERT_RC(actor_test_start(&t, 0), 0);
    actor_ref c = spawn_calculator(&t);
    actor_status st;
    double r;
    ACTOR_ASSERT_RC(calc(&t, c, NAN, calc_Op_ADD, 1, &st, &r), 0);
    ACTOR_ASSERT_ERROR(&st, calc_CalcError_INVALID_INPUT);
    ACTOR_ASSERT_RC(calc(&t, c, 1, 42, 1, &st, &r), 0);
    ACTOR_ASSERT_ERROR(&st, calc_CalcError_INVALID_INPUT);
    actor_test_stop(&t);
}

ACTOR_TEST(counter_survives_restart)
{
    char path[64];
    snprintf(path, sizeof path, "/tmp/calculator-test.%ld.state", (long)getpid());
    remove(path);

    actor_test t;
    ACTOR_ASSERT_RC(actor_test_start(&t, 0), 0);
    actor_ref n;
    ACTOR_ASSERT_RC(calc_Counter_spawn(t.sys, &counter_handlers, path, NULL, &n), 0);
    calc_CountResponse res;
    actor_status st;
    for (int i = 0; i < 3; i++)
        ACTOR_ASSERT_RC(calc_Counter_increment(t.client, n, &res, NULL, &st), 0);
    ACTOR_ASSERT_STATUS(&st, ACTOR_STATUS_OK);
    ACTOR_ASSERT_INT(res.count, 3);
    actor_test_stop(&t); /* drains the counter: cleanup writes the file */

    ACTOR_ASSERT_RC(actor_test_start(&t, 0), 0);
    ACTOR_ASSERT_RC(calc_Counter_spawn(t.sys, &counter_handlers, path, NULL, &n), 0);
    ACTOR_ASSERT_RC(calc_Counter_decrement(t.client, n, &res, NULL, &st), 0);
    ACTOR_ASSERT_STATUS(&st, ACTOR_STATUS_OK);
    ACTOR_ASSERT_INT(res.count, 2);
    calc_CounterState saved;
    ACTOR_ASSERT_RC(calc_Counter_get(t.client, n, &saved, NULL, &st), 0);
    ACTOR_ASSERT_INT(saved.updates, 4);
    ACTOR_ASSERT_INT(saved.n_history, 4);
    ACTOR_ASSERT_INT(saved.history[3], 2);
    calc_CounterState_free(&saved);
    actor_test_stop(&t);
    remove(path);
}

/* A counter restored from a file that says INT64_MAX refuses to go on. */
ACTOR_TEST(counter_out_of_range_and_reset)
{
    char path[64];
    snprintf(path, sizeof path, "/tmp/calculator-test-max.%ld.state", (long)getpid());
    calc_CounterState at_max;
    calc_CounterState_init(&at_max);
    at_max.count = INT64_MAX;
    ACTOR_ASSERT_RC(counter_state_save(path, &at_max), 0);

    actor_test t;
    ACTOR_ASSERT_RC(actor_test_start(&t, 0), 0);
    actor_ref n;
    ACTOR_ASSERT_RC(calc_Counter_spawn(t.sys, &counter_handlers, path, NULL, &n), 0);
    calc_CountResponse res;
    actor_status st;
    ACTOR_ASSERT_RC(calc_Counter_increment(t.client, n, &res, NULL, &st), 0);
    ACTOR_ASSERT_ERROR(&st, calc_CounterError_OUT_OF_RANGE);
    ACTOR_ASSERT_RC(calc_Counter_reset(t.client, n, &res, NULL, &st), 0);
    ACTOR_ASSERT_STATUS(&st, ACTOR_STATUS_OK);
    ACTOR_ASSERT_INT(res.count, 0);
    actor_test_stop(&t);
    remove(path);
}

int main(void)
{
    ACTOR_TEST_RUN(adds);
    ACTOR_TEST_RUN(divide_by_zero);
    ACTOR_TEST_RUN(invalid_input);
    ACTOR_TEST_RUN(counter_survives_restart);
    ACTOR_TEST_RUN(counter_out_of_range_and_reset);
    return actor_test_summary();
}
