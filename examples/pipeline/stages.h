/*
 * stages.h - the pipeline's actors (pipeline.actor) and what they share.
 *
 *   microphone --record--> capture --push--> transcribe --push--> annotate queue
 *   annotate queue --annotate--> annotate (its own process) --reply--> annotate queue
 *   annotate queue --push--> overlay;   every stage --event--> ui
 *
 * Every stage's state is created by its init from a pipeline_setup
 * (borrowed: the program keeps it alive until the system is destroyed)
 * and holds the bounded queue to the next stage (stage_queue.h). The
 * counters every stage publishes live in a pipeline_progress that the
 * program maps shared before any process is forked, so that annotate's
 * processes write to it too.
 */
#ifndef PIPELINE_STAGES_H
#define PIPELINE_STAGES_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "pipeline.h" /* generated from pipeline.actor */
#include "stage_queue.h"

/* The queues, in pipeline order. */
typedef enum pipeline_queue_id {
    QUEUE_TO_TRANSCRIBE = 0, /* capture's: frames to transcribe */
    QUEUE_TO_ANNOTATE = 1,   /* transcribe's: transcripts to the annotate queue */
    QUEUE_AT_ANNOTATE = 2,   /* the annotate queue's: at annotate, until overlay has them */
    QUEUE_TO_OVERLAY = 3,    /* the annotate queue's: annotated, to overlay */
    N_QUEUES = 4,
} pipeline_queue_id;

/* "capture->transcribe", ...: static strings. */
const char *pipeline_queue_name(pipeline_queue_id q);

#define N_STAGES 4 /* pipeline_Stage_CAPTURE .. pipeline_Stage_OVERLAY */

/* What the stages report, for the summary. Shared with annotate's
 * processes (mapped MAP_SHARED before the first fork). */
typedef struct pipeline_progress {
    atomic_uint_fast64_t done[N_STAGES];     /* frames each stage finished, by pipeline_Stage */
    atomic_uint_fast64_t failures;           /* requests that failed: frames that may be lost */
    atomic_uint_fast64_t ui_refused;         /* events the UI's full mailbox refused */
    atomic_uint_fast64_t annotate_runs;      /* annotate's handler runs, in every process */
    atomic_uint_fast64_t annotate_reordered; /* answers that came before an older one's */
    atomic_uint_fast64_t annotate_resent;    /* requests made again after no answer */
    /* Annotate's crash (once, on purpose) and its first answer after it,
     * with what the queues held at those two moments. */
    atomic_bool annotate_crashed;
    atomic_int crashed_pid;                    /* the process that crashed */
    atomic_uint_fast64_t transcribed_at_crash; /* done[TRANSCRIBE] */
    atomic_uint at_annotate_at_crash;          /* requests in flight at annotate */
    atomic_bool annotate_recovered;
    atomic_uint_fast64_t transcribed_at_recovery;
    atomic_uint at_annotate_at_recovery;
    queue_gauge queues[N_QUEUES];
} pipeline_progress;

/* Annotate crashes at no frame. */
#define PIPELINE_NO_CRASH UINT64_MAX

/* How the stages find each other, given to every init (as `arg`). The
 * refs are filled in as the supervisor spawns the stages, downstream
 * first, so each stage's init finds the stages it sends to. */
typedef struct pipeline_setup {
    pipeline_progress *progress; /* borrowed, shared with annotate's processes */
    uint64_t frames;             /* frames the microphone records: overlay expects them */
    uint64_t crash_at;           /* annotate segfaults on this frame, once; or PIPELINE_NO_CRASH */
    actor_ref ui, overlay, annotate, annotate_queue, transcribe;
} pipeline_setup;

/* Deadline of every request between stages: a stage wedged this long
 * shows up as a failure instead of a hang. */
#define STAGE_TIMEOUT_MS 10000u
extern const actor_call_opts stage_call_opts;

/* A frame number carried as a request's `user` pointer, and back. */
static inline void *seq_as_user(uint64_t seq)
{
    return (void *)(uintptr_t)seq;
}

static inline uint64_t user_as_seq(const void *user)
{
    return (uint64_t)(uintptr_t)user;
}

/* Counts frame `seq` done by `stage` and tells the UI (a cast; a refusal
 * is counted in progress->ui_refused). */
void stage_finished(actor_ctx *ctx, const pipeline_setup *s, pipeline_Stage stage, uint64_t seq);

/* A request for frame `seq` failed at `where` ("capture->transcribe"):
 * counted in progress->failures and said on stderr. */
void stage_failed(const pipeline_setup *s, const char *where, uint64_t seq, const char *why);

/* The same for a request whose status is not OK. */
void stage_failed_status(const pipeline_setup *s, const char *where, uint64_t seq,
                         const actor_status *st);

/* Answers a producer's deferred request with INTERNAL and `why`, when
 * its item cannot be taken (out of memory, a queue over its bound). */
void stage_refuse(actor_reply **reply, const char *why);

/* The handler tables; each init takes a pipeline_setup as its arg. */
extern const pipeline_Capture_handlers capture_handlers;
extern const pipeline_Transcribe_handlers transcribe_handlers;
extern const pipeline_AnnotateQueue_handlers annotate_queue_handlers;
extern const pipeline_Annotate_handlers annotate_handlers;
extern const pipeline_Overlay_handlers overlay_handlers;
extern const pipeline_Ui_handlers ui_handlers;

#endif /* PIPELINE_STAGES_H */
