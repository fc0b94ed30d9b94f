/*
 * emit_decode.c - per message: __read, which decodes straight from the
 * bytes through the runtime's actor_reader, with _decode/_decode_ex around
 * it; and __unpack, the same checks over a msgpack_object tree, with
 * _unpack/_unpack_ex. Each starts from _init's defaults, reads the map of
 * field ids, rejects a field seen twice, skips unknown ids (depth counted),
 * and leaves through one `fail:` exit that names the message and field in
 * the error and frees whatever was decoded so far. Unknown ids are
 * remembered too (actor_unknown_ids: inline for the first few, a bit set
 * past them), so an unknown id seen twice is ACTOR_EDUPLICATE as well.
 */
#include "emit.h"

#include <string.h>

/* One form of decoder: from bytes (read) or from an object tree (unpack). */
typedef struct decoder {
    const char *op;        /* "read" / "unpack" */
    const char *source;    /* extra helper parameter, or NULL */
    const char *begin_map; /* runtime container functions */
    const char *begin_array;
    const char *end_map;
    const char *end_array;
} decoder;

static decoder from_bytes = {
    "read", NULL, "actor_read_map_begin(r, &count)", "actor_read_array_begin(r, &count)",
    "actor_read_map_end(r)", "actor_read_array_end(r)",
};
static decoder from_object = {
    "unpack",
    "const msgpack_object *o",
    "actor_unpack_map_begin(r, o, &count)",
    "actor_unpack_array_begin(r, o, &count)",
    "actor_unpack_map_end(r)",
    "actor_unpack_array_end(r)",
};

/* The call decoding one value of type t into lvalue `v` (a member or an
 * element), from object `obj` when unpacking. */
static const char *value_call(emitter *e, const decoder *dec, const ast_type *t,
                              const char *path, const char *v, const char *obj)
{
    emit_shape s = emit_shape_of(t);
    const char *items = v, *count = NULL;

    if (s == SHAPE_LIST || s == SHAPE_MAP) {
        items = emit_nested_items(e, t, v);
        count = emit_nested_count(e, v);
    }
    if (dec == &from_bytes)
        return emit_read_call(e, t, path, items, count);
    return emit_unpack_call(e, t, path, obj, items, count);
}

static void decode_helper(emitter *e, const ast_type *t, const char *path, void *ctx)
{
    const decoder *dec = ctx;
    bool is_map = t->kind == TYPE_MAP;
    const char *type;

    if (t->kind == TYPE_LIST && !emit_list_needs_helpers(t))
        return;
    type = is_map ? emit_path_entry(e, path) : emit_ctype(e, t->elem, emit_path_elem(e, path));
    emit_line(e, "static int %s_%s(actor_reader *r, %s%s%s **items, size_t *n)", path, dec->op,
              dec->source != NULL ? dec->source : "", dec->source != NULL ? ", " : "", type);
    emit_open(e, "{");
    emit_line(e, "uint32_t count = 0, i;");
    emit_line(e, "void *mem = NULL;");
    emit_line(e, "%s *v;", type);
    emit_line(e, "int rc = %s;", is_map ? dec->begin_map : dec->begin_array);
    emit_blank(e);
    emit_line(e, "if (rc != 0)");
    emit_line(e, "    return rc;");
    emit_line(e, "if (count > 0 && (rc = actor_reader_alloc(r, count, sizeof *v, &mem)) != 0)");
    emit_line(e, "    return rc;");
    emit_line(e, "v = mem;");
    if (is_map) {
        bool obj = dec == &from_object;
        emit_open(e, "for (i = 0; rc == 0 && i < count; i++) {");
        if (obj)
            emit_line(e, "const msgpack_object_kv *kv = &o->via.map.ptr[i];");
        if (obj)
            emit_blank(e);
        emit_line(e, "rc = %s;", value_call(e, dec, t->key, NULL, "v[i].key", "&kv->key"));
        emit_line(e, "if (rc == 0)");
        emit_line(e, "    rc = %s;",
                  value_call(e, dec, t->value, emit_path_value(e, path), "v[i].value",
                             "&kv->val"));
        emit_close(e, "}");
    } else {
        emit_line(e, "for (i = 0; rc == 0 && i < count; i++)");
        emit_line(e, "    rc = %s;",
                  value_call(e, dec, t->elem, emit_path_elem(e, path), "v[i]",
                             "&o->via.array.ptr[i]"));
    }
    emit_open(e, "if (rc != 0) {");
    emit_line(e, "%s_free(v, count);", path);
    emit_line(e, "return rc;");
    emit_close(e, "}");
    emit_line(e, "%s;", is_map ? dec->end_map : dec->end_array);
    emit_line(e, "*items = v;");
    emit_line(e, "*n = count;");
    emit_line(e, "return 0;");
    emit_close(e, "}");
    emit_blank(e);
}

static bool has_optional_message(const ast_decl *d)
{
    for (size_t i = 0; i < d->fields.len; i++) {
        const ast_field *f = d->fields.items[i];
        if (f->optional && emit_shape_of(f->type) == SHAPE_MESSAGE)
            return true;
    }
    return false;
}

/* The body of one `case` of the field switch. */
static void emit_field_case(emitter *e, const decoder *dec, const ast_decl *d,
                            const ast_field *f)
{
    const char *n = emit_cname(e, d);
    const char *up = emit_upper(e, f->name);
    const char *obj = "&kv->val";
    const char *items = arena_printf(e->p->arena, "m->%s", f->name);
    const char *count = arena_printf(e->p->arena, "m->n_%s", f->name);
    const char *path = emit_field_path(e, d, f);
    emit_shape shape = emit_shape_of(f->type);
    const char *call;

    emit_line(e, "case %s:", emit_field_id(e, d, f));
    e->indent++;
    if (dec == &from_bytes)
        call = emit_read_call(e, f->type, path, items, count);
    else
        call = emit_unpack_call(e, f->type, path, obj, items, count);
    if (f->optional && shape == SHAPE_MESSAGE) {
        const char *sub = emit_cname(e, f->type->resolved);
        emit_line(e, "if ((rc = actor_field_once(r, seen, %s_SEEN_%s)) == 0 &&", n, up);
        emit_open(e, "    (rc = actor_reader_alloc(r, 1, sizeof *m->%s, &mem)) == 0) {",
                  f->name);
        emit_line(e, "m->%s = mem;", f->name);
        if (dec == &from_bytes)
            emit_line(e, "rc = %s__read(r, m->%s);", sub, f->name);
        else
            emit_line(e, "rc = %s__unpack(r, %s, m->%s);", sub, obj, f->name);
        emit_close(e, "}");
    } else if ((shape == SHAPE_STRING && f->default_value != NULL && !f->optional) ||
               (shape == SHAPE_MESSAGE && emit_message_init_allocates(f->type->resolved))) {
        /* the default _init allocated goes before the value replaces it */
        emit_open(e, "if ((rc = actor_field_once(r, seen, %s_SEEN_%s)) == 0) {", n, up);
        if (shape == SHAPE_STRING) {
            emit_line(e, "free(m->%s);", f->name);
            emit_line(e, "m->%s = NULL;", f->name);
        } else {
            emit_line(e, "%s_free(&m->%s);", emit_cname(e, f->type->resolved), f->name);
        }
        emit_line(e, "rc = %s;", call);
        emit_close(e, "}");
    } else {
        emit_line(e, "if ((rc = actor_field_once(r, seen, %s_SEEN_%s)) == 0)", n, up);
        emit_line(e, "    rc = %s;", call);
        if (f->optional && (shape == SHAPE_FIXED || shape == SHAPE_BYTES))
            emit_line(e, "m->has_%s = rc == 0;", f->name);
    }
    emit_line(e, "break;");
    e->indent--;
}

static void emit_body(emitter *e, const decoder *dec, const ast_decl *d)
{
    const char *n = emit_cname(e, d);
    bool obj = dec == &from_object;
    bool fields = d->fields.len > 0;

    emit_line(e, "int %s__%s(actor_reader *r, %s%s%s *m)", n, dec->op,
              obj ? dec->source : "", obj ? ", " : "", n);
    emit_open(e, "{");
    if (fields)
        emit_line(e, "uint64_t seen[ACTOR_SEEN_WORDS(%s_NUM_FIELDS)] = {0};", n);
    if (has_optional_message(d))
        emit_line(e, "void *mem = NULL;");
    emit_line(e, "actor_unknown_ids unknown = {0};");
    emit_line(e, "uint32_t count = 0, i, id = 0;");
    emit_line(e, "int rc = %s__init(m);", n);
    emit_blank(e);
    emit_line(e, "if (rc != 0 || (rc = %s) != 0)", dec->begin_map);
    emit_line(e, "    goto fail;");
    emit_open(e, "for (i = 0; i < count; i++) {");
    if (obj) {
        emit_line(e, "const msgpack_object_kv *kv = &o->via.map.ptr[i];");
        emit_blank(e);
    }
    emit_line(e, "id = 0;");
    if (obj)
        emit_line(e, "if ((rc = actor_unpack_field_id(r, &kv->key, &id)) != 0)");
    else
        emit_line(e, "if ((rc = actor_read_field_id(r, &id)) != 0)");
    emit_line(e, "    goto fail;");
    if (fields) {
        emit_line(e, "switch (id) {");
        for (size_t i = 0; i < d->fields.len; i++)
            emit_field_case(e, dec, d, d->fields.items[i]);
        emit_line(e, "default: /* a field this version does not know */");
        emit_line(e, "    if ((rc = actor_unknown_field_once(r, &unknown, id)) == 0)");
        emit_line(e, "        rc = %s;", obj ? "actor_unpack_skip(r, &kv->val)" : "actor_skip(r)");
        emit_line(e, "    break;");
        emit_line(e, "}");
    } else {
        emit_line(e, "/* a field this version does not know */");
        emit_line(e, "if ((rc = actor_unknown_field_once(r, &unknown, id)) == 0)");
        emit_line(e, "    rc = %s;", obj ? "actor_unpack_skip(r, &kv->val)" : "actor_skip(r)");
    }
    emit_line(e, "if (rc != 0)");
    emit_line(e, "    goto fail;");
    emit_close(e, "}");
    emit_line(e, "%s;", dec->end_map);
    emit_line(e, "actor_unknown_ids_fini(r, &unknown);");
    emit_line(e, "return 0;");
    emit_blank(e);
    emit_raw(e, "fail:\n");
    emit_line(e, "actor_unknown_ids_fini(r, &unknown);");
    emit_line(e, "actor_reader_context(r, \"%s\", id, %s_field_name(id));", emit_idl_name(e, d),
              n);
    emit_line(e, "%s_free(m);", n);
    emit_line(e, "return rc;");
    emit_close(e, "}");
    emit_blank(e);
}

static void emit_entry_points(emitter *e, const ast_decl *d)
{
    const char *n = emit_cname(e, d);

    emit_line(e, "int %s_decode(const char *buf, size_t len, %s *m)", n, n);
    emit_open(e, "{");
    emit_line(e, "return %s_decode_ex(buf, len, m, NULL, NULL);", n);
    emit_close(e, "}");
    emit_blank(e);
    emit_line(e, "int %s_decode_ex(const char *buf, size_t len, %s *m,", n, n);
    emit_line(e, "    const actor_decode_limits *limits, actor_decode_error *err)");
    emit_open(e, "{");
    emit_line(e, "actor_reader r;");
    emit_line(e, "int rc;");
    emit_blank(e);
    emit_line(e, "actor_reader_init(&r, buf, len, limits, err);");
    emit_line(e, "rc = %s__read(&r, m);", n);
    emit_line(e, "if (rc == 0 && (rc = actor_reader_finish(&r, \"%s\")) != 0)",
              emit_idl_name(e, d));
    emit_line(e, "    %s_free(m);", n);
    emit_line(e, "return rc;");
    emit_close(e, "}");
    emit_blank(e);
    emit_line(e, "int %s_unpack(const msgpack_object *o, %s *m)", n, n);
    emit_open(e, "{");
    emit_line(e, "return %s_unpack_ex(o, m, NULL, NULL);", n);
    emit_close(e, "}");
    emit_blank(e);
    emit_line(e, "int %s_unpack_ex(const msgpack_object *o, %s *m,", n, n);
    emit_line(e, "    const actor_decode_limits *limits, actor_decode_error *err)");
    emit_open(e, "{");
    emit_line(e, "actor_reader r;");
    emit_blank(e);
    emit_line(e, "actor_reader_init(&r, NULL, 0, limits, err);");
    emit_line(e, "return %s__unpack(&r, o, m);", n);
    emit_close(e, "}");
    emit_blank(e);
}

void emit_decoders(emitter *e, const ast_decl *d)
{
    for (size_t i = 0; i < d->fields.len; i++) {
        const ast_field *f = d->fields.items[i];
        const char *path = emit_field_path(e, d, f);
        emit_each_node(e, f->type, path, decode_helper, (void *)&from_bytes);
        emit_each_node(e, f->type, path, decode_helper, (void *)&from_object);
    }
    emit_body(e, &from_bytes, d);
    emit_body(e, &from_object, d);
    emit_entry_points(e, d);
}
