/*
 * emit_types.c - how IDL declarations, types and values are spelled in the
 * generated C (DESIGN.md section 3): names, C types, literals, and the one
 * runtime or helper call that writes, packs, reads, unpacks or frees a value
 * of a given type. The emitters compose these; they never spell a runtime
 * function name themselves.
 */
#include "emit.h"

#include <ctype.h>
#include <inttypes.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

/* ------------------------------------------------------------------- names */

const char *emit_prefix(emitter *e, const ast_module *m)
{
    char *s = arena_strdup(e->p->arena, m->package);

    for (char *c = s; *c != '\0'; c++)
        if (!isalnum((unsigned char)*c) && *c != '_')
            *c = '_';
    return s;
}

const char *emit_cname(emitter *e, const ast_decl *d)
{
    return arena_printf(e->p->arena, "%s_%s", emit_prefix(e, d->module), d->name);
}

const char *emit_idl_name(emitter *e, const ast_decl *d)
{
    return arena_printf(e->p->arena, "%s.%s", d->module->package, d->name);
}

const char *emit_idl_type(emitter *e, const ast_type *t)
{
    switch (t->kind) {
    case TYPE_SCALAR: return scalar_name(t->scalar);
    case TYPE_NAMED: return emit_idl_name(e, t->resolved);
    case TYPE_LIST: return arena_printf(e->p->arena, "list<%s>", emit_idl_type(e, t->elem));
    case TYPE_MAP:
        return arena_printf(e->p->arena, "map<%s, %s>", emit_idl_type(e, t->key),
                            emit_idl_type(e, t->value));
    }
    return "?";
}

void emit_collect_decl(emitter *e, ptr_vec *found, const ast_decl *d)
{
    if (d == NULL)
        return;
    for (size_t i = 0; i < found->len; i++)
        if (found->items[i] == d)
            return;
    ptr_vec_push(e->p->arena, found, (void *)(uintptr_t)d);
    if (d->kind == DECL_MESSAGE)
        for (size_t i = 0; i < d->fields.len; i++)
            emit_collect_type(e, found, ((const ast_field *)d->fields.items[i])->type);
}

void emit_collect_type(emitter *e, ptr_vec *found, const ast_type *t)
{
    if (t == NULL)
        return;
    switch (t->kind) {
    case TYPE_SCALAR: break;
    case TYPE_NAMED: emit_collect_decl(e, found, t->resolved); break;
    case TYPE_LIST: emit_collect_type(e, found, t->elem); break;
    case TYPE_MAP:
        emit_collect_type(e, found, t->key);
        emit_collect_type(e, found, t->value);
        break;
    }
}

const char *emit_upper(emitter *e, const char *s)
{
    char *u = arena_strdup(e->p->arena, s);

    for (char *c = u; *c != '\0'; c++)
        *c = (char)toupper((unsigned char)*c);
    return u;
}

const char *emit_c_string(emitter *e, const char *s, size_t len)
{
    char *out = arena_alloc(e->p->arena, len * 4 + 3);
    char *o = out;

    *o++ = '"';
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c == '"' || c == '\\') {
            *o++ = '\\';
            *o++ = (char)c;
        } else if (c == '\n') {
            *o++ = '\\';
            *o++ = 'n';
        } else if (c == '\t') {
            *o++ = '\\';
            *o++ = 't';
        } else if (c < 0x20 || c >= 0x7f || c == '?') {
            /* octal, always three digits so a following digit is safe;
             * '?' too, so no trigraph can form */
            o += sprintf(o, "\\%03o", c);
        } else {
            *o++ = (char)c;
        }
    }
    *o++ = '"';
    *o = '\0';
    return out;
}

/* ------------------------------------------------------------------- types */

emit_shape emit_shape_of(const ast_type *t)
{
    switch (t->kind) {
    case TYPE_LIST:
        return SHAPE_LIST;
    case TYPE_MAP:
        return SHAPE_MAP;
    case TYPE_NAMED:
        return t->resolved != NULL && t->resolved->kind == DECL_MESSAGE ? SHAPE_MESSAGE
                                                                        : SHAPE_FIXED;
    case TYPE_SCALAR:
        break;
    }
    if (t->scalar == SCALAR_STRING)
        return SHAPE_STRING;
    if (t->scalar == SCALAR_BYTES)
        return SHAPE_BYTES;
    return SHAPE_FIXED;
}

scalar_kind emit_wire_scalar(const ast_type *t)
{
    return t->kind == TYPE_SCALAR ? t->scalar : SCALAR_INT32;
}

const char *emit_scalar_suffix(scalar_kind k)
{
    switch (k) {
    case SCALAR_STRING:
        return "str";
    case SCALAR_BYTES:
        return "bytes";
    default:
        return scalar_name(k);
    }
}

static const char *scalar_ctype(scalar_kind k)
{
    static const char *const names[SCALAR_COUNT] = {
        [SCALAR_BOOL] = "bool",        [SCALAR_INT8] = "int8_t",    [SCALAR_INT16] = "int16_t",
        [SCALAR_INT32] = "int32_t",    [SCALAR_INT64] = "int64_t",  [SCALAR_UINT8] = "uint8_t",
        [SCALAR_UINT16] = "uint16_t",  [SCALAR_UINT32] = "uint32_t", [SCALAR_UINT64] = "uint64_t",
        [SCALAR_FLOAT32] = "float",    [SCALAR_FLOAT64] = "double", [SCALAR_STRING] = "char *",
        [SCALAR_BYTES] = "actor_bytes",
    };
    return names[k];
}

const char *emit_ctype(emitter *e, const ast_type *t, const char *path)
{
    switch (t->kind) {
    case TYPE_SCALAR:
        return scalar_ctype(t->scalar);
    case TYPE_NAMED:
        return emit_cname(e, t->resolved);
    case TYPE_LIST:
    case TYPE_MAP:
        break;
    }
    return path;
}

const char *emit_path_elem(emitter *e, const char *path)
{
    return arena_printf(e->p->arena, "%s_elem", path);
}

const char *emit_path_entry(emitter *e, const char *path)
{
    return arena_printf(e->p->arena, "%s_entry", path);
}

const char *emit_path_value(emitter *e, const char *path)
{
    return arena_printf(e->p->arena, "%s_value", path);
}

const char *emit_field_path(emitter *e, const ast_decl *msg, const ast_field *f)
{
    return arena_printf(e->p->arena, "%s_%s", emit_cname(e, msg), f->name);
}

const char *emit_field_id(emitter *e, const ast_decl *msg, const ast_field *f)
{
    return arena_printf(e->p->arena, "%s_FIELD_%s", emit_cname(e, msg), emit_upper(e, f->name));
}

bool emit_list_needs_helpers(const ast_type *t)
{
    emit_shape s = emit_shape_of(t->elem);
    return s == SHAPE_MESSAGE || s == SHAPE_LIST || s == SHAPE_MAP;
}

void emit_each_node(emitter *e, const ast_type *t, const char *path, emit_node_fn fn, void *ctx)
{
    if (t->kind == TYPE_LIST) {
        emit_each_node(e, t->elem, emit_path_elem(e, path), fn, ctx);
        fn(e, t, path, ctx);
    } else if (t->kind == TYPE_MAP) {
        emit_each_node(e, t->value, emit_path_value(e, path), fn, ctx);
        fn(e, t, path, ctx);
    }
}

static int by_id(const void *a, const void *b)
{
    const ast_field *fa = *(const ast_field *const *)a;
    const ast_field *fb = *(const ast_field *const *)b;
    return fa->id < fb->id ? -1 : fa->id > fb->id;
}

const ast_field **emit_fields_by_id(emitter *e, const ast_decl *msg)
{
    size_t n = msg->fields.len;
    const ast_field **v = arena_alloc(e->p->arena, (n + 1) * sizeof *v);

    for (size_t i = 0; i < n; i++)
        v[i] = msg->fields.items[i];
    qsort(v, n, sizeof *v, by_id);
    return v;
}

static bool is_embedded_message(const ast_field *f)
{
    return !f->optional && emit_shape_of(f->type) == SHAPE_MESSAGE;
}

bool emit_message_has_defaults(const ast_decl *msg)
{
    for (size_t i = 0; i < msg->fields.len; i++) {
        const ast_field *f = msg->fields.items[i];
        if (f->default_value != NULL && !f->optional)
            return true;
        if (is_embedded_message(f) && emit_message_has_defaults(f->type->resolved))
            return true;
    }
    return false;
}

bool emit_message_init_allocates(const ast_decl *msg)
{
    for (size_t i = 0; i < msg->fields.len; i++) {
        const ast_field *f = msg->fields.items[i];
        if (f->default_value != NULL && !f->optional && emit_shape_of(f->type) == SHAPE_STRING)
            return true;
        if (is_embedded_message(f) && emit_message_init_allocates(f->type->resolved))
            return true;
    }
    return false;
}

/* ---------------------------------------------------------------- literals */

const char *emit_int_literal(emitter *e, scalar_kind k, bool negative, uint64_t magnitude,
                             bool typed)
{
    arena *a = e->p->arena;
    const char *sign = negative && magnitude != 0 ? "-" : "";

    switch (k) {
    case SCALAR_INT64:
        if (negative && magnitude == (uint64_t)1 << 63)
            return "INT64_MIN";
        return arena_printf(a, "INT64_C(%s%" PRIu64 ")", sign, magnitude);
    case SCALAR_UINT64:
        return arena_printf(a, "UINT64_C(%" PRIu64 ")", magnitude);
    case SCALAR_UINT8:
    case SCALAR_UINT16:
    case SCALAR_UINT32:
        if (typed)
            return arena_printf(a, "((%s)%" PRIu64 "u)", scalar_ctype(k), magnitude);
        return arena_printf(a, "%" PRIu64 "u", magnitude);
    default:
        break;
    }
    /* int8, int16, int32 (and bool/float never get here). The most
     * negative int32 has no literal of its own. */
    const char *body = negative && magnitude == (uint64_t)1 << 31
                           ? "(-2147483647 - 1)"
                           : arena_printf(a, "%s%" PRIu64, sign, magnitude);
    if (typed)
        return arena_printf(a, "((%s)%s)", scalar_ctype(k), body);
    return body;
}

const char *emit_float_literal(emitter *e, scalar_kind k, double f)
{
    char buf[64];

    snprintf(buf, sizeof buf, "%.17g", f);
    if (k == SCALAR_FLOAT32) {
        float narrow = (float)f;
        snprintf(buf, sizeof buf, "%.9g", (double)narrow);
    }
    if (strpbrk(buf, ".e") == NULL)
        strcat(buf, ".0");
    if (k == SCALAR_FLOAT32)
        strcat(buf, "f");
    return arena_printf(e->p->arena, f < 0 ? "(%s)" : "%s", buf);
}

/* The name of a const or enum member a VALUE_IDENT refers to. */
static const char *ident_value(emitter *e, const ast_value *v)
{
    const ast_decl *d = v->resolved;

    if (v->member != NULL)
        return arena_printf(e->p->arena, "%s_%s", emit_cname(e, d), v->member->name);
    return emit_cname(e, d);
}

const char *emit_value(emitter *e, const ast_type *t, const ast_value *v)
{
    scalar_kind k = emit_wire_scalar(t);

    switch (v->kind) {
    case VALUE_IDENT: {
        const char *name = ident_value(e, v);
        const ast_decl *d = v->resolved;
        if (v->member == NULL && d->kind == DECL_CONST && d->const_type->kind == TYPE_SCALAR &&
            t->kind == TYPE_SCALAR && d->const_type->scalar != t->scalar &&
            t->scalar != SCALAR_STRING)
            return arena_printf(e->p->arena, "(%s)%s", scalar_ctype(t->scalar), name);
        return name;
    }
    case VALUE_INT:
        if (scalar_is_float(k))
            return emit_float_literal(e, k, v->negative ? -(double)v->u : (double)v->u);
        return emit_int_literal(e, k, v->negative, v->u, false);
    case VALUE_FLOAT:
        return emit_float_literal(e, k, v->f);
    case VALUE_BOOL:
        return v->b ? "true" : "false";
    case VALUE_STRING:
        return emit_c_string(e, v->str, v->str_len);
    case VALUE_DURATION:
        return arena_printf(e->p->arena, "%" PRIu64, v->u);
    }
    return "0";
}

/* ------------------------------------------------------------------- calls */

const char *emit_nested_items(emitter *e, const ast_type *t, const char *v)
{
    return arena_printf(e->p->arena, "%s.%s", v, t->kind == TYPE_MAP ? "entries" : "items");
}

const char *emit_nested_count(emitter *e, const char *v)
{
    return arena_printf(e->p->arena, "%s.n", v);
}

/* The function that handles a whole list or map: the runtime's for lists
 * of scalars, else the generated static helper "<path>_<op>". */
static const char *container_fn(emitter *e, const ast_type *t, const char *path, const char *op,
                                const char *runtime_prefix)
{
    if (t->kind == TYPE_LIST && !emit_list_needs_helpers(t))
        return arena_printf(e->p->arena, "%s_%s_array", runtime_prefix,
                            emit_scalar_suffix(emit_wire_scalar(t->elem)));
    return arena_printf(e->p->arena, "%s_%s", path, op);
}

const char *emit_write_call(emitter *e, const ast_type *t, const char *path, const char *items,
                            const char *count)
{
    arena *a = e->p->arena;

    switch (emit_shape_of(t)) {
    case SHAPE_FIXED:
    case SHAPE_STRING:
        return arena_printf(a, "actor_write_%s(out, %s)",
                            emit_scalar_suffix(emit_wire_scalar(t)), items);
    case SHAPE_BYTES:
        return arena_printf(a, "actor_write_bytes(out, &%s)", items);
    case SHAPE_MESSAGE:
        return arena_printf(a, "%s_encode(&%s, out)", emit_cname(e, t->resolved), items);
    case SHAPE_LIST:
    case SHAPE_MAP:
        break;
    }
    return arena_printf(a, "%s(out, %s, %s)", container_fn(e, t, path, "write", "actor_write"),
                        items, count);
}

const char *emit_pack_call(emitter *e, const ast_type *t, const char *path, const char *items,
                           const char *count)
{
    arena *a = e->p->arena;

    switch (emit_shape_of(t)) {
    case SHAPE_FIXED:
    case SHAPE_STRING:
        return arena_printf(a, "actor_pack_%s(pk, %s)", emit_scalar_suffix(emit_wire_scalar(t)),
                            items);
    case SHAPE_BYTES:
        return arena_printf(a, "actor_pack_bytes(pk, &%s)", items);
    case SHAPE_MESSAGE:
        return arena_printf(a, "%s_pack(pk, &%s)", emit_cname(e, t->resolved), items);
    case SHAPE_LIST:
    case SHAPE_MAP:
        break;
    }
    return arena_printf(a, "%s(pk, %s, %s)", container_fn(e, t, path, "pack", "actor_pack"), items,
                        count);
}

const char *emit_read_call(emitter *e, const ast_type *t, const char *path, const char *items,
                           const char *count)
{
    arena *a = e->p->arena;

    switch (emit_shape_of(t)) {
    case SHAPE_FIXED:
    case SHAPE_STRING:
    case SHAPE_BYTES:
        return arena_printf(a, "actor_read_%s(r, &%s)", emit_scalar_suffix(emit_wire_scalar(t)),
                            items);
    case SHAPE_MESSAGE:
        return arena_printf(a, "%s__read(r, &%s)", emit_cname(e, t->resolved), items);
    case SHAPE_LIST:
    case SHAPE_MAP:
        break;
    }
    return arena_printf(a, "%s(r, &%s, &%s)", container_fn(e, t, path, "read", "actor_read"),
                        items, count);
}

const char *emit_unpack_call(emitter *e, const ast_type *t, const char *path, const char *obj,
                             const char *items, const char *count)
{
    arena *a = e->p->arena;

    switch (emit_shape_of(t)) {
    case SHAPE_FIXED:
    case SHAPE_STRING:
    case SHAPE_BYTES:
        return arena_printf(a, "actor_unpack_%s(r, %s, &%s)",
                            emit_scalar_suffix(emit_wire_scalar(t)), obj, items);
    case SHAPE_MESSAGE:
        return arena_printf(a, "%s__unpack(r, %s, &%s)", emit_cname(e, t->resolved), obj, items);
    case SHAPE_LIST:
    case SHAPE_MAP:
        break;
    }
    return arena_printf(a, "%s(r, %s, &%s, &%s)",
                        container_fn(e, t, path, "unpack", "actor_unpack"), obj, items, count);
}

const char *emit_free_stmt(emitter *e, const ast_type *t, const char *path, const char *items,
                           const char *count)
{
    arena *a = e->p->arena;

    switch (emit_shape_of(t)) {
    case SHAPE_FIXED:
        return NULL;
    case SHAPE_STRING:
        return arena_printf(a, "free(%s)", items);
    case SHAPE_BYTES:
        return arena_printf(a, "actor_bytes_free(&%s)", items);
    case SHAPE_MESSAGE:
        return arena_printf(a, "%s_free(&%s)", emit_cname(e, t->resolved), items);
    case SHAPE_LIST:
        if (!emit_list_needs_helpers(t)) {
            switch (emit_shape_of(t->elem)) {
            case SHAPE_STRING:
                return arena_printf(a, "actor_free_str_array(%s, %s)", items, count);
            case SHAPE_BYTES:
                return arena_printf(a, "actor_free_bytes_array(%s, %s)", items, count);
            default:
                return arena_printf(a, "free(%s)", items);
            }
        }
        break;
    case SHAPE_MAP:
        break;
    }
    return arena_printf(a, "%s_free(%s, %s)", path, items, count);
}
