/*
 * bench/savina/ours.c - libactor's side of the Savina subset: each benchmark
 * written as a user writes actors, through the stubs actorc generates from
 * bench/savina/savina.actor (into $(BUILD)/bench/savina/savina.{c,h}), and
 * printed as RESULT lines (common.h) beside caf.cpp's.
 *
 * Every run of a benchmark gets a fresh actor_system of SAVINA_WORKERS
 * workers (default options otherwise: mailboxes of 1024 unless the .actor
 * file says more, requests with the system's 30 s deadline). The clock
 * starts before the first spawn and stops in the handler that processes
 * the benchmark's last message (ours_end); main() waits for that on a
 * semaphore, then checks the result (outside the time) and destroys the
 * system.
 *
 * Ownership: each benchmark's configuration and its actors' states live
 * in main()'s storage (a struct on its stack and arrays it allocates),
 * given to the actors as their spawn argument and freed by main() after
 * actor_system_destroy, when no handler can run any more. Actors' init
 * hooks only point their state at their part of it; no cleanup frees
 * anything, except the dictionary's table, which the Dictionary's own
 * init makes and cleanup frees.
 */
#include "common.h"
#include "savina.h"

#include <errno.h>
#include <semaphore.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static const char *const side = "ours";

/* How long main() waits for a run before it calls it hung. */
#define OURS_RUN_TIMEOUT_S 120

/* ------------------------------------------------------------ a run */

/* One run of a benchmark: ended once, by its last message or a failure. */
typedef struct ours_run {
    const char *name;
    sem_t done;
    atomic_bool ended;
    int64_t t1;
    char failure[200]; /* empty: the run succeeded */
} ours_run;

static void ours_run_init(ours_run *run, const char *name)
{
    memset(run, 0, sizeof *run);
    run->name = name;
    atomic_init(&run->ended, false);
    sem_init(&run->done, 0, 0);
}

/* Stops the clock and wakes main(); the first call wins. failure NULL:
 * the run succeeded. Called from handlers. */
static void ours_end(ours_run *run, const char *failure)
{
    if (atomic_exchange(&run->ended, true))
        return;
    run->t1 = savina_now_ns();
    if (failure != NULL)
        snprintf(run->failure, sizeof run->failure, "%s", failure);
    sem_post(&run->done);
}

/* A handler's send or call that returned rc: true when it went, else the
 * run ends failed. */
static bool ours_sent(ours_run *run, int rc, const char *what)
{
    if (rc == 0)
        return true;
    char msg[160];
    snprintf(msg, sizeof msg, "%s: %s", what, actor_strerror(rc));
    ours_end(run, msg);
    return false;
}

/* A continuation's status: true when OK, else the run ends failed. */
static bool ours_ok(ours_run *run, const actor_status *st, const char *what)
{
    if (st->category == ACTOR_STATUS_OK)
        return true;
    char msg[200];
    snprintf(msg, sizeof msg, "%s: %s %s", what, actor_status_name(st->category), st->message);
    ours_end(run, msg);
    return false;
}

/* main(): exits unless rc is 0. */
static void ours_check(int rc, const char *name, const char *what)
{
    if (rc != 0) {
        char msg[160];
        snprintf(msg, sizeof msg, "%s: %s", what, actor_strerror(rc));
        savina_die(side, name, msg);
    }
}

/* main(): the run's time, once it ended well; exits when it failed or
 * took longer than OURS_RUN_TIMEOUT_S. */
static int64_t ours_wait(ours_run *run, int64_t t0)
{
    struct timespec until;
    clock_gettime(CLOCK_REALTIME, &until);
    until.tv_sec += OURS_RUN_TIMEOUT_S;
    while (sem_timedwait(&run->done, &until) != 0) {
        if (errno != EINTR)
            savina_die(side, run->name, "no end in time");
    }
    if (run->failure[0] != '\0')
        savina_die(side, run->name, run->failure);
    sem_destroy(&run->done);
    return run->t1 - t0;
}

/* A system of SAVINA_WORKERS workers and a client for main(). */
typedef struct ours_world {
    actor_system *sys;
    actor_client *client;
} ours_world;

static void ours_world_start(ours_world *w, const char *name)
{
    actor_system_opts opts = {.workers = SAVINA_WORKERS};
    ours_check(actor_system_new(&opts, &w->sys), name, "actor_system_new");
    ours_check(actor_client_new(w->sys, &w->client), name, "actor_client_new");
}

static void ours_world_stop(ours_world *w)
{
    actor_client_destroy(&w->client);
    actor_system_destroy(&w->sys);
}

/* The init of every actor here: its state is its spawn argument, which
 * main() owns and keeps until the system is gone. */
static int ours_borrow_state(void **state, const void *arg, actor_ctx *ctx)
{
    (void)ctx;
    *state = (void *)(uintptr_t)arg;
    return 0;
}

static actor_ref ours_ref(uint64_t id)
{
    return (actor_ref){id};
}

/* Allocates n zeroed elements of size bytes for a benchmark; exits when
 * out of memory. The caller frees. */
static void *ours_alloc(size_t n, size_t size, const char *name)
{
    void *p = calloc(n, size);
    if (p == NULL)
        savina_die(side, name, "out of memory");
    return p;
}

/* ------------------------------------------------------------- sink */

/* Counts `done` casts up to `expected`, then ends the run. */
typedef struct ours_sink {
    ours_run *run;
    long expected;
    long got;
} ours_sink;

static void ours_sink_done(void *state, actor_ctx *ctx)
{
    ours_sink *s = state;
    (void)ctx;
    if (++s->got == s->expected)
        ours_end(s->run, NULL);
}

static const savina_Sink_handlers ours_sink_handlers = {
    .init = ours_borrow_state,
    .done = ours_sink_done,
};

static actor_ref ours_spawn_sink(ours_world *w, ours_sink *s, ours_run *run, long expected)
{
    actor_ref ref;
    s->run = run;
    s->expected = expected;
    s->got = 0;
    ours_check(savina_Sink_spawn(w->sys, &ours_sink_handlers, s, NULL, &ref), run->name,
               "spawn Sink");
    return ref;
}

/* -------------------------------------------------------- ping-pong */

typedef struct ours_pingpong {
    ours_run run;
    long n;        /* pings to send */
    long pongs;    /* received */
    actor_ref pong;
} ours_pingpong;

/* One ping to Pong, carrying who to answer. */
static void ours_ping_send(ours_pingpong *pp, actor_ctx *ctx)
{
    savina_Hit hit = {.from = actor_ctx_self(ctx).id, .n = (uint64_t)(pp->n - pp->pongs)};
    ours_sent(&pp->run, savina_Pong_ping_cast(ctx, pp->pong, &hit, NULL), "Pong.ping");
}

static void ours_ping_start(void *state, actor_ctx *ctx, const savina_Peer *msg)
{
    ours_pingpong *pp = state;
    pp->pong = ours_ref(msg->id);
    ours_ping_send(pp, ctx);
}

static void ours_ping_ping(void *state, actor_ctx *ctx)
{
    ours_ping_send(state, ctx);
}

/* Savina's PingActor: a pong makes it send itself a ping, which sends
 * the next one to Pong. */
static void ours_ping_pong(void *state, actor_ctx *ctx, const savina_Count *msg)
{
    ours_pingpong *pp = state;
    (void)msg;
    if (++pp->pongs == pp->n)
        ours_end(&pp->run, NULL);
    else
        ours_sent(&pp->run, savina_Ping_ping_cast(ctx, actor_ctx_self(ctx), NULL), "Ping.ping");
}

/* Pong answers each ping to its sender. */
static void ours_pong_ping(void *state, actor_ctx *ctx, const savina_Hit *msg)
{
    ours_pingpong *pp = state;
    savina_Count c = {.n = msg->n};
    ours_sent(&pp->run, savina_Ping_pong_cast(ctx, ours_ref(msg->from), &c, NULL), "Ping.pong");
}

static const savina_Ping_handlers ours_ping_handlers = {
    .init = ours_borrow_state,
    .start = ours_ping_start,
    .ping = ours_ping_ping,
    .pong = ours_ping_pong,
};

static const savina_Pong_handlers ours_pong_handlers = {
    .init = ours_borrow_state,
    .ping = ours_pong_ping,
};

static int64_t ours_bench_pingpong(const savina_params *p, const char *name)
{
    ours_world w;
    ours_pingpong pp = {.n = p->pingpong_n};
    actor_ref ping, pong;
    ours_run_init(&pp.run, name);
    ours_world_start(&w, name);
    int64_t t0 = savina_now_ns();
    ours_check(savina_Ping_spawn(w.sys, &ours_ping_handlers, &pp, NULL, &ping), name, "spawn");
    ours_check(savina_Pong_spawn(w.sys, &ours_pong_handlers, &pp, NULL, &pong), name, "spawn");
    ours_check(savina_Ping_start(w.client, ping, &(savina_Peer){pong.id}, NULL), name, "start");
    int64_t ns = ours_wait(&pp.run, t0);
    ours_world_stop(&w);
    if (pp.pongs != pp.n)
        savina_die(side, name, "pongs do not match pings");
    savina_checked(side, name, "every ping answered");
    return ns;
}

/* --------------------------------------------------------- counting */

typedef struct ours_counting {
    ours_run run;
    long n;
    uint64_t count;   /* the Counter's */
    uint64_t result;  /* what the Producer was told */
    actor_ref counter;
} ours_counting;

static void ours_counter_increment(void *state, actor_ctx *ctx)
{
    ours_counting *c = state;
    (void)ctx;
    c->count++;
}

static int ours_counter_retrieve(void *state, actor_ctx *ctx, savina_Count *res)
{
    ours_counting *c = state;
    (void)ctx;
    res->n = c->count;
    return 0;
}

static void ours_producer_retrieved(void *state, actor_ctx *ctx, const actor_status *st,
                                    const savina_Count *res, void *user)
{
    ours_counting *c = state;
    (void)ctx;
    (void)user;
    if (!ours_ok(&c->run, st, "Counter.retrieve"))
        return;
    c->result = res->n;
    ours_end(&c->run, NULL);
}

static void ours_producer_start(void *state, actor_ctx *ctx)
{
    ours_counting *c = state;
    for (long i = 0; i < c->n; i++)
        if (!ours_sent(&c->run, savina_Counter_increment_cast(ctx, c->counter, NULL),
                       "Counter.increment"))
            return;
    ours_sent(&c->run,
              savina_Counter_retrieve_request(ctx, c->counter, NULL, ours_producer_retrieved,
                                              NULL, NULL),
              "Counter.retrieve");
}

static const savina_Counter_handlers ours_counter_handlers = {
    .init = ours_borrow_state,
    .increment = ours_counter_increment,
    .retrieve = ours_counter_retrieve,
};

static const savina_Producer_handlers ours_producer_handlers = {
    .init = ours_borrow_state,
    .start = ours_producer_start,
};

static int64_t ours_bench_counting(const savina_params *p, const char *name)
{
    ours_world w;
    ours_counting c = {.n = p->counting_n};
    actor_ref producer;
    ours_run_init(&c.run, name);
    ours_world_start(&w, name);
    int64_t t0 = savina_now_ns();
    ours_check(savina_Counter_spawn(w.sys, &ours_counter_handlers, &c, NULL, &c.counter), name,
               "spawn");
    ours_check(savina_Producer_spawn(w.sys, &ours_producer_handlers, &c, NULL, &producer), name,
               "spawn");
    ours_check(savina_Producer_start(w.client, producer, NULL), name, "start");
    int64_t ns = ours_wait(&c.run, t0);
    ours_world_stop(&w);
    if (c.result != (uint64_t)c.n)
        savina_die(side, name, "the count is not the number of increments");
    savina_checked(side, name, "count == increments");
    return ns;
}

/* ------------------------------------------------ fork-join throughput */

typedef struct ours_thru {
    actor_ref sink;
    ours_run *run;
    long n;      /* messages to take */
    long taken;
} ours_thru;

static void ours_thru_work(void *state, actor_ctx *ctx)
{
    ours_thru *t = state;
    if (savina_compute(savina_theta()) != 0) {
        ours_end(t->run, "the computation failed");
        return;
    }
    if (++t->taken == t->n)
        ours_sent(t->run, savina_Sink_done_cast(ctx, t->sink, NULL), "Sink.done");
}

static const savina_Thru_handlers ours_thru_handlers = {
    .init = ours_borrow_state,
    .work = ours_thru_work,
};

/* Savina sends the messages from the benchmark's main thread, one to each
 * worker in turn: here main() through its client. */
static int64_t ours_bench_fjthroughput(const savina_params *p, const char *name)
{
    ours_world w;
    ours_run run;
    ours_sink sink;
    long actors = p->fjthr_actors;
    ours_thru *thru = ours_alloc((size_t)actors, sizeof *thru, name);
    actor_ref *refs = ours_alloc((size_t)actors, sizeof *refs, name);
    ours_run_init(&run, name);
    ours_world_start(&w, name);
    int64_t t0 = savina_now_ns();
    actor_ref sink_ref = ours_spawn_sink(&w, &sink, &run, actors);
    for (long i = 0; i < actors; i++) {
        thru[i] = (ours_thru){.sink = sink_ref, .run = &run, .n = p->fjthr_n};
        ours_check(savina_Thru_spawn(w.sys, &ours_thru_handlers, &thru[i], NULL, &refs[i]), name,
                   "spawn");
    }
    for (long m = 0; m < p->fjthr_n; m++)
        for (long i = 0; i < actors; i++)
            ours_check(savina_Thru_work(w.client, refs[i], NULL), name, "Thru.work");
    int64_t ns = ours_wait(&run, t0);
    ours_world_stop(&w);
    for (long i = 0; i < actors; i++)
        if (thru[i].taken != p->fjthr_n)
            savina_die(side, name, "a worker took the wrong number of messages");
    savina_checked(side, name, "every worker took every message");
    free(thru);
    free(refs);
    return ns;
}

/* -------------------------------------------------- fork-join creation */

typedef struct ours_fjcreate {
    ours_run run;
    actor_ref sink;
} ours_fjcreate;

/* Computes, tells the sink, and ends (Savina's actor exits after its one
 * message). */
static void ours_fork_work(void *state, actor_ctx *ctx)
{
    ours_fjcreate *f = state;
    if (savina_compute(savina_theta()) != 0) {
        ours_end(&f->run, "the computation failed");
        return;
    }
    if (!ours_sent(&f->run, savina_Sink_done_cast(ctx, f->sink, NULL), "Sink.done"))
        return;
    ours_sent(&f->run, actor_terminate(actor_ctx_system(ctx), actor_ctx_self(ctx), false),
              "actor_terminate");
}

static const savina_Fork_handlers ours_fork_handlers = {
    .init = ours_borrow_state,
    .work = ours_fork_work,
};

static int64_t ours_bench_fjcreation(const savina_params *p, const char *name)
{
    ours_world w;
    ours_fjcreate f;
    ours_sink sink;
    ours_run_init(&f.run, name);
    ours_world_start(&w, name);
    int64_t t0 = savina_now_ns();
    f.sink = ours_spawn_sink(&w, &sink, &f.run, p->fjcreate_n);
    for (long i = 0; i < p->fjcreate_n; i++) {
        actor_ref ref;
        ours_check(savina_Fork_spawn(w.sys, &ours_fork_handlers, &f, NULL, &ref), name, "spawn");
        ours_check(savina_Fork_work(w.client, ref, NULL), name, "Fork.work");
    }
    int64_t ns = ours_wait(&f.run, t0);
    ours_world_stop(&w);
    if (sink.got != p->fjcreate_n)
        savina_die(side, name, "not every actor reported");
    savina_checked(side, name, "every actor ran once");
    return ns;
}

/* ------------------------------------------------------- thread ring */

typedef struct ours_ring {
    ours_run run;
    const actor_ref *refs; /* the ring, filled before the token starts */
    long actors;
    long passes;           /* hops taken, counted by whoever took one */
} ours_ring;

typedef struct ours_ringer {
    ours_ring *ring;
    long index;
} ours_ringer;

static void ours_ringer_token(void *state, actor_ctx *ctx, const savina_Count *msg)
{
    ours_ringer *r = state;
    ours_ring *ring = r->ring;
    if (msg->n == 0) {
        ours_end(&ring->run, NULL);
        return;
    }
    ring->passes++; /* one token: one actor at a time touches it */
    savina_Count next = {.n = msg->n - 1};
    actor_ref to = ring->refs[(r->index + 1) % ring->actors];
    ours_sent(&ring->run, savina_Ringer_token_cast(ctx, to, &next, NULL), "Ringer.token");
}

static const savina_Ringer_handlers ours_ringer_handlers = {
    .init = ours_borrow_state,
    .token = ours_ringer_token,
};

static int64_t ours_bench_threadring(const savina_params *p, const char *name)
{
    ours_world w;
    ours_ring ring = {.actors = p->ring_actors};
    ours_ringer *ringers = ours_alloc((size_t)p->ring_actors, sizeof *ringers, name);
    actor_ref *refs = ours_alloc((size_t)p->ring_actors, sizeof *refs, name);
    ring.refs = refs;
    ours_run_init(&ring.run, name);
    ours_world_start(&w, name);
    int64_t t0 = savina_now_ns();
    for (long i = 0; i < p->ring_actors; i++) {
        ringers[i] = (ours_ringer){.ring = &ring, .index = i};
        ours_check(savina_Ringer_spawn(w.sys, &ours_ringer_handlers, &ringers[i], NULL, &refs[i]),
                   name, "spawn");
    }
    savina_Count token = {.n = (uint64_t)p->ring_hops};
    ours_check(savina_Ringer_token(w.client, refs[0], &token, NULL), name, "Ringer.token");
    int64_t ns = ours_wait(&ring.run, t0);
    ours_world_stop(&w);
    if (ring.passes != p->ring_hops)
        savina_die(side, name, "the token made the wrong number of hops");
    savina_checked(side, name, "hops == R");
    free(ringers);
    free(refs);
    return ns;
}

/* --------------------------------------------------------- chameneos */

typedef struct ours_mall {
    ours_run run;
    actor_ref self;
    long creatures;
    long meetings_left;
    bool waiting;            /* a creature waits for a partner: */
    savina_Meet waiter;      /*   its colour and ref */
    long faded;
    uint64_t meetings_sum;   /* each creature's count, reported when it fades */
} ours_mall;

typedef struct ours_chameneo {
    ours_mall *mall;
    savina_Colour colour;
    uint64_t meetings;
} ours_chameneo;

static void ours_mall_meet(void *state, actor_ctx *ctx, const savina_Meet *msg)
{
    ours_mall *m = state;
    if (m->meetings_left == 0) {
        ours_sent(&m->run, savina_Chameneo_exit_cast(ctx, ours_ref(msg->from), NULL),
                  "Chameneo.exit");
    } else if (!m->waiting) {
        m->waiting = true;
        m->waiter = *msg;
    } else {
        m->meetings_left--;
        m->waiting = false;
        ours_sent(&m->run, savina_Chameneo_meet_cast(ctx, ours_ref(m->waiter.from), msg, NULL),
                  "Chameneo.meet");
    }
}

static void ours_mall_report(void *state, actor_ctx *ctx, const savina_Count *msg)
{
    ours_mall *m = state;
    (void)ctx;
    m->meetings_sum += msg->n;
    if (++m->faded == m->creatures)
        ours_end(&m->run, NULL);
}

static void ours_chameneo_to_mall(ours_chameneo *c, actor_ctx *ctx)
{
    savina_Meet meet = {.colour = c->colour, .from = actor_ctx_self(ctx).id};
    ours_sent(&c->mall->run, savina_Mall_meet_cast(ctx, c->mall->self, &meet, NULL), "Mall.meet");
}

static void ours_chameneo_start(void *state, actor_ctx *ctx)
{
    ours_chameneo_to_mall(state, ctx);
}

/* The mall paired us with msg->from: both take the complement. */
static void ours_chameneo_meet(void *state, actor_ctx *ctx, const savina_Meet *msg)
{
    ours_chameneo *c = state;
    c->colour = savina_complement(c->colour, msg->colour);
    c->meetings++;
    savina_Change change = {.colour = c->colour};
    if (ours_sent(&c->mall->run, savina_Chameneo_change_cast(ctx, ours_ref(msg->from), &change, NULL),
                  "Chameneo.change"))
        ours_chameneo_to_mall(c, ctx);
}

static void ours_chameneo_change(void *state, actor_ctx *ctx, const savina_Change *msg)
{
    ours_chameneo *c = state;
    c->colour = msg->colour;
    c->meetings++;
    ours_chameneo_to_mall(c, ctx);
}

static void ours_chameneo_exit(void *state, actor_ctx *ctx)
{
    ours_chameneo *c = state;
    c->colour = SAVINA_FADED;
    savina_Count count = {.n = c->meetings};
    ours_sent(&c->mall->run, savina_Mall_report_cast(ctx, c->mall->self, &count, NULL),
              "Mall.report");
}

static const savina_Mall_handlers ours_mall_handlers = {
    .init = ours_borrow_state,
    .meet = ours_mall_meet,
    .report = ours_mall_report,
};

static const savina_Chameneo_handlers ours_chameneo_handlers = {
    .init = ours_borrow_state,
    .start = ours_chameneo_start,
    .meet = ours_chameneo_meet,
    .change = ours_chameneo_change,
    .exit = ours_chameneo_exit,
};

static int64_t ours_bench_chameneos(const savina_params *p, const char *name)
{
    ours_world w;
    ours_mall mall = {.creatures = p->cham_creatures, .meetings_left = p->cham_meetings};
    long n = p->cham_creatures;
    ours_chameneo *cs = ours_alloc((size_t)n, sizeof *cs, name);
    actor_ref *refs = ours_alloc((size_t)n, sizeof *refs, name);
    ours_run_init(&mall.run, name);
    ours_world_start(&w, name);
    int64_t t0 = savina_now_ns();
    ours_check(savina_Mall_spawn(w.sys, &ours_mall_handlers, &mall, NULL, &mall.self), name,
               "spawn");
    for (long i = 0; i < n; i++) {
        cs[i] = (ours_chameneo){.mall = &mall, .colour = savina_first_colour(i)};
        ours_check(savina_Chameneo_spawn(w.sys, &ours_chameneo_handlers, &cs[i], NULL, &refs[i]),
                   name, "spawn");
    }
    for (long i = 0; i < n; i++)
        ours_check(savina_Chameneo_start(w.client, refs[i], NULL), name, "Chameneo.start");
    int64_t ns = ours_wait(&mall.run, t0);
    ours_world_stop(&w);
    if (mall.meetings_sum != 2 * (uint64_t)p->cham_meetings)
        savina_die(side, name, "the creatures' meetings do not add up to twice the mall's");
    for (long i = 0; i < n; i++)
        if (cs[i].colour != SAVINA_FADED)
            savina_die(side, name, "a creature did not fade");
    savina_checked(side, name, "sum of meetings == 2 x meetings");
    free(cs);
    free(refs);
    return ns;
}

/* --------------------------------------------------------------- big */

typedef struct ours_big_world {
    ours_run run;
    const actor_ref *refs;
    long actors;
    long pings;
    actor_ref sink;
} ours_big_world;

typedef struct ours_big {
    ours_big_world *world;
    long index;
    long sent;
    savina_rng rng;
} ours_big;

static void ours_big_ping(void *state, actor_ctx *ctx, const savina_Peer *msg)
{
    ours_big *b = state;
    ours_sent(&b->world->run, savina_Big_pong_cast(ctx, ours_ref(msg->id), NULL), "Big.pong");
}

/* The answer to our last ping (or the start): the next ping, or done. */
static void ours_big_pong(void *state, actor_ctx *ctx)
{
    ours_big *b = state;
    ours_big_world *bw = b->world;
    if (b->sent == bw->pings) {
        ours_sent(&bw->run, savina_Sink_done_cast(ctx, bw->sink, NULL), "Sink.done");
        return;
    }
    b->sent++;
    long to = (b->index + 1 + (long)savina_rng_below(&b->rng, (uint64_t)bw->actors - 1)) %
              bw->actors;
    savina_Peer me = {.id = actor_ctx_self(ctx).id};
    ours_sent(&bw->run, savina_Big_ping_cast(ctx, bw->refs[to], &me, NULL), "Big.ping");
}

static const savina_Big_handlers ours_big_handlers = {
    .init = ours_borrow_state,
    .ping = ours_big_ping,
    .pong = ours_big_pong,
};

static int64_t ours_bench_big(const savina_params *p, const char *name)
{
    ours_world w;
    ours_sink sink;
    long n = p->big_actors;
    ours_big_world bw = {.actors = n, .pings = p->big_pings};
    ours_big *bigs = ours_alloc((size_t)n, sizeof *bigs, name);
    actor_ref *refs = ours_alloc((size_t)n, sizeof *refs, name);
    bw.refs = refs;
    ours_run_init(&bw.run, name);
    ours_world_start(&w, name);
    int64_t t0 = savina_now_ns();
    bw.sink = ours_spawn_sink(&w, &sink, &bw.run, n);
    for (long i = 0; i < n; i++) {
        bigs[i] = (ours_big){.world = &bw, .index = i, .rng = savina_big_rng(i)};
        ours_check(savina_Big_spawn(w.sys, &ours_big_handlers, &bigs[i], NULL, &refs[i]), name,
                   "spawn");
    }
    for (long i = 0; i < n; i++)
        ours_check(savina_Big_pong(w.client, refs[i], NULL), name, "Big.pong");
    int64_t ns = ours_wait(&bw.run, t0);
    ours_world_stop(&w);
    for (long i = 0; i < n; i++)
        if (bigs[i].sent != p->big_pings)
            savina_die(side, name, "an actor sent the wrong number of pings");
    savina_checked(side, name, "every actor's pings answered");
    free(bigs);
    free(refs);
    return ns;
}

/* ----------------------------------------------------- dictionary */

/* The Dictionary's own state: made by its init, freed by its cleanup. */
static int ours_dict_init(void **state, const void *arg, actor_ctx *ctx)
{
    const savina_params *p = arg;
    savina_table *t = malloc(sizeof *t);
    (void)ctx;
    if (t == NULL || savina_table_fill(t, p) != 0) {
        free(t);
        return ACTOR_ENOMEM;
    }
    *state = t;
    return 0;
}

static void ours_dict_cleanup(void *state, actor_ctx *ctx)
{
    savina_table *t = state;
    (void)ctx;
    savina_table_fini(t);
    free(t);
}

static int ours_dict_write(void *state, actor_ctx *ctx, const savina_Entry *req, savina_Entry *res)
{
    savina_table *t = state;
    (void)ctx;
    if (savina_table_put(t, req->key, req->value) != 0)
        return ACTOR_ENOMEM;
    *res = *req;
    return 0;
}

static int ours_dict_read(void *state, actor_ctx *ctx, const savina_Key *req, savina_Entry *res)
{
    savina_table *t = state;
    (void)ctx;
    res->key = req->key;
    res->value = savina_table_get(t, req->key);
    return 0;
}

static int ours_dict_digest(void *state, actor_ctx *ctx, savina_Digest *res)
{
    savina_digest d = savina_table_digest(state);
    (void)ctx;
    res->entries = d.entries;
    res->hash = d.hash;
    return 0;
}

static const savina_Dictionary_handlers ours_dict_handlers = {
    .init = ours_dict_init,
    .cleanup = ours_dict_cleanup,
    .write = ours_dict_write,
    .read = ours_dict_read,
    .digest = ours_dict_digest,
};

typedef struct ours_dict_world {
    ours_run run;
    const savina_params *p;
    actor_ref dict;
    actor_ref sink;
} ours_dict_world;

typedef struct ours_dict_worker {
    ours_dict_world *world;
    long index;
    long done;      /* requests answered */
    savina_rng rng;
} ours_dict_worker;

static void ours_dict_worker_next(ours_dict_worker *dw, actor_ctx *ctx);

static void ours_dict_worker_answered(ours_dict_worker *dw, actor_ctx *ctx,
                                      const actor_status *st)
{
    if (!ours_ok(&dw->world->run, st, "Dictionary"))
        return;
    if (++dw->done == dw->world->p->dict_msgs)
        ours_sent(&dw->world->run, savina_Sink_done_cast(ctx, dw->world->sink, NULL),
                  "Sink.done");
    else
        ours_dict_worker_next(dw, ctx);
}

static void ours_dict_worker_then(void *state, actor_ctx *ctx, const actor_status *st,
                                  const savina_Entry *res, void *user)
{
    (void)res;
    (void)user;
    ours_dict_worker_answered(state, ctx, st);
}

/* Sends request number dw->done: the next request waits for its answer. */
static void ours_dict_worker_next(ours_dict_worker *dw, actor_ctx *ctx)
{
    ours_dict_world *dwd = dw->world;
    savina_dict_op op = savina_dict_next(&dw->rng, dwd->p, dw->index, dw->done);
    int rc;
    if (op.write) {
        savina_Entry e = {.key = op.key, .value = op.value};
        rc = savina_Dictionary_write_request(ctx, dwd->dict, &e, NULL, ours_dict_worker_then, NULL,
                                             NULL);
    } else {
        savina_Key k = {.key = op.key};
        rc = savina_Dictionary_read_request(ctx, dwd->dict, &k, NULL, ours_dict_worker_then, NULL,
                                            NULL);
    }
    ours_sent(&dwd->run, rc, "Dictionary request");
}

static void ours_dict_worker_start(void *state, actor_ctx *ctx)
{
    ours_dict_worker_next(state, ctx);
}

static const savina_DictWorker_handlers ours_dict_worker_handlers = {
    .init = ours_borrow_state,
    .start = ours_dict_worker_start,
};

static int64_t ours_bench_dictionary(const savina_params *p, const char *name)
{
    ours_world w;
    ours_sink sink;
    long n = p->dict_workers;
    ours_dict_world dwd = {.p = p};
    ours_dict_worker *workers = ours_alloc((size_t)n, sizeof *workers, name);
    actor_ref *refs = ours_alloc((size_t)n, sizeof *refs, name);
    ours_run_init(&dwd.run, name);
    ours_world_start(&w, name);
    int64_t t0 = savina_now_ns();
    dwd.sink = ours_spawn_sink(&w, &sink, &dwd.run, n);
    ours_check(savina_Dictionary_spawn(w.sys, &ours_dict_handlers, p, NULL, &dwd.dict), name,
               "spawn");
    for (long i = 0; i < n; i++) {
        workers[i] = (ours_dict_worker){.world = &dwd, .index = i, .rng = savina_dict_rng(i)};
        ours_check(savina_DictWorker_spawn(w.sys, &ours_dict_worker_handlers, &workers[i], NULL,
                                           &refs[i]),
                   name, "spawn");
    }
    for (long i = 0; i < n; i++)
        ours_check(savina_DictWorker_start(w.client, refs[i], NULL), name, "DictWorker.start");
    int64_t ns = ours_wait(&dwd.run, t0);

    savina_Digest got;
    actor_status st;
    ours_check(savina_Dictionary_digest(w.client, dwd.dict, &got, NULL, &st), name, "digest");
    if (st.category != ACTOR_STATUS_OK)
        savina_die(side, name, st.message);
    ours_world_stop(&w);
    savina_digest want = savina_dict_expected(p);
    if (got.entries != want.entries || got.hash != want.hash)
        savina_die(side, name, "the dictionary's contents are not the expected ones");
    savina_checked(side, name, "final contents == expected");
    free(workers);
    free(refs);
    return ns;
}

/* -------------------------------------------------------------- bank */

typedef struct ours_bank {
    ours_run run;
    const savina_params *p;
    const actor_ref *accounts;
    long answered;  /* the teller's transfers done */
} ours_bank;

typedef struct ours_account {
    int64_t balance;
} ours_account;

/* The destination has the money: answer the teller's transfer. */
static void ours_account_deposited(void *state, actor_ctx *ctx, const actor_status *st,
                                   void *user)
{
    actor_reply *reply = user;
    (void)state;
    (void)ctx;
    if (st->category == ACTOR_STATUS_OK)
        savina_Account_transfer_reply(&reply);
    else
        actor_reply_status(&reply, st);
}

/* Takes the money out, and answers once the destination has it. */
static int ours_account_transfer(void *state, actor_ctx *ctx, const savina_Transfer *req)
{
    ours_account *a = state;
    actor_reply *reply = NULL;
    int rc = savina_Account_transfer_defer(ctx, &reply);
    if (rc < 0)
        return rc;
    a->balance -= req->amount;
    savina_Amount amount = {.amount = req->amount};
    int sent = savina_Account_deposit_request(ctx, ours_ref(req->to), &amount, NULL,
                                              ours_account_deposited, reply, NULL);
    if (sent != 0) {
        a->balance += req->amount;
        actor_status failed;
        actor_status_set(&failed, ACTOR_STATUS_INTERNAL, 0, "deposit: %s", actor_strerror(sent));
        actor_reply_status(&reply, &failed);
    }
    return rc;
}

static int ours_account_deposit(void *state, actor_ctx *ctx, const savina_Amount *req)
{
    ours_account *a = state;
    (void)ctx;
    a->balance += req->amount;
    return 0;
}

static int ours_account_balance(void *state, actor_ctx *ctx, savina_Amount *res)
{
    ours_account *a = state;
    (void)ctx;
    res->amount = a->balance;
    return 0;
}

static void ours_teller_transferred(void *state, actor_ctx *ctx, const actor_status *st,
                                    void *user)
{
    ours_bank *b = state;
    (void)ctx;
    (void)user;
    if (ours_ok(&b->run, st, "Account.transfer") && ++b->answered == b->p->bank_transactions)
        ours_end(&b->run, NULL);
}

/* Savina's teller asks for every transfer at once. */
static void ours_teller_start(void *state, actor_ctx *ctx)
{
    ours_bank *b = state;
    savina_rng rng = savina_bank_rng();
    for (long i = 0; i < b->p->bank_transactions; i++) {
        savina_transfer t = savina_bank_next(&rng, b->p);
        savina_Transfer req = {.to = b->accounts[t.to].id, .amount = t.amount};
        if (!ours_sent(&b->run,
                       savina_Account_transfer_request(ctx, b->accounts[t.from], &req, NULL,
                                                       ours_teller_transferred, NULL, NULL),
                       "Account.transfer"))
            return;
    }
}

static const savina_Account_handlers ours_account_handlers = {
    .init = ours_borrow_state,
    .transfer = ours_account_transfer,
    .deposit = ours_account_deposit,
    .balance = ours_account_balance,
};

static const savina_Teller_handlers ours_teller_handlers = {
    .init = ours_borrow_state,
    .start = ours_teller_start,
};

static int64_t ours_bench_bank(const savina_params *p, const char *name)
{
    ours_world w;
    long n = p->bank_accounts;
    ours_bank bank = {.p = p};
    ours_account *accounts = ours_alloc((size_t)n, sizeof *accounts, name);
    actor_ref *refs = ours_alloc((size_t)n, sizeof *refs, name);
    actor_ref teller;
    bank.accounts = refs;
    ours_run_init(&bank.run, name);
    ours_world_start(&w, name);
    int64_t t0 = savina_now_ns();
    for (long i = 0; i < n; i++) {
        accounts[i] = (ours_account){.balance = SAVINA_BANK_OPENING};
        ours_check(savina_Account_spawn(w.sys, &ours_account_handlers, &accounts[i], NULL,
                                        &refs[i]),
                   name, "spawn");
    }
    ours_check(savina_Teller_spawn(w.sys, &ours_teller_handlers, &bank, NULL, &teller), name,
               "spawn");
    ours_check(savina_Teller_start(w.client, teller, NULL), name, "Teller.start");
    int64_t ns = ours_wait(&bank.run, t0);

    int64_t total = 0;
    for (long i = 0; i < n; i++) {
        savina_Amount a;
        actor_status st;
        ours_check(savina_Account_balance(w.client, refs[i], &a, NULL, &st), name, "balance");
        if (st.category != ACTOR_STATUS_OK)
            savina_die(side, name, st.message);
        total += a.amount;
    }
    ours_world_stop(&w);
    if (total != (int64_t)n * SAVINA_BANK_OPENING)
        savina_die(side, name, "the total balance changed");
    savina_checked(side, name, "total balance kept");
    free(accounts);
    free(refs);
    return ns;
}

/* ------------------------------------------------------------------ */

typedef struct ours_benchmark {
    const char *name;
    int64_t (*run)(const savina_params *p, const char *name);
} ours_benchmark;

static const ours_benchmark ours_benchmarks[] = {
    {"pingpong", ours_bench_pingpong},         {"counting", ours_bench_counting},
    {"fjthroughput", ours_bench_fjthroughput}, {"fjcreation", ours_bench_fjcreation},
    {"threadring", ours_bench_threadring},     {"chameneos", ours_bench_chameneos},
    {"big", ours_bench_big},               {"dictionary", ours_bench_dictionary},
    {"bank", ours_bench_bank},
};

int main(int argc, char **argv)
{
    savina_params p;
    if (savina_parse_args(argc, argv, &p) != 0)
        return 2;
    savina_print_params(&p);
    for (size_t i = 0; i < sizeof ours_benchmarks / sizeof ours_benchmarks[0]; i++) {
        const ours_benchmark *b = &ours_benchmarks[i];
        if (!savina_selected(&p, b->name))
            continue;
        for (long r = 0; r < p.reps; r++)
            savina_report(side, b->name, b->run(&p, b->name));
    }
    return 0;
}
