/*
 * host.c - one "host" of the several-hosts tests (tests/hosts/run): an actor
 * system bound on ENDPOINT with one farm.Worker registered as "worker",
 * answering with HOST as its name. Prints "ready" once bound; runs until
 * SIGTERM or SIGINT.
 *
 *   host HOST ENDPOINT
 */
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "actor/remote.h"
#include "farm.h"

static int run(void *state, const farm_Job *req, farm_Done *res)
{
    struct timespec ts = {req->work_ms / 1000, (long)(req->work_ms % 1000) * 1000000L};

    nanosleep(&ts, NULL);
    res->id = req->id;
    res->host = actor_strdup(state);
    return res->host != NULL ? 0 : ACTOR_ENOMEM;
}

static int worker_init(void **state, const void *arg, actor_ctx *ctx)
{
    (void)ctx;
    *state = (void *)(uintptr_t)arg;
    return 0;
}

static int worker_work(void *state, actor_ctx *ctx, const farm_Job *req, farm_Done *res)
{
    (void)ctx;
    return run(state, req, res);
}

static int worker_once(void *state, actor_ctx *ctx, const farm_Job *req, farm_Done *res)
{
    (void)ctx;
    return run(state, req, res);
}

int main(int argc, char **argv)
{
    static const farm_Worker_handlers handlers = {
        .init = worker_init, .work = worker_work, .once = worker_once};
    actor_system_opts o = {.workers = 2, .peer_timeout_ms = 1000};
    actor_system *sys = NULL;
    actor_ref worker;
    char bound[256] = "";
    sigset_t stop;
    int sig;

    if (argc != 3) {
        fprintf(stderr, "usage: host HOST ENDPOINT\n");
        return 2;
    }
    sigemptyset(&stop);
    sigaddset(&stop, SIGTERM);
    sigaddset(&stop, SIGINT);
    pthread_sigmask(SIG_BLOCK, &stop, NULL);
    if (actor_system_new(&o, &sys) != 0 ||
        farm_Worker_spawn(sys, &handlers, argv[1], NULL, &worker) != 0 ||
        actor_register_name(sys, worker, "worker") != 0 ||
        actor_system_bind(sys, argv[2], NULL, bound, sizeof bound) != 0) {
        fprintf(stderr, "host %s: cannot serve %s: %s\n", argv[1], argv[2], bound);
        return 1;
    }
    printf("ready\n");
    fflush(stdout);
    sigwait(&stop, &sig);
    actor_system_destroy(&sys);
    return 0;
}
