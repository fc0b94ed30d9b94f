/*
 * tests/actors/concurrent_test.c - the generated stubs under concurrency:
 * several plain threads, each with its own client, make synchronous calls,
 * asynchronous calls (many outstanding) and calls through an actor that
 * forwards with typed requests and deferred replies, to shared actors. Every
 * reply must match its request: right result, right call id, exactly once.
 * Also run under ThreadSanitizer.
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "actor/testing.h"
#include "calc_impl.h"

#define THREADS 4
#define ROUNDS 150
#define OUTSTANDING 16

typedef struct shared {
    actor_test t;
    actor_ref calc[2];
    actor_ref front;
} shared;

/* One asynchronous call: what it asked, what came back. */
typedef struct slot {
    struct worker *owner;
    double want;
    uint64_t call_id; /* from the stub */
    uint64_t got_id;  /* from the callback */
    double got;
    int calls;
    bool ok;
} slot;

typedef struct worker {
    shared *sh;
    int index;
    pthread_mutex_t lock;
    pthread_cond_t cond;
    int done; /* callbacks run */
    slot slots[ROUNDS];
    int errors; /* wrong results or statuses seen by the thread itself */
} worker;

static void answered(void *user, uint64_t call_id, const actor_status *st,
                     const calc_CalcResponse *res)
{
    slot *s = user;
    worker *w = s->owner;

    pthread_mutex_lock(&w->lock);
    s->calls++;
    s->got_id = call_id;
    s->ok = st->category == ACTOR_STATUS_OK && res != NULL;
    s->got = res != NULL ? res->result : 0;
    w->done++;
    pthread_cond_signal(&w->cond);
    pthread_mutex_unlock(&w->lock);
}

static void wait_done(worker *w, int count)
{
    pthread_mutex_lock(&w->lock);
    while (w->done < count)
        pthread_cond_wait(&w->cond, &w->lock);
    pthread_mutex_unlock(&w->lock);
}

static bool sync_call(worker *w, actor_client *c, actor_ref to, bool via_front, double a, double b)
{
    calc_CalcRequest req;
    calc_CalcResponse res;
    actor_status st;
    int rc;
    bool ok;

    calc_CalcRequest_init(&req);
    req.a = a;
    req.b = b;
    req.op = calc_Op_MUL;
    if (via_front)
        rc = calc_Frontend_calculate(c, to, &req, &res, NULL, &st);
    else
        rc = calc_Calculator_calculate(c, to, &req, &res, NULL, &st);
    ok = rc == 0 && st.category == ACTOR_STATUS_OK && res.result == a * b;
    calc_CalcResponse_free(&res);
    (void)w;
    return ok;
}

static void *run(void *arg)
{
    worker *w = arg;
    actor_client *c;
    int started = 0;

    if (actor_client_new(w->sh->t.sys, &c) != 0) {
        w->errors = ROUNDS;
        return NULL;
    }
    for (int i = 0; i < ROUNDS; i++) {
        double a = w->index * 1000 + i, b = i % 7 + 1;
        calc_CalcRequest req;
        slot *s = &w->slots[i];

        if (!sync_call(w, c, w->sh->calc[i % 2], false, a, b))
            w->errors++;
        if (i % 5 == 0 && !sync_call(w, c, w->sh->front, true, a, b))
            w->errors++;
        calc_CalcRequest_init(&req);
        req.a = a;
        req.b = b;
        req.op = calc_Op_ADD;
        s->owner = w;
        s->want = a + b;
        if (i >= OUTSTANDING)
            wait_done(w, i - OUTSTANDING + 1);
        if (calc_Calculator_calculate_async(c, w->sh->calc[(i + 1) % 2], &req, NULL, answered, s,
                                            &s->call_id) != 0)
            w->errors++;
        else
            started++;
    }
    wait_done(w, started);
    actor_client_destroy(&c);
    return NULL;
}

ACTOR_TEST(many_clients_every_reply_matched)
{
    static shared sh;
    static worker workers[THREADS];
    pthread_t threads[THREADS];
    frontend_config fcfg;

    ACTOR_ASSERT_RC(actor_test_start(&sh.t, 2), 0);
    for (int i = 0; i < 2; i++)
        ACTOR_ASSERT_RC(
            calc_Calculator_spawn(sh.t.sys, &calculator_handlers, NULL, NULL, &sh.calc[i]), 0);
    fcfg.backend = sh.calc[0];
    ACTOR_ASSERT_RC(calc_Frontend_spawn(sh.t.sys, &frontend_handlers, &fcfg, NULL, &sh.front), 0);
    for (int i = 0; i < THREADS; i++) {
        workers[i].sh = &sh;
        workers[i].index = i;
        pthread_mutex_init(&workers[i].lock, NULL);
        pthread_cond_init(&workers[i].cond, NULL);
        ACTOR_ASSERT_INT(pthread_create(&threads[i], NULL, run, &workers[i]), 0);
    }
    for (int i = 0; i < THREADS; i++)
        pthread_join(threads[i], NULL);
    for (int i = 0; i < THREADS; i++) {
        worker *w = &workers[i];
        ACTOR_ASSERT_INT(w->errors, 0);
        ACTOR_ASSERT_INT(w->done, ROUNDS);
        for (int j = 0; j < ROUNDS; j++) {
            const slot *s = &w->slots[j];
            ACTOR_ASSERT_INT(s->calls, 1);
            ACTOR_ASSERT(s->ok);
            ACTOR_ASSERT(s->got == s->want);
            ACTOR_ASSERT(s->call_id != 0 && s->got_id == s->call_id);
        }
        pthread_mutex_destroy(&w->lock);
        pthread_cond_destroy(&w->cond);
    }
    ACTOR_ASSERT_INT(atomic_load(&frontend_bad_states), 0);
    actor_test_stop(&sh.t);
}

int main(void)
{
    ACTOR_TEST_RUN(many_clients_every_reply_matched);
    return actor_test_summary();
}
