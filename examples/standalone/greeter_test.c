/*
 * greeter-test: the Greeter's handlers tested in-process with
 * actor/testing.h. Prints "N passed, N failed" last; exits 0 when all pass.
 */
#include "actor/testing.h"
#include "greeter_actor.h"

ACTOR_TEST(greets)
{
    actor_test t;
    actor_ref g;
    char you[] = "you";
    hello_Hi hi = {.name = you}; /* borrowed by the call */
    hello_Greeting out;
    actor_status st;

    ACTOR_ASSERT_RC(actor_test_start(&t, 0), 0); /* 0: two workers */
    ACTOR_ASSERT_RC(hello_Greeter_spawn(t.sys, &greeter_handlers, NULL, NULL, &g), 0);
    hello_Greeter_greet(t.client, g, &hi, &out, NULL, &st);
    ACTOR_ASSERT_STATUS(&st, ACTOR_STATUS_OK);
    ACTOR_ASSERT(strcmp(out.text, "hello, you") == 0);
    hello_Greeting_free(&out);
    actor_test_stop(&t);
}

ACTOR_TEST(an_empty_name_is_no_name)
{
    actor_test t;
    actor_ref g;
    char empty[] = "";
    hello_Hi hi = {.name = empty};
    hello_Greeting out;
    actor_status st;

    ACTOR_ASSERT_RC(actor_test_start(&t, 0), 0);
    ACTOR_ASSERT_RC(hello_Greeter_spawn(t.sys, &greeter_handlers, NULL, NULL, &g), 0);
    hello_Greeter_greet(t.client, g, &hi, &out, NULL, &st);
    ACTOR_ASSERT_ERROR(&st, hello_GreetError_NO_NAME);
    hello_Greeting_free(&out);
    actor_test_stop(&t);
}

int main(void)
{
    ACTOR_TEST_RUN(greets);
    ACTOR_TEST_RUN(an_empty_name_is_no_name);
    return actor_test_summary(); /* "N passed, N failed" */
}
