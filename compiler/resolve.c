/*
 * resolve.c - stage 4: binds names to declarations.
 *
 * Every TYPE_NAMED gets its message or enum (ast_type.resolved), every
 * VALUE_IDENT its enum member or constant (ast_value.resolved/member), every
 * raises entry its errors declaration. An import is marked used when a name
 * is found through it. Then the annotations of each module are turned into
 * typed settings (annotations.c).
 *
 * Visibility: an unqualified name is a declaration of the same file; a
 * qualified one `pkg.Name` is a declaration of an imported file whose package
 * is `pkg` (or of the same file, when `pkg` is its own package). Unknown
 * names are reported with the nearest visible name and, when the name exists
 * in a loaded file that is not imported, with the import to add.
 */
#include <string.h>

#include "sema.h"

typedef struct resolver {
    program *p;
    ast_module *m; /* the module whose names are being bound */
} resolver;

/* What a name is looked up as; decides which declarations fit. */
typedef enum name_role {
    ROLE_TYPE,   /* a field, parameter or result type: message or enum */
    ROLE_ERRORS, /* an entry of raises (...) */
} name_role;

static bool role_accepts(name_role role, const ast_decl *d)
{
    if (role == ROLE_ERRORS)
        return d->kind == DECL_ERRORS;
    return d->kind == DECL_MESSAGE || d->kind == DECL_ENUM;
}


/* ------------------------------------------------------------ lookups */

static bool module_imports(const ast_module *m, const ast_module *other)
{
    for (size_t i = 0; i < m->imports.len; i++) {
        const ast_import *imp = m->imports.items[i];
        if (imp->module == other)
            return true;
    }
    return false;
}

/* The declaration `name` of package `pkg` as seen from r->m, marking the
 * import it comes through as used. *pkg_known tells whether `pkg` is visible
 * at all. */
static ast_decl *find_in_package(resolver *r, const char *pkg, const char *name, bool *pkg_known)
{
    *pkg_known = false;
    if (strcmp(r->m->package, pkg) == 0) {
        *pkg_known = true;
        ast_decl *d = module_find_decl(r->m, name);
        if (d)
            return d;
    }
    for (size_t i = 0; i < r->m->imports.len; i++) {
        ast_import *imp = r->m->imports.items[i];
        if (!imp->module || strcmp(imp->module->package, pkg) != 0)
            continue;
        /* Naming the package uses the import, even with a misspelt name:
         * one mistake, one diagnostic. */
        *pkg_known = true;
        imp->used = true;
        ast_decl *d = module_find_decl(imp->module, name);
        if (d)
            return d;
    }
    return NULL;
}

static ast_decl *lookup_decl(resolver *r, const char *qualifier, const char *name, bool *pkg_known)
{
    if (!qualifier) {
        *pkg_known = true;
        return module_find_decl(r->m, name);
    }
    return find_in_package(r, qualifier, name, pkg_known);
}

static ast_enum_member *find_member(const ast_decl *d, const char *name)
{
    for (size_t i = 0; i < d->members.len; i++) {
        ast_enum_member *mem = d->members.items[i];
        if (strcmp(mem->name, name) == 0)
            return mem;
    }
    return NULL;
}

/* ------------------------------------------------- unknown-name reports */

/* Visible names of declarations that fit `role`: unqualified for the own
 * module, `pkg.Name` for imported ones; for types also the scalars. */
static void collect_type_candidates(resolver *r, name_role role, ptr_vec *out)
{
    arena *a = r->p->arena;
    if (role == ROLE_TYPE)
        for (int k = 0; k < SCALAR_COUNT; k++)
            sema_push_const(a, out, scalar_name((scalar_kind)k));
    for (size_t i = 0; i < r->m->decls.len; i++) {
        ast_decl *d = r->m->decls.items[i];
        if (role_accepts(role, d))
            sema_push_const(a, out, d->name);
    }
    for (size_t i = 0; i < r->m->imports.len; i++) {
        const ast_import *imp = r->m->imports.items[i];
        if (!imp->module)
            continue;
        for (size_t j = 0; j < imp->module->decls.len; j++) {
            ast_decl *d = imp->module->decls.items[j];
            if (role_accepts(role, d))
                ptr_vec_push(a, out, arena_printf(a, "%s.%s", imp->module->package, d->name));
        }
    }
}

/* When a loaded module that r->m does not import declares `name` (fitting
 * `role`, if role >= 0), says which import would make it visible. */
static void note_missing_import(resolver *r, const char *name, int role)
{
    for (size_t i = 0; i < r->p->modules.len; i++) {
        const ast_module *other = r->p->modules.items[i];
        if (other == r->m || module_imports(r->m, other))
            continue;
        const ast_decl *d = module_find_decl(other, name);
        if (!d || (role >= 0 && !role_accepts((name_role)role, d)))
            continue;
        diag_note(r->p->diags, d->loc,
                  "'%s' is declared in package '%s'; to use it, add 'import \"%s.actor\";' and "
                  "write '%s.%s'",
                  name, other->package, other->stem, other->package, name);
        return;
    }
}

/* Packages visible from r->m: its own and those of its imports. */
static void collect_packages(resolver *r, ptr_vec *out)
{
    sema_push_const(r->p->arena, out, r->m->package);
    for (size_t i = 0; i < r->m->imports.len; i++) {
        const ast_import *imp = r->m->imports.items[i];
        if (imp->module)
            sema_push_const(r->p->arena, out, imp->module->package);
    }
}

static void note_unimported_package(resolver *r, const char *pkg)
{
    for (size_t i = 0; i < r->p->modules.len; i++) {
        const ast_module *other = r->p->modules.items[i];
        if (other == r->m || strcmp(other->package, pkg) != 0)
            continue;
        src_loc where = other->package_loc;
        if (!other->has_package)
            where = (src_loc){.file = other->file, .line = 1, .col = 1, .end_col = 1};
        diag_note(r->p->diags, where, "package '%s' is this file; add 'import \"%s.actor\";' to use it",
                  pkg, other->stem);
        return;
    }
}

static void report_unknown_package(resolver *r, src_loc loc, const char *pkg, const char *written)
{
    if (r->m->names_incomplete)
        return; /* the import may be what recovery dropped */
    ptr_vec pkgs = {0};
    collect_packages(r, &pkgs);
    const char *hint = diag_suggest_vec(pkg, &pkgs);
    if (hint)
        diag_error(r->p->diags, loc, "unknown package '%s' in '%s'; did you mean '%s'?", pkg, written,
                   hint);
    else
        diag_error(r->p->diags, loc, "unknown package '%s' in '%s' (no import declares it)", pkg,
                   written);
    note_unimported_package(r, pkg);
}

/* For an unqualified `name` that is (nearly) the name of a declaration in
 * an imported module: its qualified spelling "pkg.Name". */
static const char *qualified_hint(resolver *r, const char *name, name_role role)
{
    ptr_vec bare = {0}, qualified = {0};
    for (size_t i = 0; i < r->m->imports.len; i++) {
        const ast_import *imp = r->m->imports.items[i];
        if (!imp->module)
            continue;
        for (size_t j = 0; j < imp->module->decls.len; j++) {
            const ast_decl *d = imp->module->decls.items[j];
            if (!role_accepts(role, d))
                continue;
            const char *q = arena_printf(r->p->arena, "%s.%s", imp->module->package, d->name);
            if (strcmp(d->name, name) == 0)
                return q;
            sema_push_const(r->p->arena, &bare, d->name);
            sema_push_const(r->p->arena, &qualified, q);
        }
    }
    const char *near = diag_suggest_vec(name, &bare);
    for (size_t i = 0; near && i < bare.len; i++)
        if (bare.items[i] == near)
            return qualified.items[i];
    return NULL;
}

static void report_unknown_type(resolver *r, const ast_type *t, name_role role)
{
    if (r->m->names_incomplete)
        return; /* the declaration may be what recovery dropped */
    const char *what = role == ROLE_ERRORS ? "errors declaration" : "type";
    const char *written = sema_type_spelling(r->p, t);
    ptr_vec cands = {0};
    collect_type_candidates(r, role, &cands);
    const char *hint = diag_suggest_vec(written, &cands);
    if (!hint && !t->qualifier)
        hint = qualified_hint(r, t->name, role);
    if (hint)
        diag_error(r->p->diags, t->loc, "unknown %s '%s'; did you mean '%s'?", what, written, hint);
    else
        diag_error(r->p->diags, t->loc, "unknown %s '%s'", what, written);
    if (!t->qualifier)
        note_missing_import(r, t->name, (int)role);
}

/* --------------------------------------------------------------- types */

static void bind_named(resolver *r, ast_type *t, name_role role)
{
    bool pkg_known;
    ast_decl *d = lookup_decl(r, t->qualifier, t->name, &pkg_known);
    if (!pkg_known) {
        report_unknown_package(r, t->loc, t->qualifier, sema_type_spelling(r->p, t));
        return;
    }
    if (!d) {
        report_unknown_type(r, t, role);
        return;
    }
    if (!role_accepts(role, d)) {
        const char *wanted = role == ROLE_ERRORS ? "an errors declaration" : "a type";
        diag_error(r->p->diags, t->loc, "'%s' is %s, not %s", sema_type_spelling(r->p, t),
                   sema_decl_kind_with_article(d->kind), wanted);
        diag_note(r->p->diags, d->loc, "'%s' is declared here", d->name);
        return;
    }
    t->resolved = d;
}

static void resolve_type(resolver *r, ast_type *t)
{
    if (!t)
        return;
    switch (t->kind) {
    case TYPE_SCALAR:
        break;
    case TYPE_NAMED:
        bind_named(r, t, ROLE_TYPE);
        break;
    case TYPE_LIST:
        resolve_type(r, t->elem);
        break;
    case TYPE_MAP:
        resolve_type(r, t->key);
        resolve_type(r, t->value);
        break;
    }
}

/* -------------------------------------------------------------- values */

static void push_members(arena *a, ptr_vec *out, const char *prefix, const ast_decl *d)
{
    for (size_t i = 0; i < d->members.len; i++) {
        const ast_enum_member *mem = d->members.items[i];
        sema_push_const(a, out, prefix ? arena_printf(a, "%s%s", prefix, mem->name) : mem->name);
    }
}

/* Values that could be meant: members of the expected enum, constants and
 * Enum.MEMBER names of the own module, and the same qualified for imports. */
static void collect_value_candidates(resolver *r, const ast_decl *ctx_enum, ptr_vec *out)
{
    arena *a = r->p->arena;
    if (ctx_enum)
        push_members(a, out, NULL, ctx_enum);
    for (size_t i = 0; i < r->m->decls.len; i++) {
        const ast_decl *d = r->m->decls.items[i];
        if (d->kind == DECL_CONST)
            sema_push_const(a, out, d->name);
        else if (d->kind == DECL_ENUM)
            push_members(a, out, arena_printf(a, "%s.", d->name), d);
    }
    for (size_t i = 0; i < r->m->imports.len; i++) {
        const ast_import *imp = r->m->imports.items[i];
        if (!imp->module)
            continue;
        const char *pkg = imp->module->package;
        for (size_t j = 0; j < imp->module->decls.len; j++) {
            const ast_decl *d = imp->module->decls.items[j];
            if (d->kind == DECL_CONST)
                ptr_vec_push(a, out, arena_printf(a, "%s.%s", pkg, d->name));
            else if (d->kind == DECL_ENUM)
                push_members(a, out, arena_printf(a, "%s.%s.", pkg, d->name), d);
        }
    }
}

static void report_unknown_value(resolver *r, const ast_value *v, const ast_decl *ctx_enum)
{
    if (r->m->names_incomplete)
        return; /* the constant or member may be what recovery dropped */
    ptr_vec cands = {0};
    collect_value_candidates(r, ctx_enum, &cands);
    const char *hint = diag_suggest_vec(v->str, &cands);
    char *what;
    if (ctx_enum)
        what = arena_printf(r->p->arena, "'%s' is not a member of enum '%s' nor a constant", v->str,
                            ctx_enum->name);
    else
        what = arena_printf(r->p->arena, "unknown constant '%s'", v->str);
    if (hint)
        diag_error(r->p->diags, v->loc, "%s; did you mean '%s'?", what, hint);
    else
        diag_error(r->p->diags, v->loc, "%s", what);
}

static void report_not_a_value(resolver *r, const ast_value *v, const ast_decl *d)
{
    diag_error(r->p->diags, v->loc, "'%s' is %s; a value must be an enum member or a constant",
               v->str, sema_decl_kind_with_article(d->kind));
    diag_note(r->p->diags, d->loc, "'%s' is declared here", d->name);
}

/* Binds `enum_decl.member`; reports when `enum_decl` is not an enum or has
 * no such member. Returns whether it bound. */
static bool bind_member(resolver *r, ast_value *v, ast_decl *enum_decl, const char *member)
{
    if (enum_decl->kind != DECL_ENUM) {
        report_not_a_value(r, v, enum_decl);
        return true; /* reported */
    }
    ast_enum_member *mem = find_member(enum_decl, member);
    if (!mem && (enum_decl->incomplete || r->m->names_incomplete))
        return true; /* the member may be what recovery dropped */
    if (!mem) {
        ptr_vec cands = {0};
        push_members(r->p->arena, &cands, NULL, enum_decl);
        const char *hint = diag_suggest_vec(member, &cands);
        if (hint)
            diag_error(r->p->diags, v->loc, "enum '%s' has no member '%s'; did you mean '%s'?",
                       enum_decl->name, member, hint);
        else
            diag_error(r->p->diags, v->loc, "enum '%s' has no member '%s'", enum_decl->name, member);
        return true;
    }
    v->resolved = enum_decl;
    v->member = mem;
    return true;
}

/* NAME: a member of the expected enum, else a constant of the module. */
static bool bind_simple_value(resolver *r, ast_value *v, ast_decl *ctx_enum)
{
    if (ctx_enum) {
        ast_enum_member *mem = find_member(ctx_enum, v->str);
        if (mem) {
            v->resolved = ctx_enum;
            v->member = mem;
            return true;
        }
    }
    ast_decl *d = module_find_decl(r->m, v->str);
    if (!d)
        return false;
    if (d->kind != DECL_CONST) {
        report_not_a_value(r, v, d);
        return true;
    }
    v->resolved = d;
    return true;
}

/* A.B: Enum.MEMBER of the module, else pkg.CONST. */
static bool bind_dotted_value(resolver *r, ast_value *v, const char *first, const char *second)
{
    ast_decl *d = module_find_decl(r->m, first);
    if (d && d->kind == DECL_ENUM)
        return bind_member(r, v, d, second);
    bool pkg_known;
    ast_decl *c = find_in_package(r, first, second, &pkg_known);
    if (!c)
        return false;
    if (c->kind != DECL_CONST) {
        report_not_a_value(r, v, c);
        return true;
    }
    v->resolved = c;
    return true;
}

/* A.B.C: pkg.Enum.MEMBER. */
static bool bind_qualified_member(resolver *r, ast_value *v, const char *pkg, const char *enum_name,
                                  const char *member)
{
    bool pkg_known;
    ast_decl *d = find_in_package(r, pkg, enum_name, &pkg_known);
    if (!d)
        return false;
    return bind_member(r, v, d, member);
}

/* Binds a VALUE_IDENT; `ctx_enum` is the enum the value must belong to (a
 * field's type), or NULL. */
static void resolve_value(resolver *r, ast_value *v, ast_decl *ctx_enum)
{
    if (!v || v->kind != VALUE_IDENT || !v->str)
        return;
    const char *dot1 = strchr(v->str, '.');
    const char *dot2 = dot1 ? strchr(dot1 + 1, '.') : NULL;
    bool bound;
    if (!dot1) {
        bound = bind_simple_value(r, v, ctx_enum);
    } else if (!dot2) {
        char *first = arena_strndup(r->p->arena, v->str, (size_t)(dot1 - v->str));
        bound = bind_dotted_value(r, v, first, dot1 + 1);
    } else if (!strchr(dot2 + 1, '.')) {
        char *pkg = arena_strndup(r->p->arena, v->str, (size_t)(dot1 - v->str));
        char *name = arena_strndup(r->p->arena, dot1 + 1, (size_t)(dot2 - dot1 - 1));
        bound = bind_qualified_member(r, v, pkg, name, dot2 + 1);
    } else {
        bound = false;
    }
    if (!bound)
        report_unknown_value(r, v, ctx_enum);
}

static ast_decl *enum_of(const ast_type *t)
{
    if (t && t->kind == TYPE_NAMED && t->resolved && t->resolved->kind == DECL_ENUM)
        return t->resolved;
    return NULL;
}

/* -------------------------------------------------------- declarations */

static void resolve_message(resolver *r, ast_decl *d)
{
    for (size_t i = 0; i < d->fields.len; i++) {
        ast_field *f = d->fields.items[i];
        resolve_type(r, f->type);
        resolve_value(r, f->default_value, enum_of(f->type));
    }
}

static void resolve_method(resolver *r, ast_method *m)
{
    resolve_type(r, m->param);
    resolve_type(r, m->result);
    for (size_t i = 0; i < m->raises.len; i++) {
        ast_type *t = m->raises.items[i];
        if (t->kind == TYPE_NAMED)
            bind_named(r, t, ROLE_ERRORS);
        else
            diag_error(r->p->diags, t->loc, "'%s' is not an errors declaration",
                       sema_type_spelling(r->p, t));
    }
}

static void resolve_decl(resolver *r, ast_decl *d)
{
    switch (d->kind) {
    case DECL_CONST:
        resolve_type(r, d->const_type);
        resolve_value(r, d->const_value, enum_of(d->const_type));
        break;
    case DECL_ENUM:
    case DECL_ERRORS:
        break;
    case DECL_MESSAGE:
        resolve_message(r, d);
        break;
    case DECL_ACTOR:
        for (size_t i = 0; i < d->methods.len; i++)
            resolve_method(r, d->methods.items[i]);
        break;
    }
}

/* Whether a name used in `m` may be missing only because recovery dropped
 * it: `m` or a module it imports had syntax errors, or an import failed. */
static bool names_may_be_dropped(const ast_module *m)
{
    if (m->syntax_errors)
        return true;
    for (size_t i = 0; i < m->imports.len; i++) {
        const ast_import *imp = m->imports.items[i];
        if (imp->failed || (imp->module && imp->module->syntax_errors))
            return true;
    }
    return false;
}

static void resolve_module(program *p, ast_module *m)
{
    resolver r = {.p = p, .m = m};
    for (size_t i = 0; i < m->decls.len; i++)
        resolve_decl(&r, m->decls.items[i]);
}

int resolve_program(program *p)
{
    int before = p->diags->errors;
    for (size_t i = 0; i < p->modules.len; i++) {
        ast_module *m = p->modules.items[i];
        m->names_incomplete = names_may_be_dropped(m);
    }
    for (size_t i = 0; i < p->modules.len; i++)
        resolve_module(p, p->modules.items[i]);
    /* Annotations look through parameter types, so every module is bound
     * before any annotation is applied. */
    for (size_t i = 0; i < p->modules.len; i++)
        sema_apply_annotations(p, p->modules.items[i]);
    return p->diags->errors - before;
}
