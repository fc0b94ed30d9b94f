/*
 * pack.c - the gateway holder's open BATCHes, one per peer (pack.h).
 */
#include "transport/pack.h"

#include <string.h>

#include "actor/error.h"
#include "base/wire.h"

void actor__packs_init(actor__packs *ps, unsigned max)
{
    memset(ps, 0, sizeof *ps);
    for (size_t i = 0; i < ACTOR__PACK_SLOTS; i++)
        msgpack_sbuffer_init(&ps->slot[i].pairs);
    if (max == 0)
        max = ACTOR__PACK_DEFAULT_MAX;
    ps->max = max < ACTOR__WIRE_MAX_BATCH ? max : ACTOR__WIRE_MAX_BATCH;
}

void actor__packs_fini(actor__packs *ps)
{
    for (size_t i = 0; i < ACTOR__PACK_SLOTS; i++)
        msgpack_sbuffer_destroy(&ps->slot[i].pairs);
}

actor__pack *actor__packs_find(actor__packs *ps, const void *key, size_t key_len, bool delimiter)
{
    for (size_t i = 0; i < ACTOR__PACK_SLOTS; i++) {
        actor__pack *p = &ps->slot[i];
        if (p->count != 0 && p->key_len == key_len && p->delimiter == delimiter &&
            memcmp(p->key, key, key_len) == 0)
            return p;
    }
    return NULL;
}

actor__pack *actor__packs_get(actor__packs *ps, const void *key, size_t key_len, bool delimiter)
{
    actor__pack *p;

    if (ps->max <= 1 || key_len > ACTOR__PACK_MAX_KEY)
        return NULL;
    p = actor__packs_find(ps, key, key_len, delimiter);
    for (size_t i = 0; p == NULL && i < ACTOR__PACK_SLOTS; i++) {
        if (ps->slot[i].count == 0) {
            p = &ps->slot[i];
            p->opened = ps->pumps;
            p->key_len = key_len;
            p->delimiter = delimiter;
            memcpy(p->key, key, key_len);
        }
    }
    return p;
}

int actor__pack_add(actor__pack *p, const char *env, size_t env_len, const char *body,
                    size_t body_len)
{
    int rc;

    if (env_len + body_len > ACTOR__PACK_MAX_MESSAGE)
        return ACTOR_ETOOLONG;
    rc = actor__wire_pack(&p->pairs, env, env_len, body, body_len);
    if (rc == 0)
        p->count++;
    return rc;
}

bool actor__pack_full(const actor__packs *ps, const actor__pack *p)
{
    return p->count >= ps->max || p->pairs.size >= ACTOR__PACK_MAX_BYTES;
}

void actor__packs_pumped(actor__packs *ps)
{
    ps->pumps++;
}

bool actor__pack_due(const actor__packs *ps, const actor__pack *p, bool idle)
{
    return p->count != 0 && (idle || ps->pumps - p->opened >= ACTOR__PACK_MAX_PUMPS);
}

void actor__pack_clear(actor__pack *p)
{
    p->count = 0;
    p->pairs.size = 0;
}
