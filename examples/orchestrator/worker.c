/*
 * worker.c - orch.Worker: checksums job payloads, one at a time, in a
 * process of its own (@isolation(process)); and the run's one kill.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "orchestrator_example.h"

/* An application's own negative code for an unhealthy worker (the health
 * hook's convention: not an ACTOR_E* code). */
#define WORKER_UNHEALTHY (-1000)

/* One worker's state, in its own process. */
typedef struct worker {
    int pid;
    uint64_t jobs_done;
    uint64_t empty_payloads; /* jobs that came without one: a broken sender */
    kill_plan *kill;         /* shared with every process; borrowed */
} worker;

/* ============================================================ the kill */

kill_plan *kill_plan_new(uint64_t after)
{
    kill_plan *plan =
        mmap(NULL, sizeof *plan, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);

    if (plan == MAP_FAILED)
        return NULL;
    plan->after = after; /* the rest is zero-filled */
    return plan;
}

void kill_plan_destroy(kill_plan **plan)
{
    if (*plan != NULL)
        munmap(*plan, sizeof **plan);
    *plan = NULL;
}

/* Counts the job just taken; the worker that takes the one after
 * plan->after dies here, by SIGKILL of its own process, holding it. */
static void die_if_chosen(kill_plan *plan, int pid, uint64_t job_id)
{
    int nobody = 0;
    uint64_t taken = atomic_fetch_add(&plan->taken, 1) + 1;

    if (plan->after == 0 || taken != plan->after + 1 ||
        !atomic_compare_exchange_strong(&plan->killed_pid, &nobody, pid))
        return;
    atomic_store(&plan->killed_job, job_id);
    kill(pid, SIGKILL);
    pause(); /* the signal is on its way: never returns */
}

/* ========================================================== the worker */

static int worker_init(void **state, const void *arg, actor_ctx *ctx)
{
    worker *w = calloc(1, sizeof *w);

    (void)ctx;
    if (w == NULL)
        return ACTOR_ENOMEM;
    w->pid = (int)getpid();
    w->kill = (kill_plan *)(uintptr_t)arg;
    *state = w;
    return 0;
}

static void worker_cleanup(void *state, actor_ctx *ctx)
{
    (void)ctx;
    free(state);
}

/* The runtime's health hook, and the probe's verdict. */
static int worker_health(void *state, char *reason, size_t size)
{
    const worker *w = state;

    if (w->empty_payloads == 0)
        return 0;
    snprintf(reason, size, "%llu of %llu jobs came without a payload",
             (unsigned long long)w->empty_payloads, (unsigned long long)w->jobs_done);
    return WORKER_UNHEALTHY;
}

static int worker_checksum(void *state, actor_ctx *ctx, const orch_Job *req, orch_JobResult *res)
{
    worker *w = state;

    (void)ctx;
    die_if_chosen(w->kill, w->pid, req->id);
    if (req->payload.len == 0)
        w->empty_payloads++;
    res->id = req->id;
    res->checksum = payload_checksum(req->payload.data, req->payload.len);
    res->length = req->payload.len;
    res->worker_pid = w->pid;
    w->jobs_done++;
    return 0;
}

static int worker_probe(void *state, actor_ctx *ctx, orch_Health *res)
{
    worker *w = state;
    char reason[ACTOR_STATUS_MESSAGE_SIZE] = "";

    (void)ctx;
    res->healthy = worker_health(w, reason, sizeof reason) == 0;
    res->reason = strdup(reason); /* freed with *res, after it is sent */
    if (res->reason == NULL)
        return ACTOR_ENOMEM;
    res->pid = w->pid;
    res->jobs_done = w->jobs_done;
    return 0;
}

const orch_Worker_handlers worker_handlers = {
    .init = worker_init,
    .cleanup = worker_cleanup,
    .health = worker_health,
    .checksum = worker_checksum,
    .probe = worker_probe,
};
