/*
 * fuzz_parse.c - libFuzzer target for actorc's front end and checks: the
 * input is the text of one .actor file, parsed in memory (parse_file),
 * resolved and checked whether or not it parsed cleanly (so the semantic
 * stages meet every partial tree error recovery can leave), and, when it
 * passes, emitted into a scratch directory, as `actorc` does for a file.
 *
 * Imports are not read from disk: every import of the input is bound to one
 * in-memory module, a small `package common` (COMMON_TEXT), so qualified
 * names resolve the way they do for idl/types.actor. Diagnostics are
 * printed into a memory stream so their formatting runs too.
 *
 * Everything lives in the program's arena and the diagnostic sink, both
 * released at the end of each input; LeakSanitizer checks that holds.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "actorc.h"

static const char COMMON_TEXT[] = "/// Imported by every fuzz input that imports anything.\n"
                                  "package common;\n"
                                  "message Point { 1: int32 x; 2: int32 y; }\n"
                                  "enum Color { RED = 0; GREEN = 1; BLUE = 2; }\n"
                                  "const int32 LIMIT = 4;\n";

/* Where emit_module writes; created once, removed at exit. */
static char scratch_dir[] = "/tmp/actorc-fuzz-XXXXXX";
static bool have_scratch;

static void remove_scratch(void)
{
    static const char *const outputs[] = {"fuzz.h", "fuzz.c", "common.h", "common.c"};
    for (size_t i = 0; i < sizeof outputs / sizeof outputs[0]; i++) {
        char path[sizeof scratch_dir + 16];
        snprintf(path, sizeof path, "%s/%s", scratch_dir, outputs[i]);
        unlink(path);
    }
    rmdir(scratch_dir);
}

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc, (void)argv;
    if (mkdtemp(scratch_dir) != NULL) {
        have_scratch = true;
        atexit(remove_scratch);
    }
    return 0;
}

/* A source_file over a NUL-terminated arena copy of `text`. */
static const source_file *memory_file(program *p, const char *path, const char *text,
                                      size_t len)
{
    source_file *f = arena_alloc(p->arena, sizeof *f);
    char *copy = arena_alloc(p->arena, len + 1);
    memcpy(copy, text, len);
    f->path = path;
    f->text = copy;
    f->len = len;
    return f;
}

/* Binds every import of `m` to the in-memory common module. False when
 * the input is itself `package common`, which load.c would diagnose as a
 * clash before any semantic check runs. */
static bool bind_imports(program *p, ast_module *m)
{
    if (m->imports.len == 0)
        return true;
    if (m->package != NULL && strcmp(m->package, "common") == 0)
        return false;
    const source_file *f = memory_file(p, "common.actor", COMMON_TEXT, sizeof COMMON_TEXT - 1);
    ast_module *common = parse_file(p, f);
    if (common == NULL)
        abort(); /* the fixed text must always parse */
    ptr_vec_push(p->arena, &p->modules, common);
    for (size_t i = 0; i < m->imports.len; i++) {
        ast_import *imp = m->imports.items[i];
        imp->module = common;
    }
    return true;
}

static void print_diagnostics(const diag_sink *d)
{
    char *text = NULL;
    size_t len = 0;
    FILE *out = open_memstream(&text, &len);
    if (out == NULL)
        return;
    diag_print(d, out);
    fclose(out);
    free(text);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    diag_sink diags;
    diag_init(&diags);
    program p;
    memset(&p, 0, sizeof p);
    p.arena = arena_new();
    p.diags = &diags;

    const source_file *f = memory_file(&p, "fuzz.actor", (const char *)data, size);
    ast_module *m = parse_file(&p, f);
    if (m != NULL) {
        ptr_vec_push(p.arena, &p.modules, m);
        /* As actorc: semantic checks also after syntax errors. */
        if (bind_imports(&p, m)) {
            resolve_program(&p);
            check_program(&p);
            if (diag_failures(&diags) == 0 && diags.errors == 0 && have_scratch)
                emit_module(&p, m, scratch_dir);
        }
    }
    print_diagnostics(&diags);
    diag_fini(&diags);
    arena_destroy(&p.arena);
    return 0;
}
