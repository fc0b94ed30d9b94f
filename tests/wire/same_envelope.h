/*
 * same_envelope.h - whether two decoded envelopes hold the same fields:
 * what wire.c's fast paths read against what the generated decoder reads
 * from the same bytes (tests/wire/wire_test.c, tests/fuzz/fuzz_wire.c).
 */
#ifndef TESTS_WIRE_SAME_ENVELOPE_H
#define TESTS_WIRE_SAME_ENVELOPE_H

#include <stdbool.h>
#include <string.h>

#include "actor_protocol.h"

static inline bool same_name(const char *a, const char *b)
{
    return (a == NULL && b == NULL) || (a != NULL && b != NULL && strcmp(a, b) == 0);
}

static inline bool same_envelope(const actor_wire_Envelope *a, const actor_wire_Envelope *b)
{
    return a->version == b->version && a->kind == b->kind && a->message_id == b->message_id &&
           a->has_correlation_id == b->has_correlation_id &&
           a->correlation_id == b->correlation_id && a->has_priority == b->has_priority &&
           a->priority == b->priority && a->has_deadline_ms == b->has_deadline_ms &&
           a->deadline_ms == b->deadline_ms && a->has_target_id == b->has_target_id &&
           a->target_id == b->target_id && a->has_method_index == b->has_method_index &&
           a->method_index == b->method_index && same_name(a->target, b->target) &&
           same_name(a->method, b->method) && same_name(a->type, b->type) &&
           (a->status == NULL) == (b->status == NULL) && (a->oob == NULL) == (b->oob == NULL);
}

#endif /* TESTS_WIRE_SAME_ENVELOPE_H */
