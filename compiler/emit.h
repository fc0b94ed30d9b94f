/*
 * emit.h - the back end's internal interface: the text writer every emitter
 * prints through, the naming and typing rules of generated C (DESIGN.md
 * section 3), and the emitter modules.
 *
 * Modules, one per generated artifact or part of one:
 *   emit.c         the writer, emit_module(), the artifact table
 *   emit_types.c   C names and types of IDL declarations and types
 *   emit_header.c  <stem>.h: constants, enums, errors, structs, prototypes
 *   emit_source.c  <stem>.c: the file, enum names, _init/_free
 *   emit_encode.c  _encode (straight into a msgpack_sbuffer) and _pack
 *   emit_decode.c  _decode/_decode_ex (from bytes) and _unpack/_unpack_ex
 *   emit_actor.c   per actor: handler table, spawn and pools, skeleton, client stubs
 *   emit_schema.c  per actor: its methods and messages as JSON, for introspection
 *   emit_queue.c   per @queue message: its descriptor and typed queue calls
 *   emit_dot.c     actorc --dot: a Graphviz graph of the inputs
 *   emit_python.c  actorc --python: a Python module per input, and the
 *                  support module (compiler/python/actor_runtime.py, built
 *                  into actorc as emit_python_runtime)
 *
 * All strings returned here live in the program's arena.
 */
#ifndef ACTORC_EMIT_H
#define ACTORC_EMIT_H

#include "actorc.h"

/* ---------------------------------------------------------------- writer */

/* Collects one output file in memory; printed through emit_line() and
 * friends, which indent every line by `indent` levels of four spaces. */
typedef struct emitter {
    program *p;
    const ast_module *m;
    char *buf; /* malloc'd; owned by the emitter */
    size_t len;
    size_t cap;
    int indent;
} emitter;

/* One line: indentation, the formatted text, a newline. An empty format
 * gives an empty line (no trailing spaces). */
void emit_line(emitter *e, const char *fmt, ...) ACTORC_PRINTF(2, 3);
/* An empty line. */
void emit_blank(emitter *e);
/* A line that opens a block ("if (x) {"): printed, then indent + 1. */
void emit_open(emitter *e, const char *fmt, ...) ACTORC_PRINTF(2, 3);
/* A line that closes a block ("}"): indent - 1, then printed. */
void emit_close(emitter *e, const char *fmt, ...) ACTORC_PRINTF(2, 3);
/* Text appended as is, no indentation. */
void emit_raw(emitter *e, const char *fmt, ...) ACTORC_PRINTF(2, 3);
/* A `///` doc comment as a C comment at the current indentation: one line
 * "/ ** text * /" or a block; nothing when doc is NULL. */
void emit_doc(emitter *e, const char *doc);
/* The banner every generated file starts with. */
void emit_banner(emitter *e);
/* Replaces `path` with buf[0..len) through a temporary renamed into place,
 * only when the content changed. 0, or -1 after reporting to p->diags. */
int emit_replace_file(program *p, const char *path, const char *buf, size_t len);

/* ----------------------------------------------------- names and C types */

/* The C prefix of a module's names: its package, '.' made '_'. */
const char *emit_prefix(emitter *e, const ast_module *m);
/* "calc_CalcRequest" for a declaration of package calc. */
const char *emit_cname(emitter *e, const ast_decl *d);
/* "calc.CalcRequest", for error messages. */
const char *emit_idl_name(emitter *e, const ast_decl *d);
/* A type as the IDL spells it, with package-qualified names:
 * "list<calc.Point>", "map<string, int32>". */
const char *emit_idl_type(emitter *e, const ast_type *t);
/* Adds to `found` (once each) the declarations `t` names (NULL: none),
 * and for a message those its fields name, transitively. */
void emit_collect_type(emitter *e, ptr_vec *found, const ast_type *t);
/* The same from a declaration: d (NULL: none) and what it names. */
void emit_collect_decl(emitter *e, ptr_vec *found, const ast_decl *d);
/* An upper-case copy ("terms" -> "TERMS"). */
const char *emit_upper(emitter *e, const char *s);
/* A C string literal of `len` bytes, escaped, ASCII only. */
const char *emit_c_string(emitter *e, const char *s, size_t len);

/* How a value of a type is stored and coded. */
typedef enum emit_shape {
    SHAPE_FIXED,   /* bool, intN, uintN, float32/64, enum: a plain C value */
    SHAPE_STRING,  /* char * */
    SHAPE_BYTES,   /* actor_bytes */
    SHAPE_MESSAGE, /* a generated struct */
    SHAPE_LIST,    /* (items, count) */
    SHAPE_MAP,     /* (entries, count) */
} emit_shape;

emit_shape emit_shape_of(const ast_type *t);
/* The scalar a SHAPE_FIXED/STRING/BYTES type travels as (enum: int32). */
scalar_kind emit_wire_scalar(const ast_type *t);
/* Suffix of the runtime functions for a scalar: "int32", "str", "bytes". */
const char *emit_scalar_suffix(scalar_kind k);
/* The C type of a value of type `t`; list and map values nested in another
 * list or map are structs named by their `path`. */
const char *emit_ctype(emitter *e, const ast_type *t, const char *path);

/* Paths of the helper types of a composite field: the field's path is
 * "<message>_<field>"; a list's element is "<path>_elem", a map's entry
 * "<path>_entry" and its value "<path>_value". */
const char *emit_path_elem(emitter *e, const char *path);
const char *emit_path_entry(emitter *e, const char *path);
const char *emit_path_value(emitter *e, const char *path);
const char *emit_field_path(emitter *e, const ast_decl *msg, const ast_field *f);
/* The constant of a field's id on the wire: "calc_CalcRequest_FIELD_OP". */
const char *emit_field_id(emitter *e, const ast_decl *msg, const ast_field *f);

/* True when a list node needs generated helpers (its elements are
 * messages, lists or maps); lists of scalars use the runtime's. */
bool emit_list_needs_helpers(const ast_type *t);

/* Calls fn for every list and map node inside `t` (children first, `t`
 * itself last if it is one), with the node's path. */
typedef void (*emit_node_fn)(emitter *e, const ast_type *t, const char *path, void *ctx);
void emit_each_node(emitter *e, const ast_type *t, const char *path, emit_node_fn fn, void *ctx);

/* The fields of a message sorted by id (the wire order), in the arena. */
const ast_field **emit_fields_by_id(emitter *e, const ast_decl *msg);
/* Does _init of `msg` set anything (defaults, here or in embedded
 * messages)? Does it allocate (string defaults)? */
bool emit_message_has_defaults(const ast_decl *msg);
bool emit_message_init_allocates(const ast_decl *msg);

/* C expressions. */
const char *emit_int_literal(emitter *e, scalar_kind k, bool negative, uint64_t magnitude,
                             bool typed);
const char *emit_float_literal(emitter *e, scalar_kind k, double f);
/* The C expression of an IDL value (a default or a const) for type `t`. */
const char *emit_value(emitter *e, const ast_type *t, const ast_value *v);

/* Code for one value of type t. For SHAPE_LIST/MAP the value is the pair
 * (items, count); otherwise `items` is the value's lvalue and count NULL.
 * Each returns one C expression yielding 0 or a negative ACTOR_E* code
 * (or, for emit_free_stmt, a statement without the semicolon, or NULL if
 * nothing needs freeing). */
const char *emit_write_call(emitter *e, const ast_type *t, const char *path, const char *items,
                            const char *count);
const char *emit_pack_call(emitter *e, const ast_type *t, const char *path, const char *items,
                           const char *count);
const char *emit_read_call(emitter *e, const ast_type *t, const char *path, const char *items,
                           const char *count);
const char *emit_unpack_call(emitter *e, const ast_type *t, const char *path, const char *obj,
                             const char *items, const char *count);
const char *emit_free_stmt(emitter *e, const ast_type *t, const char *path, const char *items,
                           const char *count);
/* For a nested list/map value stored in struct lvalue `v`: its items and
 * count lvalues ("v.items"/"v.entries", "v.n"). */
const char *emit_nested_items(emitter *e, const ast_type *t, const char *v);
const char *emit_nested_count(emitter *e, const char *v);

/* ---------------------------------------------------------------- modules */

/* Whole files (emit_header.c, emit_source.c). */
void emit_header(emitter *e);
void emit_source(emitter *e);

/* Per-message parts of the .c file, in the order they are printed. */
void emit_lifecycle(emitter *e, const ast_decl *msg); /* emit_source.c */
void emit_encoders(emitter *e, const ast_decl *msg);  /* emit_encode.c */
void emit_decoders(emitter *e, const ast_decl *msg);  /* emit_decode.c */

/* Actors (emit_actor.c): does the module declare any? The header section
 * (settings, method indices, handler table, spawn, pool and stub
 * prototypes) and the source part (actor_type, trampolines, spawn and pool
 * functions, stubs). */
bool emit_has_actors(const ast_module *m);
void emit_actor_decls(emitter *e);
void emit_actor_defs(emitter *e);
/* Messages marked @queue (emit_queue.c): does the module have any? Their
 * descriptors and typed queue and channel calls, header and source. */
bool emit_has_queue_items(const ast_module *m);
void emit_queue_decls(emitter *e);
void emit_queue_defs(emitter *e);
/* An actor's schema, as JSON in a string constant <actor>__schema
 * (emit_schema.c). */
void emit_actor_schema(emitter *e, const ast_decl *actor);

/* The text of actor_runtime.py, line by line (each with its newline),
 * NULL-terminated; generated from compiler/python/actor_runtime.py. */
extern const char *const emit_python_runtime[];

#endif /* ACTORC_EMIT_H */
