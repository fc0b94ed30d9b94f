/*
 * stages.c - what the stages share (stages.h).
 */
#include "stages.h"

#include <inttypes.h>
#include <stdio.h>

const actor_call_opts stage_call_opts = {ACTOR_PRIORITY_DEFAULT, STAGE_TIMEOUT_MS};

const char *pipeline_queue_name(pipeline_queue_id q)
{
    static const char *const names[N_QUEUES] = {
        [QUEUE_TO_TRANSCRIBE] = "capture->transcribe",
        [QUEUE_TO_ANNOTATE] = "transcribe->annotate",
        [QUEUE_AT_ANNOTATE] = "at annotate",
        [QUEUE_TO_OVERLAY] = "annotate->overlay",
    };

    return (unsigned)q < N_QUEUES ? names[q] : "?";
}

void stage_finished(actor_ctx *ctx, const pipeline_setup *s, pipeline_Stage stage, uint64_t seq)
{
    pipeline_StageEvent ev = {.stage = stage, .seq = seq};

    atomic_fetch_add(&s->progress->done[stage], 1);
    if (pipeline_Ui_event_cast(ctx, s->ui, &ev, NULL) != 0)
        atomic_fetch_add(&s->progress->ui_refused, 1);
}

/* Failures said on stderr; the others are only counted. */
#define FAILURES_SAID 10

void stage_failed(const pipeline_setup *s, const char *where, uint64_t seq, const char *why)
{
    uint64_t before = atomic_fetch_add(&s->progress->failures, 1);

    if (before < FAILURES_SAID)
        fprintf(stderr, "pipeline: %s: frame %" PRIu64 ": %s\n", where, seq, why);
    else if (before == FAILURES_SAID)
        fprintf(stderr, "pipeline: more failures: only counted from now on\n");
}

void stage_failed_status(const pipeline_setup *s, const char *where, uint64_t seq,
                         const actor_status *st)
{
    char why[ACTOR_STATUS_MESSAGE_SIZE + 32];

    snprintf(why, sizeof why, "%s: %s", actor_status_name(st->category), st->message);
    stage_failed(s, where, seq, why);
}

void stage_refuse(actor_reply **reply, const char *why)
{
    actor_status st;

    actor_status_set(&st, ACTOR_STATUS_INTERNAL, 0, "%s", why);
    actor_reply_status(reply, &st);
}
