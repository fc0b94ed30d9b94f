/*
 * actor/barriers.h - barriers as a service: a number of parties, anywhere
 * in the system, wait until all have arrived, then go on together, round
 * after round (docs/GUIDE.md, "Queues").
 *
 * The service is defined in idl/barrier.actor; its messages and stubs
 * (actor_barrier_Barrier_join, _arrive, _info, and their _request forms
 * for handlers) are in <actor/barrier.h>, which this header includes.
 *
 * A party's wait ends at its timeout and at the latest a little before
 * its caller's deadline; the first to run out gets TIMED_OUT and breaks
 * the round: every other party waiting gets BROKEN, and the next round
 * starts empty. A party that joined (watched by the barrier) and ends
 * before it arrives breaks the round with PARTY_DIED. Errors reach the
 * caller as ACTOR_STATUS_ERROR with an actor_barrier_BarrierError code.
 */
#ifndef ACTOR_BARRIERS_H
#define ACTOR_BARRIERS_H

#include <stdint.h>

#include "actor/actor.h"
#include "actor/queues.h"
#include "barrier.h" /* generated from idl/barrier.actor: installed as <actor/barrier.h> */

#ifdef __cplusplus
extern "C" {
#endif

/* Starts a barrier of `parties` parties (1 or more): an actor, to name
 * with actor_name_register for other processes and end with
 * actor_terminate. spawn_opts may be NULL. 0 or a negative ACTOR_E* code. */
int actor_barrier_spawn(actor_system *sys, uint32_t parties, const actor_spawn_opts *spawn_opts,
                        actor_ref *out);

/* Arrives at the barrier as `party` (what actor_barrier_Barrier_join gave,
 * or 0) and waits up to timeout_ms (0: as long as the call may) for the
 * others; *out (may be NULL) receives the round and this party's place in
 * it. Blocks the calling thread. Always fills *st: OK, or ERROR with a
 * BarrierError code, or the call's own status. */
int actor_barrier_wait(actor_client *c, actor_ref barrier, uint64_t party, uint32_t timeout_ms,
                       actor_barrier_Released *out, actor_status *st);

#ifdef __cplusplus
}
#endif

#endif /* ACTOR_BARRIERS_H */
