/*
 * pack.h - the gateway holder's open BATCHes (docs/PROTOCOL.md, "Batches";
 * internal).
 *
 * Messages the holder sends to one peer while it runs actors and reads its
 * sockets are gathered into one pack per peer and leave together, as one
 * BATCH, when the pump flushes them (gateway.c: at the start and end of
 * every pump and before the holder sleeps), or at once when a pack is full.
 * libzmq's cost is per message and per frame, not per byte: a pipeline of
 * calls to one peer pays it once per pack instead of once per call.
 *
 * A peer is a key: a ROUTER's routing id (the gateway's responses) or an
 * endpoint index (the calls the holder sends on its DEALERs). A few packs
 * are open at once; a message for another peer while they are all taken
 * is sent on its own, as is every message when packing is off
 * (actor_system_opts.wire_batch 1). The holder's, used with the gateway's
 * `hold` locked (gateway.h); no locks of their own.
 */
#ifndef ACTOR_PACK_H
#define ACTOR_PACK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <msgpack.h>

/* Peers with an open pack at once. */
#define ACTOR__PACK_SLOTS 8u
/* A pack that holds this many bytes is full, whatever its count. */
#define ACTOR__PACK_MAX_BYTES ((size_t)256u * 1024u)
/* A larger message is not packed (the packs' memory stays small). */
#define ACTOR__PACK_MAX_MESSAGE (ACTOR__PACK_MAX_BYTES / 4u)
/* The default pairs per pack (actor_system_opts.wire_batch 0). */
#define ACTOR__PACK_DEFAULT_MAX 256u
/* A pack leaves at the first pump after its first message at which the
 * holder has no actor ready to run, and at the latest at the
 * ACTOR__PACK_MAX_PUMPS-th pump (one pump follows every actor turn): a message waits for at most
 * that many turns of other ready actors, never for more traffic. */
#define ACTOR__PACK_MAX_PUMPS 8u
/* The longest key: a ZeroMQ routing id. */
#define ACTOR__PACK_MAX_KEY 255u

typedef struct actor__pack {
    msgpack_sbuffer pairs; /* the packed pairs (actor__wire_pack); its memory is kept */
    size_t count;          /* pairs in it; 0: the slot is free */
    uint64_t opened;       /* actor__packs.pumps when its first message came */
    bool delimiter;        /* ROUTER side: the peer frames with an empty delimiter */
    size_t key_len;
    uint8_t key[ACTOR__PACK_MAX_KEY];
} actor__pack;

typedef struct actor__packs {
    actor__pack slot[ACTOR__PACK_SLOTS];
    unsigned max;   /* pairs per pack; 1: packing is off */
    uint64_t pumps; /* the owner's pumps so far (actor__packs_pumped) */
} actor__packs;

/* `max`: actor_system_opts.wire_batch (0: the default; capped at
 * ACTOR__WIRE_MAX_BATCH, what a reader accepts). */
void actor__packs_init(actor__packs *ps, unsigned max);
void actor__packs_fini(actor__packs *ps);

/* The open pack for the peer `key` (borrowed, copied), opened in a free
 * slot if it has none; NULL when packing is off, the key is too long, or
 * every slot is taken by other peers: send the message on its own then. */
actor__pack *actor__packs_get(actor__packs *ps, const void *key, size_t key_len, bool delimiter);

/* The open pack for the peer `key`, NULL when it has none (none is opened).
 * A message to the peer that leaves on its own flushes it first: messages
 * to a peer keep their order. */
actor__pack *actor__packs_find(actor__packs *ps, const void *key, size_t key_len, bool delimiter);

/* Appends the message (envelope, body; borrowed, copied). 0, or
 * ACTOR_ENOMEM / ACTOR_ETOOLONG (larger than ACTOR__PACK_MAX_MESSAGE) with
 * the pack unchanged: flush the pack, then send the message on its own, so
 * that messages to the peer keep their order. */
int actor__pack_add(actor__pack *p, const char *env, size_t env_len, const char *body,
                    size_t body_len);

/* Whether p must be flushed before anything more is added. */
bool actor__pack_full(const actor__packs *ps, const actor__pack *p);

/* Counts a pump of the owner (the holder): packs age in pumps. */
void actor__packs_pumped(actor__packs *ps);

/* Whether p must leave at this pump: `idle` (the holder has no actor ready
 * to run), or opened ACTOR__PACK_MAX_PUMPS pumps ago. False when empty. */
bool actor__pack_due(const actor__packs *ps, const actor__pack *p, bool idle);

/* Empties p after a flush, freeing its slot (its memory is kept). */
void actor__pack_clear(actor__pack *p);

#endif /* ACTOR_PACK_H */
