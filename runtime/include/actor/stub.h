/*
 * actor/stub.h - the mechanics that actorc's generated stubs and skeletons
 * share (docs/STUBS.md): encode the parameter, call the untyped API of
 * actor/actor.h, decode the reply; carry a typed callback through the
 * runtime's untyped one; hold a generated actor's state and handler table
 * in a box with the actor_type hooks over it; decode the parameter before
 * a handler and encode its result after. Generated code describes each
 * message type once (actor_message_desc) and each method once
 * (actor_stub_method), and each generated function names its types and
 * forwards here. Not meant for hand-written code: use actor/actor.h.
 *
 * Ownership: descriptors are borrowed and must outlive every call using
 * them (generated code makes them static const). Message pointers (`req`,
 * `msg`, `res`) point to the C struct the descriptor describes; they are
 * borrowed for the call unless stated otherwise. Every function returning
 * int returns what the actor.h function it wraps returns, as stated.
 */
#ifndef ACTOR_STUB_H
#define ACTOR_STUB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "actor/actor.h"

#ifdef __cplusplus
extern "C" {
#endif

/* One message type through untyped pointers: its struct's size and its
 * generated _init, _free, _encode and _decode_ex (default limits); decode
 * takes the out-of-band frames that came with the body (NULL: none), whose
 * `bytes` values it views in place. */
typedef struct actor_message_desc {
    size_t size;
    void (*init)(void *m);
    void (*free)(void *m);
    int (*encode)(const void *m, msgpack_sbuffer *out);
    int (*decode)(const char *buf, size_t len, actor_oob_frames *frames, void *m,
                  actor_decode_error *err);
} actor_message_desc;

/* The static functions T__init_any, T__free_any, T__encode_any and
 * T__decode_any of the generated message type T (its struct and T_init,
 * T_free, T_encode, T_decode_ex, T__read), which only convert the
 * pointers: what an actor_message_desc of T holds. */
#define ACTOR_MESSAGE_DESC_FUNCS(T)                                                            \
    static void T##__init_any(void *m)                                                         \
    {                                                                                          \
        T##_init(m);                                                                           \
    }                                                                                          \
    static void T##__free_any(void *m)                                                         \
    {                                                                                          \
        T##_free(m);                                                                           \
    }                                                                                          \
    static int T##__encode_any(const void *m, msgpack_sbuffer *out)                            \
    {                                                                                          \
        return T##_encode(m, out);                                                             \
    }                                                                                          \
    static int T##__read_any(actor_reader *r, void *m)                                         \
    {                                                                                          \
        return T##__read(r, m);                                                                \
    }                                                                                          \
    static int T##__decode_any(const char *buf, size_t len, actor_oob_frames *frames, void *m, \
                               actor_decode_error *err)                                        \
    {                                                                                          \
        if (frames == NULL)                                                                    \
            return T##_decode_ex(buf, len, m, NULL, err);                                      \
        return actor_decode_framed(buf, len, frames, T##__read_any, T##__free_any, #T, m, err); \
    }

/* Defines `static const actor_message_desc T__desc` for the generated
 * message type T, over ACTOR_MESSAGE_DESC_FUNCS(T). Generated code writes
 * `ACTOR_MESSAGE_DESC(calc_CalcRequest);` once per message type its
 * actors use (a message marked @queue has a public T_desc instead). */
#define ACTOR_MESSAGE_DESC(T)                                                                  \
    ACTOR_MESSAGE_DESC_FUNCS(T)                                                                \
    static const actor_message_desc T##__desc = {                                              \
        sizeof(T), T##__init_any, T##__free_any, T##__encode_any, T##__decode_any,             \
    }

/* A typed callback (a method's _done_fn or _then_fn) while it travels
 * untyped; cast back to its own type before it is called. */
typedef void (*actor_stub_fn)(void);

/* Calls `fn`, a method's typed _done_fn: `res` is the decoded reply (NULL
 * unless st->category is ACTOR_STATUS_OK, always NULL for a () result). */
typedef void (*actor_stub_done_call)(actor_stub_fn fn, void *user, uint64_t call_id,
                                     const actor_status *st, const void *res);

/* Calls `fn`, a method's typed _then_fn, with the requesting actor's own
 * state; `res` as above. */
typedef void (*actor_stub_then_call)(actor_stub_fn fn, void *state, actor_ctx *ctx,
                                     const actor_status *st, const void *res, void *user);

/* One method of a generated actor. */
typedef struct actor_stub_method {
    actor_method_ref ref;             /* its type and index */
    const char *name;                 /* "package.Actor.method" */
    const actor_message_desc *param;  /* NULL: () */
    const actor_message_desc *result; /* NULL: () or a cast */
    actor_stub_done_call done;        /* rpc only: calls the typed _done_fn */
    actor_stub_then_call then;        /* rpc only: calls the typed _then_fn */
} actor_stub_method;

/* --------------------------------------------------------------- spawn */

/* The hooks every generated handler table starts with (docs/STUBS.md). */
typedef struct actor_stub_hooks {
    int (*init)(void **state, const void *arg, actor_ctx *ctx);
    void (*cleanup)(void *state, actor_ctx *ctx);
    int (*health)(void *state, char *reason, size_t size);
    int (*checkpoint)(void *state, msgpack_sbuffer *out);
    int (*restore)(void *state, const char *data, size_t len);
} actor_stub_hooks;

/* A generated actor's state as the runtime holds it: the user's state
 * first (actor_stub_request hands it to continuations), then the user's
 * hooks and a copy of the typed handler table. actor_stub_spawn allocates
 * it, actor_stub_init adopts it, actor_stub_cleanup frees it. A
 * restartable actor's (actor_spawn_opts.restartable) is a template the
 * runtime keeps as the spawn argument: each init makes a copy to adopt,
 * and the runtime frees the template when the actor is gone. */
typedef struct actor_stub_box {
    void *state;            /* the user's, from hooks.init */
    const void *arg;        /* spawn's argument, until init has run (a template's: always) */
    bool is_template;
    size_t size;            /* of handlers */
    actor_stub_hooks hooks;
    max_align_t handlers[]; /* the typed handler table */
} actor_stub_box;

/* Spawns an actor of `type` (static; its init, cleanup and health must be
 * actor_stub_init, actor_stub_cleanup and actor_stub_health) running the
 * typed handler table `handlers` (`size` bytes, copied into the box) with
 * `hooks` (copied; NULL members do nothing). `arg` goes to hooks.init and
 * must stay valid until init has run; `opts` may be NULL. 0 or a negative
 * ACTOR_E* code, as actor_spawn. */
int actor_stub_spawn(actor_system *sys, const actor_type *type, actor_stub_hooks hooks,
                     const void *handlers, size_t size, const void *arg,
                     const actor_spawn_opts *opts, actor_ref *ref);

/* The actor_type hooks of a generated actor: init adopts the box that
 * actor_stub_spawn passed as the spawn argument (or frees it when the
 * user's init fails), cleanup frees it, health, checkpoint and restore ask
 * the user's hooks. */
int actor_stub_init(void **state, const void *arg, actor_ctx *ctx);
void actor_stub_cleanup(void *state, actor_ctx *ctx);
int actor_stub_health(void *state, char *reason, size_t size);
int actor_stub_checkpoint(void *state, msgpack_sbuffer *out);
int actor_stub_restore(void *state, const char *data, size_t len);

/* In a trampoline, from the state the runtime passes (a box): the typed
 * handler table and the user's state. Both borrowed from the box. */
static inline const void *actor_stub_handlers(const void *box)
{
    return ((const actor_stub_box *)box)->handlers;
}

static inline void *actor_stub_state(const void *box)
{
    return ((const actor_stub_box *)box)->state;
}

/* ------------------------------------------------------- client stubs */

/* Blocking rpc (actor_call). *res (when m has a result) is zeroed first;
 * when st->category is ACTOR_STATUS_OK it owns the decoded reply, which
 * the caller releases with the result's _free; a reply that does not
 * decode turns OK into ACTOR_STATUS_DECODE with *res zeroed. A parameter
 * that cannot be encoded returns the encoder's code with *st
 * ACTOR_STATUS_INTERNAL. Always fills *st. */
int actor_stub_call(actor_client *c, actor_ref to, const actor_stub_method *m, const void *req,
                    void *res, const actor_call_opts *opts, actor_status *st);

/* Asynchronous rpc (actor_call_async): `done` (m's typed _done_fn, NULL
 * is ACTOR_EINVAL) runs exactly once through m->done unless this returns
 * a negative code. `done` and `user` travel in one heap record, which
 * also holds the decoded reply while `done` runs; the runtime frees it. */
int actor_stub_call_async(actor_client *c, actor_ref to, const actor_stub_method *m,
                          const void *req, const actor_call_opts *opts, actor_stub_fn done,
                          void *user, uint64_t *call_id);

/* Asynchronous rpc from a handler (actor_ctx_request): `then` (m's typed
 * _then_fn, NULL is ACTOR_EINVAL) runs exactly once on this actor through
 * m->then unless this returns a negative code. It receives the user's
 * state: this actor must have been spawned by actor_stub_spawn. `then`,
 * `user` and the decoded reply travel in the runtime's own record of the
 * request (no allocation of the stub's), which the runtime reuses or
 * frees after `then` returns. */
int actor_stub_request(actor_ctx *ctx, actor_ref to, const actor_stub_method *m,
                       const void *req, const actor_call_opts *opts, actor_stub_fn then,
                       void *user, uint64_t *call_id);

/* One-way message from a plain thread (actor_cast) or from a handler
 * (actor_ctx_cast); a parameter that cannot be encoded returns the
 * encoder's code. */
int actor_stub_cast(actor_client *c, actor_ref to, const actor_stub_method *m, const void *msg,
                    const actor_call_opts *opts);
int actor_stub_ctx_cast(actor_ctx *ctx, actor_ref to, const actor_stub_method *m,
                        const void *msg, const actor_call_opts *opts);

/* actor_ctx_defer, returning ACTOR_INVOKE_DEFERRED on success for the
 * handler to return. */
int actor_stub_defer(actor_ctx *ctx, actor_reply **reply);

/* Answers a deferred reply with *res (NULL for a () result) and consumes
 * *reply (sets it NULL) even on error: a result that cannot be encoded
 * answers ACTOR_STATUS_INTERNAL and returns the encoder's code. */
int actor_stub_reply(actor_reply **reply, const actor_stub_method *m, const void *res);

/* ----------------------------------------------------------- skeleton */

/* Before a method's handler runs, in its actor_invoke_fn: a missing handler
 * (has_handler false) is ACTOR_STATUS_NOT_FOUND; else decodes `body`
 * (borrowed, `len` bytes; ignored for a () parameter) into *req, which is
 * then owned by the trampoline (ACTOR_STATUS_DECODE when it does not
 * decode), and _inits *res (when m has a result). Returns 0 when the handler
 * may run, then actor_stub_leave must follow; else the trampoline's result,
 * with nothing left to free. */
int actor_stub_enter(actor_ctx *ctx, const actor_stub_method *m, bool has_handler,
                     const char *body, size_t len, void *req, void *res);

/* After the handler returned `rc` (ACTOR_INVOKE_REPLY for a cast): when
 * rc is ACTOR_INVOKE_REPLY and m has a result, encodes *res into
 * `reply_body` (ACTOR_STATUS_INTERNAL when it cannot); then frees *req and
 * *res. Returns the trampoline's result. */
int actor_stub_leave(actor_ctx *ctx, const actor_stub_method *m, int rc, void *req, void *res,
                     msgpack_sbuffer *reply_body);

#ifdef __cplusplus
}
#endif

#endif /* ACTOR_STUB_H */
