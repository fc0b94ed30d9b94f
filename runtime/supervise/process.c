/*
 * process.c - process isolation (@isolation(process); docs/RUNTIME.md,
 * "Process isolation").
 *
 * A process-isolated child is two things:
 *   - a child process, forked from the supervisor's thread, that runs a
 *     system of its own with one instance of the actor, bound on an ipc
 *     endpoint of its own and registered as "instance-G" (G: the child's
 *     generation, new at every restart). It exits when its instance does
 *     and is killed with the thread that forked it (PR_SET_PDEATHSIG).
 *   - a stand-in actor in this process, with the instance's methods, that
 *     callers and pools see (its ref never changes). It forwards each
 *     message to the current process (actor_ctx_request on a remote ref)
 *     and answers its caller with what comes back.
 *
 * When the process dies (reaped by the supervisor), the stand-in is told
 * (a control cast): every request forwarded to that generation is tried
 * again on the next one if its method is @idempotent or has @retries
 * left, else answered DIED, once; the stand-in's own request to the dead
 * process is abandoned (actor__ctx_request_abandon), so nothing waits for
 * its deadline. A request whose connection to the process broke (it ends
 * UNREACHABLE, often before the supervisor has reaped the process) is kept
 * as a suspect: that news settles it, or, when its generation answers a
 * later request (it lived), it is sent again if it never left or may be
 * retried, else answered DIED. So that suspects of a generation that
 * lives do not wait for a later answer that may never come (nothing else
 * may be sent to it), the stand-in asks that generation's registry for a
 * ping while it has any: the answer settles them as a later answer would.
 * Messages arriving meanwhile wait in the stand-in. A late
 * answer from the dead generation is dropped: its request is forgotten,
 * and the next process answers a request naming "instance-G" NOT_FOUND.
 * So every request gets exactly one answer, and one that may not run
 * twice never does.
 */
#define _GNU_SOURCE /* close_range */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "actor/naming.h"
#include "actor/remote.h"
#include "actor_system.h"
#include "supervise/supervise.h"

/* How long a new process may take to be ready. */
#define READY_TIMEOUT_MS 10000
/* A child whose own health check failed writes why on its status pipe and
 * exits with this status. */
#define UNHEALTHY_EXIT 97
/* A probe of a generation with suspects (see forwarded) waits this long
 * for its answer; one that gets none is made again, up to PROBES_MAX
 * times in a row (the process died: the supervisor's news settles them). */
#define PROBE_TIMEOUT_MS 1000
#define PROBES_MAX 1000

/* A message the stand-in forwards; lives until its continuation ran. */
typedef struct forward {
    struct forward *next, *prev; /* in `sent` or `waiting` */
    struct actor__process *proc;
    uint32_t method;
    bool request;
    uint64_t call_id;   /* the stand-in's request to the process, while in `sent` */
    uint32_t gen;       /* the generation it was sent to */
    uint8_t attempts;   /* times tried again after a death */
    bool suspect;       /* in `sent`, its connection broke (UNREACHABLE): see forwarded */
    bool unsent;        /* a suspect that never left this process */
    int64_t deadline;   /* the caller's */
    actor_reply *reply; /* requests: the caller's deferred reply */
    size_t len;
    char body[];
} forward;

typedef struct fwd_list {
    forward *head, *tail;
} fwd_list;

struct actor__process {
    actor__child *c;
    actor_system *sys;
    actor_type type;       /* the stand-in's: the instance's methods, forwarding */
    actor_method *methods; /* n_methods + 1: the last is the control method */
    char dir[64];          /* mkdtemp'd: holds the ipc socket */
    char endpoint[96];
    pid_t pid;              /* the supervisor thread's; -1: could not fork */
    int fork_errno;
    int status_fd; /* the supervisor thread's: read end of the child's pipe; -1: none */
    bool killed_unhealthy;         /* the supervisor thread's: killed for a failed check */
    uint32_t health_interval_ms;   /* the child checks itself this often; 0: never */
    uint32_t health_timeout_ms;
    uint32_t next_gen; /* the supervisor thread's */
    actor_ref self;    /* the stand-in */
    /* News for the stand-in, written by the supervisor thread, then a
     * doorbell cast (its last method); read at each of its messages, so a
     * doorbell refused by a full mailbox loses nothing. */
    atomic_uint died_gen, up_gen;
    /* The stand-in's own (its worker's). */
    uint32_t gen; /* the generation forwards go to; 0: none up */
    actor_ref remote;
    fwd_list sent, waiting;
    size_t n_suspects;      /* forwards in `sent` marked suspect */
    actor_ref registry;     /* the current generation's registry: probes go there */
    uint32_t probe_gen;     /* a probe is out to this generation; 0: none */
    unsigned probes_failed; /* probes in a row that got no answer */
};

/* =========================================================== fwd lists */

static void fwd_push(fwd_list *l, forward *f)
{
    f->next = NULL;
    f->prev = l->tail;
    if (l->tail != NULL)
        l->tail->next = f;
    else
        l->head = f;
    l->tail = f;
}

static void fwd_unlink(fwd_list *l, forward *f)
{
    if (f->prev != NULL)
        f->prev->next = f->next;
    else
        l->head = f->next;
    if (f->next != NULL)
        f->next->prev = f->prev;
    else
        l->tail = f->prev;
    f->next = f->prev = NULL;
}

/* ===================================================== the child process */

/* The child's watch over its instance until the instance is gone: every
 * health_interval_ms it runs the instance's health check (the supervisor's
 * checks reach the stand-in, in the parent, which cannot see this state).
 * A check that fails or times out ends the process: why goes on the status
 * pipe, for the supervisor's report, and it exits UNHEALTHY_EXIT. */
static void child_watch(const actor__process *p, actor_system *sys, actor_ref ref, int status_fd)
{
    actor_client *client = NULL;
    int64_t next = actor_now_ns() + (int64_t)p->health_interval_ms * 1000000;
    actor_stats st;

    if (p->health_interval_ms != 0 && actor_client_new(sys, &client) != 0)
        _exit(1);
    while (actor_stats_get(sys, ref, &st) == 0) {
        actor_status hs;
        char why[ACTOR_STATUS_MESSAGE_SIZE + 32];
        int n;
        poll(NULL, 0, 10);
        if (client == NULL || actor_now_ns() < next)
            continue;
        actor_health_check(client, ref, p->health_timeout_ms, &hs);
        next = actor_now_ns() + (int64_t)p->health_interval_ms * 1000000;
        if (hs.category != ACTOR_STATUS_ERROR && hs.category != ACTOR_STATUS_TIMEOUT)
            continue;
        n = snprintf(why, sizeof why, "%s: %s",
                     hs.category == ACTOR_STATUS_TIMEOUT ? "health check timed out" : "unhealthy",
                     hs.message);
        /* a write that fails only makes the report say less */
        ssize_t written = write(status_fd, why, n > 0 && (size_t)n < sizeof why ? (size_t)n : 0);
        (void)written;
        _exit(UNHEALTHY_EXIT);
    }
    actor_client_destroy(&client);
}

/* The child's life: a system of its own with one instance, bound and
 * named; exits when the instance is gone. Never returns. */
static void child_main(actor__process *p, uint32_t gen, int ready_fd)
{
    actor_system *sys = NULL;
    actor_spawn_opts o = {0};
    actor_ref ref;
    char name[32];
    int code = 1;

    prctl(PR_SET_PDEATHSIG, SIGKILL);
    close_range(3, (unsigned)ready_fd - 1, 0);
    close_range((unsigned)ready_fd + 1, ~0u, 0);
    snprintf(name, sizeof name, "instance-%u", gen);
    if (actor_system_new(NULL, &sys) == 0 &&
        p->c->spec.spawn(sys, p->c->spec.spec, &o, &ref) == 0 &&
        actor_system_bind(sys, p->endpoint, NULL, NULL, 0) == 0 &&
        actor_register_name(sys, ref, name) == 0 && write(ready_fd, "1", 1) == 1) {
        child_watch(p, sys, ref, ready_fd);
        code = 0;
    }
    _exit(code); /* no atexit handlers: they are the parent's */
}

static void close_status(actor__process *p)
{
    if (p->status_fd >= 0)
        close(p->status_fd);
    p->status_fd = -1;
}

/* What a child that ended UNHEALTHY_EXIT wrote on its status pipe, into
 * why[size]. */
static void read_unhealthy(actor__process *p, char *why, size_t size)
{
    ssize_t n = p->status_fd >= 0 ? read(p->status_fd, why, size - 1) : -1;

    if (n <= 0)
        snprintf(why, size, "unhealthy");
    else
        why[n] = '\0';
}

/* Forks generation `gen` and waits until it serves. Supervisor thread. */
static int start_process(actor__process *p, uint32_t gen)
{
    int fds[2], rc = ACTOR_ESYSTEM;
    struct pollfd pfd;
    char ok = 0;
    pid_t pid;

    if (pipe(fds) != 0) {
        p->fork_errno = errno;
        p->pid = -1; /* reaped as a death at the next look: restarted after a backoff */
        return ACTOR_ESYSTEM;
    }
    pid = fork();
    if (pid == 0) {
        close(fds[0]);
        child_main(p, gen, fds[1]);
    }
    p->fork_errno = errno;
    close(fds[1]);
    if (pid < 0) {
        close(fds[0]);
        p->pid = -1;
        return ACTOR_ESYSTEM;
    }
    pfd.fd = fds[0];
    pfd.events = POLLIN;
    if (poll(&pfd, 1, READY_TIMEOUT_MS) == 1 && read(fds[0], &ok, 1) == 1 && ok == '1')
        rc = 0;
    close_status(p);
    p->status_fd = fds[0]; /* why it was unhealthy comes here */
    p->killed_unhealthy = false;
    p->pid = pid;
    atomic_store(&p->c->pid, (int)pid);
    if (rc != 0)
        kill(pid, SIGKILL); /* reaped as a death: restarted, or failed */
    return rc;
}

/* ======================================================== the stand-in */

uint32_t actor__forward_timeout_ms(int64_t deadline)
{
    int64_t left = deadline - actor_now_ns();

    if (deadline == 0)
        return 0; /* the method's or the system's */
    return left <= 1000000 ? 1 : (uint32_t)(left / 1000000);
}

static bool may_retry(const actor__process *p, const forward *f)
{
    const actor_method *m = &p->c->spec.type->methods[f->method];
    uint32_t allowed = actor__retries_allowed(m, p->c->spec.max_task_retries);

    return f->attempts < allowed;
}

static void answer(forward *f, actor_status_category cat, const char *text)
{
    actor_status st;

    actor_status_set(&st, cat, 0, "%s", text);
    actor_reply_status(&f->reply, &st);
}

static void forwarded(void *state, actor_ctx *ctx, const actor_status *st, const char *body,
                      size_t len, void *user);

/* Sends f to the current generation, or keeps it waiting for one. */
static void send_forward(actor__process *p, actor_ctx *ctx, forward *f)
{
    actor_method_ref m = {p->c->spec.type, f->method};
    actor_call_opts o = ACTOR_CALL_OPTS_DEFAULT;
    int rc;

    if (p->gen == 0) {
        fwd_push(&p->waiting, f);
        return;
    }
    if (f->deadline != 0 && actor_now_ns() >= f->deadline) {
        if (f->request)
            answer(f, ACTOR_STATUS_TIMEOUT, "deadline passed while the instance restarted");
        free(f);
        return;
    }
    o.timeout_ms = actor__forward_timeout_ms(f->deadline);
    f->gen = p->gen;
    if (!f->request) {
        actor_ctx_cast(ctx, p->remote, m, f->body, f->len, &o);
        free(f);
        return;
    }
    rc = actor_ctx_request(ctx, p->remote, m, f->body, f->len, &o, forwarded, f, &f->call_id);
    if (rc == ACTOR_EUNREACHABLE) { /* the process is gone: its death is news soon */
        f->call_id = 0;
        fwd_push(&p->sent, f);
        return;
    }
    if (rc != 0) {
        answer(f, ACTOR_STATUS_INTERNAL, actor_strerror(rc));
        free(f);
        return;
    }
    fwd_push(&p->sent, f);
}

/* The generation `gen` answered, so it lives: the suspects sent to it
 * (their connection broke, the old one's loss read late) are sent again
 * if they never left or may be retried, else answered DIED, once. */
static void clear_suspects(actor__process *p, actor_ctx *ctx, uint32_t gen)
{
    fwd_list l = {NULL, NULL};
    forward *f, *next;

    if (p->n_suspects == 0)
        return; /* the usual case: no walk over `sent` per answer */
    for (f = p->sent.head; f != NULL; f = next) {
        next = f->next;
        if (f->suspect && f->gen == gen) {
            fwd_unlink(&p->sent, f);
            fwd_push(&l, f);
        }
    }
    while ((f = l.head) != NULL) {
        fwd_unlink(&l, f);
        f->suspect = false;
        p->n_suspects--;
        if (!f->unsent && may_retry(p, f)) {
            f->attempts++;
            atomic_fetch_add(&p->c->retried, 1);
        } else if (!f->unsent) {
            answer(f, ACTOR_STATUS_DIED, "the connection to the instance's process broke");
            free(f);
            continue;
        }
        send_forward(p, ctx, f);
    }
}

static void probed(void *state, actor_ctx *ctx, const actor_status *st, const char *body,
                   size_t len, void *user);

/* While the current generation has suspects, asks its registry for a ping
 * (one probe at a time): an answer means it lives (probed). */
static void probe(actor__process *p, actor_ctx *ctx)
{
    const actor_method_ref ping = {&actor_sys_Registry_type, actor_sys_Registry_METHOD_PING};
    const actor_call_opts o = {ACTOR_PRIORITY_DEFAULT, PROBE_TIMEOUT_MS};

    if (p->n_suspects == 0 || p->gen == 0 || p->probe_gen != 0 || p->probes_failed >= PROBES_MAX)
        return;
    if (actor_ctx_request(ctx, p->registry, ping, NULL, 0, &o, probed, NULL, NULL) == 0)
        p->probe_gen = p->gen;
}

/* A probe's end: its generation answered, so it lives, and its suspects
 * are settled; without an answer, another probe goes while they remain. */
static void probed(void *state, actor_ctx *ctx, const actor_status *st, const char *body,
                   size_t len, void *user)
{
    actor__process *p = state;
    uint32_t gen = p->probe_gen;

    (void)body;
    (void)len;
    (void)user;
    p->probe_gen = 0;
    if (gen == p->gen && st->category == ACTOR_STATUS_OK) {
        p->probes_failed = 0;
        clear_suspects(p, ctx, gen);
    } else if (gen == p->gen) {
        p->probes_failed++;
    }
    probe(p, ctx);
}

/* The end of a forwarded request: passed on to the caller. One whose
 * connection to the process broke (UNREACHABLE) stays a suspect in `sent`:
 * usually the process died, and the supervisor's news retries it or
 * answers it DIED (generation_died); if instead its generation answers a
 * later request, it lived (the loss was its predecessor's connection's,
 * read late) and clear_suspects decides. */
static void forwarded(void *state, actor_ctx *ctx, const actor_status *st, const char *body,
                      size_t len, void *user)
{
    actor__process *p = state;
    forward *f = user;
    uint32_t gen = f->gen;
    bool ok = st->category == ACTOR_STATUS_OK;

    if (st->category == ACTOR_STATUS_UNREACHABLE && f->gen == p->gen) {
        f->call_id = 0;
        if (!f->suspect)
            p->n_suspects++;
        f->suspect = true;
        f->unsent = st->code == ACTOR_UNREACHABLE_NOT_SENT;
        probe(p, ctx);
        return;
    }
    fwd_unlink(&p->sent, f);
    if (ok)
        actor_reply_send(&f->reply, body, len);
    else
        actor_reply_status(&f->reply, st);
    free(f);
    if (ok && gen == p->gen)
        clear_suspects(p, ctx, gen);
}

/* The current generation died: what was sent to it is tried again (first,
 * in the order it was sent) or answered DIED, once. */
static void generation_died(actor__process *p, actor_ctx *ctx, uint32_t gen)
{
    fwd_list again = {NULL, NULL};
    forward *f;

    if (gen != p->gen)
        return; /* an older one's news */
    p->gen = 0;
    p->n_suspects = 0; /* every one of them is in `sent`, settled below */
    while ((f = p->sent.head) != NULL) {
        fwd_unlink(&p->sent, f);
        if (f->call_id != 0)
            actor__ctx_request_abandon(ctx, f->call_id);
        if (f->unsent || may_retry(p, f)) { /* one that never left costs no attempt */
            if (!f->unsent)
                f->attempts++;
            atomic_fetch_add(&p->c->retried, 1);
            f->suspect = f->unsent = false;
            fwd_push(&again, f);
        } else {
            answer(f, ACTOR_STATUS_DIED, "the instance's process died");
            free(f);
        }
    }
    if (again.head != NULL) { /* before what arrived while they were out */
        again.tail->next = p->waiting.head;
        if (p->waiting.head != NULL)
            p->waiting.head->prev = again.tail;
        else
            p->waiting.tail = again.tail;
        p->waiting.head = again.head;
    }
}

/* A new generation serves: everything waiting goes to it, in order. */
static void generation_up(actor__process *p, actor_ctx *ctx, uint32_t gen)
{
    char name[32];
    fwd_list l = p->waiting;

    snprintf(name, sizeof name, "instance-%u", gen);
    if (actor_connect(p->sys, p->endpoint, name, NULL, &p->remote) != 0 ||
        actor_connect(p->sys, p->endpoint, ACTOR_SERVICE_NAMESPACE "/" ACTOR_REGISTRY_NAME, NULL,
                      &p->registry) != 0)
        return; /* still down: the supervisor sees it die or time out */
    p->gen = gen;
    p->probes_failed = 0;
    p->waiting.head = p->waiting.tail = NULL;
    while (l.head != NULL) {
        forward *f = l.head;
        fwd_unlink(&l, f);
        send_forward(p, ctx, f);
    }
}

/* Acts on the supervisor's news, if any. */
static void take_news(actor__process *p, actor_ctx *ctx)
{
    uint32_t died = atomic_load(&p->died_gen), up = atomic_load(&p->up_gen);

    if (p->gen != 0 && died == p->gen)
        generation_died(p, ctx, died);
    if (p->gen == 0 && up > died)
        generation_up(p, ctx, up);
}

/* Every method of the stand-in: the instance's, forwarded, and the
 * doorbell. */
static int stand_in_invoke(void *state, actor_ctx *ctx, const char *body, size_t len,
                           msgpack_sbuffer *reply_body)
{
    actor__process *p = state;
    const actor_method *method = actor__ctx_method(ctx);
    uint32_t index = (uint32_t)(method - p->methods);
    forward *f;

    (void)reply_body;
    take_news(p, ctx);
    probe(p, ctx); /* none while there are no suspects, or one is out */
    if (index == p->type.n_methods - 1)
        return ACTOR_INVOKE_REPLY; /* the doorbell */
    f = malloc(sizeof *f + len);
    if (f == NULL)
        return ACTOR_ENOMEM;
    memset(f, 0, sizeof *f);
    f->proc = p;
    f->method = index;
    f->request = method->kind == ACTOR_METHOD_RPC;
    f->deadline = actor_ctx_deadline(ctx);
    f->len = len;
    memcpy(f->body, body, len);
    if (f->request && actor_ctx_defer(ctx, &f->reply) != 0) {
        free(f);
        return ACTOR_ENOMEM;
    }
    send_forward(p, ctx, f);
    return f->request ? ACTOR_INVOKE_DEFERRED : ACTOR_INVOKE_REPLY;
}

static int stand_in_init(void **state, const void *arg, actor_ctx *ctx)
{
    (void)ctx;
    *state = (void *)(uintptr_t)arg;
    return 0;
}

/* The stand-in's end: the records of what waits are freed (their callers'
 * deferred replies are answered DIED by the runtime right after). */
static void stand_in_cleanup(void *state, actor_ctx *ctx)
{
    actor__process *p = state;

    (void)ctx;
    while (p->waiting.head != NULL) {
        forward *f = p->waiting.head;
        fwd_unlink(&p->waiting, f);
        free(f);
    }
}

/* ======================================================= the supervisor */

/* Rings the stand-in's doorbell (the supervisor's thread): it takes the
 * news at its next message. */
static void ring(actor__process *p)
{
    actor_method_ref m = {&p->type, (uint32_t)p->type.n_methods - 1};
    actor_call_opts o = {ACTOR_PRIORITY_DEFAULT, 100};
    actor_client *c = NULL;

    if (actor_client_new(p->sys, &c) == 0) {
        actor_cast(c, p->self, m, NULL, 0, &o);
        actor_client_destroy(&c);
    }
}

int actor__stand_in_type(const actor_type *t, actor_invoke_fn invoke, const char *control,
                         actor_method_kind control_kind,
                         int (*init)(void **state, const void *arg, actor_ctx *ctx),
                         void (*cleanup)(void *state, actor_ctx *ctx), actor_type *own,
                         actor_method **methods)
{
    actor_method *m = calloc(t->n_methods + 1, sizeof *m);

    *methods = m;
    if (m == NULL)
        return ACTOR_ENOMEM;
    for (size_t i = 0; i < t->n_methods; i++) {
        m[i] = t->methods[i];
        m[i].invoke = invoke;
        m[i].reads_frames = false; /* forwarded as one body */
    }
    m[t->n_methods].name = control;
    m[t->n_methods].kind = control_kind;
    m[t->n_methods].priority = 255;
    m[t->n_methods].invoke = invoke;
    *own = *t;
    own->methods = m;
    own->n_methods = t->n_methods + 1;
    own->init = init;
    own->cleanup = cleanup;
    own->health = NULL;
    own->checkpoint = NULL;
    own->restore = NULL;
    return 0;
}

static actor__process *process_new(actor_system *sys, actor__child *c)
{
    const actor_type *t = c->spec.type;
    actor__process *p = calloc(1, sizeof *p);

    if (p == NULL)
        return NULL;
    snprintf(p->dir, sizeof p->dir, "/tmp/actor-XXXXXX");
    if (actor__stand_in_type(t, stand_in_invoke, "actor.control", ACTOR_METHOD_CAST,
                             stand_in_init, stand_in_cleanup, &p->type, &p->methods) != 0) {
        free(p);
        return NULL;
    }
    if (mkdtemp(p->dir) == NULL) {
        free(p->methods);
        free(p);
        return NULL;
    }
    snprintf(p->endpoint, sizeof p->endpoint, "ipc://%s/instance", p->dir);
    p->c = c;
    p->sys = sys;
    p->status_fd = -1;
    actor__supervisor_health_opts(c->sup, &p->health_interval_ms, &p->health_timeout_ms);
    return p;
}

int actor__process_spawn(actor_system *sys, actor__child *c, actor_ref *ref)
{
    actor__process *p = c->proc;
    int rc;

    if (p == NULL) {
        p = process_new(sys, c);
        if (p == NULL)
            return ACTOR_ENOMEM;
        c->proc = p;
    }
    rc = actor_spawn(sys, &p->type, p, NULL, &p->self);
    if (rc != 0)
        return rc;
    *ref = p->self;
    return actor__process_restart(c);
}

int actor__process_restart(actor__child *c)
{
    actor__process *p = c->proc;
    uint32_t gen = ++p->next_gen;
    int rc = start_process(p, gen);

    if (rc == 0) {
        atomic_store(&p->up_gen, gen);
        ring(p);
    }
    (void)rc; /* a process that is not ready, or not forked, is reaped as a death */
    return 0;
}

bool actor__process_reap(actor__child *c, char *why, size_t size, bool *unhealthy)
{
    actor__process *p = c->proc;
    int status;

    *unhealthy = false;
    if (p->pid < 0) {
        snprintf(why, size, "could not start its process: %s", strerror(p->fork_errno));
    } else if (p->pid == 0 || waitpid(p->pid, &status, WNOHANG) != p->pid) {
        return false;
    } else if (p->killed_unhealthy) {
        *unhealthy = true;
        why[0] = '\0'; /* the failed check's reason stands */
    } else if (WIFEXITED(status) && WEXITSTATUS(status) == UNHEALTHY_EXIT) {
        *unhealthy = true;
        read_unhealthy(p, why, size);
    } else if (WIFSIGNALED(status)) {
        snprintf(why, size, "process %d killed by signal %d (%s)", (int)p->pid, WTERMSIG(status),
                 strsignal(WTERMSIG(status)));
    } else {
        snprintf(why, size, "process %d exited with status %d", (int)p->pid, WEXITSTATUS(status));
    }
    close_status(p);
    p->pid = 0;
    atomic_store(&c->pid, 0);
    atomic_store(&p->died_gen, p->next_gen);
    ring(p);
    return true;
}

void actor__process_kill(actor__child *c)
{
    if (c->proc != NULL && c->proc->pid > 0)
        kill(c->proc->pid, SIGKILL);
}

void actor__process_kill_unhealthy(actor__child *c)
{
    if (c->proc != NULL && c->proc->pid > 0)
        c->proc->killed_unhealthy = true;
    actor__process_kill(c);
}

void actor__process_free(actor__child *c)
{
    actor__process *p = c->proc;
    char path[sizeof p->dir + 16];

    if (p == NULL)
        return;
    if (p->pid > 0) {
        kill(p->pid, SIGKILL);
        waitpid(p->pid, NULL, 0);
    }
    close_status(p);
    snprintf(path, sizeof path, "%s/instance", p->dir);
    unlink(path);
    rmdir(p->dir);
    free(p->methods);
    free(p);
    c->proc = NULL;
}
