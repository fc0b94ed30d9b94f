/*
 * emit_dot.c - actorc --dot: one Graphviz graph (for `dot -Tsvg`) of the
 * inputs' actors, their methods, and the messages, enums and error codes
 * those take, return and raise, with each message's fields and the types
 * they hold.
 *
 *   an actor      a box: its name, its pool, restart, mailbox and
 *                 isolation settings where they are declared, a row per
 *                 method ("rpc calculate", "cast log")
 *   a message     a box: its name, a row per field ("1: a float64")
 *   enum, errors  a box: its name, a row per member
 *   edges         method -> its parameter ("takes"), -> its result
 *                 ("returns", dashed), -> the errors it raises (dotted);
 *                 field -> the message or enum it holds (grey)
 *
 * Every declaration of an input file is drawn, and every one an input's
 * declarations reach in imported files. Nodes are named by their IDL
 * names ("calc.Calculator"), labels are Graphviz HTML-like labels.
 */
#include "emit.h"

#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

/* The colours of the node kinds' title rows. */
#define COLOUR_ACTOR "#cfe2f3"
#define COLOUR_MESSAGE "#fff2cc"
#define COLOUR_ENUM "#d9ead3"
#define COLOUR_ERRORS "#f4cccc"

/* Text for an HTML-like label: & < > " escaped. */
static const char *html(emitter *e, const char *s)
{
    size_t n = 0;
    char *out, *o;

    for (const char *c = s; *c != '\0'; c++)
        n += *c == '&' ? 5 : *c == '<' || *c == '>' ? 4 : *c == '"' ? 6 : 1;
    out = o = arena_alloc(e->p->arena, n + 1);
    for (const char *c = s; *c != '\0'; c++) {
        const char *rep = *c == '&'   ? "&amp;"
                          : *c == '<' ? "&lt;"
                          : *c == '>' ? "&gt;"
                          : *c == '"' ? "&quot;"
                                      : NULL;
        if (rep != NULL) {
            memcpy(o, rep, strlen(rep));
            o += strlen(rep);
        } else {
            *o++ = *c;
        }
    }
    *o = '\0';
    return out;
}

static bool has_annotation(const ast_decl *d, const char *name)
{
    for (size_t i = 0; i < d->annotations.len; i++)
        if (strcmp(((const ast_annotation *)d->annotations.items[i])->name, name) == 0)
            return true;
    return false;
}

/* Adds d (once) and everything it reaches to `drawn`: a message's field
 * types, an actor's parameters, results and raised error codes. */
static void reach_decl(emitter *e, ptr_vec *drawn, const ast_decl *d)
{
    if (d->kind == DECL_CONST)
        return;
    if (d->kind != DECL_ACTOR) {
        emit_collect_decl(e, drawn, d);
        return;
    }
    for (size_t i = 0; i < drawn->len; i++)
        if (drawn->items[i] == d)
            return;
    ptr_vec_push(e->p->arena, drawn, (void *)(uintptr_t)d);
    for (size_t i = 0; i < d->methods.len; i++) {
        const ast_method *m = d->methods.items[i];
        emit_collect_type(e, drawn, m->param);
        emit_collect_type(e, drawn, m->result);
        for (size_t j = 0; j < m->raises.len; j++)
            emit_collect_type(e, drawn, m->raises.items[j]);
    }
}

static void title_row(emitter *e, const char *colour, const char *kind, const ast_decl *d)
{
    emit_line(e, "<tr><td bgcolor=\"%s\"><b>%s %s</b></td></tr>", colour, kind,
              html(e, emit_idl_name(e, d)));
}

static void row(emitter *e, const char *port, const char *text)
{
    if (port != NULL)
        emit_line(e, "<tr><td port=\"%s\" align=\"left\">%s</td></tr>", port, html(e, text));
    else
        emit_line(e, "<tr><td align=\"left\">%s</td></tr>", html(e, text));
}

static const char *const balance_names[] = {"round_robin", "least_loaded", "random2",
                                            "key_hash"};
static const char *const overflow_names[] = {"block", "reject", "drop_oldest"};

/* An actor's declared settings, one row each. */
static void actor_settings_rows(emitter *e, const ast_decl *d)
{
    const actor_settings *s = &d->settings;
    arena *a = e->p->arena;

    if (has_annotation(d, "pool"))
        row(e, NULL,
            s->balance == BALANCE_KEY_HASH
                ? arena_printf(a, "pool of %" PRIu32 ", key_hash(%s)", s->pool_size, s->key_field)
                : arena_printf(a, "pool of %" PRIu32 ", %s", s->pool_size,
                               balance_names[s->balance]));
    if (has_annotation(d, "restart"))
        row(e, NULL,
            arena_printf(a, "restart: %" PRIu32 " in %" PRIu64 " ms, backoff %" PRIu64 " ms",
                         s->restart_max, s->restart_window_ms, s->restart_backoff_ms));
    if (has_annotation(d, "mailbox"))
        row(e, NULL,
            arena_printf(a, "mailbox of %" PRIu32 ", %s", s->mailbox_capacity,
                         overflow_names[s->overflow]));
    if (has_annotation(d, "isolation"))
        row(e, NULL, s->isolation == ISOLATION_PROCESS ? "isolation: process"
                                                        : "isolation: thread");
}

static void node(emitter *e, const ast_decl *d)
{
    arena *a = e->p->arena;

    emit_line(e, "\"%s\" [label=<", emit_idl_name(e, d));
    emit_line(e, "<table border=\"0\" cellborder=\"1\" cellspacing=\"0\" cellpadding=\"4\">");
    switch (d->kind) {
    case DECL_ACTOR:
        title_row(e, COLOUR_ACTOR, "actor", d);
        actor_settings_rows(e, d);
        for (size_t i = 0; i < d->methods.len; i++) {
            const ast_method *m = d->methods.items[i];
            row(e, arena_printf(a, "m%zu", i),
                arena_printf(a, "%s %s", m->kind == METHOD_RPC ? "rpc" : "cast", m->name));
        }
        break;
    case DECL_MESSAGE:
        title_row(e, COLOUR_MESSAGE, "message", d);
        for (size_t i = 0; i < d->fields.len; i++) {
            const ast_field *f = d->fields.items[i];
            row(e, arena_printf(a, "f%" PRIu64, f->id),
                arena_printf(a, "%" PRIu64 ": %s%s %s", f->id, f->optional ? "optional " : "",
                             emit_idl_type(e, f->type), f->name));
        }
        break;
    case DECL_ENUM:
    case DECL_ERRORS:
        title_row(e, d->kind == DECL_ENUM ? COLOUR_ENUM : COLOUR_ERRORS,
                  d->kind == DECL_ENUM ? "enum" : "errors", d);
        for (size_t i = 0; i < d->members.len; i++) {
            const ast_enum_member *mem = d->members.items[i];
            row(e, NULL, arena_printf(a, "%s = %" PRId64, mem->name, mem->number));
        }
        break;
    case DECL_CONST: break;
    }
    emit_line(e, "</table>>];");
}

/* The named declarations t holds (for a list or map, its elements'). */
static void type_edges(emitter *e, const char *from, const ast_type *t)
{
    switch (t->kind) {
    case TYPE_SCALAR: break;
    case TYPE_NAMED:
        emit_line(e, "%s -> \"%s\" [color=gray50];", from, emit_idl_name(e, t->resolved));
        break;
    case TYPE_LIST: type_edges(e, from, t->elem); break;
    case TYPE_MAP:
        type_edges(e, from, t->key);
        type_edges(e, from, t->value);
        break;
    }
}

static void edges(emitter *e, const ast_decl *d)
{
    arena *a = e->p->arena;

    for (size_t i = 0; d->kind == DECL_MESSAGE && i < d->fields.len; i++) {
        const ast_field *f = d->fields.items[i];
        type_edges(e, arena_printf(a, "\"%s\":f%" PRIu64, emit_idl_name(e, d), f->id), f->type);
    }
    for (size_t i = 0; d->kind == DECL_ACTOR && i < d->methods.len; i++) {
        const ast_method *m = d->methods.items[i];
        const char *from = arena_printf(a, "\"%s\":m%zu", emit_idl_name(e, d), i);
        if (m->param != NULL)
            emit_line(e, "%s -> \"%s\" [label=\"takes\"];", from,
                      emit_idl_name(e, m->param->resolved));
        if (m->result != NULL)
            emit_line(e, "%s -> \"%s\" [label=\"returns\", style=dashed];", from,
                      emit_idl_name(e, m->result->resolved));
        for (size_t j = 0; j < m->raises.len; j++)
            emit_line(e, "%s -> \"%s\" [label=\"raises\", style=dotted, color=\"#cc0000\"];",
                      from, emit_idl_name(e, ((const ast_type *)m->raises.items[j])->resolved));
    }
}

static void emit_dot(emitter *e, const ptr_vec *roots)
{
    ptr_vec drawn = {0};

    for (size_t r = 0; r < roots->len; r++) {
        const ast_module *m = roots->items[r];
        for (size_t i = 0; i < m->decls.len; i++)
            reach_decl(e, &drawn, m->decls.items[i]);
    }
    emit_line(e, "// Generated by actorc %s --dot. Render with: dot -Tsvg", ACTORC_VERSION);
    emit_open(e, "digraph actorc {");
    emit_line(e, "rankdir=LR;");
    emit_line(e, "node [shape=plaintext, fontname=\"Helvetica\", fontsize=10];");
    emit_line(e, "edge [fontname=\"Helvetica\", fontsize=9];");
    for (size_t i = 0; i < drawn.len; i++)
        node(e, drawn.items[i]);
    for (size_t i = 0; i < drawn.len; i++)
        edges(e, drawn.items[i]);
    emit_close(e, "}");
}

int emit_dot_graph(program *p, const ptr_vec *roots, FILE *out)
{
    emitter e = {.p = p};
    bool failed;

    emit_dot(&e, roots);
    failed = fwrite(e.buf != NULL ? e.buf : "", 1, e.len, out) != e.len || fflush(out) != 0;
    free(e.buf);
    if (failed) {
        diag_error(p->diags, (src_loc){0}, "cannot write the graph: %s", strerror(errno));
        return -1;
    }
    return 0;
}
