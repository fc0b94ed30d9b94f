/*
 * sema.c - small naming helpers shared by the semantic stages: how a
 * declaration kind, a type and a value are spelled in diagnostics.
 */
#include "sema.h"

#include <stdint.h>

const char *sema_decl_kind_name(decl_kind k)
{
    switch (k) {
    case DECL_CONST:
        return "constant";
    case DECL_ENUM:
        return "enum";
    case DECL_ERRORS:
        return "errors declaration";
    case DECL_MESSAGE:
        return "message";
    case DECL_ACTOR:
        return "actor";
    }
    return "declaration";
}

const char *sema_decl_kind_with_article(decl_kind k)
{
    switch (k) {
    case DECL_CONST:
        return "a constant";
    case DECL_ENUM:
        return "an enum";
    case DECL_ERRORS:
        return "an errors declaration";
    case DECL_MESSAGE:
        return "a message";
    case DECL_ACTOR:
        return "an actor";
    }
    return "a declaration";
}

const char *sema_type_spelling(program *p, const ast_type *t)
{
    if (!t)
        return "()";
    switch (t->kind) {
    case TYPE_SCALAR:
        return scalar_name(t->scalar);
    case TYPE_NAMED:
        if (t->qualifier)
            return arena_printf(p->arena, "%s.%s", t->qualifier, t->name);
        return t->name;
    case TYPE_LIST:
        return arena_printf(p->arena, "list<%s>", sema_type_spelling(p, t->elem));
    case TYPE_MAP:
        return arena_printf(p->arena, "map<%s, %s>", sema_type_spelling(p, t->key),
                            sema_type_spelling(p, t->value));
    }
    return "?";
}

const char *sema_value_spelling(program *p, const ast_value *v)
{
    if (v->text)
        return v->text;
    switch (v->kind) {
    case VALUE_INT:
        return arena_printf(p->arena, "%s%llu", v->negative ? "-" : "",
                            (unsigned long long)v->u);
    case VALUE_FLOAT:
        return arena_printf(p->arena, "%g", v->f);
    case VALUE_STRING:
        return arena_printf(p->arena, "\"%s\"", v->str);
    case VALUE_BOOL:
        return v->b ? "true" : "false";
    case VALUE_IDENT:
        return v->str;
    case VALUE_DURATION:
        return arena_printf(p->arena, "%llums", (unsigned long long)v->u);
    }
    return "?";
}

const char *sema_describe_value(program *p, const ast_value *v)
{
    const char *text = sema_value_spelling(p, v);
    switch (v->kind) {
    case VALUE_INT:
    case VALUE_FLOAT:
        return arena_printf(p->arena, "the number %s", text);
    case VALUE_STRING:
        return arena_printf(p->arena, "the string %s", text);
    case VALUE_BOOL:
        return text;
    case VALUE_IDENT:
        return arena_printf(p->arena, "'%s'", text);
    case VALUE_DURATION:
        return arena_printf(p->arena, "the duration %s", text);
    }
    return text;
}

void sema_push_const(arena *a, ptr_vec *v, const void *item)
{
    /* ptr_vec stores void *; the items pushed here are only ever read. */
    ptr_vec_push(a, v, (void *)(uintptr_t)item);
}
