/*
 * mailbox.c - messages and the bounded, priority-ordered mailbox.
 *
 * A message is one allocation: header, optional status, body; small ones
 * in a block of the sending thread's pool (blocks.c). A mailbox keeps
 * only its non-empty priority lanes, in a small array sorted by ascending
 * priority (usually one to three lanes), so an actor costs little memory no
 * matter how many of the 256 priorities it sees. Popping takes the head of
 * the highest lane, except that after `starvation_limit` consecutive pops
 * from the top while lower lanes wait, the oldest message of the lower lanes
 * is taken (docs/RUNTIME.md, "Messages and mailboxes").
 *
 * Senders do not take the actor's lock when a message needs no decision:
 * they reserve room in `admitted` with one compare-and-swap and push the
 * message onto the inbox, a lock-free stack; whoever holds the lock (the
 * worker before each batch of pops, or a sender on the locked path) moves
 * it into the lanes. A full mailbox, a waiting line, a closed inbox (the
 * actor terminating) take the locked path, which drains the inbox first so
 * that one sender's messages stay in order.
 */
#include <stdlib.h>
#include <stddef.h>
#include <string.h>

#include "core/actor_internal.h"

/* =============================================================== messages */

_Static_assert(sizeof(actor__msg) == 88, "a header and a small body in two cache lines");
_Static_assert(ACTOR__POOL_BLOCK % 64 == 0, "pool blocks are cache-line aligned");

static bool kind_has_status(actor__msg_kind kind)
{
    return kind == ACTOR__MSG_REPLY || kind == ACTOR__MSG_TIMEOUT;
}

/* A message with room for `extra` bytes after the body's NUL. */
static actor__msg *msg_alloc(actor__blocks *pool, actor__msg_kind kind, const char *body,
                             size_t len, size_t extra)
{
    size_t status_size = kind_has_status(kind) ? sizeof(actor_status) : 0;
    actor__msg *m;

    if (len > SIZE_MAX - sizeof(*m) - status_size - 1 - extra)
        return NULL;
    if (pool != NULL && sizeof(*m) + status_size + len + 1 + extra <= ACTOR__POOL_BLOCK) {
        m = actor__blocks_alloc(pool);
    } else {
        pool = NULL;
        m = malloc(sizeof(*m) + status_size + len + 1 + extra);
    }
    if (m == NULL)
        return NULL;
    memset(m, 0, sizeof(*m));
    m->pool = pool;
    m->kind = (uint8_t)kind;
    m->priority = ACTOR_PRIORITY_DEFAULT_VALUE;
    if (status_size != 0) /* OK with an empty message, until the sender says otherwise */
        memset(actor__msg_status(m), 0, offsetof(actor_status, message) + 1);
    m->body = (char *)(m + 1) + status_size;
    m->len = len;
    if (len != 0)
        memcpy(m->body, body, len);
    m->body[len] = '\0';
    return m;
}

actor__msg *actor__msg_new_in(actor__blocks *pool, actor__msg_kind kind, const char *body,
                              size_t len)
{
    return msg_alloc(pool, kind, body, len, 0);
}

actor__msg *actor__msg_new_framed(actor__blocks *pool, actor__msg_kind kind, const char *body,
                                  size_t len, actor_oob_frames *frames)
{
    actor__msg *m = msg_alloc(pool, kind, body, len, sizeof frames);

    if (m == NULL) {
        actor__oob_release(frames);
        return NULL;
    }
    memcpy(m->body + len + 1, &frames, sizeof frames);
    m->has_frames = true;
    return m;
}

actor__msg *actor__msg_new(actor__msg_kind kind, const char *body, size_t len)
{
    return actor__msg_new_in(NULL, kind, body, len);
}

void actor__msg_free(actor__msg *m)
{
    if (m != NULL && m->has_frames)
        actor__oob_release(actor__msg_frames(m));
    if (m != NULL && m->pool != NULL)
        actor__blocks_free(m->pool, m);
    else
        free(m);
}

bool actor__msg_is_user(const actor__msg *m)
{
    return m->kind == ACTOR__MSG_REQUEST || m->kind == ACTOR__MSG_CAST;
}

/* ================================================================== fifos */

static void fifo_push(actor__fifo *q, actor__msg *m)
{
    m->next = NULL;
    if (q->tail != NULL)
        q->tail->next = m;
    else
        q->head = m;
    q->tail = m;
    q->n++;
    q->bytes += actor__msg_bytes(m);
}

static actor__msg *fifo_pop(actor__fifo *q)
{
    actor__msg *m = q->head;

    if (m == NULL)
        return NULL;
    q->head = m->next;
    if (q->head == NULL)
        q->tail = NULL;
    q->n--;
    q->bytes -= actor__msg_bytes(m);
    m->next = NULL;
    return m;
}

/* Takes m, which follows prev (NULL: m is the head), out of q. */
static void fifo_unlink(actor__fifo *q, actor__msg *m, actor__msg *prev)
{
    if (prev != NULL)
        prev->next = m->next;
    else
        q->head = m->next;
    if (q->tail == m)
        q->tail = prev;
    q->n--;
    q->bytes -= actor__msg_bytes(m);
    m->next = NULL;
}

/* Appends the whole of q to the list ending at *tail; empties q. */
static void fifo_splice(actor__fifo *q, actor__msg ***tail)
{
    if (q->head == NULL)
        return;
    **tail = q->head;
    *tail = &q->tail->next;
    q->head = q->tail = NULL;
    q->n = 0;
    q->bytes = 0;
}

/* ================================================================== lanes */

/* `admitted` for `count` messages of `bytes` body bytes (or its change). */
static uint64_t admit_word(size_t count, size_t bytes)
{
    return ((uint64_t)count << ACTOR__ADMIT_SHIFT) + bytes;
}

int actor__mailbox_init(actor__mailbox *mb, uint32_t capacity, size_t max_bytes,
                        actor_overflow overflow, uint32_t starvation_limit)
{
    memset(mb, 0, sizeof(*mb));
    mb->capacity = capacity != 0 ? capacity : ACTOR_MAILBOX_DEFAULT_CAPACITY;
    mb->max_bytes = max_bytes != 0 ? max_bytes : ACTOR_MAILBOX_DEFAULT_MAX_BYTES;
    if (mb->capacity > ACTOR__MAILBOX_MAX_CAPACITY)
        mb->capacity = ACTOR__MAILBOX_MAX_CAPACITY;
    if (mb->max_bytes > ACTOR__MAILBOX_MAX_BYTES)
        mb->max_bytes = ACTOR__MAILBOX_MAX_BYTES;
    mb->overflow = overflow;
    mb->starvation_limit =
        starvation_limit != 0 ? starvation_limit : ACTOR_STARVATION_DEFAULT_LIMIT;
    mb->cap_lanes = 4;
    mb->lanes = calloc(mb->cap_lanes, sizeof(*mb->lanes));
    return mb->lanes != NULL ? 0 : ACTOR_ENOMEM;
}

void actor__mailbox_fini(actor__mailbox *mb)
{
    actor__msg *m = actor__mailbox_take_all(mb);

    while (m != NULL) {
        actor__msg *next = m->next;
        actor__msg_free(m);
        m = next;
    }
    free(mb->lanes);
    mb->lanes = NULL;
}

/* The index of the lane for `priority`, or where it would be inserted. */
static size_t lane_search(const actor__mailbox *mb, uint32_t priority)
{
    size_t lo = 0, hi = mb->n_lanes;

    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (mb->lanes[mid].priority < priority)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

/* The lane for `priority`, created (empty) if missing; NULL: out of memory. */
static actor__lane *lane_get(actor__mailbox *mb, uint32_t priority)
{
    size_t i = lane_search(mb, priority);

    if (i < mb->n_lanes && mb->lanes[i].priority == priority)
        return &mb->lanes[i];
    if (mb->n_lanes == mb->cap_lanes) {
        size_t cap = mb->cap_lanes * 2;
        actor__lane *lanes = realloc(mb->lanes, cap * sizeof(*lanes));
        if (lanes == NULL)
            return NULL;
        mb->lanes = lanes;
        mb->cap_lanes = cap;
    }
    memmove(&mb->lanes[i + 1], &mb->lanes[i], (mb->n_lanes - i) * sizeof(*mb->lanes));
    mb->n_lanes++;
    memset(&mb->lanes[i], 0, sizeof(mb->lanes[i]));
    mb->lanes[i].priority = priority;
    return &mb->lanes[i];
}

/* Takes m (after prev, NULL: the head) out of lane i, removing the lane
 * when it empties. */
static actor__msg *lane_take(actor__mailbox *mb, size_t i, actor__msg *m, actor__msg *prev)
{
    fifo_unlink(&mb->lanes[i].q, m, prev);
    if (mb->lanes[i].q.n == 0) {
        memmove(&mb->lanes[i], &mb->lanes[i + 1], (mb->n_lanes - i - 1) * sizeof(*mb->lanes));
        mb->n_lanes--;
    }
    mb->count--;
    mb->bytes -= actor__msg_bytes(m);
    /* out of `admitted` by the batch (flush_released) */
    atomic_store_explicit(&mb->released,
                          atomic_load_explicit(&mb->released, memory_order_relaxed) + 1,
                          memory_order_relaxed);
    mb->released_bytes += actor__msg_bytes(m);
    return m;
}

/* Pops the head of lane i. */
static actor__msg *lane_pop(actor__mailbox *mb, size_t i)
{
    return lane_take(mb, i, mb->lanes[i].q.head, NULL);
}

/* Gives the room of the messages popped since the last call back to
 * `admitted`. */
static void flush_released(actor__mailbox *mb)
{
    size_t released = atomic_load_explicit(&mb->released, memory_order_relaxed);

    if (released == 0)
        return;
    atomic_fetch_sub_explicit(&mb->admitted, admit_word(released, mb->released_bytes),
                              memory_order_relaxed);
    atomic_store_explicit(&mb->released, 0, memory_order_relaxed);
    mb->released_bytes = 0;
}

static int lane_insert(actor__mailbox *mb, actor__msg *m)
{
    actor__lane *lane = lane_get(mb, m->priority);

    if (lane == NULL)
        return ACTOR_ENOMEM;
    m->seq = ++mb->seq;
    fifo_push(&lane->q, m);
    mb->count++;
    mb->bytes += actor__msg_bytes(m);
    return 0;
}

/* The lane below the top whose head arrived first. n_lanes >= 2. */
static size_t oldest_lower_lane(const actor__mailbox *mb)
{
    size_t best = 0;

    for (size_t i = 1; i + 1 < mb->n_lanes; i++)
        if (mb->lanes[i].q.head->seq < mb->lanes[best].q.head->seq)
            best = i;
    return best;
}

/* ================================================================ push/pop */

/* Whether `count` messages of `bytes` body bytes leave room for a body of
 * `len` bytes (unpop may have put back more than the bounds). */
static bool room_for(const actor__mailbox *mb, size_t count, size_t bytes, size_t len)
{
    return count < mb->capacity && bytes <= mb->max_bytes && len <= mb->max_bytes - bytes;
}

/* Reserves room for `count` user messages of `bytes` body bytes in all in
 * `admitted`; false when they do not all fit. Any thread. */
static bool reserve(actor__mailbox *mb, size_t count, size_t bytes)
{
    uint64_t w = atomic_load_explicit(&mb->admitted, memory_order_relaxed);
    const uint64_t bytes_mask = ((uint64_t)1 << ACTOR__ADMIT_SHIFT) - 1;

    do {
        size_t have = (size_t)(w >> ACTOR__ADMIT_SHIFT);
        if (count > mb->capacity - (have < mb->capacity ? have : mb->capacity) ||
            !room_for(mb, have, (size_t)(w & bytes_mask), bytes))
            return false;
    } while (!atomic_compare_exchange_weak_explicit(&mb->admitted, &w, w + admit_word(count, bytes),
                                                    memory_order_relaxed, memory_order_relaxed));
    return true;
}

static void unreserve(actor__mailbox *mb, size_t count, size_t bytes)
{
    atomic_fetch_sub_explicit(&mb->admitted, admit_word(count, bytes), memory_order_relaxed);
}

/* The user messages in the lanes and the inbox (lock held). */
static size_t admitted_count(const actor__mailbox *mb)
{
    uint64_t w = atomic_load_explicit(&mb->admitted, memory_order_relaxed);

    return (size_t)(w >> ACTOR__ADMIT_SHIFT) -
           atomic_load_explicit(&mb->released, memory_order_relaxed);
}

static size_t admitted_bytes(const actor__mailbox *mb)
{
    uint64_t w = atomic_load_explicit(&mb->admitted, memory_order_relaxed);

    return (size_t)(w & (((uint64_t)1 << ACTOR__ADMIT_SHIFT) - 1)) - mb->released_bytes;
}

static void waiting_changed(actor__mailbox *mb)
{
    atomic_store_explicit(&mb->waiting_any, mb->waiting.n != 0, memory_order_relaxed);
}

bool actor__mailbox_too_big(const actor__mailbox *mb, const actor__msg *m)
{
    return actor__msg_is_user(m) && actor__msg_bytes(m) > mb->max_bytes;
}

/* Whether m, once queued, would itself be a drop_oldest victim: dropping
 * the oldest lowest-priority messages until m fits would reach m (its own
 * lane's older messages go first, then m, before any higher lane). So room
 * must come from the lanes of priority <= m's. */
static bool newcomer_is_victim(const actor__mailbox *mb, const actor__msg *m)
{
    size_t count = admitted_count(mb), bytes = admitted_bytes(mb);

    for (size_t i = 0; i < mb->n_lanes && mb->lanes[i].priority <= m->priority; i++) {
        count -= mb->lanes[i].q.n;
        bytes -= mb->lanes[i].q.bytes;
    }
    return !room_for(mb, count, bytes, actor__msg_bytes(m));
}

/* Queues m in the lanes once its room is reserved. */
static int lane_insert_reserved(actor__mailbox *mb, actor__msg *m)
{
    int rc = lane_insert(mb, m);

    if (rc != 0)
        unreserve(mb, 1, actor__msg_bytes(m));
    return rc;
}

/* drop_oldest: removes the oldest lowest-priority messages until m fits
 * (newcomer_is_victim was false) and queues m. Senders pushing to the
 * inbox meanwhile may take the room made: then m is refused once no lane
 * of its priority or lower is left. */
static int drop_until_room(actor__mailbox *mb, actor__msg *m, actor__msg **dropped)
{
    actor__msg **tail = dropped;

    while (!reserve(mb, 1, actor__msg_bytes(m))) {
        if (mb->n_lanes == 0 || mb->lanes[0].priority > m->priority) {
            mb->rejected++;
            return ACTOR_EFULL;
        }
        *tail = lane_pop(mb, 0);
        tail = &(*tail)->next;
        mb->dropped++;
        flush_released(mb);
    }
    return lane_insert_reserved(mb, m);
}

/* Whether the waiting line has room for m (it is bounded as the lanes are). */
static bool waiting_room_for(const actor__mailbox *mb, const actor__msg *m)
{
    return room_for(mb, mb->waiting.n, mb->waiting.bytes, actor__msg_bytes(m));
}

static int push_full(actor__mailbox *mb, actor__msg *m, unsigned flags, actor__msg **dropped)
{
    if (!(flags & ACTOR__PUSH_RETRY))
        mb->overflows++;
    if (actor__mailbox_too_big(mb, m))
        goto refuse; /* never fits, under any policy: the sender must not wait */
    switch (mb->overflow) {
    case ACTOR_OVERFLOW_DROP_OLDEST:
        if (newcomer_is_victim(mb, m))
            break; /* refused like `reject`: the sender is told, nothing is dropped */
        return drop_until_room(mb, m, dropped);
    case ACTOR_OVERFLOW_BLOCK:
        if ((flags & ACTOR__PUSH_WAITLIST) && waiting_room_for(mb, m)) {
            m->seq = ++mb->seq;
            fifo_push(&mb->waiting, m);
            waiting_changed(mb);
            return 0;
        }
        if (!(flags & ACTOR__PUSH_WAITLIST))
            return ACTOR_EFULL; /* a plain thread waits for room and counts it itself */
        break;                  /* the waiting line is full too */
    case ACTOR_OVERFLOW_REJECT:
    default:
        break;
    }
refuse:
    mb->rejected++;
    return ACTOR_EFULL;
}

int actor__mailbox_push(actor__mailbox *mb, actor__msg *m, unsigned flags, actor__msg **dropped)
{
    *dropped = NULL;
    actor__mailbox_drain(mb); /* what a sender pushed before goes first */
    if (!actor__msg_is_user(m)) {
        fifo_push(&mb->system, m);
        return 0;
    }
    if (mb->waiting.n != 0 || actor__msg_bytes(m) > mb->max_bytes ||
        !reserve(mb, 1, actor__msg_bytes(m)))
        return push_full(mb, m, flags, dropped);
    return lane_insert_reserved(mb, m);
}

void actor__mailbox_each(const actor__mailbox *mb, actor__msg_visit_fn visit, void *arg)
{
    for (size_t i = 0; i < mb->n_lanes; i++)
        for (const actor__msg *m = mb->lanes[i].q.head; m != NULL; m = m->next)
            visit(arg, m);
    for (const actor__msg *m = mb->waiting.head; m != NULL; m = m->next)
        visit(arg, m);
}

/* The newest message of q that match() takes, after *best (NULL: any), as
 * *best and its predecessor *best_prev; whether it found one. */
static bool newest_in(const actor__fifo *q, actor__msg_match_fn match, void *arg, actor__msg **best,
                      actor__msg **best_prev)
{
    bool found = false;
    actor__msg *prev = NULL;

    for (actor__msg *m = q->head; m != NULL; prev = m, m = m->next)
        if ((*best == NULL || m->seq > (*best)->seq) && match(arg, m)) {
            *best = m;
            *best_prev = prev;
            found = true;
        }
    return found;
}

actor__msg *actor__mailbox_take_newest(actor__mailbox *mb, actor__msg_match_fn match, void *arg)
{
    actor__msg *best = NULL, *prev = NULL;
    size_t lane = 0;

    for (size_t i = 0; i < mb->n_lanes; i++)
        if (newest_in(&mb->lanes[i].q, match, arg, &best, &prev))
            lane = i;
    if (newest_in(&mb->waiting, match, arg, &best, &prev)) { /* arrived last */
        fifo_unlink(&mb->waiting, best, prev);
        waiting_changed(mb);
        return best;
    }
    if (best == NULL)
        return NULL;
    lane_take(mb, lane, best, prev);
    flush_released(mb);
    return best;
}

/* Moves blocked messages into the lanes while there is room. */
static void admit_waiting(actor__mailbox *mb)
{
    if (mb->waiting.n != 0)
        flush_released(mb);
    while (mb->waiting.n != 0 && reserve(mb, 1, actor__msg_bytes(mb->waiting.head))) {
        actor__msg *m = fifo_pop(&mb->waiting);
        if (lane_insert_reserved(mb, m) != 0) {
            /* no memory for a new lane: keep it waiting at the head */
            m->next = mb->waiting.head;
            mb->waiting.head = m;
            if (mb->waiting.tail == NULL)
                mb->waiting.tail = m;
            mb->waiting.n++;
            mb->waiting.bytes += actor__msg_bytes(m);
            break;
        }
    }
    waiting_changed(mb);
}

static actor__msg *pop_user(actor__mailbox *mb)
{
    actor__msg *m;

    if (mb->n_lanes == 0)
        return NULL;
    if (mb->n_lanes >= 2 && mb->streak >= mb->starvation_limit) {
        mb->streak = 0;
        m = lane_pop(mb, oldest_lower_lane(mb));
    } else {
        mb->streak = mb->n_lanes >= 2 ? mb->streak + 1 : 0;
        m = lane_pop(mb, mb->n_lanes - 1);
    }
    admit_waiting(mb);
    return m;
}

actor__msg *actor__mailbox_pop(actor__mailbox *mb, bool user)
{
    if (mb->system.n != 0)
        return fifo_pop(&mb->system);
    return user ? pop_user(mb) : NULL;
}

actor__msg *actor__mailbox_take_expired(actor__mailbox *mb, int64_t now, int64_t *next)
{
    actor__msg *expired = NULL, **tail = &expired, *keep = NULL, **keep_tail = &keep;
    actor__msg *m;

    *next = 0;
    mb->waiting.tail = NULL;
    mb->waiting.n = 0;
    mb->waiting.bytes = 0;
    for (m = mb->waiting.head; m != NULL; m = m->next) {
        if (m->deadline != 0 && m->deadline <= now) {
            *tail = m;
            tail = &m->next;
            continue;
        }
        *keep_tail = m;
        keep_tail = &m->next;
        mb->waiting.tail = m;
        mb->waiting.n++;
        mb->waiting.bytes += actor__msg_bytes(m);
        if (m->deadline != 0 && (*next == 0 || m->deadline < *next))
            *next = m->deadline;
    }
    *tail = NULL;
    *keep_tail = NULL;
    mb->waiting.head = keep;
    waiting_changed(mb);
    return expired;
}

/* Puts m back at the head of its lane (or of the system lane). */
static int unpop_one(actor__mailbox *mb, actor__msg *m)
{
    actor__fifo *q = &mb->system;

    if (actor__msg_is_user(m)) {
        actor__lane *lane = lane_get(mb, m->priority);
        if (lane == NULL)
            return ACTOR_ENOMEM;
        q = &lane->q;
        mb->count++;
        mb->bytes += actor__msg_bytes(m);
        atomic_fetch_add_explicit(&mb->admitted, admit_word(1, actor__msg_bytes(m)),
                                  memory_order_relaxed);
    }
    m->next = q->head;
    q->head = m;
    if (q->tail == NULL)
        q->tail = m;
    q->n++;
    q->bytes += actor__msg_bytes(m);
    return 0;
}

/* Reverses a list linked through `next`; returns its new head. */
actor__msg *actor__msg_list_reverse(actor__msg *list)
{
    actor__msg *reversed = NULL;

    while (list != NULL) {
        actor__msg *next = list->next;
        list->next = reversed;
        reversed = list;
        list = next;
    }
    return reversed;
}

actor__msg *actor__mailbox_unpop(actor__mailbox *mb, actor__msg *list)
{
    actor__msg *reversed = actor__msg_list_reverse(list),
               *failed = NULL; /* last popped goes back first */

    while (reversed != NULL) {
        actor__msg *next = reversed->next;
        if (unpop_one(mb, reversed) != 0) {
            reversed->next = failed; /* back in popped order */
            failed = reversed;
        }
        reversed = next;
    }
    return failed;
}

actor__msg *actor__mailbox_take_all(actor__mailbox *mb)
{
    actor__msg *head = NULL, **tail = &head;

    actor__mailbox_close(mb);
    flush_released(mb);
    fifo_splice(&mb->system, &tail);
    for (size_t i = mb->n_lanes; i-- > 0;)
        fifo_splice(&mb->lanes[i].q, &tail);
    mb->n_lanes = 0;
    unreserve(mb, mb->count, mb->bytes);
    mb->count = 0;
    mb->bytes = 0;
    fifo_splice(&mb->waiting, &tail);
    waiting_changed(mb);
    return head;
}

size_t actor__mailbox_user_depth(const actor__mailbox *mb)
{
    return admitted_count(mb) + mb->waiting.n;
}

bool actor__mailbox_below_half(const actor__mailbox *mb)
{
    return actor__mailbox_user_depth(mb) <= mb->capacity / 2 &&
           actor__mailbox_user_bytes(mb) <= mb->max_bytes / 2;
}

size_t actor__mailbox_user_bytes(const actor__mailbox *mb)
{
    return admitted_bytes(mb) + mb->waiting.bytes;
}

/* ================================================================== inbox */

static bool inbox_is_list(const actor__msg *head)
{
    return head != NULL && head != ACTOR__INBOX_IDLE && head != ACTOR__INBOX_CLOSED;
}

actor__offer actor__mailbox_offer_chain(actor__mailbox *mb, actor__msg *newest, actor__msg *oldest,
                                        size_t users, size_t user_bytes)
{
    actor__msg *head = atomic_load_explicit(&mb->inbox, memory_order_relaxed);

    if (head == ACTOR__INBOX_CLOSED)
        return ACTOR__OFFER_LOCKED;
    if (users != 0 && (atomic_load_explicit(&mb->waiting_any, memory_order_relaxed) ||
                       !reserve(mb, users, user_bytes)))
        return ACTOR__OFFER_LOCKED; /* the locked path decides: overflow, waiting line */
    do {
        if (head == ACTOR__INBOX_CLOSED) {
            if (users != 0)
                unreserve(mb, users, user_bytes);
            return ACTOR__OFFER_LOCKED;
        }
        oldest->next = head == ACTOR__INBOX_IDLE ? NULL : head;
    } while (!atomic_compare_exchange_weak_explicit(&mb->inbox, &head, newest, memory_order_release,
                                                    memory_order_relaxed));
    return head == ACTOR__INBOX_IDLE ? ACTOR__OFFER_WOKE : ACTOR__OFFER_QUEUED;
}

actor__offer actor__mailbox_offer(actor__mailbox *mb, actor__msg *m)
{
    bool user = actor__msg_is_user(m);

    return actor__mailbox_offer_chain(mb, m, m, user ? 1 : 0, user ? actor__msg_bytes(m) : 0);
}

/* Queues a message taken from the inbox, whose room is reserved already.
 * Without memory for a new lane it joins the nearest lane (there is one:
 * the lane array is only grown when full): never dropped. */
static void inbox_place(actor__mailbox *mb, actor__msg *m)
{
    actor__lane *lane;
    size_t i;

    if (!actor__msg_is_user(m)) {
        fifo_push(&mb->system, m);
        return;
    }
    lane = lane_get(mb, m->priority);
    if (lane == NULL) {
        i = lane_search(mb, m->priority);
        lane = &mb->lanes[i < mb->n_lanes ? i : mb->n_lanes - 1];
    }
    m->seq = ++mb->seq;
    fifo_push(&lane->q, m);
    mb->count++;
    mb->bytes += actor__msg_bytes(m);
}

/* Queues a stack taken from the inbox (newest first) oldest first. */
static void inbox_place_all(actor__mailbox *mb, actor__msg *stack)
{
    actor__msg *fifo = actor__msg_list_reverse(stack);

    while (fifo != NULL) {
        actor__msg *next = fifo->next;
        inbox_place(mb, fifo);
        fifo = next;
    }
}

void actor__mailbox_drain(actor__mailbox *mb)
{
    actor__msg *head = atomic_load_explicit(&mb->inbox, memory_order_relaxed);

    flush_released(mb);
    do {
        if (!inbox_is_list(head))
            return;
    } while (!atomic_compare_exchange_weak_explicit(&mb->inbox, &head, NULL, memory_order_acquire,
                                                    memory_order_relaxed));
    inbox_place_all(mb, head);
}

bool actor__mailbox_mark_idle(actor__mailbox *mb)
{
    actor__msg *head = NULL;

    if (atomic_compare_exchange_strong_explicit(&mb->inbox, &head, ACTOR__INBOX_IDLE,
                                                memory_order_acq_rel, memory_order_acquire))
        return true;
    return !inbox_is_list(head);
}

void actor__mailbox_unmark_idle(actor__mailbox *mb)
{
    actor__msg *head = ACTOR__INBOX_IDLE;

    atomic_compare_exchange_strong_explicit(&mb->inbox, &head, NULL, memory_order_acq_rel,
                                            memory_order_relaxed);
}

void actor__mailbox_close(actor__mailbox *mb)
{
    actor__msg *head =
        atomic_exchange_explicit(&mb->inbox, ACTOR__INBOX_CLOSED, memory_order_acquire);

    if (inbox_is_list(head))
        inbox_place_all(mb, head);
}
