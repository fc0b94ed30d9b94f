/*
 * capture.c - the first stage: turns the microphone's chunks into frames
 * and hands them to transcribe, at most transcribe's mailbox's worth in
 * flight. The microphone's call is answered when its frame has left, so
 * while transcribe's queue is full the microphone waits.
 */
#include <stdlib.h>
#include <string.h>

#include "frames.h"
#include "stages.h"

typedef struct capture {
    const pipeline_setup *setup; /* borrowed: the program's */
    stage_queue to_transcribe;
} capture;

static void frame_destroy(void *msg)
{
    pipeline_Frame_free(msg);
    free(msg);
}

/* A new frame with a copy of the chunk's samples; NULL when out of memory.
 * The caller frees it with frame_destroy. */
static pipeline_Frame *frame_from_chunk(const pipeline_Chunk *chunk)
{
    pipeline_Frame *frame = malloc(sizeof *frame);
    size_t len = chunk->samples.len;

    if (frame == NULL)
        return NULL;
    pipeline_Frame_init(frame);
    frame->seq = chunk->seq;
    frame->samples.data = malloc(len > 0 ? len : 1);
    if (frame->samples.data == NULL) {
        free(frame);
        return NULL;
    }
    if (len > 0)
        memcpy(frame->samples.data, chunk->samples.data, len);
    frame->samples.len = len;
    frame->level = frames_level(chunk->samples.data, len);
    return frame;
}

static void send_frames(capture *c, actor_ctx *ctx);

/* Transcribe has the frame: its room in the queue is free. */
static void transcribe_took(void *state, actor_ctx *ctx, const actor_status *st, void *user)
{
    capture *c = state;

    if (st->category != ACTOR_STATUS_OK)
        stage_failed_status(c->setup, pipeline_queue_name(QUEUE_TO_TRANSCRIBE), user_as_seq(user),
                            st);
    stage_queue_done(&c->to_transcribe);
    send_frames(c, ctx);
}

/* Sends the waiting frames while there is room, answering the microphone
 * for each. */
static void send_frames(capture *c, actor_ctx *ctx)
{
    while (stage_queue_ready(&c->to_transcribe)) {
        stage_item item = stage_queue_take(&c->to_transcribe);
        pipeline_Frame *frame = item.msg;
        int rc =
            pipeline_Transcribe_push_request(ctx, c->setup->transcribe, frame, &stage_call_opts,
                                             transcribe_took, seq_as_user(frame->seq), NULL);
        if (rc != 0) {
            stage_failed(c->setup, pipeline_queue_name(QUEUE_TO_TRANSCRIBE), frame->seq,
                         actor_strerror(rc));
            stage_queue_done(&c->to_transcribe);
        }
        rc = pipeline_Capture_record_reply(&item.reply);
        if (rc != 0)
            stage_failed(c->setup, "capture: answering the microphone", frame->seq,
                         actor_strerror(rc));
        frame_destroy(frame);
    }
}

static int capture_record(void *state, actor_ctx *ctx, const pipeline_Chunk *req)
{
    capture *c = state;
    actor_reply *reply = NULL;
    pipeline_Frame *frame;
    int rc = pipeline_Capture_record_defer(ctx, &reply);

    if (rc != ACTOR_INVOKE_DEFERRED)
        return rc;
    frame = frame_from_chunk(req);
    if (frame == NULL) {
        stage_refuse(&reply, "capture: out of memory");
        return ACTOR_INVOKE_DEFERRED;
    }
    if (stage_queue_put(&c->to_transcribe, frame, reply) != 0) {
        frame_destroy(frame);
        stage_refuse(&reply, "capture: more chunks than its mailbox holds");
        return ACTOR_INVOKE_DEFERRED;
    }
    stage_finished(ctx, c->setup, pipeline_Stage_CAPTURE, req->seq);
    send_frames(c, ctx);
    return ACTOR_INVOKE_DEFERRED;
}

static int capture_init(void **state, const void *arg, actor_ctx *ctx)
{
    const pipeline_setup *setup = arg;
    capture *c = calloc(1, sizeof *c);

    (void)ctx;
    if (c == NULL)
        return ACTOR_ENOMEM;
    c->setup = setup;
    if (stage_queue_init(&c->to_transcribe, pipeline_Transcribe_MAILBOX_CAPACITY,
                         pipeline_Capture_MAILBOX_CAPACITY, frame_destroy,
                         &setup->progress->queues[QUEUE_TO_TRANSCRIBE]) != 0) {
        free(c);
        return ACTOR_ENOMEM;
    }
    *state = c;
    return 0;
}

static void capture_cleanup(void *state, actor_ctx *ctx)
{
    capture *c = state;

    (void)ctx;
    stage_queue_fini(&c->to_transcribe);
    free(c);
}

const pipeline_Capture_handlers capture_handlers = {
    .init = capture_init,
    .cleanup = capture_cleanup,
    .record = capture_record,
};
