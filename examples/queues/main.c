/*
 * queues: producers in this process, consumers in another, joined by a
 * named, bounded channel (README.md).
 *
 *   queues [--producers N] [--frames N] [--consumer-us US]
 *
 * The producers send as fast as the channel takes their frames; the
 * consumers, in a second process (this program run as `consume`), take
 * US microseconds per frame. Once the queue is full every send waits for
 * room, so the producers slow to the consumers' pace and the queue never
 * holds more than its bounds. When the producers close their senders the
 * channel closes, the consumers take what is left and stop. The summary
 * line ends in "lost L"; the program exits 0 only when every frame
 * reached a consumer exactly once and right, 1 otherwise, 2 for a usage
 * error.
 */
#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "actor/channel.h"
#include "actor/remote.h"
#include "frames.h"

#define CHANNEL_NAME "frames"
#define PAYLOAD_BYTES (16u * 1024u)
#define QUEUE_ITEMS 32u
#define QUEUE_BYTES (1024u * 1024u)
#define CONSUMERS 2u
#define MAX_PRODUCERS 8u
#define MAX_FRAMES 100000u
#define SEND_TIMEOUT_MS 10000u
#define RECV_TIMEOUT_MS 10000u

static const char usage[] = "usage: queues [--producers N] [--frames N] [--consumer-us US]\n";

typedef struct options {
    unsigned producers;
    unsigned frames; /* per producer */
    unsigned consumer_us;
} options;

static double now_s(void)
{
    return (double)actor_now_ns() / 1e9;
}

/* Frame `seq` of `producer`'s payload, and its checksum (FNV-1a). */
static void fill_payload(uint32_t producer, uint64_t seq, uint8_t *out)
{
    uint32_t x = producer * 2654435761u ^ (uint32_t)seq * 40503u;

    for (size_t i = 0; i < PAYLOAD_BYTES; i++) {
        x = x * 1103515245u + 12345u;
        out[i] = (uint8_t)(x >> 16);
    }
}

static uint32_t checksum(const uint8_t *p, size_t n)
{
    uint32_t h = 2166136261u;

    for (size_t i = 0; i < n; i++)
        h = (h ^ p[i]) * 16777619u;
    return h;
}

/* ============================================================ consumers */

typedef struct consumers {
    actor_system *sys;
    actor_receiver rx;
    const options *o;
    pthread_mutex_t lock;
    uint8_t *seen;                      /* [producer * frames + seq]: times received */
    uint64_t last[MAX_PRODUCERS][CONSUMERS]; /* the last seq + 1 each consumer got, by producer */
    atomic_uint received, wrong, out_of_order, failed;
} consumers;

typedef struct consumer_arg {
    consumers *all;
    unsigned index;
} consumer_arg;

/* One consumer: receives until the channel is closed and empty. */
static void *consumer_main(void *arg)
{
    consumer_arg *ca = arg;
    consumers *all = ca->all;
    const struct timespec work = {0, (long)all->o->consumer_us * 1000L};
    actor_client *c = NULL;
    frames_Frame f;
    actor_status st;

    if (actor_client_new(all->sys, &c) != 0) {
        atomic_fetch_add(&all->failed, 1);
        return NULL;
    }
    for (;;) {
        frames_Frame_recv(c, &all->rx, &f, RECV_TIMEOUT_MS, &st);
        if (st.category != ACTOR_STATUS_OK) {
            if (!(st.category == ACTOR_STATUS_ERROR && st.code == actor_queue_QueueError_CLOSED)) {
                fprintf(stderr, "consumer %u: %s: %s\n", ca->index, actor_status_name(st.category),
                        st.message);
                atomic_fetch_add(&all->failed, 1);
            }
            break;
        }
        if (f.producer >= all->o->producers || f.seq >= all->o->frames ||
            f.payload.len != PAYLOAD_BYTES || checksum(f.payload.data, f.payload.len) != f.checksum) {
            atomic_fetch_add(&all->wrong, 1);
        } else {
            pthread_mutex_lock(&all->lock);
            all->seen[(size_t)f.producer * all->o->frames + f.seq]++;
            if (f.seq < all->last[f.producer][ca->index])
                atomic_fetch_add(&all->out_of_order, 1);
            all->last[f.producer][ca->index] = f.seq + 1;
            pthread_mutex_unlock(&all->lock);
        }
        atomic_fetch_add(&all->received, 1);
        frames_Frame_free(&f);
        if (all->o->consumer_us > 0)
            nanosleep(&work, NULL);
    }
    actor_client_destroy(&c);
    return NULL;
}

/* `consume ENDPOINT`: the consumer process. Exits 0 when every frame
 * came exactly once, right, in each producer's order. */
static int consume(const char *endpoint, const options *o)
{
    consumers all = {.o = o, .lock = PTHREAD_MUTEX_INITIALIZER};
    consumer_arg args[CONSUMERS];
    pthread_t threads[CONSUMERS];
    size_t total = (size_t)o->producers * o->frames;
    unsigned missing = 0, twice = 0;
    actor_ref q;
    double t0, t1;
    int rc;

    all.seen = calloc(total, 1);
    rc = all.seen != NULL ? actor_system_new(NULL, &all.sys) : ACTOR_ENOMEM;
    if (rc == 0)
        rc = actor_connect(all.sys, endpoint, CHANNEL_NAME, NULL, &q);
    if (rc != 0) {
        fprintf(stderr, "consumer: cannot reach %s at %s: %s\n", CHANNEL_NAME, endpoint,
                actor_strerror(rc));
        actor_system_destroy(&all.sys);
        free(all.seen);
        return 1;
    }
    all.rx = frames_Frame_receiver(q);
    t0 = now_s();
    for (unsigned i = 0; i < CONSUMERS; i++) {
        args[i] = (consumer_arg){&all, i};
        pthread_create(&threads[i], NULL, consumer_main, &args[i]);
    }
    for (unsigned i = 0; i < CONSUMERS; i++)
        pthread_join(threads[i], NULL);
    t1 = now_s();
    for (size_t i = 0; i < total; i++) {
        missing += all.seen[i] == 0;
        twice += all.seen[i] > 1;
    }
    printf("consumers: %u frames in %.2f s (%.0f frames/s, %u us of work each), %u missing, %u "
           "twice, %u wrong, %u out of order\n",
           atomic_load(&all.received), t1 - t0, atomic_load(&all.received) / (t1 - t0),
           o->consumer_us, missing, twice, atomic_load(&all.wrong),
           atomic_load(&all.out_of_order));
    fflush(stdout);
    actor_system_destroy(&all.sys);
    free(all.seen);
    pthread_mutex_destroy(&all.lock);
    return missing == 0 && twice == 0 && atomic_load(&all.wrong) == 0 &&
                   atomic_load(&all.out_of_order) == 0 && atomic_load(&all.failed) == 0
               ? 0
               : 1;
}

/* ============================================================ producers */

typedef struct producers {
    actor_system *sys;
    const options *o;
    actor_sender first; /* the channel's first sender, which the others clone */
    atomic_uint sent, failed;
    _Atomic double filled_at; /* when the queue's worth had been sent */
} producers;

typedef struct producer_arg {
    producers *all;
    uint32_t index;
} producer_arg;

static void *producer_main(void *arg)
{
    producer_arg *pa = arg;
    producers *all = pa->all;
    actor_client *c = NULL;
    actor_sender tx;
    actor_status st;
    uint8_t *payload = malloc(PAYLOAD_BYTES);
    frames_Frame f;

    if (payload == NULL || actor_client_new(all->sys, &c) != 0) {
        atomic_fetch_add(&all->failed, 1);
        free(payload);
        return NULL;
    }
    actor_sender_clone(c, &all->first, &tx, &st);
    for (uint64_t seq = 0; st.category == ACTOR_STATUS_OK && seq < all->o->frames; seq++) {
        fill_payload(pa->index, seq, payload);
        frames_Frame_init(&f);
        f.producer = pa->index;
        f.seq = seq;
        f.payload = (actor_bytes){.data = payload, .len = PAYLOAD_BYTES};
        f.checksum = checksum(payload, PAYLOAD_BYTES);
        frames_Frame_send(c, &tx, &f, SEND_TIMEOUT_MS, &st);
        if (st.category == ACTOR_STATUS_OK && atomic_fetch_add(&all->sent, 1) + 1 == QUEUE_ITEMS)
            atomic_store(&all->filled_at, now_s());
    }
    if (st.category != ACTOR_STATUS_OK) {
        fprintf(stderr, "producer %u: %s: %s\n", pa->index, actor_status_name(st.category),
                st.message);
        atomic_fetch_add(&all->failed, 1);
    }
    actor_sender_close(c, &tx, &st);
    actor_client_destroy(&c);
    free(payload);
    return NULL;
}

/* ============================================================= the run */

static pid_t start_consumer(const char *endpoint, const options *o)
{
    char n_producers[16], n_frames[16], us[16];
    pid_t pid;

    snprintf(n_producers, sizeof n_producers, "%u", o->producers);
    snprintf(n_frames, sizeof n_frames, "%u", o->frames);
    snprintf(us, sizeof us, "%u", o->consumer_us);
    fflush(stdout);
    pid = fork();
    if (pid == 0) {
        execl("/proc/self/exe", "queues", "consume", endpoint, n_producers, n_frames, us,
              (char *)NULL);
        _exit(127);
    }
    return pid;
}

static int run(const options *o)
{
    char dir[] = "/tmp/actor-queues-XXXXXX", endpoint[64];
    producers all = {.o = o};
    producer_arg args[MAX_PRODUCERS];
    pthread_t threads[MAX_PRODUCERS];
    actor_client *me = NULL;
    actor_receiver rx;
    actor_queue_Info info = {0};
    actor_status st;
    unsigned total = o->producers * o->frames, lost;
    double t0, t1, filled, fill_rate, steady_rate;
    int status = -1, rc;
    pid_t consumer;

    if (mkdtemp(dir) == NULL) {
        fprintf(stderr, "queues: no directory for the socket: %s\n", strerror(errno));
        return 1;
    }
    snprintf(endpoint, sizeof endpoint, "ipc://%s/queues", dir);
    rc = actor_system_new(NULL, &all.sys);
    if (rc == 0)
        rc = actor_client_new(all.sys, &me);
    if (rc == 0)
        rc = actor_system_bind(all.sys, endpoint, NULL, NULL, 0);
    if (rc == 0)
        rc = actor_channel_new(all.sys, me,
                               &(actor_queue_opts){.type = frames_Frame_TYPE,
                                                   .max_items = QUEUE_ITEMS,
                                                   .max_bytes = QUEUE_BYTES},
                               &frames_Frame_desc, &all.first, &rx, &st) != 0 ||
                     st.category != ACTOR_STATUS_OK
                 ? ACTOR_ESYSTEM
                 : 0;
    if (rc == 0)
        rc = actor_register_name(all.sys, rx.queue, CHANNEL_NAME);
    if (rc != 0) {
        fprintf(stderr, "queues: could not start: %s\n", actor_strerror(rc));
        actor_client_destroy(&me);
        actor_system_destroy(&all.sys);
        rmdir(dir);
        return 1;
    }
    consumer = start_consumer(endpoint, o);
    t0 = now_s();
    for (uint32_t i = 0; i < o->producers; i++) {
        args[i] = (producer_arg){&all, i};
        pthread_create(&threads[i], NULL, producer_main, &args[i]);
    }
    for (uint32_t i = 0; i < o->producers; i++)
        pthread_join(threads[i], NULL);
    t1 = now_s();
    actor_sender_close(me, &all.first, &st); /* the last sender: the channel closes */
    if (consumer > 0)
        waitpid(consumer, &status, 0);
    actor_queue_Queue_info(me, rx.queue, &info, NULL, &st);

    filled = atomic_load(&all.filled_at) > 0 ? atomic_load(&all.filled_at) : t1;
    fill_rate = QUEUE_ITEMS / (filled - t0 > 1e-6 ? filled - t0 : 1e-6);
    steady_rate = atomic_load(&all.sent) > QUEUE_ITEMS && t1 > filled
                      ? (atomic_load(&all.sent) - QUEUE_ITEMS) / (t1 - filled)
                      : 0;
    lost = total > info.got_total ? total - (unsigned)info.got_total : 0;
    printf("producers: %u frames of %u KiB; the first %u at %.0f frames/s (filling the queue), "
           "the rest at %.0f frames/s (the consumers' pace)\n",
           atomic_load(&all.sent), PAYLOAD_BYTES / 1024u, QUEUE_ITEMS, fill_rate, steady_rate);
    printf("queue: at most %" PRIu64 "/%u frames and %" PRIu64 "/%u KiB at once; %" PRIu64
           " put, %" PRIu64 " got\n",
           info.peak_items, QUEUE_ITEMS, info.peak_bytes / 1024u, QUEUE_BYTES / 1024u,
           info.put_total, info.got_total);
    printf("queues: %u frames produced, %" PRIu64 " consumed in another process, producers slowed "
           "from %.0f to %.0f frames/s, peak %" PRIu64 "/%u frames, lost %u\n",
           atomic_load(&all.sent), info.got_total, fill_rate, steady_rate, info.peak_items,
           QUEUE_ITEMS, lost);
    actor_queue_Info_free(&info);
    actor_client_destroy(&me);
    actor_system_destroy(&all.sys);
    rmdir(dir);
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
        fprintf(stderr, "queues: FAILED: the consumer process did not end well (status %d)\n",
                status);
    if (atomic_load(&all.failed) != 0)
        fprintf(stderr, "queues: FAILED: %u producers could not send everything\n",
                atomic_load(&all.failed));
    return lost == 0 && atomic_load(&all.failed) == 0 && WIFEXITED(status) &&
                   WEXITSTATUS(status) == 0 && info.peak_items <= QUEUE_ITEMS &&
                   info.peak_bytes <= QUEUE_BYTES
               ? 0
               : 1;
}

/* ============================================================ options */

static bool parse_unsigned(const char *s, unsigned max, unsigned *out)
{
    char *end;
    unsigned long v;

    if (s == NULL || *s < '0' || *s > '9')
        return false;
    errno = 0;
    v = strtoul(s, &end, 10);
    if (errno != 0 || *end != '\0' || v > max)
        return false;
    *out = (unsigned)v;
    return true;
}

int main(int argc, char **argv)
{
    options o = {.producers = 2, .frames = 400, .consumer_us = 500};

    if (argc == 6 && strcmp(argv[1], "consume") == 0) {
        if (!parse_unsigned(argv[3], MAX_PRODUCERS, &o.producers) ||
            !parse_unsigned(argv[4], MAX_FRAMES, &o.frames) ||
            !parse_unsigned(argv[5], 1000000, &o.consumer_us))
            return 2;
        return consume(argv[2], &o);
    }
    for (int i = 1; i < argc; i += 2) {
        const char *value = i + 1 < argc ? argv[i + 1] : NULL;
        bool good;
        if (strcmp(argv[i], "--producers") == 0)
            good = parse_unsigned(value, MAX_PRODUCERS, &o.producers) && o.producers > 0;
        else if (strcmp(argv[i], "--frames") == 0)
            good = parse_unsigned(value, MAX_FRAMES, &o.frames) && o.frames > 0;
        else if (strcmp(argv[i], "--consumer-us") == 0)
            good = parse_unsigned(value, 1000000, &o.consumer_us);
        else
            good = false;
        if (!good) {
            fprintf(stderr, "queues: bad option '%s'%s%s\n", argv[i], value != NULL ? " " : "",
                    value != NULL ? value : "");
            fputs(usage, stderr);
            return 2;
        }
    }
    return run(&o);
}
