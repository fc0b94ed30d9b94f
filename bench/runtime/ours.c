/*
 * bench/runtime/ours.c - libactor's side of the runtime benchmark (issue 3
 * point 9): the same exchanges as the anchors (zmq.c, condvar.c, caf.cpp),
 * done through libactor, printed as RESULT lines (common.h) under the keys
 * run.py pairs with the anchors:
 *
 *   key                   unit   compared in run.py with (goal on ours/anchor)
 *   ours.then.local       us     caf.then.local (<= 1.0)
 *   ours.then.local.pipe  req/s  caf.then.local.pipe (>= 1.0); zmq.pipe.inproc
 *   ours.call.local       us     zmq.rtt.inproc (<= 1.1); caf.blocking.local,
 *                                cv.pingpong
 *   ours.call.ipc         us     zmq.rtt.ipc (<= 1.2)
 *   ours.call.tcp         us     zmq.rtt.tcp (<= 1.2); caf.then.remote (<= 1/3)
 *   ours.pipe.ipc         req/s  zmq.pipe.ipc (>= 0.6)
 *   ours.pipe.tcp         req/s  zmq.pipe.tcp (>= 0.6); caf.then.remote.pipe (>= 3)
 *   ours.pipe.tcp.unpacked req/s zmq.pipe.tcp (info: the same with wire_batch 1,
 *                         one ZeroMQ message per call as the anchor sends)
 *   ours.cast.actor       msgs/s caf.cast.actor (>= 1.0)
 *   ours.cast.thread      msgs/s caf.cast.thread (>= 1.0); zmq.push.inproc
 *
 * Every message goes through the stubs actorc generates from
 * bench/runtime/bench.actor (into $(BUILD)/bench/runtime/bench.{c,h}), so
 * the figures include their encode and decode, as a user pays them:
 *
 *   rtbench.Echo    rpc echo(EchoRequest{bytes}) returns (EchoReply{bytes})
 *                   answers rep_bytes bytes (a fresh heap copy per reply:
 *                   the generated skeleton frees the reply after encoding);
 *                   cast count(EchoRequest) counts, and posts a semaphore
 *                   when the expected number arrived;
 *   rtbench.Driver  cast start() runs one measurement on a worker, the
 *                   pattern of caf.cpp's pinger/piper/caster, and posts a
 *                   semaphore main() waits on when it is over.
 *
 * The figures, each in a fresh actor_system with default options (one
 * worker per CPU, default timeouts: requests carry the system's 30 s
 * deadline, as a user's do; CAF's carry none):
 *
 *   then.local       Driver.start sends Echo.echo with _request; the
 *                    continuation records the round trip and sends the
 *                    next (warmup + n, the last n reported);
 *   then.local.pipe  the same keeping `outstanding` requests in flight until
 *                    pipe_n replies came back (req/s, from the first send to
 *                    the last reply, both on the Driver);
 *   call.local       main() calls Echo.echo through an actor_client, one at
 *                    a time (caf.cpp's measure_blocking);
 *   cast.actor       Driver.start sends cast_n Echo.count casts (as
 *                    caf.cpp's caster, which sends them all from one handler
 *                    into an unbounded mailbox: ours keeps at most the Echo's
 *                    capacity in flight, parking until the Echo, down to
 *                    half of it, starts it again); timed from the start
 *                    message to the sink's last cast;
 *   cast.thread      main() sends cast_n casts through its client; timed
 *                    from the first send to the sink's last cast.
 *
 *   call.ipc/tcp     a forked server process hosts an Echo registered as
 *                    "echo" in a system bound on ipc:///tmp/... or
 *                    tcp://127.0.0.1:*; main() calls it one at a time
 *                    through an actor_client and a ref from actor_connect;
 *   pipe.ipc/tcp     a Driver of this process keeps `outstanding` requests
 *                    in flight to that remote Echo (request/then from an
 *                    actor, as caf.then.remote.pipe).
 *
 * The cross-process figures run first and fork their server before this
 * process starts any thread (each figure's system is destroyed, its threads
 * joined, before the next figure forks), as zmq.c and caf.cpp do.
 */
#include "common.h"

#include <errno.h>
#include <semaphore.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include "actor/actor.h"
#include "actor/remote.h"
#include "bench.h"

/* A figure function returns 0 once it printed its RESULT lines, or: */
#define OURS_NOT_BUILT 1

/* How long main() waits for an actor to finish a measurement. */
#define OURS_RUN_TIMEOUT_S 300

typedef struct ours_figure {
    const char *key;
    int (*measure)(const bench_params *p, const char *key);
} ours_figure;

static const char *const ours_name = "bench-rt-ours";

/* ---------------------------------------------------------------- helpers */

static void ours_check(int rc, const char *what)
{
    if (rc != 0) {
        fprintf(stderr, "%s: %s: %s\n", ours_name, what, actor_strerror(rc));
        exit(1);
    }
}

static void ours_check_status(const actor_status *st, const char *what)
{
    if (st->category != ACTOR_STATUS_OK) {
        fprintf(stderr, "%s: %s: %s: %s\n", ours_name, what, actor_status_name(st->category),
                st->message);
        exit(1);
    }
}

/* Waits for `sem` (posted by an actor), at most OURS_RUN_TIMEOUT_S. */
static void ours_wait(sem_t *sem, const char *key)
{
    struct timespec until;
    clock_gettime(CLOCK_REALTIME, &until);
    until.tv_sec += OURS_RUN_TIMEOUT_S;
    while (sem_timedwait(sem, &until) != 0) {
        if (errno == EINTR)
            continue;
        fprintf(stderr, "%s: %s: no result after %ds\n", ours_name, key, OURS_RUN_TIMEOUT_S);
        exit(1);
    }
}

/* An EchoRequest whose payload is req_bytes bytes of `fill`; free with
 * ours_request_free (the payload is ours, not the stub's). */
static rtbench_EchoRequest ours_request(size_t req_bytes, char fill)
{
    rtbench_EchoRequest req;
    rtbench_EchoRequest_init(&req);
    req.payload.data = (uint8_t *)bench_payload(req_bytes, fill);
    req.payload.len = req_bytes;
    return req;
}

static void ours_request_free(rtbench_EchoRequest *req)
{
    free(req->payload.data);
    req->payload.data = NULL;
}

/* ------------------------------------------------------------ Echo actor */

/* The Echo actor's state: owned by the figure function (main's stack), which
 * outlives the actor (the system is destroyed before it returns). Only the
 * actor touches the counters until it posts `done`. */
typedef struct ours_echo {
    size_t rep_bytes;
    long casts_expected; /* count: post `done` when this many arrived */
    atomic_long casts;   /* written by the Echo, read by a pacing Driver */
    atomic_long resume_at; /* cast.actor: wake `driver` when casts reaches it */
    bool paced;            /* cast.actor: a Driver paces itself on `casts` */
    actor_ref driver;
    int64_t last_cast_ns;
    sem_t done;
} ours_echo;

static int ours_echo_init(void **state, const void *arg, actor_ctx *ctx)
{
    (void)ctx;
    *state = (void *)(uintptr_t)arg;
    return 0;
}

static int ours_echo_echo(void *state, actor_ctx *ctx, const rtbench_EchoRequest *req,
                          rtbench_EchoReply *res)
{
    const ours_echo *echo = state;
    (void)ctx, (void)req;
    /* The skeleton frees res after encoding it: the payload is a fresh copy. */
    res->payload.data = malloc(echo->rep_bytes > 0 ? echo->rep_bytes : 1);
    if (res->payload.data == NULL)
        return ACTOR_ENOMEM;
    memset(res->payload.data, 'r', echo->rep_bytes);
    res->payload.len = echo->rep_bytes;
    return ACTOR_INVOKE_REPLY;
}

static void ours_echo_count(void *state, actor_ctx *ctx, const rtbench_EchoRequest *msg)
{
    ours_echo *echo = state;
    (void)msg;
    long n = atomic_load_explicit(&echo->casts, memory_order_relaxed) + 1;
    /* cast.actor's handshake with a parked Driver needs the seq_cst store
     * (a full fence); without a Driver (cast.thread) the count is a plain
     * one, as caf.cpp's sink's: the fence is the harness's cost, not a
     * cast's. */
    if (!echo->paced) {
        atomic_store_explicit(&echo->casts, n, memory_order_relaxed);
    } else {
        atomic_store(&echo->casts, n); /* seq_cst: pairs with ours_driver_park */
        if (n == atomic_load(&echo->resume_at)) /* a parked Driver is alive: this reaches it */
            (void)rtbench_Driver_start_cast(ctx, echo->driver, NULL);
    }
    if (n == echo->casts_expected) {
        echo->last_cast_ns = bench_now_ns();
        sem_post(&echo->done);
    }
}

static const rtbench_Echo_handlers ours_echo_handlers = {
    .init = ours_echo_init,
    .echo = ours_echo_echo,
    .count = ours_echo_count,
};

/* ---------------------------------------------------------- Driver actor */

typedef enum ours_drive_mode {
    OURS_DRIVE_LATENCY, /* one request at a time, each round trip timed */
    OURS_DRIVE_PIPE,    /* `outstanding` requests in flight */
    OURS_DRIVE_CASTS,   /* a burst of casts to the Echo's counter */
} ours_drive_mode;

/* The Driver actor's state, owned like ours_echo's. main() fills the
 * parameters before spawning; the actor alone touches the rest until it
 * posts `done`. */
typedef struct ours_driver {
    ours_drive_mode mode;
    actor_ref echo;
    ours_echo *echo_state;         /* casts: the Echo's progress, for pacing */
    rtbench_EchoRequest req; /* payload owned by the figure function */
    size_t rep_bytes;
    long warmup, n;          /* latency: untimed, then timed round trips */
    int64_t *ns;             /* latency: n samples */
    long total, outstanding; /* pipe: requests, in flight; casts: total */
    long sent, received;
    int64_t t_send;          /* latency: when the current request left */
    int64_t t0, t1;          /* pipe and casts: first send, last reply */
    actor_status failure;    /* category != OK: the run failed */
    sem_t done;
} ours_driver;

static void ours_driver_finish(ours_driver *d)
{
    d->t1 = bench_now_ns();
    sem_post(&d->done);
}

static void ours_driver_fail(ours_driver *d, const actor_status *st, int rc)
{
    if (st != NULL)
        d->failure = *st;
    else
        actor_status_set(&d->failure, ACTOR_STATUS_INTERNAL, rc, "%s", actor_strerror(rc));
    ours_driver_finish(d);
}

/* A reply of the wrong size is a failure, as in the anchors. */
static bool ours_reply_ok(ours_driver *d, const actor_status *st, const rtbench_EchoReply *res)
{
    if (st->category != ACTOR_STATUS_OK) {
        ours_driver_fail(d, st, 0);
        return false;
    }
    if (res->payload.len != d->rep_bytes) {
        actor_status s;
        actor_status_set(&s, ACTOR_STATUS_INTERNAL, 0, "a reply of %zu bytes", res->payload.len);
        ours_driver_fail(d, &s, 0);
        return false;
    }
    return true;
}

static void ours_on_latency_reply(void *state, actor_ctx *ctx, const actor_status *st,
                                  const rtbench_EchoReply *res, void *user);

static void ours_send_latency(ours_driver *d, actor_ctx *ctx)
{
    d->t_send = bench_now_ns();
    int rc = rtbench_Echo_echo_request(ctx, d->echo, &d->req, NULL, ours_on_latency_reply, NULL,
                                       NULL);
    if (rc != 0)
        ours_driver_fail(d, NULL, rc);
}

static void ours_on_latency_reply(void *state, actor_ctx *ctx, const actor_status *st,
                                  const rtbench_EchoReply *res, void *user)
{
    ours_driver *d = state;
    int64_t rtt = bench_now_ns() - d->t_send;
    (void)user;
    if (!ours_reply_ok(d, st, res))
        return;
    if (d->received >= d->warmup)
        d->ns[d->received - d->warmup] = rtt;
    if (++d->received < d->warmup + d->n)
        ours_send_latency(d, ctx);
    else
        ours_driver_finish(d);
}

static void ours_on_pipe_reply(void *state, actor_ctx *ctx, const actor_status *st,
                               const rtbench_EchoReply *res, void *user);

static void ours_send_pipe(ours_driver *d, actor_ctx *ctx)
{
    d->sent++;
    int rc = rtbench_Echo_echo_request(ctx, d->echo, &d->req, NULL, ours_on_pipe_reply, NULL,
                                       NULL);
    if (rc != 0)
        ours_driver_fail(d, NULL, rc);
}

static void ours_on_pipe_reply(void *state, actor_ctx *ctx, const actor_status *st,
                               const rtbench_EchoReply *res, void *user)
{
    ours_driver *d = state;
    (void)user;
    if (!ours_reply_ok(d, st, res))
        return;
    if (++d->received == d->total)
        ours_driver_finish(d);
    else if (d->sent < d->total)
        ours_send_pipe(d, ctx);
}

/* The Echo's mailbox capacity (rtbench.Echo has no @mailbox: the default). */
#define OURS_CAST_WINDOW ((long)ACTOR_MAILBOX_DEFAULT_CAPACITY)

static long ours_casts_in_flight(const ours_driver *d)
{
    return d->sent - atomic_load_explicit(&d->echo_state->casts, memory_order_relaxed);
}

/* Asks the Echo to start the Driver again once it is down to half the
 * window. True when parked; false when the Echo got there meanwhile (go
 * on). seq_cst store then load, against the Echo's store of casts then
 * load of resume_at: one of the two sees the other, so no wake-up is lost
 * (a spare one finds the Driver busy or done and is harmless). */
static bool ours_driver_park(ours_driver *d)
{
    long mark = d->sent - OURS_CAST_WINDOW / 2;
    atomic_store(&d->echo_state->resume_at, mark);
    return atomic_load(&d->echo_state->casts) < mark;
}

/* Goes on in a later turn, after the Echo has run (backpressure). */
static void ours_driver_yield(ours_driver *d, actor_ctx *ctx)
{
    int rc = rtbench_Driver_start_cast(ctx, actor_ctx_self(ctx), NULL);
    if (rc != 0)
        ours_driver_fail(d, NULL, rc);
}

static void ours_driver_start(void *state, actor_ctx *ctx)
{
    ours_driver *d = state;
    if (d->mode != OURS_DRIVE_CASTS || d->sent == 0) /* casts: a run may take several turns */
        d->t0 = bench_now_ns();
    switch (d->mode) {
    case OURS_DRIVE_LATENCY:
        ours_send_latency(d, ctx);
        break;
    case OURS_DRIVE_PIPE:
        while (d->sent < d->total && d->sent < d->outstanding)
            ours_send_pipe(d, ctx);
        break;
    case OURS_DRIVE_CASTS:
        /* Paced by the Echo's progress: CAF's caster sends all cast_n into
         * an unbounded mailbox from one handler; the Echo's mailbox holds
         * OURS_CAST_WINDOW, so the Driver keeps at most that many in flight
         * and, when the window is full, parks (returns) until the Echo,
         * down to half of it, starts it again. No spinning, and no refused
         * sends: the figure is the sustained rate. */
        if (d->sent == d->total)
            return; /* a spare wake-up after the last send */
        while (d->sent < d->total) {
            int rc = 0;
            if (ours_casts_in_flight(d) >= OURS_CAST_WINDOW && ours_driver_park(d))
                return;
            rc = rtbench_Echo_count_cast(ctx, d->echo, &d->req, NULL);
            if (rc == ACTOR_EFULL) { /* not expected with the window: go on later */
                ours_driver_yield(d, ctx);
                return;
            }
            if (rc != 0) {
                ours_driver_fail(d, NULL, rc);
                return;
            }
            d->sent++;
        }
        ours_driver_finish(d); /* sent; the Echo posts when it has them all */
        break;
    }
}

static int ours_driver_init(void **state, const void *arg, actor_ctx *ctx)
{
    (void)ctx;
    *state = (void *)(uintptr_t)arg;
    return 0;
}

static const rtbench_Driver_handlers ours_driver_handlers = {
    .init = ours_driver_init,
    .start = ours_driver_start,
};

/* ------------------------------------------------- an in-process system */

/* A system with an Echo actor and a client for main(). */
typedef struct ours_local {
    actor_system *sys;
    actor_client *client;
    actor_ref echo;
    ours_echo echo_state;
} ours_local;

static void ours_local_start(ours_local *w, const bench_params *p)
{
    memset(w, 0, sizeof *w);
    w->echo_state.rep_bytes = p->rep_bytes;
    sem_init(&w->echo_state.done, 0, 0);
    ours_check(actor_system_new(NULL, &w->sys), "actor_system_new");
    ours_check(actor_client_new(w->sys, &w->client), "actor_client_new");
    ours_check(rtbench_Echo_spawn(w->sys, &ours_echo_handlers, &w->echo_state, NULL, &w->echo),
               "spawn Echo");
}

static void ours_local_stop(ours_local *w)
{
    actor_client_destroy(&w->client);
    actor_system_destroy(&w->sys);
    sem_destroy(&w->echo_state.done);
}

/* Spawns a Driver running *d (filled by the caller), starts it, waits until
 * it is done; exits on failure. */
static void ours_run_driver(ours_local *w, ours_driver *d, const char *key)
{
    actor_ref ref;
    actor_status_set(&d->failure, ACTOR_STATUS_OK, 0, "%s", "");
    sem_init(&d->done, 0, 0);
    d->echo = w->echo;
    ours_check(rtbench_Driver_spawn(w->sys, &ours_driver_handlers, d, NULL, &ref),
               "spawn Driver");
    w->echo_state.driver = ref; /* before Driver.start: the Echo reads it after */
    ours_check(rtbench_Driver_start(w->client, ref, NULL), "Driver.start");
    ours_wait(&d->done, key);
    ours_check_status(&d->failure, key);
    ours_check(actor_terminate(w->sys, ref, true), "terminate Driver");
    sem_destroy(&d->done);
}

/* ------------------------------------------------------------- figures */

/* An actor calls another actor of this process, request/then. */
static int ours_then_local(const bench_params *p, const char *key)
{
    ours_local w;
    ours_driver d = {0};
    ours_local_start(&w, p);
    d.mode = OURS_DRIVE_LATENCY;
    d.req = ours_request(p->req_bytes, 'q');
    d.rep_bytes = p->rep_bytes;
    d.warmup = p->warmup;
    d.n = p->n;
    d.ns = malloc((size_t)p->n * sizeof *d.ns);
    if (d.ns == NULL)
        bench_die(ours_name, "out of memory");
    ours_run_driver(&w, &d, key);
    bench_report_latency(key, d.ns, (size_t)p->n);
    free(d.ns);
    ours_request_free(&d.req);
    ours_local_stop(&w);
    return 0;
}

/* p->outstanding requests in flight from a Driver to w->echo. */
static void ours_measure_pipe(ours_local *w, const bench_params *p, const char *key)
{
    ours_driver d = {0};
    d.mode = OURS_DRIVE_PIPE;
    d.req = ours_request(p->req_bytes, 'q');
    d.rep_bytes = p->rep_bytes;
    d.total = p->pipe_n;
    d.outstanding = p->outstanding;
    ours_run_driver(w, &d, key);
    bench_report_rate(key, p->pipe_n, d.t1 - d.t0, "req");
    ours_request_free(&d.req);
}

/* The same with p->outstanding requests in flight. */
static int ours_then_local_pipe(const bench_params *p, const char *key)
{
    ours_local w;
    ours_local_start(&w, p);
    ours_measure_pipe(&w, p, key);
    ours_local_stop(&w);
    return 0;
}

/* warmup + n blocking calls from main() to w->echo, one at a time. */
static void ours_measure_calls(ours_local *w, const bench_params *p, const char *key)
{
    rtbench_EchoRequest req = ours_request(p->req_bytes, 'q');
    int64_t *ns = malloc((size_t)p->n * sizeof *ns);
    if (ns == NULL)
        bench_die(ours_name, "out of memory");
    for (long i = 0; i < p->warmup + p->n; i++) {
        rtbench_EchoReply res;
        actor_status st;
        int64_t t0 = bench_now_ns();
        ours_check(rtbench_Echo_echo(w->client, w->echo, &req, &res, NULL, &st), key);
        int64_t t1 = bench_now_ns();
        ours_check_status(&st, key);
        if (res.payload.len != p->rep_bytes)
            bench_die(ours_name, "a reply of the wrong size");
        rtbench_EchoReply_free(&res);
        if (i >= p->warmup)
            ns[i - p->warmup] = t1 - t0;
    }
    bench_report_latency(key, ns, (size_t)p->n);
    free(ns);
    ours_request_free(&req);
}

/* A blocking call from a plain thread (actor_client) into an actor here. */
static int ours_call_local(const bench_params *p, const char *key)
{
    ours_local w;
    ours_local_start(&w, p);
    ours_measure_calls(&w, p, key);
    ours_local_stop(&w);
    return 0;
}

/* ------------------------------------------------- across processes */

#define OURS_ENDPOINT_SIZE 256
#define OURS_ECHO_NAME "echo"

/* A forked server process hosting an Echo registered as OURS_ECHO_NAME,
 * its system bound on one endpoint; closing done_fd stops it. */
typedef struct ours_server {
    pid_t pid;
    int done_fd;
    char bound[OURS_ENDPOINT_SIZE]; /* the endpoint to connect to */
} ours_server;

/* In the forked child: serves until done_fd reaches end of file; writes
 * the bound endpoint (NUL included) to bound_fd, nothing on failure. */
static void ours_serve(const char *endpoint, const bench_params *p, int bound_fd, int done_fd)
{
    ours_echo state = {.rep_bytes = p->rep_bytes};
    actor_system *sys = NULL;
    actor_ref echo;
    char bound[OURS_ENDPOINT_SIZE] = "";
    sem_init(&state.done, 0, 0);
    int rc = actor_system_new(NULL, &sys);
    if (rc == 0)
        rc = rtbench_Echo_spawn(sys, &ours_echo_handlers, &state, NULL, &echo);
    if (rc == 0)
        rc = actor_register_name(sys, echo, OURS_ECHO_NAME);
    if (rc == 0)
        rc = actor_system_bind(sys, endpoint, NULL, bound, sizeof bound);
    if (rc != 0) {
        fprintf(stderr, "%s: server on %s: %s\n", ours_name, endpoint, actor_strerror(rc));
        _exit(1);
    }
    size_t n = strlen(bound) + 1;
    if (write(bound_fd, bound, n) != (ssize_t)n)
        _exit(2);
    close(bound_fd);
    char c;
    while (read(done_fd, &c, 1) > 0) {
    }
    actor_system_destroy(&sys);
    _exit(0);
}

/* Forks the server; call with no thread running in this process. */
static ours_server ours_start_server(const char *transport, const bench_params *p)
{
    char endpoint[OURS_ENDPOINT_SIZE];
    int bound_pipe[2], done_pipe[2];
    ours_server srv = {.pid = -1, .done_fd = -1};
    if (strcmp(transport, "ipc") == 0)
        snprintf(endpoint, sizeof endpoint, "ipc:///tmp/actorc-bench-ours-%ld.ipc",
                 (long)getpid());
    else
        snprintf(endpoint, sizeof endpoint, "tcp://127.0.0.1:*");
    if (pipe(bound_pipe) != 0 || pipe(done_pipe) != 0)
        bench_die(ours_name, "pipe failed");
    fflush(NULL);
    srv.pid = fork();
    if (srv.pid < 0)
        bench_die(ours_name, "fork failed");
    if (srv.pid == 0) {
        close(bound_pipe[0]);
        close(done_pipe[1]);
        ours_serve(endpoint, p, bound_pipe[1], done_pipe[0]);
    }
    close(bound_pipe[1]);
    close(done_pipe[0]);
    srv.done_fd = done_pipe[1];
    size_t got = 0;
    for (;;) {
        ssize_t r = read(bound_pipe[0], srv.bound + got, sizeof srv.bound - 1 - got);
        if (r <= 0)
            break;
        got += (size_t)r;
    }
    close(bound_pipe[0]);
    srv.bound[got] = '\0';
    if (got == 0 || srv.bound[got - 1] != '\0')
        bench_die(ours_name, "the echo server process did not start");
    return srv;
}

static void ours_stop_server(ours_server *srv)
{
    int status = 0;
    close(srv->done_fd);
    if (waitpid(srv->pid, &status, 0) != srv->pid || !WIFEXITED(status) ||
        WEXITSTATUS(status) != 0)
        bench_die(ours_name, "the echo server process failed");
}

/* A local system (no Echo of its own) with a ref to the server's Echo;
 * wire_batch as actor_system_opts (0: the default, packing on). */
static void ours_remote_start(ours_local *w, const ours_server *srv, unsigned wire_batch)
{
    actor_system_opts opts = {.wire_batch = wire_batch};

    memset(w, 0, sizeof *w);
    sem_init(&w->echo_state.done, 0, 0);
    ours_check(actor_system_new(&opts, &w->sys), "actor_system_new");
    ours_check(actor_client_new(w->sys, &w->client), "actor_client_new");
    ours_check(actor_connect(w->sys, srv->bound, OURS_ECHO_NAME, NULL, &w->echo), srv->bound);
}

/* Blocking calls from main() into an actor of another process. */
static int ours_call_remote(const bench_params *p, const char *key, const char *transport)
{
    ours_server srv = ours_start_server(transport, p);
    ours_local w;
    ours_remote_start(&w, &srv, 0);
    ours_measure_calls(&w, p, key);
    ours_local_stop(&w);
    ours_stop_server(&srv);
    return 0;
}

/* An actor of this process keeps p->outstanding requests in flight to an
 * actor of another process (request/then, as caf.then.remote.pipe).
 * wire_batch 1: packing off (the server then answers unpacked too). */
static int ours_pipe_remote(const bench_params *p, const char *key, const char *transport,
                            unsigned wire_batch)
{
    ours_server srv = ours_start_server(transport, p);
    ours_local w;
    ours_remote_start(&w, &srv, wire_batch);
    ours_measure_pipe(&w, p, key);
    ours_local_stop(&w);
    ours_stop_server(&srv);
    return 0;
}

static int ours_call_ipc(const bench_params *p, const char *key)
{
    return ours_call_remote(p, key, "ipc");
}

static int ours_call_tcp(const bench_params *p, const char *key)
{
    return ours_call_remote(p, key, "tcp");
}

static int ours_pipe_ipc(const bench_params *p, const char *key)
{
    return ours_pipe_remote(p, key, "ipc", 0);
}

static int ours_pipe_tcp(const bench_params *p, const char *key)
{
    return ours_pipe_remote(p, key, "tcp", 0);
}

static int ours_pipe_tcp_unpacked(const bench_params *p, const char *key)
{
    return ours_pipe_remote(p, key, "tcp", 1);
}

/* One-way casts in one process: from a handler. Timed from the start
 * message to the sink's last cast. */
static int ours_cast_actor(const bench_params *p, const char *key)
{
    ours_local w;
    ours_driver d = {0};
    ours_local_start(&w, p);
    w.echo_state.casts_expected = p->cast_n;
    w.echo_state.paced = true;
    d.mode = OURS_DRIVE_CASTS;
    d.echo_state = &w.echo_state;
    d.req = ours_request(p->req_bytes, 'c');
    d.total = p->cast_n;
    int64_t t0 = bench_now_ns();
    ours_run_driver(&w, &d, key);
    ours_wait(&w.echo_state.done, key);
    bench_report_rate(key, p->cast_n, w.echo_state.last_cast_ns - t0, "msgs");
    ours_request_free(&d.req);
    ours_local_stop(&w);
    return 0;
}

/* From a plain thread: main() casts through its client. */
static int ours_cast_thread(const bench_params *p, const char *key)
{
    ours_local w;
    ours_local_start(&w, p);
    w.echo_state.casts_expected = p->cast_n;
    rtbench_EchoRequest msg = ours_request(p->req_bytes, 'c');
    int64_t t0 = bench_now_ns();
    for (long i = 0; i < p->cast_n; i++)
        ours_check(rtbench_Echo_count(w.client, w.echo, &msg, NULL), key);
    ours_wait(&w.echo_state.done, key);
    bench_report_rate(key, p->cast_n, w.echo_state.last_cast_ns - t0, "msgs");
    ours_request_free(&msg);
    ours_local_stop(&w);
    return 0;
}

/* ------------------------------------------------------------------ */

/* Cross-process figures first, as in zmq.c and caf.cpp: they fork, and
 * forking is simplest before this process runs any threads. */
static const ours_figure ours_figures[] = {
    {"ours.call.ipc", ours_call_ipc},
    {"ours.pipe.ipc", ours_pipe_ipc},
    {"ours.call.tcp", ours_call_tcp},
    {"ours.pipe.tcp", ours_pipe_tcp},
    {"ours.pipe.tcp.unpacked", ours_pipe_tcp_unpacked},
    {"ours.then.local", ours_then_local},
    {"ours.then.local.pipe", ours_then_local_pipe},
    {"ours.call.local", ours_call_local},
    {"ours.cast.actor", ours_cast_actor},
    {"ours.cast.thread", ours_cast_thread},
};

int main(int argc, char **argv)
{
    bench_params p;
    if (bench_parse_args(argc, argv, &p) != 0)
        return 2;
    for (size_t i = 0; i < sizeof ours_figures / sizeof ours_figures[0]; i++) {
        const ours_figure *f = &ours_figures[i];
        if (!bench_selected(&p, f->key))
            continue;
        int rc = f->measure(&p, f->key);
        if (rc == OURS_NOT_BUILT)
            printf("NOTE %s: not measured yet (fill %s in bench/runtime/ours.c)\n", f->key,
                   f->key);
        else if (rc != 0)
            return 1;
    }
    return 0;
}
