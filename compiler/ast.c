/*
 * ast.c - small lookups over the AST shared by every stage: scalar type
 * properties, declarations by name, and the identifiers C reserves.
 */
#include <string.h>

#include "actorc.h"

static const char *const scalar_names[SCALAR_COUNT] = {
#define X(name, spelling) [SCALAR_##name] = spelling,
    ACTORC_SCALARS(X)
#undef X
};

const char *scalar_name(scalar_kind k)
{
    return (unsigned)k < SCALAR_COUNT ? scalar_names[k] : "?";
}

bool scalar_is_integer(scalar_kind k)
{
    return k >= SCALAR_INT8 && k <= SCALAR_UINT64;
}

bool scalar_is_signed(scalar_kind k)
{
    return k >= SCALAR_INT8 && k <= SCALAR_INT64;
}

bool scalar_is_float(scalar_kind k)
{
    return k == SCALAR_FLOAT32 || k == SCALAR_FLOAT64;
}

ast_decl *module_find_decl(const ast_module *m, const char *name)
{
    for (size_t i = 0; i < m->decls.len; i++) {
        ast_decl *d = m->decls.items[i];
        if (d->name && strcmp(d->name, name) == 0)
            return d;
    }
    return NULL;
}

/* Words a generated C name may not be: the C11 keywords, the C23 ones
 * (generated code may be built as C23), and macros from the standard
 * headers generated code includes, which would break `m->name`. GNU C
 * modes also predefine `linux` and `unix`. */
static const char *const c_reserved_words[] = {
    /* C11 */
    "auto", "break", "case", "char", "const", "continue", "default", "do", "double",
    "else", "enum", "extern", "float", "for", "goto", "if", "inline", "int", "long",
    "register", "restrict", "return", "short", "signed", "sizeof", "static", "struct",
    "switch", "typedef", "union", "unsigned", "void", "volatile", "while", "_Alignas",
    "_Alignof", "_Atomic", "_Bool", "_Complex", "_Generic", "_Imaginary", "_Noreturn",
    "_Static_assert", "_Thread_local",
    /* C23 */
    "alignas", "alignof", "bool", "constexpr", "false", "nullptr", "static_assert",
    "thread_local", "true", "typeof", "typeof_unqual", "_BitInt", "_Decimal32",
    "_Decimal64", "_Decimal128",
    /* standard macros and objects */
    "NULL", "EOF", "errno", "offsetof", "assert", "stdin", "stdout", "stderr",
    "complex", "imaginary", "noreturn", "asm", "linux", "unix",
};

bool is_c_keyword(const char *name)
{
    /* _Upper and __x are reserved to the implementation everywhere. */
    if (name[0] == '_' && (name[1] == '_' || (name[1] >= 'A' && name[1] <= 'Z')))
        return true;
    for (size_t i = 0; i < sizeof c_reserved_words / sizeof c_reserved_words[0]; i++)
        if (strcmp(name, c_reserved_words[i]) == 0)
            return true;
    return false;
}
