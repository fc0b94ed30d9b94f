/*
 * greeter-client ENDPOINT: calls the "greeter" that greeter-server serves
 * on ENDPOINT in every way a client can: a blocking call, the same call
 * with a declared error, an asynchronous call, casts, and a call with a
 * deadline. Exits 0 when every answer was the expected one.
 */
#include <semaphore.h>
#include <stdio.h>
#include <string.h>

#include "actor/remote.h"
#include "greeter.h"

static int failures;

static void expect(int ok, const char *what)
{
    printf("%s %s\n", ok ? "ok  " : "FAIL", what);
    failures += !ok;
}

/* An asynchronous call's end: on a worker thread, once. */
typedef struct async_call {
    sem_t done;
    actor_status st;
    char text[64];
} async_call;

static void greeted(void *user, uint64_t call_id, const actor_status *st, const hello_Greeting *res)
{
    async_call *a = user;

    (void)call_id;
    a->st = *st;
    if (res != NULL) /* borrowed for this call: copy what you keep */
        snprintf(a->text, sizeof a->text, "%s", res->text);
    sem_post(&a->done);
}

int main(int argc, char **argv)
{
    actor_system *sys = NULL;
    actor_client *me = NULL;
    actor_ref greeter;
    hello_Hi hi;
    hello_Greeting g;
    hello_Count n;
    actor_status st;
    async_call a;
    actor_call_opts quick = {ACTOR_PRIORITY_DEFAULT, 2000}; /* at most 2 s */
    char name[] = "world", nobody[] = "";

    if (argc != 2) {
        fprintf(stderr, "usage: greeter-client ENDPOINT\n");
        return 2;
    }
    if (actor_system_new(NULL, &sys) != 0 || actor_client_new(sys, &me) != 0 ||
        actor_connect(sys, argv[1], "greeter", NULL, &greeter) != 0) {
        fprintf(stderr, "greeter-client: cannot start\n");
        return 1;
    }

    /* A blocking call: *st says how it ended. */
    hi = (hello_Hi){.name = name};
    hello_Greeter_greet(me, greeter, &hi, &g, &quick, &st);
    expect(st.category == ACTOR_STATUS_OK && strcmp(g.text, "hello, world") == 0, "greet");
    hello_Greeting_free(&g);

    /* A declared error: ERROR with the IDL's code and the handler's text. */
    hi = (hello_Hi){.name = nobody};
    hello_Greeter_greet(me, greeter, &hi, &g, &quick, &st);
    expect(st.category == ACTOR_STATUS_ERROR && st.code == hello_GreetError_NO_NAME,
           "greet without a name is NO_NAME");
    hello_Greeting_free(&g);

    /* Asynchronous: returns at once, the callback runs later. */
    sem_init(&a.done, 0, 0);
    hi = (hello_Hi){.name = name};
    expect(hello_Greeter_greet_async(me, greeter, &hi, &quick, greeted, &a, NULL) == 0 &&
               sem_wait(&a.done) == 0 && a.st.category == ACTOR_STATUS_OK &&
               strcmp(a.text, "hello, world") == 0,
           "greet_async");
    sem_destroy(&a.done);

    /* Casts: queued, never answered; they arrive in the order sent. */
    for (int i = 0; i < 3; i++)
        hello_Greeter_wave(me, greeter, &hi, NULL);
    hello_Greeter_count(me, greeter, &n, &quick, &st);
    expect(st.category == ACTOR_STATUS_OK && n.greeted == 2 && n.waves == 3, "count");
    hello_Count_free(&n);

    actor_client_destroy(&me);
    actor_system_destroy(&sys);
    return failures == 0 ? 0 : 1;
}
