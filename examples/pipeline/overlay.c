/*
 * overlay.c - the last stage: "renders" each annotated transcript, which
 * here means checking it. Every frame must come exactly once, in order,
 * with the text and the note that its number alone gives (frames.h); each
 * one that does not is counted as duplicated, out of order or wrong.
 * `finish` is answered with the verdict once every expected frame came.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "frames.h"
#include "stages.h"

typedef struct overlay {
    const pipeline_setup *setup; /* borrowed: the program's */
    uint8_t *seen;               /* a bit per frame number, setup->frames of them */
    uint64_t next;               /* the frame number expected next */
    pipeline_Rendered verdict;   /* frames: distinct ones rendered */
    actor_reply *finish;         /* finish's deferred reply, until answered */
    uint64_t finish_frames;      /* what finish waits for */
} overlay;

static bool seen_before(overlay *o, uint64_t seq)
{
    uint8_t bit = (uint8_t)(1u << (seq % 8));
    bool seen = (o->seen[seq / 8] & bit) != 0;

    o->seen[seq / 8] |= bit;
    return seen;
}

/* Whether the annotation is what frame a->seq must show. */
static bool content_right(const pipeline_Annotated *a)
{
    char *text = frames_expected_transcript(a->seq);
    char *note = text != NULL ? frames_annotate(text) : NULL;
    bool right = note != NULL && a->text != NULL && a->note != NULL && strcmp(a->text, text) == 0 &&
                 strcmp(a->note, note) == 0;

    free(text);
    free(note);
    return right;
}

/* Answers finish once the frames it waits for came. */
static void maybe_finish(overlay *o)
{
    int rc;

    if (o->finish == NULL || o->verdict.frames < o->finish_frames)
        return;
    rc = pipeline_Overlay_finish_reply(&o->finish, &o->verdict);
    if (rc != 0)
        fprintf(stderr, "pipeline: overlay: could not answer finish: %s\n", actor_strerror(rc));
}

/* Renders frame a->seq: true the first time it comes, with the right
 * content (in order or not: out of order is counted). */
static bool render(overlay *o, const pipeline_Annotated *a)
{
    if (a->seq >= o->setup->frames || !content_right(a)) {
        o->verdict.wrong++;
        fprintf(stderr, "pipeline: overlay: frame %" PRIu64 " is wrong: \"%s\" / \"%s\"\n", a->seq,
                a->text != NULL ? a->text : "", a->note != NULL ? a->note : "");
        return false;
    }
    if (seen_before(o, a->seq)) {
        o->verdict.duplicated++;
        fprintf(stderr, "pipeline: overlay: frame %" PRIu64 " came twice\n", a->seq);
        return false;
    }
    if (a->seq != o->next) {
        o->verdict.out_of_order++;
        fprintf(stderr, "pipeline: overlay: frame %" PRIu64 " came when %" PRIu64 " was due\n",
                a->seq, o->next);
    }
    o->next = a->seq + 1;
    o->verdict.frames++;
    return true;
}

static int overlay_push(void *state, actor_ctx *ctx, const pipeline_Annotated *req)
{
    overlay *o = state;

    if (render(o, req))
        stage_finished(ctx, o->setup, pipeline_Stage_OVERLAY, req->seq);
    maybe_finish(o);
    return 0;
}

static int overlay_finish(void *state, actor_ctx *ctx, const pipeline_Expect *req,
                          pipeline_Rendered *res)
{
    overlay *o = state;
    int rc;

    if (o->verdict.frames >= req->frames) {
        *res = o->verdict;
        return 0;
    }
    if (o->finish != NULL)
        return actor_ctx_fail(ctx, ACTOR_STATUS_INTERNAL, "overlay: finish is already waiting");
    rc = pipeline_Overlay_finish_defer(ctx, &o->finish);
    o->finish_frames = req->frames;
    return rc;
}

static int overlay_init(void **state, const void *arg, actor_ctx *ctx)
{
    const pipeline_setup *setup = arg;
    overlay *o = calloc(1, sizeof *o);

    (void)ctx;
    if (o == NULL)
        return ACTOR_ENOMEM;
    o->setup = setup;
    o->seen = calloc(setup->frames / 8 + 1, 1);
    if (o->seen == NULL) {
        free(o);
        return ACTOR_ENOMEM;
    }
    *state = o;
    return 0;
}

static void overlay_cleanup(void *state, actor_ctx *ctx)
{
    overlay *o = state;

    (void)ctx;
    free(o->seen);
    free(o); /* a finish still waiting is answered DIED by the runtime */
}

const pipeline_Overlay_handlers overlay_handlers = {
    .init = overlay_init,
    .cleanup = overlay_cleanup,
    .push = overlay_push,
    .finish = overlay_finish,
};
