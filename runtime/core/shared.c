/*
 * shared.c - a state several actors share (actor_spawn_opts.shared_state,
 * behind max_concurrency): the first init makes it, later inits take it,
 * the last cleanup frees it. The struct lives while any holder does: its
 * creator and each actor spawned with it (released at the actor's free).
 */
#include <stdlib.h>

#include "core/actor_internal.h"

struct actor_shared_state {
    atomic_uint holds;    /* references to this struct */
    pthread_mutex_t lock; /* guards what follows; held across init and cleanup */
    unsigned users;       /* actors whose state is `state` now */
    void *state;
};

int actor_shared_state_new(actor_shared_state **out)
{
    actor_shared_state *s;

    if (out == NULL)
        return ACTOR_EINVAL;
    if ((s = calloc(1, sizeof *s)) == NULL)
        return ACTOR_ENOMEM;
    atomic_init(&s->holds, 1);
    pthread_mutex_init(&s->lock, NULL);
    *out = s;
    return 0;
}

void actor__shared_hold(actor_shared_state *s)
{
    atomic_fetch_add(&s->holds, 1);
}

void actor_shared_state_release(actor_shared_state *s)
{
    if (s == NULL || atomic_fetch_sub(&s->holds, 1) != 1)
        return;
    pthread_mutex_destroy(&s->lock);
    free(s);
}

int actor__shared_init(actor__actor *a, actor_ctx *ctx)
{
    actor_shared_state *s = a->shared;
    int rc = 0;

    pthread_mutex_lock(&s->lock);
    if (s->users == 0)
        rc = a->type->init(&s->state, a->init_arg, ctx);
    if (rc == 0) {
        s->users++;
        a->state = s->state;
    }
    pthread_mutex_unlock(&s->lock);
    return rc;
}

void actor__shared_cleanup(actor__actor *a, actor_ctx *ctx)
{
    actor_shared_state *s = a->shared;

    pthread_mutex_lock(&s->lock);
    if (s->users > 0 && --s->users == 0) {
        if (a->type->cleanup != NULL)
            a->type->cleanup(s->state, ctx);
        s->state = NULL;
    }
    pthread_mutex_unlock(&s->lock);
}
