/*
 * emit_source.c - <stem>.c: the banner and includes, the name functions of
 * enums and error codes, and per message the parts listed in the table
 * below: lifecycle (_init/_free and their helpers, here), encoders
 * (emit_encode.c), decoders (emit_decode.c); then the actors (emit_actor.c).
 */
#include "emit.h"

#include <string.h>

/* ---------------------------------------------------------- name functions */

static void emit_name_function(emitter *e, const ast_decl *d)
{
    const char *n = emit_cname(e, d);
    bool is_enum = d->kind == DECL_ENUM;

    emit_line(e, "const char *%s_name(%s %s)", n, is_enum ? n : "int", is_enum ? "v" : "code");
    emit_open(e, "{");
    emit_line(e, "switch (%s) {", is_enum ? "v" : "code");
    for (size_t i = 0; i < d->members.len; i++) {
        const ast_enum_member *mem = d->members.items[i];
        emit_line(e, "case %s_%s:", n, mem->name);
        emit_line(e, "    return \"%s\";", mem->name);
    }
    emit_line(e, "default:");
    emit_line(e, "    return NULL;");
    emit_line(e, "}");
    emit_close(e, "}");
    emit_blank(e);
}

/* ------------------------------------------------------------- lifecycle */

/* "<path>_free(items, n)" for a map, or a list of messages/lists/maps. */
static void free_helper(emitter *e, const ast_type *t, const char *path, void *ctx)
{
    const char *type, *key_free = NULL, *value_free;

    (void)ctx;
    if (t->kind == TYPE_LIST && !emit_list_needs_helpers(t))
        return;
    if (t->kind == TYPE_MAP) {
        type = emit_path_entry(e, path);
        key_free = emit_free_stmt(e, t->key, NULL, "items[i].key", NULL);
        value_free = emit_free_stmt(e, t->value, emit_path_value(e, path), "items[i].value",
                                    emit_nested_count(e, "items[i].value"));
        if (emit_shape_of(t->value) == SHAPE_LIST || emit_shape_of(t->value) == SHAPE_MAP)
            value_free = emit_free_stmt(e, t->value, emit_path_value(e, path),
                                        emit_nested_items(e, t->value, "items[i].value"),
                                        emit_nested_count(e, "items[i].value"));
    } else {
        const char *elem_path = emit_path_elem(e, path);
        type = emit_ctype(e, t->elem, elem_path);
        if (emit_shape_of(t->elem) == SHAPE_MESSAGE)
            value_free = emit_free_stmt(e, t->elem, elem_path, "items[i]", NULL);
        else
            value_free = emit_free_stmt(e, t->elem, elem_path,
                                        emit_nested_items(e, t->elem, "items[i]"),
                                        emit_nested_count(e, "items[i]"));
    }
    emit_line(e, "static void %s_free(%s *items, size_t n)", path, type);
    emit_open(e, "{");
    if (key_free != NULL || value_free != NULL) {
        emit_line(e, "size_t i;");
        emit_blank(e);
        emit_open(e, "for (i = 0; i < n; i++) {");
        if (key_free != NULL)
            emit_line(e, "%s;", key_free);
        if (value_free != NULL)
            emit_line(e, "%s;", value_free);
        emit_close(e, "}");
    } else {
        emit_line(e, "(void)n;");
    }
    emit_line(e, "free(items);");
    emit_close(e, "}");
    emit_blank(e);
}

static void emit_field_name_function(emitter *e, const ast_decl *d)
{
    const char *n = emit_cname(e, d);

    emit_line(e, "/* The IDL name of field `id` of %s, for error messages. */",
              emit_idl_name(e, d));
    emit_line(e, "static const char *%s_field_name(uint32_t id)", n);
    emit_open(e, "{");
    if (d->fields.len == 0) {
        emit_line(e, "(void)id;");
        emit_line(e, "return \"unknown\";");
    } else {
        emit_line(e, "switch (id) {");
        for (size_t i = 0; i < d->fields.len; i++) {
            const ast_field *f = d->fields.items[i];
            emit_line(e, "case %s:", emit_field_id(e, d, f));
            emit_line(e, "    return \"%s\";", f->name);
        }
        emit_line(e, "default:");
        emit_line(e, "    return \"unknown\";");
        emit_line(e, "}");
    }
    emit_close(e, "}");
    emit_blank(e);
}

static void emit_seen_bits(emitter *e, const ast_decl *d)
{
    const char *n = emit_cname(e, d);

    if (d->fields.len == 0)
        return;
    emit_line(e, "/* Bits of %s's fields in a decoder's set of fields seen. */",
              emit_idl_name(e, d));
    emit_open(e, "enum {");
    for (size_t i = 0; i < d->fields.len; i++) {
        const ast_field *f = d->fields.items[i];
        emit_line(e, "%s_SEEN_%s,", n, emit_upper(e, f->name));
    }
    emit_line(e, "%s_NUM_FIELDS", n);
    emit_close(e, "};");
    emit_blank(e);
}

static void emit_init(emitter *e, const ast_decl *d)
{
    const char *n = emit_cname(e, d);
    bool fails = emit_message_init_allocates(d);

    emit_line(e, "int %s__init(%s *m)", n, n);
    emit_open(e, "{");
    if (fails) {
        emit_line(e, "int rc = 0;");
        emit_blank(e);
    }
    emit_line(e, "memset(m, 0, sizeof *m);");
    for (size_t i = 0; i < d->fields.len; i++) {
        const ast_field *f = d->fields.items[i];
        emit_shape shape = emit_shape_of(f->type);
        if (f->optional)
            continue;
        if (shape == SHAPE_MESSAGE) {
            const ast_decl *sub = f->type->resolved;
            if (emit_message_init_allocates(sub)) {
                emit_line(e, "if (%s__init(&m->%s) != 0)", emit_cname(e, sub), f->name);
                emit_line(e, "    rc = ACTOR_ENOMEM;");
            } else if (emit_message_has_defaults(sub)) {
                emit_line(e, "(void)%s__init(&m->%s);", emit_cname(e, sub), f->name);
            }
            continue;
        }
        if (f->default_value == NULL)
            continue;
        if (shape == SHAPE_STRING) {
            emit_line(e, "if ((m->%s = actor_strdup(%s)) == NULL)", f->name,
                      emit_value(e, f->type, f->default_value));
            emit_line(e, "    rc = ACTOR_ENOMEM;");
        } else {
            emit_line(e, "m->%s = %s;", f->name, emit_value(e, f->type, f->default_value));
        }
    }
    emit_line(e, "return %s;", fails ? "rc" : "0");
    emit_close(e, "}");
    emit_blank(e);
    emit_line(e, "void %s_init(%s *m)", n, n);
    emit_open(e, "{");
    emit_line(e, "(void)%s__init(m);", n);
    emit_close(e, "}");
    emit_blank(e);
}

static void emit_free(emitter *e, const ast_decl *d)
{
    const char *n = emit_cname(e, d);

    emit_line(e, "void %s_free(%s *m)", n, n);
    emit_open(e, "{");
    emit_line(e, "if (m == NULL)");
    emit_line(e, "    return;");
    for (size_t i = 0; i < d->fields.len; i++) {
        const ast_field *f = d->fields.items[i];
        const char *items = arena_printf(e->p->arena, "m->%s", f->name);
        const char *count = arena_printf(e->p->arena, "m->n_%s", f->name);
        const char *stmt;
        if (emit_shape_of(f->type) == SHAPE_MESSAGE && f->optional) {
            emit_open(e, "if (m->%s != NULL) {", f->name);
            emit_line(e, "%s_free(m->%s);", emit_cname(e, f->type->resolved), f->name);
            emit_line(e, "free(m->%s);", f->name);
            emit_close(e, "}");
            continue;
        }
        stmt = emit_free_stmt(e, f->type, emit_field_path(e, d, f), items, count);
        if (stmt != NULL)
            emit_line(e, "%s;", stmt);
    }
    emit_line(e, "memset(m, 0, sizeof *m);");
    emit_close(e, "}");
    emit_blank(e);
}

void emit_lifecycle(emitter *e, const ast_decl *d)
{
    emit_line(e, "/* ---- %s */", emit_idl_name(e, d));
    emit_blank(e);
    emit_field_name_function(e, d);
    emit_seen_bits(e, d);
    for (size_t i = 0; i < d->fields.len; i++) {
        const ast_field *f = d->fields.items[i];
        emit_each_node(e, f->type, emit_field_path(e, d, f), free_helper, NULL);
    }
    emit_init(e, d);
    emit_free(e, d);
}

/* ------------------------------------------------------------------ file */

/* Per message, in order. */
static void (*const message_parts[])(emitter *e, const ast_decl *msg) = {
    emit_lifecycle,
    emit_encoders,
    emit_decoders,
};

void emit_source(emitter *e)
{
    emit_banner(e);
    emit_line(e, "#include \"%s.h\"", e->m->stem);
    emit_blank(e);
    emit_line(e, "#include <stdlib.h>");
    emit_line(e, "#include <string.h>");
    emit_blank(e);
    if (emit_has_actors(e->m)) {
        emit_line(e, "#include \"actor/stub.h\"");
        emit_blank(e);
    }
    for (size_t i = 0; i < e->m->decls.len; i++) {
        const ast_decl *d = e->m->decls.items[i];
        if (d->kind == DECL_ENUM || d->kind == DECL_ERRORS)
            emit_name_function(e, d);
    }
    for (size_t i = 0; i < e->m->decls.len; i++) {
        const ast_decl *d = e->m->decls.items[i];
        if (d->kind != DECL_MESSAGE)
            continue;
        for (size_t j = 0; j < sizeof message_parts / sizeof message_parts[0]; j++)
            message_parts[j](e, d);
    }
    emit_queue_defs(e);
    emit_actor_defs(e);
}
