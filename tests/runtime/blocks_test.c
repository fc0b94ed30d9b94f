/*
 * blocks_test.c - message-block pools (runtime/core/blocks.c) and the batch pop's
 * put-back (actor__mailbox_unpop): blocks come back to their owner from
 * other threads (also under ThreadSanitizer), pooled and malloc'd messages
 * free alike, and unpopped messages pop again in the same order; message
 * ids, also taken in per-thread blocks, are unique across threads and
 * systems.
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "core/actor_internal.h"
#include "actor/testing.h"

#define N_BLOCKS 2000

typedef struct freer {
    actor__msg **blocks;
    size_t from, to;
} freer;

static void *free_range(void *arg)
{
    freer *f = arg;

    for (size_t i = f->from; i < f->to; i++)
        actor__msg_free(f->blocks[i]);
    return NULL;
}

ACTOR_TEST(blocks_return_from_other_threads)
{
    static actor__msg *blocks[N_BLOCKS];
    actor__blocks pool;
    pthread_t threads[2];
    freer f[2] = {{blocks, 0, N_BLOCKS / 2}, {blocks, N_BLOCKS / 2, N_BLOCKS}};

    actor__blocks_init(&pool);
    for (int round = 0; round < 3; round++) {
        for (size_t i = 0; i < N_BLOCKS; i++) {
            blocks[i] = actor__msg_new_in(&pool, ACTOR__MSG_CAST, "abc", 3);
            ACTOR_ASSERT(blocks[i] != NULL && blocks[i]->pool == &pool);
            ACTOR_ASSERT(memcmp(blocks[i]->body, "abc", 4) == 0);
        }
        for (int t = 0; t < 2; t++)
            ACTOR_ASSERT(pthread_create(&threads[t], NULL, free_range, &f[t]) == 0);
        for (int t = 0; t < 2; t++)
            pthread_join(threads[t], NULL);
        /* later rounds reuse the returned blocks instead of malloc */
        ACTOR_ASSERT_INT(pool.population, N_BLOCKS);
    }
    actor__blocks_fini(&pool); /* LeakSanitizer checks every block was freed */
}

ACTOR_TEST(big_messages_bypass_the_pool)
{
    static const char big[ACTOR__POOL_BLOCK];
    actor__blocks pool;
    actor__msg *m;

    actor__blocks_init(&pool);
    m = actor__msg_new_in(&pool, ACTOR__MSG_CAST, big, sizeof(big));
    ACTOR_ASSERT(m != NULL && m->pool == NULL && m->len == sizeof(big));
    actor__msg_free(m);
    m = actor__msg_new_in(&pool, ACTOR__MSG_REPLY, "x", 1); /* with its status */
    ACTOR_ASSERT(m != NULL && m->pool == &pool && actor__msg_status(m) != NULL);
    actor__msg_free(m);
    actor__blocks_fini(&pool);
}

ACTOR_TEST(own_pool_frees_locally_and_shrinks_after_a_burst)
{
    static actor__msg *blocks[ACTOR__POOL_KEEP + 100];
    actor__blocks pool;

    actor__blocks_init(&pool);
    actor__blocks_set_own(&pool);
    for (size_t i = 0; i < ACTOR__POOL_KEEP + 100; i++) {
        blocks[i] = actor__msg_new_in(&pool, ACTOR__MSG_CAST, NULL, 0);
        ACTOR_ASSERT(blocks[i] != NULL);
    }
    for (size_t i = 0; i < ACTOR__POOL_KEEP + 100; i++)
        actor__msg_free(blocks[i]);
    ACTOR_ASSERT_INT(pool.population, ACTOR__POOL_KEEP);
    actor__blocks_set_own(NULL);
    actor__blocks_fini(&pool);
}

/* A sender with more blocks in flight than the pool keeps: the blocks other
 * threads return are taken back a refill at a time and reused, not freed
 * and allocated again; past the refill, the excess is freed. */
ACTOR_TEST(a_sender_above_the_bound_reuses_a_refill_of_returned_blocks)
{
    static actor__msg *blocks[ACTOR__POOL_KEEP + 1000];
    const size_t n = ACTOR__POOL_KEEP + 1000;
    actor__blocks pool;

    actor__blocks_init(&pool); /* not this thread's own: frees are "returns" */
    for (size_t i = 0; i < n; i++)
        ACTOR_ASSERT((blocks[i] = actor__msg_new_in(&pool, ACTOR__MSG_CAST, NULL, 0)) != NULL);
    for (size_t i = 0; i < 500; i++)
        actor__msg_free(blocks[i]);
    ACTOR_ASSERT_INT(pool.population, n);
    /* the next allocation takes the 500 returned: a refill stays (that one
     * among them), the rest, above the bound, is freed */
    ACTOR_ASSERT((blocks[0] = actor__msg_new_in(&pool, ACTOR__MSG_CAST, NULL, 0)) != NULL);
    ACTOR_ASSERT_INT(pool.population, n - (500 - ACTOR__POOL_REFILL));
    for (size_t i = 1; i < ACTOR__POOL_REFILL; i++)
        ACTOR_ASSERT((blocks[i] = actor__msg_new_in(&pool, ACTOR__MSG_CAST, NULL, 0)) != NULL);
    ACTOR_ASSERT_INT(pool.population, n - (500 - ACTOR__POOL_REFILL)); /* no new one */
    for (size_t i = 0; i < ACTOR__POOL_REFILL; i++)
        actor__msg_free(blocks[i]);
    for (size_t i = 500; i < n; i++)
        actor__msg_free(blocks[i]);
    actor__blocks_fini(&pool);
}

static actor__msg *cast(int priority, uint64_t id)
{
    actor__msg *m = actor__msg_new(ACTOR__MSG_CAST, "x", 1);

    m->priority = (uint8_t)priority;
    m->id = id;
    return m;
}

ACTOR_TEST(unpop_restores_the_order)
{
    actor__mailbox mb;
    actor__msg *dropped, *list = NULL, **tail = &list, *m;
    static const int prio[] = {10, 200, 10, 128, 200};
    uint64_t order[5];
    int n = 0;

    ACTOR_ASSERT_RC(actor__mailbox_init(&mb, 100, 0, ACTOR_OVERFLOW_REJECT, 1000), 0);
    for (uint64_t i = 0; i < 5; i++)
        ACTOR_ASSERT_RC(actor__mailbox_push(&mb, cast(prio[i], i + 1), 0, &dropped), 0);
    ACTOR_ASSERT_RC(
        actor__mailbox_push(&mb, actor__msg_new(ACTOR__MSG_TIMEOUT, NULL, 0), 0, &dropped), 0);
    /* pop four (the system message first), put them back, pop all */
    for (int i = 0; i < 4; i++) {
        m = actor__mailbox_pop(&mb, true);
        *tail = m;
        tail = &m->next;
    }
    *tail = NULL;
    ACTOR_ASSERT(list->kind == ACTOR__MSG_TIMEOUT);
    ACTOR_ASSERT(actor__mailbox_unpop(&mb, list) == NULL);
    ACTOR_ASSERT_INT(actor__mailbox_user_depth(&mb), 5);
    ACTOR_ASSERT_INT(actor__mailbox_user_bytes(&mb), 5);
    m = actor__mailbox_pop(&mb, true);
    ACTOR_ASSERT(m->kind == ACTOR__MSG_TIMEOUT);
    actor__msg_free(m);
    while ((m = actor__mailbox_pop(&mb, true)) != NULL) {
        order[n++] = m->id;
        actor__msg_free(m);
    }
    ACTOR_ASSERT_INT(n, 5);
    ACTOR_ASSERT_INT(order[0], 2);
    ACTOR_ASSERT_INT(order[1], 5);
    ACTOR_ASSERT_INT(order[2], 4);
    ACTOR_ASSERT_INT(order[3], 1);
    ACTOR_ASSERT_INT(order[4], 3);
    ACTOR_ASSERT_INT(actor__mailbox_user_bytes(&mb), 0);
    actor__mailbox_fini(&mb);
}

/* ---------------------------------------------------- message id blocks */

#define IDS_EACH 600 /* more than two of a thread's blocks */

typedef struct id_taker {
    actor_system *sys;
    uint64_t ids[IDS_EACH];
} id_taker;

static void *take_ids(void *arg)
{
    id_taker *t = arg;

    for (int i = 0; i < IDS_EACH; i++)
        t->ids[i] = actor__next_id(t->sys);
    return NULL;
}

static int compare_ids(const void *x, const void *y)
{
    uint64_t a = *(const uint64_t *)x, b = *(const uint64_t *)y;

    return a < b ? -1 : a > b;
}

/* Ids come from blocks of the calling thread's: two threads never get the
 * same id from one system, also when the first thread still holds a block
 * of a system destroyed before (the new one often has its address). */
ACTOR_TEST(message_ids_unique_across_threads_and_systems)
{
    static id_taker mine, other;
    static uint64_t all[2 * IDS_EACH];
    actor_system_opts o = {.workers = 1};
    actor_system *sys;
    pthread_t th;
    int dups = 0;

    ACTOR_ASSERT_RC(actor_system_new(&o, &sys), 0);
    (void)actor__next_id(sys); /* this thread now holds a block of it */
    actor_system_destroy(&sys);
    ACTOR_ASSERT_RC(actor_system_new(&o, &sys), 0);
    other.sys = mine.sys = sys;
    ACTOR_ASSERT_RC(pthread_create(&th, NULL, take_ids, &other), 0);
    pthread_join(th, NULL);
    take_ids(&mine);
    actor_system_destroy(&sys);
    memcpy(all, mine.ids, sizeof(mine.ids));
    memcpy(all + IDS_EACH, other.ids, sizeof(other.ids));
    qsort(all, 2 * IDS_EACH, sizeof(all[0]), compare_ids);
    for (int i = 1; i < 2 * IDS_EACH; i++)
        dups += all[i] == all[i - 1];
    ACTOR_ASSERT_INT(dups, 0);
    ACTOR_ASSERT(all[0] != 0);
}

int main(void)
{
    ACTOR_TEST_RUN(blocks_return_from_other_threads);
    ACTOR_TEST_RUN(big_messages_bypass_the_pool);
    ACTOR_TEST_RUN(own_pool_frees_locally_and_shrinks_after_a_burst);
    ACTOR_TEST_RUN(a_sender_above_the_bound_reuses_a_refill_of_returned_blocks);
    ACTOR_TEST_RUN(unpop_restores_the_order);
    ACTOR_TEST_RUN(message_ids_unique_across_threads_and_systems);
    return actor_test_summary();
}
