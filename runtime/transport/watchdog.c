/*
 * watchdog.c - monitors of other systems' actors (actor_monitor on a ref
 * from actor_connect, actor_monitor_peer). One internal actor per system,
 * the watchdog, spawned at the first such monitor, keeps a `watch` request
 * (actor_sys.Registry, idl/actor_system.actor) in flight at the peer's
 * registry for each one, and fires the monitor with what comes back:
 *
 *   the answer (a Down)         its reason and message
 *   TIMEOUT                     nothing happened yet: asked again
 *   UNREACHABLE                 UNREACHABLE, with why (refused, lost, silent)
 *   DIED                        EXITED: the peer's registry ended with its system
 *   NOT_FOUND, a registry error NOT_FOUND: nothing there to watch; but for
 *                               the registry itself (a peer's monitor)
 *                               EXITED: its system is shutting down
 *
 * A job is asked again only while its monitor is live, so a demonitor (or
 * the end of the watching actor) stops it at its next answer. Jobs travel
 * to the watchdog as a pointer in a cast's body: the watchdog owns a job
 * from then on and frees it when it stops asking.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "actor/monitor.h"
#include "actor/naming.h"
#include "actor/remote.h"
#include "actor_system.h"
#include "transport/gateway.h"

typedef struct job {
    actor_system *sys;
    uint64_t monitor;
    actor_ref registry; /* the peer's */
    char ns[ACTOR_NAME_MAX + 1], name[ACTOR_NAME_MAX + 1];
} job;

static void fire(job *j, actor_down_reason reason, const char *why)
{
    actor__monitor_fire(j->sys, j->monitor, reason, why);
    free(j);
}

static void ask(actor_ctx *ctx, job *j);

/* Whether j watches the peer's registry itself (actor_monitor_peer). */
static bool watches_registry(const job *j)
{
    return strcmp(j->ns, ACTOR_SERVICE_NAMESPACE) == 0 && strcmp(j->name, ACTOR_REGISTRY_NAME) == 0;
}

/* The peer's answer to a watch. */
static void answered(void *state, actor_ctx *ctx, const actor_status *st, const char *body,
                     size_t len, void *user)
{
    job *j = user;
    actor_sys_Down down;
    char why[ACTOR_STATUS_MESSAGE_SIZE + 32];

    (void)state;
    if (!actor__monitor_live(j->sys, j->monitor)) { /* demonitored meanwhile */
        free(j);
        return;
    }
    switch (st->category) {
    case ACTOR_STATUS_OK:
        if (actor_sys_Down_decode(body, len, &down) != 0) {
            fire(j, ACTOR_DOWN_UNREACHABLE, "the peer's answer did not decode");
            return;
        }
        snprintf(why, sizeof why, "%s", down.message);
        fire(j, down.reason <= ACTOR_DOWN_UNREACHABLE ? (actor_down_reason)down.reason
                                                      : ACTOR_DOWN_EXITED,
             why);
        actor_sys_Down_free(&down);
        return;
    case ACTOR_STATUS_TIMEOUT:
    case ACTOR_STATUS_REJECTED: /* the registry's mailbox was full: again */
        ask(ctx, j);
        return;
    case ACTOR_STATUS_DIED:
        fire(j, ACTOR_DOWN_EXITED, "terminated: its system shut down");
        return;
    case ACTOR_STATUS_NOT_FOUND:
        if (watches_registry(j)) { /* every bound system has one until it shuts down */
            fire(j, ACTOR_DOWN_EXITED, "terminated: its system shut down");
            return;
        }
        /* fall through */
    case ACTOR_STATUS_ERROR:
        snprintf(why, sizeof why, "not found: %s", st->message);
        fire(j, ACTOR_DOWN_NOT_FOUND, why);
        return;
    default:
        snprintf(why, sizeof why, "%s", st->message[0] != '\0' ? st->message : "unreachable");
        fire(j, ACTOR_DOWN_UNREACHABLE, why);
        return;
    }
}

/* Sends j's watch request; on failure the monitor fires at once. */
static void ask(actor_ctx *ctx, job *j)
{
    actor_sys_Name req = {j->ns, j->name};
    actor_method_ref m = {&actor_sys_Registry_type, actor_sys_Registry_METHOD_WATCH};
    msgpack_sbuffer body;
    char why[ACTOR_STATUS_MESSAGE_SIZE];
    int rc;

    msgpack_sbuffer_init(&body);
    rc = actor_sys_Name_encode(&req, &body);
    if (rc == 0)
        rc = actor_ctx_request(ctx, j->registry, m, body.data, body.size, NULL, answered, j, NULL);
    msgpack_sbuffer_destroy(&body);
    if (rc != 0) {
        snprintf(why, sizeof why, "cannot watch: %s", actor_strerror(rc));
        fire(j, rc == ACTOR_ECLOSED ? ACTOR_DOWN_EXITED : ACTOR_DOWN_UNREACHABLE, why);
    }
}

/* The watchdog's one method, a cast whose body is a job's address. */
static int take_job(void *state, actor_ctx *ctx, const char *body, size_t len,
                    msgpack_sbuffer *out)
{
    job *j;

    (void)state, (void)out;
    if (len != sizeof j)
        return ACTOR_INVOKE_REPLY;
    memcpy(&j, body, sizeof j);
    ask(ctx, j);
    return ACTOR_INVOKE_REPLY;
}

static const actor_method watchdog_methods[] = {
    {.name = "watch", .kind = ACTOR_METHOD_CAST, .priority = 128, .invoke = take_job},
};

static const actor_type watchdog_type = {
    .name = "actor.Watchdog",
    .methods = watchdog_methods,
    .n_methods = 1,
};

/* The system's watchdog, spawned at the first call. */
static int watchdog_of(actor__gateway *g, actor__actor **out)
{
    int rc = 0;

    pthread_mutex_lock(&g->naming);
    *out = g->watchdog.id != 0 ? actor__acquire(g->sys, g->watchdog) : NULL;
    if (*out == NULL) {
        rc = actor_spawn(g->sys, &watchdog_type, NULL, NULL, &g->watchdog);
        if (rc == 0 && (*out = actor__acquire(g->sys, g->watchdog)) == NULL)
            rc = ACTOR_ECLOSED;
    }
    pthread_mutex_unlock(&g->naming);
    return rc;
}

void actor__watchdog_stop(void *gw)
{
    actor__gateway *g = gw;
    actor_ref dog;

    pthread_mutex_lock(&g->naming);
    dog = g->watchdog;
    pthread_mutex_unlock(&g->naming);
    if (dog.id != 0)
        actor_terminate(g->sys, dog, false);
}

int actor__watchdog_watch(actor_system *sys, actor_ref ref, uint64_t monitor)
{
    actor__gateway *g = actor__gateway_of(sys);
    char full[ACTOR__WIRE_MAX_NAME + 1];
    actor__actor *dog;
    actor__msg *m;
    job *j;
    int rc;

    if (g == NULL)
        return ACTOR_EINVAL;
    if ((j = calloc(1, sizeof *j)) == NULL)
        return ACTOR_ENOMEM;
    j->sys = sys;
    j->monitor = monitor;
    rc = actor__remote_registry(sys, ref, &j->registry, full, sizeof full);
    if (rc == ACTOR_ENOTFOUND)
        rc = ACTOR_EINVAL; /* not a ref of this system's */
    if (rc == 0)
        rc = watchdog_of(g, &dog);
    if (rc != 0) {
        free(j);
        return rc;
    }
    (void)actor_name_split(full, j->ns, j->name); /* a name too long is not found */
    m = actor__msg_new(ACTOR__MSG_CAST, (const char *)&j, sizeof j);
    if (m == NULL) {
        rc = ACTOR_ENOMEM;
    } else {
        m->type = &watchdog_type;
        m->method = 0;
        m->priority = 128;
        rc = actor__deliver(sys, dog, m, 0);
        if (rc != 0)
            actor__msg_free(m);
    }
    actor__release(dog);
    if (rc != 0)
        free(j);
    return rc;
}

int actor_monitor_peer(actor_system *sys, const char *endpoint, const actor_connect_opts *opts,
                       actor_down_fn fn, void *user, uint64_t *id)
{
    actor_ref registry;
    int rc;

    if (sys == NULL || endpoint == NULL || fn == NULL)
        return ACTOR_EINVAL;
    rc = actor_connect(sys, endpoint, ACTOR_SERVICE_NAMESPACE "/" ACTOR_REGISTRY_NAME, opts,
                       &registry);
    return rc != 0 ? rc : actor_monitor(sys, registry, fn, user, id);
}
