/*
 * annotate_queue.c - annotate's two queues, kept in this process so that
 * a crash of annotate's process cannot reach them:
 *
 *   at annotate:        the transcripts sent to annotate, each holding its
 *                       room until its annotation has left for overlay
 *                       (annotate's mailbox's worth at most);
 *   annotate->overlay:  the annotations waiting for room in overlay's.
 *
 * Annotate only answers, and everything it is given is kept here until
 * its answer came: when its process dies, the runtime sends the requests
 * it had again to the next one (the method is @idempotent), and a request
 * that still gets no answer in time is sent again from here. A request
 * made again can be answered after younger ones, so the answers wait here
 * for their turn and leave for overlay in frame order.
 * Transcribe's request is answered when its transcript has been sent to
 * annotate.
 */
#include <stdlib.h>
#include <string.h>

#include "stages.h"

/* Requests at annotate at most, and the slots that hold them (by ticket:
 * the order they were first sent in). */
#define AT_ANNOTATE pipeline_Annotate_MAILBOX_CAPACITY

/* A request to annotate unanswered this long is sent again (annotate is
 * idempotent), at most ANNOTATE_ATTEMPTS times in all. A restart takes
 * about a tenth of it. */
#define ANNOTATE_TIMEOUT_MS 1000u
#define ANNOTATE_ATTEMPTS 3u

/* One transcript at annotate, from when it is sent until its answer
 * leaves for overlay (or it failed). */
typedef struct annotate_slot {
    pipeline_Transcript *transcript; /* owned until answered: to send it again */
    pipeline_Annotated *answer;      /* owned until it leaves; NULL: it failed */
    unsigned attempts;               /* requests made for it */
    bool settled;                    /* answered, or failed for good */
} annotate_slot;

typedef struct annotate_queue {
    const pipeline_setup *setup; /* borrowed: the program's */
    stage_queue at_annotate;
    stage_queue to_overlay;
    annotate_slot slots[AT_ANNOTATE]; /* ticket % AT_ANNOTATE */
    uint64_t next_ticket;             /* the next transcript sent gets this one */
    uint64_t next_out;                /* the ticket whose answer leaves next */
} annotate_queue;

static const actor_call_opts annotate_call_opts = {ACTOR_PRIORITY_DEFAULT, ANNOTATE_TIMEOUT_MS};

static void transcript_destroy(void *msg)
{
    pipeline_Transcript_free(msg);
    free(msg);
}

static void annotated_destroy(void *msg)
{
    pipeline_Annotated_free(msg);
    free(msg);
}

static char *copy_text(const char *s)
{
    return strdup(s != NULL ? s : "");
}

/* Copies, which the caller frees with their _destroy; NULL when out of
 * memory. */
static pipeline_Transcript *transcript_copy(const pipeline_Transcript *t)
{
    pipeline_Transcript *copy = malloc(sizeof *copy);

    if (copy == NULL)
        return NULL;
    pipeline_Transcript_init(copy);
    copy->seq = t->seq;
    copy->text = copy_text(t->text);
    if (copy->text == NULL) {
        free(copy);
        return NULL;
    }
    return copy;
}

static pipeline_Annotated *annotated_copy(const pipeline_Annotated *a)
{
    pipeline_Annotated *copy = malloc(sizeof *copy);

    if (copy == NULL)
        return NULL;
    pipeline_Annotated_init(copy);
    copy->seq = a->seq;
    copy->pid = a->pid;
    copy->text = copy_text(a->text);
    copy->note = copy_text(a->note);
    if (copy->text == NULL || copy->note == NULL) {
        annotated_destroy(copy);
        return NULL;
    }
    return copy;
}

static annotate_slot *slot_of(annotate_queue *q, uint64_t ticket)
{
    return &q->slots[ticket % AT_ANNOTATE];
}

/* After annotate's planned crash, the first answer from another process
 * than the one that crashed: annotate is back. Notes how far transcribe
 * got meanwhile, and how many requests were at annotate. */
static void note_annotate_process(annotate_queue *q, int32_t pid)
{
    pipeline_progress *p = q->setup->progress;

    if (!atomic_load(&p->annotate_crashed) || atomic_load(&p->annotate_recovered) ||
        pid == atomic_load(&p->crashed_pid))
        return;
    atomic_store(&p->transcribed_at_recovery, atomic_load(&p->done[pipeline_Stage_TRANSCRIBE]));
    atomic_store(&p->at_annotate_at_recovery, q->at_annotate.in_flight);
    atomic_store(&p->annotate_recovered, true);
}

static void send_to_annotate(annotate_queue *q, actor_ctx *ctx);
static void send_to_overlay(annotate_queue *q, actor_ctx *ctx);

/* Overlay has the annotation: its room is free. */
static void overlay_took(void *state, actor_ctx *ctx, const actor_status *st, void *user)
{
    annotate_queue *q = state;

    if (st->category != ACTOR_STATUS_OK)
        stage_failed_status(q->setup, pipeline_queue_name(QUEUE_TO_OVERLAY), user_as_seq(user), st);
    stage_queue_done(&q->to_overlay);
    send_to_overlay(q, ctx);
}

/* Sends the waiting annotations while overlay has room; each one that
 * leaves frees its transcript's room at annotate. */
static void send_to_overlay(annotate_queue *q, actor_ctx *ctx)
{
    while (stage_queue_ready(&q->to_overlay)) {
        stage_item item = stage_queue_take(&q->to_overlay);
        pipeline_Annotated *annotated = item.msg;
        int rc = pipeline_Overlay_push_request(ctx, q->setup->overlay, annotated, &stage_call_opts,
                                               overlay_took, seq_as_user(annotated->seq), NULL);
        if (rc != 0) {
            stage_failed(q->setup, pipeline_queue_name(QUEUE_TO_OVERLAY), annotated->seq,
                         actor_strerror(rc));
            stage_queue_done(&q->to_overlay);
        }
        annotated_destroy(annotated);
        stage_queue_done(&q->at_annotate);
    }
    send_to_annotate(q, ctx);
}

/* Moves one leaving answer on to overlay's queue; a failed transcript
 * (NULL) frees its room at annotate at once. */
static void pass_on(annotate_queue *q, actor_ctx *ctx, pipeline_Annotated *answer)
{
    if (answer == NULL) {
        stage_queue_done(&q->at_annotate);
        return;
    }
    if (stage_queue_put(&q->to_overlay, answer, NULL) != 0) {
        stage_failed(q->setup, pipeline_queue_name(QUEUE_TO_OVERLAY), answer->seq,
                     "more annotations than rooms at annotate");
        annotated_destroy(answer);
        stage_queue_done(&q->at_annotate);
        return;
    }
    stage_finished(ctx, q->setup, pipeline_Stage_ANNOTATE, answer->seq);
}

/* The settled slots, oldest ticket first, leave in that order; it stops
 * at the first one still waiting for its answer. */
static void pass_on_in_order(annotate_queue *q, actor_ctx *ctx)
{
    while (q->next_out < q->next_ticket && slot_of(q, q->next_out)->settled) {
        annotate_slot *slot = slot_of(q, q->next_out);
        pipeline_Annotated *answer = slot->answer;
        *slot = (annotate_slot){0};
        q->next_out++;
        pass_on(q, ctx, answer);
    }
    send_to_overlay(q, ctx);
}

/* The transcript of `ticket` is done with: its answer (NULL: it failed)
 * waits for its turn to leave. */
static void settle(annotate_queue *q, actor_ctx *ctx, uint64_t ticket, pipeline_Annotated *answer)
{
    annotate_slot *slot = slot_of(q, ticket);

    if (ticket != q->next_out)
        atomic_fetch_add(&q->setup->progress->annotate_reordered, 1);
    transcript_destroy(slot->transcript);
    slot->transcript = NULL;
    slot->answer = answer;
    slot->settled = true;
    pass_on_in_order(q, ctx);
}

static void settle_failed(annotate_queue *q, actor_ctx *ctx, uint64_t ticket, const char *why)
{
    stage_failed(q->setup, pipeline_queue_name(QUEUE_AT_ANNOTATE),
                 slot_of(q, ticket)->transcript->seq, why);
    settle(q, ctx, ticket, NULL);
}

static void annotate_ended(void *state, actor_ctx *ctx, const actor_status *st,
                           const pipeline_Annotated *res, void *user);

/* Requests annotate's `annotate` for the transcript of `ticket`;
 * annotate_ended runs once, with the ticket as its `user`, unless this
 * returns a negative code. */
static int request_annotation(annotate_queue *q, actor_ctx *ctx, uint64_t ticket)
{
    annotate_slot *slot = slot_of(q, ticket);
    int rc = pipeline_Annotate_annotate_request(ctx, q->setup->annotate, slot->transcript,
                                                &annotate_call_opts, annotate_ended,
                                                seq_as_user(ticket), NULL);

    if (rc == 0)
        slot->attempts++;
    return rc;
}

/* Whether a request that ended so may be made again: no answer in time,
 * or annotate's process died and the runtime's own retry is used up. */
static bool worth_again(const actor_status *st, const annotate_slot *slot)
{
    return slot->attempts < ANNOTATE_ATTEMPTS &&
           (st->category == ACTOR_STATUS_TIMEOUT || st->category == ACTOR_STATUS_DIED ||
            st->category == ACTOR_STATUS_UNREACHABLE);
}

/* A request that did not get an answer: made again, or failed for good. */
static void annotate_unanswered(annotate_queue *q, actor_ctx *ctx, uint64_t ticket,
                                const actor_status *st)
{
    char why[ACTOR_STATUS_MESSAGE_SIZE + 32];
    int rc;

    if (worth_again(st, slot_of(q, ticket))) {
        rc = request_annotation(q, ctx, ticket);
        if (rc == 0) {
            atomic_fetch_add(&q->setup->progress->annotate_resent, 1);
            return;
        }
        settle_failed(q, ctx, ticket, actor_strerror(rc));
        return;
    }
    snprintf(why, sizeof why, "%s: %s", actor_status_name(st->category), st->message);
    settle_failed(q, ctx, ticket, why);
}

/* The end of a request to annotate: its answer is checked and kept for
 * its turn, or the request is made again, or the transcript fails. */
static void annotate_ended(void *state, actor_ctx *ctx, const actor_status *st,
                           const pipeline_Annotated *res, void *user)
{
    annotate_queue *q = state;
    uint64_t ticket = user_as_seq(user);
    pipeline_Annotated *answer;

    if (st->category != ACTOR_STATUS_OK) {
        annotate_unanswered(q, ctx, ticket, st);
        return;
    }
    if (res->seq != slot_of(q, ticket)->transcript->seq) {
        settle_failed(q, ctx, ticket, "annotate answered for another frame");
        return;
    }
    note_annotate_process(q, res->pid);
    answer = annotated_copy(res);
    if (answer == NULL)
        settle_failed(q, ctx, ticket, "out of memory");
    else
        settle(q, ctx, ticket, answer);
}

/* Sends the waiting transcripts while annotate has room, answering
 * transcribe for each. */
static void send_to_annotate(annotate_queue *q, actor_ctx *ctx)
{
    while (stage_queue_ready(&q->at_annotate)) {
        stage_item item = stage_queue_take(&q->at_annotate);
        uint64_t ticket = q->next_ticket++;
        uint64_t seq = ((pipeline_Transcript *)item.msg)->seq;
        int rc;

        *slot_of(q, ticket) = (annotate_slot){.transcript = item.msg};
        rc = request_annotation(q, ctx, ticket);
        if (rc != 0)
            settle_failed(q, ctx, ticket, actor_strerror(rc));
        rc = pipeline_AnnotateQueue_push_reply(&item.reply);
        if (rc != 0)
            stage_failed(q->setup, "annotate queue: answering transcribe", seq, actor_strerror(rc));
    }
}

static int annotate_queue_push(void *state, actor_ctx *ctx, const pipeline_Transcript *req)
{
    annotate_queue *q = state;
    actor_reply *reply = NULL;
    pipeline_Transcript *transcript;
    int rc = pipeline_AnnotateQueue_push_defer(ctx, &reply);

    if (rc != ACTOR_INVOKE_DEFERRED)
        return rc;
    transcript = transcript_copy(req);
    if (transcript == NULL) {
        stage_refuse(&reply, "annotate queue: out of memory");
        return ACTOR_INVOKE_DEFERRED;
    }
    if (stage_queue_put(&q->at_annotate, transcript, reply) != 0) {
        transcript_destroy(transcript);
        stage_refuse(&reply, "annotate queue: more transcripts than its mailbox holds");
        return ACTOR_INVOKE_DEFERRED;
    }
    send_to_annotate(q, ctx);
    return ACTOR_INVOKE_DEFERRED;
}

static int annotate_queue_init(void **state, const void *arg, actor_ctx *ctx)
{
    const pipeline_setup *setup = arg;
    annotate_queue *q = calloc(1, sizeof *q);

    (void)ctx;
    if (q == NULL)
        return ACTOR_ENOMEM;
    q->setup = setup;
    if (stage_queue_init(&q->at_annotate, AT_ANNOTATE, pipeline_AnnotateQueue_MAILBOX_CAPACITY,
                         transcript_destroy, &setup->progress->queues[QUEUE_AT_ANNOTATE]) != 0) {
        free(q);
        return ACTOR_ENOMEM;
    }
    /* Every annotation waiting for overlay holds a room at annotate. */
    if (stage_queue_init(&q->to_overlay, pipeline_Overlay_MAILBOX_CAPACITY, AT_ANNOTATE,
                         annotated_destroy, &setup->progress->queues[QUEUE_TO_OVERLAY]) != 0) {
        stage_queue_fini(&q->at_annotate);
        free(q);
        return ACTOR_ENOMEM;
    }
    *state = q;
    return 0;
}

static void annotate_queue_cleanup(void *state, actor_ctx *ctx)
{
    annotate_queue *q = state;

    (void)ctx;
    for (size_t i = 0; i < AT_ANNOTATE; i++) {
        if (q->slots[i].transcript != NULL)
            transcript_destroy(q->slots[i].transcript);
        if (q->slots[i].answer != NULL)
            annotated_destroy(q->slots[i].answer);
    }
    stage_queue_fini(&q->to_overlay);
    stage_queue_fini(&q->at_annotate);
    free(q);
}

const pipeline_AnnotateQueue_handlers annotate_queue_handlers = {
    .init = annotate_queue_init,
    .cleanup = annotate_queue_cleanup,
    .push = annotate_queue_push,
};
