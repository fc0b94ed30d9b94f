/*
 * cnames.c - part of stage 5: the C names the emitters will write for a
 * module must not collide, or the generated code would not compile. Two
 * IDL names can be distinct and still produce one C name: message `A_x`
 * and the entry struct of `A`'s map field `x` are both `P_A_x_entry`;
 * fields `id` and `ID` share the constant `P_M_FIELD_ID`; method `get` and
 * method `get_async` both define `P_A_get_async`.
 *
 * The names listed here follow the emitters (emit_header.c, emit_source.c,
 * emit_encode.c, emit_decode.c, emit_actor.c); a new kind of generated name
 * belongs in both places. The list is what a user can clash with: every
 * global name of the generated header and source derived from an IDL name,
 * and, per message, every member of its struct (field `x`, the `n_x` count
 * of a list or map, the `has_x` flag of an optional scalar, enum or bytes,
 * the placeholder of an empty message): `1: int32 n_x; 2: list<int32> x;`
 * would declare `n_x` twice.
 */
#include <ctype.h>
#include <stddef.h>
#include <string.h>

#include "sema.h"

/* One generated C name, where it comes from, and what made it. */
typedef struct cname {
    const char *name;
    src_loc loc;
    const char *origin; /* "message 'A'", "field 'x' of 'A'", ... */
} cname;

typedef struct cname_set {
    program *p;
    const char *prefix; /* the package's prefix: "calc" */
    const char *what;   /* "C name" (globals) or "member" (of one struct) */
    ptr_vec names;      /* cname * in the order the items appear */
    ptr_vec reported;   /* "origin\norigin" of each clash reported: one error a pair */
} cname_set;

static const char *upper(program *p, const char *s)
{
    char *u = arena_strdup(p->arena, s);
    for (char *c = u; *c; c++)
        *c = (char)toupper((unsigned char)*c);
    return u;
}

/* Whether a clash between the two items was reported; marks it if not. */
static bool already_reported(cname_set *s, const char *first, const char *second)
{
    char *pair = arena_printf(s->p->arena, "%s\n%s", first, second);
    for (size_t i = 0; i < s->reported.len; i++)
        if (strcmp(s->reported.items[i], pair) == 0)
            return true;
    ptr_vec_push(s->p->arena, &s->reported, pair);
    return false;
}

/* Adds `name`, reporting it when an earlier item produced the same one. */
static void add(cname_set *s, const char *name, src_loc loc, const char *origin)
{
    for (size_t i = 0; i < s->names.len; i++) {
        const cname *prev = s->names.items[i];
        if (strcmp(prev->name, name) == 0) {
            if (strcmp(prev->origin, origin) == 0 || already_reported(s, prev->origin, origin))
                return;
            diag_error(s->p->diags, loc, "%s generates the %s '%s', which %s also generates",
                       origin, s->what, name, prev->origin);
            diag_note(s->p->diags, prev->loc, "%s is here", prev->origin);
            return;
        }
    }
    cname *n = arena_alloc(s->p->arena, sizeof *n);
    n->name = name;
    n->loc = loc;
    n->origin = origin;
    ptr_vec_push(s->p->arena, &s->names, n);
}

/* Adds base + each suffix of a NULL-terminated list. */
static void add_suffixed(cname_set *s, const char *base, const char *const *suffixes,
                         src_loc loc, const char *origin)
{
    for (size_t i = 0; suffixes[i]; i++)
        add(s, arena_printf(s->p->arena, "%s%s", base, suffixes[i]), loc, origin);
}

/* Whether items[0..index) has one named `name`: a duplicate IDL name is
 * reported by check.c already, so its C names are not listed again. */
static bool named_before(const ptr_vec *items, size_t index, size_t name_offset)
{
    const char *name = *(const char *const *)((const char *)items->items[index] + name_offset);
    for (size_t i = 0; i < index; i++)
        if (strcmp(*(const char *const *)((const char *)items->items[i] + name_offset), name) == 0)
            return true;
    return false;
}

static const char *decl_cname(cname_set *s, const ast_decl *d)
{
    return arena_printf(s->p->arena, "%s_%s", s->prefix, d->name);
}

static void add_members(cname_set *s, const ast_decl *d, const char *base)
{
    static const char *const enum_names[] = {"", "_name", NULL};
    const char *origin = arena_printf(s->p->arena, "%s '%s'", sema_decl_kind_name(d->kind), d->name);

    add_suffixed(s, base, enum_names, d->loc, origin);
    for (size_t i = 0; i < d->members.len; i++) {
        const ast_enum_member *mem = d->members.items[i];
        if (named_before(&d->members, i, offsetof(ast_enum_member, name)))
            continue;
        add(s, arena_printf(s->p->arena, "%s_%s", base, mem->name), mem->loc,
            arena_printf(s->p->arena, "member '%s' of '%s'", mem->name, d->name));
    }
}

static bool is_container(const ast_type *t)
{
    return t && (t->kind == TYPE_LIST || t->kind == TYPE_MAP);
}

static void add_message(cname_set *s, const ast_decl *d, const char *base)
{
    static const char *const message_names[] = {
        "", "_init", "_free", "_encode", "_decode", "_decode_ex", "_pack", "_unpack",
        "_unpack_ex", "__init", "__read", "__unpack", "_NUM_FIELDS", "_field_name", NULL};
    /* A list or map field's helpers and element types (emit_path_*). */
    static const char *const container_names[] = {
        "", "_entry", "_elem", "_value", "_read", "_write", "_pack", "_unpack", NULL};
    const char *origin = arena_printf(s->p->arena, "message '%s'", d->name);

    add_suffixed(s, base, message_names, d->loc, origin);
    for (size_t i = 0; i < d->fields.len; i++) {
        const ast_field *f = d->fields.items[i];
        if (named_before(&d->fields, i, offsetof(ast_field, name)))
            continue;
        const char *forigin = arena_printf(s->p->arena, "field '%s' of '%s'", f->name, d->name);
        const char *up = upper(s->p, f->name);
        add(s, arena_printf(s->p->arena, "%s_FIELD_%s", base, up), f->loc, forigin);
        add(s, arena_printf(s->p->arena, "%s_SEEN_%s", base, up), f->loc, forigin);
        if (is_container(f->type))
            add_suffixed(s, arena_printf(s->p->arena, "%s_%s", base, f->name), container_names,
                         f->loc, forigin);
    }
}

/* Whether an optional field gets a `has_` flag: scalars but strings, enums
 * and bytes do (a string or message is a pointer, NULL when absent). */
static bool has_flag(const ast_field *f)
{
    const ast_type *t = f->type;
    if (!f->optional || !t)
        return false;
    if (t->kind == TYPE_SCALAR)
        return t->scalar != SCALAR_STRING;
    return t->kind == TYPE_NAMED && t->resolved && t->resolved->kind == DECL_ENUM;
}

/* The members of a message's struct (emit_header.c emit_field_member). */
static void check_message_members(program *p, const ast_decl *d)
{
    cname_set s = {.p = p, .what = "member"};

    if (d->fields.len == 0)
        return; /* only the placeholder `unused_`: nothing to clash with */
    for (size_t i = 0; i < d->fields.len; i++) {
        const ast_field *f = d->fields.items[i];
        if (named_before(&d->fields, i, offsetof(ast_field, name)))
            continue;
        const char *origin = arena_printf(p->arena, "field '%s' of '%s'", f->name, d->name);
        add(&s, f->name, f->loc, origin);
        if (is_container(f->type))
            add(&s, arena_printf(p->arena, "n_%s", f->name), f->loc, origin);
        else if (has_flag(f))
            add(&s, arena_printf(p->arena, "has_%s", f->name), f->loc, origin);
    }
}

static void add_actor(cname_set *s, const ast_decl *d, const char *base)
{
    static const char *const actor_names[] = {
        "", "_handlers", "_type", "_spawn", "_spec", "_spawn_spec", "_pool_opts", "_spawn_pool",
        "_child", "_N_METHODS", "_MAILBOX_CAPACITY", "_MAILBOX_OVERFLOW", "_POOL_SIZE",
        "_POOL_BALANCE", "_POOL_KEY_FIELD", "_RESTART_MAX", "_RESTART_WINDOW_MS",
        "_RESTART_BACKOFF_MS", "_ISOLATION", "__box", "__methods", "__init", "__cleanup",
        "__health", NULL};
    /* The hooks share the handler table with the methods. */
    static const char *const hooks[] = {"init", "cleanup", "health", "checkpoint", "restore", NULL};
    static const char *const method_names[] = {
        "", "_done_fn", "_then_fn", "_async", "_request", "_cast", "_defer", "_reply",
        "__invoke", "__errors", "__ref", "__decode_reply", "__done", "__then", NULL};
    const char *origin = arena_printf(s->p->arena, "actor '%s'", d->name);

    add_suffixed(s, base, actor_names, d->loc, origin);
    for (size_t i = 0; hooks[i]; i++)
        add(s, arena_printf(s->p->arena, "%s_%s", base, hooks[i]), d->loc,
            arena_printf(s->p->arena, "the %s hook of actor '%s'", hooks[i], d->name));
    for (size_t i = 0; i < d->methods.len; i++) {
        const ast_method *m = d->methods.items[i];
        if (named_before(&d->methods, i, offsetof(ast_method, name)))
            continue;
        const char *morigin = arena_printf(s->p->arena, "method '%s' of '%s'", m->name, d->name);
        add(s, arena_printf(s->p->arena, "%s_METHOD_%s", base, upper(s->p, m->name)), m->loc,
            morigin);
        add_suffixed(s, arena_printf(s->p->arena, "%s_%s", base, m->name), method_names, m->loc,
                     morigin);
    }
}

void sema_check_c_names(program *p, ast_module *m)
{
    cname_set s = {.p = p, .what = "C name"};

    static const char *const support_names[] = {"__pending", "__pending_new", "__user_state", NULL};
    char *prefix = arena_strdup(p->arena, m->package);

    for (char *c = prefix; *c; c++)
        if (*c == '.')
            *c = '_';
    s.prefix = prefix;
    add_suffixed(&s, prefix, support_names, m->package_loc, "the package's actor support");
    for (size_t i = 0; i < m->decls.len; i++) {
        const ast_decl *d = m->decls.items[i];
        if (named_before(&m->decls, i, offsetof(ast_decl, name)))
            continue;
        const char *base = decl_cname(&s, d);
        switch (d->kind) {
        case DECL_CONST:
            add(&s, base, d->loc, arena_printf(p->arena, "constant '%s'", d->name));
            break;
        case DECL_ENUM:
        case DECL_ERRORS:
            add_members(&s, d, base);
            break;
        case DECL_MESSAGE:
            add_message(&s, d, base);
            check_message_members(p, d);
            break;
        case DECL_ACTOR:
            add_actor(&s, d, base);
            break;
        }
    }
}
