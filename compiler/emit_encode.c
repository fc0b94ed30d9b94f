/*
 * emit_encode.c - per message: _encode, which appends straight to a
 * msgpack_sbuffer through the runtime's inline writers, and _pack, the same
 * through msgpack-c's msgpack_packer; both write the same bytes. Fields go
 * out in ascending id order; an absent optional is left out. Lists of
 * messages, lists and maps get a static helper per list/map node.
 */
#include "emit.h"

#include <inttypes.h>
#include <string.h>

/* One form of encoder: _encode (writer) or _pack (packer). */
typedef struct encoder {
    const char *op;     /* helper suffix: "write" / "pack" */
    const char *target; /* first parameter: "msgpack_sbuffer *out" */
    const char *runtime; /* runtime prefix: "actor_write" / "actor_pack" */
    const char *(*call)(emitter *e, const ast_type *t, const char *path, const char *items,
                        const char *count);
} encoder;

static encoder writer = {"write", "msgpack_sbuffer *out", "actor_write", emit_write_call};
static encoder packer = {"pack", "msgpack_packer *pk", "actor_pack", emit_pack_call};

static const char *target_arg(const encoder *enc)
{
    return enc == &writer ? "out" : "pk";
}

/* The call for one element/value of a node at `items[i]` (or a member). */
static const char *value_call(emitter *e, const encoder *enc, const ast_type *t,
                              const char *path, const char *v)
{
    emit_shape s = emit_shape_of(t);

    if (s == SHAPE_LIST || s == SHAPE_MAP)
        return enc->call(e, t, path, emit_nested_items(e, t, v), emit_nested_count(e, v));
    return enc->call(e, t, path, v, NULL);
}

static void encode_helper(emitter *e, const ast_type *t, const char *path, void *ctx)
{
    const encoder *enc = ctx;
    const char *type;

    if (t->kind == TYPE_LIST && !emit_list_needs_helpers(t))
        return;
    type = t->kind == TYPE_MAP ? emit_path_entry(e, path)
                               : emit_ctype(e, t->elem, emit_path_elem(e, path));
    emit_line(e, "static int %s_%s(%s, const %s *items, size_t n)", path, enc->op, enc->target,
              type);
    emit_open(e, "{");
    emit_line(e, "size_t i;");
    emit_line(e, "int rc = %s_%s_header(%s, n);", enc->runtime,
              t->kind == TYPE_MAP ? "map" : "array", target_arg(enc));
    emit_blank(e);
    if (t->kind == TYPE_MAP) {
        emit_open(e, "for (i = 0; rc == 0 && i < n; i++) {");
        emit_line(e, "rc = %s;", enc->call(e, t->key, NULL, "items[i].key", NULL));
        emit_line(e, "if (rc == 0)");
        emit_line(e, "    rc = %s;",
                  value_call(e, enc, t->value, emit_path_value(e, path), "items[i].value"));
        emit_close(e, "}");
    } else {
        emit_line(e, "for (i = 0; rc == 0 && i < n; i++)");
        emit_line(e, "    rc = %s;",
                  value_call(e, enc, t->elem, emit_path_elem(e, path), "items[i]"));
    }
    emit_line(e, "return rc;");
    emit_close(e, "}");
    emit_blank(e);
}

/* The condition under which an optional field is present, or NULL. */
static const char *present(emitter *e, const ast_field *f)
{
    if (!f->optional)
        return NULL;
    switch (emit_shape_of(f->type)) {
    case SHAPE_STRING:
    case SHAPE_MESSAGE:
        return arena_printf(e->p->arena, "m->%s != NULL", f->name);
    case SHAPE_LIST:
    case SHAPE_MAP:
        return arena_printf(e->p->arena, "m->n_%s > 0", f->name);
    case SHAPE_FIXED:
    case SHAPE_BYTES:
        break;
    }
    return arena_printf(e->p->arena, "m->has_%s", f->name);
}

static const char *field_call(emitter *e, const encoder *enc, const ast_decl *d,
                              const ast_field *f)
{
    const char *items = arena_printf(e->p->arena, "m->%s", f->name);
    const char *count = arena_printf(e->p->arena, "m->n_%s", f->name);

    if (f->optional && emit_shape_of(f->type) == SHAPE_MESSAGE) {
        const char *n = emit_cname(e, f->type->resolved);
        return enc == &writer ? arena_printf(e->p->arena, "%s_encode(m->%s, out)", n, f->name)
                              : arena_printf(e->p->arena, "%s_pack(pk, m->%s)", n, f->name);
    }
    return enc->call(e, f->type, emit_field_path(e, d, f), items, count);
}

/* The map header: the number of fields always written plus the optionals
 * present. */
static void emit_count(emitter *e, const ast_decl *d, const ast_field **fields)
{
    size_t always = 0;
    bool any_optional = false;

    for (size_t i = 0; i < d->fields.len; i++) {
        if (fields[i]->optional)
            any_optional = true;
        else
            always++;
    }
    emit_line(e, "%suint32_t count = %zu; /* fields always written */",
              any_optional ? "" : "const ", always);
    emit_line(e, "int rc;");
    emit_blank(e);
    if (d->fields.len == 0)
        emit_line(e, "(void)m; /* no fields */");
    for (size_t i = 0; i < d->fields.len; i++) {
        const char *cond = present(e, fields[i]);
        if (cond == NULL)
            continue;
        emit_line(e, "if (%s)", cond);
        emit_line(e, "    count++;");
    }
}

static void emit_fields(emitter *e, const encoder *enc, const ast_decl *d,
                        const ast_field **fields, const char *exit)
{
    emit_line(e, "if ((rc = %s_map_header(%s, count)) != 0)", enc->runtime, target_arg(enc));
    emit_line(e, "    %s;", exit);
    for (size_t i = 0; i < d->fields.len; i++) {
        const ast_field *f = fields[i];
        const char *cond = present(e, f);
        const char *key = arena_printf(e->p->arena, "%s_key(%s, %s)", enc->runtime, target_arg(enc),
                                       emit_field_id(e, d, f));
        const char *value = field_call(e, enc, d, f);
        if (cond != NULL) {
            emit_line(e, "if (%s &&", cond);
            emit_line(e, "    ((rc = %s) != 0 ||", key);
            emit_line(e, "     (rc = %s) != 0))", value);
        } else {
            emit_line(e, "if ((rc = %s) != 0 ||", key);
            emit_line(e, "    (rc = %s) != 0)", value);
        }
        emit_line(e, "    %s;", exit);
    }
}

static void emit_encode(emitter *e, const ast_decl *d, const ast_field **fields)
{
    const char *n = emit_cname(e, d);

    emit_line(e, "int %s_encode(const %s *m, msgpack_sbuffer *out)", n, n);
    emit_open(e, "{");
    emit_line(e, "const size_t start = out->size;");
    emit_count(e, d, fields);
    emit_fields(e, &writer, d, fields, "goto fail");
    emit_line(e, "return 0;");
    emit_blank(e);
    emit_raw(e, "fail:\n");
    emit_line(e, "out->size = start;");
    emit_line(e, "return rc;");
    emit_close(e, "}");
    emit_blank(e);
}

static void emit_pack(emitter *e, const ast_decl *d, const ast_field **fields)
{
    const char *n = emit_cname(e, d);

    emit_line(e, "int %s_pack(msgpack_packer *pk, const %s *m)", n, n);
    emit_open(e, "{");
    emit_count(e, d, fields);
    emit_fields(e, &packer, d, fields, "return rc");
    emit_line(e, "return 0;");
    emit_close(e, "}");
    emit_blank(e);
}

void emit_encoders(emitter *e, const ast_decl *d)
{
    const ast_field **fields = emit_fields_by_id(e, d);

    for (size_t i = 0; i < d->fields.len; i++) {
        const ast_field *f = d->fields.items[i];
        const char *path = emit_field_path(e, d, f);
        emit_each_node(e, f->type, path, encode_helper, (void *)&writer);
        emit_each_node(e, f->type, path, encode_helper, (void *)&packer);
    }
    emit_encode(e, d, fields);
    emit_pack(e, d, fields);
}
