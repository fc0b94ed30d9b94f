/*
 * greeter_actor.c - the hello.Greeter's handlers (greeter_actor.h).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "greeter_actor.h"

/* The actor's state: one Greeter, so no lock (its handlers run one at a
 * time). */
typedef struct greeter {
    uint64_t greeted, waves;
} greeter;

static int greeter_init(void **state, const void *arg, actor_ctx *ctx)
{
    (void)arg;
    (void)ctx;
    *state = calloc(1, sizeof(greeter));
    return *state != NULL ? 0 : ACTOR_ENOMEM;
}

static void greeter_cleanup(void *state, actor_ctx *ctx)
{
    (void)ctx;
    free(state);
}

static int greet(void *state, actor_ctx *ctx, const hello_Hi *req, hello_Greeting *res)
{
    greeter *g = state;

    if (req->name == NULL || req->name[0] == '\0')
        return actor_ctx_raise(ctx, hello_GreetError_NO_NAME, "who are you?");
    res->text = malloc(strlen(req->name) + sizeof "hello, ");
    if (res->text == NULL)
        return ACTOR_ENOMEM; /* the caller gets INTERNAL */
    sprintf(res->text, "hello, %s", req->name); /* res is freed after it is sent */
    g->greeted++;
    return 0;
}

static void wave(void *state, actor_ctx *ctx, const hello_Hi *msg)
{
    (void)ctx;
    (void)msg;
    ((greeter *)state)->waves++;
}

static int count(void *state, actor_ctx *ctx, hello_Count *res)
{
    const greeter *g = state;

    (void)ctx;
    res->greeted = g->greeted;
    res->waves = g->waves;
    return 0;
}

const hello_Greeter_handlers greeter_handlers = {.init = greeter_init,
                                                 .cleanup = greeter_cleanup,
                                                 .greet = greet,
                                                 .wave = wave,
                                                 .count = count};
