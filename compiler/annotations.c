/*
 * annotations.c - the known annotations (DESIGN.md section 2) as a table,
 * and their translation into typed settings.
 *
 * Each entry says where the annotation may appear, how its arguments are
 * written (positionally, like @priority(200), or by name, like
 * @pool(size = 4)), the type and range of each argument, and the function
 * that stores the validated values. Everything else in this file is generic:
 * unknown names get the nearest known one suggested, arguments are checked
 * against the table, and an annotation is applied only when all of its
 * arguments are valid, so a bad one leaves the documented default.
 */
#include <string.h>

#include "sema.h"

/* Where an annotation can be written. */
typedef enum place {
    PLACE_MESSAGE = 1 << 0,
    PLACE_ACTOR = 1 << 1,
    PLACE_RPC = 1 << 2,
    PLACE_CAST = 1 << 3,
    PLACE_FIELD = 1 << 4,
    PLACE_ENUM = 1 << 5,
    PLACE_ERRORS = 1 << 6,
    PLACE_CONST = 1 << 7,
} place;

typedef enum arg_kind {
    ARG_INT,      /* a non-negative integer in [min, max] */
    ARG_DURATION, /* 250ms, 60s, 2m; [min, max] in milliseconds */
    ARG_CHOICE,   /* one of `choices`, written as a bare name */
} arg_kind;

#define MAX_ARGS 3

typedef struct arg_spec {
    const char *name; /* named argument; for positional ones, a label */
    arg_kind kind;
    uint64_t min, max;
    const char *unit;           /* ARG_DURATION: unit suggested for a bare number */
    const char *const *choices; /* ARG_CHOICE: NULL-terminated */
    const char *call_choice;    /* ARG_CHOICE: the choice written choice(field) */
    bool required;
} arg_spec;

/* The validated arguments of one annotation, by index into its specs. */
typedef struct arg_values {
    bool given[MAX_ARGS];
    const ast_annot_arg *arg[MAX_ARGS];
    uint64_t number[MAX_ARGS]; /* ARG_INT value, ARG_DURATION milliseconds */
    int choice[MAX_ARGS];      /* ARG_CHOICE index */
} arg_values;

/* What an annotation is written on: a message or actor, or a method. */
typedef struct annot_target {
    ast_decl *decl;     /* the declaration (for a method: its actor) */
    ast_method *method; /* or NULL */
} annot_target;

typedef struct annot_ctx {
    program *p;
    annot_target target;
} annot_ctx;

typedef struct annot_spec {
    const char *name;
    unsigned places;
    const char *applies_to; /* `places` in words, for "applies to X, not Y" */
    const char *usage;      /* how to write it, e.g. "@priority(n), n in 0..255" */
    bool positional;
    size_t nargs;
    arg_spec args[MAX_ARGS];
    void (*apply)(annot_ctx *c, const ast_annotation *a, const arg_values *v);
} annot_spec;

enum {
    PRIORITY_MAX = 255,
    POOL_SIZE_MAX = 1024,
    MAILBOX_CAPACITY_MAX = 1 << 24,
    RESTART_MAX_MAX = 1000,
    RETRIES_MAX = 100,
};
#define MS_PER_HOUR UINT64_C(3600000)
#define MS_PER_DAY (24 * MS_PER_HOUR)

static const char *const balance_choices[] = {"round_robin", "least_loaded", "random2", "key_hash",
                                              NULL};
static const char *const overflow_choices[] = {"block", "reject", "drop_oldest", NULL};
static const char *const isolation_choices[] = {"thread", "process", NULL};

/* ----------------------------------------------------- apply functions */

static void apply_priority(annot_ctx *c, const ast_annotation *a, const arg_values *v)
{
    (void)a;
    uint8_t prio = (uint8_t)v->number[0];
    if (c->target.method) {
        c->target.method->settings.has_priority = true;
        c->target.method->settings.priority = prio;
    } else {
        c->target.decl->has_priority = true;
        c->target.decl->priority = prio;
    }
}

static bool is_hashable(const ast_type *t)
{
    if (t->kind == TYPE_SCALAR)
        return !scalar_is_float(t->scalar);
    return t->kind == TYPE_NAMED && t->resolved && t->resolved->kind == DECL_ENUM;
}

static const ast_field *find_field(const ast_decl *msg, const char *name)
{
    for (size_t i = 0; i < msg->fields.len; i++) {
        const ast_field *f = msg->fields.items[i];
        if (strcmp(f->name, name) == 0)
            return f;
    }
    return NULL;
}

/* key_hash(field): every method that takes a message must be able to route
 * by `field`, so the field must exist in each parameter message and be
 * something that hashes deterministically. Each method's settings record
 * its parameter's field (the methods' own annotations are applied first). */
static void bind_key_field(annot_ctx *c, const ast_annot_arg *arg)
{
    const ast_decl *actor = c->target.decl;
    const char *key = arg->call_arg;
    for (size_t i = 0; i < actor->methods.len; i++) {
        ast_method *m = actor->methods.items[i];
        const ast_decl *msg = m->param ? m->param->resolved : NULL;
        if (!msg || msg->kind != DECL_MESSAGE)
            continue;
        const ast_field *f = find_field(msg, key);
        if (!f && (msg->incomplete || msg->module->syntax_errors))
            continue; /* the field may be what recovery dropped */
        if (!f) {
            diag_error(c->p->diags, arg->value->loc,
                       "key_hash field '%s' is missing from message '%s', the parameter of '%s'",
                       key, msg->name, m->name);
            diag_note(c->p->diags, m->param->loc, "'%s' takes '%s' here", m->name, msg->name);
        } else if (!is_hashable(f->type)) {
            diag_error(c->p->diags, arg->value->loc,
                       "key_hash field '%s.%s' has type %s; a key must be an integer, bool, "
                       "string, bytes or enum field",
                       msg->name, key, sema_type_spelling(c->p, f->type));
            diag_note(c->p->diags, f->loc, "'%s.%s' is declared here", msg->name, key);
        } else {
            m->settings.key_field = f;
        }
    }
}

static void apply_pool(annot_ctx *c, const ast_annotation *a, const arg_values *v)
{
    (void)a;
    actor_settings *s = &c->target.decl->settings;
    s->pool_size = (uint32_t)v->number[0];
    if (!v->given[1])
        return;
    s->balance = (balance_kind)v->choice[1];
    if (s->balance == BALANCE_KEY_HASH) {
        s->key_field = v->arg[1]->call_arg;
        bind_key_field(c, v->arg[1]);
    }
}

static void apply_mailbox(annot_ctx *c, const ast_annotation *a, const arg_values *v)
{
    (void)a;
    actor_settings *s = &c->target.decl->settings;
    s->mailbox_capacity = (uint32_t)v->number[0];
    if (v->given[1])
        s->overflow = (overflow_kind)v->choice[1];
}

static void apply_restart(annot_ctx *c, const ast_annotation *a, const arg_values *v)
{
    (void)a;
    actor_settings *s = &c->target.decl->settings;
    s->restart_max = (uint32_t)v->number[0];
    if (v->given[1])
        s->restart_window_ms = v->number[1];
    if (v->given[2])
        s->restart_backoff_ms = v->number[2];
}

static void apply_isolation(annot_ctx *c, const ast_annotation *a, const arg_values *v)
{
    (void)a;
    c->target.decl->settings.isolation = (isolation_kind)v->choice[0];
}

static void apply_timeout(annot_ctx *c, const ast_annotation *a, const arg_values *v)
{
    (void)a;
    c->target.method->settings.has_timeout = true;
    c->target.method->settings.timeout_ms = v->number[0];
}

static void apply_retries(annot_ctx *c, const ast_annotation *a, const arg_values *v)
{
    (void)a;
    c->target.method->settings.retries = (uint32_t)v->number[0];
}

static void apply_queue(annot_ctx *c, const ast_annotation *a, const arg_values *v)
{
    (void)a;
    (void)v;
    c->target.decl->queue_items = true;
}

static void apply_idempotent(annot_ctx *c, const ast_annotation *a, const arg_values *v)
{
    (void)a;
    (void)v;
    c->target.method->settings.idempotent = true;
}

/* ------------------------------------------------------------ the table */

static const annot_spec known_annotations[] = {
    {"priority", PLACE_MESSAGE | PLACE_RPC | PLACE_CAST, "messages and methods",
     "@priority(n) with n in 0..255", true, 1,
     {{"priority", ARG_INT, 0, PRIORITY_MAX, NULL, NULL, NULL, true}}, apply_priority},
    {"pool", PLACE_ACTOR, "actors", "@pool(size = n, balance = round_robin)", false, 2,
     {{"size", ARG_INT, 1, POOL_SIZE_MAX, NULL, NULL, NULL, true},
      {"balance", ARG_CHOICE, 0, 0, NULL, balance_choices, "key_hash", false}},
     apply_pool},
    {"mailbox", PLACE_ACTOR, "actors", "@mailbox(capacity = n, overflow = block)", false, 2,
     {{"capacity", ARG_INT, 1, MAILBOX_CAPACITY_MAX, NULL, NULL, NULL, true},
      {"overflow", ARG_CHOICE, 0, 0, NULL, overflow_choices, NULL, false}},
     apply_mailbox},
    {"restart", PLACE_ACTOR, "actors", "@restart(max = n, window = 60s, backoff = 100ms)", false, 3,
     {{"max", ARG_INT, 0, RESTART_MAX_MAX, NULL, NULL, NULL, true},
      {"window", ARG_DURATION, 1, MS_PER_DAY, "s", NULL, NULL, false},
      {"backoff", ARG_DURATION, 0, MS_PER_HOUR, "ms", NULL, NULL, false}},
     apply_restart},
    {"isolation", PLACE_ACTOR, "actors", "@isolation(thread) or @isolation(process)", true, 1,
     {{"isolation", ARG_CHOICE, 0, 0, NULL, isolation_choices, NULL, true}}, apply_isolation},
    {"timeout", PLACE_RPC, "rpc methods", "@timeout(250ms)", true, 1,
     {{"timeout", ARG_DURATION, 1, MS_PER_DAY, "ms", NULL, NULL, true}}, apply_timeout},
    {"retries", PLACE_RPC, "rpc methods", "@retries(n) with n in 0..100", true, 1,
     {{"retries", ARG_INT, 0, RETRIES_MAX, NULL, NULL, NULL, true}}, apply_retries},
    {"idempotent", PLACE_RPC | PLACE_CAST, "methods", "@idempotent", true, 0, {{0}},
     apply_idempotent},
    {"queue", PLACE_MESSAGE, "messages", "@queue", true, 0, {{0}}, apply_queue},
};

#define KNOWN_COUNT (sizeof known_annotations / sizeof known_annotations[0])

static const annot_spec *find_spec(const char *name)
{
    for (size_t i = 0; i < KNOWN_COUNT; i++)
        if (strcmp(known_annotations[i].name, name) == 0)
            return &known_annotations[i];
    return NULL;
}

/* ------------------------------------------------------ names and words */

static const char *place_words(place pl)
{
    switch (pl) {
    case PLACE_MESSAGE:
        return "messages";
    case PLACE_ACTOR:
        return "actors";
    case PLACE_RPC:
        return "rpc methods";
    case PLACE_CAST:
        return "casts";
    case PLACE_FIELD:
        return "fields";
    case PLACE_ENUM:
        return "enums";
    case PLACE_ERRORS:
        return "errors declarations";
    case PLACE_CONST:
        return "constants";
    }
    return "this";
}

static place decl_place(decl_kind k)
{
    switch (k) {
    case DECL_CONST:
        return PLACE_CONST;
    case DECL_ENUM:
        return PLACE_ENUM;
    case DECL_ERRORS:
        return PLACE_ERRORS;
    case DECL_MESSAGE:
        return PLACE_MESSAGE;
    case DECL_ACTOR:
        return PLACE_ACTOR;
    }
    return PLACE_CONST;
}

static const char *bare_name(const char *name)
{
    return name[0] == '@' ? name + 1 : name;
}

/* 90000 -> "90s", 120000 -> "2m", 250 -> "250ms". */
static const char *duration_words(program *p, uint64_t ms)
{
    unsigned long long n = (unsigned long long)ms;
    if (ms != 0 && ms % 60000 == 0)
        return arena_printf(p->arena, "%llum", n / 60000);
    if (ms != 0 && ms % 1000 == 0)
        return arena_printf(p->arena, "%llus", n / 1000);
    return arena_printf(p->arena, "%llums", n);
}

static const char *choice_list(program *p, const arg_spec *s)
{
    const char *out = "";
    for (size_t i = 0; s->choices[i]; i++) {
        bool call = s->call_choice && strcmp(s->choices[i], s->call_choice) == 0;
        out = arena_printf(p->arena, "%s%s%s%s", out, i ? ", " : "", s->choices[i],
                           call ? "(field)" : "");
    }
    return out;
}

/* "argument 'size' of @pool" or "the value of @priority". */
static const char *arg_label(program *p, const annot_spec *spec, const arg_spec *s)
{
    if (spec->positional)
        return arena_printf(p->arena, "the value of @%s", spec->name);
    return arena_printf(p->arena, "argument '%s' of @%s", s->name, spec->name);
}

/* ---------------------------------------------------- argument checking */

static bool parse_int_arg(program *p, const annot_spec *spec, const arg_spec *s,
                          const ast_value *v, uint64_t *out)
{
    if (v->kind != VALUE_INT) {
        diag_error(p->diags, v->loc, "%s must be an integer, not %s", arg_label(p, spec, s),
                   sema_describe_value(p, v));
        return false;
    }
    bool in_range = !(v->negative && v->u != 0) && v->u >= s->min && v->u <= s->max;
    if (!in_range) {
        diag_error(p->diags, v->loc, "%s must be in %llu..%llu, not %s", arg_label(p, spec, s),
                   (unsigned long long)s->min, (unsigned long long)s->max,
                   sema_value_spelling(p, v));
        return false;
    }
    *out = v->u;
    return true;
}

static bool parse_duration_arg(program *p, const annot_spec *spec, const arg_spec *s,
                               const ast_value *v, uint64_t *out)
{
    if (v->kind == VALUE_INT && !v->negative) {
        diag_error(p->diags, v->loc,
                   "%s must be a duration with a unit (ms, s or m); did you mean '%llu%s'?",
                   arg_label(p, spec, s), (unsigned long long)v->u, s->unit);
        return false;
    }
    if (v->kind != VALUE_DURATION) {
        diag_error(p->diags, v->loc, "%s must be a duration such as 250ms, 60s or 2m, not %s",
                   arg_label(p, spec, s), sema_describe_value(p, v));
        return false;
    }
    if (v->u < s->min || v->u > s->max) {
        diag_error(p->diags, v->loc, "%s must be in %s..%s, not %s", arg_label(p, spec, s),
                   duration_words(p, s->min), duration_words(p, s->max),
                   sema_value_spelling(p, v));
        return false;
    }
    *out = v->u;
    return true;
}

static int find_choice(const arg_spec *s, const char *word)
{
    for (int i = 0; s->choices[i]; i++)
        if (strcmp(s->choices[i], word) == 0)
            return i;
    return -1;
}

static bool parse_choice_arg(program *p, const annot_spec *spec, const arg_spec *s,
                             const ast_annot_arg *arg, int *out)
{
    const ast_value *v = arg->value;
    if (v->kind != VALUE_IDENT || !v->str) {
        diag_error(p->diags, v->loc, "%s must be one of %s, not %s", arg_label(p, spec, s),
                   choice_list(p, s), sema_describe_value(p, v));
        return false;
    }
    int choice = find_choice(s, v->str);
    if (choice < 0) {
        const char *hint = diag_suggest(v->str, s->choices);
        if (hint)
            diag_error(p->diags, v->loc, "unknown %s '%s' in @%s; did you mean '%s'?", s->name,
                       v->str, spec->name, hint);
        else
            diag_error(p->diags, v->loc, "unknown %s '%s' in @%s; expected one of %s", s->name,
                       v->str, spec->name, choice_list(p, s));
        return false;
    }
    bool wants_field = s->call_choice && strcmp(v->str, s->call_choice) == 0;
    if (wants_field && !arg->call_arg) {
        diag_error(p->diags, v->loc, "'%s' needs the field to hash: %s(field)", v->str, v->str);
        return false;
    }
    if (!wants_field && arg->call_arg) {
        diag_error(p->diags, v->loc, "'%s' takes no field; only %s(field) does", v->str,
                   s->call_choice ? s->call_choice : "key_hash");
        return false;
    }
    *out = choice;
    return true;
}

static bool parse_value(program *p, const annot_spec *spec, size_t slot, const ast_annot_arg *arg,
                        arg_values *vals)
{
    const arg_spec *s = &spec->args[slot];
    switch (s->kind) {
    case ARG_INT:
        return parse_int_arg(p, spec, s, arg->value, &vals->number[slot]);
    case ARG_DURATION:
        return parse_duration_arg(p, spec, s, arg->value, &vals->number[slot]);
    case ARG_CHOICE:
        return parse_choice_arg(p, spec, s, arg, &vals->choice[slot]);
    }
    return false;
}

static int find_arg_spec(const annot_spec *spec, const char *name)
{
    for (size_t i = 0; i < spec->nargs; i++)
        if (strcmp(spec->args[i].name, name) == 0)
            return (int)i;
    return -1;
}

static void report_unknown_arg(program *p, const annot_spec *spec, const ast_annot_arg *arg)
{
    const char *names[MAX_ARGS + 1] = {0};
    const char *list = "";
    for (size_t i = 0; i < spec->nargs; i++) {
        names[i] = spec->args[i].name;
        list = arena_printf(p->arena, "%s%s%s", list, i ? ", " : "", names[i]);
    }
    const char *hint = diag_suggest(arg->name, names);
    if (hint)
        diag_error(p->diags, arg->loc, "unknown argument '%s' of @%s; did you mean '%s'?",
                   arg->name, spec->name, hint);
    else
        diag_error(p->diags, arg->loc, "unknown argument '%s' of @%s; it takes %s", arg->name,
                   spec->name, list);
}

/* The slot `arg` fills, or -1 after reporting why it fits none. */
static int arg_slot(program *p, const annot_spec *spec, const ast_annot_arg *arg, size_t position,
                    const arg_values *vals)
{
    if (spec->positional) {
        if (arg->name) {
            diag_error(p->diags, arg->loc, "@%s takes no named arguments; write %s", spec->name,
                       spec->usage);
            return -1;
        }
        if (position >= spec->nargs) {
            if (spec->nargs == 0)
                diag_error(p->diags, arg->loc, "@%s takes no arguments", spec->name);
            else
                diag_error(p->diags, arg->loc, "too many arguments to @%s; write %s", spec->name,
                           spec->usage);
            return -1;
        }
        return (int)position;
    }
    if (!arg->name) {
        diag_error(p->diags, arg->loc, "arguments of @%s are named; write %s", spec->name,
                   spec->usage);
        return -1;
    }
    int slot = find_arg_spec(spec, arg->name);
    if (slot < 0) {
        report_unknown_arg(p, spec, arg);
        return -1;
    }
    if (vals->given[slot]) {
        diag_error(p->diags, arg->loc, "duplicate argument '%s' in @%s", arg->name, spec->name);
        diag_note(p->diags, vals->arg[slot]->loc, "'%s' was first given here", arg->name);
        return -1;
    }
    return slot;
}

static bool check_required(program *p, const annot_spec *spec, const ast_annotation *a,
                           const arg_values *vals)
{
    bool ok = true;
    for (size_t i = 0; i < spec->nargs; i++) {
        if (!spec->args[i].required || vals->given[i])
            continue;
        if (spec->positional)
            diag_error(p->diags, a->loc, "@%s needs a value; write %s", spec->name, spec->usage);
        else
            diag_error(p->diags, a->loc, "@%s needs '%s'; write %s", spec->name,
                       spec->args[i].name, spec->usage);
        ok = false;
    }
    return ok;
}

/* Validates the arguments of `a` against `spec`; true when all are good. */
static bool parse_args(program *p, const annot_spec *spec, const ast_annotation *a,
                       arg_values *vals)
{
    bool ok = true;
    for (size_t i = 0; i < a->args.len; i++) {
        const ast_annot_arg *arg = a->args.items[i];
        int slot = arg_slot(p, spec, arg, i, vals);
        if (slot < 0) {
            ok = false;
            continue;
        }
        vals->given[slot] = true;
        vals->arg[slot] = arg;
        if (!parse_value(p, spec, (size_t)slot, arg, vals))
            ok = false;
    }
    /* A missing argument is only worth reporting when the others were
     * understood; after a misspelt name it would repeat the same mistake. */
    return ok && check_required(p, spec, a, vals);
}

/* ------------------------------------------------------------- driving */

static void report_unknown_annotation(program *p, const ast_annotation *a, const char *name)
{
    const char *names[KNOWN_COUNT + 1] = {0};
    for (size_t i = 0; i < KNOWN_COUNT; i++)
        names[i] = known_annotations[i].name;
    const char *hint = diag_suggest(name, names);
    if (hint) {
        diag_error(p->diags, a->loc, "unknown annotation '@%s'; did you mean '@%s'?", name, hint);
        return;
    }
    const char *list = "";
    for (size_t i = 0; i < KNOWN_COUNT; i++)
        list = arena_printf(p->arena, "%s%s@%s", list, i ? ", " : "", names[i]);
    diag_error(p->diags, a->loc, "unknown annotation '@%s'; known annotations are %s", name, list);
}

/* The earlier annotation of `list` (before index `upto`) named `name`. */
static const ast_annotation *earlier_same(const ptr_vec *list, size_t upto, const char *name)
{
    for (size_t i = 0; i < upto; i++) {
        const ast_annotation *a = list->items[i];
        if (strcmp(bare_name(a->name), name) == 0)
            return a;
    }
    return NULL;
}

/* Validates and applies every annotation in `list`, written on something
 * at place `pl`. */
static void apply_list(annot_ctx *c, const ptr_vec *list, place pl)
{
    for (size_t i = 0; i < list->len; i++) {
        const ast_annotation *a = list->items[i];
        const char *name = bare_name(a->name);
        const annot_spec *spec = find_spec(name);
        if (!spec) {
            report_unknown_annotation(c->p, a, name);
            continue;
        }
        if (!(spec->places & pl)) {
            diag_error(c->p->diags, a->loc, "@%s applies to %s, not %s", name, spec->applies_to,
                       place_words(pl));
            continue;
        }
        const ast_annotation *first = earlier_same(list, i, name);
        if (first) {
            diag_error(c->p->diags, a->loc, "duplicate @%s", name);
            diag_note(c->p->diags, first->loc, "the first @%s is here", name);
            continue;
        }
        arg_values vals = {0};
        if (parse_args(c->p, spec, a, &vals))
            spec->apply(c, a, &vals);
    }
}

static void set_actor_defaults(actor_settings *s)
{
    *s = (actor_settings){
        .pool_size = 1,
        .balance = BALANCE_ROUND_ROBIN,
        .key_field = NULL,
        .mailbox_capacity = 1024,
        .overflow = OVERFLOW_BLOCK,
        .restart_max = 3,
        .restart_window_ms = 60000,
        .restart_backoff_ms = 100,
        .isolation = ISOLATION_THREAD,
    };
}

/* A retried method that is not idempotent may run twice. */
static void warn_retries_without_idempotent(program *p, const ast_method *m)
{
    if (m->settings.retries == 0 || m->settings.idempotent)
        return;
    const ast_annotation *retries = earlier_same(&m->annotations, m->annotations.len, "retries");
    diag_warning(p->diags, retries ? retries->loc : m->loc,
                 "'%s' is retried but not marked @idempotent; a retry may run it twice", m->name);
}

/* What the runtime does not run yet is said where it is written: a cast
 * is never delivered again, whatever its @idempotent says. */
static void warn_not_run_yet(program *p, const ast_method *m)
{
    if (m->kind != METHOD_CAST || !m->settings.idempotent)
        return;
    const ast_annotation *a = earlier_same(&m->annotations, m->annotations.len, "idempotent");
    diag_warning(p->diags, a ? a->loc : m->loc,
                 "@idempotent on a cast does nothing yet: a cast that was running when its "
                 "actor crashed is not delivered again");
}

static void apply_method(program *p, ast_decl *actor, ast_method *m)
{
    m->settings = (method_settings){.priority = 128};
    annot_ctx c = {.p = p, .target = {.decl = actor, .method = m}};
    apply_list(&c, &m->annotations, m->kind == METHOD_RPC ? PLACE_RPC : PLACE_CAST);
    warn_retries_without_idempotent(p, m);
    warn_not_run_yet(p, m);
}

static void apply_decl(program *p, ast_decl *d)
{
    annot_ctx c = {.p = p, .target = {.decl = d}};
    if (d->kind == DECL_MESSAGE) {
        d->has_priority = false;
        d->priority = 128;
        d->queue_items = false;
    }
    /* An actor's methods first: its @pool sets their key fields. */
    if (d->kind == DECL_ACTOR) {
        set_actor_defaults(&d->settings);
        for (size_t i = 0; i < d->methods.len; i++)
            apply_method(p, d, d->methods.items[i]);
    }
    apply_list(&c, &d->annotations, decl_place(d->kind));
    if (d->kind == DECL_MESSAGE)
        for (size_t i = 0; i < d->fields.len; i++) {
            ast_field *f = d->fields.items[i];
            apply_list(&c, &f->annotations, PLACE_FIELD);
        }
}

void sema_apply_annotations(program *p, ast_module *m)
{
    for (size_t i = 0; i < m->decls.len; i++)
        apply_decl(p, m->decls.items[i]);
}
