/*
 * stub.c - what generated stubs and skeletons share (actor/stub.h): the
 * parameter encoded into this thread's encode buffer, the untyped call, the
 * reply decoded through the message's descriptor; typed callbacks carried
 * in one record per asynchronous call (a client's: malloc'd here; a
 * handler's: room in the runtime's own request record, so a request from a
 * handler costs no allocation of the stub's); the box that holds a generated
 * actor's state and handler table, and the actor_type hooks over it; a
 * trampoline's decode before and encode after its handler.
 */
#include <stdlib.h>
#include <string.h>

#include "actor/stub.h"
#include "core/actor_internal.h"

/* An asynchronous call's typed callback and its user pointer, from the
 * stub to the runtime's untyped callback. The decoded reply
 * (m->result->size bytes) lives in `result`, so one record serves. A
 * client call's is malloc'd by start_async and freed by stub_done; a
 * handler's request's lives in the runtime's request record
 * (actor__ctx_request_space), which the runtime takes back after
 * stub_then returns. */
typedef struct stub_pending {
    const actor_stub_method *m;
    actor_stub_fn fn;
    void *user;
    max_align_t result[];
} stub_pending;

/* Encodes *msg into this thread's encode buffer (the untyped calls copy it
 * before they return): *body and *len are what to send, NULL and 0 for a
 * () parameter. 0 or the encoder's code. */
static int encode_param(const actor_stub_method *m, const void *msg, const char **body, size_t *len)
{
    msgpack_sbuffer *buf;
    int rc;

    *body = NULL;
    *len = 0;
    if (m->param == NULL)
        return 0;
    buf = actor_encode_buffer();
    rc = m->param->encode(msg, buf);
    if (rc == 0) {
        *body = buf->data;
        *len = buf->size;
    }
    return rc;
}

/* Decodes a reply into *res; on failure sets *st to ACTOR_STATUS_DECODE
 * and returns a negative code, *res zeroed. */
static int decode_reply(const actor_message_desc *d, const char *body, size_t len, void *res,
                        actor_status *st)
{
    actor_decode_error err;
    int rc = d->decode(body, len, NULL, res, &err);

    if (rc != 0)
        actor_status_set(st, ACTOR_STATUS_DECODE, 0, "reply: %s", err.message);
    return rc;
}

int actor_stub_call(actor_client *c, actor_ref to, const actor_stub_method *m, const void *req,
                    void *res, const actor_call_opts *opts, actor_status *st)
{
    const char *body;
    size_t len;
    msgpack_sbuffer reply;
    int rc;

    if (m->result != NULL)
        memset(res, 0, m->result->size);
    rc = encode_param(m, req, &body, &len);
    if (rc != 0) {
        actor_status_set(st, ACTOR_STATUS_INTERNAL, 0, "cannot encode the request: %s",
                         actor_strerror(rc));
        return rc;
    }
    if (m->result == NULL)
        return actor_call(c, to, m->ref, body, len, opts, st, NULL);
    msgpack_sbuffer_init(&reply);
    rc = actor_call(c, to, m->ref, body, len, opts, st, &reply);
    if (rc == 0 && st->category == ACTOR_STATUS_OK)
        (void)decode_reply(m->result, reply.data, reply.size, res, st);
    msgpack_sbuffer_destroy(&reply);
    return rc;
}

/* ------------------------------------------------- asynchronous calls */

/* The reply of a finished call, decoded into p->result: NULL when m has no
 * result or the call did not end OK; NULL too when it does not decode,
 * then *st points to *bad, which says why. */
static void *decode_result(stub_pending *p, const actor_status **st, const char *body, size_t len,
                           actor_status *bad)
{
    if (p->m->result == NULL || (*st)->category != ACTOR_STATUS_OK)
        return NULL;
    if (decode_reply(p->m->result, body, len, p->result, bad) != 0) {
        *st = bad;
        return NULL;
    }
    return p->result;
}

/* Frees the reply decode_result left in p (res: NULL for none). */
static void result_free(const stub_pending *p, void *res)
{
    if (res != NULL)
        p->m->result->free(res);
}

/* The actor_reply_fn of actor_stub_call_async. */
static void stub_done(void *user, uint64_t call_id, const actor_status *st, const char *body,
                      size_t len)
{
    stub_pending *p = user;
    actor_status bad;
    void *res = decode_result(p, &st, body, len, &bad);

    p->m->done(p->fn, p->user, call_id, st, res);
    result_free(p, res);
    free(p);
}

/* The actor_then_fn of actor_stub_request. */
static void stub_then(void *state, actor_ctx *ctx, const actor_status *st, const char *body,
                      size_t len, void *user)
{
    stub_pending *p = user;
    actor_status bad;
    void *res = decode_result(p, &st, body, len, &bad);

    p->m->then(p->fn, state != NULL ? actor_stub_state(state) : NULL, ctx, st, res, p->user);
    result_free(p, res); /* p itself is the runtime's */
}

/* The record's size for m: the callback and room for the reply. */
static size_t pending_size(const actor_stub_method *m)
{
    return sizeof(stub_pending) + (m->result != NULL ? m->result->size : 0);
}

static void pending_fill(stub_pending *p, const actor_stub_method *m, actor_stub_fn fn, void *user)
{
    p->m = m;
    p->fn = fn;
    p->user = user;
}

/* Starts an asynchronous rpc from a plain thread: the pending record
 * (malloc'd; freed here unless the runtime took it), the encoded
 * parameter, the untyped call. */
static int start_call_async(actor_client *c, actor_ref to, const actor_stub_method *m,
                            const void *req, const actor_call_opts *opts, actor_stub_fn fn,
                            void *user, uint64_t *call_id)
{
    stub_pending *p;
    const char *body;
    size_t len;
    int rc;

    if (fn == NULL)
        return ACTOR_EINVAL;
    p = malloc(pending_size(m));
    if (p == NULL)
        return ACTOR_ENOMEM;
    pending_fill(p, m, fn, user);
    rc = encode_param(m, req, &body, &len);
    if (rc == 0)
        rc = actor_call_async(c, to, m->ref, body, len, opts, stub_done, p, call_id);
    if (rc != 0)
        free(p); /* the callback will not run */
    return rc;
}

/* Starts an asynchronous rpc from a handler: the encoded parameter, then
 * the request with the pending record in its own record's room, filled
 * once the request is made (its continuation runs on this actor, so not
 * before this handler returns). */
static int start_request(actor_ctx *ctx, actor_ref to, const actor_stub_method *m, const void *req,
                         const actor_call_opts *opts, actor_stub_fn fn, void *user,
                         uint64_t *call_id)
{
    const char *body;
    size_t len;
    void *space;
    int rc;

    if (fn == NULL)
        return ACTOR_EINVAL;
    rc = encode_param(m, req, &body, &len);
    if (rc == 0)
        rc = actor__ctx_request_space(ctx, to, m->ref, body, len, opts, stub_then, pending_size(m),
                                      &space, call_id);
    if (rc == 0)
        pending_fill(space, m, fn, user);
    return rc;
}

int actor_stub_call_async(actor_client *c, actor_ref to, const actor_stub_method *m,
                          const void *req, const actor_call_opts *opts, actor_stub_fn done,
                          void *user, uint64_t *call_id)
{
    return start_call_async(c, to, m, req, opts, done, user, call_id);
}

int actor_stub_request(actor_ctx *ctx, actor_ref to, const actor_stub_method *m, const void *req,
                       const actor_call_opts *opts, actor_stub_fn then, void *user,
                       uint64_t *call_id)
{
    return start_request(ctx, to, m, req, opts, then, user, call_id);
}

/* ---------------------------------------------------------------- casts */

int actor_stub_cast(actor_client *c, actor_ref to, const actor_stub_method *m, const void *msg,
                    const actor_call_opts *opts)
{
    const char *body;
    size_t len;
    int rc = encode_param(m, msg, &body, &len);

    return rc != 0 ? rc : actor_cast(c, to, m->ref, body, len, opts);
}

int actor_stub_ctx_cast(actor_ctx *ctx, actor_ref to, const actor_stub_method *m, const void *msg,
                        const actor_call_opts *opts)
{
    const char *body;
    size_t len;
    int rc = encode_param(m, msg, &body, &len);

    return rc != 0 ? rc : actor_ctx_cast(ctx, to, m->ref, body, len, opts);
}

/* ------------------------------------------------------ deferred replies */

int actor_stub_defer(actor_ctx *ctx, actor_reply **reply)
{
    int rc = actor_ctx_defer(ctx, reply);

    return rc != 0 ? rc : ACTOR_INVOKE_DEFERRED;
}

int actor_stub_reply(actor_reply **reply, const actor_stub_method *m, const void *res)
{
    msgpack_sbuffer *body;
    actor_status st;
    int rc;

    if (m->result == NULL)
        return actor_reply_send(reply, NULL, 0);
    body = actor_encode_buffer();
    rc = m->result->encode(res, body);
    if (rc == 0)
        return actor_reply_send(reply, body->data, body->size);
    actor_status_set(&st, ACTOR_STATUS_INTERNAL, 0, "cannot encode the reply: %s",
                     actor_strerror(rc));
    (void)actor_reply_status(reply, &st);
    return rc;
}

/* ---------------------------------------------------------------- spawn */

static void box_free(const void *box)
{
    free((void *)(uintptr_t)box);
}

int actor_stub_spawn(actor_system *sys, const actor_type *type, actor_stub_hooks hooks,
                     const void *handlers, size_t size, const void *arg,
                     const actor_spawn_opts *opts, actor_ref *ref)
{
    actor_stub_box *box = calloc(1, sizeof *box + size);
    actor_spawn_opts o;
    int rc;

    if (box == NULL)
        return ACTOR_ENOMEM;
    box->arg = arg;
    box->size = size;
    box->hooks = hooks;
    memcpy(box->handlers, handlers, size);
    if (opts != NULL && opts->restartable) {
        /* a template: every init adopts a copy, the runtime frees it */
        o = *opts;
        o.arg_free = box_free;
        box->is_template = true;
        return actor_spawn(sys, type, box, &o, ref); /* frees it on failure */
    }
    rc = actor_spawn(sys, type, box, opts, ref);
    if (rc != 0)
        free(box); /* else init adopts it, on a worker */
    return rc;
}

int actor_stub_init(void **state, const void *arg, actor_ctx *ctx)
{
    const actor_stub_box *given = arg;
    actor_stub_box *box = (actor_stub_box *)(uintptr_t)arg;
    int rc = 0;

    if (given->is_template) { /* a restartable actor's: this start's own copy */
        box = malloc(sizeof *box + given->size);
        if (box == NULL)
            return ACTOR_ENOMEM;
        memcpy(box, given, sizeof *box + given->size);
        box->is_template = false;
    }
    box->state = NULL;
    if (box->hooks.init != NULL)
        rc = box->hooks.init(&box->state, box->arg, ctx);
    box->arg = NULL;
    if (rc != 0) {
        free(box);
        return rc;
    }
    *state = box;
    return 0;
}

void actor_stub_cleanup(void *state, actor_ctx *ctx)
{
    actor_stub_box *box = state;

    if (box == NULL)
        return;
    if (box->hooks.cleanup != NULL)
        box->hooks.cleanup(box->state, ctx);
    free(box);
}

int actor_stub_health(void *state, char *reason, size_t size)
{
    actor_stub_box *box = state;

    if (box == NULL || box->hooks.health == NULL)
        return 0;
    return box->hooks.health(box->state, reason, size);
}

int actor_stub_checkpoint(void *state, msgpack_sbuffer *out)
{
    actor_stub_box *box = state;

    if (box == NULL || box->hooks.checkpoint == NULL)
        return ACTOR_ENOTFOUND; /* nothing to keep: the last checkpoint stays */
    return box->hooks.checkpoint(box->state, out);
}

int actor_stub_restore(void *state, const char *data, size_t len)
{
    actor_stub_box *box = state;

    if (box == NULL || box->hooks.restore == NULL)
        return 0;
    return box->hooks.restore(box->state, data, len);
}

/* ------------------------------------------------------------- skeleton */

int actor_stub_enter(actor_ctx *ctx, const actor_stub_method *m, bool has_handler, const char *body,
                     size_t len, void *req, void *res)
{
    actor_decode_error err;

    if (!has_handler)
        return actor_ctx_fail(ctx, ACTOR_STATUS_NOT_FOUND, "%s has no handler", m->name);
    if (m->param != NULL && m->param->decode(body, len, actor__ctx_frames(ctx), req, &err) != 0)
        return actor_ctx_fail(ctx, ACTOR_STATUS_DECODE, "%s", err.message);
    if (m->result != NULL)
        m->result->init(res);
    return 0;
}

int actor_stub_leave(actor_ctx *ctx, const actor_stub_method *m, int rc, void *req, void *res,
                     msgpack_sbuffer *reply_body)
{
    if (m->result != NULL) {
        if (rc == ACTOR_INVOKE_REPLY && (rc = m->result->encode(res, reply_body)) != 0)
            rc = actor_ctx_fail(ctx, ACTOR_STATUS_INTERNAL, "cannot encode the reply: %s",
                                actor_strerror(rc));
        m->result->free(res);
    }
    if (m->param != NULL)
        m->param->free(req);
    return rc;
}
