/*
 * introspect.c - a look inside a running system as a service: an
 * actor_sys.Introspect (idl/actor_system.actor) named "actor/introspect",
 * started with the registry, answering the metrics of every named actor
 * and pool: one row each, a pool's instances added together (counters
 * summed, histograms merged before the percentiles are read).
 */
#include <stdlib.h>
#include <string.h>

#include "actor/naming.h"
#include "actor/pool.h"
#include "actor_system.h"
#include "transport/gateway.h"

_Static_assert(sizeof ACTOR_INTROSPECT_NAME == sizeof actor_sys_INTROSPECT_NAME,
               "idl/actor_system.actor and actor/naming.h disagree");

static int introspect_init(void **state, const void *arg, actor_ctx *ctx)
{
    (void)ctx;
    *state = *(actor_system *const *)arg; /* &g->sys: valid while the system lives */
    return 0;
}

static void counters_add(actor_sys_ActorStats *row, const actor_stats *s)
{
    row->mailbox_depth += s->mailbox_depth;
    row->in_flight += s->in_flight;
    row->processed += s->processed;
    row->errors += s->errors;
    row->restarts += s->restarts;
    row->crashes += s->crashes;
    row->rejected += s->rejected;
}

/* A pool's row: its instances' counters and histograms together. */
static int pool_fill(actor_system *sys, actor_ref pool, actor_sys_ActorStats *row)
{
    actor_ref *members;
    actor_pool_stats ps;
    size_t n = 0;
    int rc = actor_pool_stats_get(sys, pool, &ps);

    if (rc != 0 || (rc = actor_pool_members(sys, pool, NULL, 0, &n)) != 0)
        return rc;
    if ((members = calloc(n + 1, sizeof *members)) == NULL)
        return ACTOR_ENOMEM;
    rc = actor_pool_members(sys, pool, members, n, &n);
    row->instances = (uint32_t)ps.size;
    for (size_t i = 0; rc == 0 && i < n; i++) {
        actor_stats s;
        if (actor_stats_get(sys, members[i], &s) == 0) /* else: gone meanwhile */
            counters_add(row, &s);
    }
    free(members);
    row->restarts = ps.restarts; /* the pool's count outlives its instances */
    return rc;
}

static double us_of(uint64_t ns)
{
    return (double)ns / 1000.0;
}

/* One row for the named actor `info`; ACTOR_ENOTFOUND when it is gone. */
static int row_fill(actor_system *sys, const actor_name_info *info, actor_sys_ActorStats *row)
{
    actor_latency h;
    actor_stats s;
    int rc;

    row->ns = strdup(info->ns);
    row->name = strdup(info->name);
    row->type = strdup(info->type);
    if (row->ns == NULL || row->name == NULL || row->type == NULL)
        return ACTOR_ENOMEM;
    row->pool = info->pool;
    if (info->pool) {
        rc = pool_fill(sys, info->ref, row);
    } else if ((rc = actor_stats_get(sys, info->ref, &s)) == 0) {
        row->instances = 1;
        counters_add(row, &s);
    }
    if (rc == 0)
        rc = actor_latency_get(sys, info->ref, &h);
    if (rc != 0)
        return rc;
    row->p50_us = us_of(actor_latency_quantile(&h, 0.5));
    row->p99_us = us_of(actor_latency_quantile(&h, 0.99));
    row->p999_us = us_of(actor_latency_quantile(&h, 0.999));
    row->timed = h.count;
    return 0;
}

static int introspect_stats(void *state, actor_ctx *ctx, const actor_sys_StatsRequest *req,
                            actor_sys_SystemStats *res)
{
    actor_system *sys = state;
    actor_system_stats ss;
    actor_name_info *infos = NULL;
    size_t n = 0;
    int rc = actor__names_snapshot(sys, req->ns, &infos, &n);

    (void)ctx;
    if (rc == 0 && n > 0 && (res->actors = calloc(n, sizeof *res->actors)) == NULL)
        rc = ACTOR_ENOMEM;
    for (size_t i = 0; rc == 0 && i < n; i++) {
        actor_sys_ActorStats *row = &res->actors[res->n_actors++];
        rc = row_fill(sys, &infos[i], row);
        if (rc == ACTOR_ENOTFOUND) { /* it ended since the snapshot: no row */
            actor_sys_ActorStats_free(row);
            memset(row, 0, sizeof *row);
            res->n_actors--;
            rc = 0;
        }
    }
    free(infos);
    actor_system_stats_get(sys, &ss);
    res->live_actors = ss.actors;
    return rc;
}

static int introspect_ping(void *state, actor_ctx *ctx)
{
    (void)state, (void)ctx;
    return 0;
}

static const actor_sys_Introspect_handlers introspect_handlers = {
    .init = introspect_init,
    .stats = introspect_stats,
    .ping = introspect_ping,
};

static int introspect_spawn(actor_system *sys, actor_system *const *arg, actor_ref *ref)
{
    return actor_sys_Introspect_spawn(sys, &introspect_handlers, arg, NULL, ref);
}

int actor__introspect_start(actor__gateway *g)
{
    return actor__service_start(g, ACTOR_INTROSPECT_NAME, introspect_spawn);
}
