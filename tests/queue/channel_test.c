/*
 * channel_test.c - channels (actor/channel.h): a channel closes when its
 * last sender closes, not before; receivers drain what is left and then
 * see CLOSED, and so does a receive waiting when it closes; sends and new
 * senders after it are refused CLOSED; closing twice does nothing. Across
 * processes: two producer processes (this program run as `produce`), each
 * with a sender of its own on a named channel, and the receiver here gets
 * every item exactly once, then CLOSED.
 */
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "actor/channel.h"
#include "actor/remote.h"
#include "actor/testing.h"
#include "jobs.h"


#define JOB jobs_Job_TYPE
#define LONG_MS 10000u
#define PER_PRODUCER 500u

static bool is_error(const actor_status *st, int32_t code)
{
    return st->category == ACTOR_STATUS_ERROR && st->code == code;
}

static actor_status send_id(actor_client *c, const actor_sender *s, uint64_t id)
{
    jobs_Job j;
    actor_status st;

    jobs_Job_init(&j);
    j.id = id;
    jobs_Job_send(c, s, &j, LONG_MS, &st);
    return st;
}

/* Receives one job: its id, or -1 with *st not OK. */
static int64_t recv_id(actor_client *c, const actor_receiver *r, uint32_t timeout_ms,
                       actor_status *st)
{
    jobs_Job j;
    int64_t id;

    jobs_Job_recv(c, r, &j, timeout_ms, st);
    if (st->category != ACTOR_STATUS_OK)
        return -1;
    id = (int64_t)j.id;
    jobs_Job_free(&j);
    return id;
}

static actor_queue_Info info_of(actor_client *c, actor_ref q)
{
    actor_queue_Info info, numbers = {0};
    actor_status st;

    actor_queue_Queue_info(c, q, &info, NULL, &st);
    if (st.category == ACTOR_STATUS_OK) {
        numbers = info;
        actor_queue_Info_free(&info);
    }
    numbers.type = NULL;
    return numbers;
}

/* A receive in a thread of its own. */
typedef struct receiver_thread {
    actor_test *t;
    actor_receiver r;
    actor_status st;
    atomic_bool done;
    pthread_t thread;
} receiver_thread;

static void *receiver_main(void *arg)
{
    receiver_thread *rt = arg;
    actor_client *c = NULL;

    if (actor_client_new(rt->t->sys, &c) == 0) {
        recv_id(c, &rt->r, LONG_MS, &rt->st);
        actor_client_destroy(&c);
    }
    atomic_store(&rt->done, true);
    return NULL;
}

static bool receiver_done(void *arg)
{
    return atomic_load(&((receiver_thread *)arg)->done);
}

typedef struct gets_waiting {
    actor_client *c;
    actor_ref q;
} gets_waiting;

static bool one_waiting(void *arg)
{
    gets_waiting *g = arg;

    return info_of(g->c, g->q).waiting_gets == 1;
}

ACTOR_TEST(a_channel_closes_with_its_last_sender_and_receivers_drain_it)
{
    actor_test t;
    actor_sender a, b, late;
    actor_receiver r, copy;
    actor_status st;
    receiver_thread waiting;

    ACTOR_ASSERT_RC(actor_test_start(&t, 2), 0);
    ACTOR_ASSERT_RC(actor_channel_new(t.sys, t.client, &(actor_queue_opts){.type = JOB},
                                      &jobs_Job_desc, &a, &r, &st),
                    0);
    ACTOR_ASSERT_INT(st.category, ACTOR_STATUS_OK);
    ACTOR_ASSERT_RC(actor_sender_clone(t.client, &a, &b, &st), 0);
    ACTOR_ASSERT_INT(info_of(t.client, r.queue).senders, 2);
    ACTOR_ASSERT_INT(send_id(t.client, &a, 1).category, ACTOR_STATUS_OK);
    ACTOR_ASSERT_INT(send_id(t.client, &b, 2).category, ACTOR_STATUS_OK);
    ACTOR_ASSERT_RC(actor_sender_close(t.client, &a, &st), 0);
    ACTOR_ASSERT_INT(a.id, 0);
    ACTOR_ASSERT_RC(actor_sender_close(t.client, &a, &st), 0); /* again: nothing */
    ACTOR_ASSERT_INT(st.category, ACTOR_STATUS_OK);
    ACTOR_ASSERT(!info_of(t.client, r.queue).closed); /* b is open */
    ACTOR_ASSERT_INT(send_id(t.client, &b, 3).category, ACTOR_STATUS_OK);
    ACTOR_ASSERT_RC(actor_sender_close(t.client, &b, &st), 0);
    ACTOR_ASSERT(info_of(t.client, r.queue).closed);
    st = send_id(t.client, &b, 4); /* b->id is 0, but the queue is what says no */
    ACTOR_ASSERT(is_error(&st, actor_queue_QueueError_CLOSED));
    actor_sender_open(t.client, r.queue, &jobs_Job_desc, JOB, &late, &st);
    ACTOR_ASSERT(is_error(&st, actor_queue_QueueError_CLOSED));
    copy = r; /* a second receiver */
    ACTOR_ASSERT_INT(recv_id(t.client, &r, LONG_MS, &st), 1);
    ACTOR_ASSERT_INT(recv_id(t.client, &copy, LONG_MS, &st), 2);
    ACTOR_ASSERT_INT(recv_id(t.client, &r, LONG_MS, &st), 3);
    recv_id(t.client, &copy, LONG_MS, &st);
    ACTOR_ASSERT(is_error(&st, actor_queue_QueueError_CLOSED));
    {
        jobs_Job j;
        jobs_Job_try_recv(t.client, &r, &j, &st);
        ACTOR_ASSERT(is_error(&st, actor_queue_QueueError_CLOSED));
    }
    actor_test_stop(&t);

    /* a receive waiting on an empty channel when it closes */
    ACTOR_ASSERT_RC(actor_test_start(&t, 2), 0);
    ACTOR_ASSERT_RC(actor_channel_new(t.sys, t.client, &(actor_queue_opts){.type = JOB},
                                      &jobs_Job_desc, &a, &r, &st),
                    0);
    waiting = (receiver_thread){.t = &t, .r = r};
    pthread_create(&waiting.thread, NULL, receiver_main, &waiting);
    ACTOR_ASSERT(actor_test_wait(one_waiting, &(gets_waiting){t.client, r.queue}, LONG_MS));
    ACTOR_ASSERT(!atomic_load(&waiting.done));
    ACTOR_ASSERT_RC(actor_sender_close(t.client, &a, &st), 0);
    ACTOR_ASSERT(actor_test_wait(receiver_done, &waiting, LONG_MS));
    ACTOR_ASSERT(is_error(&waiting.st, actor_queue_QueueError_CLOSED));
    pthread_join(waiting.thread, NULL);
    actor_test_stop(&t);
}

/* --------------------------------------------------- across processes */

/* `produce ENDPOINT FIRST`: opens a sender on the channel named "jobs" at
 * ENDPOINT, sends PER_PRODUCER jobs numbered from FIRST, closes it. */
static int produce(const char *endpoint, uint64_t first)
{
    actor_system *sys = NULL;
    actor_client *c = NULL;
    actor_ref q;
    actor_sender s;
    actor_status st;
    int code = 1;

    if (actor_system_new(NULL, &sys) != 0 || actor_client_new(sys, &c) != 0 ||
        actor_connect(sys, endpoint, "jobs", NULL, &q) != 0)
        goto out;
    jobs_Job_sender_open(c, q, &s, &st);
    if (st.category != ACTOR_STATUS_OK) {
        fprintf(stderr, "produce: open: %s\n", st.message);
        goto out;
    }
    for (uint64_t i = 0; i < PER_PRODUCER; i++) {
        st = send_id(c, &s, first + i);
        if (st.category != ACTOR_STATUS_OK) {
            fprintf(stderr, "produce: send %llu: %s\n", (unsigned long long)(first + i),
                    st.message);
            goto out;
        }
    }
    actor_sender_close(c, &s, &st);
    code = st.category == ACTOR_STATUS_OK ? 0 : 1;
out:
    actor_client_destroy(&c);
    actor_system_destroy(&sys);
    return code;
}

static pid_t start_producer(const char *endpoint, uint64_t first)
{
    char arg[32];
    pid_t pid;

    snprintf(arg, sizeof arg, "%llu", (unsigned long long)first);
    pid = fork();
    if (pid == 0) {
        execl("/proc/self/exe", "channel_test", "produce", endpoint, arg, (char *)NULL);
        _exit(127);
    }
    return pid;
}

ACTOR_TEST(two_producer_processes_and_a_receiver_lose_nothing)
{
    actor_test t;
    actor_sender mine;
    actor_receiver r;
    actor_status st;
    char dir[] = "/tmp/actor-channel-XXXXXX", endpoint[64];
    static uint8_t seen[2 * PER_PRODUCER];
    unsigned got = 0, twice = 0;
    pid_t p1, p2;
    int status1 = -1, status2 = -1;

    ACTOR_ASSERT(mkdtemp(dir) != NULL);
    snprintf(endpoint, sizeof endpoint, "ipc://%s/ch", dir);
    ACTOR_ASSERT_RC(actor_test_start(&t, 2), 0);
    ACTOR_ASSERT_RC(actor_system_bind(t.sys, endpoint, NULL, NULL, 0), 0);
    /* bounded: the producers wait for the receiver */
    ACTOR_ASSERT_RC(actor_channel_new(t.sys, t.client,
                                      &(actor_queue_opts){.type = JOB, .max_items = 16},
                                      &jobs_Job_desc, &mine, &r, &st),
                    0);
    ACTOR_ASSERT_RC(actor_register_name(t.sys, r.queue, "jobs"), 0);
    p1 = start_producer(endpoint, 0);
    p2 = start_producer(endpoint, PER_PRODUCER);
    ACTOR_ASSERT(p1 > 0 && p2 > 0);
    /* this process's own sender keeps it open until both have opened theirs */
    while (info_of(t.client, r.queue).senders < 3 && got < 2 * PER_PRODUCER) {
        int64_t id = recv_id(t.client, &r, 100, &st);
        if (id >= 0 && id < 2 * PER_PRODUCER) {
            twice += seen[id];
            seen[id] = 1;
            got++;
        }
    }
    ACTOR_ASSERT_RC(actor_sender_close(t.client, &mine, &st), 0);
    for (;;) {
        int64_t id = recv_id(t.client, &r, LONG_MS, &st);
        if (id < 0)
            break;
        ACTOR_ASSERT(id < 2 * PER_PRODUCER);
        twice += seen[id];
        seen[id] = 1;
        got++;
    }
    ACTOR_ASSERT(is_error(&st, actor_queue_QueueError_CLOSED));
    ACTOR_ASSERT_INT(got, 2 * PER_PRODUCER);
    ACTOR_ASSERT_INT(twice, 0);
    waitpid(p1, &status1, 0);
    waitpid(p2, &status2, 0);
    ACTOR_ASSERT(WIFEXITED(status1) && WEXITSTATUS(status1) == 0);
    ACTOR_ASSERT(WIFEXITED(status2) && WEXITSTATUS(status2) == 0);
    actor_test_stop(&t);
    rmdir(dir);
}

int main(int argc, char **argv)
{
    if (argc == 4 && strcmp(argv[1], "produce") == 0)
        return produce(argv[2], strtoull(argv[3], NULL, 10));
    ACTOR_TEST_RUN(a_channel_closes_with_its_last_sender_and_receivers_drain_it);
    ACTOR_TEST_RUN(two_producer_processes_and_a_receiver_lose_nothing);
    return actor_test_summary();
}
