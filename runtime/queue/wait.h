/*
 * wait.h - how long a service actor (a queue, a barrier) may keep a
 * caller waiting: the wait it asked for, cut so that the service answers
 * ACTOR_QUEUE_ANSWER_MARGIN_MS (or a tenth of the time left) before the
 * caller's deadline, never after it (internal).
 */
#ifndef ACTOR_QUEUE_WAIT_H
#define ACTOR_QUEUE_WAIT_H

#include <stdbool.h>
#include <stdint.h>

#include "actor/actor.h"

/* The current request's caller may wait this many ms: `timeout_ms` (0: as
 * long as its deadline allows), cut before its deadline; 0 when it may
 * not wait at all (`block` false, or its deadline is too near). */
uint32_t actor__wait_ms(actor_ctx *ctx, bool block, uint32_t timeout_ms);

#endif /* ACTOR_QUEUE_WAIT_H */
