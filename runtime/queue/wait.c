/*
 * wait.c - a service's waits end before their callers' deadlines (wait.h).
 */
#include "queue/wait.h"

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
