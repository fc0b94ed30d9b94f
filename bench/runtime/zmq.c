/*
 * bench/runtime/zmq.c - the raw libzmq anchors of the runtime benchmark
 * (issue 3 point 9): what ZeroMQ alone costs for the exchanges libactor
 * makes, with the same payload sizes.
 *
 *   zmq.rtt.<t>    DEALER -> ROUTER echo, one request at a time: median and
 *                  p99 round trip (us). t = inproc (server in a thread of
 *                  this process), ipc and tcp (server in a forked process:
 *                  calls across processes).
 *   zmq.pipe.<t>   the same echo with `outstanding` requests in flight
 *                  (req/s).
 *   zmq.push.inproc  PUSH -> PULL one-way messages between two threads
 *                  (msgs/s).
 *
 * The echo server answers every request with rep_bytes bytes; an empty
 * request asks it to answer and stop, so every socket closes with nothing
 * in flight. Sockets: LINGER 1 s (closing never waits on a dead peer for
 * long; nothing is pending at close anyway), HWMs far above `outstanding`,
 * ROUTER_MANDATORY on the server (a reply it cannot route is an error, not
 * a silent drop), a receive timeout on the client (a lost message fails
 * the run instead of hanging it).
 *
 * The mutex+condvar ping-pong anchors live in condvar.c; main() is here.
 */
#include "common.h"

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>
#include <zmq.h>

#include "condvar.h"

#define ZB_LINGER_MS 1000
#define ZB_RECV_TIMEOUT_MS 10000
#define ZB_ENDPOINT_SIZE 256

static const char *const zb_name = "bench-rt-zmq";

static void zb_fail(const char *what)
{
    fprintf(stderr, "%s: %s: %s\n", zb_name, what, zmq_strerror(zmq_errno()));
    exit(1);
}

static void zb_setopt_int(void *sock, int option, int value, const char *what)
{
    if (zmq_setsockopt(sock, option, &value, sizeof value) != 0)
        zb_fail(what);
}

/* A socket of `type` with the benchmark's options; exits on failure. */
static void *zb_socket(void *ctx, int type, long outstanding)
{
    void *sock = zmq_socket(ctx, type);
    if (sock == NULL)
        zb_fail("zmq_socket");
    int hwm = outstanding * 10 > 100000 ? (int)(outstanding * 10) : 100000;
    zb_setopt_int(sock, ZMQ_LINGER, ZB_LINGER_MS, "ZMQ_LINGER");
    zb_setopt_int(sock, ZMQ_SNDHWM, hwm, "ZMQ_SNDHWM");
    zb_setopt_int(sock, ZMQ_RCVHWM, hwm, "ZMQ_RCVHWM");
    if (type == ZMQ_ROUTER)
        zb_setopt_int(sock, ZMQ_ROUTER_MANDATORY, 1, "ZMQ_ROUTER_MANDATORY");
    else
        zb_setopt_int(sock, ZMQ_RCVTIMEO, ZB_RECV_TIMEOUT_MS, "ZMQ_RCVTIMEO");
    return sock;
}

/* ------------------------------------------------------------ echo server */

/* Answers [id, request] with [id, rep_bytes bytes] until an empty request,
 * which it answers too. Returns 0, or -1 on a socket error. */
static int zb_serve_echo(void *router, size_t rep_bytes)
{
    char *reply = bench_payload(rep_bytes, 'r');
    zmq_msg_t id, body;
    zmq_msg_init(&id);
    zmq_msg_init(&body);
    int rc = -1;
    for (;;) {
        if (zmq_msg_recv(&id, router, 0) < 0 || !zmq_msg_more(&id))
            break;
        if (zmq_msg_recv(&body, router, 0) < 0)
            break;
        bool stop = zmq_msg_size(&body) == 0;
        if (zmq_msg_send(&id, router, ZMQ_SNDMORE) < 0)
            break;
        if (zmq_send(router, reply, rep_bytes, 0) < 0)
            break;
        if (stop) {
            rc = 0;
            break;
        }
    }
    if (rc != 0)
        fprintf(stderr, "%s: echo server: %s\n", zb_name, zmq_strerror(zmq_errno()));
    zmq_msg_close(&id);
    zmq_msg_close(&body);
    free(reply);
    return rc;
}

/* An echo server run by a thread of this process (inproc). */
typedef struct zb_echo_thread_arg {
    void *router; /* owned by the thread once started */
    size_t rep_bytes;
    int rc;
} zb_echo_thread_arg;

static void *zb_echo_thread(void *p)
{
    /* The socket moved to this thread with pthread_create (a full barrier). */
    zb_echo_thread_arg *arg = p;
    arg->rc = zb_serve_echo(arg->router, arg->rep_bytes);
    zmq_close(arg->router);
    return NULL;
}

/* In a forked child: binds a ROUTER on `endpoint` (tcp may end in ":*"),
 * writes the endpoint it got to `fd`, echoes until told to stop. Never
 * returns. */
static void zb_echo_process(const char *endpoint, size_t rep_bytes, long outstanding, int fd)
{
    void *ctx = zmq_ctx_new();
    if (ctx == NULL)
        zb_fail("zmq_ctx_new (server)");
    void *router = zb_socket(ctx, ZMQ_ROUTER, outstanding);
    if (zmq_bind(router, endpoint) != 0)
        zb_fail(endpoint);
    char bound[ZB_ENDPOINT_SIZE] = "";
    size_t len = sizeof bound;
    if (zmq_getsockopt(router, ZMQ_LAST_ENDPOINT, bound, &len) != 0)
        zb_fail("ZMQ_LAST_ENDPOINT");
    size_t n = strlen(bound) + 1;
    if (write(fd, bound, n) != (ssize_t)n)
        _exit(2);
    close(fd);
    int rc = zb_serve_echo(router, rep_bytes);
    zmq_close(router);
    zmq_ctx_term(ctx);
    _exit(rc == 0 ? 0 : 1);
}

/* Forks an echo server process bound on `endpoint`; fills `bound` with the
 * endpoint to connect to and returns the child's pid. Call with no ZeroMQ
 * context alive in this process (none is inherited, none is used). */
static pid_t zb_start_echo_process(const char *endpoint, const bench_params *p,
                                   char bound[ZB_ENDPOINT_SIZE])
{
    int fds[2];
    if (pipe(fds) != 0)
        bench_die(zb_name, "pipe failed");
    fflush(NULL);
    pid_t pid = fork();
    if (pid < 0)
        bench_die(zb_name, "fork failed");
    if (pid == 0) {
        close(fds[0]);
        zb_echo_process(endpoint, p->rep_bytes, p->outstanding, fds[1]);
    }
    close(fds[1]);
    size_t got = 0;
    for (;;) {
        ssize_t r = read(fds[0], bound + got, ZB_ENDPOINT_SIZE - 1 - got);
        if (r <= 0)
            break;
        got += (size_t)r;
    }
    close(fds[0]);
    bound[got] = '\0';
    if (got == 0 || bound[got - 1] != '\0')
        bench_die(zb_name, "the echo server process did not start");
    return pid;
}

static void zb_wait_child(pid_t pid)
{
    int status = 0;
    if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status) || WEXITSTATUS(status) != 0)
        bench_die(zb_name, "the echo server process failed");
}

/* ----------------------------------------------------------------- client */

static void zb_send(void *dealer, const char *buf, size_t len)
{
    if (zmq_send(dealer, buf, len, 0) != (int)len)
        zb_fail("send request");
}

/* Receives one reply of the expected size. */
static void zb_recv_reply(void *dealer, char *buf, size_t rep_bytes)
{
    int n = zmq_recv(dealer, buf, rep_bytes + 1, 0);
    if (n < 0)
        zb_fail("receive reply");
    if ((size_t)n != rep_bytes)
        bench_die(zb_name, "a reply of the wrong size");
}

/* warmup + n round trips; reports the last n as `key`. */
static void zb_measure_rtt(void *dealer, const bench_params *p, const char *key)
{
    char *req = bench_payload(p->req_bytes, 'q');
    char *rep = bench_payload(p->rep_bytes + 1, 0);
    int64_t *ns = malloc((size_t)p->n * sizeof *ns);
    if (ns == NULL)
        bench_die(zb_name, "out of memory");
    for (long i = 0; i < p->warmup + p->n; i++) {
        int64_t t0 = bench_now_ns();
        zb_send(dealer, req, p->req_bytes);
        zb_recv_reply(dealer, rep, p->rep_bytes);
        if (i >= p->warmup)
            ns[i - p->warmup] = bench_now_ns() - t0;
    }
    bench_report_latency(key, ns, (size_t)p->n);
    free(ns);
    free(rep);
    free(req);
}

/* pipe_n requests with up to `outstanding` in flight; reports req/s. */
static void zb_measure_pipelined(void *dealer, const bench_params *p, const char *key)
{
    char *req = bench_payload(p->req_bytes, 'q');
    char *rep = bench_payload(p->rep_bytes + 1, 0);
    long sent = 0, received = 0;
    int64_t t0 = bench_now_ns();
    while (received < p->pipe_n) {
        while (sent < p->pipe_n && sent - received < p->outstanding) {
            zb_send(dealer, req, p->req_bytes);
            sent++;
        }
        zb_recv_reply(dealer, rep, p->rep_bytes);
        received++;
    }
    bench_report_rate(key, p->pipe_n, bench_now_ns() - t0, "req");
    free(rep);
    free(req);
}

/* Asks the echo server to stop and waits for its answer. */
static void zb_stop_echo(void *dealer, size_t rep_bytes)
{
    char *rep = bench_payload(rep_bytes + 1, 0);
    zb_send(dealer, "", 0);
    zb_recv_reply(dealer, rep, rep_bytes);
    free(rep);
}

/* Both echo figures over a connected DEALER, then stops the server. */
static void zb_run_echo_client(void *dealer, const bench_params *p, const char *transport)
{
    char rtt_key[64], pipe_key[64];
    snprintf(rtt_key, sizeof rtt_key, "zmq.rtt.%s", transport);
    snprintf(pipe_key, sizeof pipe_key, "zmq.pipe.%s", transport);
    if (bench_selected(p, rtt_key))
        zb_measure_rtt(dealer, p, rtt_key);
    if (bench_selected(p, pipe_key))
        zb_measure_pipelined(dealer, p, pipe_key);
    zb_stop_echo(dealer, p->rep_bytes);
}

static bool zb_echo_selected(const bench_params *p, const char *transport)
{
    char key[64];
    snprintf(key, sizeof key, "zmq.rtt.%s", transport);
    if (bench_selected(p, key))
        return true;
    snprintf(key, sizeof key, "zmq.pipe.%s", transport);
    return bench_selected(p, key);
}

/* ------------------------------------------------------------------ runs */

static void zb_echo_inproc(const bench_params *p)
{
    void *ctx = zmq_ctx_new();
    if (ctx == NULL)
        zb_fail("zmq_ctx_new");
    zb_echo_thread_arg arg = {zb_socket(ctx, ZMQ_ROUTER, p->outstanding), p->rep_bytes, -1};
    if (zmq_bind(arg.router, "inproc://bench-rt-echo") != 0)
        zb_fail("bind inproc");
    pthread_t server;
    if (pthread_create(&server, NULL, zb_echo_thread, &arg) != 0)
        bench_die(zb_name, "pthread_create failed");
    void *dealer = zb_socket(ctx, ZMQ_DEALER, p->outstanding);
    if (zmq_connect(dealer, "inproc://bench-rt-echo") != 0)
        zb_fail("connect inproc");
    zb_run_echo_client(dealer, p, "inproc");
    pthread_join(server, NULL);
    zmq_close(dealer);
    zmq_ctx_term(ctx);
    if (arg.rc != 0)
        bench_die(zb_name, "the inproc echo server failed");
}

/* ipc or tcp: the server is another process, as for calls across processes. */
static void zb_echo_process_transport(const bench_params *p, const char *transport)
{
    char endpoint[ZB_ENDPOINT_SIZE], bound[ZB_ENDPOINT_SIZE];
    if (strcmp(transport, "ipc") == 0)
        snprintf(endpoint, sizeof endpoint, "ipc:///tmp/actorc-bench-rt-%ld.ipc",
                 (long)getpid());
    else
        snprintf(endpoint, sizeof endpoint, "tcp://127.0.0.1:*");
    pid_t child = zb_start_echo_process(endpoint, p, bound);
    void *ctx = zmq_ctx_new();
    if (ctx == NULL)
        zb_fail("zmq_ctx_new");
    void *dealer = zb_socket(ctx, ZMQ_DEALER, p->outstanding);
    if (zmq_connect(dealer, bound) != 0)
        zb_fail(bound);
    zb_run_echo_client(dealer, p, transport);
    zmq_close(dealer);
    zmq_ctx_term(ctx);
    zb_wait_child(child);
}

typedef struct zb_pusher_arg {
    void *ctx;
    const bench_params *p;
} zb_pusher_arg;

static void *zb_pusher_thread(void *a)
{
    const zb_pusher_arg *arg = a;
    void *push = zb_socket(arg->ctx, ZMQ_PUSH, arg->p->outstanding);
    if (zmq_connect(push, "inproc://bench-rt-sink") != 0)
        zb_fail("connect inproc sink");
    char *msg = bench_payload(arg->p->req_bytes, 'c');
    for (long i = 0; i < arg->p->cast_n; i++)
        zb_send(push, msg, arg->p->req_bytes);
    free(msg);
    zmq_close(push);
    return NULL;
}

/* One-way: a thread pushes cast_n messages, this one pulls them. */
static void zb_push_inproc(const bench_params *p)
{
    void *ctx = zmq_ctx_new();
    if (ctx == NULL)
        zb_fail("zmq_ctx_new");
    void *pull = zb_socket(ctx, ZMQ_PULL, p->outstanding);
    if (zmq_bind(pull, "inproc://bench-rt-sink") != 0)
        zb_fail("bind inproc sink");
    char *buf = bench_payload(p->req_bytes + 1, 0);
    zb_pusher_arg arg = {ctx, p};
    pthread_t pusher;
    int64_t t0 = bench_now_ns();
    if (pthread_create(&pusher, NULL, zb_pusher_thread, &arg) != 0)
        bench_die(zb_name, "pthread_create failed");
    for (long i = 0; i < p->cast_n; i++) {
        int n = zmq_recv(pull, buf, p->req_bytes + 1, 0);
        if (n < 0)
            zb_fail("receive one-way message");
        if ((size_t)n != p->req_bytes)
            bench_die(zb_name, "a one-way message of the wrong size");
    }
    bench_report_rate("zmq.push.inproc", p->cast_n, bench_now_ns() - t0, "msgs");
    pthread_join(pusher, NULL);
    free(buf);
    zmq_close(pull);
    zmq_ctx_term(ctx);
}

int main(int argc, char **argv)
{
    bench_params p;
    if (bench_parse_args(argc, argv, &p) != 0)
        return 2;
    signal(SIGPIPE, SIG_IGN);
    /* Each figure creates and terminates its own context, so none is alive
     * when the ipc/tcp figures fork their server. */
    if (zb_echo_selected(&p, "inproc"))
        zb_echo_inproc(&p);
    if (zb_echo_selected(&p, "ipc"))
        zb_echo_process_transport(&p, "ipc");
    if (zb_echo_selected(&p, "tcp"))
        zb_echo_process_transport(&p, "tcp");
    if (bench_selected(&p, "zmq.push.inproc"))
        zb_push_inproc(&p);
    condvar_run_anchors(&p);
    return 0;
}
