/*
 * compat.c - actorc --check-compat OLD.actor NEW.actor: the changes from
 * one version of a schema to the next that would break a reader or writer
 * of the other version, each an error at NEW's line with a note at OLD's.
 *
 * Declarations of the two files are matched by name (the package may be
 * renamed). Breaking:
 *   - a field id of a message kept with a type the other side cannot read
 *     (integers may widen within their signedness, float32 to float64);
 *   - a field removed without `reserved` for its id, or a new field on an
 *     id the old version had reserved;
 *   - an enum member or error code given another number (a number that
 *     another member takes over is that member's renumbering);
 *   - a method of an actor moved to another index, removed, turned from
 *     rpc to cast or back, or given another parameter or result type (a
 *     method is matched by its index, which the wire carries, so a rename
 *     passes).
 * Compatible, and passed: new fields (the other side skips them or reads
 * their default: actorc has no required fields), new enum members and
 * error codes, new methods at the end, renamed fields, members, methods
 * and declarations' packages, widened numbers.
 */
#include <string.h>

#include "actorc.h"

typedef struct compat {
    program *oldp, *newp;
    const ast_module *old_m, *new_m;
} compat;

static const ast_decl *find_decl(const ast_module *m, const char *name, decl_kind kind)
{
    for (size_t i = 0; i < m->decls.len; i++) {
        const ast_decl *d = m->decls.items[i];
        if (d->kind == kind && strcmp(d->name, name) == 0)
            return d;
    }
    return NULL;
}

/* A named type's name as the other version would spell it: the root
 * module's own declarations without their package (it may be renamed),
 * imported ones with it. */
static const char *named(const compat *c, const ast_decl *d)
{
    if (d->module == c->old_m || d->module == c->new_m)
        return d->name;
    return arena_printf(c->newp->arena, "%s.%s", d->module->package, d->name);
}

static const char *type_words(const compat *c, const ast_type *t)
{
    arena *a = c->newp->arena;

    switch (t->kind) {
    case TYPE_SCALAR: return scalar_name(t->scalar);
    case TYPE_NAMED: return t->resolved != NULL ? named(c, t->resolved) : t->name;
    case TYPE_LIST: return arena_printf(a, "list<%s>", type_words(c, t->elem));
    case TYPE_MAP:
        return arena_printf(a, "map<%s, %s>", type_words(c, t->key), type_words(c, t->value));
    }
    return "?";
}

/* An integer's width rank within its signedness, or -1. */
static int int_rank(scalar_kind k)
{
    switch (k) {
    case SCALAR_INT8: case SCALAR_UINT8: return 0;
    case SCALAR_INT16: case SCALAR_UINT16: return 1;
    case SCALAR_INT32: case SCALAR_UINT32: return 2;
    case SCALAR_INT64: case SCALAR_UINT64: return 3;
    default: return -1;
    }
}

/* Whether data written as `from` reads as `to`. */
static bool readable_as(const compat *c, const ast_type *from, const ast_type *to)
{
    if (from->kind != to->kind)
        return false;
    switch (from->kind) {
    case TYPE_SCALAR:
        if (from->scalar == to->scalar)
            return true;
        if (scalar_is_integer(from->scalar) && scalar_is_integer(to->scalar))
            return scalar_is_signed(from->scalar) == scalar_is_signed(to->scalar) &&
                   int_rank(from->scalar) <= int_rank(to->scalar);
        return from->scalar == SCALAR_FLOAT32 && to->scalar == SCALAR_FLOAT64;
    case TYPE_NAMED:
        return strcmp(type_words(c, from), type_words(c, to)) == 0;
    case TYPE_LIST: return readable_as(c, from->elem, to->elem);
    case TYPE_MAP:
        return readable_as(c, from->key, to->key) && readable_as(c, from->value, to->value);
    }
    return false;
}

static const ast_field *field_by_id(const ast_decl *d, uint64_t id)
{
    for (size_t i = 0; i < d->fields.len; i++)
        if (((const ast_field *)d->fields.items[i])->id == id)
            return d->fields.items[i];
    return NULL;
}

static bool is_reserved(const ast_decl *d, uint64_t id)
{
    for (size_t i = 0; i < d->reserved.len; i++) {
        const ast_reserved *r = d->reserved.items[i];
        if (id >= r->from && id <= r->to)
            return true;
    }
    return false;
}

static void compare_messages(compat *c, const ast_decl *o, const ast_decl *n)
{
    diag_sink *d = c->newp->diags;

    for (size_t i = 0; i < o->fields.len; i++) {
        const ast_field *of = o->fields.items[i];
        const ast_field *nf = field_by_id(n, of->id);
        if (nf == NULL && !is_reserved(n, of->id)) {
            diag_error(d, n->loc,
                       "field %llu ('%s') of message %s is removed without reserving its id: "
                       "write 'reserved %llu;'",
                       (unsigned long long)of->id, of->name, n->name,
                       (unsigned long long)of->id);
            diag_note(d, of->loc, "the old version's field %llu", (unsigned long long)of->id);
        } else if (nf != NULL && !readable_as(c, of->type, nf->type)) {
            /* the new version must read what the old one wrote; the other
             * way a widened number reads back when its value fits (the
             * codec checks the range), so widening passes */
            diag_error(d, nf->loc,
                       "field %llu of message %s changes type from %s to %s, which cannot "
                       "read what the old version wrote",
                       (unsigned long long)nf->id, n->name, type_words(c, of->type),
                       type_words(c, nf->type));
            diag_note(d, of->loc, "the old version's field %llu (%s)",
                      (unsigned long long)of->id, type_words(c, of->type));
        }
    }
    for (size_t i = 0; i < n->fields.len; i++) {
        const ast_field *nf = n->fields.items[i];
        if (field_by_id(o, nf->id) == NULL && is_reserved(o, nf->id)) {
            diag_error(d, nf->loc,
                       "field %llu ('%s') of message %s reuses an id the old version reserved",
                       (unsigned long long)nf->id, nf->name, n->name);
            diag_note(d, o->loc, "the old version's message %s reserves %llu", o->name,
                      (unsigned long long)nf->id);
        }
    }
}

static const ast_enum_member *member_named(const ast_decl *d, const char *name)
{
    for (size_t i = 0; i < d->members.len; i++)
        if (strcmp(((const ast_enum_member *)d->members.items[i])->name, name) == 0)
            return d->members.items[i];
    return NULL;
}

static void compare_members(compat *c, const ast_decl *o, const ast_decl *n)
{
    const char *what = o->kind == DECL_ENUM ? "enum member" : "error code";
    diag_sink *d = c->newp->diags;

    for (size_t i = 0; i < o->members.len; i++) {
        const ast_enum_member *om = o->members.items[i];
        const ast_enum_member *nm = member_named(n, om->name);
        if (nm != NULL && nm->number != om->number) {
            diag_error(d, nm->loc, "%s %s.%s changes its number from %lld to %lld", what,
                       n->name, nm->name, (long long)om->number, (long long)nm->number);
            diag_note(d, om->loc, "the old version's %s.%s = %lld", o->name, om->name,
                      (long long)om->number);
        }
    }
    /* A number reused by another member is the renumbering of the member
     * that had it (reported above), or a rename (which passes). */
}

static const char *method_type(const compat *c, const ast_type *t)
{
    return t != NULL ? type_words(c, t) : "()";
}

static bool same_method_type(const compat *c, const ast_type *a, const ast_type *b)
{
    if (a == NULL || b == NULL)
        return a == b;
    return strcmp(type_words(c, a), type_words(c, b)) == 0;
}

static void compare_actors(compat *c, const ast_decl *o, const ast_decl *n)
{
    diag_sink *d = c->newp->diags;

    for (size_t i = 0; i < o->methods.len; i++) {
        const ast_method *om = o->methods.items[i];
        const ast_method *nm = i < n->methods.len ? n->methods.items[i] : NULL;
        for (size_t j = 0; j < n->methods.len; j++) {
            const ast_method *moved = n->methods.items[j];
            if (j != i && strcmp(moved->name, om->name) == 0) {
                diag_error(d, moved->loc,
                           "method %s.%s moves from index %zu to %zu: callers by index reach "
                           "another method",
                           n->name, moved->name, i, j);
                diag_note(d, om->loc, "the old version's method %zu", i);
            }
        }
        if (nm == NULL) {
            diag_error(d, n->loc, "method %s.%s (index %zu) is removed: its callers get NOT_FOUND",
                       o->name, om->name, i);
            diag_note(d, om->loc, "the old version's method %zu", i);
            continue;
        }
        if (nm->kind != om->kind) {
            diag_error(d, nm->loc, "method %s.%s turns from %s to %s", n->name, nm->name,
                       om->kind == METHOD_RPC ? "rpc" : "cast",
                       nm->kind == METHOD_RPC ? "rpc" : "cast");
            diag_note(d, om->loc, "the old version's method %zu", i);
        }
        if (!same_method_type(c, om->param, nm->param)) {
            diag_error(d, nm->loc, "method %s.%s takes %s instead of %s", n->name, nm->name,
                       method_type(c, nm->param), method_type(c, om->param));
            diag_note(d, om->loc, "the old version's method %zu", i);
        }
        if (!same_method_type(c, om->result, nm->result)) {
            diag_error(d, nm->loc, "method %s.%s returns %s instead of %s", n->name, nm->name,
                       method_type(c, nm->result), method_type(c, om->result));
            diag_note(d, om->loc, "the old version's method %zu", i);
        }
    }
}

void check_compat(program *oldp, const ast_module *old_m, program *newp, const ast_module *new_m)
{
    compat c = {oldp, newp, old_m, new_m};

    for (size_t i = 0; i < old_m->decls.len; i++) {
        const ast_decl *o = old_m->decls.items[i];
        const ast_decl *n = find_decl(new_m, o->name, o->kind);
        if (n == NULL)
            continue; /* removed or renamed: what used it is compared where it is used */
        switch (o->kind) {
        case DECL_MESSAGE: compare_messages(&c, o, n); break;
        case DECL_ENUM:
        case DECL_ERRORS: compare_members(&c, o, n); break;
        case DECL_ACTOR: compare_actors(&c, o, n); break;
        case DECL_CONST: break;
        }
    }
}
