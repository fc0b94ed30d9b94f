/*
 * main.c - the codec benchmark (`make bench-codec`, issue 2 point 8).
 *
 * One message (bench/codec/bench.actor, the same as bench.proto) through
 * three codecs in one process: the code actorc generates, a hand-written
 * msgpack-c encoder/decoder of the same struct (the anchor), and protobuf-c
 * (the peer). First every decoder's output is checked against the source
 * struct, across the two msgpack codecs too; the program aborts if any
 * differs. Then encode and decode are timed: a warm-up, then R rounds of N
 * iterations per operation, the codecs interleaved within each round. The
 * table shows median ns/op over the rounds; each ratio is the median over the
 * rounds of that round's ratio, so a burst of load elsewhere on the machine
 * hits both sides of a ratio alike.
 *
 *   bench-codec [--iterations N] [--runs R]   time and print the table
 *   bench-codec --smoke                       check only (a few iterations),
 *                                             exit 0 when the codecs agree
 *
 * Timings are never asserted: the PASS/MISS beside each goal is information.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <msgpack.h>
#include <protobuf-c/protobuf-c.h>

#include "bench.h"
#include "bench.pb-c.h"
#include "hand.h"
#include "pb.h"
#include "sample.h"

#define DEFAULT_ITERATIONS 50000L
#define DEFAULT_RUNS 21
#define MAX_RUNS 1001
#define SMOKE_ITERATIONS 100L
#define WHY_LEN 160

/* The anchors, measured on this machine (ns/op). */
#define ANCHOR_HAND_ENCODE 320.0
#define ANCHOR_HAND_DECODE 390.0
#define ANCHOR_PB_ENCODE 160.0
#define ANCHOR_PB_DECODE 410.0

/* Everything the timed operations read and write; set up once. */
typedef struct bench_ctx {
    sample_storage storage;
    bench_Sample source;     /* the fixture; borrows storage */
    msgpack_sbuffer sbuf;    /* reused output of both msgpack encoders */
    msgpack_packer packer;   /* writes into sbuf */
    msgpack_zone *zone;      /* reused by the tuned hand decoder */
    Bench__Point pb_point;
    Bench__Sample pb_source; /* the fixture as protobuf-c; borrows source */
    pb_buffer pb_out;        /* reused output of protobuf-c */
    char *gen_bytes;         /* the generated encoder's output, owned */
    size_t gen_len;
    char *hand_bytes;        /* the hand encoder's output, owned */
    size_t hand_len;
    uint64_t sink;           /* folds results in so no work is dead */
} bench_ctx;

/* Where the folded results end up, so the compiler must compute them. */
static volatile uint64_t sink_out;

typedef int (*bench_op)(bench_ctx *c);

static void die(const char *what)
{
    fprintf(stderr, "bench-codec: %s\n", what);
    exit(1);
}

/* ---- the timed operations: one call = one message encoded or decoded ---- */

static int op_gen_encode(bench_ctx *c)
{
    msgpack_sbuffer_clear(&c->sbuf);
    int rc = bench_Sample_encode(&c->source, &c->sbuf);
    c->sink += c->sbuf.size;
    return rc;
}

static int op_gen_decode(bench_ctx *c)
{
    bench_Sample m;
    int rc = bench_Sample_decode(c->gen_bytes, c->gen_len, &m);
    c->sink += (uint64_t)m.id + m.n_readings + m.blob.len;
    bench_Sample_free(&m);
    return rc;
}

static int op_hand_encode(bench_ctx *c)
{
    msgpack_sbuffer_clear(&c->sbuf);
    int rc = hand_encode(&c->packer, &c->source);
    c->sink += c->sbuf.size;
    return rc;
}

static int op_hand_decode(bench_ctx *c)
{
    bench_Sample m;
    int rc = hand_decode(c->hand_bytes, c->hand_len, &m);
    c->sink += (uint64_t)m.id + m.n_readings + m.blob.len;
    hand_free(&m);
    return rc;
}

static int op_hand_decode_zone(bench_ctx *c)
{
    bench_Sample m;
    int rc = hand_decode_zone(c->hand_bytes, c->hand_len, &m, c->zone);
    c->sink += (uint64_t)m.id + m.n_readings + m.blob.len;
    hand_free(&m);
    return rc;
}

static int op_pb_encode(bench_ctx *c)
{
    int rc = pb_encode(&c->pb_source, &c->pb_out);
    c->sink += c->pb_out.len;
    return rc;
}

static int op_pb_decode(bench_ctx *c)
{
    Bench__Sample *m = bench__sample__unpack(NULL, c->pb_out.len, c->pb_out.data);
    if (m == NULL)
        return -1;
    c->sink += (uint64_t)m->id + m->n_readings + m->blob.len;
    bench__sample__free_unpacked(m, NULL);
    return 0;
}

/* ---- the codecs compared ---- */

typedef struct codec {
    const char *name;
    bench_op encode; /* NULL: the row measures decode only */
    bench_op decode;
    const char *encode_includes;
    const char *decode_includes;
} codec;

enum { GENERATED, HAND, HAND_ZONE, PROTOBUF, N_CODECS };

static const codec codecs[N_CODECS] = {
    [GENERATED] = {"generated (actorc)", op_gen_encode, op_gen_decode,
                   "msgpack_sbuffer_clear + bench_Sample_encode",
                   "bench_Sample_decode + bench_Sample_free"},
    [HAND] = {"hand-written msgpack-c", op_hand_encode, op_hand_decode,
              "msgpack_sbuffer_clear + msgpack_pack_* of each field",
              "msgpack_unpack_next into a fresh msgpack_unpacked + walk of the object "
              "tree (type/range/UTF-8/duplicate checks, heap copies) + "
              "msgpack_unpacked_destroy + free of the copies"},
    [HAND_ZONE] = {"hand-written, zone reused", NULL, op_hand_decode_zone, "",
                   "as above, but msgpack_unpack into a zone kept between calls "
                   "(msgpack_zone_clear) instead of a fresh one"},
    [PROTOBUF] = {"protobuf-c", op_pb_encode, op_pb_decode,
                  "bench__sample__get_packed_size + bench__sample__pack into a reused "
                  "buffer",
                  "bench__sample__unpack + bench__sample__free_unpacked"},
};

/* ---- set-up and the equivalence check ---- */

static char *copy_out(const msgpack_sbuffer *sb, size_t *len)
{
    char *copy = malloc(sb->size);
    if (copy == NULL)
        die("out of memory");
    memcpy(copy, sb->data, sb->size);
    *len = sb->size;
    return copy;
}

static void ctx_init(bench_ctx *c)
{
    memset(c, 0, sizeof *c);
    sample_fill(&c->source, &c->storage);
    msgpack_sbuffer_init(&c->sbuf);
    msgpack_packer_init(&c->packer, &c->sbuf, msgpack_sbuffer_write);
    c->zone = msgpack_zone_new(MSGPACK_ZONE_CHUNK_SIZE);
    if (c->zone == NULL)
        die("out of memory");
    pb_from_sample(&c->source, &c->pb_source, &c->pb_point);

    if (op_gen_encode(c) != 0)
        die("the generated encoder failed");
    c->gen_bytes = copy_out(&c->sbuf, &c->gen_len);
    if (op_hand_encode(c) != 0)
        die("the hand-written encoder failed");
    c->hand_bytes = copy_out(&c->sbuf, &c->hand_len);
    if (op_pb_encode(c) != 0)
        die("protobuf-c failed to pack");
}

static void ctx_fini(bench_ctx *c)
{
    msgpack_sbuffer_destroy(&c->sbuf);
    msgpack_zone_free(c->zone);
    pb_buffer_free(&c->pb_out);
    free(c->gen_bytes);
    free(c->hand_bytes);
}

typedef int (*msgpack_decoder)(const char *buf, size_t len, bench_Sample *s, void *arg);

static int decode_generated(const char *buf, size_t len, bench_Sample *s, void *arg)
{
    (void)arg;
    return bench_Sample_decode(buf, len, s);
}

static int decode_hand(const char *buf, size_t len, bench_Sample *s, void *arg)
{
    (void)arg;
    return hand_decode(buf, len, s);
}

static int decode_hand_zone(const char *buf, size_t len, bench_Sample *s, void *arg)
{
    return hand_decode_zone(buf, len, s, arg);
}

/* Decodes buf with one msgpack decoder and compares it with the fixture;
 * returns the number of failures (0 or 1), printing each. */
static int check_msgpack(const bench_ctx *c, const char *decoder, msgpack_decoder decode,
                         void *arg, void (*release)(bench_Sample *), const char *encoder,
                         const char *buf, size_t len)
{
    char why[WHY_LEN];
    bench_Sample got;
    int rc = decode(buf, len, &got, arg);
    if (rc != 0) {
        fprintf(stderr, "MISMATCH: %s decoder rejected the %s encoding (%d)\n", decoder,
                encoder, rc);
        return 1;
    }
    bool same = sample_equal(&c->source, &got, why, sizeof why);
    release(&got);
    if (!same) {
        fprintf(stderr, "MISMATCH: %s decoder on the %s encoding: %s\n", decoder, encoder,
                why);
        return 1;
    }
    return 0;
}

static int check_protobuf(const bench_ctx *c)
{
    char why[WHY_LEN];
    Bench__Sample *got = bench__sample__unpack(NULL, c->pb_out.len, c->pb_out.data);
    if (got == NULL) {
        fprintf(stderr, "MISMATCH: protobuf-c could not unpack its own encoding\n");
        return 1;
    }
    bool same = pb_equal(&c->source, got, why, sizeof why);
    bench__sample__free_unpacked(got, NULL);
    if (!same) {
        fprintf(stderr, "MISMATCH: protobuf-c round trip: %s\n", why);
        return 1;
    }
    return 0;
}

/* Every decoder must reproduce the fixture, from its own encoder's bytes
 * and (the two msgpack codecs share a wire format) from the other's. */
static int check_equivalence(bench_ctx *c)
{
    int failures = 0;
    failures += check_msgpack(c, "generated", decode_generated, NULL, bench_Sample_free,
                              "generated", c->gen_bytes, c->gen_len);
    failures += check_msgpack(c, "generated", decode_generated, NULL, bench_Sample_free,
                              "hand-written", c->hand_bytes, c->hand_len);
    failures += check_msgpack(c, "hand-written", decode_hand, NULL, hand_free,
                              "hand-written", c->hand_bytes, c->hand_len);
    failures += check_msgpack(c, "hand-written", decode_hand, NULL, hand_free, "generated",
                              c->gen_bytes, c->gen_len);
    failures += check_msgpack(c, "hand-written (zone)", decode_hand_zone, c->zone,
                              hand_free, "hand-written", c->hand_bytes, c->hand_len);
    failures += check_protobuf(c);
    return failures;
}

/* ---- timing ---- */

static double now_ns(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec * 1e9 + (double)t.tv_nsec;
}

/* Runs op `iterations` times; returns ns per call. */
static double time_op(bench_ctx *c, bench_op op, long iterations)
{
    double start = now_ns();
    for (long i = 0; i < iterations; i++) {
        if (op(c) != 0)
            die("an operation failed while being timed");
    }
    return (now_ns() - start) / (double)iterations;
}

typedef struct figures {
    double encode[MAX_RUNS];
    double decode[MAX_RUNS];
} figures;

static int compare_doubles(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

typedef struct summary {
    double median, min, max;
} summary;

/* Median, min and max of runs[0..n), which is left as it was. */
static summary summarise(const double *runs, int n)
{
    double sorted[MAX_RUNS];
    memcpy(sorted, runs, (size_t)n * sizeof *runs);
    qsort(sorted, (size_t)n, sizeof *sorted, compare_doubles);
    summary s = {sorted[n / 2], sorted[0], sorted[n - 1]};
    if (n % 2 == 0)
        s.median = (sorted[n / 2 - 1] + sorted[n / 2]) / 2.0;
    return s;
}

/* The median over the rounds of num[r] / den[r]. */
static double paired_ratio(const double *num, const double *den, int n)
{
    double ratios[MAX_RUNS];
    for (int r = 0; r < n; r++)
        ratios[r] = num[r] / den[r];
    return summarise(ratios, n).median;
}

/* Warm-up, then `runs` rounds; within a round every codec's operations run
 * one after another, so drift in the machine's speed hits all alike. */
static void measure(bench_ctx *c, long iterations, int runs, figures *fig)
{
    long warmup = iterations / 10 > 0 ? iterations / 10 : 1;
    for (int k = 0; k < N_CODECS; k++) {
        if (codecs[k].encode != NULL)
            time_op(c, codecs[k].encode, warmup);
        time_op(c, codecs[k].decode, warmup);
    }
    for (int r = 0; r < runs; r++) {
        for (int k = 0; k < N_CODECS; k++) {
            if (codecs[k].encode != NULL)
                fig[k].encode[r] = time_op(c, codecs[k].encode, iterations);
            fig[k].decode[r] = time_op(c, codecs[k].decode, iterations);
        }
    }
}

/* ---- the report ---- */

static void print_header(const bench_ctx *c, long iterations, int runs)
{
    printf("codec benchmark: bench.Sample = int32, int64, uint32, float64, %d-byte string, "
           "list of %d int32, %d-byte bytes, nested Point{int32, float64}\n",
           SAMPLE_NAME_LEN, SAMPLE_READINGS, SAMPLE_BLOB_LEN);
    printf("msgpack-c %s, protobuf-c %s; %d rounds of %ld iterations, median ns/op "
           "[min..max]\n",
           msgpack_version(), protobuf_c_version(), runs, iterations);
#if defined(__SANITIZE_ADDRESS__) || !defined(__OPTIMIZE__)
    printf("WARNING: built with sanitizers or without optimisation; timings are "
           "meaningless\n");
#endif
    printf("encoded size: generated %zu bytes, hand-written %zu bytes (%s), protobuf-c "
           "%zu bytes\n\n",
           c->gen_len, c->hand_len,
           c->gen_len == c->hand_len && memcmp(c->gen_bytes, c->hand_bytes, c->gen_len) == 0
               ? "byte-identical"
               : "same content, different bytes",
           c->pb_out.len);
}

static void print_table(const summary enc[N_CODECS], const summary dec[N_CODECS])
{
    printf("%-28s %26s %26s\n", "codec", "encode ns/op", "decode ns/op");
    for (int k = 0; k < N_CODECS; k++) {
        char e[40] = "(same as above)", d[40];
        if (codecs[k].encode != NULL)
            snprintf(e, sizeof e, "%7.1f [%6.1f..%6.1f]", enc[k].median, enc[k].min,
                     enc[k].max);
        snprintf(d, sizeof d, "%7.1f [%6.1f..%6.1f]", dec[k].median, dec[k].min,
                 dec[k].max);
        printf("%-28s %26s %26s\n", codecs[k].name, e, d);
    }
    printf("\nwhat each figure includes:\n");
    for (int k = 0; k < N_CODECS; k++) {
        if (codecs[k].encode != NULL)
            printf("  %s encode: %s\n", codecs[k].name, codecs[k].encode_includes);
        printf("  %s decode: %s\n", codecs[k].name, codecs[k].decode_includes);
    }
}

static void print_ratio(const char *what, double ratio, double goal)
{
    printf("  %-44s %6.2f   goal <= %.2f  %s\n", what, ratio, goal,
           ratio <= goal ? "PASS" : "MISS");
}

static void print_ratios(const figures *fig, int runs)
{
    const figures *gen = &fig[GENERATED], *hand = &fig[HAND], *pb = &fig[PROTOBUF];
    printf("\nratios, median of the per-round ratios (lower is better):\n");
    print_ratio("generated / hand-written encode",
                paired_ratio(gen->encode, hand->encode, runs), 1.1);
    print_ratio("generated / hand-written decode",
                paired_ratio(gen->decode, hand->decode, runs), 0.8);
    print_ratio("generated / protobuf-c encode", paired_ratio(gen->encode, pb->encode, runs),
                1.0);
    print_ratio("generated / protobuf-c decode", paired_ratio(gen->decode, pb->decode, runs),
                1.0);
    printf("  %-44s %6.2f   (information)\n", "generated / hand-written, zone reused decode",
           paired_ratio(gen->decode, fig[HAND_ZONE].decode, runs));
}

static void print_anchors(const summary enc[N_CODECS], const summary dec[N_CODECS])
{
    printf("\nthis run against the issue's anchors (measured earlier on this machine):\n");
    printf("  hand-written encode %6.1f ns (issue: ~%.0f)   hand-written decode %6.1f ns "
           "(issue: ~%.0f)\n",
           enc[HAND].median, ANCHOR_HAND_ENCODE, dec[HAND].median, ANCHOR_HAND_DECODE);
    printf("  protobuf-c pack     %6.1f ns (issue: ~%.0f)   protobuf-c unpack+free %6.1f ns "
           "(issue: ~%.0f)\n",
           enc[PROTOBUF].median, ANCHOR_PB_ENCODE, dec[PROTOBUF].median, ANCHOR_PB_DECODE);
}

/* A round much slower than the best one means the figures are noisy. */
#define NOISY_SPREAD 1.3

static void print_noise_note(const summary enc[N_CODECS], const summary dec[N_CODECS])
{
    bool noisy = false;
    for (int k = 0; k < N_CODECS; k++) {
        if (codecs[k].encode != NULL && enc[k].max > NOISY_SPREAD * enc[k].min)
            noisy = true;
        if (dec[k].max > NOISY_SPREAD * dec[k].min)
            noisy = true;
    }
    if (noisy)
        printf("\nNOTE: noisy figures: some round of an operation was over %.0f%% slower than "
               "its\nfastest round (other load, or a short operation near the timer's "
               "jitter).\nThe paired ratios hold up better than the ns; rerun on a quiet "
               "machine for\nabsolute numbers.\n",
               (NOISY_SPREAD - 1.0) * 100.0);
}

static void report(const bench_ctx *c, const figures *fig, long iterations, int runs)
{
    summary enc[N_CODECS] = {{0}}, dec[N_CODECS];
    for (int k = 0; k < N_CODECS; k++) {
        if (codecs[k].encode != NULL)
            enc[k] = summarise(fig[k].encode, runs);
        dec[k] = summarise(fig[k].decode, runs);
    }
    print_header(c, iterations, runs);
    print_table(enc, dec);
    print_ratios(fig, runs);
    print_anchors(enc, dec);
    print_noise_note(enc, dec);
}

/* ---- command line ---- */

typedef struct options {
    bool smoke;
    long iterations;
    int runs;
} options;

static void usage(FILE *to)
{
    fprintf(to, "usage: bench-codec [--iterations N] [--runs R] | --smoke | --help\n");
}

static long parse_count(const char *flag, const char *text, long max)
{
    char *end;
    errno = 0;
    long v = text != NULL ? strtol(text, &end, 10) : 0;
    if (text == NULL || errno != 0 || *end != '\0' || v < 1 || v > max) {
        fprintf(stderr, "bench-codec: %s needs a number from 1 to %ld\n", flag, max);
        exit(2);
    }
    return v;
}

static options parse_options(int argc, char **argv)
{
    options o = {false, DEFAULT_ITERATIONS, DEFAULT_RUNS};
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--smoke") == 0) {
            o.smoke = true;
        } else if (strcmp(argv[i], "--iterations") == 0) {
            o.iterations = parse_count(argv[i], argv[i + 1], 1000000000L);
            i++;
        } else if (strcmp(argv[i], "--runs") == 0) {
            o.runs = (int)parse_count(argv[i], argv[i + 1], MAX_RUNS);
            i++;
        } else if (strcmp(argv[i], "--help") == 0) {
            usage(stdout);
            exit(0);
        } else {
            usage(stderr);
            exit(2);
        }
    }
    if (o.smoke) {
        o.iterations = SMOKE_ITERATIONS;
        o.runs = 1;
    }
    return o;
}

int main(int argc, char **argv)
{
    options opt = parse_options(argc, argv);
    static bench_ctx ctx;
    static figures fig[N_CODECS];
    ctx_init(&ctx);
    int failures = check_equivalence(&ctx);
    if (failures != 0) {
        ctx_fini(&ctx);
        fprintf(stderr, "bench-codec: %d decoder(s) disagree with the source; nothing "
                        "timed\n", failures);
        return 1;
    }
    measure(&ctx, opt.iterations, opt.runs, fig);
    sink_out = ctx.sink;
    if (opt.smoke)
        printf("smoke: generated, hand-written and protobuf-c codecs agree\n");
    else
        report(&ctx, fig, opt.iterations, opt.runs);
    ctx_fini(&ctx);
    return 0;
}
