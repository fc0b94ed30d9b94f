/*
 * registry.c - the system's registry as a service: an actor_sys.Registry
 * (idl/actor_system.actor, generated into gen/actor_system.c) named
 * "actor/registry", spawned when the system first binds, so that any
 * process that reaches the bound endpoint looks up, lists, kills, creates
 * and watches named actors by calling it. Each handler is one call of
 * actor/naming.h or actor/monitor.h; the state is the system.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "actor/monitor.h"
#include "actor/naming.h"
#include "actor_system.h"
#include "transport/gateway.h"

/* Both sides name the same namespace and registry. */
_Static_assert(sizeof ACTOR_SERVICE_NAMESPACE == sizeof actor_sys_SERVICE_NAMESPACE &&
                   sizeof ACTOR_REGISTRY_NAME == sizeof actor_sys_REGISTRY_NAME,
               "idl/actor_system.actor and actor/naming.h disagree");

static int registry_init(void **state, const void *arg, actor_ctx *ctx)
{
    (void)ctx;
    *state = *(actor_system *const *)arg; /* &g->sys: valid while the system lives */
    return 0;
}

static char *copy(const char *s)
{
    return strdup(s != NULL ? s : "");
}

/* An entry from what actor_names_list or actor_name_info_get reports. */
static int entry_fill(actor_sys_Entry *e, const actor_name_info *info)
{
    e->ns = copy(info->ns);
    e->name = copy(info->name);
    e->type = copy(info->type);
    e->id = info->ref.id;
    e->pool = info->pool;
    e->detached = info->detached;
    return e->ns != NULL && e->name != NULL && e->type != NULL ? 0 : ACTOR_ENOMEM;
}

/* A naming call's error as the caller sees it. */
static int naming_error(actor_ctx *ctx, int rc, const actor_sys_Name *n)
{
    switch (rc) {
    case ACTOR_EINVAL:
        return actor_ctx_raise(ctx, actor_sys_RegistryError_BAD_NAME, "not a valid name: '%s/%s'",
                               n->ns, n->name);
    case ACTOR_ENOTFOUND:
        return actor_ctx_raise(ctx, actor_sys_RegistryError_NO_SUCH_NAME,
                               "no live actor is named '%s' in namespace '%s'", n->name, n->ns);
    case ACTOR_ESTATE:
        return actor_ctx_raise(ctx, actor_sys_RegistryError_NAME_TAKEN,
                               "'%s' in namespace '%s' is taken", n->name, n->ns);
    default: return rc;
    }
}

static int registry_lookup(void *state, actor_ctx *ctx, const actor_sys_Name *req, actor_sys_Entry *res)
{
    actor_name_info info;
    int rc = actor_name_info_get(state, req->ns, req->name, &info);

    return rc != 0 ? naming_error(ctx, rc, req) : entry_fill(res, &info);
}

static int registry_list(void *state, actor_ctx *ctx, const actor_sys_ListRequest *req,
                         actor_sys_Entries *res)
{
    actor_name_info *infos = NULL;
    size_t n = 0;
    int rc = actor__names_snapshot(state, req->ns, &infos, &n);

    (void)ctx;
    if (rc == 0 && n > 0 && (res->entries = calloc(n, sizeof *res->entries)) == NULL)
        rc = ACTOR_ENOMEM;
    for (size_t i = 0; rc == 0 && i < n; i++) {
        res->n_entries = i + 1;
        rc = entry_fill(&res->entries[i], &infos[i]);
    }
    free(infos);
    return rc;
}

static bool is_service(const actor_sys_Name *n)
{
    return strcmp(n->ns, ACTOR_SERVICE_NAMESPACE) == 0;
}

static int registry_kill(void *state, actor_ctx *ctx, const actor_sys_KillRequest *req)
{
    if (is_service(&req->name))
        return actor_ctx_raise(ctx, actor_sys_RegistryError_BAD_NAME,
                               "the system's own services cannot be killed");
    int rc = actor_name_kill(state, req->name.ns, req->name.name, req->drain);
    return rc != 0 ? naming_error(ctx, rc, &req->name) : 0;
}

static int registry_create(void *state, actor_ctx *ctx, const actor_sys_CreateRequest *req,
                  actor_sys_Created *res)
{
    actor_system *sys = state;
    actor_name_opts opts = {req->name.ns, ACTOR_REF_NONE};
    actor__exported ex;
    actor_name_info info;
    actor_ref ref;
    int rc;

    if (actor__export_find(sys, req->type, &ex) != 0)
        return actor_ctx_raise(ctx, actor_sys_RegistryError_CANNOT_SPAWN,
                               "this system exports no actor type '%s'", req->type);
    if (req->owner != NULL) {
        rc = actor_name_lookup(sys, req->owner->ns, req->owner->name, &opts.owner);
        if (rc != 0)
            return naming_error(ctx, rc, req->owner);
    }
    rc = actor_spawn_named(sys, req->name.name, &opts, ex.type, ex.spawn, ex.spec, NULL,
                           req->get_if_exists, &ref, &res->created);
    if (rc == ACTOR_EINVAL || rc == ACTOR_ESTATE || rc == ACTOR_ENOTFOUND)
        return naming_error(ctx, rc, &req->name);
    if (rc != 0)
        return actor_ctx_raise(ctx, actor_sys_RegistryError_CANNOT_SPAWN,
                               "spawning a %s failed: %s", req->type, actor_strerror(rc));
    rc = actor_name_info_get(sys, req->name.ns, req->name.name, &info);
    if (rc != 0) /* it ended already */
        return naming_error(ctx, rc, &req->name);
    return entry_fill(&res->entry, &info);
}

/* The watched actor is gone: the deferred watch is answered. */
static void watched_down(void *state, actor_ctx *ctx, const actor_down *down, void *user)
{
    actor_reply *reply = user;
    char message[sizeof down->message];
    actor_sys_Down res = {(actor_sys_DownReason)down->reason, message};

    (void)state, (void)ctx;
    memcpy(message, down->message, sizeof message);
    (void)actor_sys_Registry_watch_reply(&reply, &res);
}

/* A watch waits in the registry until its actor is gone: a deferred reply
 * and a monitor of the registry's own, whose news answers it. A watch the
 * caller gave up on is answered to no one when its actor ends, or DIED
 * when the registry does. */
static int registry_watch(void *state, actor_ctx *ctx, const actor_sys_Name *req, actor_sys_Down *res)
{
    actor_reply *reply;
    actor_ref ref;
    int rc = actor_name_lookup(state, req->ns, req->name, &ref);

    if (rc == ACTOR_ENOTFOUND) {
        res->reason = actor_sys_DownReason_NOT_FOUND;
        res->message = strdup("no live actor holds the name");
        return res->message != NULL ? 0 : ACTOR_ENOMEM;
    }
    if (rc != 0)
        return naming_error(ctx, rc, req);
    rc = actor_sys_Registry_watch_defer(ctx, &reply);
    if (rc != ACTOR_INVOKE_DEFERRED)
        return rc;
    rc = actor_ctx_monitor(ctx, ref, watched_down, reply, NULL);
    if (rc != 0) {
        actor_status st = {.category = ACTOR_STATUS_INTERNAL};
        snprintf(st.message, sizeof st.message, "cannot watch: %s", actor_strerror(rc));
        (void)actor_reply_status(&reply, &st);
    }
    return ACTOR_INVOKE_DEFERRED;
}

static int registry_ping(void *state, actor_ctx *ctx)
{
    (void)state, (void)ctx;
    return 0;
}

static const actor_sys_Registry_handlers registry_handlers = {
    .init = registry_init,
    .lookup = registry_lookup,
    .list = registry_list,
    .kill = registry_kill,
    .create = registry_create,
    .watch = registry_watch,
    .ping = registry_ping,
};

static int registry_spawn(actor_system *sys, actor_system *const *arg, actor_ref *ref)
{
    return actor_sys_Registry_spawn(sys, &registry_handlers, arg, NULL, ref);
}

int actor__service_start(actor__gateway *g, const char *name,
                         int (*spawn)(actor_system *sys, actor_system *const *arg,
                                      actor_ref *ref))
{
    actor_ref ref;
    int rc;

    if (actor_name_lookup(g->sys, ACTOR_SERVICE_NAMESPACE, name, &ref) == 0)
        return 0;
    rc = spawn(g->sys, &g->sys, &ref);
    if (rc != 0)
        return rc;
    rc = actor__names_register_service(g->sys, ref, name);
    if (rc != 0) /* ACTOR_ESTATE: another bind's thread started one first */
        (void)actor_terminate(g->sys, ref, false);
    return rc == ACTOR_ESTATE ? 0 : rc;
}

int actor__registry_start(actor__gateway *g)
{
    int rc = actor__service_start(g, ACTOR_REGISTRY_NAME, registry_spawn);

    return rc != 0 ? rc : actor__introspect_start(g);
}
