/*
 * emit_schema.c - per actor, its methods and the messages and enums they
 * reach, as a JSON text in the generated source (actor_type.schema), so
 * that a running system can describe its actors to a caller that has no
 * .actor file (the introspection service's `describe`, actorctl's `call`).
 *
 *   {"type": "calc.Calculator",
 *    "methods": [{"name": "calculate", "kind": "rpc",
 *                 "param": "calc.CalcRequest", "result": "calc.CalcResponse"}],
 *    "messages": {"calc.CalcRequest": [{"id": 1, "name": "a", "type": "float64"}]},
 *    "enums": {"calc.Op": {"ADD": 0}}}
 *
 * A type is a scalar's IDL spelling, a message's or enum's qualified name,
 * "list<T>" or "map<K, V>". "param" and "result" are absent for ().
 */
#include "emit.h"

#include <inttypes.h>
#include <string.h>

/* One line of the literal: `json` (names and spellings only, which need no
 * JSON escapes) as C string text. */
static void emit_piece(emitter *e, const char *json)
{
    emit_line(e, "%s", emit_c_string(e, json, strlen(json)));
}

static void emit_methods(emitter *e, const ast_decl *actor)
{
    arena *a = e->p->arena;

    emit_piece(e, arena_printf(a, "{\"type\": \"%s\", \"methods\": [", emit_idl_name(e, actor)));
    for (size_t i = 0; i < actor->methods.len; i++) {
        const ast_method *m = actor->methods.items[i];
        const char *text = arena_printf(a, "{\"name\": \"%s\", \"kind\": \"%s\"", m->name,
                                        m->kind == METHOD_RPC ? "rpc" : "cast");
        if (m->param != NULL)
            text = arena_printf(a, "%s, \"param\": \"%s\"", text, emit_idl_type(e, m->param));
        if (m->kind == METHOD_RPC && m->result != NULL)
            text = arena_printf(a, "%s, \"result\": \"%s\"", text, emit_idl_type(e, m->result));
        emit_piece(e, arena_printf(a, "%s}%s", text, i + 1 < actor->methods.len ? ", " : ""));
    }
}

static void emit_message(emitter *e, const ast_decl *d, bool last)
{
    arena *a = e->p->arena;
    const char *text = arena_printf(a, "\"%s\": [", emit_idl_name(e, d));

    for (size_t i = 0; i < d->fields.len; i++) {
        const ast_field *f = d->fields.items[i];
        text = arena_printf(a, "%s%s{\"id\": %" PRIu64 ", \"name\": \"%s\", \"type\": \"%s\"}",
                            text, i > 0 ? ", " : "", f->id, f->name, emit_idl_type(e, f->type));
    }
    emit_piece(e, arena_printf(a, "%s]%s", text, last ? "" : ", "));
}

static void emit_enum(emitter *e, const ast_decl *d, bool last)
{
    arena *a = e->p->arena;
    const char *text = arena_printf(a, "\"%s\": {", emit_idl_name(e, d));

    for (size_t i = 0; i < d->members.len; i++) {
        const ast_enum_member *m = d->members.items[i];
        text = arena_printf(a, "%s%s\"%s\": %" PRId64, text, i > 0 ? ", " : "", m->name,
                            m->number);
    }
    emit_piece(e, arena_printf(a, "%s}%s", text, last ? "" : ", "));
}

/* Emits the decls of `found` of one kind, comma-separated. */
static void emit_decls(emitter *e, const ptr_vec *found, decl_kind kind)
{
    size_t n = 0, done = 0;

    for (size_t i = 0; i < found->len; i++)
        n += ((const ast_decl *)found->items[i])->kind == kind;
    for (size_t i = 0; i < found->len; i++) {
        const ast_decl *d = found->items[i];
        if (d->kind != kind)
            continue;
        done++;
        if (kind == DECL_MESSAGE)
            emit_message(e, d, done == n);
        else
            emit_enum(e, d, done == n);
    }
}

void emit_actor_schema(emitter *e, const ast_decl *actor)
{
    ptr_vec found = {0};

    for (size_t i = 0; i < actor->methods.len; i++) {
        const ast_method *m = actor->methods.items[i];
        emit_collect_type(e, &found, m->param);
        if (m->kind == METHOD_RPC)
            emit_collect_type(e, &found, m->result);
    }
    emit_line(e, "/* %s's methods and the messages and enums they use, as JSON: what the",
              emit_idl_name(e, actor));
    emit_line(e, " * introspection service's describe answers (actor_type.schema). */");
    emit_open(e, "static const char %s__schema[] =", emit_cname(e, actor));
    emit_methods(e, actor);
    emit_piece(e, "], \"messages\": {");
    emit_decls(e, &found, DECL_MESSAGE);
    emit_piece(e, "}, \"enums\": {");
    emit_decls(e, &found, DECL_ENUM);
    emit_line(e, "%s;", emit_c_string(e, "}}", 2));
    e->indent--;
    emit_blank(e);
}
