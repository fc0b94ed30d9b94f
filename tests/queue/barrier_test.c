/*
 * barrier_test.c - barriers (actor/barriers.h): parties go through
 * together, round after round, each with its place; a wait that runs out
 * answers TIMED_OUT and breaks the round for the others (BROKEN), and the
 * next round works; a joined party that ends before it arrives breaks the
 * round (PARTY_DIED); unknown parties, a party arriving twice and more
 * parties than places are refused (BAD_PARTY).
 */
#include <pthread.h>
#include <stdatomic.h>
#include <string.h>

#include "actor/barriers.h"
#include "actor/testing.h"

#define LONG_MS 10000u

static bool is_error(const actor_status *st, int32_t code)
{
    return st->category == ACTOR_STATUS_ERROR && st->code == code;
}

/* One party's arrival, in a thread of its own. */
typedef struct party_thread {
    actor_test *t;
    actor_ref barrier;
    uint64_t party;
    uint32_t timeout_ms;
    actor_barrier_Released got;
    actor_status st;
    atomic_bool done;
    pthread_t thread;
} party_thread;

static void *party_main(void *arg)
{
    party_thread *p = arg;
    actor_client *c = NULL;

    if (actor_client_new(p->t->sys, &c) == 0) {
        actor_barrier_wait(c, p->barrier, p->party, p->timeout_ms, &p->got, &p->st);
        actor_client_destroy(&c);
    }
    atomic_store(&p->done, true);
    return NULL;
}

static void party_start(party_thread *p, actor_test *t, actor_ref b, uint64_t party,
                        uint32_t timeout_ms)
{
    *p = (party_thread){.t = t, .barrier = b, .party = party, .timeout_ms = timeout_ms};
    pthread_create(&p->thread, NULL, party_main, p);
}

static bool party_done(void *arg)
{
    return atomic_load(&((party_thread *)arg)->done);
}

static actor_barrier_BarrierInfo info_of(actor_test *t, actor_ref b)
{
    actor_barrier_BarrierInfo info = {0};
    actor_status st;

    actor_barrier_Barrier_info(t->client, b, &info, NULL, &st);
    return info;
}

typedef struct waiting_for {
    actor_test *t;
    actor_ref b;
    uint32_t n;
} waiting_for;

static bool waiting_pred(void *arg)
{
    waiting_for *w = arg;

    return info_of(w->t, w->b).waiting == w->n;
}

ACTOR_TEST(parties_go_through_together_round_after_round)
{
    actor_test t;
    actor_ref b;
    party_thread p[2];
    actor_barrier_Released mine;
    actor_status st;

    ACTOR_ASSERT_RC(actor_test_start(&t, 2), 0);
    ACTOR_ASSERT_RC(actor_barrier_spawn(t.sys, 3, NULL, &b), 0);
    for (unsigned round = 1; round <= 2; round++) {
        party_start(&p[0], &t, b, 0, LONG_MS);
        ACTOR_ASSERT(actor_test_wait(waiting_pred, &(waiting_for){&t, b, 1}, LONG_MS));
        party_start(&p[1], &t, b, 0, LONG_MS);
        ACTOR_ASSERT(actor_test_wait(waiting_pred, &(waiting_for){&t, b, 2}, LONG_MS));
        ACTOR_ASSERT(!atomic_load(&p[0].done) && !atomic_load(&p[1].done));
        ACTOR_ASSERT_RC(actor_barrier_wait(t.client, b, 0, LONG_MS, &mine, &st), 0);
        ACTOR_ASSERT_INT(st.category, ACTOR_STATUS_OK);
        ACTOR_ASSERT(actor_test_wait(party_done, &p[0], LONG_MS));
        ACTOR_ASSERT(actor_test_wait(party_done, &p[1], LONG_MS));
        ACTOR_ASSERT_INT(p[0].st.category, ACTOR_STATUS_OK);
        ACTOR_ASSERT_INT(p[1].st.category, ACTOR_STATUS_OK);
        ACTOR_ASSERT_INT(p[0].got.round, round);
        ACTOR_ASSERT_INT(p[1].got.round, round);
        ACTOR_ASSERT_INT(mine.round, round);
        ACTOR_ASSERT_INT(p[0].got.arrival, 0);
        ACTOR_ASSERT_INT(p[1].got.arrival, 1);
        ACTOR_ASSERT_INT(mine.arrival, 2);
        pthread_join(p[0].thread, NULL);
        pthread_join(p[1].thread, NULL);
    }
    ACTOR_ASSERT_INT(info_of(&t, b).rounds, 2);
    actor_test_stop(&t);
}

ACTOR_TEST(a_wait_that_runs_out_breaks_the_round_and_the_next_one_works)
{
    actor_test t;
    actor_ref b;
    party_thread patient, hasty;
    actor_barrier_Released got;
    actor_status st;

    ACTOR_ASSERT_RC(actor_test_start(&t, 2), 0);
    ACTOR_ASSERT_RC(actor_barrier_spawn(t.sys, 3, NULL, &b), 0);
    party_start(&patient, &t, b, 0, LONG_MS);
    ACTOR_ASSERT(actor_test_wait(waiting_pred, &(waiting_for){&t, b, 1}, LONG_MS));
    party_start(&hasty, &t, b, 0, 50);
    ACTOR_ASSERT(actor_test_wait(party_done, &hasty, LONG_MS));
    ACTOR_ASSERT(actor_test_wait(party_done, &patient, LONG_MS));
    ACTOR_ASSERT(is_error(&hasty.st, actor_barrier_BarrierError_TIMED_OUT));
    ACTOR_ASSERT(is_error(&patient.st, actor_barrier_BarrierError_BROKEN));
    ACTOR_ASSERT_INT(info_of(&t, b).broken, 1);
    ACTOR_ASSERT_INT(info_of(&t, b).waiting, 0);
    pthread_join(patient.thread, NULL);
    pthread_join(hasty.thread, NULL);
    /* a barrier of one: the next round goes through at once */
    ACTOR_ASSERT_RC(actor_barrier_spawn(t.sys, 1, NULL, &b), 0);
    ACTOR_ASSERT_RC(actor_barrier_wait(t.client, b, 0, 0, &got, &st), 0);
    ACTOR_ASSERT_INT(st.category, ACTOR_STATUS_OK);
    ACTOR_ASSERT_INT(got.round, 1);
    actor_test_stop(&t);
}

/* An actor that does nothing: a party to watch. */
static const actor_type idle_type = {.name = "test.Idle"};

ACTOR_TEST(a_party_that_dies_before_it_arrives_breaks_the_round)
{
    actor_test t;
    actor_ref b, doomed, other;
    actor_barrier_Party who = {0};
    actor_barrier_Joined joined, again;
    party_thread waiter;
    actor_status st;

    ACTOR_ASSERT_RC(actor_test_start(&t, 2), 0);
    ACTOR_ASSERT_RC(actor_barrier_spawn(t.sys, 2, NULL, &b), 0);
    doomed = actor_test_spawn(&t, &idle_type, NULL);
    other = actor_test_spawn(&t, &idle_type, NULL);
    who.local_id = doomed.id;
    ACTOR_ASSERT_RC(actor_barrier_Barrier_join(t.client, b, &who, &joined, NULL, &st), 0);
    ACTOR_ASSERT_INT(st.category, ACTOR_STATUS_OK);
    who.local_id = other.id;
    ACTOR_ASSERT_RC(actor_barrier_Barrier_join(t.client, b, &who, &again, NULL, &st), 0);
    ACTOR_ASSERT_INT(info_of(&t, b).joined, 2);
    /* no third place */
    actor_barrier_Barrier_join(t.client, b, &who, &(actor_barrier_Joined){0}, NULL, &st);
    ACTOR_ASSERT(is_error(&st, actor_barrier_BarrierError_BAD_PARTY));
    /* unknown party */
    actor_barrier_wait(t.client, b, 999, 50, NULL, &st);
    ACTOR_ASSERT(is_error(&st, actor_barrier_BarrierError_BAD_PARTY));
    party_start(&waiter, &t, b, again.party, LONG_MS);
    ACTOR_ASSERT(actor_test_wait(waiting_pred, &(waiting_for){&t, b, 1}, LONG_MS));
    /* the same party again in this round */
    actor_barrier_wait(t.client, b, again.party, 50, NULL, &st);
    ACTOR_ASSERT(is_error(&st, actor_barrier_BarrierError_BAD_PARTY));
    ACTOR_ASSERT_RC(actor_terminate(t.sys, doomed, false), 0);
    ACTOR_ASSERT(actor_test_wait(party_done, &waiter, LONG_MS));
    ACTOR_ASSERT(is_error(&waiter.st, actor_barrier_BarrierError_PARTY_DIED));
    ACTOR_ASSERT(strstr(waiter.st.message, "EXITED") != NULL);
    ACTOR_ASSERT_INT(info_of(&t, b).joined, 1);
    pthread_join(waiter.thread, NULL);
    actor_test_stop(&t);
}

int main(void)
{
    ACTOR_TEST_RUN(parties_go_through_together_round_after_round);
    ACTOR_TEST_RUN(a_wait_that_runs_out_breaks_the_round_and_the_next_one_works);
    ACTOR_TEST_RUN(a_party_that_dies_before_it_arrives_breaks_the_round);
    return actor_test_summary();
}
