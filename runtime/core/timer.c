/*
 * timer.c - the system's deadline timers: a binary min-heap of pointers to
 * timer nodes embedded in the records they time (async client calls, an
 * actor's waiting line, a worker's stall check, and an actor's requests:
 * one timer per actor at its earliest request deadline, not one per
 * request, which call.c keeps in order itself and re-arms about once per
 * timeout period; docs/RUNTIME.md, "An actor's requests"), under one
 * lock, fired by the system's timer thread. (Not by
 * worker 0 as first planned: a long handler on worker 0 would then stall
 * every deadline in the system.) The thread sleeps until the earliest timer
 * but at most TICK_NS, and an added timer wakes it only when it is due
 * before that wake-up, so the usual timeouts (seconds) never cost a wake-up
 * per call.
 *
 * Runs: most client calls' timers come from a few fixed timeouts (the
 * system's default, a method's @timeout), so each timeout's deadlines are
 * added in increasing order. A timer whose deadline is not earlier than the last of one of
 * ACTOR__TIMER_RUNS runs is appended to it (the run whose last deadline is
 * the latest such, so that each timeout keeps a run of its own); cancelling
 * unlinks it. Both are O(1), where the heap costs O(log n) cache misses:
 * with a thousand requests in flight (each actor request had a timer of
 * its own then), sifting the heap was a tenth of a pipelined request's
 * CPU. Only a timer that fits no run goes into the
 * heap. The next timer to fire is the earliest of the heap's top and the
 * runs' heads.
 *
 * Firing copies a node's fields under the lock and removes it from its run
 * or the heap; after that it never touches the node, so a record's owner
 * may free the record as soon as actor__timer_cancel returns. Moving an
 * armed timer earlier (actor__timer_arm_by) makes room in the heap first,
 * so that running out of memory leaves it where it was.
 */
#include <stdlib.h>
#include <time.h>

#include "core/actor_internal.h"

#define TICK_NS (100 * 1000000LL)

static bool earlier(const actor__timer *a, const actor__timer *b)
{
    return a->when < b->when;
}

static void place(actor_system *sys, size_t i, actor__timer *t)
{
    sys->heap[i] = t;
    t->index = i;
}

static void sift_up(actor_system *sys, size_t i)
{
    actor__timer *t = sys->heap[i];

    while (i > 0) {
        size_t parent = (i - 1) / 2;
        if (!earlier(t, sys->heap[parent]))
            break;
        place(sys, i, sys->heap[parent]);
        i = parent;
    }
    place(sys, i, t);
}

static void sift_down(actor_system *sys, size_t i)
{
    actor__timer *t = sys->heap[i];
    size_t n = sys->n_timers;

    for (;;) {
        size_t child = 2 * i + 1;
        if (child >= n)
            break;
        if (child + 1 < n && earlier(sys->heap[child + 1], sys->heap[child]))
            child++;
        if (!earlier(sys->heap[child], t))
            break;
        place(sys, i, sys->heap[child]);
        i = child;
    }
    place(sys, i, t);
}

/* Removes the node at index i. Lock held. */
static void heap_remove(actor_system *sys, size_t i)
{
    actor__timer *t = sys->heap[i];
    actor__timer *last = sys->heap[--sys->n_timers];

    t->index = ACTOR__TIMER_IDLE;
    if (i == sys->n_timers)
        return;
    place(sys, i, last);
    if (i > 0 && earlier(last, sys->heap[(i - 1) / 2]))
        sift_up(sys, i);
    else
        sift_down(sys, i);
}

/* The run t can join at its end: the one whose last deadline is the
 * latest not after t's, else an empty one; NULL when none. Lock held. */
static actor__timer_run *run_for(actor_system *sys, const actor__timer *t)
{
    actor__timer_run *best = NULL, *empty = NULL;

    for (size_t i = 0; i < ACTOR__TIMER_RUNS; i++) {
        actor__timer_run *r = &sys->runs[i];
        if (r->tail == NULL) {
            if (empty == NULL)
                empty = r;
        } else if (r->tail->when <= t->when && (best == NULL || r->tail->when > best->tail->when)) {
            best = r;
        }
    }
    return best != NULL ? best : empty;
}

static void run_append(actor_system *sys, actor__timer_run *r, actor__timer *t)
{
    t->index = ACTOR__TIMER_IN_RUN;
    t->run = (uint8_t)(r - sys->runs);
    t->next = NULL;
    t->prev = r->tail;
    if (r->tail != NULL)
        r->tail->next = t;
    else
        r->head = t;
    r->tail = t;
}

static void run_remove(actor_system *sys, actor__timer *t)
{
    actor__timer_run *r = &sys->runs[t->run];

    if (t->prev != NULL)
        t->prev->next = t->next;
    else
        r->head = t->next;
    if (t->next != NULL)
        t->next->prev = t->prev;
    else
        r->tail = t->prev;
    t->prev = t->next = NULL;
    t->index = ACTOR__TIMER_IDLE;
}

/* Takes t out of its run or the heap. Lock held; t armed. */
static void unlink_timer(actor_system *sys, actor__timer *t)
{
    if (t->index == ACTOR__TIMER_IN_RUN)
        run_remove(sys, t);
    else
        heap_remove(sys, t->index);
}

/* The armed timer due first, or NULL. Lock held. */
static actor__timer *earliest(const actor_system *sys)
{
    actor__timer *first = sys->n_timers != 0 ? sys->heap[0] : NULL;

    for (size_t i = 0; i < ACTOR__TIMER_RUNS; i++) {
        actor__timer *h = sys->runs[i].head;
        if (h != NULL && (first == NULL || h->when < first->when))
            first = h;
    }
    return first;
}

/* Makes room in the heap for one more timer. Lock held. */
static int heap_reserve(actor_system *sys)
{
    if (sys->n_timers == sys->cap_timers) {
        size_t cap = sys->cap_timers != 0 ? sys->cap_timers * 2 : 64;
        actor__timer **heap = realloc(sys->heap, cap * sizeof(*heap));
        if (heap == NULL)
            return ACTOR_ENOMEM;
        sys->heap = heap;
        sys->cap_timers = cap;
    }
    return 0;
}

/* Puts t in the heap. Lock held. */
static int heap_add(actor_system *sys, actor__timer *t)
{
    int rc = heap_reserve(sys);

    if (rc != 0)
        return rc;
    place(sys, sys->n_timers++, t);
    sift_up(sys, t->index);
    return 0;
}

/* Arms t: in a run if one fits, else in the heap; wakes the timer thread
 * when t is due before it would wake. Lock held. */
static int arm(actor_system *sys, actor__timer *t)
{
    actor__timer_run *r = run_for(sys, t);
    int rc = 0;

    if (r != NULL)
        run_append(sys, r, t);
    else
        rc = heap_add(sys, t);
    if (rc == 0 && t->when < sys->timer_sleep_until)
        pthread_cond_signal(&sys->timer_cond);
    return rc;
}

int actor__timer_add(actor_system *sys, actor__timer *t)
{
    int rc;

    pthread_mutex_lock(&sys->timer_lock);
    rc = arm(sys, t);
    pthread_mutex_unlock(&sys->timer_lock);
    return rc;
}

int actor__timer_arm_by(actor_system *sys, actor__timer *t, int64_t when)
{
    int rc = 0;

    pthread_mutex_lock(&sys->timer_lock);
    /* room first: moving t earlier cannot fail half-way and leave it idle */
    if ((t->index == ACTOR__TIMER_IDLE || when < t->when) && (rc = heap_reserve(sys)) == 0) {
        if (t->index != ACTOR__TIMER_IDLE)
            unlink_timer(sys, t);
        t->when = when;
        rc = arm(sys, t);
    }
    pthread_mutex_unlock(&sys->timer_lock);
    return rc;
}

void actor__timer_cancel(actor_system *sys, actor__timer *t)
{
    pthread_mutex_lock(&sys->timer_lock);
    if (t->index != ACTOR__TIMER_IDLE)
        unlink_timer(sys, t);
    pthread_mutex_unlock(&sys->timer_lock);
}

#define FIRE_BATCH 32

/* Fires what is due at `now`, FIRE_BATCH at a time, without the lock held
 * while firing. Lock held on entry and on return. */
static void fire_due(actor_system *sys, int64_t now)
{
    actor__timer fired[FIRE_BATCH], *t;
    size_t n;

    do {
        n = 0;
        while (n < FIRE_BATCH && (t = earliest(sys)) != NULL && t->when <= now) {
            fired[n++] = *t;
            unlink_timer(sys, t);
        }
        pthread_mutex_unlock(&sys->timer_lock);
        for (size_t i = 0; i < n; i++) {
            if (fired[i].kind == ACTOR__TIMER_CLIENT)
                actor__client_call_expired(sys, fired[i].id);
            else if (fired[i].kind == ACTOR__TIMER_STALL)
                actor__worker_stall_check(sys, (unsigned)fired[i].id);
            else if (fired[i].kind == ACTOR__TIMER_WAITLINE)
                actor__waitline_expired(sys, fired[i].owner);
            else
                actor__requests_due(sys, fired[i].owner);
        }
        pthread_mutex_lock(&sys->timer_lock);
    } while (n == FIRE_BATCH);
}

static void *timer_main(void *arg)
{
    actor_system *sys = arg;

    pthread_mutex_lock(&sys->timer_lock);
    while (!sys->timer_quit) {
        int64_t now = actor_now_ns(), until;
        const actor__timer *first = earliest(sys);
        struct timespec ts;

        if (first != NULL && first->when <= now) {
            fire_due(sys, now);
            continue;
        }
        until = now + TICK_NS;
        if (first != NULL && first->when < until)
            until = first->when;
        sys->timer_sleep_until = until;
        ts.tv_sec = (time_t)(until / 1000000000);
        ts.tv_nsec = (long)(until % 1000000000);
        pthread_cond_timedwait(&sys->timer_cond, &sys->timer_lock, &ts);
        sys->timer_sleep_until = INT64_MIN; /* awake: it looks at the heap before sleeping */
    }
    pthread_mutex_unlock(&sys->timer_lock);
    return NULL;
}

int actor__timers_start(actor_system *sys)
{
    pthread_condattr_t attr;

    pthread_condattr_init(&attr);
    pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
    pthread_cond_init(&sys->timer_cond, &attr);
    pthread_condattr_destroy(&attr);
    sys->timer_sleep_until = INT64_MIN;
    if (pthread_create(&sys->timer_thread, NULL, timer_main, sys) != 0) {
        pthread_cond_destroy(&sys->timer_cond);
        return ACTOR_ESYSTEM;
    }
    sys->timer_running = true;
    return 0;
}

void actor__timers_stop(actor_system *sys)
{
    if (!sys->timer_running)
        return;
    pthread_mutex_lock(&sys->timer_lock);
    sys->timer_quit = true;
    pthread_cond_signal(&sys->timer_cond);
    pthread_mutex_unlock(&sys->timer_lock);
    pthread_join(sys->timer_thread, NULL);
    pthread_cond_destroy(&sys->timer_cond);
    sys->timer_running = false;
}
