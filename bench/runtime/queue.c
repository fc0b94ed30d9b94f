/*
 * queue.c - bench-rt-queue: the queue service (actor/queues.h), one item
 * per call against batches, in the same run:
 *
 *   ours.queue.one     items/s   a producer thread puts one item per call
 *                                and a consumer thread gets one per call
 *   ours.queue.batch   items/s   the same items in batches of BATCH per
 *                                put and per get (goal: >= 3x the above)
 *
 * Items are req_bytes bytes, the queue holds at most 1024 of them, both
 * threads are plain client threads of one system.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>

#include "actor/queues.h"
#include "common.h"

#define BATCH 64u
#define QUEUE_ITEMS 1024u
#define WAIT_MS 30000u

typedef struct run {
    actor_system *sys;
    actor_ref q;
    long items;
    unsigned batch;
    size_t item_bytes;
    int failed;
} run;

static void *producer_main(void *arg)
{
    run *r = arg;
    actor_client *c = NULL;
    actor_bytes *items = calloc(r->batch, sizeof *items);
    char *payload = bench_payload(r->item_bytes, 'q');
    char any[] = "";
    actor_queue_PutRequest req = {any, r->batch, items, {true, WAIT_MS}};
    actor_call_opts o = {ACTOR_PRIORITY_DEFAULT, WAIT_MS + ACTOR_QUEUE_CALL_SLACK_MS};
    actor_status st;

    if (items == NULL || actor_client_new(r->sys, &c) != 0) {
        r->failed = 1;
        free(items);
        free(payload);
        return NULL;
    }
    for (unsigned i = 0; i < r->batch; i++)
        items[i] = (actor_bytes){.data = (uint8_t *)payload, .len = r->item_bytes};
    for (long done = 0; done < r->items; done += r->batch) {
        actor_queue_Queue_put(c, r->q, &req, &o, &st);
        if (st.category != ACTOR_STATUS_OK) {
            fprintf(stderr, "bench-rt-queue: put: %s\n", st.message);
            r->failed = 1;
            break;
        }
    }
    actor_client_destroy(&c);
    free(items);
    free(payload);
    return NULL;
}

static void consume(run *r)
{
    actor_client *c = NULL;
    char any[] = "";
    actor_queue_GetRequest req = {any, r->batch, {true, WAIT_MS}};
    actor_call_opts o = {ACTOR_PRIORITY_DEFAULT, WAIT_MS + ACTOR_QUEUE_CALL_SLACK_MS};
    actor_queue_Items res;
    actor_status st;

    if (actor_client_new(r->sys, &c) != 0) {
        r->failed = 1;
        return;
    }
    for (long done = 0; done < r->items; done += r->batch) {
        actor_queue_Queue_get(c, r->q, &req, &res, &o, &st);
        if (st.category != ACTOR_STATUS_OK) {
            fprintf(stderr, "bench-rt-queue: get: %s\n", st.message);
            r->failed = 1;
            break;
        }
        actor_queue_Items_free(&res);
    }
    actor_client_destroy(&c);
}

/* Moves `items` items through a new queue, `batch` per call; 0 or -1. */
static int measure(const bench_params *p, const char *key, long items, unsigned batch)
{
    run r = {.items = items, .batch = batch, .item_bytes = p->req_bytes};
    pthread_t producer;
    int64_t t0;

    if (actor_system_new(NULL, &r.sys) != 0 ||
        actor_queue_spawn(r.sys, &(actor_queue_opts){.max_items = QUEUE_ITEMS}, NULL, &r.q) != 0) {
        actor_system_destroy(&r.sys);
        return -1;
    }
    t0 = bench_now_ns();
    pthread_create(&producer, NULL, producer_main, &r);
    consume(&r);
    pthread_join(producer, NULL);
    if (!r.failed)
        bench_report_rate(key, items, bench_now_ns() - t0, "items");
    actor_system_destroy(&r.sys);
    return r.failed ? -1 : 0;
}

int main(int argc, char **argv)
{
    bench_params p;
    long items;

    if (bench_parse_args(argc, argv, &p) != 0)
        return 2;
    items = (p.cast_n / 4 / BATCH) * BATCH;
    if (items < BATCH)
        items = BATCH;
    if (bench_selected(&p, "ours.queue.one") && measure(&p, "ours.queue.one", items / 8, 1) != 0)
        return 1;
    if (bench_selected(&p, "ours.queue.batch") &&
        measure(&p, "ours.queue.batch", items, BATCH) != 0)
        return 1;
    return 0;
}
