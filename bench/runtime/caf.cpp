/*
 * bench/runtime/caf.cpp - the CAF 0.17 anchors of the runtime benchmark
 * (issue 3 point 9): the same exchanges as libactor's, done by the C++ Actor
 * Framework (Debian libcaf-dev), with the same payload sizes (a request of
 * req_bytes and a reply of rep_bytes, carried as std::string).
 *
 *   caf.then.local        an actor calls another actor of this process with
 *                         request(...).then(...) and continues on the reply,
 *                         one at a time: median and p99 round trip (us)
 *   caf.then.local.pipe   the same with `outstanding` requests in flight (req/s)
 *   caf.blocking.local    a plain thread (scoped_actor) calls an actor with
 *                         request(...).receive(...) (us)
 *   caf.then.remote       request/then to an actor in another process, through
 *                         caf::io's middleman over tcp loopback (us)
 *   caf.then.remote.pipe  the same pipelined (req/s)
 *   caf.blocking.remote   scoped_actor request/receive to that remote actor (us)
 *   caf.cast.actor        an actor send()s cast_n one-way messages to another
 *                         (msgs/s, until the receiver has them all)
 *   caf.cast.thread       the same sent by a plain thread with anon_send
 *   caf.pool.cpu.1        a caf::actor_pool (round robin) of 1 worker whose
 *                         handler does pool_work() (~20 us of pure CPU) per
 *                         request; an actor keeps pool_outstanding requests
 *                         in flight: requests answered per second (req/s)
 *   caf.pool.cpu.2        the same with 2 workers; both pool figures run in
 *                         an actor system of pool_threads scheduler threads
 *
 * The remote figures run first: the echo server process is forked before
 * this process creates any actor system (no threads yet).
 * Options and output: common.h.
 */
#include "common.h"

#include <caf/all.hpp>
#include <caf/io/all.hpp>

#include <chrono>
#include <cstdio>
#include <future>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include <sys/wait.h>
#include <unistd.h>

namespace {

const char *const caf_name = "bench-rt-caf";

/* Requests carry no timeout: with one, CAF registers a timer per request,
 * which halved its pipelined rate here (312k against 596k req/s). The
 * anchor is CAF at its fastest; a lost reply is caught by run_timeout (and
 * by run.py's timeout on the whole program). */
#define CAF_REQUEST_TIMEOUT caf::infinite
constexpr auto run_timeout = std::chrono::seconds(300);

/* The pool figures. Their C counterpart does the same work per request:
 * pool_work() below, POOL_WORK_ITERS xorshift64 steps (~20 us here, 1.7 ns
 * a step), seeded by the request, its result the reply, so nothing is
 * optimized away. pool_n() requests per figure, pool_outstanding of them in
 * flight (enough to keep every worker busy), pool_threads scheduler
 * threads (this machine's 2 cores; CAF's default is at least 4). */
#define POOL_WORK_ITERS 12000
constexpr long pool_outstanding = 64;
constexpr size_t pool_threads = 2;

/* pipe_n / 10 (30000 by default, 500 with --smoke): ~0.6 s of work. */
long pool_n(const bench_params &p)
{
    return p.pipe_n / 10 > 0 ? p.pipe_n / 10 : 1;
}

static uint64_t pool_work(uint64_t x)
{
    for (long i = 0; i < POOL_WORK_ITERS; i++) {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
    }
    return x;
}

/* ------------------------------------------------------------ the actors */

/* Answers every request with `reply`. */
caf::behavior echo_server(caf::event_based_actor *, std::string reply)
{
    return {[reply](const std::string &) { return reply; }};
}

/* What an event-based measuring actor shares with main(): set by the actor,
 * read by main() after `done` (the promise orders the accesses). */
struct run_result {
    std::promise<void> done;
    bool finished = false; /* only touched by the actor */
    std::string error;

    void finish(std::string err = std::string())
    {
        if (finished)
            return;
        finished = true;
        error = std::move(err);
        done.set_value();
    }
};

struct latency_run : run_result {
    caf::actor server;
    std::string request;
    long warmup = 0;
    long n = 0;
    std::vector<int64_t> ns;
};

/* Round trip number i; the next one starts from the continuation. */
void ping_once(caf::event_based_actor *self, std::shared_ptr<latency_run> run, long i)
{
    int64_t t0 = bench_now_ns();
    self->request(run->server, CAF_REQUEST_TIMEOUT, run->request)
        .then(
            [=](const std::string &) {
                if (i >= run->warmup)
                    run->ns.push_back(bench_now_ns() - t0);
                if (i + 1 < run->warmup + run->n) {
                    ping_once(self, run, i + 1);
                } else {
                    run->finish();
                    self->quit();
                }
            },
            [=](caf::error &err) {
                run->finish(self->system().render(err));
                self->quit();
            });
}

caf::behavior pinger(caf::event_based_actor *self, std::shared_ptr<latency_run> run)
{
    ping_once(self, run, 0);
    return {[](int) {}}; /* stays alive until quit() */
}

struct pipe_run : run_result {
    caf::actor server;
    std::string request;
    long total = 0;
    long sent = 0;
    long received = 0;
    int64_t t0 = 0;
    int64_t t1 = 0;
};

/* One request; each reply sends the next until `total` were sent. */
void pipe_send(caf::event_based_actor *self, std::shared_ptr<pipe_run> run)
{
    run->sent++;
    self->request(run->server, CAF_REQUEST_TIMEOUT, run->request)
        .then(
            [=](const std::string &) {
                if (++run->received == run->total) {
                    run->t1 = bench_now_ns();
                    run->finish();
                    self->quit();
                } else if (run->sent < run->total) {
                    pipe_send(self, run);
                }
            },
            [=](caf::error &err) {
                run->finish(self->system().render(err));
                self->quit();
            });
}

caf::behavior piper(caf::event_based_actor *self, std::shared_ptr<pipe_run> run, long outstanding)
{
    run->t0 = bench_now_ns();
    while (run->sent < run->total && run->sent < outstanding)
        pipe_send(self, run);
    return {[](int) {}};
}

struct cast_run : run_result {
    long n = 0;
    long got = 0;
    int64_t t0 = 0;
    int64_t t1 = 0;
};

caf::behavior sink(caf::event_based_actor *self, std::shared_ptr<cast_run> run)
{
    return {[=](const std::string &) {
        if (++run->got == run->n) {
            run->t1 = bench_now_ns();
            run->finish();
            self->quit();
        }
    }};
}

void caster(caf::event_based_actor *self, caf::actor to, long n, std::string msg)
{
    for (long i = 0; i < n; i++)
        self->send(to, msg);
}

/* A pool worker: each request costs pool_work(). The worker's number is
 * unused: CAF 0.17 dereferences an empty argument tuple when it starts a
 * function-based actor that takes no arguments (UBSan's "reference binding
 * to null pointer", init_fun_factory.hpp), so every actor here takes one. */
caf::behavior pool_worker(caf::event_based_actor *, size_t /* number */)
{
    return {[](uint64_t seed) { return pool_work(seed); }};
}

struct pool_run : run_result {
    caf::actor pool;
    long total = 0;
    long sent = 0;
    long received = 0;
    int64_t t0 = 0;
    int64_t t1 = 0;
};

/* pipe_send's twin for the pool: the request is a seed, never 0 (xorshift's
 * fixed point). */
void pool_send(caf::event_based_actor *self, std::shared_ptr<pool_run> run)
{
    uint64_t seed = (uint64_t)++run->sent;
    self->request(run->pool, CAF_REQUEST_TIMEOUT, seed)
        .then(
            [=](uint64_t) {
                if (++run->received == run->total) {
                    run->t1 = bench_now_ns();
                    run->finish();
                    self->quit();
                } else if (run->sent < run->total) {
                    pool_send(self, run);
                }
            },
            [=](caf::error &err) {
                run->finish(self->system().render(err));
                self->quit();
            });
}

caf::behavior pool_driver(caf::event_based_actor *self, std::shared_ptr<pool_run> run)
{
    run->t0 = bench_now_ns();
    while (run->sent < run->total && run->sent < pool_outstanding)
        pool_send(self, run);
    return {[](int) {}};
}

/* ---------------------------------------------------------- measurements */

void wait_for(run_result &run, const char *key)
{
    if (run.done.get_future().wait_for(run_timeout) != std::future_status::ready) {
        std::fprintf(stderr, "%s: %s: no result after %lds\n", caf_name, key,
                     (long)run_timeout.count());
        std::_Exit(1);
    }
    if (!run.error.empty()) {
        std::fprintf(stderr, "%s: %s: %s\n", caf_name, key, run.error.c_str());
        std::exit(1);
    }
}

void measure_then(caf::actor_system &sys, const caf::actor &server, const bench_params &p,
                  long n, const char *key)
{
    auto run = std::make_shared<latency_run>();
    run->server = server;
    run->request.assign(p.req_bytes, 'q');
    run->warmup = p.warmup < n ? p.warmup : n;
    run->n = n;
    run->ns.reserve((size_t)n);
    sys.spawn(pinger, run);
    wait_for(*run, key);
    bench_report_latency(key, run->ns.data(), run->ns.size());
}

void measure_pipelined(caf::actor_system &sys, const caf::actor &server, const bench_params &p,
                       long total, const char *key)
{
    auto run = std::make_shared<pipe_run>();
    run->server = server;
    run->request.assign(p.req_bytes, 'q');
    run->total = total;
    sys.spawn(piper, run, p.outstanding);
    wait_for(*run, key);
    bench_report_rate(key, total, run->t1 - run->t0, "req");
}

void measure_blocking(caf::actor_system &sys, const caf::actor &server, const bench_params &p,
                      long n, const char *key)
{
    caf::scoped_actor self{sys};
    std::string request(p.req_bytes, 'q');
    long warmup = p.warmup < n ? p.warmup : n;
    std::vector<int64_t> ns;
    ns.reserve((size_t)n);
    for (long i = 0; i < warmup + n; i++) {
        int64_t t0 = bench_now_ns();
        self->request(server, CAF_REQUEST_TIMEOUT, request)
            .receive([](const std::string &) {},
                     [&](caf::error &err) {
                         std::fprintf(stderr, "%s: %s: %s\n", caf_name, key,
                                      sys.render(err).c_str());
                         std::exit(1);
                     });
        if (i >= warmup)
            ns.push_back(bench_now_ns() - t0);
    }
    bench_report_latency(key, ns.data(), ns.size());
}

void measure_casts(caf::actor_system &sys, const bench_params &p, bool from_thread,
                   const char *key)
{
    auto run = std::make_shared<cast_run>();
    run->n = p.cast_n;
    std::string msg(p.req_bytes, 'c');
    auto to = sys.spawn(sink, run);
    run->t0 = bench_now_ns();
    if (from_thread) {
        for (long i = 0; i < p.cast_n; i++)
            caf::anon_send(to, msg);
    } else {
        sys.spawn(caster, to, p.cast_n, msg);
    }
    wait_for(*run, key);
    bench_report_rate(key, p.cast_n, run->t1 - run->t0, "msgs");
}

void measure_pool(caf::actor_system &sys, const bench_params &p, size_t workers,
                  const char *key)
{
    caf::scoped_execution_unit ctx{&sys};
    auto run = std::make_shared<pool_run>();
    size_t spawned = 0;
    run->pool = caf::actor_pool::make(
        &ctx, workers, [&] { return sys.spawn(pool_worker, ++spawned); },
        caf::actor_pool::round_robin());
    run->total = pool_n(p);
    sys.spawn(pool_driver, run);
    wait_for(*run, key);
    caf::anon_send_exit(run->pool, caf::exit_reason::user_shutdown);
    bench_report_rate(key, run->total, run->t1 - run->t0, "req");
}

/* ------------------------------------------------------------ local runs */

void run_local(const bench_params &p)
{
    caf::actor_system_config cfg;
    caf::actor_system sys{cfg};
    auto server = sys.spawn(echo_server, std::string(p.rep_bytes, 'r'));
    if (bench_selected(&p, "caf.then.local.pipe"))
        measure_pipelined(sys, server, p, p.pipe_n, "caf.then.local.pipe");
    if (bench_selected(&p, "caf.then.local"))
        measure_then(sys, server, p, p.n, "caf.then.local");
    if (bench_selected(&p, "caf.blocking.local"))
        measure_blocking(sys, server, p, p.n, "caf.blocking.local");
    caf::anon_send_exit(server, caf::exit_reason::user_shutdown);
    if (bench_selected(&p, "caf.cast.actor"))
        measure_casts(sys, p, false, "caf.cast.actor");
    if (bench_selected(&p, "caf.cast.thread"))
        measure_casts(sys, p, true, "caf.cast.thread");
}

void run_pool(const bench_params &p)
{
    caf::actor_system_config cfg;
    cfg.set("scheduler.max-threads", pool_threads);
    caf::actor_system sys{cfg};
    if (bench_selected(&p, "caf.pool.cpu.1"))
        measure_pool(sys, p, 1, "caf.pool.cpu.1");
    if (bench_selected(&p, "caf.pool.cpu.2"))
        measure_pool(sys, p, 2, "caf.pool.cpu.2");
}

/* ----------------------------------------------------------- remote runs */

/* In the forked child: publishes an echo server on 127.0.0.1, writes its
 * port to `port_fd`, serves until `done_fd` reaches end of file. */
int serve_remote(const bench_params &p, int port_fd, int done_fd)
{
    caf::actor_system_config cfg;
    cfg.load<caf::io::middleman>();
    caf::actor_system sys{cfg};
    auto server = sys.spawn(echo_server, std::string(p.rep_bytes, 'r'));
    auto port = sys.middleman().publish(server, 0, "127.0.0.1");
    uint16_t value = port ? *port : 0;
    if (write(port_fd, &value, sizeof value) != (ssize_t)sizeof value || value == 0)
        return 1;
    close(port_fd);
    char c;
    while (read(done_fd, &c, 1) > 0) {
    }
    caf::anon_send_exit(server, caf::exit_reason::user_shutdown);
    return 0;
}

struct remote_server {
    pid_t pid = -1;
    uint16_t port = 0;
    int done_fd = -1; /* closing it stops the server */
};

remote_server start_remote_server(const bench_params &p)
{
    int port_pipe[2], done_pipe[2];
    if (pipe(port_pipe) != 0 || pipe(done_pipe) != 0)
        bench_die(caf_name, "pipe failed");
    std::fflush(nullptr);
    remote_server rs;
    rs.pid = fork();
    if (rs.pid < 0)
        bench_die(caf_name, "fork failed");
    if (rs.pid == 0) {
        close(port_pipe[0]);
        close(done_pipe[1]);
        int rc = serve_remote(p, port_pipe[1], done_pipe[0]);
        std::fflush(nullptr);
        _exit(rc);
    }
    close(port_pipe[1]);
    close(done_pipe[0]);
    if (read(port_pipe[0], &rs.port, sizeof rs.port) != (ssize_t)sizeof rs.port || rs.port == 0)
        bench_die(caf_name, "the remote echo server did not start");
    close(port_pipe[0]);
    rs.done_fd = done_pipe[1];
    return rs;
}

void stop_remote_server(remote_server &rs)
{
    close(rs.done_fd);
    int status = 0;
    if (waitpid(rs.pid, &status, 0) != rs.pid || !WIFEXITED(status) || WEXITSTATUS(status) != 0)
        bench_die(caf_name, "the remote echo server failed");
}

void run_remote(const bench_params &p)
{
    remote_server rs = start_remote_server(p);
    {
        caf::actor_system_config cfg;
        cfg.load<caf::io::middleman>();
        caf::actor_system sys{cfg};
        auto server = sys.middleman().remote_actor("127.0.0.1", rs.port);
        if (!server) {
            std::fprintf(stderr, "%s: remote_actor: %s\n", caf_name,
                         sys.render(server.error()).c_str());
            std::exit(1);
        }
        long pipe_n = p.pipe_n / 3 > 0 ? p.pipe_n / 3 : 1;
        if (bench_selected(&p, "caf.then.remote.pipe"))
            measure_pipelined(sys, *server, p, pipe_n, "caf.then.remote.pipe");
        if (bench_selected(&p, "caf.then.remote"))
            measure_then(sys, *server, p, p.remote_n, "caf.then.remote");
        if (bench_selected(&p, "caf.blocking.remote"))
            measure_blocking(sys, *server, p, p.remote_n, "caf.blocking.remote");
    }
    stop_remote_server(rs);
}

bool any_selected(const bench_params &p, std::initializer_list<const char *> keys)
{
    for (const char *key : keys)
        if (bench_selected(&p, key))
            return true;
    return false;
}

} // namespace

int main(int argc, char **argv)
{
    bench_params p;
    if (bench_parse_args(argc, argv, &p) != 0)
        return 2;
    if (any_selected(p, {"caf.then.remote", "caf.then.remote.pipe", "caf.blocking.remote"}))
        run_remote(p);
    if (any_selected(p, {"caf.then.local", "caf.then.local.pipe", "caf.blocking.local",
                         "caf.cast.actor", "caf.cast.thread"}))
        run_local(p);
    if (any_selected(p, {"caf.pool.cpu.1", "caf.pool.cpu.2"}))
        run_pool(p);
    return 0;
}
