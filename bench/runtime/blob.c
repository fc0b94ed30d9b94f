/*
 * bench/runtime/blob.c - large payloads across processes (bench-rt-blob):
 * a blob of 1 MiB and one of 64 MiB sent to another process, which answers
 * with 8 bytes, through a raw libzmq DEALER/ROUTER pair over tcp loopback
 * (the anchor) and through a blocking actor call with the stubs of
 * blob.actor (ours, the blob's bytes out of band). Figures:
 *
 *   zmq.blob.1m / .64m     us per round trip, raw libzmq (zmq_send copies
 *                          the blob once, the receiver reads it in place)
 *   ours.blob.1m / .64m    the same through libactor        (goal <= 1.2x)
 *   *.blob.64m.send_copies blob-sized copies the sender's peak resident
 *   *.blob.64m.recv_copies memory grew by over a run, and the receiver's
 *                          (the received bytes count as one)
 *   ours.blob.copies.budget 1.0: at most one copy in each process
 *
 * Each (implementation, size) runs in two fresh processes, sender and
 * receiver, so that each one's peak resident memory (VmHWM) shows what one
 * blob in flight costs it: its growth over the resident memory before the
 * first blob, in blob sizes.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <zmq.h>

#include "actor/remote.h"
#include "blob.h"
#include "common.h"

#define MIB ((size_t)1 << 20)
#define ACK_BYTES 8u

typedef struct size_case {
    const char *name; /* "1m", "64m" */
    size_t bytes;
    long rounds;
} size_case;

/* Resident memory now, or its peak (VmRSS / VmHWM), in bytes. */
static size_t proc_status_kb(const char *field)
{
    char line[256];
    size_t kb = 0, n = strlen(field);
    FILE *f = fopen("/proc/self/status", "r");

    if (f == NULL)
        return 0;
    while (fgets(line, sizeof line, f) != NULL)
        if (strncmp(line, field, n) == 0 && line[n] == ':')
            kb = strtoul(line + n + 1, NULL, 10);
    fclose(f);
    return kb * 1024;
}

static void report_copies(const char *impl, const size_case *c, const char *side, size_t base)
{
    char key[96];
    size_t peak = proc_status_kb("VmHWM");

    snprintf(key, sizeof key, "%s.blob.%s.%s_copies", impl, c->name, side);
    bench_report(key, peak > base ? (double)(peak - base) / (double)c->bytes : 0.0, "copies");
}

static void report_time(const char *impl, const size_case *c, int64_t *ns, long n)
{
    char key[64];

    snprintf(key, sizeof key, "%s.blob.%s", impl, c->name);
    bench_report(key, bench_quantile_ns(ns, (size_t)n, 0.5) / 1000.0, "us");
}

/* --------------------------------------------------------------- libzmq */

static void zmq_receiver(const size_case *c, int ready_fd)
{
    void *ctx = zmq_ctx_new(), *s = zmq_socket(ctx, ZMQ_ROUTER);
    char endpoint[128];
    size_t len = sizeof endpoint, base;
    char ack[ACK_BYTES] = {0};

    if (zmq_bind(s, "tcp://127.0.0.1:*") != 0 ||
        zmq_getsockopt(s, ZMQ_LAST_ENDPOINT, endpoint, &len) != 0)
        bench_die("bench-rt-blob", "raw receiver: cannot bind");
    base = proc_status_kb("VmRSS");
    if (write(ready_fd, endpoint, strlen(endpoint) + 1) < 0)
        bench_die("bench-rt-blob", "raw receiver: cannot say where");
    for (;;) {
        zmq_msg_t id, blob;
        zmq_msg_init(&id);
        zmq_msg_init(&blob);
        zmq_msg_recv(&id, s, 0);
        zmq_msg_recv(&blob, s, 0);
        bool stop = zmq_msg_size(&blob) == 0;
        zmq_msg_close(&blob);
        zmq_msg_send(&id, s, ZMQ_SNDMORE);
        zmq_send(s, ack, sizeof ack, 0);
        if (stop)
            break;
    }
    report_copies("zmq", c, "recv", base);
    zmq_close(s);
    zmq_ctx_term(ctx);
}

static void zmq_sender(const size_case *c, const char *endpoint)
{
    void *ctx = zmq_ctx_new(), *s = zmq_socket(ctx, ZMQ_DEALER);
    char *blob = bench_payload(c->bytes, 'z'), ack[ACK_BYTES];
    int64_t *ns = calloc((size_t)c->rounds, sizeof *ns);
    size_t base;

    zmq_connect(s, endpoint);
    base = proc_status_kb("VmRSS");
    for (long i = -1; i < c->rounds; i++) { /* -1: one untimed */
        int64_t t0 = bench_now_ns();
        zmq_send(s, blob, c->bytes, 0);
        zmq_recv(s, ack, sizeof ack, 0);
        if (i >= 0)
            ns[i] = bench_now_ns() - t0;
    }
    report_time("zmq", c, ns, c->rounds);
    report_copies("zmq", c, "send", base);
    zmq_send(s, "", 0, 0);
    zmq_recv(s, ack, sizeof ack, 0);
    free(ns);
    free(blob);
    zmq_close(s);
    zmq_ctx_term(ctx);
}

/* -------------------------------------------------------------- libactor */

typedef struct sink {
    pthread_mutex_t lock;
    pthread_cond_t stopped;
    bool stop;
} sink;

static int sink_take(void *state, actor_ctx *ctx, const blobbench_Blob *req, blobbench_Ack *res)
{
    (void)state;
    (void)ctx;
    res->len = req->data.len;
    return 0;
}

static void sink_stop(void *state, actor_ctx *ctx)
{
    sink *s = state;

    (void)ctx;
    pthread_mutex_lock(&s->lock);
    s->stop = true;
    pthread_cond_signal(&s->stopped);
    pthread_mutex_unlock(&s->lock);
}

static int sink_init(void **state, const void *arg, actor_ctx *ctx)
{
    (void)ctx;
    *state = (void *)(uintptr_t)arg;
    return 0;
}

static void ours_receiver(const size_case *c, int ready_fd)
{
    static const blobbench_Sink_handlers handlers = {
        .init = sink_init, .take = sink_take, .stop = sink_stop};
    sink s = {PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER, false};
    actor_system_opts o = {.workers = 1};
    actor_spawn_opts so = {.mailbox_max_bytes = 4 * c->bytes};
    actor_system *sys = NULL;
    actor_ref ref;
    char endpoint[128];
    size_t base;

    if (actor_system_new(&o, &sys) != 0 ||
        actor_system_bind(sys, "tcp://127.0.0.1:*", NULL, endpoint, sizeof endpoint) != 0 ||
        blobbench_Sink_spawn(sys, &handlers, &s, &so, &ref) != 0 ||
        actor_register_name(sys, ref, "sink") != 0)
        bench_die("bench-rt-blob", "actor receiver: cannot start");
    base = proc_status_kb("VmRSS");
    if (write(ready_fd, endpoint, strlen(endpoint) + 1) < 0)
        bench_die("bench-rt-blob", "actor receiver: cannot say where");
    pthread_mutex_lock(&s.lock);
    while (!s.stop)
        pthread_cond_wait(&s.stopped, &s.lock);
    pthread_mutex_unlock(&s.lock);
    report_copies("ours", c, "recv", base);
    actor_system_destroy(&sys);
}

static void ours_sender(const size_case *c, const char *endpoint)
{
    actor_system_opts o = {.workers = 1};
    actor_call_opts call = {.priority = ACTOR_PRIORITY_DEFAULT, .timeout_ms = 60000};
    actor_system *sys = NULL;
    actor_client *client = NULL;
    actor_ref far;
    blobbench_Blob blob;
    blobbench_Ack ack;
    actor_status st;
    int64_t *ns = calloc((size_t)c->rounds, sizeof *ns);
    size_t base;

    blobbench_Blob_init(&blob);
    blob.data.data = (uint8_t *)bench_payload(c->bytes, 'o');
    blob.data.len = c->bytes;
    if (actor_system_new(&o, &sys) != 0 || actor_client_new(sys, &client) != 0 ||
        actor_connect(sys, endpoint, "sink", NULL, &far) != 0)
        bench_die("bench-rt-blob", "actor sender: cannot connect");
    base = proc_status_kb("VmRSS");
    for (long i = -1; i < c->rounds; i++) {
        int64_t t0 = bench_now_ns();
        if (blobbench_Sink_take(client, far, &blob, &ack, &call, &st) != 0 ||
            st.category != ACTOR_STATUS_OK || ack.len != c->bytes) {
            fprintf(stderr, "bench-rt-blob: take: %s\n", st.message);
            exit(1);
        }
        if (i >= 0)
            ns[i] = bench_now_ns() - t0;
    }
    report_time("ours", c, ns, c->rounds);
    report_copies("ours", c, "send", base);
    blobbench_Sink_stop(client, far, NULL);
    free(ns);
    blobbench_Blob_free(&blob);
    actor_client_destroy(&client);
    actor_system_destroy(&sys);
}

/* ----------------------------------------------------------------- main */

typedef struct impl {
    const char *name;
    void (*receiver)(const size_case *c, int ready_fd);
    void (*sender)(const size_case *c, const char *endpoint);
} impl;

/* One (implementation, size): a receiver process, then a sender process
 * told where it listens. */
static void run_case(const impl *im, const size_case *c)
{
    int fds[2];
    char endpoint[128] = "";
    pid_t receiver, sender;
    ssize_t got;
    int status;

    if (pipe(fds) != 0)
        bench_die("bench-rt-blob", "pipe");
    fflush(stdout);
    receiver = fork();
    if (receiver == 0) {
        close(fds[0]);
        im->receiver(c, fds[1]);
        fflush(stdout);
        _exit(0);
    }
    close(fds[1]);
    got = read(fds[0], endpoint, sizeof endpoint - 1);
    close(fds[0]);
    if (got <= 0)
        bench_die("bench-rt-blob", "the receiver did not start");
    sender = fork();
    if (sender == 0) {
        im->sender(c, endpoint);
        fflush(stdout);
        _exit(0);
    }
    waitpid(sender, &status, 0);
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
        bench_die("bench-rt-blob", "the sender failed");
    waitpid(receiver, &status, 0);
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
        bench_die("bench-rt-blob", "the receiver failed");
}

int main(int argc, char **argv)
{
    static const impl impls[] = {{"zmq", zmq_receiver, zmq_sender},
                                 {"ours", ours_receiver, ours_sender}};
    size_case cases[] = {{"1m", MIB, 200}, {"64m", 64 * MIB, 12}};
    bench_params p;

    if (bench_parse_args(argc, argv, &p) != 0)
        return 2;
    if (p.smoke) {
        cases[0].rounds = 3;
        cases[1].rounds = 2;
    }
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
        for (size_t j = 0; j < sizeof impls / sizeof impls[0]; j++) {
            char key[64];
            snprintf(key, sizeof key, "%s.blob.%s", impls[j].name, cases[i].name);
            if (bench_selected(&p, key))
                run_case(&impls[j], &cases[i]);
        }
    bench_report("ours.blob.copies.budget", 1.0, "copies");
    return 0;
}
