/*
 * diag.c - diagnostics: collected during a run, printed once at the end.
 *
 * Stages report here and go on; nothing prints or exits early. diag_print()
 * writes each one GCC-style ("file:line:col: error: message"), then the
 * source line and a caret line ("^~~~" from col to end_col). Notes follow
 * the diagnostic they explain. diag_suggest() finds "did you mean" words.
 */
#include <stdlib.h>
#include <string.h>

#include "actorc.h"

void diag_init(diag_sink *d)
{
    memset(d, 0, sizeof *d);
}

void diag_fini(diag_sink *d)
{
    for (size_t i = 0; i < d->len; i++)
        free(d->items[i].message);
    free(d->items);
    memset(d, 0, sizeof *d);
}

ACTORC_PRINTF(1, 0) static char *diag_vformat(const char *fmt, va_list ap)
{
    va_list copy;
    va_copy(copy, ap);
    int n = vsnprintf(NULL, 0, fmt, copy);
    va_end(copy);
    if (n < 0)
        n = 0;
    char *s = malloc((size_t)n + 1);
    if (!s) {
        fprintf(stderr, "actorc: out of memory\n");
        abort();
    }
    vsnprintf(s, (size_t)n + 1, fmt, ap);
    return s;
}

static int last_col(const src_loc *loc)
{
    return loc->end_col > loc->col ? loc->end_col : loc->col;
}

/* Whether a syntax error was reported on a token overlapping `loc`. */
static bool at_syntax_error(const diag_sink *d, const src_loc *loc)
{
    if (!loc->file || loc->line < 1)
        return false;
    for (size_t i = 0; i < d->len; i++) {
        const diag *g = &d->items[i];
        if (g->syntax && g->severity == DIAG_ERROR && g->loc.file == loc->file &&
            g->loc.line == loc->line && g->loc.col <= last_col(loc) &&
            loc->col <= last_col(&g->loc))
            return true;
    }
    return false;
}

ACTORC_PRINTF(4, 0)
static void diag_add(diag_sink *d, diag_severity sev, src_loc loc, const char *fmt, va_list ap)
{
    if (sev == DIAG_NOTE && d->muting)
        return;
    d->muting = sev == DIAG_ERROR && at_syntax_error(d, &loc);
    if (d->muting)
        return;
    if (d->len == d->cap) {
        size_t cap = d->cap ? d->cap * 2 : 16;
        diag *items = realloc(d->items, cap * sizeof *items);
        if (!items) {
            fprintf(stderr, "actorc: out of memory\n");
            abort();
        }
        d->items = items;
        d->cap = cap;
    }
    d->items[d->len++] = (diag){.severity = sev, .loc = loc, .message = diag_vformat(fmt, ap)};
    if (sev == DIAG_ERROR)
        d->errors++;
    else if (sev == DIAG_WARNING)
        d->warnings++;
}

void diag_error(diag_sink *d, src_loc loc, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    diag_add(d, DIAG_ERROR, loc, fmt, ap);
    va_end(ap);
}

void diag_warning(diag_sink *d, src_loc loc, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    diag_add(d, DIAG_WARNING, loc, fmt, ap);
    va_end(ap);
}

void diag_note(diag_sink *d, src_loc loc, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    diag_add(d, DIAG_NOTE, loc, fmt, ap);
    va_end(ap);
}

int diag_failures(const diag_sink *d)
{
    return d->errors + (d->warnings_are_errors ? d->warnings : 0);
}

/* The start of line `line` (from 1) in `f`, its length in *len; NULL when
 * the file has no such line. */
static const char *source_line(const source_file *f, int line, size_t *len)
{
    if (!f || !f->text || line < 1)
        return NULL;
    const char *p = f->text, *end = f->text + f->len;
    for (int l = 1; l < line; l++) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        if (!nl)
            return NULL;
        p = nl + 1;
    }
    const char *nl = memchr(p, '\n', (size_t)(end - p));
    size_t n = nl ? (size_t)(nl - p) : (size_t)(end - p);
    if (n > 0 && p[n - 1] == '\r')
        n--;
    if (p == end && line > 1)
        return NULL; /* past the last line */
    *len = n;
    return p;
}

static bool is_utf8_continuation(char c)
{
    return ((unsigned char)c & 0xc0) == 0x80;
}

/* A source byte as printed: control characters (a NUL would cut the line,
 * an escape would reach the terminal) as a space, tabs kept. */
static char shown(char c)
{
    return ((unsigned char)c < 0x20 && c != '\t') || c == 0x7f ? ' ' : c;
}

/* The source line, then spaces (tabs kept so the caret lines up) and
 * "^~~~" under columns col..end_col, one mark per character, not per byte. */
static void print_caret(const src_loc *loc, FILE *out)
{
    size_t len;
    const char *line = source_line(loc->file, loc->line, &len);
    if (!line)
        return;
    fputc(' ', out);
    for (size_t i = 0; i < len; i++)
        fputc(shown(line[i]), out);
    fputs("\n ", out);
    int col = loc->col < 1 ? 1 : loc->col;
    for (int c = 1; c < col; c++) {
        char b = (size_t)(c - 1) < len ? line[c - 1] : ' ';
        if (!is_utf8_continuation(b))
            fputc(b == '\t' ? '\t' : ' ', out);
    }
    fputc('^', out);
    int last = loc->end_col;
    if ((size_t)last > len)
        last = (int)len;
    for (int c = col + 1; c <= last; c++)
        if (!is_utf8_continuation(line[c - 1]))
            fputc('~', out);
    fputc('\n', out);
}

static void print_one(const diag_sink *d, const diag *g, FILE *out)
{
    const char *label = g->severity == DIAG_ERROR     ? "error"
                        : g->severity == DIAG_NOTE    ? "note"
                        : d->warnings_are_errors      ? "error"
                                                      : "warning";
    const char *suffix = g->severity == DIAG_WARNING && d->warnings_are_errors ? " [-Werror]" : "";
    if (g->loc.file && g->loc.line > 0)
        fprintf(out, "%s:%d:%d: %s: %s%s\n", g->loc.file->path, g->loc.line, g->loc.col, label,
                g->message, suffix);
    else if (g->loc.file)
        fprintf(out, "%s: %s: %s%s\n", g->loc.file->path, label, g->message, suffix);
    else
        fprintf(out, "actorc: %s: %s%s\n", label, g->message, suffix);
    if (g->loc.file && g->loc.line > 0)
        print_caret(&g->loc, out);
}

/* A diagnostic with its notes: items[first..end). */
typedef struct diag_group {
    size_t first, end;
} diag_group;

/* Source order of two groups by their first diagnostic; 0 when equal (the
 * sort below keeps those in reporting order). */
static int compare_groups(const diag_sink *d, const diag_group *a, const diag_group *b)
{
    const src_loc *x = &d->items[a->first].loc, *y = &d->items[b->first].loc;
    unsigned fx = x->file ? x->file->order + 1 : 0, fy = y->file ? y->file->order + 1 : 0;
    if (fx != fy)
        return fx < fy ? -1 : 1;
    if (x->file != y->file) /* same order: files not from load_source */
        return 0;
    if (x->line != y->line)
        return x->line < y->line ? -1 : 1;
    if (x->col != y->col)
        return x->col < y->col ? -1 : 1;
    return 0;
}

void diag_print(const diag_sink *d, FILE *out)
{
    diag_group *groups = malloc((d->len + 1) * sizeof *groups);
    size_t n = 0;
    if (!groups) {
        fprintf(stderr, "actorc: out of memory\n");
        abort();
    }
    for (size_t i = 0; i < d->len; i++) {
        if (d->items[i].severity != DIAG_NOTE || n == 0)
            groups[n++] = (diag_group){i, i + 1};
        else
            groups[n - 1].end = i + 1;
    }
    /* insertion sort: stable, and diagnostics mostly arrive in order */
    for (size_t i = 1; i < n; i++) {
        diag_group g = groups[i];
        size_t j = i;
        while (j > 0 && compare_groups(d, &groups[j - 1], &g) > 0) {
            groups[j] = groups[j - 1];
            j--;
        }
        groups[j] = g;
    }
    for (size_t i = 0; i < n; i++)
        for (size_t k = groups[i].first; k < groups[i].end; k++)
            print_one(d, &d->items[k], out);
    free(groups);
}

/* ------------------------------------------------------- suggestions */

static int lower(int c)
{
    return c >= 'A' && c <= 'Z' ? c + 32 : c;
}

/* Optimal string alignment distance (Damerau-Levenshtein with adjacent
 * transpositions), ignoring case: "point" is a typo of "Point". Counted in
 * half edits: an insertion, deletion or substitution costs 2, swapping two
 * adjacent letters 1, because a swap is the likelier slip: "int46" is
 * nearer "int64" than "int16". Words longer than 64 bytes are never close. */
static size_t edit_distance(const char *a, const char *b)
{
    size_t n = strlen(a), m = strlen(b);
    if (n > 64 || m > 64)
        return (size_t)-1;
    size_t d[65][65];
    for (size_t i = 0; i <= n; i++)
        d[i][0] = 2 * i;
    for (size_t j = 0; j <= m; j++)
        d[0][j] = 2 * j;
    for (size_t i = 1; i <= n; i++) {
        for (size_t j = 1; j <= m; j++) {
            size_t cost = lower(a[i - 1]) == lower(b[j - 1]) ? 0 : 2;
            size_t best = d[i - 1][j] + 2;
            if (d[i][j - 1] + 2 < best)
                best = d[i][j - 1] + 2;
            if (d[i - 1][j - 1] + cost < best)
                best = d[i - 1][j - 1] + cost;
            if (i > 1 && j > 1 && lower(a[i - 1]) == lower(b[j - 2]) &&
                lower(a[i - 2]) == lower(b[j - 1]) && d[i - 2][j - 2] + 1 < best)
                best = d[i - 2][j - 2] + 1;
            d[i][j] = best;
        }
    }
    return d[n][m];
}

/* A typo is plausible when at most a third of the word changed (at least
 * one edit allowed, but never the whole word); `distance` in half edits. */
static bool close_enough(const char *word, size_t distance)
{
    size_t len = strlen(word);
    size_t limit = len / 3 > 1 ? len / 3 : 1;
    return distance <= 2 * limit && distance < 2 * len;
}

const char *diag_suggest(const char *word, const char *const *candidates)
{
    const char *best = NULL;
    size_t best_distance = (size_t)-1;
    for (size_t i = 0; candidates && candidates[i]; i++) {
        if (strcmp(word, candidates[i]) == 0)
            continue;
        size_t dist = edit_distance(word, candidates[i]);
        if (dist < best_distance) { /* strict: the first of equals wins */
            best = candidates[i];
            best_distance = dist;
        }
    }
    return best && close_enough(word, best_distance) ? best : NULL;
}

const char *diag_suggest_vec(const char *word, const ptr_vec *candidates)
{
    const char *best = NULL;
    size_t best_distance = (size_t)-1;
    for (size_t i = 0; i < candidates->len; i++) {
        const char *c = candidates->items[i];
        if (strcmp(word, c) == 0)
            continue;
        size_t dist = edit_distance(word, c);
        if (dist < best_distance) {
            best = c;
            best_distance = dist;
        }
    }
    return best && close_enough(word, best_distance) ? best : NULL;
}
