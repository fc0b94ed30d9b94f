/*
 * bench/runtime/condvar.c - mutex+condvar ping-pong between two threads
 * (see condvar.h). A round trip: the caller sets turn = 1 and signals, the
 * peer wakes, sets turn = 0 and signals back, the caller wakes. Three
 * placements: free (the kernel chooses, and often puts both on one CPU),
 * both pinned to one CPU, pinned to two different CPUs.
 */
#define _GNU_SOURCE
#include "condvar.h"

#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>

static const char *const cv_name = "bench-rt-zmq (condvar)";

typedef struct cv_pingpong {
    pthread_mutex_t lock;
    pthread_cond_t to_peer;   /* turn became 1 */
    pthread_cond_t to_caller; /* turn became 0 */
    int turn;                 /* 1: the peer's turn, 0: the caller's */
    long rounds;
    int peer_cpu;             /* -1: not pinned */
} cv_pingpong;

/* Pins the calling thread to `cpu` (when >= 0). */
static void cv_pin(int cpu)
{
    if (cpu < 0)
        return;
    cpu_set_t set;
    CPU_ZERO(&set);
    CPU_SET(cpu, &set);
    if (pthread_setaffinity_np(pthread_self(), sizeof set, &set) != 0)
        bench_die(cv_name, "pthread_setaffinity_np failed");
}

static void *cv_peer(void *a)
{
    cv_pingpong *pp = a;
    cv_pin(pp->peer_cpu);
    pthread_mutex_lock(&pp->lock);
    for (long i = 0; i < pp->rounds; i++) {
        while (pp->turn != 1)
            pthread_cond_wait(&pp->to_peer, &pp->lock);
        pp->turn = 0;
        pthread_cond_signal(&pp->to_caller);
    }
    pthread_mutex_unlock(&pp->lock);
    return NULL;
}

/* The nth (0-based) CPU this process may run on, or -1. */
static int cv_allowed_cpu(int nth)
{
    cpu_set_t set;
    if (sched_getaffinity(0, sizeof set, &set) != 0)
        return -1;
    for (int cpu = 0; cpu < CPU_SETSIZE; cpu++)
        if (CPU_ISSET(cpu, &set) && nth-- == 0)
            return cpu;
    return -1;
}

/* One figure: warmup + n round trips with a fresh peer thread; the caller
 * on `cpu`, the peer on `peer_cpu` (-1: wherever the kernel likes). */
static void cv_measure(const bench_params *p, const char *key, int cpu, int peer_cpu)
{
    cv_pingpong pp = {.turn = 0, .rounds = p->warmup + p->n, .peer_cpu = peer_cpu};
    pthread_mutex_init(&pp.lock, NULL);
    pthread_cond_init(&pp.to_peer, NULL);
    pthread_cond_init(&pp.to_caller, NULL);
    int64_t *ns = malloc((size_t)p->n * sizeof *ns);
    if (ns == NULL)
        bench_die(cv_name, "out of memory");
    /* The caller runs on this thread: pin it too, and restore afterwards. */
    cpu_set_t saved;
    if (cpu >= 0 && sched_getaffinity(0, sizeof saved, &saved) != 0)
        bench_die(cv_name, "sched_getaffinity failed");
    cv_pin(cpu);
    pthread_t peer;
    if (pthread_create(&peer, NULL, cv_peer, &pp) != 0)
        bench_die(cv_name, "pthread_create failed");
    for (long i = 0; i < pp.rounds; i++) {
        int64_t t0 = bench_now_ns();
        pthread_mutex_lock(&pp.lock);
        pp.turn = 1;
        pthread_cond_signal(&pp.to_peer);
        while (pp.turn != 0)
            pthread_cond_wait(&pp.to_caller, &pp.lock);
        pthread_mutex_unlock(&pp.lock);
        if (i >= p->warmup)
            ns[i - p->warmup] = bench_now_ns() - t0;
    }
    pthread_join(peer, NULL);
    if (cpu >= 0)
        pthread_setaffinity_np(pthread_self(), sizeof saved, &saved);
    bench_report_latency(key, ns, (size_t)p->n);
    free(ns);
    pthread_cond_destroy(&pp.to_caller);
    pthread_cond_destroy(&pp.to_peer);
    pthread_mutex_destroy(&pp.lock);
}

void condvar_run_anchors(const bench_params *p)
{
    int first = cv_allowed_cpu(0), second = cv_allowed_cpu(1);
    if (bench_selected(p, "cv.pingpong"))
        cv_measure(p, "cv.pingpong", -1, -1);
    if (bench_selected(p, "cv.pingpong.1cpu") && first >= 0)
        cv_measure(p, "cv.pingpong.1cpu", first, first);
    if (bench_selected(p, "cv.pingpong.2cpu") && second >= 0)
        cv_measure(p, "cv.pingpong.2cpu", first, second);
}
