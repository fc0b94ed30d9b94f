/*
 * service.c - what the service actors share (service.h).
 */
#include "queue/service.h"

#include <stdlib.h>

#include "actor/queues.h"

uint32_t actor__wait_ms(actor_ctx *ctx, bool block, uint32_t timeout_ms)
{
    int64_t deadline = actor_ctx_deadline(ctx), left_ms, margin;

    if (!block)
        return 0;
    if (deadline == 0)
        return timeout_ms;
    left_ms = (deadline - actor_now_ns()) / 1000000;
    margin = left_ms / 10 < ACTOR_QUEUE_ANSWER_MARGIN_MS ? left_ms / 10 : ACTOR_QUEUE_ANSWER_MARGIN_MS;
    left_ms -= margin;
    if (left_ms <= 0)
        return 0;
    if (timeout_ms != 0 && timeout_ms < left_ms)
        return timeout_ms;
    return left_ms > UINT32_MAX ? UINT32_MAX : (uint32_t)left_ms;
}

int actor__service_adopt(void **state, const void *arg, actor_ctx *ctx)
{
    (void)ctx;
    *state = (void *)(uintptr_t)arg;
    return 0;
}

actor_spawn_opts actor__service_spawn_opts(const actor_spawn_opts *given)
{
    actor_spawn_opts o = given != NULL ? *given : (actor_spawn_opts){0};

    o.restartable = false;
    o.max_concurrency = 0;
    return o;
}

actor_call_opts actor__wait_call_opts(bool block, uint32_t timeout_ms)
{
    actor_call_opts o = ACTOR_CALL_OPTS_DEFAULT;

    if (!block)
        o.timeout_ms = ACTOR_QUEUE_CALL_SLACK_MS;
    else if (timeout_ms != 0)
        o.timeout_ms = timeout_ms > UINT32_MAX - ACTOR_QUEUE_CALL_SLACK_MS
                           ? UINT32_MAX
                           : timeout_ms + ACTOR_QUEUE_CALL_SLACK_MS;
    return o;
}
