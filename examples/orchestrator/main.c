/*
 * orchestrator: an orchestrator actor drives a pool of worker processes
 * through batches of jobs with large payloads, one worker is killed in the
 * middle, and every job's result is checked.
 *
 *   orchestrator [--jobs N] [--batch B] [--payload-kib K] [--workers W]
 *                [--kill-after J]
 *
 * Each job carries a payload of K KiB derived from its id; a worker
 * returns its checksum and the orchestrator compares it with its own. The
 * worker that takes the job after the J-th kills its own process
 * (SIGKILL) while it holds it (--kill-after 0: nobody); the runtime sends
 * what that process held again, and the pool restarts it. The last line
 * sums the run up and ends in "lost L"; the program exits 0 only when every
 * job was verified exactly once (L is 0), 1 otherwise, 2 for a usage error.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "orchestrator_example.h"

#define DEFAULT_JOBS 400
#define DEFAULT_BATCH 10
#define DEFAULT_PAYLOAD_KIB 512
#define DEFAULT_KILL_AFTER 150
#define HEALTH_INTERVAL_MS 20
/* Generous: under process isolation a check that times out kills the
 * worker, and a busy machine must not turn into a dead worker. */
#define HEALTH_TIMEOUT_MS 2000
#define RUN_TIMEOUT_MS 60000
#define RESTART_BACKOFF_MAX_MS 50

static const char usage[] =
    "usage: orchestrator [--jobs N] [--batch B] [--payload-kib K] [--workers W]\n"
    "                    [--kill-after J]\n";

typedef struct options {
    uint32_t jobs, batch, payload_kib, workers;
    uint64_t kill_after; /* 0: no kill */
} options;

/* What the pool's supervisor said, from its thread. */
typedef struct pool_news {
    atomic_uint died; /* worker processes that died */
} pool_news;

/* ============================================================ options */

static bool parse_number(const char *s, uint64_t min, uint64_t max, uint64_t *out)
{
    char *end;
    unsigned long long v;

    if (s == NULL || *s < '0' || *s > '9')
        return false;
    errno = 0;
    v = strtoull(s, &end, 10);
    if (errno != 0 || *end != '\0' || v < min || v > max)
        return false;
    *out = v;
    return true;
}

/* The options, by index into option_specs and the values parse_args
 * fills. */
enum { OPT_JOBS, OPT_BATCH, OPT_PAYLOAD_KIB, OPT_WORKERS, OPT_KILL_AFTER, N_OPTIONS };

typedef struct option_spec {
    const char *flag;
    uint64_t min, max, default_value;
} option_spec;

static const option_spec option_specs[N_OPTIONS] = {
    [OPT_JOBS] = {"--jobs", 1, ORCHESTRATOR_MAX_JOBS, DEFAULT_JOBS},
    [OPT_BATCH] = {"--batch", 1, ORCHESTRATOR_MAX_JOBS, DEFAULT_BATCH},
    [OPT_PAYLOAD_KIB] = {"--payload-kib", 1, ORCHESTRATOR_MAX_PAYLOAD_BYTES / 1024,
                         DEFAULT_PAYLOAD_KIB},
    [OPT_WORKERS] = {"--workers", 1, ORCHESTRATOR_MAX_WORKERS, orch_Worker_POOL_SIZE},
    [OPT_KILL_AFTER] = {"--kill-after", 0, ORCHESTRATOR_MAX_JOBS, DEFAULT_KILL_AFTER},
};

/* The index of the option `flag` names, or -1. */
static int option_index(const char *flag)
{
    for (int i = 0; i < N_OPTIONS; i++)
        if (strcmp(flag, option_specs[i].flag) == 0)
            return i;
    return -1;
}

static int parse_args(int argc, char **argv, options *o)
{
    uint64_t values[N_OPTIONS];

    for (int k = 0; k < N_OPTIONS; k++)
        values[k] = option_specs[k].default_value;
    for (int i = 1; i < argc; i += 2) {
        int k = option_index(argv[i]);
        if (k < 0) {
            fprintf(stderr, "orchestrator: unknown option '%s'\n", argv[i]);
            return -1;
        }
        if (!parse_number(i + 1 < argc ? argv[i + 1] : NULL, option_specs[k].min,
                          option_specs[k].max, &values[k])) {
            fprintf(stderr, "orchestrator: %s needs a number in %" PRIu64 "..%" PRIu64 "\n",
                    argv[i], option_specs[k].min, option_specs[k].max);
            return -1;
        }
    }
    o->jobs = (uint32_t)values[OPT_JOBS];
    o->batch = (uint32_t)values[OPT_BATCH];
    o->payload_kib = (uint32_t)values[OPT_PAYLOAD_KIB];
    o->workers = (uint32_t)values[OPT_WORKERS];
    o->kill_after = values[OPT_KILL_AFTER];
    if (o->kill_after >= o->jobs) {
        fprintf(stderr, "orchestrator: --kill-after must be below --jobs (%" PRIu32 ")\n", o->jobs);
        return -1;
    }
    return 0;
}

/* ========================================================= supervision */

/* The pool's news, as it happens (the supervisor's thread). */
static void on_supervision(void *user, const actor_supervision_event *ev)
{
    pool_news *news = user;

    switch (ev->kind) {
    case ACTOR_CHILD_CRASHED:
        atomic_fetch_add(&news->died, 1);
        printf("orchestrator: worker %u died: %s\n", ev->child, ev->reason);
        break;
    case ACTOR_CHILD_RESTARTED:
        printf("orchestrator: worker %u restarted as pid %d\n", ev->child, ev->pid);
        break;
    case ACTOR_CHILD_UNHEALTHY:
        printf("orchestrator: worker %u unhealthy: %s\n", ev->child, ev->reason);
        break;
    case ACTOR_CHILD_FAILED:
        fprintf(stderr, "orchestrator: worker %u failed for good: %s\n", ev->child, ev->reason);
        break;
    }
    fflush(stdout);
}

/* ============================================================ the report */

static void print_pids(actor_system *sys, actor_ref pool)
{
    int pids[ORCHESTRATOR_MAX_WORKERS];
    size_t n = 0;

    if (actor_pool_pids(sys, pool, pids, ORCHESTRATOR_MAX_WORKERS, &n) != 0)
        return;
    printf("orchestrator: %zu workers up, pids", n);
    for (size_t i = 0; i < n && i < ORCHESTRATOR_MAX_WORKERS; i++)
        printf(" %d", pids[i]);
    printf("\n");
    fflush(stdout);
}

static int compare_ints(const void *a, const void *b)
{
    int x = *(const int *)a, y = *(const int *)b;

    return (x > y) - (x < y);
}

/* How many jobs each worker process answered, by pid. */
static void print_jobs_per_process(const orch_Summary *sum)
{
    int *pids = malloc(sum->n_answered_by * sizeof *pids);
    size_t n = 0;

    if (pids == NULL)
        return;
    for (size_t i = 0; i < sum->n_answered_by; i++)
        if (sum->answered_by[i] != 0)
            pids[n++] = sum->answered_by[i];
    qsort(pids, n, sizeof *pids, compare_ints);
    printf("orchestrator: jobs per worker process:");
    for (size_t i = 0, run; i < n; i += run) {
        for (run = 1; i + run < n && pids[i + run] == pids[i]; run++)
            ;
        printf(" %d:%zu", pids[i], run);
    }
    printf("\n");
    free(pids);
}

/* Who was killed, and who did the job it held. */
static void print_kill(const kill_plan *kill, const orch_Summary *sum)
{
    int pid = atomic_load(&kill->killed_pid);
    uint64_t job = atomic_load(&kill->killed_job);

    if (pid == 0)
        return;
    printf("orchestrator: worker pid %d was killed (SIGKILL) holding job %" PRIu64, pid, job);
    if (job < sum->n_answered_by && sum->answered_by[job] != 0)
        printf("; job %" PRIu64 " was done again by pid %" PRId32, job, sum->answered_by[job]);
    printf("\n");
}

/* ========================================================== the program */

/* Starts the pool of workers and the orchestrator in `sys`. *cfg is the
 * orchestrator's spawn argument: the caller's, and it must stay valid
 * until the orchestrator's first call has returned (its init copies it). */
static int start_actors(actor_system *sys, const options *o, kill_plan *kill, pool_news *news,
                        orchestrator_config *cfg, actor_ref *pool, actor_ref *orchestrator)
{
    actor_pool_opts po;
    int rc;

    orch_Worker_pool_opts(&po);
    po.size = o->workers;
    po.health_interval_ms = HEALTH_INTERVAL_MS;
    po.health_timeout_ms = HEALTH_TIMEOUT_MS;
    po.restart.backoff_max_ms = RESTART_BACKOFF_MAX_MS;
    po.report = on_supervision;
    po.report_user = news;
    rc = orch_Worker_spawn_pool(sys, &worker_handlers, kill, &po, pool);
    if (rc != 0) {
        fprintf(stderr, "orchestrator: could not start the workers: %s\n", actor_strerror(rc));
        return rc;
    }
    print_pids(sys, *pool);
    cfg->pool = *pool;
    rc = orch_Orchestrator_spawn(sys, &orchestrator_handlers, cfg, NULL, orchestrator);
    if (rc != 0) {
        fprintf(stderr, "orchestrator: could not start the orchestrator: %s\n", actor_strerror(rc));
        return rc;
    }
    return 0;
}

/* Runs the plan; *sum (the caller frees it) holds the answer when it
 * returns 0. */
static int run_plan(actor_system *sys, actor_ref orchestrator, const options *o, orch_Summary *sum)
{
    actor_client *me = NULL;
    orch_Plan plan = {o->jobs, o->batch, o->payload_kib * 1024};
    actor_call_opts call = {ACTOR_PRIORITY_DEFAULT, RUN_TIMEOUT_MS};
    actor_status st;
    int rc = actor_client_new(sys, &me);

    if (rc != 0) {
        fprintf(stderr, "orchestrator: no client: %s\n", actor_strerror(rc));
        return rc;
    }
    rc = orch_Orchestrator_run(me, orchestrator, &plan, sum, &call, &st);
    actor_client_destroy(&me);
    if (rc == 0 && st.category != ACTOR_STATUS_OK)
        rc = ACTOR_ESTATE;
    if (rc != 0)
        fprintf(stderr, "orchestrator: the run did not finish: %s: %s\n",
                actor_status_name(st.category), st.message);
    return rc;
}

/* The pool's counters and its supervisor's, before the system goes. */
static void read_pool_stats(actor_system *sys, actor_ref pool, actor_pool_stats *ps,
                            actor_supervisor_stats *ss)
{
    actor_supervisor *sup = actor_pool_supervisor(sys, pool); /* borrowed */
    int rc = actor_pool_stats_get(sys, pool, ps);

    if (rc != 0)
        fprintf(stderr, "orchestrator: no pool statistics: %s\n", actor_strerror(rc));
    if (sup != NULL)
        actor_supervisor_stats_get(sup, ss);
}

/* The summary line, last; true when nothing was lost. */
static bool print_summary(const options *o, const orch_Summary *sum, const pool_news *news,
                          const actor_pool_stats *ps, const actor_supervisor_stats *ss)
{
    uint32_t lost = sum->jobs - sum->verified;
    uint64_t failed_checks = (uint64_t)sum->failed_probes + ss->unhealthy;

    printf("orchestrator: health: %" PRIu32 " probes between batches, the runtime's checks "
           "every %d ms: %" PRIu64 " failed\n",
           sum->probes, HEALTH_INTERVAL_MS, failed_checks);
    printf("orchestrator: redone: %" PRIu64 " calls by the runtime (what dead workers held), "
           "%" PRIu32 " by the orchestrator (calls that ended without a result)\n",
           ps->retried, sum->resent);
    printf("orchestrator: %" PRIu32 " jobs in %" PRIu32 " batches, %" PRIu32
           " workers, %u killed, %" PRIu64 " redone, %" PRIu32 " verified, %" PRIu64
           " failed health checks, lost %" PRIu32 "\n",
           sum->jobs, sum->batches, o->workers, atomic_load(&news->died), ps->retried + sum->resent,
           sum->verified, failed_checks, lost);
    fflush(stdout);
    if (lost != 0 || sum->failed != 0 || sum->duplicated != 0) {
        fprintf(stderr,
                "orchestrator: FAILED: %" PRIu32 " of %" PRIu32 " jobs were not verified "
                "(%" PRIu32 " wrong or failed, %" PRIu32 " answered twice)\n",
                lost, sum->jobs, sum->failed, sum->duplicated);
        return false;
    }
    return true;
}

int main(int argc, char **argv)
{
    options o;
    kill_plan *kill;
    pool_news news = {0};
    actor_system *sys = NULL;
    actor_ref pool, orchestrator;
    orchestrator_config cfg;
    orch_Summary sum = {0};
    actor_pool_stats ps = {0};
    actor_supervisor_stats ss = {0};
    bool passed = false;
    int rc;

    if (parse_args(argc, argv, &o) != 0) {
        fputs(usage, stderr);
        return 2;
    }
    kill = kill_plan_new(o.kill_after);
    if (kill == NULL) {
        fprintf(stderr, "orchestrator: cannot map the shared kill plan: %s\n", strerror(errno));
        return 1;
    }
    rc = actor_system_new(NULL, &sys);
    if (rc != 0)
        fprintf(stderr, "orchestrator: no actor system: %s\n", actor_strerror(rc));
    if (rc == 0)
        rc = start_actors(sys, &o, kill, &news, &cfg, &pool, &orchestrator);
    if (rc == 0)
        rc = run_plan(sys, orchestrator, &o, &sum);
    if (rc == 0)
        read_pool_stats(sys, pool, &ps, &ss);
    actor_system_destroy(&sys); /* stops the workers' processes too */
    if (rc == 0) {
        print_kill(kill, &sum);
        print_jobs_per_process(&sum);
        passed = print_summary(&o, &sum, &news, &ps, &ss);
        if (passed && o.kill_after != 0 && atomic_load(&kill->killed_pid) == 0) {
            fprintf(stderr, "orchestrator: FAILED: no worker was killed after job %" PRIu64 "\n",
                    o.kill_after);
            passed = false;
        }
    }
    orch_Summary_free(&sum);
    kill_plan_destroy(&kill);
    return passed ? 0 : 1;
}
