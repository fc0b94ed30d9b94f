/*
 * bench/runtime/common.c - options, clock, statistics and the RESULT lines
 * shared by the runtime-benchmark programs (see common.h).
 */
#include "common.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static void bench_defaults(bench_params *p)
{
    p->n = 10000;
    p->warmup = 1000;
    p->pipe_n = 300000;
    p->cast_n = 1000000;
    p->remote_n = 3000;
    p->outstanding = 1000;
    p->req_bytes = 32;
    p->rep_bytes = 16;
    p->smoke = false;
    p->only = NULL;
}

/* Tiny counts: every figure runs in well under a second. */
static void bench_smoke_counts(bench_params *p)
{
    p->n = 200;
    p->warmup = 20;
    p->pipe_n = 5000;
    p->cast_n = 20000;
    p->remote_n = 100;
}

static void bench_usage(const char *prog)
{
    fprintf(stderr,
            "usage: %s [--n N] [--warmup N] [--pipe-n N] [--cast-n N] [--remote-n N]\n"
            "          [--outstanding N] [--req-bytes B] [--rep-bytes B] [--only KEYPREFIX]\n"
            "          [--smoke]\n"
            "Prints one 'RESULT key value unit' line per figure.\n",
            prog);
}

static int bench_parse_long(const char *opt, const char *text, long min, long *out)
{
    char *end = NULL;
    long v = strtol(text, &end, 10);
    if (end == text || *end != '\0' || v < min) {
        fprintf(stderr, "%s: expected an integer >= %ld, got '%s'\n", opt, min, text);
        return -1;
    }
    *out = v;
    return 0;
}

/* Options with a numeric value: name and where it goes. */
static long *bench_numeric_option(bench_params *p, const char *name, long *sizes, long *min)
{
    *min = 1;
    if (strcmp(name, "--n") == 0)
        return &p->n;
    if (strcmp(name, "--pipe-n") == 0)
        return &p->pipe_n;
    if (strcmp(name, "--cast-n") == 0)
        return &p->cast_n;
    if (strcmp(name, "--remote-n") == 0)
        return &p->remote_n;
    if (strcmp(name, "--outstanding") == 0)
        return &p->outstanding;
    *min = 0;
    if (strcmp(name, "--warmup") == 0)
        return &p->warmup;
    if (strcmp(name, "--req-bytes") == 0)
        return &sizes[0];
    if (strcmp(name, "--rep-bytes") == 0)
        return &sizes[1];
    return NULL;
}

int bench_parse_args(int argc, char **argv, bench_params *p)
{
    bench_defaults(p);
    bool smoke = false;
    long sizes[2] = {(long)p->req_bytes, (long)p->rep_bytes};
    /* Smoke counts first, so that explicit counts still win. */
    for (int i = 1; i < argc; i++)
        if (strcmp(argv[i], "--smoke") == 0)
            smoke = true;
    if (smoke) {
        p->smoke = true;
        bench_smoke_counts(p);
    }
    for (int i = 1; i < argc; i++) {
        long min = 0;
        long *slot = bench_numeric_option(p, argv[i], sizes, &min);
        if (strcmp(argv[i], "--smoke") == 0)
            continue;
        if (strcmp(argv[i], "--only") == 0 && i + 1 < argc) {
            p->only = argv[++i];
            continue;
        }
        if (slot == NULL || i + 1 >= argc) {
            bench_usage(argv[0]);
            return -1;
        }
        if (bench_parse_long(argv[i], argv[i + 1], min, slot) < 0)
            return -1;
        i++;
    }
    /* An empty request means "stop" to the echo servers. */
    if (sizes[0] < 1) {
        fprintf(stderr, "--req-bytes: must be at least 1\n");
        return -1;
    }
    p->req_bytes = (size_t)sizes[0];
    p->rep_bytes = (size_t)sizes[1];
    return 0;
}

bool bench_selected(const bench_params *p, const char *key)
{
    return p->only == NULL || strncmp(key, p->only, strlen(p->only)) == 0;
}

int64_t bench_now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static int bench_compare_ns(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a;
    int64_t y = *(const int64_t *)b;
    return (x > y) - (x < y);
}

double bench_quantile_ns(int64_t *ns, size_t n, double q)
{
    qsort(ns, n, sizeof ns[0], bench_compare_ns);
    size_t rank = (size_t)(q * (double)(n - 1) + 0.5);
    return (double)ns[rank < n ? rank : n - 1];
}

void bench_report(const char *key, double value, const char *unit)
{
    printf("RESULT %s %.6g %s\n", key, value, unit);
    fflush(stdout);
}

void bench_report_latency(const char *key, int64_t *ns, size_t n)
{
    char p99_key[128];
    snprintf(p99_key, sizeof p99_key, "%s.p99", key);
    bench_report(key, bench_quantile_ns(ns, n, 0.5) / 1e3, "us");
    bench_report(p99_key, bench_quantile_ns(ns, n, 0.99) / 1e3, "us");
}

void bench_report_rate(const char *key, long count, int64_t elapsed_ns, const char *unit)
{
    char per_second[32];
    snprintf(per_second, sizeof per_second, "%s/s", unit);
    double seconds = (double)(elapsed_ns > 0 ? elapsed_ns : 1) / 1e9;
    bench_report(key, (double)count / seconds, per_second);
}

char *bench_payload(size_t len, char fill)
{
    char *buf = malloc(len > 0 ? len : 1);
    if (buf == NULL)
        bench_die("bench", "out of memory");
    memset(buf, fill, len);
    return buf;
}

void bench_die(const char *name, const char *message)
{
    fprintf(stderr, "%s: %s\n", name, message);
    exit(1);
}
