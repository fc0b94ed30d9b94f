/*
 * idmap.c - a chained hash from 64-bit ids to nodes embedded in the caller's
 * records (pending calls, outstanding requests). Ids are sequential, so the
 * low bits spread them evenly. It grows by doubling; when growing fails it
 * simply keeps longer chains, so insertion never fails.
 */
#include <stdlib.h>

#include "core/actor_internal.h"

int actor__idmap_init(actor__idmap *m, size_t n_buckets)
{
    size_t n = 8;

    while (n < n_buckets)
        n *= 2;
    m->count = 0;
    m->n_buckets = n;
    m->buckets = calloc(n, sizeof(*m->buckets));
    return m->buckets != NULL ? 0 : ACTOR_ENOMEM;
}

void actor__idmap_fini(actor__idmap *m)
{
    free(m->buckets);
    m->buckets = NULL;
    m->n_buckets = m->count = 0;
}

static size_t bucket_of(const actor__idmap *m, uint64_t id)
{
    return (size_t)(id ^ (id >> 29)) & (m->n_buckets - 1);
}

static void grow(actor__idmap *m)
{
    size_t n = m->n_buckets * 2;
    actor__idnode **buckets = calloc(n, sizeof(*buckets));
    actor__idnode **old = m->buckets;
    size_t old_n = m->n_buckets;

    if (buckets == NULL)
        return;
    m->buckets = buckets;
    m->n_buckets = n;
    for (size_t i = 0; i < old_n; i++) {
        actor__idnode *node = old[i];
        while (node != NULL) {
            actor__idnode *next = node->next;
            size_t b = bucket_of(m, node->id);
            node->next = buckets[b];
            buckets[b] = node;
            node = next;
        }
    }
    free(old);
}

void actor__idmap_insert(actor__idmap *m, actor__idnode *node)
{
    size_t b;

    if (m->count >= m->n_buckets * 2)
        grow(m);
    b = bucket_of(m, node->id);
    node->next = m->buckets[b];
    m->buckets[b] = node;
    m->count++;
}

actor__idnode *actor__idmap_find(const actor__idmap *m, uint64_t id)
{
    if (m->n_buckets == 0)
        return NULL;
    for (actor__idnode *node = m->buckets[bucket_of(m, id)]; node != NULL; node = node->next)
        if (node->id == id)
            return node;
    return NULL;
}

actor__idnode *actor__idmap_remove(actor__idmap *m, uint64_t id)
{
    actor__idnode **link;

    if (m->n_buckets == 0)
        return NULL;
    for (link = &m->buckets[bucket_of(m, id)]; *link != NULL; link = &(*link)->next) {
        actor__idnode *node = *link;
        if (node->id == id) {
            *link = node->next;
            node->next = NULL;
            m->count--;
            return node;
        }
    }
    return NULL;
}

actor__idnode *actor__idmap_remove_if(actor__idmap *m, bool (*match)(actor__idnode *, void *),
                                      void *arg)
{
    actor__idnode *out = NULL;

    for (size_t i = 0; i < m->n_buckets; i++) {
        actor__idnode **link = &m->buckets[i];
        while (*link != NULL) {
            actor__idnode *node = *link;
            if (match(node, arg)) {
                *link = node->next;
                node->next = out;
                out = node;
                m->count--;
            } else {
                link = &node->next;
            }
        }
    }
    return out;
}
