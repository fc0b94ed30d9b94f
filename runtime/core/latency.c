/*
 * latency.c - handler run times per actor (actor_latency in actor/actor.h):
 * a log-linear histogram, allocated at an actor's first timed run and
 * written only by the worker running the actor, read by anyone.
 *
 * Buckets: a run of v ns is counted in units of 64 ns, u = v / 64. Units
 * 0..7 have a bucket each; above, each power of two [2^e, 2^(e+1)) is cut
 * into 8 equal buckets, up to 2^33 units (about 9 minutes), where the last
 * bucket takes everything longer.
 */
#include <stdlib.h>
#include <string.h>

#include "core/actor_internal.h"

#define UNIT_SHIFT 6u  /* 64 ns */
#define SUB_BITS 3u    /* 8 buckets per power of two */
#define SUB (1u << SUB_BITS)

struct actor__latency {
    atomic_uint_fast64_t count, max_ns;
    atomic_uint_fast64_t buckets[ACTOR_LATENCY_BUCKETS];
};

static unsigned bucket_of(uint64_t ns)
{
    uint64_t u = ns >> UNIT_SHIFT;
    unsigned e, index;

    if (u < SUB)
        return (unsigned)u;
    e = 63u - (unsigned)__builtin_clzll(u); /* >= SUB_BITS */
    index = (e - SUB_BITS + 1u) * SUB + (unsigned)((u >> (e - SUB_BITS)) & (SUB - 1u));
    return index < ACTOR_LATENCY_BUCKETS ? index : ACTOR_LATENCY_BUCKETS - 1u;
}

/* The bucket's bounds in ns: [*lo, *hi). */
static void bucket_bounds(unsigned index, uint64_t *lo, uint64_t *hi)
{
    if (index < SUB) {
        *lo = (uint64_t)index << UNIT_SHIFT;
        *hi = (uint64_t)(index + 1u) << UNIT_SHIFT;
        return;
    }
    unsigned e = index / SUB + SUB_BITS - 1u, m = index % SUB;
    *lo = ((uint64_t)(SUB + m) << (e - SUB_BITS)) << UNIT_SHIFT;
    *hi = ((uint64_t)(SUB + m + 1u) << (e - SUB_BITS)) << UNIT_SHIFT;
}

static void count_max(atomic_uint_fast64_t *max, uint64_t ns)
{
    if (ns > atomic_load_explicit(max, memory_order_relaxed))
        atomic_store_explicit(max, ns, memory_order_relaxed);
}

void actor__latency_record(actor__actor *a, uint64_t ns)
{
    actor__latency *h = atomic_load_explicit(&a->latency, memory_order_relaxed);

    if (h == NULL) {
        h = calloc(1, sizeof *h);
        if (h == NULL)
            return; /* not timed: no memory to spare */
        atomic_store_explicit(&a->latency, h, memory_order_release);
    }
    actor__count_add(&h->buckets[bucket_of(ns)], 1);
    count_max(&h->max_ns, ns);
    actor__count_add(&h->count, 1);
}

void actor__latency_free(actor__actor *a)
{
    free(atomic_load_explicit(&a->latency, memory_order_acquire));
    atomic_store_explicit(&a->latency, NULL, memory_order_relaxed);
}

/* Adds a's histogram to *out. */
static void latency_add(const actor__actor *a, actor_latency *out)
{
    actor__latency *h = atomic_load_explicit(&a->latency, memory_order_acquire);

    if (h == NULL)
        return;
    for (unsigned i = 0; i < ACTOR_LATENCY_BUCKETS; i++)
        out->buckets[i] += atomic_load_explicit(&h->buckets[i], memory_order_relaxed);
    out->count += atomic_load_explicit(&h->count, memory_order_relaxed);
    uint64_t max = atomic_load_explicit(&h->max_ns, memory_order_relaxed);
    if (max > out->max_ns)
        out->max_ns = max;
}

int actor_latency_get(actor_system *sys, actor_ref ref, actor_latency *out)
{
    actor_ref first[64], *members = first;
    size_t n, cap = 64;
    actor__actor *a;

    if (sys == NULL || out == NULL || actor__ref_is_remote(ref))
        return ACTOR_EINVAL;
    if ((a = actor__acquire(sys, ref)) == NULL)
        return ACTOR_ENOTFOUND;
    memset(out, 0, sizeof *out);
    if (a->router == NULL || a->router->members == NULL) {
        latency_add(a, out);
        actor__release(a);
        return 0;
    }
    /* a pool: its instances, as many as there are now */
    while ((n = a->router->members(a->router_state, members, cap)) > cap) {
        if (members != first)
            free(members);
        cap = n + 8;
        if ((members = malloc(cap * sizeof *members)) == NULL) {
            actor__release(a);
            return ACTOR_ENOMEM;
        }
    }
    actor__release(a);
    for (size_t i = 0; i < n; i++) {
        actor__actor *m = actor__acquire(sys, members[i]);
        if (m != NULL) {
            latency_add(m, out);
            actor__release(m);
        }
    }
    if (members != first)
        free(members);
    return 0;
}

void actor_latency_merge(actor_latency *into, const actor_latency *from)
{
    for (unsigned i = 0; i < ACTOR_LATENCY_BUCKETS; i++)
        into->buckets[i] += from->buckets[i];
    into->count += from->count;
    if (from->max_ns > into->max_ns)
        into->max_ns = from->max_ns;
}

void actor_latency_add_ns(actor_latency *h, uint64_t ns)
{
    h->buckets[bucket_of(ns)]++;
    h->count++;
    if (ns > h->max_ns)
        h->max_ns = ns;
}

uint64_t actor_latency_quantile(const actor_latency *h, double q)
{
    uint64_t rank, seen = 0, lo, hi;

    if (h->count == 0)
        return 0;
    q = q <= 0 ? 0 : q > 1 ? 1 : q;
    rank = (uint64_t)(q * (double)h->count + 0.5);
    rank = rank == 0 ? 1 : rank;
    for (unsigned i = 0; i < ACTOR_LATENCY_BUCKETS; i++) {
        seen += h->buckets[i];
        if (seen >= rank) {
            bucket_bounds(i, &lo, &hi);
            uint64_t mid = lo + (hi - lo) / 2;
            return mid < h->max_ns ? mid : h->max_ns; /* never past the longest */
        }
    }
    return h->max_ns;
}
