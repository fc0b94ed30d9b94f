/*
 * pipeline: capture -> transcribe -> annotate -> overlay, joined by
 * bounded queues, under one supervisor, with a UI that hears from every
 * stage (README.md). Annotate runs in a child process and segfaults
 * there once, mid-run; the supervisor restarts it and no frame is lost.
 *
 *   pipeline [--frames N] [--crash-at FRAME|never] [--pace-us US]
 *
 * The main thread is the microphone: it records N chunks, one every US
 * microseconds, each a blocking call that capture answers once it has
 * handed the frame on (so a full queue makes the microphone wait). Then
 * it asks overlay for its verdict, the UI for its counts, stops the
 * pipeline and prints one summary line, which ends in "lost L". It exits
 * 0 only when every frame reached overlay exactly once, in order and
 * right, every stage and the UI counted N, no request failed and annotate
 * crashed and came back as planned; 1 otherwise (saying why), 2 for a
 * usage error.
 */
#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>

#include "actor/supervise.h"
#include "frames.h"
#include "stages.h"

#define DEFAULT_FRAMES 2000u
#define MAX_FRAMES 10000000u
#define DEFAULT_PACE_US 250u
#define MAX_PACE_US 999999u
#define MICROPHONE_TIMEOUT_MS 10000u /* one chunk may wait this long for room */
#define FINISH_TIMEOUT_MS 10000u     /* the last frames may take this long to arrive */

static const char usage[] =
    "usage: pipeline [--frames N] [--crash-at FRAME|never] [--pace-us US]\n";

typedef struct options {
    uint64_t frames;
    uint64_t crash_at; /* PIPELINE_NO_CRASH: never */
    unsigned pace_us;
} options;

/* ========================================================== supervision */

/* The supervisor's children, in the order they are added (downstream
 * first, so that each finds the stages it sends to). */
typedef enum child_id {
    CHILD_UI,
    CHILD_OVERLAY,
    CHILD_ANNOTATE,
    CHILD_ANNOTATE_QUEUE,
    CHILD_TRANSCRIBE,
    CHILD_CAPTURE,
    N_CHILDREN,
} child_id;

static const char *child_name(unsigned child)
{
    static const char *const names[N_CHILDREN] = {
        "ui", "overlay", "annotate", "annotate queue", "transcribe", "capture",
    };

    return child < N_CHILDREN ? names[child] : "?";
}

/* What the supervisor reported, per child. Written on its thread, read
 * by main after the supervisor is destroyed. */
typedef struct supervision_log {
    pthread_mutex_t lock;
    unsigned crashes[N_CHILDREN], restarts[N_CHILDREN], failures[N_CHILDREN];
} supervision_log;

/* The supervisor's report hook (its thread): counts, and says it. */
static void on_supervision(void *user, const actor_supervision_event *ev)
{
    supervision_log *log = user;
    unsigned child = ev->child < N_CHILDREN ? ev->child : N_CHILDREN - 1;

    pthread_mutex_lock(&log->lock);
    switch (ev->kind) {
    case ACTOR_CHILD_CRASHED:
    case ACTOR_CHILD_UNHEALTHY:
        log->crashes[child]++;
        printf("%s: crashed: %s\n", child_name(child), ev->reason);
        break;
    case ACTOR_CHILD_RESTARTED:
        log->restarts[child]++;
        if (ev->pid > 0)
            printf("%s: restarted as process %d, after a %" PRIu32 " ms backoff\n",
                   child_name(child), ev->pid, ev->delay_ms);
        else
            printf("%s: restarted after a %" PRIu32 " ms backoff\n", child_name(child),
                   ev->delay_ms);
        break;
    case ACTOR_CHILD_FAILED:
        log->failures[child]++;
        fprintf(stderr, "pipeline: %s failed for good: %s\n", child_name(child), ev->reason);
        break;
    }
    fflush(stdout);
    pthread_mutex_unlock(&log->lock);
}

/* ============================================================= starting */

static int add_stage(actor_supervisor *sup, child_id id, actor_child_spec child, actor_ref *ref)
{
    int rc = actor_supervisor_add(sup, &child, ref);

    if (rc != 0)
        fprintf(stderr, "pipeline: could not start %s: %s\n", child_name(id), actor_strerror(rc));
    return rc;
}

/* Spawns the stages under `sup`, downstream first, filling in setup's
 * refs as they come; *capture names the first stage. */
static int add_stages(actor_supervisor *sup, pipeline_setup *s, actor_ref *capture)
{
    pipeline_Ui_spec ui = {ui_handlers, s};
    pipeline_Overlay_spec overlay = {overlay_handlers, s};
    pipeline_Annotate_spec annotate = {annotate_handlers, s};
    pipeline_AnnotateQueue_spec annotate_queue = {annotate_queue_handlers, s};
    pipeline_Transcribe_spec transcribe = {transcribe_handlers, s};
    pipeline_Capture_spec first = {capture_handlers, s};

    if (add_stage(sup, CHILD_UI, pipeline_Ui_child(&ui), &s->ui) != 0 ||
        add_stage(sup, CHILD_OVERLAY, pipeline_Overlay_child(&overlay), &s->overlay) != 0 ||
        add_stage(sup, CHILD_ANNOTATE, pipeline_Annotate_child(&annotate), &s->annotate) != 0 ||
        add_stage(sup, CHILD_ANNOTATE_QUEUE, pipeline_AnnotateQueue_child(&annotate_queue),
                  &s->annotate_queue) != 0 ||
        add_stage(sup, CHILD_TRANSCRIBE, pipeline_Transcribe_child(&transcribe), &s->transcribe) !=
            0 ||
        add_stage(sup, CHILD_CAPTURE, pipeline_Capture_child(&first), capture) != 0)
        return -1;
    return 0;
}

/* Zeroed memory shared with the processes forked later; NULL on failure. */
static pipeline_progress *progress_new(void)
{
    void *m = mmap(NULL, sizeof(pipeline_progress), PROT_READ | PROT_WRITE,
                   MAP_SHARED | MAP_ANONYMOUS, -1, 0);

    return m != MAP_FAILED ? m : NULL;
}

/* ====================================================== running it */

/* Records every chunk, one every pace_us: 0, or -1 (said why) when one
 * was not taken. */
static int run_microphone(actor_client *me, actor_ref capture, const options *o)
{
    uint8_t samples[FRAME_SAMPLES];
    pipeline_Chunk chunk = {.samples = {samples, sizeof samples}};
    const actor_call_opts call = {ACTOR_PRIORITY_DEFAULT, MICROPHONE_TIMEOUT_MS};
    const struct timespec pace = {0, (long)o->pace_us * 1000L};

    for (uint64_t seq = 0; seq < o->frames; seq++) {
        actor_status st;
        frames_fill_samples(seq, samples);
        chunk.seq = seq;
        pipeline_Capture_record(me, capture, &chunk, &call, &st);
        if (st.category != ACTOR_STATUS_OK) {
            fprintf(stderr, "pipeline: microphone: frame %" PRIu64 " not recorded: %s: %s\n", seq,
                    actor_status_name(st.category), st.message);
            return -1;
        }
        if (o->pace_us > 0)
            nanosleep(&pace, NULL);
    }
    return 0;
}

/* What the end of the run found. */
typedef struct outcome {
    bool recorded;             /* every chunk was taken */
    bool finished;             /* overlay's verdict came */
    pipeline_Rendered verdict; /* overlay's */
    bool tallied;              /* the UI's counts came */
    pipeline_Tally heard;      /* the UI's */
} outcome;

/* Asks overlay for its verdict once every frame came (when every chunk
 * was recorded: else not all can come), then the UI for its counts. */
static void collect(actor_client *me, const pipeline_setup *s, outcome *out)
{
    const actor_call_opts call = {ACTOR_PRIORITY_DEFAULT, FINISH_TIMEOUT_MS};
    pipeline_Expect expect = {.frames = s->frames};
    actor_status st;

    if (out->recorded) {
        pipeline_Overlay_finish(me, s->overlay, &expect, &out->verdict, &call, &st);
        out->finished = st.category == ACTOR_STATUS_OK;
        if (!out->finished)
            fprintf(stderr, "pipeline: overlay did not finish: %s: %s\n",
                    actor_status_name(st.category), st.message);
    }
    pipeline_Ui_tally(me, s->ui, &out->heard, NULL, &st);
    out->tallied = st.category == ACTOR_STATUS_OK;
    if (!out->tallied)
        fprintf(stderr, "pipeline: no tally from the UI: %s: %s\n", actor_status_name(st.category),
                st.message);
}

/* Starts the system and the supervised stages, runs the microphone,
 * collects the outcome and stops everything. 0, or -1 when the pipeline
 * could not start (said why). */
static int run(const options *o, pipeline_setup *s, supervision_log *log, outcome *out)
{
    actor_supervisor_opts so = {
        .strategy = ACTOR_ONE_FOR_ONE,
        .name = "pipeline",
        .report = on_supervision,
        .report_user = log,
    };
    actor_system *sys = NULL;
    actor_supervisor *sup = NULL;
    actor_client *me = NULL;
    actor_ref capture;
    int rc = actor_system_new(NULL, &sys);

    if (rc == 0)
        rc = actor_supervisor_new(sys, NULL, &so, &sup);
    if (rc != 0)
        fprintf(stderr, "pipeline: could not start: %s\n", actor_strerror(rc));
    else if (add_stages(sup, s, &capture) != 0)
        rc = -1;
    else if ((rc = actor_client_new(sys, &me)) != 0)
        fprintf(stderr, "pipeline: no client for the microphone: %s\n", actor_strerror(rc));
    if (rc == 0) {
        out->recorded = run_microphone(me, capture, o) == 0;
        collect(me, s, out);
    }
    actor_client_destroy(&me);
    actor_supervisor_destroy(&sup, true);
    actor_system_destroy(&sys);
    return rc == 0 ? 0 : -1;
}

/* ============================================================ the verdict */

/* Says one reason the run failed; returns false for the caller to keep. */
__attribute__((format(printf, 1, 2))) static bool problem(const char *fmt, ...)
{
    va_list ap;

    fputs("pipeline: FAILED: ", stderr);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
    return false;
}

static uint64_t done_by(const pipeline_progress *p, pipeline_Stage stage)
{
    return atomic_load(&p->done[stage]);
}

/* Every check of the run; true when all passed. Says every failure. */
static bool judge(const options *o, const pipeline_progress *p, const supervision_log *log,
                  const outcome *out)
{
    static const char *const stage_names[N_STAGES] = {"capture", "transcribe", "annotate",
                                                      "overlay"};
    const uint64_t heard[N_STAGES] = {out->heard.captured, out->heard.transcribed,
                                      out->heard.annotated, out->heard.overlaid};
    bool planned_crash = o->crash_at != PIPELINE_NO_CRASH;
    bool ok = true;

    if (!out->recorded)
        ok = problem("the microphone could not record every chunk");
    if (!out->finished)
        ok = problem("overlay rendered %" PRIu64 " of %" PRIu64 " frames",
                     done_by(p, pipeline_Stage_OVERLAY), o->frames);
    if (out->verdict.duplicated + out->verdict.out_of_order + out->verdict.wrong != 0)
        ok = problem("overlay saw %" PRIu64 " duplicated, %" PRIu64 " out of order, %" PRIu64
                     " wrong frames",
                     out->verdict.duplicated, out->verdict.out_of_order, out->verdict.wrong);
    for (unsigned i = 0; i < N_STAGES; i++) {
        if (done_by(p, (pipeline_Stage)i) != o->frames)
            ok = problem("%s finished %" PRIu64 " of %" PRIu64 " frames", stage_names[i],
                         done_by(p, (pipeline_Stage)i), o->frames);
        if (out->tallied && heard[i] != done_by(p, (pipeline_Stage)i))
            ok = problem("the UI heard %" PRIu64 " %s events for %" PRIu64 " frames", heard[i],
                         stage_names[i], done_by(p, (pipeline_Stage)i));
    }
    if (!out->tallied || atomic_load(&p->ui_refused) != 0)
        ok = problem("the UI missed events (%" PRIu64 " refused)",
                     (uint64_t)atomic_load(&p->ui_refused));
    if (atomic_load(&p->failures) != 0)
        ok = problem("%" PRIu64 " requests between stages failed",
                     (uint64_t)atomic_load(&p->failures));
    for (unsigned q = 0; q < N_QUEUES; q++)
        if (atomic_load(&p->queues[q].deepest) > atomic_load(&p->queues[q].bound))
            ok = problem("queue %s held %u, past its bound of %u",
                         pipeline_queue_name((pipeline_queue_id)q),
                         atomic_load(&p->queues[q].deepest), atomic_load(&p->queues[q].bound));
    if (planned_crash && !atomic_load(&p->annotate_crashed))
        ok = problem("annotate was to crash on frame %" PRIu64 " and did not", o->crash_at);
    if (log->crashes[CHILD_ANNOTATE] < (planned_crash ? 1u : 0u) ||
        log->restarts[CHILD_ANNOTATE] != log->crashes[CHILD_ANNOTATE])
        ok = problem("annotate crashed %u times and was restarted %u times",
                     log->crashes[CHILD_ANNOTATE], log->restarts[CHILD_ANNOTATE]);
    for (unsigned c = 0; c < N_CHILDREN; c++)
        if (c != CHILD_ANNOTATE && (log->crashes[c] != 0 || log->failures[c] != 0))
            ok = problem("%s crashed %u times", child_name(c), log->crashes[c]);
    return ok;
}

/* ============================================================= printing */

/* The queue whose deepest point came closest to its bound. */
static pipeline_queue_id fullest_queue(const pipeline_progress *p)
{
    pipeline_queue_id best = QUEUE_TO_TRANSCRIBE;

    for (unsigned q = 1; q < N_QUEUES; q++)
        if ((uint64_t)atomic_load(&p->queues[q].deepest) * atomic_load(&p->queues[best].bound) >
            (uint64_t)atomic_load(&p->queues[best].deepest) * atomic_load(&p->queues[q].bound))
            best = (pipeline_queue_id)q;
    return best;
}

static void print_queues(const pipeline_progress *p)
{
    printf("queues (deepest/bound, items that waited for room):");
    for (unsigned q = 0; q < N_QUEUES; q++) {
        const queue_gauge *g = &p->queues[q];
        printf("%s %s %u/%u (%" PRIu64 ")", q == 0 ? "" : ",",
               pipeline_queue_name((pipeline_queue_id)q), atomic_load(&g->deepest),
               atomic_load(&g->bound), (uint64_t)atomic_load(&g->waited));
    }
    printf("\n");
}

/* Frames transcribed while annotate was down: from its crash to the
 * first answer of its next process. */
static uint64_t transcribed_meanwhile(const pipeline_progress *p)
{
    uint64_t at_crash = atomic_load(&p->transcribed_at_crash);
    uint64_t at_recovery = atomic_load(&p->transcribed_at_recovery);

    return atomic_load(&p->annotate_recovered) && at_recovery > at_crash ? at_recovery - at_crash
                                                                         : 0;
}

static void print_annotate(const options *o, const pipeline_progress *p)
{
    uint64_t runs = atomic_load(&p->annotate_runs);
    uint64_t resent = atomic_load(&p->annotate_resent);
    uint64_t reordered = atomic_load(&p->annotate_reordered);

    if (atomic_load(&p->annotate_crashed))
        printf("annotate: crashed on frame %" PRIu64 " with %u request%s at it and %" PRIu64
               " frames transcribed\n",
               o->crash_at, atomic_load(&p->at_annotate_at_crash),
               atomic_load(&p->at_annotate_at_crash) == 1 ? "" : "s",
               (uint64_t)atomic_load(&p->transcribed_at_crash));
    if (atomic_load(&p->annotate_recovered))
        printf("annotate: answered again with %u requests at it and %" PRIu64
               " frames transcribed: transcribe went on for %" PRIu64 " frames meanwhile\n",
               atomic_load(&p->at_annotate_at_recovery),
               (uint64_t)atomic_load(&p->transcribed_at_recovery), transcribed_meanwhile(p));
    printf("annotate: %" PRIu64 " runs for %" PRIu64 " frames (%" PRIu64
           " redone after its process died)\n",
           runs, o->frames, runs > o->frames ? runs - o->frames : 0);
    printf("annotate queue: %" PRIu64 " request%s made again after no answer in time, %" PRIu64
           " answer%s put back in frame order\n",
           resent, resent == 1 ? "" : "s", reordered, reordered == 1 ? "" : "s");
}

static void print_summary(const options *o, const pipeline_progress *p, const supervision_log *log,
                          const outcome *out)
{
    pipeline_queue_id fullest = fullest_queue(p);
    uint64_t overlaid = done_by(p, pipeline_Stage_OVERLAY);
    unsigned restarts = log->restarts[CHILD_ANNOTATE];

    print_queues(p);
    print_annotate(o, p);
    if (log->crashes[CHILD_ANNOTATE] > (atomic_load(&p->annotate_crashed) ? 1u : 0u))
        printf("annotate: %u crashes besides the planned one (its process was killed, or not "
               "ready in time)\n",
               log->crashes[CHILD_ANNOTATE] - (atomic_load(&p->annotate_crashed) ? 1u : 0u));
    if (out->tallied)
        printf("ui: heard %" PRIu64 " capture, %" PRIu64 " transcribe, %" PRIu64
               " annotate and %" PRIu64 " overlay events\n",
               out->heard.captured, out->heard.transcribed, out->heard.annotated,
               out->heard.overlaid);
    printf("pipeline: %" PRIu64 " frame%s captured, %" PRIu64 " transcribed, %" PRIu64
           " annotated, %" PRIu64 " overlaid, annotate restarted %u time%s",
           done_by(p, pipeline_Stage_CAPTURE), done_by(p, pipeline_Stage_CAPTURE) == 1 ? "" : "s",
           done_by(p, pipeline_Stage_TRANSCRIBE), done_by(p, pipeline_Stage_ANNOTATE), overlaid,
           restarts, restarts == 1 ? "" : "s");
    if (atomic_load(&p->annotate_recovered))
        printf(" (%" PRIu64 " transcribed meanwhile)", transcribed_meanwhile(p));
    printf(", max queue depth %u/%u, lost %" PRIu64 "\n", atomic_load(&p->queues[fullest].deepest),
           atomic_load(&p->queues[fullest].bound), o->frames > overlaid ? o->frames - overlaid : 0);
}

/* ============================================================== options */

static bool parse_number(const char *s, uint64_t max, uint64_t *out)
{
    char *end;
    unsigned long long v;

    if (s == NULL || *s < '0' || *s > '9')
        return false;
    errno = 0;
    v = strtoull(s, &end, 10);
    if (errno != 0 || *end != '\0' || v > max)
        return false;
    *out = v;
    return true;
}

static int parse_args(int argc, char **argv, options *o)
{
    bool crash_given = false;
    uint64_t v = 0;

    *o = (options){.frames = DEFAULT_FRAMES, .pace_us = DEFAULT_PACE_US};
    for (int i = 1; i < argc; i += 2) {
        const char *flag = argv[i], *value = i + 1 < argc ? argv[i + 1] : NULL;
        bool good;
        if (strcmp(flag, "--frames") == 0) {
            good = parse_number(value, MAX_FRAMES, &v) && v >= 1;
            o->frames = v;
        } else if (strcmp(flag, "--crash-at") == 0) {
            good = value != NULL &&
                   (strcmp(value, "never") == 0 || parse_number(value, MAX_FRAMES, &v));
            o->crash_at = value != NULL && strcmp(value, "never") == 0 ? PIPELINE_NO_CRASH : v;
            crash_given = true;
        } else if (strcmp(flag, "--pace-us") == 0) {
            good = parse_number(value, MAX_PACE_US, &v);
            o->pace_us = (unsigned)v;
        } else {
            fprintf(stderr, "pipeline: unknown option '%s'\n", flag);
            return -1;
        }
        if (!good) {
            fprintf(stderr, "pipeline: bad value '%s' for %s\n", value != NULL ? value : "", flag);
            return -1;
        }
    }
    if (!crash_given)
        o->crash_at = o->frames / 3;
    if (o->crash_at != PIPELINE_NO_CRASH && o->crash_at >= o->frames) {
        fprintf(stderr, "pipeline: --crash-at %" PRIu64 " is past the last frame (%" PRIu64 ")\n",
                o->crash_at, o->frames - 1);
        return -1;
    }
    return 0;
}

int main(int argc, char **argv)
{
    options o;
    pipeline_progress *progress;
    supervision_log log = {.lock = PTHREAD_MUTEX_INITIALIZER};
    outcome out = {0};
    bool passed;

    if (parse_args(argc, argv, &o) != 0) {
        fputs(usage, stderr);
        return 2;
    }
    progress = progress_new();
    if (progress == NULL) {
        fprintf(stderr, "pipeline: no shared memory for the counters: %s\n", strerror(errno));
        return 1;
    }
    pipeline_setup setup = {.progress = progress, .frames = o.frames, .crash_at = o.crash_at};
    if (run(&o, &setup, &log, &out) != 0) {
        munmap(progress, sizeof *progress);
        return 1;
    }
    passed = judge(&o, progress, &log, &out);
    print_summary(&o, progress, &log, &out);
    munmap(progress, sizeof *progress);
    pthread_mutex_destroy(&log.lock);
    return passed ? 0 : 1;
}
