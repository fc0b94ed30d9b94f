/*
 * service.h - what this layer's service actors (a queue, a barrier, the
 * object store) share (internal): how they are spawned, and how long
 * they may keep a caller waiting.
 */
#ifndef ACTOR_QUEUE_SERVICE_H
#define ACTOR_QUEUE_SERVICE_H

#include <stdbool.h>
#include <stdint.h>

#include "actor/actor.h"
#include "actor/codec.h"

/* The current request's caller may wait this many ms: `timeout_ms` (0: as
 * long as its deadline allows), cut so that the service answers
 * ACTOR_QUEUE_ANSWER_MARGIN_MS (or a tenth of the time left) before its
 * deadline, never after it; 0 when it may not wait at all (`block`
 * false, or its deadline is too near). */
uint32_t actor__wait_ms(actor_ctx *ctx, bool block, uint32_t timeout_ms);

/* A service's state is made, whole, by its spawn function and handed to
 * init as `arg`: this init adopts it. So the options are copied before
 * spawn returns, and init runs once per spawn. */
int actor__service_adopt(void **state, const void *arg, actor_ctx *ctx);

/* The spawn options a service actor runs with: the caller's (NULL: the
 * defaults), never restartable in place (init would adopt the same state
 * twice; a supervisor restarts a service by spawning a new one) nor
 * concurrent. */
actor_spawn_opts actor__service_spawn_opts(const actor_spawn_opts *given);

/* The options of a blocking call to a service that waits up to
 * timeout_ms (`block`; 0: as long as the call may): ACTOR_QUEUE_CALL_SLACK_MS
 * longer than the wait, so that the service's own answer comes first. */
actor_call_opts actor__wait_call_opts(bool block, uint32_t timeout_ms);

#endif /* ACTOR_QUEUE_SERVICE_H */
