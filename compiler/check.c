/*
 * check.c - stage 5: every semantic rule of the IDL that is not about
 * binding names (DESIGN.md section 2).
 *
 * Runs after resolve.c and trusts what it bound: a type or value left
 * unresolved was already reported there and is skipped here, so one mistake
 * gives one error. Every rule reports at the offending token and, where
 * there is one, adds a note at the earlier definition it clashes with.
 *
 * Sets ast_enum_member.number for every valid enum and errors member.
 */
#include <ctype.h>
#include <float.h>
#include <string.h>

#include "sema.h"

#define FIELD_ID_MAX 65535
#define INT32_MAGNITUDE_MIN UINT64_C(2147483648) /* |INT32_MIN| */
/* Longest chain of constants defined by other constants that is followed
 * before giving up (a cycle is reported on its own). */
#define CONST_CHAIN_MAX 4096

typedef struct checker {
    program *p;
    ast_module *m;
} checker;

/* --------------------------------------------------------- identifiers */

/* Names that the standard headers of generated code define as macros or
 * objects (is_c_keyword() rejects them too; this only picks the words). */
static const char *const c_macro_names[] = {"NULL",    "EOF",       "errno",    "offsetof",
                                            "assert",  "stdin",     "stdout",   "stderr",
                                            "complex", "imaginary", "noreturn", "linux",
                                            "unix",    NULL};

static bool is_reserved_c_name(const char *name)
{
    return name[0] == '_' && (name[1] == '_' || isupper((unsigned char)name[1]));
}

static bool is_c_macro_name(const char *name)
{
    for (size_t i = 0; c_macro_names[i]; i++)
        if (strcmp(c_macro_names[i], name) == 0)
            return true;
    return false;
}

/* `what` names the role: "a field", "a message", ... */
static void check_identifier(checker *c, src_loc loc, const char *name, const char *what)
{
    if (!name)
        return;
    if (is_reserved_c_name(name))
        diag_error(c->p->diags, loc,
                   "'%s' is reserved in C (names starting with '__' or '_' and a capital "
                   "letter) and cannot name %s",
                   name, what);
    else if (is_c_macro_name(name))
        diag_error(c->p->diags, loc, "'%s' is a macro of the C standard headers and cannot name %s",
                   name, what);
    else if (is_c_keyword(name))
        diag_error(c->p->diags, loc, "'%s' is a C keyword and cannot name %s", name, what);
}

static bool is_c_identifier(const char *s)
{
    if (!s || !(isalpha((unsigned char)s[0]) || s[0] == '_'))
        return false;
    for (; *s; s++)
        if (!isalnum((unsigned char)*s) && *s != '_')
            return false;
    return true;
}

/* Whether generated names with this package's prefix would land in the
 * runtime's namespace (actor_..., ACTOR_...): "actor" or "actor_*" in any
 * case, dots counting as the '_' they become. */
static bool in_runtime_namespace(const char *package)
{
    static const char runtime[] = "actor";
    size_t n = sizeof runtime - 1;
    for (size_t i = 0; i < n; i++)
        if (tolower((unsigned char)package[i]) != runtime[i])
            return false;
    return package[n] == '\0' || package[n] == '_' || package[n] == '.';
}

static void check_runtime_namespace(checker *c)
{
    ast_module *m = c->m;
    if (c->p->allow_runtime_namespace || !m->package || !in_runtime_namespace(m->package))
        return;
    if (!m->has_package && m->syntax_errors)
        return; /* the package line may be what recovery dropped */
    if (m->has_package) {
        diag_error(c->p->diags, m->package_loc,
                   "package '%s' would put the generated names in libactor's 'actor_' "
                   "namespace; choose another package name",
                   m->package);
    } else {
        src_loc top = {.file = m->file, .line = 1, .col = 1, .end_col = 1};
        diag_error(c->p->diags, top,
                   "the file name '%s' makes the package '%s', which would put the generated "
                   "names in libactor's 'actor_' namespace; add 'package name;' with another name",
                   m->stem, m->package);
    }
}

/* The generated files include each other as "<stem>.h": the stem must be
 * writable between the quotes of an #include (no quote, backslash, control
 * byte or "??" trigraph start). */
static void check_stem_includable(checker *c)
{
    const char *stem = c->m->stem;
    for (const char *s = stem; *s; s++) {
        if (*s == '"' || *s == '\\' || (unsigned char)*s < 0x20 || *s == 0x7f ||
            (s[0] == '?' && s[1] == '?')) {
            src_loc top = {.file = c->m->file};
            diag_error(c->p->diags, top,
                       "the file name '%s' cannot be written in an #include of the generated "
                       "header; rename the file",
                       stem);
            return;
        }
    }
}

/* The package prefixes every generated name, so it must be a C identifier
 * outside the runtime's namespace. */
static void check_package(checker *c)
{
    ast_module *m = c->m;
    check_stem_includable(c);
    check_runtime_namespace(c);
    if (m->has_package) {
        check_identifier(c, m->package_loc, m->package, "a package");
        return;
    }
    if (m->syntax_errors)
        return; /* the package line may be what recovery dropped */
    if (!is_c_identifier(m->stem)) {
        src_loc top = {.file = m->file, .line = 1, .col = 1, .end_col = 1};
        diag_error(c->p->diags, top,
                   "the file name '%s' is not a C identifier and cannot be the package; add "
                   "'package name;'",
                   m->stem);
    }
}

/* ------------------------------------------------------ integer ranges */

/* The magnitudes of the most negative and most positive value of integer
 * scalar `k`. */
static void int_limits(scalar_kind k, uint64_t *neg_max, uint64_t *pos_max)
{
    int bits = 64;
    switch (k) {
    case SCALAR_INT8:
    case SCALAR_UINT8:
        bits = 8;
        break;
    case SCALAR_INT16:
    case SCALAR_UINT16:
        bits = 16;
        break;
    case SCALAR_INT32:
    case SCALAR_UINT32:
        bits = 32;
        break;
    default:
        break;
    }
    if (scalar_is_signed(k)) {
        *neg_max = UINT64_C(1) << (bits - 1);
        *pos_max = *neg_max - 1;
    } else {
        *neg_max = 0;
        *pos_max = bits == 64 ? UINT64_MAX : (UINT64_C(1) << bits) - 1;
    }
}

static bool int_fits(scalar_kind k, const ast_value *v)
{
    uint64_t neg_max, pos_max;
    int_limits(k, &neg_max, &pos_max);
    return v->negative ? v->u <= neg_max : v->u <= pos_max;
}

static const char *int_range_text(program *p, scalar_kind k)
{
    uint64_t neg_max, pos_max;
    int_limits(k, &neg_max, &pos_max);
    return arena_printf(p->arena, "%s%llu..%llu", neg_max ? "-" : "", (unsigned long long)neg_max,
                        (unsigned long long)pos_max);
}

/* ----------------------------------------------------------- constants */

/* The literal a constant finally stands for, following constants defined
 * by other constants; NULL when the chain is broken or circular. */
static const ast_value *const_literal(const ast_decl *d)
{
    for (int steps = 0; d && steps < CONST_CHAIN_MAX; steps++) {
        const ast_value *v = d->const_value;
        if (!v)
            return NULL;
        if (v->kind != VALUE_IDENT)
            return v;
        if (!v->resolved || v->member || v->resolved->kind != DECL_CONST)
            return NULL;
        d = v->resolved;
    }
    return NULL;
}

static bool const_is_circular(const ast_decl *start)
{
    const ast_decl *d = start;
    for (int steps = 0; d && steps < CONST_CHAIN_MAX; steps++) {
        const ast_value *v = d->const_value;
        if (!v || v->kind != VALUE_IDENT || !v->resolved || v->member)
            return false;
        d = v->resolved;
        if (d == start)
            return true;
    }
    return false;
}

/* ------------------------------------------------- values against types */

/* Where a value goes, for messages: subject "field 'x'", role "default". */
typedef struct value_site {
    const char *subject;
    const char *role;
} value_site;

/* " (from constant 'X')" when `lit` came through constant `v`, else "". */
static const char *from_constant(checker *c, const ast_value *v, const ast_value *lit)
{
    if (lit == v)
        return "";
    return arena_printf(c->p->arena, " (from constant '%s')", v->str);
}

static void report_wrong_kind(checker *c, const ast_value *v, const ast_value *lit, const char *type,
                              value_site site, const char *wanted)
{
    diag_error(c->p->diags, v->loc, "%s has type %s; its %s must be %s, not %s%s", site.subject,
               type, site.role, wanted, sema_describe_value(c->p, lit), from_constant(c, v, lit));
}

static void check_int_literal(checker *c, scalar_kind k, const ast_value *v, const ast_value *lit,
                              value_site site)
{
    if (lit->kind != VALUE_INT) {
        report_wrong_kind(c, v, lit, scalar_name(k), site, "an integer");
        return;
    }
    if (!int_fits(k, lit))
        diag_error(c->p->diags, v->loc, "%s %s%s of %s is out of range for %s (%s)", site.role,
                   sema_value_spelling(c->p, lit), from_constant(c, v, lit), site.subject,
                   scalar_name(k), int_range_text(c->p, k));
}

static void check_float_literal(checker *c, scalar_kind k, const ast_value *v, const ast_value *lit,
                                value_site site)
{
    if (lit->kind == VALUE_INT)
        return;
    if (lit->kind != VALUE_FLOAT) {
        report_wrong_kind(c, v, lit, scalar_name(k), site, "a number");
        return;
    }
    if (k == SCALAR_FLOAT32 && (lit->f > FLT_MAX || lit->f < -FLT_MAX))
        diag_error(c->p->diags, v->loc, "%s %s%s of %s is out of range for float32", site.role,
                   sema_value_spelling(c->p, lit), from_constant(c, v, lit), site.subject);
}

/* `lit` is the literal `v` stands for (v itself, or a constant's value). */
static void check_scalar_literal(checker *c, scalar_kind k, const ast_value *v, const ast_value *lit,
                                 value_site site)
{
    if (scalar_is_integer(k))
        check_int_literal(c, k, v, lit, site);
    else if (scalar_is_float(k))
        check_float_literal(c, k, v, lit, site);
    else if (k == SCALAR_STRING && lit->kind != VALUE_STRING)
        report_wrong_kind(c, v, lit, "string", site, "a string");
    else if (k == SCALAR_BOOL && lit->kind != VALUE_BOOL)
        report_wrong_kind(c, v, lit, "bool", site, "true or false");
}

static const ast_enum_member *first_member(const ast_decl *e)
{
    return e->members.len ? e->members.items[0] : NULL;
}

static void check_enum_value(checker *c, const ast_decl *e, const ast_value *v, value_site site)
{
    if (v->kind == VALUE_IDENT && !v->resolved)
        return; /* reported by resolve */
    if (v->kind == VALUE_IDENT && v->member && v->resolved == e)
        return;
    if (v->kind == VALUE_IDENT && v->member) {
        diag_error(c->p->diags, v->loc, "'%s' is a member of enum '%s', but %s has type '%s'",
                   v->str, v->resolved->name, site.subject, e->name);
        return;
    }
    const ast_enum_member *ex = first_member(e);
    diag_error(c->p->diags, v->loc, "%s has type '%s'; its %s must be a member of '%s'%s%s%s, not %s",
               site.subject, e->name, site.role, e->name, ex ? " such as '" : "",
               ex ? ex->name : "", ex ? "'" : "", sema_describe_value(c->p, v));
}

static const char *no_default_kind(const ast_type *t)
{
    switch (t->kind) {
    case TYPE_LIST:
        return "a list";
    case TYPE_MAP:
        return "a map";
    case TYPE_NAMED:
        return t->resolved && t->resolved->kind == DECL_MESSAGE ? "a message" : NULL;
    case TYPE_SCALAR:
        return t->scalar == SCALAR_BYTES ? "bytes" : NULL;
    }
    return NULL;
}

/* Checks that `v` may be stored in something of type `t`. */
static void check_value_for_type(checker *c, const ast_type *t, const ast_value *v, value_site site)
{
    const char *no_default = no_default_kind(t);
    if (no_default) {
        diag_error(c->p->diags, v->loc, "%s is %s and cannot have a %s", site.subject, no_default,
                   site.role);
        return;
    }
    if (t->kind == TYPE_NAMED) {
        if (t->resolved && t->resolved->kind == DECL_ENUM)
            check_enum_value(c, t->resolved, v, site);
        return;
    }
    const ast_value *lit = v;
    if (v->kind == VALUE_IDENT) {
        if (!v->resolved)
            return; /* reported by resolve */
        if (v->member) {
            diag_error(c->p->diags, v->loc, "%s has type %s; its %s cannot be the enum member '%s'",
                       site.subject, scalar_name(t->scalar), site.role, v->str);
            return;
        }
        lit = const_literal(v->resolved);
        if (!lit)
            return; /* a broken constant is reported at the constant */
    }
    if (lit->kind == VALUE_DURATION) {
        diag_error(c->p->diags, v->loc, "a duration cannot be the %s of %s", site.role,
                   site.subject);
        return;
    }
    check_scalar_literal(c, t->scalar, v, lit, site);
}

/* --------------------------------------------------------------- types */

static bool is_valid_map_key(const ast_type *t)
{
    return t->kind == TYPE_SCALAR && (scalar_is_integer(t->scalar) || t->scalar == SCALAR_STRING);
}

static void check_type(checker *c, const ast_type *t)
{
    if (!t)
        return;
    if (t->kind == TYPE_LIST) {
        check_type(c, t->elem);
    } else if (t->kind == TYPE_MAP) {
        if (!is_valid_map_key(t->key)) {
            bool is_enum = t->key->kind == TYPE_NAMED && t->key->resolved &&
                           t->key->resolved->kind == DECL_ENUM;
            bool unresolved = t->key->kind == TYPE_NAMED && !t->key->resolved;
            if (!unresolved)
                diag_error(c->p->diags, t->key->loc,
                           "a map key must be an integer type or string, not %s%s",
                           sema_type_spelling(c->p, t->key),
                           is_enum ? "; key by int32 (the enum's value) or by string" : "");
        }
        check_type(c, t->key);
        check_type(c, t->value);
    }
}

/* -------------------------------------------------------- enums, errors */

static bool fits_int32(const ast_value *v)
{
    return v->negative ? v->u <= INT32_MAGNITUDE_MIN : v->u < INT32_MAGNITUDE_MIN;
}

/* Validates one member's value; sets mem->number and returns true when
 * it is usable. */
static bool check_member_value(checker *c, const ast_decl *d, ast_enum_member *mem)
{
    const ast_value *v = mem->value;
    bool is_errors = d->kind == DECL_ERRORS;
    if (!v)
        return false;
    if (v->kind != VALUE_INT) {
        diag_error(c->p->diags, v->loc, "the value of '%s' must be an integer, not %s", mem->name,
                   sema_describe_value(c->p, v));
        return false;
    }
    if (!fits_int32(v)) {
        diag_error(c->p->diags, v->loc, "the value %s of '%s' does not fit in int32 (%s)",
                   sema_value_spelling(c->p, v), mem->name, int_range_text(c->p, SCALAR_INT32));
        return false;
    }
    if (is_errors && (v->negative || v->u == 0)) {
        diag_error(c->p->diags, v->loc, "error code '%s' must be 1 or more, not %s (0 means success)",
                   mem->name, sema_value_spelling(c->p, v));
        return false;
    }
    mem->number = v->negative ? -(int64_t)(v->u - 1) - 1 : (int64_t)v->u;
    return true;
}

static void check_enum(checker *c, ast_decl *d)
{
    bool is_errors = d->kind == DECL_ERRORS;
    const char *kind = is_errors ? "errors" : "enum";
    if (d->members.len == 0 && !d->incomplete) {
        diag_error(c->p->diags, d->loc, "%s '%s' is empty; declare at least one %s", kind, d->name,
                   is_errors ? "error code" : "member");
        return;
    }
    bool *valid = arena_alloc(c->p->arena, d->members.len * sizeof *valid);
    for (size_t i = 0; i < d->members.len; i++) {
        ast_enum_member *mem = d->members.items[i];
        check_identifier(c, mem->loc, mem->name, is_errors ? "an error code" : "an enum member");
        for (size_t j = 0; j < i; j++) {
            const ast_enum_member *prev = d->members.items[j];
            if (strcmp(prev->name, mem->name) == 0) {
                diag_error(c->p->diags, mem->loc, "duplicate member '%s' in %s '%s'", mem->name,
                           kind, d->name);
                diag_note(c->p->diags, prev->loc, "previous definition of '%s' is here", prev->name);
                break;
            }
        }
        valid[i] = check_member_value(c, d, mem);
        for (size_t j = 0; valid[i] && j < i; j++) {
            const ast_enum_member *prev = d->members.items[j];
            if (valid[j] && prev->number == mem->number) {
                diag_error(c->p->diags, mem->value->loc,
                           "'%s' has the value %lld, already used by '%s' in %s '%s'", mem->name,
                           (long long)mem->number, prev->name, kind, d->name);
                diag_note(c->p->diags, prev->value->loc, "'%s' is %lld here", prev->name,
                          (long long)prev->number);
                break;
            }
        }
    }
}

/* ------------------------------------------------------------ messages */

static void check_reserved(checker *c, const ast_reserved *r)
{
    if (r->from < 1 || r->to > FIELD_ID_MAX)
        diag_error(c->p->diags, r->loc, "reserved id %llu is out of range 1..%d",
                   (unsigned long long)(r->from < 1 ? r->from : r->to), FIELD_ID_MAX);
    else if (r->from > r->to)
        diag_error(c->p->diags, r->loc, "reserved range %llu to %llu is empty; write %llu to %llu",
                   (unsigned long long)r->from, (unsigned long long)r->to,
                   (unsigned long long)r->to, (unsigned long long)r->from);
}

static bool id_in_range(uint64_t id)
{
    return id >= 1 && id <= FIELD_ID_MAX;
}

static void check_field_id(checker *c, const ast_decl *d, size_t index)
{
    const ast_field *f = d->fields.items[index];
    if (!id_in_range(f->id)) {
        diag_error(c->p->diags, f->id_loc, "field id %llu of '%s' is out of range 1..%d",
                   (unsigned long long)f->id, f->name, FIELD_ID_MAX);
        return;
    }
    for (size_t j = 0; j < index; j++) {
        const ast_field *prev = d->fields.items[j];
        if (prev->id == f->id) {
            diag_error(c->p->diags, f->id_loc, "field id %llu of '%s' is already used by '%s'",
                       (unsigned long long)f->id, f->name, prev->name);
            diag_note(c->p->diags, prev->id_loc, "'%s' has id %llu here", prev->name,
                      (unsigned long long)prev->id);
            return;
        }
    }
    for (size_t j = 0; j < d->reserved.len; j++) {
        const ast_reserved *r = d->reserved.items[j];
        if (f->id >= r->from && f->id <= r->to) {
            diag_error(c->p->diags, f->id_loc, "field '%s' uses id %llu, which is reserved",
                       f->name, (unsigned long long)f->id);
            diag_note(c->p->diags, r->loc, "id %llu is reserved here", (unsigned long long)f->id);
            return;
        }
    }
}

static void check_field_name(checker *c, const ast_decl *d, size_t index)
{
    const ast_field *f = d->fields.items[index];
    check_identifier(c, f->loc, f->name, "a field");
    for (size_t j = 0; j < index; j++) {
        const ast_field *prev = d->fields.items[j];
        if (strcmp(prev->name, f->name) == 0) {
            diag_error(c->p->diags, f->loc, "duplicate field name '%s' in message '%s'", f->name,
                       d->name);
            diag_note(c->p->diags, prev->loc, "previous definition of '%s' is here", prev->name);
            return;
        }
    }
}

static void check_field_default(checker *c, const ast_field *f)
{
    const ast_value *v = f->default_value;
    if (!v || !f->type)
        return;
    if (f->optional) {
        diag_error(c->p->diags, v->loc,
                   "an optional field cannot have a default ('%s' is absent until set)", f->name);
        return;
    }
    value_site site = {arena_printf(c->p->arena, "field '%s'", f->name), "default"};
    check_value_for_type(c, f->type, v, site);
}

static void check_message(checker *c, ast_decl *d)
{
    for (size_t i = 0; i < d->reserved.len; i++)
        check_reserved(c, d->reserved.items[i]);
    for (size_t i = 0; i < d->fields.len; i++) {
        const ast_field *f = d->fields.items[i];
        check_field_id(c, d, i);
        check_field_name(c, d, i);
        check_type(c, f->type);
        check_field_default(c, f);
    }
}

/* -------------------------------------------------------------- consts */

static void check_const(checker *c, ast_decl *d)
{
    const ast_type *t = d->const_type;
    const ast_value *v = d->const_value;
    if (!t || !v)
        return;
    if (t->kind != TYPE_SCALAR || t->scalar == SCALAR_BYTES) {
        diag_error(c->p->diags, t->loc,
                   "constant '%s' has type %s; a constant must be a bool, a number or a string",
                   d->name, sema_type_spelling(c->p, t));
        return;
    }
    if (const_is_circular(d)) {
        diag_error(c->p->diags, v->loc, "constant '%s' is defined in terms of itself", d->name);
        return;
    }
    value_site site = {arena_printf(c->p->arena, "constant '%s'", d->name), "value"};
    check_value_for_type(c, t, v, site);
}

/* -------------------------------------------------------------- actors */

static void check_method_type(checker *c, const ast_method *m, const ast_type *t, const char *role)
{
    if (!t)
        return;
    const char *kind = m->kind == METHOD_RPC ? "rpc" : "cast";
    if (t->kind == TYPE_NAMED && !t->resolved)
        return; /* reported by resolve */
    if (t->kind == TYPE_NAMED && t->resolved->kind == DECL_MESSAGE)
        return;
    const char *what = sema_type_spelling(c->p, t);
    if (t->kind == TYPE_NAMED)
        what = arena_printf(c->p->arena, "%s '%s'", sema_decl_kind_name(t->resolved->kind), what);
    diag_error(c->p->diags, t->loc,
               "the %s of %s '%s' must be a message, not %s; wrap it in a message", role, kind,
               m->name, what);
}

static void check_raises(checker *c, const ast_method *m)
{
    if (m->kind == METHOD_CAST && m->raises.len > 0) {
        const ast_type *first = m->raises.items[0];
        diag_error(c->p->diags, first->loc,
                   "cast '%s' cannot raise errors: a cast has no response; make it an rpc",
                   m->name);
        return;
    }
    for (size_t i = 0; i < m->raises.len; i++) {
        const ast_type *t = m->raises.items[i];
        for (size_t j = 0; t->resolved && j < i; j++) {
            const ast_type *prev = m->raises.items[j];
            if (prev->resolved == t->resolved) {
                diag_error(c->p->diags, t->loc, "'%s' is listed twice in raises of '%s'",
                           sema_type_spelling(c->p, t), m->name);
                diag_note(c->p->diags, prev->loc, "first listed here");
                break;
            }
        }
    }
}

static void check_actor(checker *c, ast_decl *d)
{
    for (size_t i = 0; i < d->methods.len; i++) {
        const ast_method *m = d->methods.items[i];
        check_identifier(c, m->loc, m->name, "a method");
        for (size_t j = 0; j < i; j++) {
            const ast_method *prev = d->methods.items[j];
            if (strcmp(prev->name, m->name) == 0) {
                diag_error(c->p->diags, m->loc, "duplicate method '%s' in actor '%s'", m->name,
                           d->name);
                diag_note(c->p->diags, prev->loc, "previous definition of '%s' is here",
                          prev->name);
                break;
            }
        }
        check_method_type(c, m, m->param, "parameter");
        check_method_type(c, m, m->result, "result");
        check_raises(c, m);
    }
}

/* ------------------------------------------------------- declarations */


/* Names are unique per module, and per package across modules (they share
 * the C prefix). */
static void check_decl_name(checker *c, size_t mod_index, size_t index)
{
    const ast_decl *d = c->m->decls.items[index];
    check_identifier(c, d->loc, d->name, sema_decl_kind_with_article(d->kind));
    for (size_t j = 0; j < index; j++) {
        const ast_decl *prev = c->m->decls.items[j];
        if (strcmp(prev->name, d->name) == 0) {
            diag_error(c->p->diags, d->loc, "'%s' is already declared in this file", d->name);
            diag_note(c->p->diags, prev->loc, "previous declaration of '%s' (%s) is here",
                      prev->name, sema_decl_kind_name(prev->kind));
            return;
        }
    }
    for (size_t j = 0; j < mod_index; j++) {
        const ast_module *other = c->p->modules.items[j];
        if (strcmp(other->package, c->m->package) != 0)
            continue;
        const ast_decl *prev = module_find_decl(other, d->name);
        if (prev) {
            diag_error(c->p->diags, d->loc,
                       "'%s' is already declared in package '%s'; their C names would clash",
                       d->name, c->m->package);
            diag_note(c->p->diags, prev->loc, "previous declaration of '%s' is here", prev->name);
            return;
        }
    }
}

static void check_decl(checker *c, ast_decl *d)
{
    switch (d->kind) {
    case DECL_CONST:
        check_const(c, d);
        break;
    case DECL_ENUM:
    case DECL_ERRORS:
        check_enum(c, d);
        break;
    case DECL_MESSAGE:
        check_message(c, d);
        break;
    case DECL_ACTOR:
        check_actor(c, d);
        break;
    }
}

static void warn_unused_imports(checker *c)
{
    if (c->m->syntax_errors)
        return; /* the use may be in what recovery dropped */
    for (size_t i = 0; i < c->m->imports.len; i++) {
        const ast_import *imp = c->m->imports.items[i];
        if (imp->module && !imp->used)
            diag_warning(c->p->diags, imp->loc, "unused import '%s'", imp->path);
    }
}

static void check_module(program *p, size_t mod_index)
{
    checker c = {.p = p, .m = p->modules.items[mod_index]};
    check_package(&c);
    warn_unused_imports(&c);
    for (size_t i = 0; i < c.m->decls.len; i++) {
        check_decl_name(&c, mod_index, i);
        check_decl(&c, c.m->decls.items[i]);
    }
    sema_check_c_names(p, c.m);
}

/* ---------------------------------------------------- recursion by value */

/* Messages contain other messages by value through fields that are neither
 * optional nor inside a list or map; a cycle of such fields would make an
 * infinitely large struct. Depth-first search over that graph. */
typedef enum visit_state { UNSEEN, ON_PATH, DONE } visit_state;

typedef struct cycle_finder {
    program *p;
    ptr_vec messages;   /* ast_decl *, every message of the program */
    visit_state *state; /* by index into messages */
    ptr_vec path;       /* ast_decl * on the current path */
    ptr_vec via;        /* ast_field * leaving each decl of path */
} cycle_finder;

static size_t message_index(const cycle_finder *cf, const ast_decl *d)
{
    for (size_t i = 0; i < cf->messages.len; i++)
        if (cf->messages.items[i] == d)
            return i;
    return 0; /* every message was collected */
}

static const ast_decl *embedded_message(const ast_field *f)
{
    if (f->optional || !f->type || f->type->kind != TYPE_NAMED)
        return NULL;
    const ast_decl *d = f->type->resolved;
    return d && d->kind == DECL_MESSAGE ? d : NULL;
}

static void report_cycle(cycle_finder *cf, const ast_decl *target)
{
    size_t start = 0;
    while (cf->path.items[start] != target)
        start++;
    const char *chain = "";
    for (size_t i = start; i < cf->path.len; i++) {
        const ast_decl *d = cf->path.items[i];
        const ast_field *f = cf->via.items[i];
        chain = arena_printf(cf->p->arena, "%s%s.%s -> ", chain, d->name, f->name);
    }
    const ast_field *first = cf->via.items[start];
    diag_error(cf->p->diags, first->loc,
               "message '%s' contains itself by value: %s%s; make one of these fields optional "
               "or a list",
               target->name, chain, target->name);
    for (size_t i = start + 1; i < cf->path.len; i++) {
        const ast_decl *d = cf->path.items[i];
        const ast_field *f = cf->via.items[i];
        diag_note(cf->p->diags, f->loc, "'%s.%s' is here", d->name, f->name);
    }
}

static void visit_message(cycle_finder *cf, const ast_decl *d)
{
    cf->state[message_index(cf, d)] = ON_PATH;
    sema_push_const(cf->p->arena, &cf->path, d);
    ptr_vec_push(cf->p->arena, &cf->via, NULL);
    for (size_t i = 0; i < d->fields.len; i++) {
        const ast_field *f = d->fields.items[i];
        const ast_decl *inner = embedded_message(f);
        if (!inner)
            continue;
        cf->via.items[cf->via.len - 1] = (void *)(uintptr_t)f;
        visit_state s = cf->state[message_index(cf, inner)];
        if (s == ON_PATH)
            report_cycle(cf, inner);
        else if (s == UNSEEN)
            visit_message(cf, inner);
    }
    cf->path.len--;
    cf->via.len--;
    cf->state[message_index(cf, d)] = DONE;
}

static void check_recursion(program *p)
{
    cycle_finder cf = {.p = p};
    for (size_t i = 0; i < p->modules.len; i++) {
        const ast_module *m = p->modules.items[i];
        for (size_t j = 0; j < m->decls.len; j++) {
            ast_decl *d = m->decls.items[j];
            if (d->kind == DECL_MESSAGE)
                ptr_vec_push(p->arena, &cf.messages, d);
        }
    }
    if (cf.messages.len == 0)
        return;
    cf.state = arena_alloc(p->arena, cf.messages.len * sizeof *cf.state);
    for (size_t i = 0; i < cf.messages.len; i++)
        if (cf.state[i] == UNSEEN)
            visit_message(&cf, cf.messages.items[i]);
}

int check_program(program *p)
{
    int before = p->diags->errors;
    for (size_t i = 0; i < p->modules.len; i++)
        check_module(p, i);
    check_recursion(p);
    return p->diags->errors - before;
}
