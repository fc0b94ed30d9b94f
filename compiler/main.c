/*
 * main.c - the actorc command line (DESIGN.md section 5).
 *
 *   actorc [-I dir]... [-o outdir] [-M depfile] [--check] [-Werror] file.actor...
 *   actorc [-I dir]... --dot file.actor...
 *   actorc [-I dir]... --check-compat old.actor new.actor
 *   actorc [-I dir]... [-o outdir] --python file.actor...
 *
 * Loads every input with its imports, resolves and checks the program, and
 * unless --check or an error stops it, writes <stem>.h and <stem>.c for each
 * input (never for modules only imported) and the optional make depfile;
 * with --dot, one Graphviz graph of them all on standard output instead;
 * with --python, <stem>.py for each input and the support module
 * actor_runtime.py instead of C; with --check-compat, only the changes
 * from the first input to the second that break readers or writers of the
 * other version, as errors.
 * Diagnostics are printed once, at the end. Exit status: 0 success, 1 errors
 * in the input, 2 usage errors.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "actorc.h"

enum { EXIT_INPUT_ERROR = 1, EXIT_USAGE = 2 };

typedef struct options {
    ptr_vec inputs;       /* const char *, as given */
    const char *outdir;   /* NULL: the current directory */
    const char *depfile;  /* -M, or NULL */
    bool check_only;      /* --check */
    bool dot;             /* --dot */
    bool python;          /* --python */
    bool check_compat;    /* --check-compat */
    bool werror;          /* -Werror */
    bool allow_runtime_namespace; /* --allow-runtime-namespace */
} options;

static const char usage_text[] =
    "usage: actorc [options] file.actor...\n"
    "\n"
    "Compiles each file.actor into file.h and file.c: the structs and msgpack\n"
    "codecs of its messages, its enums, constants and error codes, and for each\n"
    "actor its handler table and spawn function (the skeleton) and typed client\n"
    "stubs (call, async, cast).\n"
    "\n"
    "options:\n"
    "  -I dir, -Idir    search dir for imports, after the importing file's own\n"
    "                   directory; may be repeated, searched in order\n"
    "  -o outdir        write the generated files into outdir, creating it\n"
    "                   (default: .)\n"
    "  -M depfile       also write make dependencies of the outputs (like gcc -MD -MP)\n"
    "  --check          check the inputs only; write nothing\n"
    "  --dot            write a Graphviz graph of the inputs' actors, methods and\n"
    "                   messages to standard output instead (dot -Tsvg draws it)\n"
    "  --python         write Python clients instead: file.py for each input (its\n"
    "                   messages, enums, error codes and a client class per actor)\n"
    "                   and the support module actor_runtime.py\n"
    "  --check-compat   with two inputs, OLD.actor NEW.actor: report each change\n"
    "                   from OLD to NEW that breaks readers or writers of the other\n"
    "                   version (exit status 1); write nothing\n"
    "  -Werror          treat warnings as errors\n"
    "  --allow-runtime-namespace\n"
    "                   accept packages named actor or actor_* (libactor's own IDL\n"
    "                   only: such names clash with the runtime's)\n"
    "  --help           print this help and exit\n"
    "  --version        print the version and exit\n"
    "\n"
    "exit status: 0 on success, 1 when an input has errors, 2 on a usage error.\n";

static int usage_error(const char *what, const char *arg)
{
    fprintf(stderr, "actorc: error: %s%s%s\n%s", what, arg ? arg : "", arg ? "'" : "",
            usage_text);
    return EXIT_USAGE;
}

/* The value of an option given as "-X value" or "-Xvalue"; NULL if absent. */
static char *option_value(int argc, char **argv, int *i, const char *flag)
{
    char *arg = argv[*i];
    size_t n = strlen(flag);
    if (arg[n] != '\0')
        return arg + n;
    if (*i + 1 >= argc)
        return NULL;
    return argv[++*i];
}

/* Whether `path` names a file "<name>.actor" (a non-empty name): the
 * outputs are <name>.h and <name>.c, so anything else would write beside
 * the wrong name ("x.txt.h"). */
static bool is_actor_file_name(const char *path)
{
    static const char ext[] = ".actor";
    const char *slash = strrchr(path, '/');
    const char *base = slash ? slash + 1 : path;
    size_t len = strlen(base), n = sizeof ext - 1;
    return len > n && strcmp(base + len - n, ext) == 0;
}

/* Fills *o from argv. Returns -1 to go on, or the exit status to stop with. */
static int parse_options(arena *a, int argc, char **argv, options *o, ptr_vec *include_dirs)
{
    bool only_files = false;
    for (int i = 1; i < argc; i++) {
        char *arg = argv[i];
        if (only_files || arg[0] != '-' || strcmp(arg, "-") == 0) {
            ptr_vec_push(a, &o->inputs, arg);
        } else if (strcmp(arg, "--") == 0) {
            only_files = true;
        } else if (strcmp(arg, "--help") == 0) {
            fputs(usage_text, stdout);
            return 0;
        } else if (strcmp(arg, "--version") == 0) {
            printf("actorc %s\n", ACTORC_VERSION);
            return 0;
        } else if (strcmp(arg, "--check") == 0) {
            o->check_only = true;
        } else if (strcmp(arg, "--dot") == 0) {
            o->dot = true;
        } else if (strcmp(arg, "--python") == 0) {
            o->python = true;
        } else if (strcmp(arg, "--check-compat") == 0) {
            o->check_compat = true;
        } else if (strcmp(arg, "-Werror") == 0) {
            o->werror = true;
        } else if (strcmp(arg, "--allow-runtime-namespace") == 0) {
            o->allow_runtime_namespace = true;
        } else if (strncmp(arg, "-I", 2) == 0 || strncmp(arg, "-o", 2) == 0 ||
                   strncmp(arg, "-M", 2) == 0) {
            char flag[3] = {arg[0], arg[1], '\0'};
            char *value = option_value(argc, argv, &i, flag);
            if (!value || !*value)
                return usage_error("missing argument to '", flag);
            if (flag[1] == 'I')
                ptr_vec_push(a, include_dirs, value);
            else if (flag[1] == 'o')
                o->outdir = value;
            else
                o->depfile = value;
        } else {
            return usage_error("unknown option '", arg);
        }
    }
    if (o->inputs.len == 0)
        return usage_error("no input files", NULL);
    if (o->dot && (o->outdir != NULL || o->depfile != NULL))
        return usage_error("--dot writes to standard output: no -o or -M with it", NULL);
    if (o->python && (o->dot || o->depfile != NULL))
        return usage_error("--python writes Python modules: no --dot or -M with it", NULL);
    if (o->check_compat && (o->inputs.len != 2 || o->dot || o->python || o->outdir != NULL ||
                            o->depfile != NULL))
        return usage_error("--check-compat takes two inputs, OLD.actor NEW.actor, and no "
                           "-o, -M or --dot",
                           NULL);
    for (size_t i = 0; i < o->inputs.len; i++)
        if (!is_actor_file_name(o->inputs.items[i]))
            return usage_error("input files are named <name>.actor, not '",
                               o->inputs.items[i]);
    return -1;
}

/* ------------------------------------------------------------ outputs */

static const char *output_path(arena *a, const options *o, const ast_module *m, const char *ext)
{
    if (!o->outdir)
        return arena_printf(a, "%s.%s", m->stem, ext);
    size_t len = strlen(o->outdir);
    return arena_printf(a, "%s%s%s.%s", o->outdir, o->outdir[len - 1] == '/' ? "" : "/",
                        m->stem, ext);
}

/* Two inputs with one stem would overwrite each other's outputs. */
static void check_output_names(program *p, const ptr_vec *roots)
{
    for (size_t i = 0; i < roots->len; i++) {
        const ast_module *m = roots->items[i];
        for (size_t j = 0; j < i; j++) {
            const ast_module *other = roots->items[j];
            if (strcmp(m->stem, other->stem) == 0) {
                diag_error(p->diags, (src_loc){.file = m->file},
                           "'%s' and '%s' would both write %s.h and %s.c", other->file->path,
                           m->file->path, m->stem, m->stem);
                break;
            }
        }
    }
}

/* mkdir -p; reports and returns -1 on failure. */
static int make_dirs(program *p, const char *dir)
{
    char *path = arena_strdup(p->arena, dir);
    for (char *s = path + 1;; s++) {
        if (*s == '/' || *s == '\0') {
            char saved = *s;
            *s = '\0';
            if (mkdir(path, 0777) != 0 && errno != EEXIST) {
                diag_error(p->diags, (src_loc){0}, "cannot create directory '%s': %s", path,
                           strerror(errno));
                return -1;
            }
            *s = saved;
            if (saved == '\0')
                break;
        }
    }
    struct stat st;
    if (stat(dir, &st) != 0 || !S_ISDIR(st.st_mode)) {
        diag_error(p->diags, (src_loc){0}, "'%s' is not a directory", dir);
        return -1;
    }
    return 0;
}

/* ------------------------------------------------------------ depfile */

/* `path` escaped for a make rule. */
static void put_make_word(FILE *f, const char *path)
{
    for (const char *s = path; *s; s++) {
        if (*s == ' ' || *s == '#' || *s == '\\')
            fputc('\\', f);
        else if (*s == '$')
            fputc('$', f);
        fputc(*s, f);
    }
}

static bool vec_contains(const ptr_vec *v, const void *item)
{
    for (size_t i = 0; i < v->len; i++)
        if (v->items[i] == item)
            return true;
    return false;
}

/* Every file m depends on: m, then its imports depth-first, each once. */
static void collect_deps(arena *a, ast_module *m, ptr_vec *deps)
{
    if (vec_contains(deps, m))
        return;
    ptr_vec_push(a, deps, m);
    for (size_t i = 0; i < m->imports.len; i++) {
        const ast_import *imp = m->imports.items[i];
        if (imp->module)
            collect_deps(a, imp->module, deps);
    }
}

static void write_deps(FILE *f, program *p, const options *o, const ptr_vec *roots)
{
    ptr_vec phony = {0};
    for (size_t i = 0; i < roots->len; i++) {
        ast_module *m = roots->items[i];
        ptr_vec deps = {0};
        collect_deps(p->arena, m, &deps);
        put_make_word(f, output_path(p->arena, o, m, "h"));
        fputc(' ', f);
        put_make_word(f, output_path(p->arena, o, m, "c"));
        fputc(':', f);
        for (size_t j = 0; j < deps.len; j++) {
            ast_module *d = deps.items[j];
            fputs(j == 0 ? " " : " \\\n ", f);
            put_make_word(f, d->file->path);
            if (j > 0 && !vec_contains(&phony, d))
                ptr_vec_push(p->arena, &phony, d);
        }
        fputc('\n', f);
    }
    for (size_t i = 0; i < phony.len; i++) {
        const ast_module *d = phony.items[i];
        fputc('\n', f);
        put_make_word(f, d->file->path);
        fputs(":\n", f);
    }
}

/* The depfile's temporary, written before any output so that a depfile
 * that cannot be written stops the run before anything is written, and
 * renamed into place after every output. */
static const char *depfile_temp(program *p, const options *o)
{
    return arena_printf(p->arena, "%s.tmp%ld", o->depfile, (long)getpid());
}

/* Writes the depfile's temporary; reports and returns -1 on failure
 * (nothing left behind). */
static int write_depfile_temp(program *p, const options *o, const ptr_vec *roots)
{
    const char *tmp = depfile_temp(p, o);
    const char *slash = strrchr(o->depfile, '/');
    /* its directory, like -o's, is made when missing */
    if (slash != NULL && slash != o->depfile &&
        make_dirs(p, arena_strndup(p->arena, o->depfile, (size_t)(slash - o->depfile))) != 0)
        return -1;
    FILE *f = fopen(tmp, "w");
    if (!f) {
        diag_error(p->diags, (src_loc){0}, "cannot write '%s': %s", o->depfile, strerror(errno));
        return -1;
    }
    write_deps(f, p, o, roots);
    bool failed = ferror(f) != 0;
    failed |= fclose(f) != 0;
    if (failed) {
        diag_error(p->diags, (src_loc){0}, "cannot write '%s': %s", o->depfile, strerror(errno));
        remove(tmp);
        return -1;
    }
    return 0;
}

static int rename_depfile(program *p, const options *o)
{
    const char *tmp = depfile_temp(p, o);
    if (rename(tmp, o->depfile) != 0) {
        diag_error(p->diags, (src_loc){0}, "cannot write '%s': %s", o->depfile, strerror(errno));
        remove(tmp);
        return -1;
    }
    return 0;
}

/* ------------------------------------------------------------ the run */

/* --check-compat: each version is its own program (its own modules and
 * names), sharing the arena, the diagnostics and the include dirs. */
static int run_compat(program *newp, const options *o)
{
    program oldp = {.arena = newp->arena,
                    .diags = newp->diags,
                    .include_dirs = newp->include_dirs,
                    .allow_runtime_namespace = newp->allow_runtime_namespace};
    ast_module *old_m = load_module(&oldp, o->inputs.items[0]);
    ast_module *new_m = load_module(newp, o->inputs.items[1]);

    resolve_program(&oldp);
    check_program(&oldp);
    resolve_program(newp);
    check_program(newp);
    if (diag_failures(newp->diags) == 0 && old_m != NULL && new_m != NULL)
        check_compat(&oldp, old_m, newp, new_m);
    return 0;
}

static int run(program *p, const options *o)
{
    if (o->check_compat)
        return run_compat(p, o);
    ptr_vec roots = {0};
    for (size_t i = 0; i < o->inputs.len; i++) {
        ast_module *m = load_module(p, o->inputs.items[i]);
        if (m && !vec_contains(&roots, m))
            ptr_vec_push(p->arena, &roots, m);
    }
    check_output_names(p, &roots);
    /* Every module is resolved and checked, also after syntax errors: what
     * recovery dropped is accounted for by the stages (names_incomplete,
     * ast_decl.incomplete), so every error of every file is reported. */
    resolve_program(p);
    check_program(p);
    if (diag_failures(p->diags) != 0 || o->check_only)
        return 0;
    if (o->dot)
        return emit_dot_graph(p, &roots, stdout);
    /* Everything that can fail before the first output is written. */
    if (o->depfile && write_depfile_temp(p, o, &roots) != 0)
        return -1;
    const char *outdir = o->outdir ? o->outdir : ".";
    int rc = o->outdir ? make_dirs(p, outdir) : 0;
    if (o->python)
        return rc == 0 ? emit_python(p, &roots, outdir) : rc;
    for (size_t i = 0; rc == 0 && i < roots.len; i++)
        rc = emit_module(p, roots.items[i], outdir);
    if (o->depfile && rc == 0)
        rc = rename_depfile(p, o);
    else if (o->depfile)
        remove(depfile_temp(p, o));
    return rc;
}

int main(int argc, char **argv)
{
    diag_sink diags;
    diag_init(&diags);
    program p = {.arena = arena_new(), .diags = &diags};
    options o = {0};
    int status = parse_options(p.arena, argc, argv, &o, &p.include_dirs);
    if (status < 0) {
        diags.warnings_are_errors = o.werror;
        p.allow_runtime_namespace = o.allow_runtime_namespace;
        int rc = run(&p, &o);
        diag_print(&diags, stderr);
        status = rc != 0 || diag_failures(&diags) != 0 ? EXIT_INPUT_ERROR : 0;
    }
    diag_fini(&diags);
    arena_destroy(&p.arena);
    if (fflush(stdout) != 0 && status == 0)
        status = EXIT_INPUT_ERROR;
    return status;
}
