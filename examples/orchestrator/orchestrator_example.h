/*
 * orchestrator_example.h - the parts of the orchestrator example
 * (orchestrator.actor): job payloads and their checksums, the Worker's
 * handlers with the one kill the run stages, and the Orchestrator's
 * handlers. main.c puts them together.
 *
 *   kill_plan *kill = kill_plan_new(100);   before the pool forks its workers
 *   orch_Worker_spawn_pool(sys, &worker_handlers, kill, &opts, &pool);
 *   orchestrator_config cfg = {.pool = pool};
 *   orch_Orchestrator_spawn(sys, &orchestrator_handlers, &cfg, NULL, &orch);
 *   orch_Orchestrator_run(me, orch, &plan, &summary, &opts, &st);
 */
#ifndef ORCHESTRATOR_EXAMPLE_H
#define ORCHESTRATOR_EXAMPLE_H

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

#include "orchestrator.h"

/* ============================================================ payloads */

/* Fills out[len] with job `id`'s payload: the same bytes for the same id,
 * in every process. */
void payload_fill(uint64_t id, uint8_t *out, size_t len);

/* The checksum a worker returns for a payload (64-bit FNV-1a over its
 * 8-byte words, then its last bytes). */
uint64_t payload_checksum(const uint8_t *data, size_t len);

/* ========================================================= the workers */

/* The one kill of a run, in memory shared by the parent and the worker
 * processes (mapped before they are forked): the worker that takes a job
 * once `after` jobs have been taken kills its own process with SIGKILL
 * while it holds that job. Only once, whatever happens next. */
typedef struct kill_plan {
    uint64_t after;                  /* 0: no kill */
    atomic_uint_fast64_t taken;      /* jobs taken by any worker, retries too */
    atomic_int killed_pid;           /* the killed process; 0 until the kill */
    atomic_uint_fast64_t killed_job; /* the job it held */
} kill_plan;

/* A plan shared with child processes forked after this call; NULL when
 * the memory cannot be mapped. Free it with kill_plan_destroy once the
 * workers are gone. */
kill_plan *kill_plan_new(uint64_t after);
void kill_plan_destroy(kill_plan **plan);

/* orch.Worker's handlers. The spawn argument is the run's kill_plan
 * (borrowed: it must outlive the pool). The health hook and the probe
 * method report the same thing: whether every job so far came with a
 * payload. */
extern const orch_Worker_handlers worker_handlers;

/* ===================================================== the orchestrator */

/* The most jobs, workers and the largest payload one run may have. */
#define ORCHESTRATOR_MAX_JOBS 100000u
#define ORCHESTRATOR_MAX_WORKERS 64u
#define ORCHESTRATOR_MAX_PAYLOAD_BYTES (16u * 1024u * 1024u)
/* Calls per job: a call that ends without a result (TIMEOUT, DIED,
 * UNREACHABLE, REJECTED, UNAVAILABLE) is made again, up to this many in
 * all. A call's deadline is the method's @timeout. */
#define ORCHESTRATOR_JOB_ATTEMPTS 3u

/* The Orchestrator's spawn argument, copied by its init (so it need only
 * live until the first call returns). */
typedef struct orchestrator_config {
    actor_ref pool; /* the orch.Worker pool it sends jobs to */
} orchestrator_config;

/* orch.Orchestrator's handlers. run() sends the plan's jobs in batches:
 * every job of a batch is one checksum request in flight, and the next
 * batch goes once each of them has been answered and every worker has
 * answered a probe. It verifies each job's result and answers with the
 * Summary when the last batch is done. The runtime sends a dead worker's
 * jobs again by itself (@idempotent); the orchestrator's own resends
 * (ORCHESTRATOR_JOB_ATTEMPTS) are the safety net for a call that ends
 * without a result anyway, counted apart (Summary.resent). */
extern const orch_Orchestrator_handlers orchestrator_handlers;

#endif /* ORCHESTRATOR_EXAMPLE_H */
