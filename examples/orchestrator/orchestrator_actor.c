/*
 * orchestrator_actor.c - orch.Orchestrator: runs a plan over the worker
 * pool in batches and checks every result.
 *
 * A run is one deferred reply and a chain of continuations, all on the
 * orchestrator's own actor (so its state needs no lock):
 *
 *   run ─> send_batch ─> job_answered, once per job ─> probe_workers
 *       ─> probe_answered, once per worker ─> the next send_batch, or
 *          finish_run (the reply) after the last batch
 *
 * A batch is several requests in flight at once, one per job, rather than
 * one message holding every job: the pool spreads a batch's jobs over its
 * workers, and when a worker dies only the jobs it held are sent again,
 * not the whole batch.
 */
#include <inttypes.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "orchestrator_example.h"

/* A batch's payloads are in flight at once: bounded well below the bytes a
 * mailbox holds (ACTOR_MAILBOX_DEFAULT_MAX_BYTES). */
#define MAX_BATCH_BYTES ((uint64_t)32 * 1024 * 1024)
#define PROBLEMS_REPORTED_MAX 5 /* unexpected answers described on stderr */

typedef struct orchestrator orchestrator;

/* What a probe's continuation needs: the orchestrator, and which worker. */
typedef struct probe_slot {
    orchestrator *o;
    unsigned worker;
} probe_slot;

struct orchestrator {
    actor_ref pool;
    /* The run in progress (NULL: none); owned until answered. */
    actor_reply *run_reply;
    orch_Plan plan;
    uint32_t next_job;  /* the first job of the next batch */
    uint32_t waiting;   /* answers the current batch or probe round waits for */
    uint8_t *payload;   /* one job's payload, refilled per job: the request copies it */
    uint64_t *expected; /* per job: the checksum its result must have */
    uint8_t *results;   /* per job: results received */
    uint8_t *attempts;  /* per job: calls made */
    orch_Summary sum;   /* sum.answered_by: per job */
    unsigned problems;  /* unexpected answers so far */
    probe_slot probe_slots[ORCHESTRATOR_MAX_WORKERS]; /* one per probe in flight */
};

/* ============================================================ problems */

/* Describes an unexpected answer on stderr, the first few of a run. */
static void report_problem(orchestrator *o, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void report_problem(orchestrator *o, const char *fmt, ...)
{
    va_list ap;

    if (o->problems++ >= PROBLEMS_REPORTED_MAX)
        return;
    va_start(ap, fmt);
    fputs("orchestrator: ", stderr);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
}

/* ============================================================ the run */

/* Why `p` cannot run, in why[size]; true when it can. */
static bool plan_is_valid(const orch_Plan *p, char *why, size_t size)
{
    if (p->jobs == 0 || p->jobs > ORCHESTRATOR_MAX_JOBS)
        snprintf(why, size, "jobs must be 1..%u, not %" PRIu32, ORCHESTRATOR_MAX_JOBS, p->jobs);
    else if (p->payload_bytes == 0 || p->payload_bytes > ORCHESTRATOR_MAX_PAYLOAD_BYTES)
        snprintf(why, size, "payload_bytes must be 1..%u, not %" PRIu32,
                 ORCHESTRATOR_MAX_PAYLOAD_BYTES, p->payload_bytes);
    else if (p->batch_size == 0 || (uint64_t)p->batch_size * p->payload_bytes > MAX_BATCH_BYTES)
        snprintf(why, size,
                 "batch_size must be 1..%" PRIu64 " for %" PRIu32 "-byte payloads, not %" PRIu32,
                 MAX_BATCH_BYTES / p->payload_bytes, p->payload_bytes, p->batch_size);
    else
        return true;
    return false;
}

static void run_free(orchestrator *o)
{
    free(o->payload);
    free(o->expected);
    free(o->results);
    free(o->attempts);
    orch_Summary_free(&o->sum);
    o->payload = NULL;
    o->expected = NULL;
    o->results = NULL;
    o->attempts = NULL;
}

/* The run's bookkeeping for a valid plan: 0 or ACTOR_ENOMEM. */
static int run_start(orchestrator *o, const orch_Plan *plan)
{
    o->plan = *plan;
    o->next_job = 0;
    o->waiting = 0;
    o->problems = 0;
    orch_Summary_init(&o->sum);
    o->sum.jobs = plan->jobs;
    o->payload = malloc(plan->payload_bytes);
    o->expected = calloc(plan->jobs, sizeof *o->expected);
    o->results = calloc(plan->jobs, sizeof *o->results);
    o->attempts = calloc(plan->jobs, sizeof *o->attempts);
    o->sum.answered_by = calloc(plan->jobs, sizeof *o->sum.answered_by);
    o->sum.n_answered_by = plan->jobs;
    if (o->payload == NULL || o->expected == NULL || o->results == NULL || o->attempts == NULL ||
        o->sum.answered_by == NULL) {
        run_free(o);
        return ACTOR_ENOMEM;
    }
    return 0;
}

/* The last batch is done: the run's answer. */
static void finish_run(orchestrator *o)
{
    int rc;

    if (o->problems > PROBLEMS_REPORTED_MAX)
        fprintf(stderr, "orchestrator: %u more unexpected answers not shown\n",
                o->problems - PROBLEMS_REPORTED_MAX);
    rc = orch_Orchestrator_run_reply(&o->run_reply, &o->sum);

    if (rc != 0)
        fprintf(stderr, "orchestrator: could not answer the run: %s\n", actor_strerror(rc));
    run_free(o);
}

/* ============================================================ batches */

static void probe_workers(orchestrator *o, actor_ctx *ctx);
static void job_answered(void *state, actor_ctx *ctx, const actor_status *st,
                         const orch_JobResult *res, void *user);

/* One job's result: verified, or counted as a failure. */
static void check_result(orchestrator *o, uint64_t id, const actor_status *st,
                         const orch_JobResult *res)
{
    bool first = o->results[id] == 0;

    o->results[id] = 1;
    if (!first) {
        o->sum.duplicated++;
        report_problem(o, "job %" PRIu64 ": a second result", id);
    } else if (st->category != ACTOR_STATUS_OK) {
        o->sum.failed++;
        report_problem(o, "job %" PRIu64 ": %s: %s", id, actor_status_name(st->category),
                       st->message);
    } else if (res->id != id || res->length != o->plan.payload_bytes ||
               res->checksum != o->expected[id]) {
        o->sum.failed++;
        report_problem(o,
                       "job %" PRIu64 ": wrong result from pid %" PRId32 " (job %" PRIu64
                       ", %" PRIu64 " bytes, checksum %016" PRIx64 ", expected %016" PRIx64 ")",
                       id, res->worker_pid, res->id, res->length, res->checksum, o->expected[id]);
    } else {
        o->sum.verified++;
        o->sum.answered_by[id] = res->worker_pid;
    }
}

/* Whether a call that ended so may be made again: it brought no result,
 * and the job may run twice. */
static bool worth_resending(const actor_status *st)
{
    switch (st->category) {
    case ACTOR_STATUS_TIMEOUT:
    case ACTOR_STATUS_DIED:
    case ACTOR_STATUS_REJECTED:
    case ACTOR_STATUS_UNAVAILABLE:
    case ACTOR_STATUS_UNREACHABLE:
        return true;
    default:
        return false;
    }
}

/* Makes job `id`'s call, its payload made afresh: 0, or the ACTOR_E*
 * code it could not be sent for. */
static int call_job(orchestrator *o, actor_ctx *ctx, uint32_t id)
{
    orch_Job job = {.id = id, .payload = {o->payload, o->plan.payload_bytes}};

    payload_fill(id, o->payload, o->plan.payload_bytes);
    o->expected[id] = payload_checksum(o->payload, o->plan.payload_bytes);
    o->attempts[id]++;
    return orch_Worker_checksum_request(ctx, o->pool, &job, NULL, job_answered,
                                        (void *)(uintptr_t)id, NULL);
}

/* The job's call ended without a result: true when it was made again (its
 * answer is still to come). */
static bool resend_job(orchestrator *o, actor_ctx *ctx, uint32_t id, const actor_status *st)
{
    int rc;

    if (!worth_resending(st) || o->attempts[id] >= ORCHESTRATOR_JOB_ATTEMPTS)
        return false;
    rc = call_job(o, ctx, id);
    if (rc != 0) {
        report_problem(o, "job %" PRIu32 ": %s: %s; could not send it again: %s", id,
                       actor_status_name(st->category), st->message, actor_strerror(rc));
        return false;
    }
    report_problem(o, "job %" PRIu32 ": %s: %s; sent it again", id, actor_status_name(st->category),
                   st->message);
    o->sum.resent++;
    return true;
}

static void job_answered(void *state, actor_ctx *ctx, const actor_status *st,
                         const orch_JobResult *res, void *user)
{
    orchestrator *o = state;
    uint32_t id = (uint32_t)(uintptr_t)user;

    if (st->category != ACTOR_STATUS_OK && resend_job(o, ctx, id, st))
        return;
    check_result(o, id, st, res);
    if (--o->waiting == 0)
        probe_workers(o, ctx);
}

/* Sends job `id` for the first time. */
static void send_job(orchestrator *o, actor_ctx *ctx, uint32_t id)
{
    int rc = call_job(o, ctx, id);

    if (rc != 0) {
        o->sum.failed++;
        report_problem(o, "job %" PRIu32 ": not sent: %s", id, actor_strerror(rc));
        return;
    }
    o->waiting++;
}

/* Sends the next batch: every one of its jobs at once. */
static void send_batch(orchestrator *o, actor_ctx *ctx)
{
    uint32_t end = o->plan.jobs - o->next_job > o->plan.batch_size
                       ? o->next_job + o->plan.batch_size
                       : o->plan.jobs;

    o->sum.batches++;
    for (uint32_t id = o->next_job; id < end; id++)
        send_job(o, ctx, id); /* their answers run after this returns */
    o->next_job = end;
    if (o->waiting == 0)
        probe_workers(o, ctx);
}

/* After the probes: the next batch, or the end of the run. */
static void next_batch(orchestrator *o, actor_ctx *ctx)
{
    if (o->next_job < o->plan.jobs)
        send_batch(o, ctx);
    else
        finish_run(o);
}

/* ============================================================= probes */

/* A probe's health, from the worker's reply; false (and a problem
 * reported) when there is none or it says unhealthy. */
static bool probe_healthy(orchestrator *o, unsigned worker, const actor_status *st,
                          const orch_Health *h)
{
    if (st->category != ACTOR_STATUS_OK) {
        report_problem(o, "worker %u: probe: %s: %s", worker, actor_status_name(st->category),
                       st->message);
        return false;
    }
    if (!h->healthy) {
        report_problem(o, "worker %u (pid %" PRId32 "): unhealthy: %s", worker, h->pid,
                       h->reason != NULL ? h->reason : "");
        return false;
    }
    return true;
}

/* A probe's continuation, on the orchestrator; the worker's slot comes
 * in `user`. */
static void probe_answered(void *state, actor_ctx *ctx, const actor_status *st,
                           const orch_Health *res, void *user)
{
    probe_slot *slot = user;
    orchestrator *o = state;

    if (!probe_healthy(o, slot->worker, st, res))
        o->sum.failed_probes++;
    if (--o->waiting == 0)
        next_batch(o, ctx);
}

/* Asks every worker of the pool, by its own ref, how it is. */
static void probe_workers(orchestrator *o, actor_ctx *ctx)
{
    actor_ref workers[ORCHESTRATOR_MAX_WORKERS];
    size_t n = 0;
    int rc =
        actor_pool_members(actor_ctx_system(ctx), o->pool, workers, ORCHESTRATOR_MAX_WORKERS, &n);

    if (rc != 0) {
        o->sum.probes++;
        o->sum.failed_probes++;
        report_problem(o, "the pool's workers: %s", actor_strerror(rc));
    }
    for (unsigned i = 0; rc == 0 && i < n && i < ORCHESTRATOR_MAX_WORKERS; i++) {
        int sent;
        o->probe_slots[i] = (probe_slot){o, i};
        sent = orch_Worker_probe_request(ctx, workers[i], NULL, probe_answered, &o->probe_slots[i],
                                         NULL);
        o->sum.probes++;
        if (sent != 0) {
            o->sum.failed_probes++;
            report_problem(o, "worker %u: probe not sent: %s", i, actor_strerror(sent));
            continue;
        }
        o->waiting++;
    }
    if (o->waiting == 0)
        next_batch(o, ctx);
}

/* ========================================================= the handlers */

static int orchestrator_init(void **state, const void *arg, actor_ctx *ctx)
{
    const orchestrator_config *cfg = arg;
    orchestrator *o = calloc(1, sizeof *o);

    (void)ctx;
    if (o == NULL)
        return ACTOR_ENOMEM;
    o->pool = cfg->pool;
    *state = o;
    return 0;
}

/* A run still going is answered DIED by the runtime right after. */
static void orchestrator_cleanup(void *state, actor_ctx *ctx)
{
    (void)ctx;
    run_free(state);
    free(state);
}

static int orchestrator_run(void *state, actor_ctx *ctx, const orch_Plan *req, orch_Summary *res)
{
    orchestrator *o = state;
    char why[ACTOR_STATUS_MESSAGE_SIZE];
    int rc;

    (void)res; /* answered later, from the last continuation */
    if (o->run_reply != NULL)
        return actor_ctx_raise(ctx, orch_PlanError_BUSY, "a run is going on");
    if (!plan_is_valid(req, why, sizeof why))
        return actor_ctx_raise(ctx, orch_PlanError_BAD_PLAN, "%s", why);
    rc = run_start(o, req);
    if (rc != 0)
        return rc;
    rc = orch_Orchestrator_run_defer(ctx, &o->run_reply);
    if (rc != ACTOR_INVOKE_DEFERRED) {
        run_free(o);
        return rc;
    }
    send_batch(o, ctx);
    return ACTOR_INVOKE_DEFERRED;
}

const orch_Orchestrator_handlers orchestrator_handlers = {
    .init = orchestrator_init,
    .cleanup = orchestrator_cleanup,
    .run = orchestrator_run,
};
