/*
 * sema.h - what the semantic stages (resolve.c, annotations.c, check.c)
 * share with each other and nobody else.
 *
 * Every string these helpers return lives in the program's arena.
 */
#ifndef ACTORC_SEMA_H
#define ACTORC_SEMA_H

#include "actorc.h"

/* "message", "enum", "errors declaration", "actor", "constant". */
const char *sema_decl_kind_name(decl_kind k);
/* The same with its article: "a message", "an enum", ... */
const char *sema_decl_kind_with_article(decl_kind k);

/* The type as the user wrote it: "int32", "common.Point", "map<string, Op>". */
const char *sema_type_spelling(program *p, const ast_type *t);

/* The value as the user wrote it: "-7", "\"x\"", "Op.ADD", "250ms". */
const char *sema_value_spelling(program *p, const ast_value *v);

/* The value for a sentence: "the number 7", "the string \"x\"", "'Op.ADD'". */
const char *sema_describe_value(program *p, const ast_value *v);

/* Pushes a pointer that the vector's readers only read (names offered to
 * diag_suggest_vec, nodes on a search path). */
void sema_push_const(arena *a, ptr_vec *v, const void *item);

/* Validates every annotation of module `m` against the table of known
 * annotations and fills in ast_decl.settings, ast_decl.priority and
 * ast_method.settings (defaults where an annotation is absent). Needs the
 * names of `m` already bound (key_hash looks at parameter messages). */
void sema_apply_annotations(program *p, ast_module *m);

/* Reports IDL names of module `m` that would produce the same C name in
 * the generated code (cnames.c). */
void sema_check_c_names(program *p, ast_module *m);

#endif /* ACTORC_SEMA_H */
