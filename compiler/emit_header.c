/*
 * emit_header.c - <stem>.h: the banner, include guard and includes, then one
 * section per kind of declaration (the table below): constants, enums, error
 * codes, message structs (forward declarations first, then definitions in
 * an order where everything embedded by value comes first), and the codec
 * prototypes, then the actors' stubs and skeletons (emit_actor.c).
 */
#include "emit.h"

#include <ctype.h>
#include <inttypes.h>
#include <string.h>

/* ACTORC_GEN_<PACKAGE>_<STEM>_H: the prefix keeps it apart from every
 * guard of the runtime's headers (ACTOR_CODEC_H) and of hand-written ones. */
static const char *guard_name(emitter *e)
{
    char *g = arena_printf(e->p->arena, "ACTORC_GEN_%s_%s_H", e->m->package, e->m->stem);

    for (char *c = g; *c != '\0'; c++)
        *c = isalnum((unsigned char)*c) ? (char)toupper((unsigned char)*c) : '_';
    return g;
}

/* ------------------------------------------------------------ constants */

static void emit_consts(emitter *e)
{
    bool any = false;

    for (size_t i = 0; i < e->m->decls.len; i++) {
        const ast_decl *d = e->m->decls.items[i];
        const char *value;
        if (d->kind != DECL_CONST)
            continue;
        if (!any)
            emit_line(e, "/* ---- constants */");
        if (d->doc != NULL && any)
            emit_blank(e);
        any = true;
        emit_doc(e, d->doc);
        if (d->const_value->kind == VALUE_INT && d->const_type->kind == TYPE_SCALAR &&
            scalar_is_integer(d->const_type->scalar))
            value = emit_int_literal(e, d->const_type->scalar, d->const_value->negative,
                                     d->const_value->u, true);
        else
            value = emit_value(e, d->const_type, d->const_value);
        emit_line(e, "#define %s %s", emit_cname(e, d), value);
    }
    if (any)
        emit_blank(e);
}

/* ---------------------------------------------------------- enums, errors */

static const char *member_value(emitter *e, const ast_enum_member *mem)
{
    return emit_int_literal(e, SCALAR_INT32, mem->number < 0,
                            mem->number < 0 ? (uint64_t)(-(mem->number + 1)) + 1
                                            : (uint64_t)mem->number,
                            false);
}

static void emit_members(emitter *e, const ast_decl *d)
{
    const char *name = emit_cname(e, d);

    emit_open(e, "enum {");
    for (size_t i = 0; i < d->members.len; i++) {
        const ast_enum_member *mem = d->members.items[i];
        emit_doc(e, mem->doc);
        emit_line(e, "%s_%s = %s,", name, mem->name, member_value(e, mem));
    }
    emit_close(e, "};");
}

static void emit_enums(emitter *e)
{
    for (size_t i = 0; i < e->m->decls.len; i++) {
        const ast_decl *d = e->m->decls.items[i];
        const char *name;
        if (d->kind != DECL_ENUM)
            continue;
        name = emit_cname(e, d);
        emit_doc(e, d->doc);
        emit_line(e, "typedef int32_t %s; /* may hold values of newer members too */", name);
        emit_members(e, d);
        emit_line(e, "/* The member's name (\"%s\"), or NULL for a value this version does "
                     "not know. */",
                  ((const ast_enum_member *)d->members.items[0])->name);
        emit_line(e, "const char *%s_name(%s v);", name, name);
        emit_blank(e);
    }
}

static void emit_errors(emitter *e)
{
    for (size_t i = 0; i < e->m->decls.len; i++) {
        const ast_decl *d = e->m->decls.items[i];
        if (d->kind != DECL_ERRORS)
            continue;
        emit_doc(e, d->doc);
        emit_members(e, d);
        emit_line(e, "/* The code's name (\"%s\"), or NULL for a code this version does not "
                     "know. */",
                  ((const ast_enum_member *)d->members.items[0])->name);
        emit_line(e, "const char *%s_name(int code);", emit_cname(e, d));
        emit_blank(e);
    }
}

/* --------------------------------------------------------------- structs */

/* Forward typedefs of every struct a field's list/map nodes need: nested
 * lists and maps (struct with n + items/entries) and map entries. */
typedef struct node_ctx {
    const char *field_path;
    struct defined_set *set;
} node_ctx;

static void forward_node(emitter *e, const ast_type *t, const char *path, void *ctx)
{
    bool top = strcmp(path, ((node_ctx *)ctx)->field_path) == 0;

    if (!top)
        emit_line(e, "typedef struct %s %s;", path, path);
    if (t->kind == TYPE_MAP)
        emit_line(e, "typedef struct %s %s;", emit_path_entry(e, path),
                  emit_path_entry(e, path));
}

static void emit_forward(emitter *e)
{
    bool any = false;

    for (size_t i = 0; i < e->m->decls.len; i++) {
        const ast_decl *d = e->m->decls.items[i];
        if (d->kind != DECL_MESSAGE)
            continue;
        if (!any)
            emit_line(e, "/* ---- messages */");
        any = true;
        emit_line(e, "typedef struct %s %s;", emit_cname(e, d), emit_cname(e, d));
        for (size_t j = 0; j < d->fields.len; j++) {
            const ast_field *f = d->fields.items[j];
            node_ctx ctx = {emit_field_path(e, d, f), NULL};
            emit_each_node(e, f->type, ctx.field_path, forward_node, &ctx);
        }
    }
    if (any)
        emit_blank(e);
}

/* The set of structs already defined, for the dependency order. */
typedef struct defined_set {
    ptr_vec done; /* const ast_decl * */
} defined_set;

static void define_message(emitter *e, defined_set *set, const ast_decl *d);

static void define_if_local(emitter *e, defined_set *set, const ast_type *t)
{
    if (emit_shape_of(t) == SHAPE_MESSAGE && t->resolved->module == e->m)
        define_message(e, set, t->resolved);
}

/* "size_t n_x; T *x;"-style container members. */
static void emit_container_members(emitter *e, const ast_type *t, const char *path,
                                   const char *count, const char *items)
{
    const char *elem = t->kind == TYPE_MAP ? emit_path_entry(e, path)
                                           : emit_ctype(e, t->elem, emit_path_elem(e, path));
    size_t len = strlen(elem);
    bool star_attached = len > 0 && elem[len - 1] == '*';

    emit_line(e, "size_t %s;", count);
    emit_line(e, "%s%s*%s;", elem, star_attached ? "" : " ", items);
}

/* Defines the structs of one list/map node (children are done first by
 * emit_each_node): the nested container struct, and a map's entry. */
static void define_node(emitter *e, const ast_type *t, const char *path, void *ctx)
{
    defined_set *set = ((node_ctx *)ctx)->set;
    bool top = strcmp(path, ((node_ctx *)ctx)->field_path) == 0;

    if (t->kind == TYPE_MAP) {
        const char *entry = emit_path_entry(e, path);
        const char *vtype = emit_ctype(e, t->value, emit_path_value(e, path));
        const char *ktype = emit_ctype(e, t->key, NULL);
        size_t vlen = strlen(vtype), klen = strlen(ktype);
        define_if_local(e, set, t->value);
        emit_open(e, "struct %s {", entry);
        emit_line(e, "%s%skey;", ktype, ktype[klen - 1] == '*' ? "" : " ");
        emit_line(e, "%s%svalue;", vtype, vtype[vlen - 1] == '*' ? "" : " ");
        emit_close(e, "};");
        emit_blank(e);
    }
    if (!top) {
        emit_open(e, "struct %s {", path);
        emit_container_members(e, t, path, "n", t->kind == TYPE_MAP ? "entries" : "items");
        emit_close(e, "};");
        emit_blank(e);
    }
}

static void emit_field_member(emitter *e, const ast_decl *d, const ast_field *f)
{
    const char *ctype;
    size_t len;

    emit_doc(e, f->doc);
    switch (emit_shape_of(f->type)) {
    case SHAPE_LIST:
    case SHAPE_MAP:
        emit_container_members(e, f->type, emit_field_path(e, d, f),
                               arena_printf(e->p->arena, "n_%s", f->name), f->name);
        return;
    case SHAPE_MESSAGE:
        if (f->optional) {
            emit_line(e, "%s *%s; /* NULL when absent */", emit_ctype(e, f->type, NULL),
                      f->name);
            return;
        }
        break;
    case SHAPE_STRING:
        emit_line(e, "char *%s;%s", f->name, f->optional ? " /* NULL when absent */" : "");
        return;
    case SHAPE_FIXED:
    case SHAPE_BYTES:
        if (f->optional)
            emit_line(e, "bool has_%s;", f->name);
        break;
    }
    ctype = emit_ctype(e, f->type, NULL);
    len = strlen(ctype);
    emit_line(e, "%s%s%s;", ctype, ctype[len - 1] == '*' ? "" : " ", f->name);
}

static bool is_defined(const defined_set *set, const ast_decl *d)
{
    for (size_t i = 0; i < set->done.len; i++)
        if (set->done.items[i] == d)
            return true;
    return false;
}

static void define_message(emitter *e, defined_set *set, const ast_decl *d)
{
    if (is_defined(set, d))
        return;
    ptr_vec_push(e->p->arena, &set->done, (void *)(uintptr_t)d);
    for (size_t i = 0; i < d->fields.len; i++) {
        const ast_field *f = d->fields.items[i];
        if (!f->optional)
            define_if_local(e, set, f->type);
    }
    emit_doc(e, d->doc);
    emit_open(e, "struct %s {", emit_cname(e, d));
    if (d->fields.len == 0)
        emit_line(e, "char unused_; /* C wants at least one member */");
    for (size_t i = 0; i < d->fields.len; i++)
        emit_field_member(e, d, d->fields.items[i]);
    emit_close(e, "};");
    emit_blank(e);
    for (size_t i = 0; i < d->fields.len; i++) {
        const ast_field *f = d->fields.items[i];
        node_ctx ctx = {emit_field_path(e, d, f), set};
        emit_each_node(e, f->type, ctx.field_path, define_node, &ctx);
    }
}

static void emit_structs(emitter *e)
{
    defined_set set = {{0}};

    for (size_t i = 0; i < e->m->decls.len; i++) {
        const ast_decl *d = e->m->decls.items[i];
        if (d->kind == DECL_MESSAGE)
            define_message(e, &set, d);
    }
}

/* ------------------------------------------------------------ prototypes */

static void emit_prototypes(emitter *e, const ast_decl *d)
{
    const char *n = emit_cname(e, d);

    emit_line(e, "/* %s: field ids on the wire */", emit_idl_name(e, d));
    for (size_t i = 0; i < d->fields.len; i++) {
        const ast_field *f = d->fields.items[i];
        emit_line(e, "#define %s %" PRIu64 "u", emit_field_id(e, d, f), f->id);
    }
    emit_blank(e);
    emit_line(e, "/* Zeroes *m and applies the IDL defaults. A string default that cannot be");
    emit_line(e, " * allocated is left NULL, which every encoder writes as \"\". */");
    emit_line(e, "void %s_init(%s *m);", n, n);
    emit_line(e, "/* Frees the heap memory *m owns, then zeroes it. NULL is a no-op. */");
    emit_line(e, "void %s_free(%s *m);", n, n);
    emit_line(e, "/* Appends *m to `out` (fields in ascending id order); on error `out` is");
    emit_line(e, " * left as it was. 0 or a negative ACTOR_E* code. */");
    emit_line(e, "int %s_encode(const %s *m, msgpack_sbuffer *out);", n, n);
    emit_line(e, "/* Decodes exactly one message from buf[0..len) into *m, which the caller");
    emit_line(e, " * then owns (release with _free). On error *m is zeroed and owns nothing. */");
    emit_line(e, "int %s_decode(const char *buf, size_t len, %s *m);", n, n);
    emit_line(e, "/* _decode with explicit limits (NULL: defaults) and the first error's");
    emit_line(e, " * code, offset and message in *err (NULL: not wanted). */");
    emit_line(e, "int %s_decode_ex(const char *buf, size_t len, %s *m,", n, n);
    emit_line(e, "    const actor_decode_limits *limits, actor_decode_error *err);");
    emit_line(e, "/* The composable forms, over msgpack-c's packer and object tree. */");
    emit_line(e, "int %s_pack(msgpack_packer *pk, const %s *m);", n, n);
    emit_line(e, "int %s_unpack(const msgpack_object *o, %s *m);", n, n);
    emit_line(e, "int %s_unpack_ex(const msgpack_object *o, %s *m,", n, n);
    emit_line(e, "    const actor_decode_limits *limits, actor_decode_error *err);");
    emit_line(e, "/* For code generated from packages that import this one; not API. */");
    emit_line(e, "int %s__init(%s *m);", n, n);
    emit_line(e, "int %s__read(actor_reader *r, %s *m);", n, n);
    emit_line(e, "int %s__unpack(actor_reader *r, const msgpack_object *o, %s *m);", n, n);
    emit_blank(e);
}

static void emit_functions(emitter *e)
{
    for (size_t i = 0; i < e->m->decls.len; i++) {
        const ast_decl *d = e->m->decls.items[i];
        if (d->kind == DECL_MESSAGE)
            emit_prototypes(e, d);
    }
}

/* ------------------------------------------------------------------ file */

/* The header's sections, in order. */
static void (*const sections[])(emitter *e) = {
    emit_consts,    emit_enums,       emit_errors,      emit_forward, emit_structs,
    emit_functions, emit_queue_decls, emit_actor_decls,
};

void emit_header(emitter *e)
{
    const char *guard = guard_name(e);

    emit_banner(e);
    emit_doc(e, e->m->doc);
    emit_line(e, "#ifndef %s", guard);
    emit_line(e, "#define %s", guard);
    emit_blank(e);
    emit_line(e, "#include <stdbool.h>");
    emit_line(e, "#include <stddef.h>");
    emit_line(e, "#include <stdint.h>");
    emit_blank(e);
    emit_line(e, "#include <msgpack.h>");
    emit_blank(e);
    emit_line(e, "#include \"actor/codec.h\"");
    if (emit_has_actors(e->m)) {
        emit_line(e, "#include \"actor/actor.h\"");
        emit_line(e, "#include \"actor/pool.h\"");
    }
    if (emit_has_queue_items(e->m))
        emit_line(e, "#include \"actor/channel.h\"");
    for (size_t i = 0; i < e->m->imports.len; i++) {
        const ast_import *imp = e->m->imports.items[i];
        if (imp->module != NULL)
            emit_line(e, "#include \"%s.h\"", imp->module->stem);
    }
    emit_blank(e);
    emit_line(e, "#ifdef __cplusplus");
    emit_line(e, "extern \"C\" {");
    emit_line(e, "#endif");
    emit_blank(e);
    for (size_t i = 0; i < sizeof sections / sizeof sections[0]; i++)
        sections[i](e);
    emit_line(e, "#ifdef __cplusplus");
    emit_line(e, "}");
    emit_line(e, "#endif");
    emit_blank(e);
    emit_line(e, "#endif /* %s */", guard);
}
