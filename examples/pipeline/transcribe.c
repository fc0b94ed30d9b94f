/*
 * transcribe.c - the second stage: turns frames into transcripts and
 * hands them to the annotate queue, at most its mailbox's worth in
 * flight. Capture's request is answered when its transcript has left.
 */
#include <stdlib.h>

#include "frames.h"
#include "stages.h"

typedef struct transcribe {
    const pipeline_setup *setup; /* borrowed: the program's */
    stage_queue to_annotate;
} transcribe;

static void transcript_destroy(void *msg)
{
    pipeline_Transcript_free(msg);
    free(msg);
}

/* Frame `frame`'s transcript; NULL when out of memory. The caller frees
 * it with transcript_destroy. */
static pipeline_Transcript *transcript_of(const pipeline_Frame *frame)
{
    pipeline_Transcript *t = malloc(sizeof *t);

    if (t == NULL)
        return NULL;
    pipeline_Transcript_init(t);
    t->seq = frame->seq;
    t->text = frames_transcribe(frame->seq, frame->samples.data, frame->samples.len, frame->level);
    if (t->text == NULL) {
        free(t);
        return NULL;
    }
    return t;
}

static void send_transcripts(transcribe *t, actor_ctx *ctx);

/* The annotate queue has the transcript: its room is free. */
static void annotate_queue_took(void *state, actor_ctx *ctx, const actor_status *st, void *user)
{
    transcribe *t = state;

    if (st->category != ACTOR_STATUS_OK)
        stage_failed_status(t->setup, pipeline_queue_name(QUEUE_TO_ANNOTATE), user_as_seq(user),
                            st);
    stage_queue_done(&t->to_annotate);
    send_transcripts(t, ctx);
}

/* Sends the waiting transcripts while there is room, answering capture
 * for each. */
static void send_transcripts(transcribe *t, actor_ctx *ctx)
{
    while (stage_queue_ready(&t->to_annotate)) {
        stage_item item = stage_queue_take(&t->to_annotate);
        pipeline_Transcript *transcript = item.msg;
        int rc = pipeline_AnnotateQueue_push_request(ctx, t->setup->annotate_queue, transcript,
                                                     &stage_call_opts, annotate_queue_took,
                                                     seq_as_user(transcript->seq), NULL);
        if (rc != 0) {
            stage_failed(t->setup, pipeline_queue_name(QUEUE_TO_ANNOTATE), transcript->seq,
                         actor_strerror(rc));
            stage_queue_done(&t->to_annotate);
        }
        rc = pipeline_Transcribe_push_reply(&item.reply);
        if (rc != 0)
            stage_failed(t->setup, "transcribe: answering capture", transcript->seq,
                         actor_strerror(rc));
        transcript_destroy(transcript);
    }
}

static int transcribe_push(void *state, actor_ctx *ctx, const pipeline_Frame *req)
{
    transcribe *t = state;
    actor_reply *reply = NULL;
    pipeline_Transcript *transcript;
    int rc = pipeline_Transcribe_push_defer(ctx, &reply);

    if (rc != ACTOR_INVOKE_DEFERRED)
        return rc;
    transcript = transcript_of(req);
    if (transcript == NULL) {
        stage_refuse(&reply, "transcribe: out of memory");
        return ACTOR_INVOKE_DEFERRED;
    }
    if (stage_queue_put(&t->to_annotate, transcript, reply) != 0) {
        transcript_destroy(transcript);
        stage_refuse(&reply, "transcribe: more frames than its mailbox holds");
        return ACTOR_INVOKE_DEFERRED;
    }
    stage_finished(ctx, t->setup, pipeline_Stage_TRANSCRIBE, req->seq);
    send_transcripts(t, ctx);
    return ACTOR_INVOKE_DEFERRED;
}

static int transcribe_init(void **state, const void *arg, actor_ctx *ctx)
{
    const pipeline_setup *setup = arg;
    transcribe *t = calloc(1, sizeof *t);

    (void)ctx;
    if (t == NULL)
        return ACTOR_ENOMEM;
    t->setup = setup;
    if (stage_queue_init(&t->to_annotate, pipeline_AnnotateQueue_MAILBOX_CAPACITY,
                         pipeline_Transcribe_MAILBOX_CAPACITY, transcript_destroy,
                         &setup->progress->queues[QUEUE_TO_ANNOTATE]) != 0) {
        free(t);
        return ACTOR_ENOMEM;
    }
    *state = t;
    return 0;
}

static void transcribe_cleanup(void *state, actor_ctx *ctx)
{
    transcribe *t = state;

    (void)ctx;
    stage_queue_fini(&t->to_annotate);
    free(t);
}

const pipeline_Transcribe_handlers transcribe_handlers = {
    .init = transcribe_init,
    .cleanup = transcribe_cleanup,
    .push = transcribe_push,
};
