/*
 * ui.c - the admin UI, reduced to what it hears: every stage casts it an
 * event per frame it finished, and it counts them per stage.
 */
#include <stdlib.h>

#include "stages.h"

typedef struct ui {
    pipeline_Tally heard;
    uint64_t unknown; /* events of a stage it does not know */
} ui;

static void ui_event(void *state, actor_ctx *ctx, const pipeline_StageEvent *msg)
{
    ui *u = state;

    (void)ctx;
    switch (msg->stage) {
    case pipeline_Stage_CAPTURE:
        u->heard.captured++;
        break;
    case pipeline_Stage_TRANSCRIBE:
        u->heard.transcribed++;
        break;
    case pipeline_Stage_ANNOTATE:
        u->heard.annotated++;
        break;
    case pipeline_Stage_OVERLAY:
        u->heard.overlaid++;
        break;
    default:
        u->unknown++;
        break;
    }
}

static int ui_tally(void *state, actor_ctx *ctx, pipeline_Tally *res)
{
    ui *u = state;

    if (u->unknown != 0)
        return actor_ctx_fail(ctx, ACTOR_STATUS_INTERNAL, "ui: %llu events from no known stage",
                              (unsigned long long)u->unknown);
    *res = u->heard;
    return 0;
}

static int ui_init(void **state, const void *arg, actor_ctx *ctx)
{
    (void)arg;
    (void)ctx;
    *state = calloc(1, sizeof(ui));
    return *state != NULL ? 0 : ACTOR_ENOMEM;
}

static void ui_cleanup(void *state, actor_ctx *ctx)
{
    (void)ctx;
    free(state);
}

const pipeline_Ui_handlers ui_handlers = {
    .init = ui_init,
    .cleanup = ui_cleanup,
    .event = ui_event,
    .tally = ui_tally,
};
