/*
 * mailbox_test.c - unit tests of runtime/core/mailbox.c on its own: priority
 * order, FIFO within a priority, the anti-starvation rule, the system lane,
 * and every overflow policy with its counters, by count and by bytes.
 */
#include "core/actor_internal.h"
#include "actor/testing.h"

static actor__msg *msg(actor__msg_kind kind, int priority, uint64_t id)
{
    actor__msg *m = actor__msg_new(kind, "x", 1);

    if (m != NULL) {
        m->priority = (uint8_t)priority;
        m->id = id;
    }
    return m;
}

/* Pushes a user cast; returns the push result. */
static int push(actor__mailbox *mb, int priority, uint64_t id, actor__msg **dropped)
{
    actor__msg *m = msg(ACTOR__MSG_CAST, priority, id);
    actor__msg *ignored;
    int rc = actor__mailbox_push(mb, m, 0, dropped != NULL ? dropped : &ignored);

    if (rc != 0)
        actor__msg_free(m);
    return rc;
}

/* Pops one user message and returns its id (0: none). */
static uint64_t pop_id(actor__mailbox *mb)
{
    actor__msg *m = actor__mailbox_pop(mb, true);
    uint64_t id = m != NULL ? m->id : 0;

    actor__msg_free(m);
    return id;
}

ACTOR_TEST(message_is_one_allocation_with_body_copy)
{
    actor__msg *m = actor__msg_new(ACTOR__MSG_REPLY, "abc", 3);

    ACTOR_ASSERT(m != NULL);
    ACTOR_ASSERT(actor__msg_status(m) != NULL);
    ACTOR_ASSERT_INT(m->len, 3);
    ACTOR_ASSERT(memcmp(m->body, "abc", 3) == 0);
    ACTOR_ASSERT_INT(m->priority, 128);
    actor__msg_free(m);
    m = actor__msg_new(ACTOR__MSG_CAST, NULL, 0);
    ACTOR_ASSERT(m != NULL && actor__msg_status(m) == NULL && m->len == 0);
    actor__msg_free(m);
}

ACTOR_TEST(higher_priority_first_fifo_within)
{
    actor__mailbox mb;
    static const int prio[] = {10, 200, 10, 128, 200, 0, 128};
    static const uint64_t want[] = {2, 5, 4, 7, 1, 3, 6};

    ACTOR_ASSERT_RC(actor__mailbox_init(&mb, 100, 0, ACTOR_OVERFLOW_REJECT, 1000), 0);
    for (size_t i = 0; i < 7; i++)
        ACTOR_ASSERT_RC(push(&mb, prio[i], i + 1, NULL), 0);
    ACTOR_ASSERT_INT(actor__mailbox_user_depth(&mb), 7);
    for (size_t i = 0; i < 7; i++)
        ACTOR_ASSERT_INT(pop_id(&mb), want[i]);
    ACTOR_ASSERT_INT(pop_id(&mb), 0);
    ACTOR_ASSERT_INT(actor__mailbox_user_depth(&mb), 0);
    actor__mailbox_fini(&mb);
}

ACTOR_TEST(fifo_over_many_priorities)
{
    actor__mailbox mb;
    uint64_t last[256] = {0};

    ACTOR_ASSERT_RC(actor__mailbox_init(&mb, 4096, 0, ACTOR_OVERFLOW_REJECT, 100000), 0);
    for (uint64_t i = 1; i <= 2560; i++)
        ACTOR_ASSERT_RC(push(&mb, (int)(i * 7 % 256), i, NULL), 0);
    for (int prev = 256, n = 0; n < 2560; n++) {
        actor__msg *m = actor__mailbox_pop(&mb, true);
        ACTOR_ASSERT(m != NULL);
        ACTOR_ASSERT_CMP(m->priority, <=, prev);
        ACTOR_ASSERT_CMP(m->id, >, last[m->priority]);
        last[m->priority] = m->id;
        prev = m->priority;
        actor__msg_free(m);
    }
    actor__mailbox_fini(&mb);
}

ACTOR_TEST(low_priority_not_starved)
{
    actor__mailbox mb;
    int low_seen_at = -1;

    ACTOR_ASSERT_RC(actor__mailbox_init(&mb, 1000, 0, ACTOR_OVERFLOW_REJECT, 4), 0);
    ACTOR_ASSERT_RC(push(&mb, 1, 1000, NULL), 0); /* the low one, oldest */
    ACTOR_ASSERT_RC(push(&mb, 5, 2000, NULL), 0); /* a middle one */
    for (uint64_t i = 1; i <= 20; i++)
        ACTOR_ASSERT_RC(push(&mb, 250, i, NULL), 0);
    for (int n = 0; n < 22; n++) {
        uint64_t id = pop_id(&mb);
        if (id == 1000)
            low_seen_at = n;
        /* sustained high load: keep refilling the top lane */
        if (id < 1000)
            ACTOR_ASSERT_RC(push(&mb, 250, 100 + (uint64_t)n, NULL), 0);
    }
    /* after 4 consecutive top pops, the oldest lower message (id 1000) */
    ACTOR_ASSERT_INT(low_seen_at, 4);
    actor__mailbox_fini(&mb);
}

ACTOR_TEST(starvation_takes_oldest_of_lower_lanes)
{
    actor__mailbox mb;

    ACTOR_ASSERT_RC(actor__mailbox_init(&mb, 100, 0, ACTOR_OVERFLOW_REJECT, 2), 0);
    ACTOR_ASSERT_RC(push(&mb, 50, 1, NULL), 0);  /* oldest lower */
    ACTOR_ASSERT_RC(push(&mb, 100, 2, NULL), 0); /* newer, higher lower lane */
    for (uint64_t i = 10; i < 16; i++)
        ACTOR_ASSERT_RC(push(&mb, 200, i, NULL), 0);
    ACTOR_ASSERT_INT(pop_id(&mb), 10);
    ACTOR_ASSERT_INT(pop_id(&mb), 11);
    ACTOR_ASSERT_INT(pop_id(&mb), 1); /* oldest waiting, not the higher lane 100 */
    ACTOR_ASSERT_INT(pop_id(&mb), 12);
    ACTOR_ASSERT_INT(pop_id(&mb), 13);
    ACTOR_ASSERT_INT(pop_id(&mb), 2);
    actor__mailbox_fini(&mb);
}

ACTOR_TEST(system_lane_first_and_unbounded)
{
    actor__mailbox mb;
    actor__msg *dropped;
    actor__msg *m;

    ACTOR_ASSERT_RC(actor__mailbox_init(&mb, 1, 0, ACTOR_OVERFLOW_REJECT, 0), 0);
    ACTOR_ASSERT_RC(push(&mb, 255, 1, NULL), 0);
    for (uint64_t i = 0; i < 3; i++) {
        m = msg(ACTOR__MSG_REPLY, 0, 100 + i);
        ACTOR_ASSERT_RC(actor__mailbox_push(&mb, m, 0, &dropped), 0);
    }
    ACTOR_ASSERT_INT(mb.overflows, 0);
    /* user messages may be held back; system ones still come */
    m = actor__mailbox_pop(&mb, false);
    ACTOR_ASSERT(m != NULL && m->id == 100);
    actor__msg_free(m);
    ACTOR_ASSERT_INT(pop_id(&mb), 101);
    ACTOR_ASSERT_INT(pop_id(&mb), 102);
    ACTOR_ASSERT(actor__mailbox_pop(&mb, false) == NULL);
    ACTOR_ASSERT_INT(pop_id(&mb), 1);
    actor__mailbox_fini(&mb);
}

ACTOR_TEST(overflow_reject_counts)
{
    actor__mailbox mb;

    ACTOR_ASSERT_RC(actor__mailbox_init(&mb, 3, 0, ACTOR_OVERFLOW_REJECT, 0), 0);
    for (uint64_t i = 1; i <= 3; i++)
        ACTOR_ASSERT_RC(push(&mb, 128, i, NULL), 0);
    ACTOR_ASSERT_RC(push(&mb, 255, 4, NULL), ACTOR_EFULL);
    ACTOR_ASSERT_RC(push(&mb, 0, 5, NULL), ACTOR_EFULL);
    ACTOR_ASSERT_INT(mb.overflows, 2);
    ACTOR_ASSERT_INT(mb.rejected, 2);
    ACTOR_ASSERT_INT(mb.dropped, 0);
    ACTOR_ASSERT_INT(pop_id(&mb), 1);
    ACTOR_ASSERT_RC(push(&mb, 128, 6, NULL), 0);
    ACTOR_ASSERT_INT(actor__mailbox_user_depth(&mb), 3);
    actor__mailbox_fini(&mb);
}

ACTOR_TEST(overflow_drop_oldest_lowest)
{
    actor__mailbox mb;
    actor__msg *dropped = NULL;

    ACTOR_ASSERT_RC(actor__mailbox_init(&mb, 3, 0, ACTOR_OVERFLOW_DROP_OLDEST, 0), 0);
    ACTOR_ASSERT_RC(push(&mb, 200, 1, NULL), 0);
    ACTOR_ASSERT_RC(push(&mb, 50, 2, NULL), 0);
    ACTOR_ASSERT_RC(push(&mb, 50, 3, NULL), 0);
    /* full: the oldest of the lowest lane (2) makes room */
    ACTOR_ASSERT_RC(push(&mb, 128, 4, &dropped), 0);
    ACTOR_ASSERT(dropped != NULL);
    ACTOR_ASSERT_INT(dropped->id, 2);
    actor__msg_free(dropped);
    /* a newcomer lower than everything queued would itself be the victim:
     * it is refused (the caller keeps it and tells its sender), nothing is
     * dropped */
    {
        actor__msg *m = msg(ACTOR__MSG_CAST, 10, 5);
        ACTOR_ASSERT_RC(actor__mailbox_push(&mb, m, 0, &dropped), ACTOR_EFULL);
        ACTOR_ASSERT(dropped == NULL);
        actor__msg_free(m);
    }
    ACTOR_ASSERT_INT(mb.overflows, 2);
    ACTOR_ASSERT_INT(mb.dropped, 1);
    ACTOR_ASSERT_INT(mb.rejected, 1);
    ACTOR_ASSERT_INT(pop_id(&mb), 1);
    ACTOR_ASSERT_INT(pop_id(&mb), 4);
    ACTOR_ASSERT_INT(pop_id(&mb), 3);
    actor__mailbox_fini(&mb);
}

ACTOR_TEST(overflow_block_waitlist_admits_in_order)
{
    actor__mailbox mb;
    actor__msg *dropped;

    ACTOR_ASSERT_RC(actor__mailbox_init(&mb, 2, 0, ACTOR_OVERFLOW_BLOCK, 0), 0);
    ACTOR_ASSERT_RC(push(&mb, 128, 1, NULL), 0);
    ACTOR_ASSERT_RC(push(&mb, 128, 2, NULL), 0);
    /* a plain thread's push fails (it waits itself); a worker's waits in line */
    ACTOR_ASSERT_RC(push(&mb, 128, 3, NULL), ACTOR_EFULL);
    for (uint64_t i = 4; i <= 5; i++) {
        actor__msg *m = msg(ACTOR__MSG_CAST, 255, i);
        ACTOR_ASSERT_RC(actor__mailbox_push(&mb, m, ACTOR__PUSH_WAITLIST, &dropped), 0);
    }
    /* the waiting line holds at most `capacity` (2): the next is refused */
    {
        actor__msg *m = msg(ACTOR__MSG_CAST, 1, 6);
        ACTOR_ASSERT_RC(actor__mailbox_push(&mb, m, ACTOR__PUSH_WAITLIST, &dropped), ACTOR_EFULL);
        actor__msg_free(m);
    }
    ACTOR_ASSERT_INT(mb.overflows, 4);
    ACTOR_ASSERT_INT(mb.rejected, 1);
    ACTOR_ASSERT_INT(actor__mailbox_user_depth(&mb), 4);
    ACTOR_ASSERT_INT(pop_id(&mb), 1); /* admits 4 */
    /* a retry of a blocked sender is not counted again */
    ACTOR_ASSERT_RC(actor__mailbox_push(&mb, msg(ACTOR__MSG_CAST, 1, 6),
                                        ACTOR__PUSH_WAITLIST | ACTOR__PUSH_RETRY, &dropped),
                    0);
    ACTOR_ASSERT_INT(mb.overflows, 4);
    ACTOR_ASSERT_INT(pop_id(&mb), 4); /* admits 5 */
    ACTOR_ASSERT_INT(pop_id(&mb), 5); /* admits 6 */
    ACTOR_ASSERT_INT(pop_id(&mb), 2);
    ACTOR_ASSERT_INT(pop_id(&mb), 6);
    ACTOR_ASSERT_INT(pop_id(&mb), 0);
    actor__mailbox_fini(&mb);
}

/* Odd ids: the messages take_newest may take. */
static bool odd_id(void *arg, const actor__msg *m)
{
    (void)arg;
    return m->id % 2 == 1;
}

static void sum_ids(void *arg, const actor__msg *m)
{
    *(uint64_t *)arg += m->id;
}

/* each sees the lanes and the waiting line; take_newest takes the newest
 * match from either (the line first: it arrived last), gives its room
 * back, and leaves the rest in order. */
ACTOR_TEST(take_newest_from_lanes_and_waiting_line)
{
    actor__mailbox mb;
    actor__msg *dropped, *m;
    uint64_t sum = 0;

    ACTOR_ASSERT_RC(actor__mailbox_init(&mb, 3, 0, ACTOR_OVERFLOW_BLOCK, 0), 0);
    ACTOR_ASSERT_RC(push(&mb, 128, 1, NULL), 0);
    ACTOR_ASSERT_RC(push(&mb, 200, 3, NULL), 0);
    ACTOR_ASSERT_RC(push(&mb, 128, 2, NULL), 0);
    for (uint64_t i = 4; i <= 5; i++)
        ACTOR_ASSERT_RC(actor__mailbox_push(&mb, msg(ACTOR__MSG_CAST, 128, i),
                                            ACTOR__PUSH_WAITLIST, &dropped),
                        0);
    actor__mailbox_each(&mb, sum_ids, &sum);
    ACTOR_ASSERT_INT(sum, 15);
    m = actor__mailbox_take_newest(&mb, odd_id, NULL); /* 5, from the line */
    ACTOR_ASSERT_INT(m->id, 5);
    actor__msg_free(m);
    m = actor__mailbox_take_newest(&mb, odd_id, NULL); /* 3, from the top lane */
    ACTOR_ASSERT_INT(m->id, 3);
    actor__msg_free(m);
    ACTOR_ASSERT_INT(actor__mailbox_user_depth(&mb), 3);
    ACTOR_ASSERT_RC(push(&mb, 128, 6, NULL), ACTOR_EFULL); /* 4 waits: it goes first */
    ACTOR_ASSERT_INT(pop_id(&mb), 1); /* room: admits 4 */
    ACTOR_ASSERT_INT(pop_id(&mb), 2);
    ACTOR_ASSERT_INT(pop_id(&mb), 4);
    ACTOR_ASSERT(actor__mailbox_take_newest(&mb, odd_id, NULL) == NULL);
    ACTOR_ASSERT_RC(push(&mb, 128, 7, NULL), 0);
    ACTOR_ASSERT_RC(push(&mb, 128, 8, NULL), 0);
    m = actor__mailbox_take_newest(&mb, odd_id, NULL); /* the head of its lane */
    ACTOR_ASSERT_INT(m->id, 7);
    actor__msg_free(m);
    ACTOR_ASSERT_INT(pop_id(&mb), 8);
    ACTOR_ASSERT_INT(pop_id(&mb), 0);
    actor__mailbox_fini(&mb);
}

ACTOR_TEST(waiting_line_gives_up_expired_messages)
{
    actor__mailbox mb;
    actor__msg *dropped, *list, *m;
    int64_t next;
    uint64_t ids[3] = {0};
    int n = 0;

    ACTOR_ASSERT_RC(actor__mailbox_init(&mb, 1, 0, ACTOR_OVERFLOW_BLOCK, 0), 0);
    ACTOR_ASSERT_RC(push(&mb, 128, 1, NULL), 0);
    m = msg(ACTOR__MSG_CAST, 128, 2);
    m->deadline = 100;
    ACTOR_ASSERT_RC(actor__mailbox_push(&mb, m, ACTOR__PUSH_WAITLIST, &dropped), 0);
    ACTOR_ASSERT_INT(actor__mailbox_user_depth(&mb), 2);
    /* nothing due yet: the earliest deadline is reported */
    ACTOR_ASSERT(actor__mailbox_take_expired(&mb, 99, &next) == NULL);
    ACTOR_ASSERT_INT(next, 100);
    list = actor__mailbox_take_expired(&mb, 100, &next);
    ACTOR_ASSERT_INT(next, 0);
    for (actor__msg *x = list; x != NULL; x = m) {
        m = x->next;
        ids[n++] = x->id;
        actor__msg_free(x);
    }
    ACTOR_ASSERT_INT(n, 1);
    ACTOR_ASSERT_INT(ids[0], 2);
    ACTOR_ASSERT_INT(actor__mailbox_user_depth(&mb), 1);
    /* the line is usable again */
    m = msg(ACTOR__MSG_CAST, 128, 3);
    ACTOR_ASSERT_RC(actor__mailbox_push(&mb, m, ACTOR__PUSH_WAITLIST, &dropped), 0);
    ACTOR_ASSERT_INT(pop_id(&mb), 1);
    ACTOR_ASSERT_INT(pop_id(&mb), 3);
    actor__mailbox_fini(&mb);
}

ACTOR_TEST(take_all_returns_everything)
{
    actor__mailbox mb;
    actor__msg *dropped, *list;
    int n = 0;

    ACTOR_ASSERT_RC(actor__mailbox_init(&mb, 2, 0, ACTOR_OVERFLOW_BLOCK, 0), 0);
    ACTOR_ASSERT_RC(push(&mb, 1, 1, NULL), 0);
    ACTOR_ASSERT_RC(push(&mb, 9, 2, NULL), 0);
    ACTOR_ASSERT_RC(
        actor__mailbox_push(&mb, msg(ACTOR__MSG_CAST, 5, 3), ACTOR__PUSH_WAITLIST, &dropped), 0);
    ACTOR_ASSERT_RC(actor__mailbox_push(&mb, msg(ACTOR__MSG_TIMEOUT, 5, 4), 0, &dropped), 0);
    list = actor__mailbox_take_all(&mb);
    while (list != NULL) {
        actor__msg *next = list->next;
        n++;
        actor__msg_free(list);
        list = next;
    }
    ACTOR_ASSERT_INT(n, 4);
    ACTOR_ASSERT_INT(actor__mailbox_user_depth(&mb), 0);
    ACTOR_ASSERT(actor__mailbox_pop(&mb, true) == NULL);
    actor__mailbox_fini(&mb);
}

ACTOR_TEST(fini_frees_queued_messages)
{
    actor__mailbox mb;

    ACTOR_ASSERT_RC(actor__mailbox_init(&mb, 10, 0, ACTOR_OVERFLOW_REJECT, 0), 0);
    for (uint64_t i = 1; i <= 5; i++)
        ACTOR_ASSERT_RC(push(&mb, (int)i, i, NULL), 0);
    actor__mailbox_fini(&mb); /* LeakSanitizer checks the rest */
}

/* ============================================================ byte bound */

/* A user cast with a body of `len` bytes. */
static actor__msg *sized(int priority, uint64_t id, size_t len)
{
    static const char zeros[256];
    actor__msg *m = actor__msg_new(ACTOR__MSG_CAST, zeros, len);

    if (m != NULL) {
        m->priority = (uint8_t)priority;
        m->id = id;
    }
    return m;
}

static int push_sized(actor__mailbox *mb, int priority, uint64_t id, size_t len, unsigned flags,
                      actor__msg **dropped)
{
    actor__msg *m = sized(priority, id, len);
    actor__msg *ignored;
    int rc = actor__mailbox_push(mb, m, flags, dropped != NULL ? dropped : &ignored);

    if (rc != 0)
        actor__msg_free(m);
    return rc;
}

static void free_list(actor__msg *list)
{
    while (list != NULL) {
        actor__msg *next = list->next;
        actor__msg_free(list);
        list = next;
    }
}

ACTOR_TEST(default_byte_bound)
{
    actor__mailbox mb;

    ACTOR_ASSERT_RC(actor__mailbox_init(&mb, 0, 0, ACTOR_OVERFLOW_REJECT, 0), 0);
    ACTOR_ASSERT_INT(mb.max_bytes, ACTOR_MAILBOX_DEFAULT_MAX_BYTES);
    actor__mailbox_fini(&mb);
}

ACTOR_TEST(reject_by_bytes)
{
    actor__mailbox mb;

    ACTOR_ASSERT_RC(actor__mailbox_init(&mb, 100, 100, ACTOR_OVERFLOW_REJECT, 0), 0);
    ACTOR_ASSERT_RC(push_sized(&mb, 128, 1, 60, 0, NULL), 0);
    ACTOR_ASSERT_RC(push_sized(&mb, 128, 2, 40, 0, NULL), 0); /* exactly the bound */
    ACTOR_ASSERT_INT(actor__mailbox_user_bytes(&mb), 100);
    ACTOR_ASSERT_RC(push_sized(&mb, 128, 3, 1, 0, NULL), ACTOR_EFULL);
    ACTOR_ASSERT_RC(push_sized(&mb, 128, 4, 0, 0, NULL), 0); /* an empty body fits */
    ACTOR_ASSERT_INT(mb.overflows, 1);
    ACTOR_ASSERT_INT(mb.rejected, 1);
    ACTOR_ASSERT_INT(pop_id(&mb), 1);
    ACTOR_ASSERT_INT(actor__mailbox_user_bytes(&mb), 40);
    ACTOR_ASSERT_RC(push_sized(&mb, 128, 5, 60, 0, NULL), 0);
    ACTOR_ASSERT_INT(actor__mailbox_user_depth(&mb), 3);
    actor__mailbox_fini(&mb);
}

ACTOR_TEST(too_big_refused_under_every_policy)
{
    static const actor_overflow policies[] = {ACTOR_OVERFLOW_BLOCK, ACTOR_OVERFLOW_REJECT,
                                              ACTOR_OVERFLOW_DROP_OLDEST};

    for (size_t i = 0; i < 3; i++) {
        actor__mailbox mb;
        actor__msg *dropped = NULL;

        ACTOR_ASSERT_RC(actor__mailbox_init(&mb, 10, 50, policies[i], 0), 0);
        ACTOR_ASSERT_RC(push_sized(&mb, 1, 1, 10, 0, NULL), 0);
        /* even into an empty-enough mailbox, and even with a waiting line */
        ACTOR_ASSERT_RC(push_sized(&mb, 255, 2, 51, ACTOR__PUSH_WAITLIST, &dropped), ACTOR_EFULL);
        ACTOR_ASSERT(dropped == NULL);
        {
            actor__msg *m = sized(255, 3, 51);
            ACTOR_ASSERT(actor__mailbox_too_big(&mb, m));
            actor__msg_free(m);
        }
        ACTOR_ASSERT_INT(mb.rejected, 1);
        ACTOR_ASSERT_INT(mb.dropped, 0);
        ACTOR_ASSERT_INT(actor__mailbox_user_depth(&mb), 1);
        ACTOR_ASSERT_INT(actor__mailbox_user_bytes(&mb), 10);
        actor__mailbox_fini(&mb);
    }
}

ACTOR_TEST(drop_oldest_by_bytes_drops_until_it_fits)
{
    actor__mailbox mb;
    actor__msg *dropped = NULL;

    ACTOR_ASSERT_RC(actor__mailbox_init(&mb, 100, 100, ACTOR_OVERFLOW_DROP_OLDEST, 0), 0);
    ACTOR_ASSERT_RC(push_sized(&mb, 10, 1, 20, 0, NULL), 0);
    ACTOR_ASSERT_RC(push_sized(&mb, 200, 2, 20, 0, NULL), 0);
    ACTOR_ASSERT_RC(push_sized(&mb, 10, 3, 20, 0, NULL), 0);
    ACTOR_ASSERT_RC(push_sized(&mb, 50, 4, 30, 0, NULL), 0); /* 90 bytes */
    /* 60 more: 1 and 3 (lane 10, oldest first) make 40 bytes of room, not
     * enough; then 4 (lane 50) */
    ACTOR_ASSERT_RC(push_sized(&mb, 128, 5, 60, 0, &dropped), 0);
    ACTOR_ASSERT(dropped != NULL && dropped->next != NULL && dropped->next->next != NULL);
    ACTOR_ASSERT_INT(dropped->id, 1);
    ACTOR_ASSERT_INT(dropped->next->id, 3);
    ACTOR_ASSERT_INT(dropped->next->next->id, 4);
    ACTOR_ASSERT(dropped->next->next->next == NULL);
    free_list(dropped);
    dropped = NULL;
    ACTOR_ASSERT_INT(mb.dropped, 3);
    ACTOR_ASSERT_INT(actor__mailbox_user_bytes(&mb), 80);
    /* a newcomer that could only fit by dropping a higher lane (2, at 200)
     * would be a victim itself: refused, nothing dropped */
    ACTOR_ASSERT_RC(push_sized(&mb, 128, 6, 85, 0, &dropped), ACTOR_EFULL);
    ACTOR_ASSERT(dropped == NULL);
    ACTOR_ASSERT_INT(mb.rejected, 1);
    /* the same size at the top priority may drop 5 (lane 128) */
    ACTOR_ASSERT_RC(push_sized(&mb, 255, 7, 60, 0, &dropped), 0);
    ACTOR_ASSERT(dropped != NULL && dropped->id == 5 && dropped->next == NULL);
    free_list(dropped);
    ACTOR_ASSERT_INT(pop_id(&mb), 7);
    ACTOR_ASSERT_INT(pop_id(&mb), 2);
    ACTOR_ASSERT_INT(pop_id(&mb), 0);
    ACTOR_ASSERT_INT(actor__mailbox_user_bytes(&mb), 0);
    actor__mailbox_fini(&mb);
}

ACTOR_TEST(block_by_bytes_waiting_line_bounded_by_bytes)
{
    actor__mailbox mb;
    actor__msg *dropped;

    ACTOR_ASSERT_RC(actor__mailbox_init(&mb, 100, 100, ACTOR_OVERFLOW_BLOCK, 0), 0);
    ACTOR_ASSERT_RC(push_sized(&mb, 128, 1, 80, 0, NULL), 0);
    /* a plain thread must wait (not counted rejected) */
    ACTOR_ASSERT_RC(push_sized(&mb, 128, 2, 30, 0, NULL), ACTOR_EFULL);
    ACTOR_ASSERT_INT(mb.rejected, 0);
    /* the waiting line takes up to 100 bytes */
    ACTOR_ASSERT_RC(push_sized(&mb, 128, 3, 60, ACTOR__PUSH_WAITLIST, &dropped), 0);
    ACTOR_ASSERT_RC(push_sized(&mb, 128, 4, 40, ACTOR__PUSH_WAITLIST, &dropped), 0);
    ACTOR_ASSERT_RC(push_sized(&mb, 128, 5, 1, ACTOR__PUSH_WAITLIST, &dropped), ACTOR_EFULL);
    ACTOR_ASSERT_INT(mb.rejected, 1);
    ACTOR_ASSERT_INT(actor__mailbox_user_bytes(&mb), 180);
    ACTOR_ASSERT_INT(actor__mailbox_user_depth(&mb), 3);
    /* popping 1 admits 3 and 4 (100 bytes) */
    ACTOR_ASSERT_INT(pop_id(&mb), 1);
    ACTOR_ASSERT_INT(mb.waiting.n, 0);
    ACTOR_ASSERT_INT(mb.bytes, 100);
    ACTOR_ASSERT_INT(pop_id(&mb), 3);
    ACTOR_ASSERT_INT(pop_id(&mb), 4);
    ACTOR_ASSERT_INT(actor__mailbox_user_bytes(&mb), 0);
    actor__mailbox_fini(&mb);
}

ACTOR_TEST(waiting_bytes_follow_expiry_and_take_all)
{
    actor__mailbox mb;
    actor__msg *dropped, *m;
    int64_t next;

    ACTOR_ASSERT_RC(actor__mailbox_init(&mb, 100, 10, ACTOR_OVERFLOW_BLOCK, 0), 0);
    ACTOR_ASSERT_RC(push_sized(&mb, 128, 1, 10, 0, NULL), 0);
    m = sized(128, 2, 7);
    m->deadline = 100;
    ACTOR_ASSERT_RC(actor__mailbox_push(&mb, m, ACTOR__PUSH_WAITLIST, &dropped), 0);
    ACTOR_ASSERT_RC(push_sized(&mb, 128, 3, 3, ACTOR__PUSH_WAITLIST, &dropped), 0);
    ACTOR_ASSERT_INT(actor__mailbox_user_bytes(&mb), 20);
    free_list(actor__mailbox_take_expired(&mb, 100, &next));
    ACTOR_ASSERT_INT(mb.waiting.bytes, 3);
    free_list(actor__mailbox_take_all(&mb));
    ACTOR_ASSERT_INT(actor__mailbox_user_bytes(&mb), 0);
    actor__mailbox_fini(&mb);
}

int main(void)
{
    ACTOR_TEST_RUN(message_is_one_allocation_with_body_copy);
    ACTOR_TEST_RUN(higher_priority_first_fifo_within);
    ACTOR_TEST_RUN(fifo_over_many_priorities);
    ACTOR_TEST_RUN(low_priority_not_starved);
    ACTOR_TEST_RUN(starvation_takes_oldest_of_lower_lanes);
    ACTOR_TEST_RUN(system_lane_first_and_unbounded);
    ACTOR_TEST_RUN(overflow_reject_counts);
    ACTOR_TEST_RUN(overflow_drop_oldest_lowest);
    ACTOR_TEST_RUN(overflow_block_waitlist_admits_in_order);
    ACTOR_TEST_RUN(take_newest_from_lanes_and_waiting_line);
    ACTOR_TEST_RUN(waiting_line_gives_up_expired_messages);
    ACTOR_TEST_RUN(take_all_returns_everything);
    ACTOR_TEST_RUN(fini_frees_queued_messages);
    ACTOR_TEST_RUN(default_byte_bound);
    ACTOR_TEST_RUN(reject_by_bytes);
    ACTOR_TEST_RUN(too_big_refused_under_every_policy);
    ACTOR_TEST_RUN(drop_oldest_by_bytes_drops_until_it_fits);
    ACTOR_TEST_RUN(block_by_bytes_waiting_line_bounded_by_bytes);
    ACTOR_TEST_RUN(waiting_bytes_follow_expiry_and_take_all);
    return actor_test_summary();
}
