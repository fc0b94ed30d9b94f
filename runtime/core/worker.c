/*
 * worker.c - worker threads, their run queues, and the scheduling rule of
 * docs/RUNTIME.md: an actor made ready by a worker goes on that worker's own
 * queue and runs right after the current handler, with no wake-up; a
 * sleeping peer is woken only when a queue holds more than one ready actor;
 * an idle worker steals from the others before it sleeps. A worker sleeps
 * in poll() on its eventfd. (Deadlines are fired by the timer thread,
 * timer.c.)
 *
 * ZeroMQ: the worker holding the gateway (worker 0 first; gateway.c, "the
 * holder") pumps its sockets between actor turns and sleeps in zmq_poll on
 * them and its eventfd. When it stays in one handler past the stall check,
 * an idle worker takes the gateway over.
 */
#include <errno.h>
#include <poll.h>
#include <sched.h>
#include <stdlib.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "core/actor_internal.h"

static _Thread_local actor__worker *current_worker;

actor__worker *actor__current_worker(const actor_system *sys)
{
    actor__worker *w = current_worker;

    return w != NULL && w->sys == sys ? w : NULL;
}

/* ============================================================ run queues */

/* Appends a; returns the queue's length after. */
static size_t queue_push(actor__worker *w, actor__actor *a)
{
    size_t n;

    a->run_next = NULL;
    pthread_mutex_lock(&w->qlock);
    if (w->qtail != NULL)
        w->qtail->run_next = a;
    else
        w->qhead = a;
    w->qtail = a;
    n = ++w->qlen;
    atomic_store_explicit(&w->queued, n, memory_order_relaxed);
    pthread_mutex_unlock(&w->qlock);
    return n;
}

static actor__actor *queue_pop(actor__worker *w)
{
    actor__actor *a;

    pthread_mutex_lock(&w->qlock);
    a = w->qhead;
    if (a != NULL) {
        w->qhead = a->run_next;
        if (w->qhead == NULL)
            w->qtail = NULL;
        w->qlen--;
        atomic_store_explicit(&w->queued, w->qlen, memory_order_relaxed);
        a->run_next = NULL;
    }
    pthread_mutex_unlock(&w->qlock);
    return a;
}

static bool queue_empty(actor__worker *w)
{
    bool empty;

    pthread_mutex_lock(&w->qlock);
    empty = w->qlen == 0;
    pthread_mutex_unlock(&w->qlock);
    return empty;
}

static actor__actor *steal(actor__worker *w)
{
    actor_system *sys = w->sys;

    for (unsigned i = 1; i < sys->n_workers; i++) {
        actor__actor *a = queue_pop(&sys->workers[(w->index + i) % sys->n_workers]);
        if (a != NULL)
            return a;
    }
    return NULL;
}

/* ============================================================== wake-ups */

void actor__wake(actor__worker *w)
{
    uint64_t one = 1;

    if (atomic_exchange(&w->sleeping, 0) == 1) {
        ssize_t n = write(w->wake_fd, &one, sizeof(one));
        atomic_fetch_add_explicit(&w->sys->wakeups, 1, memory_order_relaxed);
        (void)n; /* EAGAIN: the counter is already non-zero, it wakes anyway */
    }
}

/* A worker spinning idle with nothing queued yet (worker_main), or NULL:
 * work pushed to it is taken without a wake-up. */
static actor__worker *spinning_peer(actor_system *sys)
{
    for (unsigned i = 0; i < sys->n_workers; i++) {
        actor__worker *w = &sys->workers[i];
        if (atomic_load_explicit(&w->spinning, memory_order_relaxed) == 1 &&
            atomic_load_explicit(&w->queued, memory_order_relaxed) == 0)
            return w;
    }
    return NULL;
}

/* A sleeping worker other than `self` (NULL: any), or NULL. */
static actor__worker *sleeping_peer(actor_system *sys, const actor__worker *self)
{
    for (unsigned i = 0; i < sys->n_workers; i++) {
        actor__worker *w = &sys->workers[i];
        if (w != self && atomic_load(&w->sleeping) == 1)
            return w;
    }
    return NULL;
}

/* ========================================================== stall check */

/* Arms w's stall check unless armed: ACTOR__STALL_CHECK_NS from now, if w
 * is still in the same handler with actors queued, an idle peer is woken
 * to steal them. At most one timer per worker is in the heap, so a busy
 * worker costs the timer thread one wake-up per period, not one per
 * message. Any thread (a plain thread that queued an actor on w). */
static void stall_arm(actor__worker *w)
{
    bool unarmed = false;

    if (atomic_load_explicit(&w->stall_armed, memory_order_relaxed) ||
        !atomic_compare_exchange_strong(&w->stall_armed, &unarmed, true))
        return;
    atomic_store_explicit(&w->stall_step, atomic_load_explicit(&w->steps, memory_order_relaxed),
                          memory_order_relaxed);
    if (actor__timer_arm_by(w->sys, &w->stall_timer, actor_now_ns() + ACTOR__STALL_CHECK_NS) != 0)
        atomic_store_explicit(&w->stall_armed, false, memory_order_relaxed);
}

/* A new handler run on w (the stall check's clock). Called on w. */
static void stall_step(actor__worker *w)
{
    if (atomic_load_explicit(&w->stalled, memory_order_relaxed))
        atomic_store_explicit(&w->stalled, false, memory_order_relaxed);
    atomic_store_explicit(&w->steps, atomic_load_explicit(&w->steps, memory_order_relaxed) + 1,
                          memory_order_relaxed);
}

/* Whether worker `index` holds the system's gateway (with sockets open):
 * while it runs handlers, the gateway's clients wait for it too. */
static bool holds_open_gateway(actor_system *sys, unsigned index)
{
    void *t = actor__transport(sys);

    return t != NULL && sys->transport_ops->held_by(t, index);
}

void actor__worker_stall_check(actor_system *sys, unsigned index)
{
    actor__worker *w = &sys->workers[index];
    uint64_t armed_at = atomic_load_explicit(&w->stall_step, memory_order_relaxed);
    uint64_t now_at = atomic_load_explicit(&w->steps, memory_order_relaxed);
    bool gateway = holds_open_gateway(sys, index);
    actor__worker *peer;

    if ((gateway || !queue_empty(w)) && now_at != armed_at) {
        /* it moved on to another handler, which may be long too, while
         * actors or the gateway still wait: look again one period later */
        atomic_store_explicit(&w->stall_step, now_at, memory_order_relaxed);
        if (actor__timer_arm_by(sys, &w->stall_timer, actor_now_ns() + ACTOR__STALL_CHECK_NS) == 0)
            return;
    }
    atomic_store_explicit(&w->stall_armed, false, memory_order_relaxed);
    if (now_at != armed_at)
        return;
    /* in one handler for a whole period (asleep is not stuck) */
    gateway = gateway && atomic_load(&w->sleeping) == 0;
    if (gateway)
        sys->transport_ops->want_handoff(
            actor__transport(sys)); /* any worker between turns takes it */
    if (!gateway && queue_empty(w))
        return;
    /* before looking for a sleeping peer: one going to sleep meanwhile
     * sees it (wait_for_work) */
    atomic_store(&w->stalled, true);
    peer = sleeping_peer(sys, w);
    if (peer != NULL)
        actor__wake(peer); /* it steals from w's queue, or takes the gateway over */
}

void actor__schedule(actor_system *sys, actor__actor *a)
{
    actor__worker *w = actor__current_worker(sys);

    if (w != NULL) {
        if (queue_push(w, a) > 1) {
            actor__worker *peer = sleeping_peer(sys, w);
            if (peer != NULL)
                actor__wake(peer);
        }
        if (sys->n_workers > 1)
            stall_arm(w);
        return;
    }
    w = spinning_peer(sys);
    if (w == NULL)
        w = sleeping_peer(sys, NULL);
    if (w == NULL) {
        /* no worker is asleep or spinning idle: one may be stuck in a long
         * handler. A busy peer steals `a` when its turn ends; but one that
         * was between its last steal and its idle spin just now goes to
         * sleep without taking a lone actor from another's queue unless
         * that worker is marked stalled, and then `a` waits behind the
         * long handler however long it runs. The stall check marks it. */
        w = &sys->workers[atomic_fetch_add(&sys->next_worker, 1) % sys->n_workers];
        queue_push(w, a);
        if (sys->n_workers > 1)
            stall_arm(w);
        actor__wake(w);
        return;
    }
    queue_push(w, a);
    actor__wake(w);
}

/* ============================================================ actor turn */

typedef enum step {
    STEP_NONE,     /* nothing to do now */
    STEP_INIT,     /* run the init hook */
    STEP_MESSAGE,  /* handle the popped messages */
    STEP_FINALIZE, /* terminate for good */
    STEP_RESTART,  /* restart in place (actor_restart) */
} step;

/* Pops up to `max` messages (max >= 1) into *list, linked through `next`
 * in the order popped. a->lock held. */
static size_t pop_batch(actor__actor *a, bool user, size_t max, actor__msg **list)
{
    actor__msg **tail = list, *m;
    size_t n = 0;
    bool any_user = false;

    actor__mailbox_drain(&a->mb);
    while (n < max && (m = actor__mailbox_pop(&a->mb, user)) != NULL) {
        any_user = any_user || actor__msg_is_user(m);
        *tail = m;
        tail = &m->next;
        n++;
    }
    *tail = NULL;
    actor__mailbox_drain(&a->mb); /* the room popped goes back to senders now */
    /* Blocked plain-thread senders are woken once the mailbox is down to
     * half (and when the turn ends idle, see actor__run), not on every
     * pop: a sender faster than the actor would otherwise sleep and be
     * woken once per batch, a futex round trip per few messages. Each
     * woken sender rechecks; none waits past room for long. */
    if (any_user && a->blocked_senders != 0 && actor__mailbox_below_half(&a->mb))
        pthread_cond_broadcast(&a->room);
    return n;
}

/* What the actor does next; for STEP_MESSAGE, up to `max` messages in
 * *list. a->lock held. */
static step next_step(actor__actor *a, size_t max, actor__msg **list)
{
    bool user;

    *list = NULL;
    /* init first, exactly once, even when terminated before it ran: its
     * argument may own memory that only init (or cleanup) releases */
    if (!a->initialized)
        return a->init_failed ? STEP_FINALIZE : STEP_INIT;
    if (a->restart_pending && !a->terminating)
        return STEP_RESTART;
    /* a crashed actor's state serves nothing, not even a drain */
    user = !a->crashed && (a->terminating ? a->drain : a->active);
    if (pop_batch(a, user, max, list) != 0)
        return STEP_MESSAGE;
    if (!a->terminating)
        return STEP_NONE;
    /* draining: its own requests' replies (or timeouts) may still finish
     * work in progress, such as deferred replies; runnable again when one
     * comes (actor__runnable) */
    a->awaiting = a->drain && actor__drain_waits(a);
    return a->awaiting ? STEP_NONE : STEP_FINALIZE;
}

/* At the end of a turn, before deciding whether the actor runs again: the
 * turn's replies and timeouts may have ended the last request a drain was
 * waiting for (the `then` runs outside the lock and only the running worker
 * changes `requests`). `awaiting` left set from an earlier look would make
 * the actor not runnable with nothing outstanding, so nothing would ever
 * wake it to finalize. Cleared, it runs once more and next_step decides.
 * a->lock held. */
static void refresh_awaiting(actor__actor *a)
{
    if (a->awaiting && !actor__drain_waits(a))
        a->awaiting = false;
}

static void run_init(actor__worker *w, actor__actor *a)
{
    int rc = actor__run_init(w, a);

    pthread_mutex_lock(&a->lock);
    if (rc == 0) {
        a->initialized = true;
        a->state_live = a->router == NULL;
    } else {
        a->init_failed = true;
        a->terminating = true;
        a->drain = false;
        actor__mailbox_close(&a->mb);
    }
    pthread_mutex_unlock(&a->lock);
}

/* Handles a batch popped under one lock. If the actor was deactivated or
 * terminated meanwhile (a->interrupts moved past `seen`), the messages not
 * yet handled go back to the mailbox, to be taken (or refused) under the
 * new state. Returns how many ran. */
static size_t handle_batch(actor__worker *w, actor__actor *a, actor__msg *list, unsigned seen)
{
    size_t n = 0;

    while (list != NULL) {
        actor__msg *m = list;
        if (n != 0 && atomic_load_explicit(&a->interrupts, memory_order_relaxed) != seen) {
            pthread_mutex_lock(&a->lock);
            list = actor__mailbox_unpop(&a->mb, list);
            pthread_mutex_unlock(&a->lock);
            if (list == NULL)
                break;
            m = list; /* could not be put back: handled now */
        }
        list = m->next;
        m->next = NULL;
        stall_step(w);
        actor__handle(w, a, m);
        n++;
    }
    return n;
}

/* One turn: at most opts.batch messages, popped ACTOR__POP_BATCH at a
 * time under the actor's lock, each batch draining the inbox senders push
 * onto without it (mailbox.c). At the end the actor is scheduled again
 * or left idle with its inbox marked so (actor__claim_schedule). */
void actor__run(actor__worker *w, actor__actor *a)
{
    size_t budget = w->sys->opts.batch;
    bool again;

    pthread_mutex_lock(&a->lock);
    a->sched = ACTOR__RUNNING;
    while (budget != 0) {
        size_t max = budget < ACTOR__POP_BATCH ? budget : ACTOR__POP_BATCH;
        unsigned seen = atomic_load_explicit(&a->interrupts, memory_order_relaxed);
        actor__msg *list;
        step s = next_step(a, max, &list);

        if (s == STEP_NONE)
            break;
        pthread_mutex_unlock(&a->lock);
        if (s == STEP_FINALIZE) {
            actor__finalize(w, a);
            return;
        }
        if (s == STEP_INIT) {
            stall_step(w);
            run_init(w, a);
            budget--;
        } else if (s == STEP_RESTART) {
            stall_step(w);
            actor__restart_run(w, a);
            budget--;
        } else {
            size_t n = handle_batch(w, a, list, seen);
            budget -= n < budget ? n : budget;
            if (n == 0)
                budget--; /* everything went back: the next pop decides */
        }
        pthread_mutex_lock(&a->lock);
    }
    refresh_awaiting(a);
    a->sched = ACTOR__IDLE;
    again = actor__claim_schedule(a);      /* drains the inbox; else marks it idle */
    if (!again && a->blocked_senders != 0) /* e.g. deactivated with room: senders go on */
        pthread_cond_broadcast(&a->room);
    pthread_mutex_unlock(&a->lock);
    if (again)
        actor__schedule(w->sys, a);
}

/* ================================================================= loop */

/* Whether w holds the gateway, taking it over if the stall check asked. */
static bool holds_gateway(actor__worker *w)
{
    void *t = actor__transport(w->sys);

    return t != NULL && w->sys->transport_ops->claim(t, w->index);
}

/* Whether there is work for idle w: an actor in its own queue, or more
 * than one in another's (the rule that wakes a sleeping peer to steal,
 * actor__schedule: the owner takes a lone one itself, without the actor
 * moving to another CPU), or any in the queue of one the stall check
 * found stuck in a long handler. A racy look: the pop decides. */
static bool work_for(const actor__worker *w)
{
    const actor_system *sys = w->sys;

    for (unsigned i = 0; i < sys->n_workers; i++) {
        const actor__worker *peer = &sys->workers[i];
        /* `stalled` first: set after the queue was seen non-empty, so its
         * length read after it is not older than that */
        bool lone_is_work = peer == w || atomic_load(&peer->stalled);
        size_t n = atomic_load_explicit(&peer->queued, memory_order_relaxed);
        if (n > (lone_is_work ? 0u : 1u))
            return true;
    }
    return false;
}

/* Sleeps until woken. The gateway's holder sleeps in the gateway's
 * zmq_poll instead, on its sockets and the eventfd. */
static void wait_for_work(actor__worker *w)
{
    actor_system *sys = w->sys;
    struct pollfd pfd = {.fd = w->wake_fd, .events = POLLIN};
    uint64_t count;

    atomic_store(&w->sleeping, 1);
    if (!queue_empty(w) || work_for(w) || atomic_load(&sys->quit)) {
        atomic_store(&w->sleeping, 0);
        return;
    }
    if (holds_gateway(w) && sys->transport_ops->wait(actor__transport(sys), w->index, w->wake_fd)) {
        /* woken by a socket or the eventfd, and pumped */
    } else if (poll(&pfd, 1, -1) > 0) {
        ssize_t n = read(w->wake_fd, &count, sizeof(count));
        (void)n;
    }
    atomic_store(&w->sleeping, 0);
}

/* Before it sleeps, an idle worker looks at the queues for up to
 * actor_system_opts.idle_spin_us: work that comes meanwhile (a plain
 * thread's next call, pushed to a spinning worker first) is taken without
 * a wake-up. It yields the CPU every few µs, so that a thread sharing its
 * CPU (the caller it just answered) runs on. Not the gateway's holder
 * with sockets open: it waits on them in zmq_poll. True: work came. */
static bool idle_spin(actor__worker *w)
{
    actor_system *sys = w->sys;
    int64_t until;
    bool found = false;

    if (sys->opts.idle_spin_us <= 0 || holds_open_gateway(sys, w->index))
        return false;
    until = actor_now_ns() + (int64_t)sys->opts.idle_spin_us * 1000;
    atomic_store(&w->spinning, 1);
    for (unsigned i = 0; !atomic_load_explicit(&sys->quit, memory_order_relaxed); i++) {
        if (work_for(w)) {
            found = true;
            break;
        }
        if ((i & 15) == 0) {
            if (actor_now_ns() >= until)
                break;
            sched_yield();
        }
        actor__spin_pause();
    }
    atomic_store(&w->spinning, 0);
    return found;
}

static void *worker_main(void *arg)
{
    actor__worker *w = arg;
    actor_system *sys = w->sys;

    current_worker = w;
    actor__blocks_set_own(&w->pool);
    while (!atomic_load(&sys->quit)) {
        actor__actor *a;

        /* the stall check watches the holder: a long handler hands the
         * gateway to an idle worker */
        if (holds_gateway(w) &&
            sys->transport_ops->pump(actor__transport(sys), w->index, queue_empty(w)) &&
            sys->n_workers > 1)
            stall_arm(w);
        a = queue_pop(w);
        if (a == NULL)
            a = steal(w);
        /* others wait behind this turn: if it runs long, the stall check
         * has an idle worker take them */
        if (a != NULL && sys->n_workers > 1 &&
            atomic_load_explicit(&w->queued, memory_order_relaxed) != 0)
            stall_arm(w);
        if (a != NULL)
            actor__run(w, a);
        else if (!idle_spin(w))
            wait_for_work(w);
    }
    actor__blocks_set_own(NULL);
    current_worker = NULL;
    return NULL;
}

static int worker_init(actor_system *sys, actor__worker *w, unsigned index)
{
    w->sys = sys;
    w->index = index;
    pthread_mutex_init(&w->qlock, NULL);
    atomic_init(&w->sleeping, 0);
    atomic_init(&w->spinning, 0);
    atomic_init(&w->stalled, false);
    atomic_init(&w->queued, 0);
    atomic_init(&w->steps, 0);
    atomic_init(&w->stall_step, 0);
    atomic_init(&w->stall_armed, false);
    w->stall_timer = actor__timer_make(0, index, ACTOR_REF_NONE, ACTOR__TIMER_STALL);
    msgpack_sbuffer_init(&w->reply_sb);
    actor__blocks_init(&w->pool);
    w->wake_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    return w->wake_fd >= 0 ? 0 : ACTOR_ESYSTEM;
}

static void worker_fini(actor__worker *w)
{
    if (w->wake_fd >= 0)
        close(w->wake_fd);
    msgpack_sbuffer_destroy(&w->reply_sb);
    actor__blocks_fini(&w->pool); /* after its thread: every message is freed by now */
    pthread_mutex_destroy(&w->qlock);
}

/* Stops and joins the first `started` threads, then releases the first
 * `inited` workers. */
static void stop_workers(actor_system *sys, unsigned started, unsigned inited)
{
    atomic_store(&sys->quit, true);
    for (unsigned i = 0; i < started; i++) {
        uint64_t one = 1;
        ssize_t n = write(sys->workers[i].wake_fd, &one, sizeof(one));
        (void)n;
    }
    for (unsigned i = 0; i < started; i++)
        pthread_join(sys->workers[i].thread, NULL);
    for (unsigned i = 0; i < inited; i++)
        worker_fini(&sys->workers[i]);
}

int actor__workers_start(actor_system *sys)
{
    unsigned n = sys->opts.workers, inited = 0, started = 0;
    int rc = 0;

    sys->workers = calloc(n, sizeof(*sys->workers));
    if (sys->workers == NULL)
        return ACTOR_ENOMEM;
    sys->n_workers = n;
    while (inited < n && rc == 0) {
        rc = worker_init(sys, &sys->workers[inited], inited);
        inited++;
    }
    while (started < n && rc == 0) {
        if (pthread_create(&sys->workers[started].thread, NULL, worker_main,
                           &sys->workers[started]) != 0)
            rc = ACTOR_ESYSTEM;
        else
            started++;
    }
    if (rc != 0) {
        stop_workers(sys, started, inited);
        sys->n_workers = 0;
    }
    return rc;
}

void actor__workers_stop(actor_system *sys)
{
    stop_workers(sys, sys->n_workers, sys->n_workers);
}
