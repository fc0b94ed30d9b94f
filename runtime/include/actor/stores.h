/*
 * actor/stores.h - an object store as a service: put a blob once, pass
 * its reference (actor_store_ObjectRef, 16 bytes) inside messages, and
 * get the blob from any process of the system straight from the store
 * (docs/GUIDE.md, "Queues").
 *
 * The service is defined in idl/store.actor; its messages and stubs
 * (actor_store_Store_put, _get, _retain, _release, _info, and their
 * _request forms for handlers) are in <actor/store.h>, which this header
 * includes. References are counted: a put starts with `refs` of them
 * (each holder releases one when done), retain adds some, and the blob is
 * freed when the count reaches 0; a get of a released one is answered
 * NO_SUCH_OBJECT. A put that does not fit the store's byte bound is
 * answered FULL (TOO_LARGE when it never would). Errors reach the caller
 * as ACTOR_STATUS_ERROR with an actor_store_StoreError code.
 */
#ifndef ACTOR_STORES_H
#define ACTOR_STORES_H

#include <stdint.h>

#include "actor/actor.h"
#include "store.h" /* generated from idl/store.actor: installed as <actor/store.h> */

#ifdef __cplusplus
extern "C" {
#endif

/* Starts a store holding at most max_bytes bytes of blobs (0: no bound):
 * an actor, to name with actor_name_register for other processes and end
 * with actor_terminate (which frees what it holds). spawn_opts may be
 * NULL. 0 or a negative ACTOR_E* code. */
int actor_store_spawn(actor_system *sys, uint64_t max_bytes, const actor_spawn_opts *spawn_opts,
                      actor_ref *out);

#ifdef __cplusplus
}
#endif

#endif /* ACTOR_STORES_H */
