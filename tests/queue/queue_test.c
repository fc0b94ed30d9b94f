/*
 * queue_test.c - the queue service (actor/queues.h): typed puts and gets
 * in order; FULL, EMPTY, TOO_LARGE, WRONG_TYPE and BAD_COUNT; a batch in
 * or out whole; waits ended by a put or a get, by their timeout, or by
 * the caller's deadline (answered by the queue, not TIMEOUT); waiting
 * callers served in order; a byte bound; the bound on waiting callers;
 * a prefetching consumer's next get out while it works; shutdown while a
 * get waits, with and without a grace period; a queue that ends while
 * callers wait; info.
 */
#include <pthread.h>
#include <stdatomic.h>
#include <string.h>
#include <unistd.h>

#include "actor/queues.h"
#include "actor/testing.h"
#include "jobs.h"

ACTOR_MESSAGE_DESC(jobs_Note);

#define JOB jobs_Job_TYPE
#define LONG_MS 10000u

static const actor_queue_Wait nowait = {false, 0};

static actor_queue_Wait waiting(uint32_t ms)
{
    return (actor_queue_Wait){true, ms};
}

static jobs_Job job(uint64_t id, uint8_t *payload, size_t len)
{
    jobs_Job j;

    jobs_Job_init(&j);
    j.id = id;
    j.payload = (actor_bytes){.data = payload, .len = len};
    return j;
}

/* Puts job `id` (no payload) with the generated wrapper; the status. */
static actor_status put_id(actor_test *t, actor_ref q, uint64_t id, actor_queue_Wait w)
{
    jobs_Job j = job(id, NULL, 0);
    actor_status st;

    jobs_Job_queue_put(t->client, q, &j, 1, w, &st);
    return st;
}

/* Gets one job: its id, or -1 with *st not OK. */
static int64_t get_id(actor_test *t, actor_ref q, actor_queue_Wait w, actor_status *st)
{
    jobs_Job j;
    int64_t id;

    jobs_Job_queue_get(t->client, q, &j, 1, w, st);
    if (st->category != ACTOR_STATUS_OK)
        return -1;
    id = (int64_t)j.id;
    jobs_Job_free(&j);
    return id;
}

/* The queue's info, its numbers only (type NULL). */
static actor_queue_Info info_of(actor_test *t, actor_ref q)
{
    actor_queue_Info info, numbers;
    actor_status st;

    actor_queue_Queue_info(t->client, q, &info, NULL, &st);
    if (st.category != ACTOR_STATUS_OK) {
        memset(&numbers, 0xff, sizeof numbers);
    } else {
        numbers = info;
        actor_queue_Info_free(&info);
    }
    numbers.type = NULL;
    return numbers;
}

static bool is_error(const actor_status *st, int32_t code)
{
    return st->category == ACTOR_STATUS_ERROR && st->code == code;
}

static int start(actor_test *t, const actor_queue_opts *o, actor_ref *q)
{
    int rc = actor_test_start(t, 2);

    return rc != 0 ? rc : actor_queue_spawn(t->sys, o, NULL, q);
}

ACTOR_TEST(typed_items_come_out_whole_and_in_order)
{
    actor_test t;
    actor_ref q;
    actor_status st;
    uint8_t big[100000];
    jobs_Job in[3], out[3];

    ACTOR_ASSERT_RC(start(&t, &(actor_queue_opts){.type = JOB}, &q), 0);
    for (size_t i = 0; i < sizeof big; i++)
        big[i] = (uint8_t)(i * 7);
    in[0] = job(1, big, sizeof big);
    in[1] = job(2, NULL, 0);
    in[2] = job(3, big, 10);
    ACTOR_ASSERT_RC(actor_queue_put(t.client, q, &jobs_Job_desc, JOB, in, 3, nowait, &st), 0);
    ACTOR_ASSERT_INT(st.category, ACTOR_STATUS_OK);
    ACTOR_ASSERT_INT(info_of(&t, q).items, 3);
    ACTOR_ASSERT_RC(actor_queue_get(t.client, q, &jobs_Job_desc, JOB, out, 2, nowait, &st), 0);
    ACTOR_ASSERT_INT(st.category, ACTOR_STATUS_OK);
    ACTOR_ASSERT_INT(out[0].id, 1);
    ACTOR_ASSERT_INT(out[0].payload.len, sizeof big);
    ACTOR_ASSERT(memcmp(out[0].payload.data, big, sizeof big) == 0);
    ACTOR_ASSERT_INT(out[1].id, 2);
    ACTOR_ASSERT_INT(out[1].payload.len, 0);
    jobs_Job_free(&out[0]);
    jobs_Job_free(&out[1]);
    ACTOR_ASSERT_INT(get_id(&t, q, nowait, &st), 3);
    ACTOR_ASSERT_INT(info_of(&t, q).items, 0);
    ACTOR_ASSERT_INT(info_of(&t, q).put_total, 3);
    ACTOR_ASSERT_INT(info_of(&t, q).got_total, 3);
    ACTOR_ASSERT_INT(info_of(&t, q).peak_items, 3);
    ACTOR_ASSERT(info_of(&t, q).peak_bytes > sizeof big);
    actor_test_stop(&t);
}

ACTOR_TEST(full_empty_and_batches_whole_or_not_at_all)
{
    actor_test t;
    actor_ref q;
    actor_status st;
    jobs_Job two[2] = {job(10, NULL, 0), job(11, NULL, 0)}, out[3];
    actor_queue_Info info;

    ACTOR_ASSERT_RC(start(&t, &(actor_queue_opts){.type = JOB, .max_items = 4}, &q), 0);
    get_id(&t, q, nowait, &st);
    ACTOR_ASSERT(is_error(&st, actor_queue_QueueError_EMPTY));
    for (uint64_t i = 0; i < 3; i++)
        ACTOR_ASSERT_INT(put_id(&t, q, i, nowait).category, ACTOR_STATUS_OK);
    /* a batch of 2 does not fit in the 1 place left: none goes in */
    actor_queue_put(t.client, q, &jobs_Job_desc, JOB, two, 2, nowait, &st);
    ACTOR_ASSERT(is_error(&st, actor_queue_QueueError_FULL));
    ACTOR_ASSERT_INT(info_of(&t, q).items, 3);
    ACTOR_ASSERT_INT(put_id(&t, q, 3, nowait).category, ACTOR_STATUS_OK);
    st = put_id(&t, q, 4, nowait);
    ACTOR_ASSERT(is_error(&st, actor_queue_QueueError_FULL));
    info = info_of(&t, q);
    ACTOR_ASSERT_INT(info.items, 4);
    ACTOR_ASSERT_INT(info.max_items, 4);
    /* a get of 3 takes 3 at once; then a get of 3 finds 1: none comes out */
    actor_queue_get(t.client, q, &jobs_Job_desc, JOB, out, 3, nowait, &st);
    ACTOR_ASSERT_INT(st.category, ACTOR_STATUS_OK);
    for (int i = 0; i < 3; i++) {
        ACTOR_ASSERT_INT(out[i].id, i);
        jobs_Job_free(&out[i]);
    }
    actor_queue_get(t.client, q, &jobs_Job_desc, JOB, out, 3, nowait, &st);
    ACTOR_ASSERT(is_error(&st, actor_queue_QueueError_EMPTY));
    ACTOR_ASSERT_INT(info_of(&t, q).items, 1);
    /* more than the queue ever holds, either way, and a get of nothing */
    {
        jobs_Job five[5] = {job(1, NULL, 0), job(2, NULL, 0), job(3, NULL, 0), job(4, NULL, 0),
                            job(5, NULL, 0)};
        actor_queue_put(t.client, q, &jobs_Job_desc, JOB, five, 5, waiting(LONG_MS), &st);
        ACTOR_ASSERT(is_error(&st, actor_queue_QueueError_TOO_LARGE));
        actor_queue_get(t.client, q, &jobs_Job_desc, JOB, five, 5, waiting(LONG_MS), &st);
        ACTOR_ASSERT(is_error(&st, actor_queue_QueueError_TOO_LARGE));
    }
    actor_queue_get(t.client, q, &jobs_Job_desc, JOB, out, 0, nowait, &st);
    ACTOR_ASSERT(is_error(&st, actor_queue_QueueError_BAD_COUNT));
    ACTOR_ASSERT_INT(get_id(&t, q, nowait, &st), 3);
    actor_test_stop(&t);
}

ACTOR_TEST(a_wrong_type_is_refused)
{
    actor_test t;
    actor_ref q;
    actor_status st;
    jobs_Note note;

    ACTOR_ASSERT_RC(start(&t, &(actor_queue_opts){.type = JOB}, &q), 0);
    jobs_Note_init(&note);
    note.text = (char *)(uintptr_t) "hi";
    actor_queue_put(t.client, q, &jobs_Note__desc, "jobs.Note", &note, 1, nowait, &st);
    ACTOR_ASSERT(is_error(&st, actor_queue_QueueError_WRONG_TYPE));
    ACTOR_ASSERT_INT(put_id(&t, q, 1, nowait).category, ACTOR_STATUS_OK);
    actor_queue_get(t.client, q, &jobs_Note__desc, "jobs.Note", &note, 1, nowait, &st);
    ACTOR_ASSERT(is_error(&st, actor_queue_QueueError_WRONG_TYPE));
    ACTOR_ASSERT_INT(info_of(&t, q).items, 1);
    actor_test_stop(&t);
}

ACTOR_TEST(a_byte_bound_smaller_than_one_item_and_a_byte_bound_that_waits)
{
    actor_test t;
    actor_ref q;
    actor_status st;
    uint8_t payload[600] = {0};
    jobs_Job j = job(1, payload, sizeof payload);

    ACTOR_ASSERT_RC(start(&t, &(actor_queue_opts){.type = JOB, .max_bytes = 1000}, &q), 0);
    ACTOR_ASSERT_INT(put_id(&t, q, 0, nowait).category, ACTOR_STATUS_OK);
    actor_queue_put(t.client, q, &jobs_Job_desc, JOB, &j, 1, nowait, &st);
    ACTOR_ASSERT_INT(st.category, ACTOR_STATUS_OK);
    /* a second 600-byte job does not fit in what is left */
    actor_queue_put(t.client, q, &jobs_Job_desc, JOB, &j, 1, nowait, &st);
    ACTOR_ASSERT(is_error(&st, actor_queue_QueueError_FULL));
    ACTOR_ASSERT(info_of(&t, q).size_bytes > 600);
    /* one of 1200 bytes never fits, even waiting */
    {
        uint8_t large[1200] = {0};
        jobs_Job l = job(2, large, sizeof large);
        actor_queue_put(t.client, q, &jobs_Job_desc, JOB, &l, 1, waiting(LONG_MS), &st);
        ACTOR_ASSERT(is_error(&st, actor_queue_QueueError_TOO_LARGE));
    }
    ACTOR_ASSERT_INT(get_id(&t, q, nowait, &st), 0);
    ACTOR_ASSERT_INT(get_id(&t, q, nowait, &st), 1);
    ACTOR_ASSERT_INT(info_of(&t, q).size_bytes, 0);
    actor_test_stop(&t);
}

/* ------------------------------------------------------------ waiting */

/* A get in a thread of its own, for a test to release. */
typedef struct getter {
    actor_test *t;
    actor_ref q;
    actor_queue_Wait wait;
    actor_status st;
    int64_t id;
    atomic_bool done;
    pthread_t thread;
} getter;

static void *getter_main(void *arg)
{
    getter *g = arg;
    actor_client *c = NULL;
    jobs_Job j;

    g->id = -1;
    if (actor_client_new(g->t->sys, &c) == 0) {
        actor_queue_get(c, g->q, &jobs_Job_desc, JOB, &j, 1, g->wait, &g->st);
        if (g->st.category == ACTOR_STATUS_OK) {
            g->id = (int64_t)j.id;
            jobs_Job_free(&j);
        }
        actor_client_destroy(&c);
    }
    atomic_store(&g->done, true);
    return NULL;
}

static void getter_start(getter *g, actor_test *t, actor_ref q, actor_queue_Wait w)
{
    *g = (getter){.t = t, .q = q, .wait = w};
    pthread_create(&g->thread, NULL, getter_main, g);
}

static bool getter_done(void *arg)
{
    return atomic_load(&((getter *)arg)->done);
}

typedef struct waits {
    actor_test *t;
    actor_ref q;
    uint32_t gets, puts;
} waits;

/* Until the queue has `gets` gets and `puts` puts waiting. */
static bool waits_pred(void *arg)
{
    waits *w = arg;
    actor_queue_Info info = info_of(w->t, w->q);

    return info.waiting_gets == w->gets && info.waiting_puts == w->puts;
}

ACTOR_TEST(waiting_gets_are_served_by_puts_in_the_order_they_came)
{
    actor_test t;
    actor_ref q;
    getter a, b;

    ACTOR_ASSERT_RC(start(&t, &(actor_queue_opts){.type = JOB}, &q), 0);
    getter_start(&a, &t, q, waiting(LONG_MS));
    ACTOR_ASSERT(actor_test_wait(waits_pred, &(waits){&t, q, 1, 0}, LONG_MS));
    getter_start(&b, &t, q, waiting(0)); /* as long as the call may */
    ACTOR_ASSERT(actor_test_wait(waits_pred, &(waits){&t, q, 2, 0}, LONG_MS));
    ACTOR_ASSERT_INT(put_id(&t, q, 7, nowait).category, ACTOR_STATUS_OK);
    ACTOR_ASSERT(actor_test_wait(getter_done, &a, LONG_MS));
    ACTOR_ASSERT_INT(a.id, 7);
    ACTOR_ASSERT(!atomic_load(&b.done));
    ACTOR_ASSERT_INT(put_id(&t, q, 8, nowait).category, ACTOR_STATUS_OK);
    ACTOR_ASSERT(actor_test_wait(getter_done, &b, LONG_MS));
    ACTOR_ASSERT_INT(b.id, 8);
    pthread_join(a.thread, NULL);
    pthread_join(b.thread, NULL);
    actor_test_stop(&t);
}

/* A put in a thread of its own. */
typedef struct putter {
    actor_test *t;
    actor_ref q;
    uint64_t id;
    actor_status st;
    atomic_bool done;
    pthread_t thread;
} putter;

static void *putter_main(void *arg)
{
    putter *p = arg;
    actor_client *c = NULL;
    jobs_Job j = job(p->id, NULL, 0);

    if (actor_client_new(p->t->sys, &c) == 0) {
        actor_queue_put(c, p->q, &jobs_Job_desc, JOB, &j, 1, waiting(LONG_MS), &p->st);
        actor_client_destroy(&c);
    }
    atomic_store(&p->done, true);
    return NULL;
}

static bool putter_done(void *arg)
{
    return atomic_load(&((putter *)arg)->done);
}

ACTOR_TEST(a_waiting_put_goes_in_when_a_get_makes_room)
{
    actor_test t;
    actor_ref q;
    actor_status st;
    putter p;

    ACTOR_ASSERT_RC(start(&t, &(actor_queue_opts){.type = JOB, .max_items = 1}, &q), 0);
    ACTOR_ASSERT_INT(put_id(&t, q, 1, nowait).category, ACTOR_STATUS_OK);
    p = (putter){.t = &t, .q = q, .id = 2};
    pthread_create(&p.thread, NULL, putter_main, &p);
    ACTOR_ASSERT(actor_test_wait(waits_pred, &(waits){&t, q, 0, 1}, LONG_MS));
    ACTOR_ASSERT(!atomic_load(&p.done));
    ACTOR_ASSERT_INT(get_id(&t, q, nowait, &st), 1);
    ACTOR_ASSERT(actor_test_wait(putter_done, &p, LONG_MS));
    ACTOR_ASSERT_INT(p.st.category, ACTOR_STATUS_OK);
    ACTOR_ASSERT_INT(get_id(&t, q, nowait, &st), 2);
    pthread_join(p.thread, NULL);
    actor_test_stop(&t);
}

ACTOR_TEST(waits_end_at_their_timeout_or_before_the_callers_deadline)
{
    actor_test t;
    actor_ref q;
    actor_status st;
    actor_queue_GetRequest req = {(char *)(uintptr_t)JOB, 1, {true, 0}};
    actor_queue_Items res;
    int64_t t0;

    ACTOR_ASSERT_RC(start(&t, &(actor_queue_opts){.type = JOB, .max_items = 1}, &q), 0);
    t0 = actor_now_ns();
    get_id(&t, q, waiting(50), &st);
    ACTOR_ASSERT(is_error(&st, actor_queue_QueueError_EMPTY));
    ACTOR_ASSERT(actor_now_ns() - t0 >= 50 * 1000000LL); /* never early */
    ACTOR_ASSERT_INT(put_id(&t, q, 1, nowait).category, ACTOR_STATUS_OK);
    st = put_id(&t, q, 2, waiting(50));
    ACTOR_ASSERT(is_error(&st, actor_queue_QueueError_FULL));
    ACTOR_ASSERT_INT(get_id(&t, q, nowait, &st), 1);
    /* a wait as long as the call may, whose call has 300 ms: the queue
     * answers EMPTY before the caller's own deadline would say TIMEOUT */
    actor_queue_Queue_get(t.client, q, &req, &res, &(actor_call_opts){ACTOR_PRIORITY_DEFAULT, 300},
                          &st);
    ACTOR_ASSERT(is_error(&st, actor_queue_QueueError_EMPTY));
    ACTOR_ASSERT_INT(info_of(&t, q).waiting_gets, 0);
    actor_test_stop(&t);
}

ACTOR_TEST(no_more_callers_wait_than_the_bound)
{
    actor_test t;
    actor_ref q;
    actor_status st;
    getter a;

    ACTOR_ASSERT_RC(start(&t, &(actor_queue_opts){.type = JOB, .max_waiting = 1}, &q), 0);
    getter_start(&a, &t, q, waiting(LONG_MS));
    ACTOR_ASSERT(actor_test_wait(waits_pred, &(waits){&t, q, 1, 0}, LONG_MS));
    get_id(&t, q, waiting(LONG_MS), &st);
    ACTOR_ASSERT(is_error(&st, actor_queue_QueueError_EMPTY));
    ACTOR_ASSERT(strstr(st.message, "too many") != NULL);
    ACTOR_ASSERT_INT(put_id(&t, q, 5, nowait).category, ACTOR_STATUS_OK);
    ACTOR_ASSERT(actor_test_wait(getter_done, &a, LONG_MS));
    ACTOR_ASSERT_INT(a.id, 5);
    pthread_join(a.thread, NULL);
    actor_test_stop(&t);
}

/* A consumer that prefetches: while it holds item k, the get of item k+1
 * has reached the queue already (the queue counts it got), so the queue's
 * round trip overlaps the consumer's work. The info call goes by the same
 * client after the prefetch, so the queue has read the prefetch first. */
ACTOR_TEST(a_prefetching_consumer_asks_for_its_next_item_while_it_works)
{
    actor_test t;
    actor_ref q;
    actor_queue_prefetch p;
    actor_status st;
    jobs_Job j;
    bool got = false;

    ACTOR_ASSERT_RC(start(&t, &(actor_queue_opts){.type = JOB}, &q), 0);
    for (uint64_t i = 0; i < 3; i++)
        ACTOR_ASSERT_INT(put_id(&t, q, i, nowait).category, ACTOR_STATUS_OK);
    ACTOR_ASSERT_RC(actor_queue_prefetch_start(&p, t.client, q, &jobs_Job_desc, JOB,
                                               waiting(LONG_MS)),
                    0);
    for (uint64_t i = 0; i < 3; i++) {
        ACTOR_ASSERT_RC(actor_queue_prefetch_next(&p, &j, &st), 0);
        ACTOR_ASSERT_INT(st.category, ACTOR_STATUS_OK);
        ACTOR_ASSERT_INT(j.id, i);
        jobs_Job_free(&j);
        /* "working" on item i: item i+1 is out of the queue already, or
         * (after the last) its get waits there */
        if (i < 2) {
            ACTOR_ASSERT_INT(info_of(&t, q).got_total, i + 2);
        } else {
            ACTOR_ASSERT_INT(info_of(&t, q).waiting_gets, 1);
        }
    }
    ACTOR_ASSERT_INT(put_id(&t, q, 3, nowait).category, ACTOR_STATUS_OK);
    actor_queue_prefetch_stop(&p, &j, &got); /* the item the last get brought */
    ACTOR_ASSERT(got);
    ACTOR_ASSERT_INT(j.id, 3);
    jobs_Job_free(&j);
    ACTOR_ASSERT_INT(info_of(&t, q).items, 0);
    actor_test_stop(&t);
}

/* ----------------------------------------------------------- shutdown */

ACTOR_TEST(shutdown_ends_a_waiting_get_and_refuses_puts)
{
    actor_test t;
    actor_ref q;
    actor_status st;
    actor_queue_ShutdownRequest req = {1000};
    actor_queue_ShutdownResult res;
    getter a;

    ACTOR_ASSERT_RC(start(&t, &(actor_queue_opts){.type = JOB}, &q), 0);
    getter_start(&a, &t, q, waiting(LONG_MS));
    ACTOR_ASSERT(actor_test_wait(waits_pred, &(waits){&t, q, 1, 0}, LONG_MS));
    actor_queue_Queue_shutdown(t.client, q, &req, &res, NULL, &st);
    ACTOR_ASSERT_INT(st.category, ACTOR_STATUS_OK); /* empty: at once */
    ACTOR_ASSERT_INT(res.dropped, 0);
    ACTOR_ASSERT(actor_test_wait(getter_done, &a, LONG_MS));
    ACTOR_ASSERT(is_error(&a.st, actor_queue_QueueError_SHUT_DOWN));
    st = put_id(&t, q, 1, nowait);
    ACTOR_ASSERT(is_error(&st, actor_queue_QueueError_SHUT_DOWN));
    get_id(&t, q, nowait, &st);
    ACTOR_ASSERT(is_error(&st, actor_queue_QueueError_SHUT_DOWN));
    ACTOR_ASSERT(info_of(&t, q).shut_down);
    pthread_join(a.thread, NULL);
    actor_test_stop(&t);
}

/* The shutdown in a thread, as it answers later. */
typedef struct stopper {
    actor_test *t;
    actor_ref q;
    uint32_t grace_ms;
    actor_status st;
    actor_queue_ShutdownResult res;
    atomic_bool done;
    pthread_t thread;
} stopper;

static void *stopper_main(void *arg)
{
    stopper *s = arg;
    actor_client *c = NULL;
    actor_queue_ShutdownRequest req = {s->grace_ms};

    if (actor_client_new(s->t->sys, &c) == 0) {
        actor_queue_Queue_shutdown(c, s->q, &req, &s->res, NULL, &s->st);
        actor_client_destroy(&c);
    }
    atomic_store(&s->done, true);
    return NULL;
}

static bool stopper_done(void *arg)
{
    return atomic_load(&((stopper *)arg)->done);
}

static bool shut_down_pred(void *arg)
{
    waits *w = arg;

    return info_of(w->t, w->q).shut_down;
}

ACTOR_TEST(during_the_grace_period_gets_take_what_is_left_then_it_is_dropped)
{
    actor_test t;
    actor_ref q;
    actor_status st;
    stopper s;

    /* drained within the grace: the shutdown answers then, nothing dropped */
    ACTOR_ASSERT_RC(start(&t, &(actor_queue_opts){.type = JOB}, &q), 0);
    for (uint64_t i = 0; i < 2; i++)
        ACTOR_ASSERT_INT(put_id(&t, q, i, nowait).category, ACTOR_STATUS_OK);
    s = (stopper){.t = &t, .q = q, .grace_ms = LONG_MS};
    pthread_create(&s.thread, NULL, stopper_main, &s);
    ACTOR_ASSERT(actor_test_wait(shut_down_pred, &(waits){&t, q, 0, 0}, LONG_MS));
    st = put_id(&t, q, 9, nowait);
    ACTOR_ASSERT(is_error(&st, actor_queue_QueueError_SHUT_DOWN));
    ACTOR_ASSERT_INT(get_id(&t, q, nowait, &st), 0);
    ACTOR_ASSERT(!atomic_load(&s.done));
    ACTOR_ASSERT_INT(get_id(&t, q, nowait, &st), 1);
    ACTOR_ASSERT(actor_test_wait(stopper_done, &s, LONG_MS));
    ACTOR_ASSERT_INT(s.st.category, ACTOR_STATUS_OK);
    ACTOR_ASSERT_INT(s.res.dropped, 0);
    pthread_join(s.thread, NULL);
    actor_test_stop(&t);

    /* not drained: at the end of the grace what is left is dropped */
    ACTOR_ASSERT_RC(start(&t, &(actor_queue_opts){.type = JOB}, &q), 0);
    for (uint64_t i = 0; i < 3; i++)
        ACTOR_ASSERT_INT(put_id(&t, q, i, nowait).category, ACTOR_STATUS_OK);
    s = (stopper){.t = &t, .q = q, .grace_ms = 50};
    pthread_create(&s.thread, NULL, stopper_main, &s);
    ACTOR_ASSERT(actor_test_wait(stopper_done, &s, LONG_MS));
    ACTOR_ASSERT_INT(s.st.category, ACTOR_STATUS_OK);
    ACTOR_ASSERT_INT(s.res.dropped, 3);
    get_id(&t, q, nowait, &st);
    ACTOR_ASSERT(is_error(&st, actor_queue_QueueError_SHUT_DOWN));
    ACTOR_ASSERT_INT(info_of(&t, q).items, 0);
    pthread_join(s.thread, NULL);
    actor_test_stop(&t);
}

ACTOR_TEST(a_queue_that_ends_answers_its_waiting_callers)
{
    actor_test t;
    actor_ref q;
    getter a;

    ACTOR_ASSERT_RC(start(&t, &(actor_queue_opts){.type = JOB}, &q), 0);
    getter_start(&a, &t, q, waiting(LONG_MS));
    ACTOR_ASSERT(actor_test_wait(waits_pred, &(waits){&t, q, 1, 0}, LONG_MS));
    ACTOR_ASSERT_RC(actor_terminate(t.sys, q, true), 0); /* its timer does not hold it */
    ACTOR_ASSERT(actor_test_wait(getter_done, &a, LONG_MS));
    ACTOR_ASSERT_INT(a.st.category, ACTOR_STATUS_DIED);
    pthread_join(a.thread, NULL);
    actor_test_stop(&t);
}

int main(void)
{
    ACTOR_TEST_RUN(typed_items_come_out_whole_and_in_order);
    ACTOR_TEST_RUN(full_empty_and_batches_whole_or_not_at_all);
    ACTOR_TEST_RUN(a_wrong_type_is_refused);
    ACTOR_TEST_RUN(a_byte_bound_smaller_than_one_item_and_a_byte_bound_that_waits);
    ACTOR_TEST_RUN(waiting_gets_are_served_by_puts_in_the_order_they_came);
    ACTOR_TEST_RUN(a_waiting_put_goes_in_when_a_get_makes_room);
    ACTOR_TEST_RUN(waits_end_at_their_timeout_or_before_the_callers_deadline);
    ACTOR_TEST_RUN(no_more_callers_wait_than_the_bound);
    ACTOR_TEST_RUN(a_prefetching_consumer_asks_for_its_next_item_while_it_works);
    ACTOR_TEST_RUN(shutdown_ends_a_waiting_get_and_refuses_puts);
    ACTOR_TEST_RUN(during_the_grace_period_gets_take_what_is_left_then_it_is_dropped);
    ACTOR_TEST_RUN(a_queue_that_ends_answers_its_waiting_callers);
    return actor_test_summary();
}
