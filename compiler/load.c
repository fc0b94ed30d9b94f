/*
 * load.c - reads source files and builds the import graph of a program.
 *
 * load_module() parses a root file, then each `import "p";` found beside the
 * importing file first and then in each -I directory in order. A file is
 * parsed once per run however often it is imported (files are compared by
 * their real path). Diagnosed here: files that cannot be read, imports that
 * cannot be found, import cycles (with the chain), a file imported twice by
 * the same module (a warning), and two files declaring one package.
 */
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "actorc.h"

/* What load_source() allocates: the source_file handed out, plus the
 * canonical path used to recognise a file reached by different names. */
typedef struct loaded_file {
    source_file file; /* first member: a source_file * converts back */
    const char *real_path;
} loaded_file;

/* The files being loaded, outermost first, for cycle detection. */
typedef struct loader {
    program *p;
    ptr_vec stack; /* ast_module * */
} loader;

static const char *real_path_of(arena *a, const char *path)
{
    char *rp = realpath(path, NULL);
    if (!rp)
        return NULL;
    const char *copy = arena_strdup(a, rp);
    free(rp);
    return copy;
}

/* Reads all of `f` into a malloc'd buffer, NUL-terminated; NULL on error. */
static char *read_all(FILE *f, size_t *len)
{
    size_t cap = 4096, n = 0;
    char *buf = malloc(cap);
    while (buf) {
        n += fread(buf + n, 1, cap - n - 1, f);
        if (ferror(f)) {
            int saved = errno;
            free(buf);
            errno = saved ? saved : EIO;
            return NULL;
        }
        if (feof(f))
            break;
        char *bigger = realloc(buf, cap * 2);
        if (!bigger)
            free(buf);
        buf = bigger;
        cap *= 2;
    }
    if (!buf) {
        fprintf(stderr, "actorc: out of memory\n");
        abort();
    }
    buf[n] = '\0';
    *len = n;
    return buf;
}

const source_file *load_source(program *p, const char *path, src_loc from)
{
    struct stat st;
    if (stat(path, &st) == 0 && S_ISDIR(st.st_mode)) {
        diag_error(p->diags, from, "cannot open '%s': Is a directory", path);
        return NULL;
    }
    FILE *f = fopen(path, "rb");
    if (!f) {
        diag_error(p->diags, from, "cannot open '%s': %s", path, strerror(errno));
        return NULL;
    }
    size_t len = 0;
    char *text = read_all(f, &len);
    int saved = errno;
    fclose(f);
    if (!text) {
        diag_error(p->diags, from, "cannot read '%s': %s", path, strerror(saved));
        return NULL;
    }
    loaded_file *lf = arena_alloc(p->arena, sizeof *lf);
    lf->file.path = arena_strdup(p->arena, path);
    lf->file.text = arena_strndup(p->arena, text, len);
    lf->file.len = len;
    lf->file.order = ++p->sources_loaded;
    free(text);
    lf->real_path = real_path_of(p->arena, path);
    if (!lf->real_path)
        lf->real_path = lf->file.path;
    return &lf->file;
}

static const char *module_real_path(const ast_module *m)
{
    return ((const loaded_file *)(const void *)m->file)->real_path;
}

static ast_module *find_loaded(const program *p, const char *real_path)
{
    for (size_t i = 0; i < p->modules.len; i++) {
        ast_module *m = p->modules.items[i];
        if (strcmp(module_real_path(m), real_path) == 0)
            return m;
    }
    return NULL;
}

static bool on_stack(const loader *l, const ast_module *m, size_t *index)
{
    for (size_t i = 0; i < l->stack.len; i++) {
        if (l->stack.items[i] == m) {
            *index = i;
            return true;
        }
    }
    return false;
}

static void report_cycle(loader *l, const ast_import *imp, size_t from, const ast_module *target)
{
    const char *chain = "";
    for (size_t i = from; i < l->stack.len; i++) {
        const ast_module *m = l->stack.items[i];
        chain = arena_printf(l->p->arena, "%s%s -> ", chain, m->file->path);
    }
    diag_error(l->p->diags, imp->loc, "import cycle: %s%s", chain, target->file->path);
}

/* dir + "/" + name, or name alone for the current directory. */
static const char *join_path(arena *a, const char *dir, const char *name)
{
    size_t len = strlen(dir);
    if (len == 0 || strcmp(dir, ".") == 0)
        return arena_strdup(a, name);
    return arena_printf(a, "%s%s%s", dir, dir[len - 1] == '/' ? "" : "/", name);
}

static const char *dir_of(arena *a, const char *path)
{
    const char *slash = strrchr(path, '/');
    if (!slash)
        return ".";
    if (slash == path)
        return "/";
    return arena_strndup(a, path, (size_t)(slash - path));
}

static bool file_exists(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 && !S_ISDIR(st.st_mode);
}

/* Where `imp` names a file: beside the importer, then each -I dir. NULL
 * after reporting where it looked. */
static const char *find_import(loader *l, const ast_module *importer, const ast_import *imp)
{
    arena *a = l->p->arena;
    if (imp->path[0] == '/') {
        if (file_exists(imp->path))
            return imp->path;
        diag_error(l->p->diags, imp->loc, "cannot find import '%s'", imp->path);
        return NULL;
    }
    const char *beside = dir_of(a, importer->file->path);
    const char *candidate = join_path(a, beside, imp->path);
    if (file_exists(candidate))
        return candidate;
    const char *looked = arena_printf(a, "'%s'", beside);
    for (size_t i = 0; i < l->p->include_dirs.len; i++) {
        const char *dir = l->p->include_dirs.items[i];
        candidate = join_path(a, dir, imp->path);
        if (file_exists(candidate))
            return candidate;
        looked = arena_printf(a, "%s, '%s'", looked, dir);
    }
    diag_error(l->p->diags, imp->loc, "cannot find import '%s' (looked in %s)", imp->path, looked);
    return NULL;
}

static src_loc package_place(const ast_module *m)
{
    if (m->has_package)
        return m->package_loc;
    return (src_loc){.file = m->file};
}

/* A package name belongs to one file. `via` is the import that brought `m`
 * in, or NULL for a root. */
static void check_package_unique(loader *l, const ast_module *m, const ast_module *importer,
                                 const ast_import *via)
{
    if (m->syntax_errors && !m->has_package)
        return; /* the package line may be what recovery dropped */
    for (size_t i = 0; i < l->p->modules.len; i++) {
        const ast_module *other = l->p->modules.items[i];
        if (other == m || strcmp(other->package, m->package) != 0)
            continue;
        if (other == importer && via) {
            diag_error(l->p->diags, via->loc,
                       "'%s' declares package '%s', the same as the file importing it",
                       m->file->path, m->package);
        } else {
            diag_error(l->p->diags, package_place(m), "package '%s'%s is also the package of '%s'",
                       m->package, m->has_package ? "" : " (named after the file)",
                       other->file->path);
            if (other->has_package)
                diag_note(l->p->diags, other->package_loc, "declared here");
            else
                diag_note(l->p->diags, package_place(other),
                          "'%s' has no package statement and is named after its file",
                          other->file->path);
        }
        return;
    }
}

static ast_module *load_file(loader *l, const char *path, const ast_module *importer,
                             ast_import *via);

/* Loads the imports of `m` and warns about the ones repeated; a repeated
 * import keeps module NULL so later stages see each file once. */
static void load_imports(loader *l, ast_module *m)
{
    for (size_t i = 0; i < m->imports.len; i++) {
        ast_import *imp = m->imports.items[i];
        const char *path = find_import(l, m, imp);
        if (path)
            imp->module = load_file(l, path, m, imp);
        if (!imp->module) {
            imp->failed = true;
            continue;
        }
        for (size_t j = 0; j < i; j++) {
            const ast_import *first = m->imports.items[j];
            if (first->module == imp->module) {
                diag_warning(l->p->diags, imp->loc, "'%s' is imported twice", imp->path);
                diag_note(l->p->diags, first->loc, "first imported here");
                imp->module = NULL;
                break;
            }
        }
    }
}

static ast_module *load_file(loader *l, const char *path, const ast_module *importer,
                             ast_import *via)
{
    program *p = l->p;
    const char *rp = real_path_of(p->arena, path);
    ast_module *seen = rp ? find_loaded(p, rp) : NULL;
    if (seen) {
        size_t index;
        if (via && on_stack(l, seen, &index)) {
            report_cycle(l, via, index, seen);
            return NULL;
        }
        return seen;
    }
    const source_file *src = load_source(p, path, via ? via->loc : (src_loc){0});
    if (!src)
        return NULL;
    ast_module *m = parse_file(p, src);
    if (!m)
        return NULL;
    check_package_unique(l, m, importer, via);
    ptr_vec_push(p->arena, &p->modules, m);
    ptr_vec_push(p->arena, &l->stack, m);
    load_imports(l, m);
    l->stack.len--;
    return m;
}

ast_module *load_module(program *p, const char *path)
{
    loader l = {.p = p};
    return load_file(&l, path, NULL, NULL);
}
