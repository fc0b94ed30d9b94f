/*
 * client.c - calculator-client: the example's calls (calculator_calls.c)
 * to a calculator-server in another process. The stubs are the same as in
 * calculator-local: only the refs differ, which come from actor_connect
 * instead of a spawn.
 *
 *   calculator-client --connect tcp://127.0.0.1:5555 [--expect-count N]
 *
 * The counter must stand at N (default 0) when the client starts; it
 * leaves it at N + 149. Exits 0 when every result was the expected one.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "actor/remote.h"
#include "calculator_calls.h"

typedef struct options {
    const char *connect;
    int64_t expect_count;
} options;

static int parse_options(int argc, char **argv, options *o)
{
    o->connect = NULL;
    o->expect_count = 0;
    for (int i = 1; i + 1 < argc; i += 2) {
        char *end;
        if (strcmp(argv[i], "--connect") == 0) {
            o->connect = argv[i + 1];
        } else if (strcmp(argv[i], "--expect-count") == 0) {
            o->expect_count = strtoll(argv[i + 1], &end, 10);
            if (*end != '\0')
                return -1;
        } else {
            return -1;
        }
    }
    return o->connect != NULL && argc % 2 == 1 ? 0 : -1;
}

/* The calls, through refs to the server's named actors. */
static int run(actor_system *sys, actor_client *c, const options *o)
{
    actor_ref calc, counter;
    int rc = actor_connect(sys, o->connect, "calculator", NULL, &calc);
    if (rc == 0)
        rc = actor_connect(sys, o->connect, "counter", NULL, &counter);
    if (rc != 0) {
        printf("actor_connect %s: %s\n", o->connect, actor_strerror(rc));
        return 1;
    }

    if (calls_ping(c, calc) != 0)
        return 1; /* nobody there: every other call would time out too */
    int failed = calls_calculate(c, calc);
    failed += calls_calculate_async(c, calc);
    int64_t count;
    failed += calls_count(c, counter, o->expect_count, 150, &count);
    return failed;
}

int main(int argc, char **argv)
{
    options o;
    if (parse_options(argc, argv, &o) != 0) {
        fprintf(stderr, "usage: %s --connect ENDPOINT [--expect-count N]\n", argv[0]);
        return 2;
    }

    /* The client's own system: it owns the connections (no actors here). */
    actor_system *sys;
    actor_client *c;
    if (calls_start(&sys, &c) != 0)
        return 1;

    int failed = run(sys, c, &o);

    actor_client_destroy(&c);
    actor_system_destroy(&sys);
    printf("%s\n", failed ? "FAILED" : "all results as expected");
    return failed ? 1 : 0;
}
