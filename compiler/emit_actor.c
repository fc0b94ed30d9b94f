/*
 * emit_actor.c - the stubs and skeletons of every `actor` (DESIGN.md section
 * 3, docs/STUBS.md): in <stem>.h the settings and method constants, the
 * handler table, the spawn functions (one actor; from a spec, for pools and
 * supervisors; a pool; a supervisor's child spec) and per method the client
 * stubs; in <stem>.c the actor_type with its hooks and method table, those
 * functions and, per method, a descriptor, a trampoline and the stubs. The
 * mechanics they share (encode, call the untyped API of actor/actor.h,
 * decode; typed callbacks through untyped ones) are the runtime's, in
 * actor/stub.h: the generated code describes each message type
 * (actor_message_desc) and each method (actor_stub_method) once, and every
 * generated function names its types and forwards.
 *
 * The runtime holds a generated actor's state as a box (actor_stub_box:
 * the user's state, hooks and a copy of the handler table): the spawn
 * function hands the table to actor_stub_spawn, the actor_type's hooks are
 * actor/stub.h's, and the trampolines take the table and the user's state
 * from the box.
 */
#include "emit.h"

#include <string.h>

/* ------------------------------------------------------------ helpers */

bool emit_has_actors(const ast_module *m)
{
    for (size_t i = 0; i < m->decls.len; i++)
        if (((const ast_decl *)m->decls.items[i])->kind == DECL_ACTOR)
            return true;
    return false;
}

/* The C struct of a method's parameter or result, or NULL for (). */
static const char *message_ctype(emitter *e, const ast_type *t)
{
    return t != NULL ? emit_cname(e, t->resolved) : NULL;
}

/* A method's message's own file makes its @queue messages' descriptors
 * public (emit_queue.c); ACTOR_MESSAGE_DESC makes the others here. */
static bool has_public_desc(emitter *e, const ast_decl *d)
{
    return d->queue_items && d->module == e->m;
}

/* The descriptor of a method's message (actor_message_desc), or "NULL" for
 * (). */
static const char *desc_of(emitter *e, const ast_type *t)
{
    if (t == NULL)
        return "NULL";
    return arena_printf(e->p->arena, has_public_desc(e, t->resolved) ? "&%s_desc" : "&%s__desc",
                        emit_cname(e, t->resolved));
}

/* What one method's generated names are built from. */
typedef struct method_names {
    const char *actor;  /* "calc_Calculator" */
    const char *idl;    /* "calc.Calculator.calculate" */
    const char *base;   /* "calc_Calculator_calculate" */
    const char *index;  /* "calc_Calculator_METHOD_CALCULATE" */
    const char *param;  /* "calc_CalcRequest" or NULL */
    const char *result; /* "calc_CalcResponse" or NULL (casts too) */
    const char *param_desc, *result_desc; /* "&calc_CalcRequest__desc", or "NULL" */
    bool rpc;
} method_names;

static method_names names_of(emitter *e, const ast_decl *actor, const ast_method *m)
{
    method_names n;

    n.actor = emit_cname(e, actor);
    n.idl = arena_printf(e->p->arena, "%s.%s", emit_idl_name(e, actor), m->name);
    n.base = arena_printf(e->p->arena, "%s_%s", n.actor, m->name);
    n.index = arena_printf(e->p->arena, "%s_METHOD_%s", n.actor, emit_upper(e, m->name));
    n.param = message_ctype(e, m->param);
    n.result = m->kind == METHOD_RPC ? message_ctype(e, m->result) : NULL;
    n.param_desc = desc_of(e, m->param);
    n.result_desc = m->kind == METHOD_RPC ? desc_of(e, m->result) : "NULL";
    n.rpc = m->kind == METHOD_RPC;
    return n;
}

/* An argument or parameter list, and "head(a1, a2, ...)tail" wrapped before
 * LINE_WIDTH columns (counting the current indentation), continuation lines
 * one level deeper, as in the codec prototypes. */
#define MAX_ARGS 10
#define LINE_WIDTH 96

typedef struct arglist {
    const char *items[MAX_ARGS];
    size_t n;
} arglist;

static void arg_add(arglist *a, const char *item)
{
    if (a->n < MAX_ARGS)
        a->items[a->n++] = item;
}

static const char *wrap(emitter *e, const char *head, const arglist *a, const char *tail)
{
    int cont = (e->indent + 1) * 4;
    char *text = arena_printf(e->p->arena, "%s(", head);
    size_t line = (size_t)e->indent * 4 + strlen(text);

    for (size_t i = 0; i < a->n; i++) {
        /* room for ", " before and "," or the tail after */
        size_t need = strlen(a->items[i]) + 2 + (i + 1 == a->n ? strlen(tail) + 1 : 1);
        if (i > 0 && line + need > LINE_WIDTH) {
            text = arena_printf(e->p->arena, "%s,\n%*s%s", text, cont, "", a->items[i]);
            line = (size_t)cont + strlen(a->items[i]);
        } else {
            text = arena_printf(e->p->arena, "%s%s%s", text, i == 0 ? "" : ", ", a->items[i]);
            line += strlen(a->items[i]) + (i == 0 ? 0 : 2);
        }
    }
    return arena_printf(e->p->arena, "%s%s)%s", text, a->n == 0 ? "void" : "", tail);
}

/* ------------------------------------------------------ the signatures */

/* Every public function is printed twice (prototype, definition) from
 * these, so the two never disagree. Top level only (indentation 0). */

static const char *param_decl(emitter *e, const method_names *n)
{
    return arena_printf(e->p->arena, "const %s *%s", n->param, n->rpc ? "req" : "msg");
}

static const char *fn_name(emitter *e, const method_names *n, const char *suffix)
{
    return arena_printf(e->p->arena, "%s%s", n->base, suffix);
}

/* The handler's member of the handler table (inside the struct). */
static const char *handler_member(emitter *e, const method_names *n, const char *name)
{
    arglist a = {{"void *state", "actor_ctx *ctx"}, 2};

    if (n->param != NULL)
        arg_add(&a, param_decl(e, n));
    if (n->result != NULL)
        arg_add(&a, arena_printf(e->p->arena, "%s *res", n->result));
    return wrap(e, arena_printf(e->p->arena, "%s (*%s)", n->rpc ? "int" : "void", name), &a, ";");
}

static const char *call_sig(emitter *e, const method_names *n)
{
    arglist a = {{"actor_client *c", "actor_ref to"}, 2};

    if (n->param != NULL)
        arg_add(&a, param_decl(e, n));
    if (n->result != NULL)
        arg_add(&a, arena_printf(e->p->arena, "%s *res", n->result));
    arg_add(&a, "const actor_call_opts *opts");
    if (n->rpc)
        arg_add(&a, "actor_status *st");
    return wrap(e, arena_printf(e->p->arena, "int %s", n->base), &a, "");
}

static const char *done_fn_type(emitter *e, const method_names *n)
{
    return fn_name(e, n, "_done_fn");
}

static const char *then_fn_type(emitter *e, const method_names *n)
{
    return fn_name(e, n, "_then_fn");
}

/* _async (from a client) or _request (from a handler). */
static const char *async_sig(emitter *e, const method_names *n, bool from_ctx)
{
    arglist a = {{from_ctx ? "actor_ctx *ctx" : "actor_client *c", "actor_ref to"}, 2};

    if (n->param != NULL)
        arg_add(&a, param_decl(e, n));
    arg_add(&a, "const actor_call_opts *opts");
    arg_add(&a,
            arena_printf(e->p->arena, "%s %s", from_ctx ? then_fn_type(e, n) : done_fn_type(e, n),
                         from_ctx ? "then" : "done"));
    arg_add(&a, "void *user");
    arg_add(&a, "uint64_t *call_id");
    return wrap(
        e, arena_printf(e->p->arena, "int %s", fn_name(e, n, from_ctx ? "_request" : "_async")), &a,
        "");
}

static const char *ctx_cast_sig(emitter *e, const method_names *n)
{
    arglist a = {{"actor_ctx *ctx", "actor_ref to"}, 2};

    if (n->param != NULL)
        arg_add(&a, param_decl(e, n));
    arg_add(&a, "const actor_call_opts *opts");
    return wrap(e, arena_printf(e->p->arena, "int %s", fn_name(e, n, "_cast")), &a, "");
}

static const char *defer_sig(emitter *e, const method_names *n)
{
    arglist a = {{"actor_ctx *ctx", "actor_reply **reply"}, 2};

    return wrap(e, arena_printf(e->p->arena, "int %s", fn_name(e, n, "_defer")), &a, "");
}

static const char *reply_sig(emitter *e, const method_names *n)
{
    arglist a = {{"actor_reply **reply"}, 1};

    if (n->result != NULL)
        arg_add(&a, arena_printf(e->p->arena, "const %s *res", n->result));
    return wrap(e, arena_printf(e->p->arena, "int %s", fn_name(e, n, "_reply")), &a, "");
}

/* _spawn (one actor) or _spawn_pool. */
static const char *spawn_sig(emitter *e, const char *actor, bool pool)
{
    arglist a = {{"actor_system *sys"}, 1};

    arg_add(&a, arena_printf(e->p->arena, "const %s_handlers *handlers", actor));
    arg_add(&a, "const void *arg");
    arg_add(&a, pool ? "const actor_pool_opts *opts" : "const actor_spawn_opts *opts");
    arg_add(&a, pool ? "actor_ref *pool" : "actor_ref *ref");
    return wrap(e, arena_printf(e->p->arena, "int %s_spawn%s", actor, pool ? "_pool" : ""), &a, "");
}

/* _spawn_spec, an actor_spawn_fn. */
static const char *spawn_spec_sig(emitter *e, const char *actor)
{
    arglist a = {
        {"actor_system *sys", "const void *spec", "const actor_spawn_opts *opts", "actor_ref *ref"},
        4};

    return wrap(e, arena_printf(e->p->arena, "int %s_spawn_spec", actor), &a, "");
}

static const char *pool_opts_sig(emitter *e, const char *actor)
{
    return arena_printf(e->p->arena, "void %s_pool_opts(actor_pool_opts *o)", actor);
}

static const char *child_sig(emitter *e, const char *actor)
{
    return arena_printf(e->p->arena, "actor_child_spec %s_child(const %s_spec *spec)", actor,
                        actor);
}

/* The typed callbacks of _async (done) and _request (then). */
static void emit_callback_types(emitter *e, const method_names *n)
{
    arglist done = {{"void *user", "uint64_t call_id", "const actor_status *st"}, 3};
    arglist then = {{"void *state", "actor_ctx *ctx", "const actor_status *st"}, 3};

    if (n->result != NULL) {
        const char *res = arena_printf(e->p->arena, "const %s *res", n->result);
        arg_add(&done, res);
        arg_add(&then, res);
        emit_line(e, "/* Runs once when a _async call ends, on a worker thread: res (borrowed");
        emit_line(e, " * for the call) is the reply when st->category is ACTOR_STATUS_OK, else");
        emit_line(e, " * NULL. */");
    } else {
        emit_line(e, "/* Runs once when a _async call ends, on a worker thread. */");
    }
    arg_add(&then, "void *user");
    emit_line(
        e, "%s",
        wrap(e, arena_printf(e->p->arena, "typedef void (*%s)", done_fn_type(e, n)), &done, ";"));
    emit_line(e, "/* Runs once on the requesting actor when a _request ends, with that");
    emit_line(e, " * actor's state%s. */", n->result != NULL ? "; res as above" : "");
    emit_line(
        e, "%s",
        wrap(e, arena_printf(e->p->arena, "typedef void (*%s)", then_fn_type(e, n)), &then, ";"));
}

/* ------------------------------------------------------------- header */

/* @pool's balance policies: the IDL's name, and actor/pool.h's constant. */
static const struct {
    const char *name;
    const char *constant;
} balances[] = {
    [BALANCE_ROUND_ROBIN] = {"round_robin", "ACTOR_BALANCE_ROUND_ROBIN"},
    [BALANCE_LEAST_LOADED] = {"least_loaded", "ACTOR_BALANCE_LEAST_LOADED"},
    [BALANCE_RANDOM2] = {"random2", "ACTOR_BALANCE_RANDOM2"},
    [BALANCE_KEY_HASH] = {"key_hash", "ACTOR_BALANCE_KEY_HASH"},
};

static const char *overflow_constant(overflow_kind o)
{
    switch (o) {
    case OVERFLOW_BLOCK:
        return "ACTOR_OVERFLOW_BLOCK";
    case OVERFLOW_REJECT:
        return "ACTOR_OVERFLOW_REJECT";
    case OVERFLOW_DROP_OLDEST:
        return "ACTOR_OVERFLOW_DROP_OLDEST";
    }
    return "ACTOR_OVERFLOW_BLOCK";
}

static void emit_settings(emitter *e, const ast_decl *d)
{
    const actor_settings *s = &d->settings;
    const char *a = emit_cname(e, d);

    emit_line(e, "/* %s's settings (@mailbox, @pool, @restart, @isolation, or their",
              emit_idl_name(e, d));
    emit_line(e, " * defaults). The mailbox's are applied by %s_type; @pool,", a);
    emit_line(e, " * @restart and @isolation by %s_pool_opts (which", a);
    emit_line(e, " * %s_spawn_pool uses), @restart and @isolation by", a);
    emit_line(e, " * %s_child. */", a);
    emit_line(e, "#define %s_MAILBOX_CAPACITY %uu", a, (unsigned)s->mailbox_capacity);
    emit_line(e, "#define %s_MAILBOX_OVERFLOW %s", a, overflow_constant(s->overflow));
    emit_line(e, "#define %s_POOL_SIZE %uu", a, (unsigned)s->pool_size);
    emit_line(e, "#define %s_POOL_BALANCE \"%s\"", a, balances[s->balance].name);
    if (s->balance == BALANCE_KEY_HASH && s->key_field != NULL)
        emit_line(e, "#define %s_POOL_KEY_FIELD \"%s\"", a, s->key_field);
    emit_line(e, "#define %s_RESTART_MAX %uu", a, (unsigned)s->restart_max);
    emit_line(e, "#define %s_RESTART_WINDOW_MS %lluu", a, (unsigned long long)s->restart_window_ms);
    emit_line(e, "#define %s_RESTART_BACKOFF_MS %lluu", a,
              (unsigned long long)s->restart_backoff_ms);
    emit_line(e, "#define %s_ISOLATION \"%s\"", a,
              s->isolation == ISOLATION_PROCESS ? "process" : "thread");
    emit_blank(e);
}

static void emit_method_indices(emitter *e, const ast_decl *d)
{
    const char *a = emit_cname(e, d);

    emit_line(e, "/* %s's methods: indices into its method table (actor_method_ref.method). */",
              emit_idl_name(e, d));
    for (size_t i = 0; i < d->methods.len; i++) {
        const ast_method *m = d->methods.items[i];
        emit_line(e, "#define %s_METHOD_%s %zuu", a, emit_upper(e, m->name), i);
    }
    emit_line(e, "#define %s_N_METHODS %zuu", a, d->methods.len);
    emit_blank(e);
}

static void emit_handlers_type(emitter *e, const ast_decl *d)
{
    const char *a = emit_cname(e, d);

    emit_line(e, "/* The handlers of a %s, given to %s_spawn", emit_idl_name(e, d), a);
    emit_line(e, " * or %s_spawn_pool (or in a %s_spec).", a, a);
    emit_line(e, " * Any may be NULL: a method without a handler answers");
    emit_line(e, " * ACTOR_STATUS_NOT_FOUND, a missing hook does nothing. Handlers run on a");
    emit_line(e, " * worker thread, one at a time per actor, with the state init stored;");
    emit_line(e, " * every pointer argument is borrowed for the call.");
    emit_line(e, " * An rpc handler fills *res (already _init'ed, freed after it is encoded)");
    emit_line(e, " * and returns 0; or returns actor_ctx_raise(ctx, CODE, ...) with one of the");
    emit_line(e, " * method's declared codes (any other code reaches the caller as");
    emit_line(e, " * ACTOR_STATUS_INTERNAL); or returns the method's _defer function's result");
    emit_line(e, " * and answers later with its _reply function. A negative ACTOR_E* code is");
    emit_line(e, " * answered ACTOR_STATUS_INTERNAL. */");
    emit_open(e, "typedef struct %s_handlers {", a);
    emit_line(e, "/* Creates the state from spawn's `arg` (again at every restart): 0, or a");
    emit_line(e, " * negative code (the actor then terminates without cleanup). NULL: the");
    emit_line(e, " * state is NULL. */");
    emit_line(e, "int (*init)(void **state, const void *arg, actor_ctx *ctx);");
    emit_line(e, "/* Frees the state, once per init: after the last message, or before a");
    emit_line(e, " * restart. */");
    emit_line(e, "void (*cleanup)(void *state, actor_ctx *ctx);");
    emit_line(e, "/* 0 when healthy, else a negative code and a reason in reason[size]. */");
    emit_line(e, "int (*health)(void *state, char *reason, size_t size);");
    emit_line(e, "/* Appends what restore needs to rebuild the state to `out`: 0, or a");
    emit_line(e, " * negative code (the last checkpoint is kept). Runs between messages");
    emit_line(e, " * (actor_spawn_opts.checkpoint_every, actor_ctx_checkpoint). NULL: none. */");
    emit_line(e, "int (*checkpoint)(void *state, msgpack_sbuffer *out);");
    emit_line(e, "/* At a restart, after init, when a checkpoint was taken: rebuilds the");
    emit_line(e, " * state from its bytes (borrowed). 0, or a negative code (the actor then");
    emit_line(e, " * crashes again). NULL: the state stays as init left it. */");
    emit_line(e, "int (*restore)(void *state, const char *data, size_t len);");
    for (size_t i = 0; i < d->methods.len; i++) {
        const ast_method *m = d->methods.items[i];
        method_names n = names_of(e, d, m);
        emit_doc(e, m->doc);
        emit_line(e, "%s", handler_member(e, &n, m->name));
    }
    emit_close(e, "} %s_handlers;", a);
    emit_blank(e);
}

static void emit_type_and_spawn(emitter *e, const ast_decl *d)
{
    const char *a = emit_cname(e, d);

    emit_line(e, "/* The actor type of %s, for actor_method_ref and the untyped",
              emit_idl_name(e, d));
    emit_line(e, " * call API. Spawn it only through %s_spawn (which the functions", a);
    emit_line(e, " * below use): its hooks expect that function's spawn argument. */");
    emit_line(e, "extern const actor_type %s_type;", a);
    emit_blank(e);
    emit_line(e, "/* Spawns a %s running `handlers` (copied; NULL is ACTOR_EINVAL).",
              emit_idl_name(e, d));
    emit_line(e, " * `arg` goes to handlers->init and must stay valid until init has run");
    emit_line(e, " * (while the actor lives when opts->restartable). `opts` may be NULL. On");
    emit_line(e, " * success *ref names the actor; 0 or a negative ACTOR_E* code. */");
    emit_line(e, "%s;", spawn_sig(e, a, false));
    emit_blank(e);
}

/* What supervisors and pools spawn an actor from: the spec, its spawn
 * function, the pool's options, the pool and the child spec. */
static void emit_spec_and_pool(emitter *e, const ast_decl *d)
{
    const char *a = emit_cname(e, d);
    const char *idl = emit_idl_name(e, d);

    emit_line(e, "/* How %s_spawn_spec spawns a %s, for pools and", a, idl);
    emit_line(e, " * supervisors (which copy it). */");
    emit_open(e, "typedef struct %s_spec {", a);
    emit_line(e, "%s_handlers handlers;", a);
    emit_line(e, "/* Goes to handlers.init at every start and restart, so it must stay");
    emit_line(e, " * valid while the actor or pool lives. */");
    emit_line(e, "const void *arg;");
    emit_close(e, "} %s_spec;", a);
    emit_blank(e);
    emit_line(e, "/* An actor_spawn_fn (actor/supervise.h): spawns a %s from `spec`,", idl);
    emit_line(e, " * a %s_spec, with %s_spawn. */", a, a);
    emit_line(e, "%s;", spawn_spec_sig(e, a));
    emit_blank(e);
    emit_line(e, "/* Fills *o with %s's @pool, @restart and @isolation settings;", idl);
    emit_line(e, " * every other member is zero (the runtime's defaults). */");
    emit_line(e, "%s;", pool_opts_sig(e, a));
    emit_blank(e);
    emit_line(e, "/* Spawns a pool of %s instances running `handlers` (copied; NULL is", idl);
    emit_line(e, " * ACTOR_EINVAL) with `opts` (NULL: %s_pool_opts's). `arg` goes to", a);
    emit_line(e, " * every instance's init at every start and restart, so it must stay valid");
    emit_line(e, " * while the pool lives. On success *pool names the pool; 0 or a negative");
    emit_line(e, " * ACTOR_E* code. */");
    emit_line(e, "%s;", spawn_sig(e, a, true));
    emit_blank(e);
    emit_line(e, "/* A child spec for actor_supervisor_add: a %s spawned from *spec,", idl);
    emit_line(e, " * with %s's @restart and @isolation. It points to *spec, which", idl);
    emit_line(e, " * actor_supervisor_add copies: *spec need only last until that call (its");
    emit_line(e, " * arg longer, see %s_spec). */", a);
    emit_line(e, "%s;", child_sig(e, a));
    emit_blank(e);
}

static void emit_rpc_prototypes(emitter *e, const method_names *n)
{
    emit_line(e, "/* Blocking call from a plain thread. Returns 0 when the call was made (*st");
    emit_line(e, " * says how it ended) or a negative ACTOR_E* code (*st says why).%s",
              n->result != NULL ? "" : " */");
    if (n->result != NULL) {
        emit_line(e, " * *res (prior contents not freed) owns the reply when st->category is");
        emit_line(e, " * ACTOR_STATUS_OK, else is zeroed; %s_free releases it either way. */",
                  n->result);
    }
    emit_line(e, "%s;", call_sig(e, n));
    emit_callback_types(e, n);
    emit_line(e, "/* Asynchronous call: returns at once; done(user, ...) runs exactly once,");
    emit_line(e, " * unless this returns a negative ACTOR_E* code. *call_id (may be NULL)");
    emit_line(e, " * receives the correlation id. */");
    emit_line(e, "%s;", async_sig(e, n, false));
    emit_line(e, "/* From a handler: returns at once; then(state, ctx, ...) runs exactly once,");
    emit_line(e, " * later, on the calling actor, unless this returns a negative code. Only");
    emit_line(e, " * from actors spawned by a generated _spawn function. */");
    emit_line(e, "%s;", async_sig(e, n, true));
    emit_line(e, "/* In a handler: takes the request's reply to answer it later; `return` the");
    emit_line(e, " * result (ACTOR_INVOKE_DEFERRED, or a negative code) from the handler. */");
    emit_line(e, "%s;", defer_sig(e, n));
    emit_line(e, "/* Answers a deferred reply%s; consumes *reply (set to NULL) even on error,",
              n->result != NULL ? " with *res" : "");
    emit_line(e, " * when the caller gets ACTOR_STATUS_INTERNAL. 0 or a negative code. */");
    emit_line(e, "%s;", reply_sig(e, n));
}

static void emit_cast_prototypes(emitter *e, const method_names *n)
{
    emit_line(e, "/* One-way message from a plain thread: 0 once it is queued, or a negative");
    emit_line(e, " * ACTOR_E* code (ACTOR_EFULL: the mailbox is full). */");
    emit_line(e, "%s;", call_sig(e, n));
    emit_line(e, "/* The same from a handler. */");
    emit_line(e, "%s;", ctx_cast_sig(e, n));
}

static void emit_actor_header(emitter *e, const ast_decl *d)
{
    emit_line(e, "/* ---- actor %s */", emit_idl_name(e, d));
    emit_blank(e);
    emit_doc(e, d->doc);
    emit_settings(e, d);
    emit_method_indices(e, d);
    emit_handlers_type(e, d);
    emit_type_and_spawn(e, d);
    emit_spec_and_pool(e, d);
    for (size_t i = 0; i < d->methods.len; i++) {
        const ast_method *m = d->methods.items[i];
        method_names n = names_of(e, d, m);
        emit_line(e, "/* %s%s */", n.idl, n.rpc ? "" : " (cast)");
        emit_doc(e, m->doc);
        if (n.rpc)
            emit_rpc_prototypes(e, &n);
        else
            emit_cast_prototypes(e, &n);
        emit_blank(e);
    }
}

void emit_actor_decls(emitter *e)
{
    for (size_t i = 0; i < e->m->decls.len; i++) {
        const ast_decl *d = e->m->decls.items[i];
        if (d->kind == DECL_ACTOR)
            emit_actor_header(e, d);
    }
}

/* ------------------------------------------------------ source: support */

/* Adds the message of a method's parameter or result to `found`, unless
 * it is () or there already. */
static void add_message(emitter *e, ptr_vec *found, const ast_type *t)
{
    if (t == NULL)
        return;
    for (size_t i = 0; i < found->len; i++)
        if (found->items[i] == t->resolved)
            return;
    ptr_vec_push(e->p->arena, found, t->resolved);
}

/* The message types the module's methods take or return, each once, in
 * order of first use. */
static ptr_vec method_messages(emitter *e)
{
    ptr_vec found = {0};

    for (size_t i = 0; i < e->m->decls.len; i++) {
        const ast_decl *d = e->m->decls.items[i];
        if (d->kind != DECL_ACTOR)
            continue;
        for (size_t j = 0; j < d->methods.len; j++) {
            const ast_method *m = d->methods.items[j];
            add_message(e, &found, m->param);
            if (m->kind == METHOD_RPC)
                add_message(e, &found, m->result);
        }
    }
    return found;
}

static void emit_support(emitter *e)
{
    ptr_vec messages = method_messages(e);

    if (messages.len == 0)
        return;
    emit_line(e, "/* ---- the messages of the actors' methods, for actor/stub.h */");
    emit_blank(e);
    for (size_t i = 0; i < messages.len; i++) {
        const ast_decl *d = messages.items[i];
        if (!has_public_desc(e, d))
            emit_line(e, "ACTOR_MESSAGE_DESC(%s);", emit_cname(e, d));
    }
    emit_blank(e);
}

/* ------------------------------------------------- source: the skeleton */

/* The method's descriptor (actor_stub_method), a static constant that its
 * trampoline and stubs hand to the runtime. */
static const char *stub_ref(emitter *e, const method_names *n)
{
    return arena_printf(e->p->arena, "&%s__stub", n->base);
}

/* The adapter through which the runtime calls a typed _done_fn (then:
 * _then_fn), given back as an actor_stub_fn, with the decoded reply. */
static void emit_typed_caller(emitter *e, const method_names *n, bool then)
{
    arglist params = then ? (arglist){{"actor_stub_fn fn", "void *state", "actor_ctx *ctx"}, 3}
                          : (arglist){{"actor_stub_fn fn", "void *user", "uint64_t call_id"}, 3};
    arglist call = then ? (arglist){{"state", "ctx", "st"}, 3}
                        : (arglist){{"user", "call_id", "st"}, 3};
    const char *fn_type = then ? then_fn_type(e, n) : done_fn_type(e, n);

    arg_add(&params, "const actor_status *st");
    arg_add(&params, "const void *res");
    if (n->result != NULL)
        arg_add(&call, "res");
    if (then) {
        arg_add(&params, "void *user");
        arg_add(&call, "user");
    }
    emit_line(e, "%s",
              wrap(e,
                   arena_printf(e->p->arena, "static void %s__%s", n->base,
                                then ? "then" : "done"),
                   &params, ""));
    emit_open(e, "{");
    if (n->result == NULL)
        emit_line(e, "(void)res;");
    emit_line(e, "%s", wrap(e, arena_printf(e->p->arena, "((%s)fn)", fn_type), &call, ";"));
    emit_close(e, "}");
    emit_blank(e);
}

static void emit_stub_method(emitter *e, const method_names *n)
{
    emit_open(e, "static const actor_stub_method %s__stub = {", n->base);
    emit_line(e, ".ref = {&%s_type, %s},", n->actor, n->index);
    emit_line(e, ".name = \"%s\",", n->idl);
    emit_line(e, ".param = %s,", n->param_desc);
    emit_line(e, ".result = %s,", n->result_desc);
    if (n->rpc) {
        emit_line(e, ".done = %s__done,", n->base);
        emit_line(e, ".then = %s__then,", n->base);
    }
    emit_close(e, "};");
    emit_blank(e);
}

/* The trampoline's call of the handler. */
static const char *handler_call(emitter *e, const ast_method *m, const method_names *n)
{
    return arena_printf(e->p->arena, "handlers->%s(actor_stub_state(state), ctx%s%s)", m->name,
                        n->param != NULL ? ", &req" : "", n->result != NULL ? ", &res" : "");
}

/* The trampoline: the runtime decodes the parameter before the handler
 * and encodes the result after it. */
static void emit_trampoline(emitter *e, const ast_method *m, const method_names *n)
{
    arglist params = {{"void *state", "actor_ctx *ctx", "const char *body", "size_t len",
                       "msgpack_sbuffer *reply_body"},
                      5};
    const char *req = n->param != NULL ? "&req" : "NULL";
    const char *res = n->result != NULL ? "&res" : "NULL";
    arglist enter = {{"ctx", stub_ref(e, n)}, 2};
    arglist leave = {{"ctx", stub_ref(e, n), n->rpc ? "rc" : "ACTOR_INVOKE_REPLY", req, res,
                      "reply_body"},
                     6};

    arg_add(&enter, arena_printf(e->p->arena, "handlers->%s != NULL", m->name));
    arg_add(&enter, "body");
    arg_add(&enter, "len");
    arg_add(&enter, req);
    arg_add(&enter, res);
    emit_line(e, "%s",
              wrap(e, arena_printf(e->p->arena, "static int %s__invoke", n->base), &params, ""));
    emit_open(e, "{");
    emit_line(e, "const %s_handlers *handlers = actor_stub_handlers(state);", n->actor);
    if (n->param != NULL)
        emit_line(e, "%s req;", n->param);
    if (n->result != NULL)
        emit_line(e, "%s res;", n->result);
    emit_line(e, "%s", wrap(e, "int rc = actor_stub_enter", &enter, ";"));
    emit_blank(e);
    emit_line(e, "if (rc != 0)");
    emit_line(e, "    return rc;");
    emit_line(e, "%s%s;", n->rpc ? "rc = " : "", handler_call(e, m, n));
    emit_line(e, "%s", wrap(e, "return actor_stub_leave", &leave, ";"));
    emit_close(e, "}");
    emit_blank(e);
}

static const char *errors_array(emitter *e, const method_names *n)
{
    return arena_printf(e->p->arena, "%s__errors", n->base);
}

static size_t count_errors(const ast_method *m)
{
    size_t count = 0;

    for (size_t i = 0; i < m->raises.len; i++)
        count += ((const ast_type *)m->raises.items[i])->resolved->members.len;
    return count;
}

static void emit_error_codes(emitter *e, const ast_method *m, const method_names *n)
{
    if (count_errors(m) == 0)
        return;
    emit_line(e, "/* The codes %s may raise. */", n->idl);
    emit_open(e, "static const int32_t %s[] = {", errors_array(e, n));
    for (size_t i = 0; i < m->raises.len; i++) {
        const ast_decl *errs = ((const ast_type *)m->raises.items[i])->resolved;
        for (size_t j = 0; j < errs->members.len; j++) {
            const ast_enum_member *mem = errs->members.items[j];
            emit_line(e, "%s_%s,", emit_cname(e, errs), mem->name);
        }
    }
    emit_close(e, "};");
    emit_blank(e);
}

/* What a method's trampoline and stubs share: the typed callers (rpc), the
 * descriptor, the trampoline, the declared error codes. */
static void emit_method_skeleton(emitter *e, const ast_method *m, method_names n)
{
    emit_line(e, "/* %s */", n.idl);
    emit_blank(e);
    if (n.rpc) {
        emit_typed_caller(e, &n, false);
        emit_typed_caller(e, &n, true);
    }
    emit_stub_method(e, &n);
    emit_trampoline(e, m, &n);
    emit_error_codes(e, m, &n);
}

static void emit_method_entry(emitter *e, const ast_method *m, const method_names *n)
{
    const method_settings *s = &m->settings;
    const ast_decl *param = m->param != NULL ? m->param->resolved : NULL;
    size_t n_errors = count_errors(m);

    emit_open(e, "[%s] = {", n->index);
    emit_line(e, ".name = \"%s\",", m->name);
    emit_line(e, ".kind = %s,", n->rpc ? "ACTOR_METHOD_RPC" : "ACTOR_METHOD_CAST");
    if (s->has_priority)
        emit_line(e, ".priority = %u, /* @priority */", (unsigned)s->priority);
    else if (param != NULL && param->has_priority)
        emit_line(e, ".priority = %u, /* %s's @priority */", (unsigned)param->priority,
                  emit_idl_name(e, param));
    else
        emit_line(e, ".priority = ACTOR_PRIORITY_DEFAULT_VALUE,");
    if (s->has_timeout)
        emit_line(e, ".timeout_ms = %llu, /* @timeout */", (unsigned long long)s->timeout_ms);
    else
        emit_line(e, ".timeout_ms = 0, /* the system's default */");
    emit_line(e, ".retries = %u,", (unsigned)s->retries);
    emit_line(e, ".idempotent = %s,", s->idempotent ? "true" : "false");
    emit_line(e, ".errors = %s,", n_errors > 0 ? errors_array(e, n) : "NULL");
    emit_line(e, ".n_errors = %zu,", n_errors);
    emit_line(e, ".invoke = %s__invoke,", n->base);
    emit_line(e, ".reads_frames = true,");
    if (s->key_field != NULL)
        emit_line(e, ".key_field = %s, /* key_hash(%s) */", emit_field_id(e, param, s->key_field),
                  s->key_field->name);
    emit_close(e, "},");
}

static void emit_type(emitter *e, const ast_decl *d)
{
    const char *a = emit_cname(e, d);

    if (d->methods.len > 0) {
        emit_open(e, "static const actor_method %s__methods[%s_N_METHODS] = {", a, a);
        for (size_t i = 0; i < d->methods.len; i++) {
            const ast_method *m = d->methods.items[i];
            method_names n = names_of(e, d, m);
            emit_method_entry(e, m, &n);
        }
        emit_close(e, "};");
        emit_blank(e);
    }
    emit_actor_schema(e, d);
    emit_open(e, "const actor_type %s_type = {", a);
    emit_line(e, ".name = \"%s\",", emit_idl_name(e, d));
    emit_line(e, ".methods = %s,",
              d->methods.len > 0 ? arena_printf(e->p->arena, "%s__methods", a) : "NULL");
    emit_line(e, ".n_methods = %s_N_METHODS,", a);
    emit_line(e, ".init = actor_stub_init,");
    emit_line(e, ".cleanup = actor_stub_cleanup,");
    emit_line(e, ".health = actor_stub_health,");
    emit_line(e, ".checkpoint = actor_stub_checkpoint,");
    emit_line(e, ".restore = actor_stub_restore,");
    emit_line(e, ".mailbox_capacity = %s_MAILBOX_CAPACITY,", a);
    emit_line(e, ".overflow = %s_MAILBOX_OVERFLOW,", a);
    emit_line(e, ".starvation_limit = 0, /* the runtime's default */");
    emit_line(e, ".schema = %s__schema,", a);
    emit_close(e, "};");
    emit_blank(e);
}

/* The hooks of a handler table, in the order of its members and of
 * actor_stub_hooks'. */
static const char *const hook_names[] = {"init", "cleanup", "health", "checkpoint", "restore"};

/* max_concurrency (actor_spawn_opts): that many instances sharing one
 * state behind one ref, a pool of the actor's own restart settings. */
static void emit_spawn_concurrent(emitter *e, const ast_decl *d)
{
    const char *a = emit_cname(e, d);

    emit_line(e, "/* actor_spawn_opts.max_concurrency: that many instances sharing one state,");
    emit_line(e, " * behind one ref; the least loaded takes the next call. */");
    emit_line(e, "static int %s__spawn_concurrent(actor_system *sys,", a);
    emit_line(e, "    const %s_handlers *handlers, const void *arg, const actor_spawn_opts *opts,", a);
    emit_line(e, "    actor_ref *ref)");
    emit_open(e, "{");
    emit_line(e, "actor_pool_opts o;");
    emit_blank(e);
    emit_line(e, "%s_pool_opts(&o);", a);
    emit_line(e, "o.size = opts->max_concurrency;");
    emit_line(e, "o.balance = ACTOR_BALANCE_LEAST_LOADED;");
    emit_line(e, "o.isolation = ACTOR_ISOLATION_THREAD; /* one state: one process */");
    emit_line(e, "o.shared_state = true;");
    emit_line(e, "o.checkpoint_every = opts->checkpoint_every;");
    emit_line(e, "o.max_task_retries = opts->max_task_retries;");
    emit_line(e, "return %s_spawn_pool(sys, handlers, arg, &o, ref);", a);
    emit_close(e, "}");
    emit_blank(e);
}

static void emit_spawn(emitter *e, const ast_decl *d)
{
    const char *a = emit_cname(e, d);
    arglist args = {{"sys", arena_printf(e->p->arena, "&%s_type", a), "hooks", "handlers",
                     "sizeof *handlers", "arg", "opts", "ref"},
                    8};

    emit_spawn_concurrent(e, d);
    emit_line(e, "%s", spawn_sig(e, a, false));
    emit_open(e, "{");
    emit_line(e, "actor_stub_hooks hooks;");
    emit_blank(e);
    emit_line(e, "if (handlers == NULL)");
    emit_line(e, "    return ACTOR_EINVAL;");
    emit_line(e, "if (opts != NULL && opts->max_concurrency > 1)");
    emit_line(e, "    return %s__spawn_concurrent(sys, handlers, arg, opts, ref);", a);
    emit_open(e, "hooks = (actor_stub_hooks){");
    for (size_t i = 0; i < sizeof hook_names / sizeof hook_names[0]; i++)
        emit_line(e, ".%s = handlers->%s,", hook_names[i], hook_names[i]);
    emit_close(e, "};");
    emit_line(e, "%s", wrap(e, "return actor_stub_spawn", &args, ";"));
    emit_close(e, "}");
    emit_blank(e);
}

/* The @isolation and @restart settings of an actor_pool_opts or an
 * actor_child_spec: `to` is "o->" or "child.". */
static void emit_supervision(emitter *e, const ast_decl *d, const char *to)
{
    const char *a = emit_cname(e, d);

    emit_line(e, "%sisolation = %s;", to,
              d->settings.isolation == ISOLATION_PROCESS ? "ACTOR_ISOLATION_PROCESS"
                                                         : "ACTOR_ISOLATION_THREAD");
    emit_line(e, "%srestart.max = %s_RESTART_MAX;", to, a);
    emit_line(e, "%srestart.window_ms = %s_RESTART_WINDOW_MS;", to, a);
    emit_line(e, "%srestart.backoff_ms = %s_RESTART_BACKOFF_MS;", to, a);
}

static void emit_spawn_spec(emitter *e, const ast_decl *d)
{
    const char *a = emit_cname(e, d);

    emit_line(e, "%s", spawn_spec_sig(e, a));
    emit_open(e, "{");
    emit_line(e, "const %s_spec *s = spec;", a);
    emit_blank(e);
    emit_line(e, "return %s_spawn(sys, &s->handlers, s->arg, opts, ref);", a);
    emit_close(e, "}");
    emit_blank(e);
}

static void emit_pool_opts(emitter *e, const ast_decl *d)
{
    const actor_settings *s = &d->settings;
    const char *a = emit_cname(e, d);

    emit_line(e, "%s", pool_opts_sig(e, a));
    emit_open(e, "{");
    emit_line(e, "memset(o, 0, sizeof *o);");
    emit_line(e, "o->size = %s_POOL_SIZE;", a);
    if (s->balance == BALANCE_KEY_HASH && s->key_field != NULL)
        emit_line(e, "o->balance = %s; /* by %s, the methods' key_field */",
                  balances[s->balance].constant, s->key_field);
    else
        emit_line(e, "o->balance = %s;", balances[s->balance].constant);
    emit_supervision(e, d, "o->");
    emit_close(e, "}");
    emit_blank(e);
}

static void emit_spawn_pool(emitter *e, const ast_decl *d)
{
    const char *a = emit_cname(e, d);
    arglist args = {{"sys", arena_printf(e->p->arena, "&%s_type", a),
                     arena_printf(e->p->arena, "%s_spawn_spec", a), "&spec", "sizeof spec", "&o",
                     "pool"},
                    7};

    emit_line(e, "%s", spawn_sig(e, a, true));
    emit_open(e, "{");
    emit_line(e, "%s_spec spec;", a);
    emit_line(e, "actor_pool_opts o;");
    emit_blank(e);
    emit_line(e, "if (handlers == NULL)");
    emit_line(e, "    return ACTOR_EINVAL;");
    emit_line(e, "spec.handlers = *handlers;");
    emit_line(e, "spec.arg = arg;");
    emit_line(e, "if (opts != NULL)");
    emit_line(e, "    o = *opts;");
    emit_line(e, "else");
    emit_line(e, "    %s_pool_opts(&o);", a);
    emit_line(e, "%s", wrap(e, "return actor_pool_spawn", &args, ";"));
    emit_close(e, "}");
    emit_blank(e);
}

static void emit_child(emitter *e, const ast_decl *d)
{
    const char *a = emit_cname(e, d);

    emit_line(e, "%s", child_sig(e, a));
    emit_open(e, "{");
    emit_line(e, "actor_child_spec child;");
    emit_blank(e);
    emit_line(e, "memset(&child, 0, sizeof child);");
    emit_line(e, "child.type = &%s_type;", a);
    emit_line(e, "child.spawn = %s_spawn_spec;", a);
    emit_line(e, "child.spec = spec;");
    emit_line(e, "child.spec_size = sizeof *spec;");
    emit_supervision(e, d, "child.");
    emit_line(e, "return child;");
    emit_close(e, "}");
    emit_blank(e);
}

/* ---------------------------------------------------- source: the stubs */

/* A stub's body: "return fn(target, to, &stub, rest...);". */
static void emit_forward(emitter *e, const method_names *n, const char *fn, const char *target,
                         const arglist *rest)
{
    arglist a = {{target, "to", stub_ref(e, n)}, 3};

    for (size_t i = 0; i < rest->n; i++)
        arg_add(&a, rest->items[i]);
    emit_open(e, "{");
    emit_line(e, "%s", wrap(e, arena_printf(e->p->arena, "return %s", fn), &a, ";"));
    emit_close(e, "}");
    emit_blank(e);
}

static void emit_rpc_stubs(emitter *e, const method_names *n)
{
    const char *req = n->param != NULL ? "req" : "NULL";
    arglist call = {{req, n->result != NULL ? "res" : "NULL", "opts", "st"}, 4};
    arglist async = {{req, "opts", "(actor_stub_fn)done", "user", "call_id"}, 5};
    arglist request = {{req, "opts", "(actor_stub_fn)then", "user", "call_id"}, 5};
    arglist reply = {{"reply", stub_ref(e, n), n->result != NULL ? "res" : "NULL"}, 3};

    emit_line(e, "%s", call_sig(e, n));
    emit_forward(e, n, "actor_stub_call", "c", &call);
    emit_line(e, "%s", async_sig(e, n, false));
    emit_forward(e, n, "actor_stub_call_async", "c", &async);
    emit_line(e, "%s", async_sig(e, n, true));
    emit_forward(e, n, "actor_stub_request", "ctx", &request);
    emit_line(e, "%s", defer_sig(e, n));
    emit_open(e, "{");
    emit_line(e, "return actor_stub_defer(ctx, reply);");
    emit_close(e, "}");
    emit_blank(e);
    emit_line(e, "%s", reply_sig(e, n));
    emit_open(e, "{");
    emit_line(e, "%s", wrap(e, "return actor_stub_reply", &reply, ";"));
    emit_close(e, "}");
    emit_blank(e);
}

static void emit_cast_stubs(emitter *e, const method_names *n)
{
    arglist cast = {{n->param != NULL ? "msg" : "NULL", "opts"}, 2};

    emit_line(e, "%s", call_sig(e, n));
    emit_forward(e, n, "actor_stub_cast", "c", &cast);
    emit_line(e, "%s", ctx_cast_sig(e, n));
    emit_forward(e, n, "actor_stub_ctx_cast", "ctx", &cast);
}

static void emit_actor_source(emitter *e, const ast_decl *d)
{
    emit_line(e, "/* ---- actor %s */", emit_idl_name(e, d));
    emit_blank(e);
    for (size_t i = 0; i < d->methods.len; i++)
        emit_method_skeleton(e, d->methods.items[i], names_of(e, d, d->methods.items[i]));
    emit_type(e, d);
    emit_spawn(e, d);
    emit_spawn_spec(e, d);
    emit_pool_opts(e, d);
    emit_spawn_pool(e, d);
    emit_child(e, d);
    for (size_t i = 0; i < d->methods.len; i++) {
        method_names n = names_of(e, d, d->methods.items[i]);
        emit_line(e, "/* %s: client stubs */", n.idl);
        emit_blank(e);
        if (n.rpc)
            emit_rpc_stubs(e, &n);
        else
            emit_cast_stubs(e, &n);
    }
}

void emit_actor_defs(emitter *e)
{
    emit_support(e);
    for (size_t i = 0; i < e->m->decls.len; i++) {
        const ast_decl *d = e->m->decls.items[i];
        if (d->kind == DECL_ACTOR)
            emit_actor_source(e, d);
    }
}
