/*
 * annotate.c - the third stage, the one that crashes. It runs in a child
 * process of its own (@isolation(process) in pipeline.actor; the
 * supervisor forks it, and forks a new one after a crash), answers each
 * transcript with its note and keeps nothing: what it is given and what
 * it answers are held by the annotate queue in the parent process.
 *
 * On the frame setup->crash_at it dies of a real segfault, once in the
 * whole run: the flag that says it did is in memory shared with the
 * parent (pipeline_progress), so the restarted process does not crash
 * again.
 */
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include "frames.h"
#include "stages.h"

/* Dies the way a bug would kill it: a store through a NULL pointer that
 * the compiler cannot see is NULL. The sanitizers are kept out of this
 * function, and SIGSEGV is given back its default action, so that no
 * handler turns the fault into an orderly exit: the kernel ends the
 * process. No core file: this crash is on purpose. */
__attribute__((noreturn, no_sanitize_address, no_sanitize_undefined)) static void segfault_now(void)
{
    struct rlimit no_core = {0, 0};
    volatile int *volatile nowhere = NULL;

    setrlimit(RLIMIT_CORE, &no_core);
    signal(SIGSEGV, SIG_DFL);
    *nowhere = 1;
    abort(); /* not reached */
}

/* True once in the whole run, on the chosen frame (only one annotate
 * process runs at a time: no race for the flag). */
static bool crash_due(const pipeline_setup *s, uint64_t seq)
{
    return seq == s->crash_at && !atomic_load(&s->progress->annotate_crashed);
}

/* What the summary tells of the crash, noted before it; the flag last,
 * so that whoever sees it set sees the rest. */
static void note_crash(pipeline_progress *p)
{
    atomic_store(&p->crashed_pid, (int)getpid());
    atomic_store(&p->transcribed_at_crash, atomic_load(&p->done[pipeline_Stage_TRANSCRIBE]));
    atomic_store(&p->at_annotate_at_crash, atomic_load(&p->queues[QUEUE_AT_ANNOTATE].in_flight));
    atomic_store(&p->annotate_crashed, true);
}

static int annotate_annotate(void *state, actor_ctx *ctx, const pipeline_Transcript *req,
                             pipeline_Annotated *res)
{
    const pipeline_setup *s = state;
    pipeline_progress *p = s->progress;

    (void)ctx;
    atomic_fetch_add(&p->annotate_runs, 1);
    if (crash_due(s, req->seq)) {
        note_crash(p);
        segfault_now();
    }
    res->seq = req->seq;
    res->pid = (int32_t)getpid();
    res->text = strdup(req->text != NULL ? req->text : "");
    res->note = res->text != NULL ? frames_annotate(res->text) : NULL;
    return res->text != NULL && res->note != NULL ? 0 : ACTOR_ENOMEM; /* res is freed either way */
}

/* The state is the setup itself (borrowed: in a child process, the copy
 * forked with it). */
static int annotate_init(void **state, const void *arg, actor_ctx *ctx)
{
    (void)ctx;
    *state = (void *)(uintptr_t)arg;
    return 0;
}

const pipeline_Annotate_handlers annotate_handlers = {
    .init = annotate_init,
    .annotate = annotate_annotate,
};
