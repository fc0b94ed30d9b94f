/*
 * blocks.c - message-block pools (docs/RUNTIME.md, "Message blocks").
 *
 * A message is allocated by its sender's thread and freed by the worker
 * that ran it. With malloc, a plain thread allocating while a worker frees
 * meets glibc's arena lock on every message. A pool instead has one owner
 * thread that allocates from it, and any thread may free into it:
 *
 *   - `local`: the owner's free blocks, a plain list only the owner touches;
 *   - `returned`: blocks freed by other threads, a lock-free stack. Any
 *     thread pushes one block with a compare-and-swap; only the owner pops,
 *     and it takes the whole stack at once (atomic exchange with NULL), so
 *     there is no ABA problem (a pop of one node would have one).
 *
 * The owner allocates from `local`, refilling it from `returned` when it is
 * empty (the whole stack becomes the local list in O(1): walking it would
 * take a cache miss per block, on blocks another core just wrote), and
 * falls back to malloc when both are empty. A block freed by the owner
 * itself (a worker freeing a message it allocated: a request/reply chain
 * between actors of one worker) goes straight to `local`. The pool counts
 * its `population` (blocks malloc'd and not freed); while it is above
 * ACTOR__POOL_KEEP, blocks coming back are freed instead of kept (but a
 * refill's worth, ACTOR__POOL_REFILL, for an owner allocating now), so a
 * burst does not pin its peak memory for ever.
 *
 * Owners: each worker has one (for messages its handlers send and the
 * replies it routes), each actor_client takes one from its system's list
 * when created and gives it back when destroyed (so a thread that creates a
 * client per call does not grow the list). A pool lives until its system
 * is destroyed, so a block freed after its client was destroyed still has
 * somewhere to go; the system frees every pool's blocks after its actors
 * (and so every message) are gone.
 */
#include <stdlib.h>

#include "core/actor_internal.h"

/* The pool of the worker running on this thread, if any: frees into it
 * skip the atomic stack. Set by the worker thread for its lifetime. */
static _Thread_local actor__blocks *own_pool;

void actor__blocks_init(actor__blocks *p)
{
    p->local = NULL;
    p->population = 0;
    atomic_init(&p->returned, NULL);
    p->next = NULL;
}

static void free_list(actor__msg *m)
{
    while (m != NULL) {
        actor__msg *next = m->next;
        free(m);
        m = next;
    }
}

void actor__blocks_fini(actor__blocks *p)
{
    free_list(p->local);
    free_list(atomic_exchange_explicit(&p->returned, NULL, memory_order_acquire));
    p->local = NULL;
    p->population = 0;
}

void actor__blocks_set_own(actor__blocks *p)
{
    own_pool = p;
}

/* The owner keeps b on its local list, or frees it past the bound. */
static void keep_local(actor__blocks *p, actor__msg *b)
{
    if (p->population > ACTOR__POOL_KEEP) {
        free(b);
        p->population--;
        return;
    }
    b->next = p->local;
    p->local = b;
}

/* Moves the returned blocks to the (empty) local list (owner only): the
 * whole stack in O(1) while the population is within ACTOR__POOL_KEEP.
 * Above it, the blocks that take it past the bound are freed, but for the
 * first ACTOR__POOL_REFILL: the owner is allocating now, and a sender that
 * keeps a backlog above the bound in flight would otherwise free every
 * block that comes back and allocate every one it sends. */
static void take_returned(actor__blocks *p)
{
    actor__msg *b = atomic_exchange_explicit(&p->returned, NULL, memory_order_acquire);
    actor__msg *last = b, *rest;

    p->local = b;
    if (p->population <= ACTOR__POOL_KEEP)
        return;
    for (unsigned kept = 1; last != NULL && kept < ACTOR__POOL_REFILL; kept++)
        last = last->next;
    if (last == NULL)
        return;
    rest = last->next;
    while (rest != NULL && p->population > ACTOR__POOL_KEEP) { /* shrink after a burst */
        actor__msg *next = rest->next;
        free(rest);
        p->population--;
        rest = next;
    }
    last->next = rest;
}

actor__msg *actor__blocks_alloc(actor__blocks *p)
{
    actor__msg *b;

    if (p->local == NULL && atomic_load_explicit(&p->returned, memory_order_relaxed) != NULL)
        take_returned(p);
    b = p->local;
    if (b == NULL) {
        b = aligned_alloc(64, ACTOR__POOL_BLOCK); /* header and small body: two lines */
        p->population += b != NULL;
        return b;
    }
    p->local = b->next;
    return b;
}

void actor__blocks_free(actor__blocks *p, actor__msg *b)
{
    actor__msg *head;

    if (p == own_pool) {
        keep_local(p, b);
        return;
    }
    head = atomic_load_explicit(&p->returned, memory_order_relaxed);
    do {
        b->next = head;
    } while (!atomic_compare_exchange_weak_explicit(&p->returned, &head, b, memory_order_release,
                                                    memory_order_relaxed));
}

/* ============================================================ clients' */

actor__blocks *actor__blocks_take(actor_system *sys)
{
    actor__blocks *p;

    pthread_mutex_lock(&sys->blocks_lock);
    p = sys->idle_blocks;
    if (p != NULL)
        sys->idle_blocks = p->next;
    pthread_mutex_unlock(&sys->blocks_lock);
    if (p == NULL) {
        p = malloc(sizeof(*p));
        if (p == NULL)
            return NULL; /* the client allocates with malloc */
        actor__blocks_init(p);
    }
    p->next = NULL;
    return p;
}

void actor__blocks_give_back(actor_system *sys, actor__blocks *p)
{
    if (p == NULL)
        return;
    pthread_mutex_lock(&sys->blocks_lock);
    p->next = sys->idle_blocks;
    sys->idle_blocks = p;
    pthread_mutex_unlock(&sys->blocks_lock);
}

void actor__blocks_fini_all(actor_system *sys)
{
    actor__blocks *p = sys->idle_blocks;

    while (p != NULL) {
        actor__blocks *next = p->next;
        actor__blocks_fini(p);
        free(p);
        p = next;
    }
    sys->idle_blocks = NULL;
}
