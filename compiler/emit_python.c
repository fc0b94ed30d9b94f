/*
 * emit_python.c - actorc --python: a Python module <stem>.py per input, and
 * the support module actor_runtime.py beside them (compiler/python/, built
 * into actorc as emit_python_runtime). docs/GUIDE.md, "Clients in Python",
 * is the user's view.
 *
 *   const          a module constant          MAX_TERMS = 16
 *   enum           an enum.IntEnum            class Op(enum.IntEnum)
 *   errors         a _rt.BusinessError subclass, one subclass of it per code
 *                  (DIVIDE_BY_ZERO -> class DivideByZero(CalcError))
 *   message        a dataclass on _rt.Message, fields with the IDL defaults,
 *                  and its field table (_rt.describe) after every class
 *   actor          _rt.Method descriptors, a blocking client <Actor>Client
 *                  and an asyncio one Async<Actor>Client
 *   import         `from . import <stem>`, names used as <stem>.Name
 *
 * The output directory is a Python package: modules import each other and
 * the support module relatively, so that a stem such as `types` never
 * hides a standard module.
 *
 * Messages come in source order, except that one a message holds by value
 * comes before it (its class is its default factory). Names that are
 * Python keywords, and fields named like Message's methods, get a trailing
 * underscore; two top-level names that would be one Python name are
 * errors, reported only when --python is given.
 */
#include "emit.h"

#include <ctype.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#define RUNTIME_MODULE "actor_runtime"

static const char *const python_keywords[] = {
    "False", "None",     "True",  "and",    "as",   "assert", "async",  "await",    "break",
    "class", "continue", "def",   "del",    "elif", "else",   "except", "finally",  "for",
    "from",  "global",   "if",    "import", "in",   "is",     "lambda", "nonlocal", "not",
    "or",    "pass",     "raise", "return", "try",  "while",  "with",   "yield",    NULL};

/* Attributes of generated messages and clients that fields and methods
 * must not shadow. */
static const char *const message_attrs[] = {"encode", "decode", "_schema", "_write", "_read", NULL};
/* The modules a generated module imports, by the names it uses. */
static const char *const imported_names[] = {"annotations", "dataclasses", "enum", "_rt", NULL};
static const char *const client_attrs[] = {"close", "connection", "name", "TYPE", "NAME", NULL};

static bool in_list(const char *const *list, const char *name)
{
    for (; *list != NULL; list++)
        if (strcmp(*list, name) == 0)
            return true;
    return false;
}

/* `name`, with a trailing underscore when it is a keyword or in `taken`. */
static const char *py_ident(emitter *e, const char *name, const char *const *taken)
{
    if (in_list(python_keywords, name) || (taken != NULL && in_list(taken, name)))
        return arena_printf(e->p->arena, "%s_", name);
    return name;
}

/* DIVIDE_BY_ZERO -> DivideByZero. */
static const char *camel(emitter *e, const char *name)
{
    char *out = arena_alloc(e->p->arena, strlen(name) + 1), *o = out;
    bool up = true;

    for (const char *c = name; *c != '\0'; c++) {
        if (*c == '_') {
            up = true;
            continue;
        }
        *o++ = (char)(up ? toupper((unsigned char)*c) : tolower((unsigned char)*c));
        up = false;
    }
    return out[0] != '\0' ? out : name;
}

/* The registered name a client uses unless told another: Calculator ->
 * calculator. */
static const char *lower(emitter *e, const char *name)
{
    char *out = arena_strdup(e->p->arena, name);

    for (char *c = out; *c != '\0'; c++)
        *c = (char)tolower((unsigned char)*c);
    return out;
}

/* Calculator -> CALCULATOR, HttpServer -> HTTP_SERVER. */
static const char *upper_snake(emitter *e, const char *name)
{
    char *out = arena_alloc(e->p->arena, strlen(name) * 2 + 1), *o = out;

    for (const char *c = name; *c != '\0'; c++) {
        if (c != name && isupper((unsigned char)*c) && islower((unsigned char)c[-1]))
            *o++ = '_';
        *o++ = (char)toupper((unsigned char)*c);
    }
    return out;
}

/* A declaration as this module names it: Point, or common.Point when
 * another file declares it (its module is named after its file's stem). */
static const char *py_ref(emitter *e, const ast_decl *d)
{
    if (d->module == e->m)
        return d->name;
    return arena_printf(e->p->arena, "%s.%s", d->module->stem, d->name);
}

/* A Python str literal: ASCII escapes, other UTF-8 as it is. */
static const char *py_string(emitter *e, const char *s, size_t len)
{
    char *out = arena_alloc(e->p->arena, len * 4 + 3), *o = out;

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
        } else if (c < 0x20 || c == 0x7f) {
            o += sprintf(o, "\\x%02x", c);
        } else {
            *o++ = (char)c;
        }
    }
    *o++ = '"';
    *o = '\0';
    return out;
}

static const char *py_float(emitter *e, scalar_kind k, double f)
{
    char buf[64];

    if (k == SCALAR_FLOAT32)
        f = (double)(float)f;
    snprintf(buf, sizeof buf, "%.17g", f);
    if (strpbrk(buf, ".e") == NULL)
        strcat(buf, ".0");
    return arena_strdup(e->p->arena, buf);
}

/* ------------------------------------------------------------ docstrings */

/* One line of a doc as docstring text: backslashes escaped, and a quote
 * that could end the docstring (before another, or last) too. */
static const char *doc_line(emitter *e, const char *line, size_t len, bool last)
{
    char *out = arena_alloc(e->p->arena, len * 2 + 1), *o = out;

    for (size_t i = 0; i < len; i++) {
        bool closes =
            line[i] == '"' && ((i + 1 < len && line[i + 1] == '"') || (last && i + 1 == len));
        if (line[i] == '\\' || closes)
            *o++ = '\\';
        *o++ = line[i];
    }
    *o = '\0';
    return out;
}

/* A docstring of `doc` and then `extra` (a paragraph, or NULL); nothing
 * when both are NULL. */
static void py_docstring(emitter *e, const char *doc, const char *extra)
{
    const char *text = doc;
    const char *nl;

    if (doc == NULL && extra == NULL)
        return;
    if (doc == NULL)
        text = extra;
    else if (extra != NULL)
        text = arena_printf(e->p->arena, "%s\n\n%s", doc, extra);
    if (strchr(text, '\n') == NULL) {
        emit_line(e, "\"\"\"%s\"\"\"", doc_line(e, text, strlen(text), true));
        return;
    }
    nl = strchr(text, '\n');
    emit_line(e, "\"\"\"%s", doc_line(e, text, (size_t)(nl - text), false));
    for (const char *line = nl + 1; line != NULL; line = nl != NULL ? nl + 1 : NULL) {
        size_t len;
        nl = strchr(line, '\n');
        len = nl != NULL ? (size_t)(nl - line) : strlen(line);
        if (len == 0)
            emit_blank(e);
        else
            emit_line(e, "%s", doc_line(e, line, len, false));
    }
    emit_line(e, "\"\"\"");
}

/* A doc as `#:` comment lines (constants, members, fields). */
static void py_comment_doc(emitter *e, const char *doc)
{
    const char *nl;

    if (doc == NULL)
        return;
    for (const char *line = doc; line != NULL; line = nl != NULL ? nl + 1 : NULL) {
        nl = strchr(line, '\n');
        int len = (int)(nl != NULL ? (size_t)(nl - line) : strlen(line));
        emit_line(e, len > 0 ? "#: %.*s" : "#:%.*s", len, line);
    }
}

/* ----------------------------------------------------------------- types */

static const char *py_hint(emitter *e, const ast_type *t)
{
    switch (t->kind) {
    case TYPE_SCALAR:
        if (t->scalar == SCALAR_BOOL)
            return "bool";
        if (scalar_is_integer(t->scalar))
            return "int";
        if (scalar_is_float(t->scalar))
            return "float";
        return t->scalar == SCALAR_STRING ? "str" : "bytes";
    case TYPE_NAMED:
        return py_ref(e, t->resolved);
    case TYPE_LIST:
        return arena_printf(e->p->arena, "list[%s]", py_hint(e, t->elem));
    case TYPE_MAP:
        return arena_printf(e->p->arena, "dict[%s, %s]", py_hint(e, t->key), py_hint(e, t->value));
    }
    return "object";
}

/* The runtime's descriptor of a type: _rt.INT32, _rt.List(_rt.Msg(Point)). */
static const char *py_type_desc(emitter *e, const ast_type *t)
{
    arena *a = e->p->arena;

    switch (t->kind) {
    case TYPE_SCALAR:
        return arena_printf(a, "_rt.%s", emit_upper(e, scalar_name(t->scalar)));
    case TYPE_NAMED:
        return arena_printf(a, t->resolved->kind == DECL_ENUM ? "_rt.EnumOf(%s)" : "_rt.Msg(%s)",
                            py_ref(e, t->resolved));
    case TYPE_LIST:
        return arena_printf(a, "_rt.List(%s)", py_type_desc(e, t->elem));
    case TYPE_MAP:
        return arena_printf(a, "_rt.Map(%s, %s)", py_type_desc(e, t->key),
                            py_type_desc(e, t->value));
    }
    return "None";
}

static const char *py_member_name(emitter *e, const ast_enum_member *m)
{
    return py_ident(e, m->name, NULL);
}

/* The value an IDL default or const has, for a field or const of type t. */
static const char *py_value(emitter *e, const ast_type *t, const ast_value *v)
{
    scalar_kind k = t->kind == TYPE_SCALAR ? t->scalar : SCALAR_INT32;

    switch (v->kind) {
    case VALUE_IDENT:
        if (v->member != NULL)
            return arena_printf(e->p->arena, "%s.%s", py_ref(e, v->resolved),
                                py_member_name(e, v->member));
        return py_ref(e, v->resolved);
    case VALUE_INT:
        if (scalar_is_float(k))
            return py_float(e, k, v->negative ? -(double)v->u : (double)v->u);
        return arena_printf(e->p->arena, "%s%" PRIu64, v->negative ? "-" : "", v->u);
    case VALUE_FLOAT:
        return py_float(e, k, v->f);
    case VALUE_BOOL:
        return v->b ? "True" : "False";
    case VALUE_STRING:
        return py_string(e, v->str, v->str_len);
    case VALUE_DURATION:
        return arena_printf(e->p->arena, "%" PRIu64, v->u);
    }
    return "None";
}

/* The zero value of a field without a default. */
static const char *py_zero(emitter *e, const ast_type *t)
{
    if (t->kind == TYPE_NAMED) {
        const ast_decl *d = t->resolved;
        for (size_t i = 0; i < d->members.len; i++) {
            const ast_enum_member *m = d->members.items[i];
            if (m->number == 0)
                return arena_printf(e->p->arena, "%s.%s", py_ref(e, d), py_member_name(e, m));
        }
        return "0";
    }
    switch (t->scalar) {
    case SCALAR_BOOL:
        return "False";
    case SCALAR_FLOAT32:
    case SCALAR_FLOAT64:
        return "0.0";
    case SCALAR_STRING:
        return "\"\"";
    case SCALAR_BYTES:
        return "b\"\"";
    default:
        return "0";
    }
}

static const char *py_field_default(emitter *e, const ast_field *f)
{
    const ast_type *t = f->type;

    if (f->optional)
        return "None";
    if (t->kind == TYPE_LIST)
        return "dataclasses.field(default_factory=list)";
    if (t->kind == TYPE_MAP)
        return "dataclasses.field(default_factory=dict)";
    if (t->kind == TYPE_NAMED && t->resolved->kind == DECL_MESSAGE)
        return arena_printf(e->p->arena, "dataclasses.field(default_factory=%s)",
                            py_ref(e, t->resolved));
    if (f->default_value != NULL)
        return py_value(e, t, f->default_value);
    return py_zero(e, t);
}

static const char *py_field_name(emitter *e, const ast_field *f)
{
    return py_ident(e, f->name, message_attrs);
}

/* ------------------------------------------------------------- sections */

#define PY_LINE_MAX 79 /* PEP 8's line length */

/* head (ending in an open bracket) and tail as one line when it fits,
 * else tail on a continuation line, indented one more level. */
static void emit_fitted(emitter *e, const char *head, const char *tail)
{
    if ((size_t)e->indent * 4 + strlen(head) + strlen(tail) <= PY_LINE_MAX) {
        emit_line(e, "%s%s", head, tail);
        return;
    }
    emit_line(e, "%s", head);
    e->indent++;
    emit_line(e, "%s", tail);
    e->indent--;
}

static bool module_has(const ast_module *m, decl_kind kind)
{
    for (size_t i = 0; i < m->decls.len; i++)
        if (((const ast_decl *)m->decls.items[i])->kind == kind)
            return true;
    return false;
}

/* Two blank lines before each top-level definition but the first. */
static void top_gap(emitter *e, bool *first)
{
    if (!*first) {
        emit_blank(e);
        emit_blank(e);
    }
    *first = false;
}

static void emit_header_part(emitter *e)
{
    const ast_module *m = e->m;
    const char *slash = strrchr(m->file->path, '/');

    emit_line(e, "# Generated by actorc %s from %s; do not edit.", ACTORC_VERSION,
              slash != NULL ? slash + 1 : m->file->path);
    py_docstring(e,
                 m->doc != NULL
                     ? m->doc
                     : arena_printf(e->p->arena, "Messages and clients of package %s.", m->package),
                 NULL);
    emit_blank(e);
    emit_line(e, "from __future__ import annotations");
    emit_blank(e);
    if (module_has(m, DECL_MESSAGE))
        emit_line(e, "import dataclasses");
    if (module_has(m, DECL_ENUM))
        emit_line(e, "import enum");
    if (module_has(m, DECL_MESSAGE) || module_has(m, DECL_ENUM))
        emit_blank(e);
    emit_line(e, "from . import %s as _rt", RUNTIME_MODULE);
    for (size_t i = 0; i < m->imports.len; i++) {
        const ast_import *imp = m->imports.items[i];
        if (imp->module != NULL && imp->used)
            emit_line(e, "from . import %s", imp->module->stem);
    }
}

static void emit_const(emitter *e, const ast_decl *d)
{
    py_comment_doc(e, d->doc);
    emit_line(e, "%s = %s", d->name, py_value(e, d->const_type, d->const_value));
}

static void emit_enum(emitter *e, const ast_decl *d)
{
    emit_line(e, "class %s(enum.IntEnum):", d->name);
    e->indent++;
    if (d->doc != NULL) {
        py_docstring(e, d->doc, NULL);
        emit_blank(e);
    }
    for (size_t i = 0; i < d->members.len; i++) {
        const ast_enum_member *m = d->members.items[i];
        py_comment_doc(e, m->doc);
        emit_line(e, "%s = %" PRId64, py_member_name(e, m), m->number);
    }
    e->indent--;
}

static void emit_errors(emitter *e, const ast_decl *d, bool *first)
{
    emit_line(e, "class %s(_rt.BusinessError):", d->name);
    e->indent++;
    py_docstring(e,
                 d->doc != NULL
                     ? d->doc
                     : arena_printf(e->p->arena, "The error codes %s.", emit_idl_name(e, d)),
                 NULL);
    e->indent--;
    for (size_t i = 0; i < d->members.len; i++) {
        const ast_enum_member *m = d->members.items[i];
        top_gap(e, first);
        emit_line(e, "class %s(%s):", camel(e, m->name), d->name);
        e->indent++;
        py_docstring(e,
                     m->doc != NULL
                         ? m->doc
                         : arena_printf(e->p->arena, "%s of %s.", m->name, emit_idl_name(e, d)),
                     NULL);
        emit_blank(e);
        emit_line(e, "code = %" PRId64, m->number);
        emit_line(e, "name = \"%s\"", m->name);
        e->indent--;
    }
}

static void emit_message(emitter *e, const ast_decl *d)
{
    emit_line(e, "@dataclasses.dataclass");
    emit_line(e, "class %s(_rt.Message):", d->name);
    e->indent++;
    py_docstring(e, d->doc, NULL);
    if (d->doc != NULL && d->fields.len > 0)
        emit_blank(e);
    if (d->doc == NULL && d->fields.len == 0)
        emit_line(e, "pass");
    for (size_t i = 0; i < d->fields.len; i++) {
        const ast_field *f = d->fields.items[i];
        py_comment_doc(e, f->doc);
        const char *dflt = py_field_default(e, f);
        const char *call = strchr(dflt, '(');
        const char *head = arena_printf(e->p->arena, "%s: %s%s = ", py_field_name(e, f),
                                        py_hint(e, f->type), f->optional ? " | None" : "");
        if (call != NULL) /* dataclasses.field(...) */
            emit_fitted(e, arena_printf(e->p->arena, "%s%.*s", head, (int)(call - dflt + 1), dflt),
                        call + 1);
        else
            emit_line(e, "%s%s", head, dflt);
    }
    e->indent--;
}

static bool vec_has(const ptr_vec *v, const void *item)
{
    for (size_t i = 0; i < v->len; i++)
        if (v->items[i] == item)
            return true;
    return false;
}

/* d after the messages of this module it holds by value. */
static void emit_message_in_order(emitter *e, const ast_decl *d, ptr_vec *done, bool *first)
{
    if (vec_has(done, d))
        return;
    ptr_vec_push(e->p->arena, done, (void *)(uintptr_t)d);
    for (size_t i = 0; i < d->fields.len; i++) {
        const ast_field *f = d->fields.items[i];
        const ast_type *t = f->type;
        if (!f->optional && t->kind == TYPE_NAMED && t->resolved->kind == DECL_MESSAGE &&
            t->resolved->module == e->m)
            emit_message_in_order(e, t->resolved, done, first);
    }
    top_gap(e, first);
    emit_message(e, d);
}

static void emit_describe(emitter *e, const ast_decl *d)
{
    if (d->fields.len == 0) {
        emit_line(e, "_rt.describe(%s, \"%s\")", d->name, emit_idl_name(e, d));
        return;
    }
    emit_line(e, "_rt.describe(");
    e->indent++;
    emit_line(e, "%s, \"%s\",", d->name, emit_idl_name(e, d));
    for (size_t i = 0; i < d->fields.len; i++) {
        const ast_field *f = d->fields.items[i];
        const char *attr = py_field_name(e, f);
        emit_fitted(e, "_rt.Field(",
                    arena_printf(e->p->arena, "%" PRIu64 ", \"%s\", %s%s%s%s%s),", f->id, f->name,
                                 py_type_desc(e, f->type), f->optional ? ", optional=True" : "",
                                 strcmp(attr, f->name) != 0 ? ", attr=\"" : "",
                                 strcmp(attr, f->name) != 0 ? attr : "",
                                 strcmp(attr, f->name) != 0 ? "\"" : ""));
    }
    e->indent--;
    emit_line(e, ")");
}

/* --------------------------------------------------------------- actors */

static const char *method_const(emitter *e, const ast_decl *actor, const ast_method *m)
{
    return arena_printf(e->p->arena, "_%s_%s", upper_snake(e, actor->name),
                        upper_snake(e, m->name));
}

/* The method's priority as the C method table has it: its own, else its
 * parameter message's; -1 when neither declares one. */
static int method_priority(const ast_method *m)
{
    if (m->settings.has_priority)
        return m->settings.priority;
    if (m->param != NULL && m->param->resolved->has_priority)
        return m->param->resolved->priority;
    return -1;
}

static void emit_method_desc(emitter *e, const ast_decl *actor, const ast_method *m)
{
    int priority = method_priority(m);

    emit_line(e, "%s = _rt.Method(", method_const(e, actor, m));
    e->indent++;
    emit_line(e, "\"%s\",", m->name);
    if (m->param != NULL)
        emit_line(e, "param=%s,", py_ref(e, m->param->resolved));
    if (m->kind == METHOD_RPC && m->result != NULL)
        emit_line(e, "result=%s,", py_ref(e, m->result->resolved));
    if (m->raises.len > 0) {
        const char *list = "";
        for (size_t i = 0; i < m->raises.len; i++)
            list = arena_printf(e->p->arena, "%s%s%s", list, i > 0 ? ", " : "",
                                py_ref(e, ((const ast_type *)m->raises.items[i])->resolved));
        emit_line(e, "raises=(%s%s),", list, m->raises.len == 1 ? "," : "");
    }
    if (m->kind == METHOD_CAST)
        emit_line(e, "cast=True,");
    if (m->settings.has_timeout)
        emit_line(e, "timeout_ms=%" PRIu64 ",", m->settings.timeout_ms);
    if (priority >= 0)
        emit_line(e, "priority=%d,", priority);
    e->indent--;
    emit_line(e, ")");
}

/* "Raises CalcError: DivideByZero, InvalidInput." for the docstring. */
static const char *raises_text(emitter *e, const ast_method *m)
{
    arena *a = e->p->arena;
    const char *text = NULL;

    for (size_t i = 0; i < m->raises.len; i++) {
        const ast_decl *set = ((const ast_type *)m->raises.items[i])->resolved;
        const char *codes = "";
        for (size_t j = 0; j < set->members.len; j++)
            codes = arena_printf(a, "%s%s%s", codes, j > 0 ? ", " : "",
                                 camel(e, ((const ast_enum_member *)set->members.items[j])->name));
        text = arena_printf(a, "%s%sRaises %s: %s.", text != NULL ? text : "",
                            text != NULL ? "\n" : "", py_ref(e, set), codes);
    }
    return text;
}

static void emit_client_method(emitter *e, const ast_decl *actor, const ast_method *m, bool async)
{
    const char *name = py_ident(e, m->name, client_attrs);
    const char *def = arena_printf(e->p->arena, "%sdef %s(", async ? "async " : "", name);
    const char *result =
        m->kind == METHOD_RPC && m->result != NULL ? py_ref(e, m->result->resolved) : "None";
    int column = (int)strlen(def) + e->indent * 4;

    emit_blank(e);
    if (m->param != NULL)
        emit_line(e, "%sself, request: %s, *,", def, py_ref(e, m->param->resolved));
    else
        emit_line(e, "%sself, *,", def);
    emit_raw(e, "%*stimeout_ms: int | None = None,\n", column, "");
    emit_raw(e, "%*spriority: int | None = None) -> %s:\n", column, "", result);
    e->indent++;
    py_docstring(e, m->doc, raises_text(e, m));
    emit_fitted(e,
                arena_printf(e->p->arena, "%s%sself.%s(",
                             strcmp(result, "None") != 0 ? "return " : "", async ? "await " : "",
                             m->kind == METHOD_RPC ? "_call" : "_cast"),
                arena_printf(e->p->arena, "%s, %s, timeout_ms, priority)",
                             method_const(e, actor, m), m->param != NULL ? "request" : "None"));
    e->indent--;
}

static void emit_client(emitter *e, const ast_decl *actor, bool async)
{
    arena *a = e->p->arena;
    const char *what = arena_printf(a, "%s calls to the actor %s%s", async ? "Asyncio" : "Blocking",
                                    emit_idl_name(e, actor), actor->doc != NULL ? ":" : ".");

    emit_line(e, "class %s%sClient(_rt.%sClient):", async ? "Async" : "", actor->name,
              async ? "Async" : "");
    e->indent++;
    py_docstring(e, actor->doc != NULL ? arena_printf(a, "%s\n\n%s", what, actor->doc) : what,
                 NULL);
    emit_blank(e);
    emit_line(e, "TYPE = \"%s\"", emit_idl_name(e, actor));
    emit_line(e, "NAME = \"%s\"", lower(e, actor->name));
    e->indent--;
    e->indent++;
    for (size_t i = 0; i < actor->methods.len; i++)
        emit_client_method(e, actor, actor->methods.items[i], async);
    e->indent--;
}

/* ------------------------------------------------------------ the module */

static void emit_python_module(emitter *e)
{
    const ast_module *m = e->m;
    ptr_vec done = {0};
    bool first = true;

    emit_header_part(e);
    for (size_t i = 0; i < m->decls.len; i++) {
        const ast_decl *d = m->decls.items[i];
        if (d->kind != DECL_CONST)
            continue;
        if (first)
            emit_blank(e);
        first = false;
        emit_const(e, d);
    }
    first = false; /* two blank lines after the imports or constants */
    for (size_t i = 0; i < m->decls.len; i++) {
        const ast_decl *d = m->decls.items[i];
        if (d->kind == DECL_ENUM) {
            top_gap(e, &first);
            emit_enum(e, d);
        } else if (d->kind == DECL_ERRORS) {
            top_gap(e, &first);
            emit_errors(e, d, &first);
        }
    }
    for (size_t i = 0; i < m->decls.len; i++) {
        const ast_decl *d = m->decls.items[i];
        if (d->kind == DECL_MESSAGE)
            emit_message_in_order(e, d, &done, &first);
    }
    if (done.len > 0) {
        top_gap(e, &first);
        emit_line(e, "# The messages' fields on the wire, in declaration order.");
        for (size_t i = 0; i < m->decls.len; i++) {
            const ast_decl *d = m->decls.items[i];
            if (d->kind == DECL_MESSAGE)
                emit_describe(e, d);
        }
    }
    for (size_t i = 0; i < m->decls.len; i++) {
        const ast_decl *d = m->decls.items[i];
        if (d->kind != DECL_ACTOR)
            continue;
        top_gap(e, &first);
        emit_line(e, "# The methods of %s: what each call sends and expects.", emit_idl_name(e, d));
        for (size_t j = 0; j < d->methods.len; j++)
            emit_method_desc(e, d, d->methods.items[j]);
        top_gap(e, &first);
        emit_client(e, d, false);
        top_gap(e, &first);
        emit_client(e, d, true);
    }
}

/* ---------------------------------------------------------------- checks */

typedef struct py_name {
    const char *name;
    src_loc loc;
} py_name;

static void claim(emitter *e, ptr_vec *names, const char *name, src_loc loc, const char *what)
{
    for (size_t i = 0; i < names->len; i++) {
        const py_name *n = names->items[i];
        if (strcmp(n->name, name) == 0) {
            diag_error(e->p->diags, loc, "%s would be the Python name '%s' twice (--python)", what,
                       name);
            diag_note(e->p->diags, n->loc, "'%s' is defined here", name);
            return;
        }
    }
    py_name *n = arena_alloc(e->p->arena, sizeof *n);
    *n = (py_name){name, loc};
    ptr_vec_push(e->p->arena, names, n);
}

static bool is_identifier(const char *s)
{
    if (!isalpha((unsigned char)*s) && *s != '_')
        return false;
    for (; *s != '\0'; s++)
        if (!isalnum((unsigned char)*s) && *s != '_')
            return false;
    return true;
}

/* Reports what this module cannot be in Python: a file stem that is no
 * module name, top-level names that would coincide. */
static void check_python_names(emitter *e)
{
    const ast_module *m = e->m;
    ptr_vec names = {0};
    src_loc file = {.file = m->file};

    if (!is_identifier(m->stem) || in_list(python_keywords, m->stem) ||
        strcmp(m->stem, RUNTIME_MODULE) == 0)
        diag_error(e->p->diags, file, "'%s' is not a name a generated Python module can have",
                   m->stem);
    for (size_t i = 0; i < m->imports.len; i++) {
        const ast_import *imp = m->imports.items[i];
        if (imp->module != NULL && imp->used)
            claim(e, &names, imp->module->stem, imp->loc, "this import");
    }
    for (size_t i = 0; i < m->decls.len; i++) {
        const ast_decl *d = m->decls.items[i];
        if (in_list(python_keywords, d->name) || in_list(imported_names, d->name))
            diag_error(e->p->diags, d->loc,
                       "'%s' is a Python keyword or a module the generated module imports: it "
                       "cannot name a declaration (--python)",
                       d->name);
        claim(e, &names, d->name, d->loc, "this declaration");
        for (size_t j = 0; d->kind == DECL_ERRORS && j < d->members.len; j++) {
            const ast_enum_member *mem = d->members.items[j];
            claim(e, &names, camel(e, mem->name), mem->loc, "this error code's class");
        }
        if (d->kind == DECL_ACTOR) {
            claim(e, &names, arena_printf(e->p->arena, "%sClient", d->name), d->loc,
                  "this actor's client");
            claim(e, &names, arena_printf(e->p->arena, "Async%sClient", d->name), d->loc,
                  "this actor's asyncio client");
            for (size_t j = 0; j < d->methods.len; j++) {
                const ast_method *meth = d->methods.items[j];
                claim(e, &names, method_const(e, d, meth), meth->loc, "this method's descriptor");
            }
        }
    }
}

/* ----------------------------------------------------------------- files */

static int write_runtime(program *p, const char *outdir)
{
    emitter e = {.p = p};
    int rc;

    emit_line(&e, "# Written by actorc %s --python: the support module of the modules it",
              ACTORC_VERSION);
    emit_line(&e, "# generates beside it; do not edit.");
    for (size_t i = 0; emit_python_runtime[i] != NULL; i++)
        emit_raw(&e, "%s", emit_python_runtime[i]);
    rc = emit_replace_file(p, arena_printf(p->arena, "%s/%s.py", outdir, RUNTIME_MODULE), e.buf,
                           e.len);
    free(e.buf);
    return rc;
}

int emit_python(program *p, const ptr_vec *roots, const char *outdir)
{
    emitter *out = calloc(roots->len, sizeof *out);
    int rc = 0;

    if (out == NULL) {
        fputs("actorc: out of memory\n", stderr);
        abort();
    }
    for (size_t i = 0; i < roots->len; i++) {
        out[i] = (emitter){.p = p, .m = roots->items[i]};
        check_python_names(&out[i]);
        emit_python_module(&out[i]);
    }
    /* Nothing is written when a module cannot be Python. */
    if (diag_failures(p->diags) != 0)
        rc = -1;
    for (size_t i = 0; rc == 0 && i < roots->len; i++)
        rc = emit_replace_file(p, arena_printf(p->arena, "%s/%s.py", outdir, out[i].m->stem),
                               out[i].buf, out[i].len);
    if (rc == 0)
        rc = write_runtime(p, outdir);
    for (size_t i = 0; i < roots->len; i++)
        free(out[i].buf);
    free(out);
    return rc;
}
