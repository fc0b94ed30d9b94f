/*
 * actorc.h - the one interface header of the actorc compiler.
 *
 * The compiler is a pipeline, one file per stage:
 *
 *   lex.l      source text  -> tokens               (reentrant flex scanner)
 *   parse.y    tokens       -> AST (ast_module)     (pure bison parser)
 *   load.c     the root file and its imports -> a program (import graph)
 *   resolve.c  names -> declarations, annotations -> typed settings
 *   check.c    every semantic rule of the IDL (DESIGN.md section 2)
 *   emit_*.c   AST -> C text, one module per generated artifact
 *   main.c     the command line
 *
 * Support: arena.c (all AST memory), diag.c (collected diagnostics),
 * emit.c (the printf-checked, indenting text writer).
 *
 * Memory: every AST node and every string hanging off it lives in the
 * program's arena and is released in one arena_destroy(). No AST pointer is
 * ever freed individually.
 */
#ifndef ACTORC_H
#define ACTORC_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define ACTORC_VERSION "0.1.0"

#if defined(__GNUC__)
#define ACTORC_PRINTF(fmt, args) __attribute__((format(printf, fmt, args)))
#else
#define ACTORC_PRINTF(fmt, args)
#endif

/* ---------------------------------------------------------------- arena */

typedef struct arena arena;

/* Returns a new arena; the caller destroys it with arena_destroy(). Aborts
 * with a message on out-of-memory (the compiler has no way to go on). */
arena *arena_new(void);
/* Frees every block the arena handed out and sets *a to NULL. */
void arena_destroy(arena **a);
/* Zeroed memory owned by the arena. */
void *arena_alloc(arena *a, size_t size);
/* Copies of strings, owned by the arena. */
char *arena_strdup(arena *a, const char *s);
char *arena_strndup(arena *a, const char *s, size_t n);
char *arena_printf(arena *a, const char *fmt, ...) ACTORC_PRINTF(2, 3);

/* A growable array of pointers, storage in the arena. */
typedef struct ptr_vec {
    void **items;
    size_t len;
    size_t cap;
} ptr_vec;
void ptr_vec_push(arena *a, ptr_vec *v, void *item);

/* --------------------------------------------------------- source files */

typedef struct source_file {
    const char *path;     /* as named on the command line or resolved import */
    const char *text;     /* whole contents, NUL-terminated, in the arena */
    size_t len;
    unsigned order;       /* load order from 1 (diagnostics are printed by it) */
} source_file;

/* A position in a source file; line and column count from 1. Columns count
 * bytes, tabs as one. */
typedef struct src_loc {
    const source_file *file;
    int line;
    int col;
    int end_col; /* last column of the token on `line`, for wider carets */
} src_loc;

/* ---------------------------------------------------------- diagnostics */

typedef enum diag_severity {
    DIAG_ERROR,
    DIAG_WARNING,
    DIAG_NOTE,
} diag_severity;

typedef struct diag {
    diag_severity severity;
    src_loc loc;     /* loc.file may be NULL for errors without a place */
    char *message;   /* owned by the sink */
    bool syntax;     /* reported by the scanner or parser (set by parse_file) */
} diag;

/* Collects diagnostics of a whole run; diag_print() prints them in source
 * order (file by load order, line, column; stable), each note after the
 * diagnostic it belongs to.
 * Stages never print and never exit: they report here and go on. */
typedef struct diag_sink {
    diag *items;
    size_t len;
    size_t cap;
    int errors;
    int warnings;
    bool warnings_are_errors; /* -Werror */
    bool lexer_failed;        /* set by the scanner: parser cascades are muted */
    bool muting;              /* the last error was dropped: so are its notes */
} diag_sink;

void diag_init(diag_sink *d);
void diag_fini(diag_sink *d);
void diag_error(diag_sink *d, src_loc loc, const char *fmt, ...) ACTORC_PRINTF(3, 4);
void diag_warning(diag_sink *d, src_loc loc, const char *fmt, ...) ACTORC_PRINTF(3, 4);
/* An error at a token that already has a syntax error (one the scanner or
 * parser reported, e.g. a malformed number) is dropped with its notes: it
 * is a cascade of that error. */
/* A note attaches to the diagnostic reported just before it. */
void diag_note(diag_sink *d, src_loc loc, const char *fmt, ...) ACTORC_PRINTF(3, 4);
/* Prints every diagnostic GCC-style: "file:line:col: error: msg", then the
 * source line and a caret under the column (placed by display column: a
 * UTF-8 character counts once); diagnostics without a file come first. */
void diag_print(const diag_sink *d, FILE *out);
/* Number of diagnostics that fail the run (errors, and warnings under -Werror). */
int diag_failures(const diag_sink *d);

/* The closest of `candidates` (NULL-terminated) to `word` by edit distance,
 * or NULL when nothing is close enough to be a plausible typo. */
const char *diag_suggest(const char *word, const char *const *candidates);
/* The same over a ptr_vec of `const char *`. */
const char *diag_suggest_vec(const char *word, const ptr_vec *candidates);

/* ------------------------------------------------------------------ AST */

/* Built-in scalar types, X-macro: (enum suffix, IDL spelling). */
#define ACTORC_SCALARS(X) \
    X(BOOL, "bool")       \
    X(INT8, "int8")       \
    X(INT16, "int16")     \
    X(INT32, "int32")     \
    X(INT64, "int64")     \
    X(UINT8, "uint8")     \
    X(UINT16, "uint16")   \
    X(UINT32, "uint32")   \
    X(UINT64, "uint64")   \
    X(FLOAT32, "float32") \
    X(FLOAT64, "float64") \
    X(STRING, "string")   \
    X(BYTES, "bytes")

typedef enum scalar_kind {
#define X(name, spelling) SCALAR_##name,
    ACTORC_SCALARS(X)
#undef X
    SCALAR_COUNT
} scalar_kind;

/* The IDL spelling of a scalar ("int32"). */
const char *scalar_name(scalar_kind k);
bool scalar_is_integer(scalar_kind k);
bool scalar_is_signed(scalar_kind k);
bool scalar_is_float(scalar_kind k);

struct ast_decl;

typedef enum type_kind {
    TYPE_SCALAR, /* one of scalar_kind */
    TYPE_NAMED,  /* a message or enum, by (optionally qualified) name */
    TYPE_LIST,   /* list<elem> */
    TYPE_MAP,    /* map<key, value> */
} type_kind;

typedef struct ast_type {
    type_kind kind;
    src_loc loc;
    scalar_kind scalar;          /* TYPE_SCALAR */
    const char *qualifier;       /* TYPE_NAMED: "common" in common.Point, or NULL */
    const char *name;            /* TYPE_NAMED: "Point" */
    struct ast_decl *resolved;   /* TYPE_NAMED: set by resolve (message or enum) */
    struct ast_type *elem;       /* TYPE_LIST */
    struct ast_type *key;        /* TYPE_MAP */
    struct ast_type *value;      /* TYPE_MAP */
} ast_type;

typedef enum value_kind {
    VALUE_INT,    /* 42, -7, 0x10: magnitude in u, sign in negative */
    VALUE_FLOAT,  /* 1.5, -2e10, also inf/nan are not accepted */
    VALUE_STRING, /* "text" with escapes already decoded */
    VALUE_BOOL,   /* true / false */
    VALUE_IDENT,  /* ADD, Op.ADD, calc.MAX_TERMS: an enum member or a const */
    VALUE_DURATION, /* 250ms, 60s, 2m: in milliseconds in u */
} value_kind;

typedef struct ast_value {
    value_kind kind;
    src_loc loc;
    bool negative;        /* VALUE_INT: a leading minus */
    uint64_t u;           /* VALUE_INT magnitude; VALUE_DURATION milliseconds */
    double f;             /* VALUE_FLOAT */
    bool b;               /* VALUE_BOOL */
    const char *str;      /* VALUE_STRING (decoded), VALUE_IDENT (dotted name) */
    size_t str_len;       /* VALUE_STRING: may contain no NUL; length in bytes */
    const char *text;     /* the literal as written, for diagnostics */
    struct ast_decl *resolved; /* VALUE_IDENT: the const or enum set by resolve */
    const struct ast_enum_member *member; /* VALUE_IDENT naming an enum member */
} ast_value;

/* One argument of an annotation: positional (name NULL) or name = value. */
typedef struct ast_annot_arg {
    src_loc loc;
    const char *name;  /* "size" in size = 4, or NULL */
    ast_value *value;  /* never NULL; `least_loaded` is a VALUE_IDENT,
                          key_hash(field) is a VALUE_IDENT "key_hash" with
                          call_arg "field" */
    const char *call_arg; /* the x of key_hash(x), else NULL */
} ast_annot_arg;

/* @name or @name(args...) */
typedef struct ast_annotation {
    src_loc loc;
    const char *name;
    ptr_vec args; /* ast_annot_arg * */
} ast_annotation;

typedef struct ast_field {
    src_loc loc;          /* at the field name */
    const char *doc;      /* joined /// lines, or NULL */
    uint64_t id;          /* 1..65535 after check; as written before */
    src_loc id_loc;
    const char *name;
    ast_type *type;
    bool optional;
    ast_value *default_value; /* or NULL */
    ptr_vec annotations;
} ast_field;

/* reserved 9, 10, 20 to 30; */
typedef struct ast_reserved {
    src_loc loc;
    uint64_t from;
    uint64_t to; /* == from for a single id */
} ast_reserved;

typedef struct ast_enum_member {
    src_loc loc;
    const char *doc;
    const char *name;
    ast_value *value; /* VALUE_INT (possibly negative) */
    int64_t number;   /* set by check */
} ast_enum_member;

typedef enum method_kind {
    METHOD_RPC,  /* rpc name(Param) returns (Result) raises (Errors...) */
    METHOD_CAST, /* cast name(Param): one way */
} method_kind;

/* Settings computed from method annotations by resolve. */
typedef struct method_settings {
    bool has_priority;
    uint8_t priority;          /* @priority(n) */
    bool has_timeout;
    uint64_t timeout_ms;       /* @timeout(250ms) */
    uint32_t retries;          /* @retries(n) */
    bool idempotent;           /* @idempotent */
    /* The actor's @pool(balance = key_hash(field)): that field of this
     * method's parameter message; NULL for other pools and for (). */
    const ast_field *key_field;
} method_settings;

typedef struct ast_method {
    src_loc loc;
    const char *doc;
    method_kind kind;
    const char *name;
    ast_type *param;     /* TYPE_NAMED message, or NULL for () */
    ast_type *result;    /* rpc: TYPE_NAMED message or NULL for returns () */
    ptr_vec raises;      /* ast_type * (TYPE_NAMED naming `errors` decls) */
    ptr_vec annotations;
    method_settings settings;
} ast_method;

typedef enum balance_kind {
    BALANCE_ROUND_ROBIN,
    BALANCE_LEAST_LOADED,
    BALANCE_RANDOM2,
    BALANCE_KEY_HASH,
} balance_kind;

typedef enum overflow_kind {
    OVERFLOW_BLOCK,
    OVERFLOW_REJECT,
    OVERFLOW_DROP_OLDEST,
} overflow_kind;

typedef enum isolation_kind {
    ISOLATION_THREAD,
    ISOLATION_PROCESS,
} isolation_kind;

/* Settings computed from actor annotations by resolve; defaults when absent. */
typedef struct actor_settings {
    uint32_t pool_size;        /* @pool(size = n); default 1 */
    balance_kind balance;      /* default round_robin */
    const char *key_field;     /* key_hash(field) */
    uint32_t mailbox_capacity; /* @mailbox(capacity = n); default 1024 */
    overflow_kind overflow;    /* default block */
    uint32_t restart_max;      /* @restart(max = n); default 3 */
    uint64_t restart_window_ms; /* default 60000 */
    uint64_t restart_backoff_ms; /* default 100 */
    isolation_kind isolation;  /* default thread */
} actor_settings;

typedef enum decl_kind {
    DECL_CONST,   /* const int32 MAX = 16; */
    DECL_ENUM,    /* enum Op { ADD = 0; } */
    DECL_ERRORS,  /* errors CalcError { DIVIDE_BY_ZERO = 1; } */
    DECL_MESSAGE, /* message M { 1: int32 x; } */
    DECL_ACTOR,   /* actor A { rpc f(M) returns (M); } */
} decl_kind;

struct ast_module;

typedef struct ast_decl {
    decl_kind kind;
    src_loc loc;              /* at the declared name */
    const char *doc;          /* joined /// lines, or NULL */
    const char *name;
    ptr_vec annotations;      /* ast_annotation * */
    struct ast_module *module; /* the file that declares it */

    /* DECL_CONST */
    ast_type *const_type;
    ast_value *const_value;

    /* DECL_ENUM, DECL_ERRORS */
    ptr_vec members; /* ast_enum_member * */

    /* DECL_MESSAGE */
    ptr_vec fields;   /* ast_field * in declaration order */
    ptr_vec reserved; /* ast_reserved * */
    bool has_priority;
    uint8_t priority; /* @priority(n) on the message; 128 when unset */
    bool queue_items; /* @queue: typed queue and channel wrappers are generated */

    /* DECL_ACTOR */
    ptr_vec methods; /* ast_method * */
    actor_settings settings;

    /* Set by the parser when error recovery dropped part of the body
     * (members, fields, methods): checks that need the whole body (an enum
     * has members, key_hash names a field) are skipped for it. */
    bool incomplete;
} ast_decl;

typedef struct ast_import {
    src_loc loc;
    const char *path;               /* as written */
    struct ast_module *module;      /* set by load: the imported file */
    bool used;                      /* set by resolve: any name used from it */
    bool failed;                    /* set by load: not found, unreadable, a cycle */
} ast_import;

typedef struct ast_module {
    const source_file *file;
    const char *stem;          /* file name without directory and .actor */
    const char *package;       /* `package x;` or the stem */
    src_loc package_loc;
    bool has_package;
    const char *doc;           /* /// before `package`, or NULL */
    ptr_vec imports;           /* ast_import * */
    ptr_vec decls;             /* ast_decl * in source order */
    /* Set by parse_file: the scanner or parser reported errors, so recovery
     * may have dropped declarations, imports or the package line. */
    bool syntax_errors;
    /* Set by resolve: names this module uses may exist in text that was
     * dropped (syntax_errors here or in an imported module, or a failed
     * import), so an unknown name is not reported (docs/COMPILER.md). */
    bool names_incomplete;
} ast_module;

/* ------------------------------------------------------------- pipeline */

/* Everything a run works on: the arena, diagnostics, include dirs, and every
 * module loaded (roots and imports, each once). */
typedef struct program {
    arena *arena;
    diag_sink *diags;
    ptr_vec include_dirs;  /* const char * */
    ptr_vec modules;       /* ast_module *, every file loaded, in load order */
    unsigned sources_loaded; /* source files read so far (source_file.order) */
    bool allow_runtime_namespace; /* --allow-runtime-namespace: packages named
                                     actor or actor_* (libactor's own IDL) */
} program;

/* Stage 1+2 (lex.l, parse.y): parses one file's text into a module. Reports
 * syntax errors to p->diags; returns a module (possibly partial) or NULL if
 * nothing could be read. */
ast_module *parse_file(program *p, const source_file *file);

/* Reads `path` into a source_file in the arena; reports and returns NULL on
 * I/O error. */
const source_file *load_source(program *p, const char *path, src_loc from);

/* Stage 3 (load.c): parses `path` and, recursively, its imports (resolved
 * beside the importing file, then in each include dir). Cycles and duplicate
 * imports are diagnosed. Returns the root module or NULL. */
ast_module *load_module(program *p, const char *path);

/* Stage 4 (resolve.c): binds every TYPE_NAMED and VALUE_IDENT, fills
 * ast_decl.settings / ast_method.settings / message priority from annotations
 * (validating names and arguments). Returns the number of new errors. */
int resolve_program(program *p);

/* Stage 5 (check.c): every remaining rule (ids, uniqueness, reserved,
 * keywords, defaults, map keys, recursion by value, unused imports).
 * Returns the number of new errors. */
int check_program(program *p);

/* Stage 6 (emit_*.c): writes <stem>.h and <stem>.c for `m` into outdir.
 * Each file is written to a temporary and renamed, and only when its content
 * changed. Returns 0 or -1 after reporting to p->diags. */
int emit_module(program *p, const ast_module *m, const char *outdir);
/* actorc --python: writes <stem>.py for each root module and the support
 * module actor_runtime.py into outdir (emit_python.c). 0, or -1 after
 * reporting to p->diags; nothing is written when a module has a name
 * Python cannot take. */
int emit_python(program *p, const ptr_vec *roots, const char *outdir);
/* actorc --dot: writes one Graphviz graph of the root modules (and what
 * their declarations reach) to `out`. 0, or -1 with a diagnostic. */
int emit_dot_graph(program *p, const ptr_vec *roots, FILE *out);

/* actorc --check-compat (compat.c): reports to newp->diags, as errors at
 * the new version's lines with notes at the old one's, every change from
 * old_m to new_m that breaks a reader or writer of the other version. */
void check_compat(program *oldp, const ast_module *old_m, program *newp,
                  const ast_module *new_m);

/* Lookups shared by the stages. */
ast_decl *module_find_decl(const ast_module *m, const char *name);
bool is_c_keyword(const char *name);

#endif /* ACTORC_H */
