/*
 * registry_test.c - the registry as a service ("actor/registry", the
 * actor_sys.Registry of idl/actor_system.actor) across processes: a server
 * process (this program run as `serve`) binds a system with one named
 * actor, "math/adder", and exports the probe type; a creator process (run
 * as `create ENDPOINT`) creates named actors through the registry and
 * exits; the test itself looks up, lists, kills, watches and collides
 * names over tcp with the generated stubs.
 */
#include "rt_actors.h"

#include <signal.h>
#include <stdio.h>
#include <sys/wait.h>
#include <unistd.h>

#include "actor/monitor.h"
#include "actor/naming.h"
#include "actor/pool.h"
#include "actor/remote.h"
#include "actor_system.h"

#define LONG_MS 10000u

static const actor_call_opts call_opts = {.timeout_ms = LONG_MS};

/* The strings the requests carry (their fields are not const). */
static char ACTOR_NS[] = "actor", REGISTRY[] = "registry", MATH[] = "math", ADDER[] = "adder",
            NOBODY[] = "nobody", JOBS[] = "jobs", KEEPER[] = "keeper", FOLLOWER[] = "follower",
            MISSING[] = "missing", X[] = "x", Y[] = "y", PROBE[] = "test.Probe",
            NO_SUCH[] = "no.Such";

/* ---------------------------------------------------- the other processes */

/* `serve`: a system with "math/adder" and the probe type exported, bound
 * on tcp; prints the endpoint and runs until its stdin closes. */
static int serve(void)
{
    static probe p;
    static probe *spec = &p;
    actor_test t;
    actor_ref adder;
    char bound[256], line[8];

    probe_init(&p);
    if (actor_test_start(&t, 0) != 0)
        return 1;
    adder = spawn_probe(&t, &probe_type, &p);
    if (actor_name_register(t.sys, adder, "adder", &(actor_name_opts){.ns = "math"}) != 0 ||
        actor_export_type(t.sys, &probe_type, spawn_probe_spec, &spec) != 0 ||
        actor_system_bind(t.sys, "tcp://127.0.0.1:*", NULL, bound, sizeof bound) != 0)
        return 1;
    printf("%s\n", bound);
    fflush(stdout);
    while (fgets(line, sizeof line, stdin) != NULL)
        ;
    actor_test_stop(&t);
    probe_fini(&p);
    return 0;
}

/* `create ENDPOINT`: through the registry, "jobs/keeper" detached and
 * "jobs/follower" owned by "math/adder"; then this process is gone. */
static int create_and_exit(const char *endpoint)
{
    actor_test t;
    actor_ref registry;
    actor_sys_Name owner = {MATH, ADDER};
    actor_sys_CreateRequest keeper = {{JOBS, KEEPER}, PROBE, false, NULL};
    actor_sys_CreateRequest follower = {{JOBS, FOLLOWER}, PROBE, false, &owner};
    actor_sys_Created res;
    actor_status st;
    int failed = 0;

    if (actor_test_start(&t, 0) != 0 ||
        actor_connect(t.sys, endpoint, "actor/registry", NULL, &registry) != 0)
        return 1;
    for (int i = 0; i < 2; i++) {
        const actor_sys_CreateRequest *req = i == 0 ? &keeper : &follower;
        if (actor_sys_Registry_create(t.client, registry, req, &res, &call_opts, &st) != 0 ||
            st.category != ACTOR_STATUS_OK || !res.created) {
            fprintf(stderr, "create %s: %s\n", req->name.name, st.message);
            failed = 1;
        }
        actor_sys_Created_free(&res);
    }
    actor_test_stop(&t);
    return failed;
}

typedef struct server {
    pid_t pid;
    FILE *to;
    char endpoint[256];
} server;

static int server_start(server *s)
{
    int in[2], out[2];
    FILE *from;
    size_t len;

    if (pipe(in) != 0 || pipe(out) != 0 || (s->pid = fork()) < 0)
        return -1;
    if (s->pid == 0) {
        dup2(in[0], 0);
        dup2(out[1], 1);
        close(in[1]);
        close(out[0]);
        execl("/proc/self/exe", "registry_test", "serve", (char *)NULL);
        _exit(127);
    }
    close(in[0]);
    close(out[1]);
    s->to = fdopen(in[1], "w");
    from = fdopen(out[0], "r");
    if (s->to == NULL || from == NULL || fgets(s->endpoint, sizeof s->endpoint, from) == NULL) {
        if (from != NULL)
            fclose(from);
        return -1;
    }
    fclose(from);
    len = strlen(s->endpoint);
    if (len > 0 && s->endpoint[len - 1] == '\n')
        s->endpoint[len - 1] = '\0';
    return strncmp(s->endpoint, "tcp://", 6) == 0 ? 0 : -1;
}

/* Closes its stdin and waits: its exit status. */
static int server_stop(server *s)
{
    int status = 0;

    if (s->to != NULL)
        fclose(s->to);
    if (waitpid(s->pid, &status, 0) != s->pid)
        return -1;
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

/* Runs this program as `create ENDPOINT` to its end: its exit status. */
static int run_creator(const char *endpoint)
{
    int status = 0;
    pid_t pid = fork();

    if (pid == 0) {
        execl("/proc/self/exe", "registry_test", "create", endpoint, (char *)NULL);
        _exit(127);
    }
    if (pid < 0 || waitpid(pid, &status, 0) != pid)
        return -1;
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

/* ------------------------------------------------------------ helpers */

typedef struct remote_side {
    actor_test t;
    server s;
    actor_ref registry;
} remote_side;

static int remote_open(remote_side *r)
{
    if (server_start(&r->s) != 0 || actor_test_start(&r->t, 0) != 0)
        return -1;
    return actor_connect(r->t.sys, r->s.endpoint, "actor/registry", NULL, &r->registry);
}

static int remote_close(remote_side *r)
{
    actor_test_stop(&r->t);
    return server_stop(&r->s);
}

/* Looks `ns`/`name` up: the status's category, and the entry in *e
 * (freed here when e is NULL). */
static actor_status_category lookup(remote_side *r, const char *ns, const char *name,
                                    actor_sys_Entry *e, actor_status *st)
{
    char ns_buf[ACTOR_NAME_MAX + 1], name_buf[ACTOR_NAME_MAX + 1];
    actor_sys_Name req = {ns_buf, name_buf};
    actor_sys_Entry local;

    snprintf(ns_buf, sizeof ns_buf, "%s", ns);
    snprintf(name_buf, sizeof name_buf, "%s", name);

    if (actor_sys_Registry_lookup(r->t.client, r->registry, &req, e != NULL ? e : &local,
                                  &call_opts, st) != 0)
        return ACTOR_STATUS_INTERNAL;
    if (e == NULL)
        actor_sys_Entry_free(&local);
    return st->category;
}

typedef struct gone_by_name {
    remote_side *r;
    const char *ns, *name;
} gone_by_name;

static bool name_gone(void *arg)
{
    gone_by_name *g = arg;
    actor_status st;

    return lookup(g->r, g->ns, g->name, NULL, &st) == ACTOR_STATUS_ERROR &&
           st.code == actor_sys_RegistryError_NO_SUCH_NAME;
}

/* An entry of `entries` by namespace and name, or NULL. */
static const actor_sys_Entry *entry_named(const actor_sys_Entries *entries, const char *ns,
                                          const char *name)
{
    for (size_t i = 0; i < entries->n_entries; i++)
        if (strcmp(entries->entries[i].ns, ns) == 0 && strcmp(entries->entries[i].name, name) == 0)
            return &entries->entries[i];
    return NULL;
}

/* -------------------------------------------------------------- tests */

ACTOR_TEST(the_registry_answers_at_the_bound_endpoint)
{
    remote_side r;
    actor_sys_Entry e;
    actor_sys_Entries all, math;
    actor_sys_ListRequest every = {NULL}, only_math = {MATH};
    actor_sys_KillRequest kill_registry = {{ACTOR_NS, REGISTRY}, true};
    actor_status st;

    ACTOR_ASSERT_RC(remote_open(&r), 0);
    ACTOR_ASSERT_RC(actor_sys_Registry_ping(r.t.client, r.registry, &call_opts, &st), 0);
    ACTOR_ASSERT_STATUS(&st, ACTOR_STATUS_OK);

    ACTOR_ASSERT_INT(lookup(&r, "math", "adder", &e, &st), ACTOR_STATUS_OK);
    ACTOR_ASSERT(strcmp(e.type, "test.Probe") == 0 && strcmp(e.ns, "math") == 0);
    ACTOR_ASSERT(e.detached && !e.pool && e.id != 0);
    actor_sys_Entry_free(&e);

    ACTOR_ASSERT_INT(lookup(&r, "math", "nobody", NULL, &st), ACTOR_STATUS_ERROR);
    ACTOR_ASSERT_INT(st.code, actor_sys_RegistryError_NO_SUCH_NAME);
    ACTOR_ASSERT(strstr(st.message, "nobody") != NULL);
    ACTOR_ASSERT_INT(lookup(&r, "math", "a/b", NULL, &st), ACTOR_STATUS_ERROR);
    ACTOR_ASSERT_INT(st.code, actor_sys_RegistryError_BAD_NAME);

    ACTOR_ASSERT_RC(actor_sys_Registry_list(r.t.client, r.registry, &every, &all, &call_opts, &st),
                    0);
    ACTOR_ASSERT_STATUS(&st, ACTOR_STATUS_OK);
    ACTOR_ASSERT_INT(all.n_entries, 3);
    ACTOR_ASSERT(entry_named(&all, "math", "adder") != NULL);
    ACTOR_ASSERT(entry_named(&all, "actor", "registry") != NULL);
    ACTOR_ASSERT(entry_named(&all, "actor", "introspect") != NULL);
    actor_sys_Entries_free(&all);
    ACTOR_ASSERT_RC(
        actor_sys_Registry_list(r.t.client, r.registry, &only_math, &math, &call_opts, &st), 0);
    ACTOR_ASSERT_INT(math.n_entries, 1);
    actor_sys_Entries_free(&math);

    /* the system's own services stay */
    ACTOR_ASSERT_RC(
        actor_sys_Registry_kill(r.t.client, r.registry, &kill_registry, &call_opts, &st), 0);
    ACTOR_ASSERT_INT(st.category, ACTOR_STATUS_ERROR);
    ACTOR_ASSERT_INT(st.code, actor_sys_RegistryError_BAD_NAME);
    ACTOR_ASSERT_RC(actor_sys_Registry_ping(r.t.client, r.registry, &call_opts, &st), 0);
    ACTOR_ASSERT_STATUS(&st, ACTOR_STATUS_OK);
    ACTOR_ASSERT_INT(remote_close(&r), 0);
}

ACTOR_TEST(created_by_another_process_collisions_and_get_if_exists)
{
    remote_side r;
    actor_sys_Entry keeper;
    actor_sys_CreateRequest again = {{JOBS, KEEPER}, PROBE, false, NULL};
    actor_sys_CreateRequest unknown = {{JOBS, X}, NO_SUCH, false, NULL};
    actor_sys_Name nobody = {MATH, NOBODY};
    actor_sys_CreateRequest orphan = {{JOBS, Y}, PROBE, false, &nobody};
    actor_sys_Created res;
    actor_status st;

    ACTOR_ASSERT_RC(remote_open(&r), 0);
    /* its creator is gone: the detached one lives on */
    ACTOR_ASSERT_INT(run_creator(r.s.endpoint), 0);
    ACTOR_ASSERT_INT(lookup(&r, "jobs", "keeper", &keeper, &st), ACTOR_STATUS_OK);
    ACTOR_ASSERT(keeper.detached);
    ACTOR_ASSERT_INT(lookup(&r, "jobs", "follower", NULL, &st), ACTOR_STATUS_OK);

    /* a taken name: refused, or with get_if_exists the one that holds it */
    ACTOR_ASSERT_RC(actor_sys_Registry_create(r.t.client, r.registry, &again, &res, &call_opts, &st),
                    0);
    ACTOR_ASSERT_INT(st.category, ACTOR_STATUS_ERROR);
    ACTOR_ASSERT_INT(st.code, actor_sys_RegistryError_NAME_TAKEN);
    again.get_if_exists = true;
    ACTOR_ASSERT_RC(actor_sys_Registry_create(r.t.client, r.registry, &again, &res, &call_opts, &st),
                    0);
    ACTOR_ASSERT_STATUS(&st, ACTOR_STATUS_OK);
    ACTOR_ASSERT(!res.created);
    ACTOR_ASSERT_INT(res.entry.id, keeper.id);
    actor_sys_Created_free(&res);
    actor_sys_Entry_free(&keeper);

    ACTOR_ASSERT_RC(
        actor_sys_Registry_create(r.t.client, r.registry, &unknown, &res, &call_opts, &st), 0);
    ACTOR_ASSERT_INT(st.code, actor_sys_RegistryError_CANNOT_SPAWN);
    ACTOR_ASSERT(strstr(st.message, "no.Such") != NULL);
    ACTOR_ASSERT_RC(actor_sys_Registry_create(r.t.client, r.registry, &orphan, &res, &call_opts, &st),
                    0);
    ACTOR_ASSERT_INT(st.code, actor_sys_RegistryError_NO_SUCH_NAME);
    ACTOR_ASSERT_INT(lookup(&r, "jobs", "y", NULL, &st), ACTOR_STATUS_ERROR);
    ACTOR_ASSERT_INT(remote_close(&r), 0);
}

typedef struct watch_result {
    atomic_int done;
    actor_status st;
    actor_sys_DownReason reason;
    char message[ACTOR_STATUS_MESSAGE_SIZE];
} watch_result;

static void watch_done(void *user, uint64_t call_id, const actor_status *st,
                       const actor_sys_Down *res)
{
    watch_result *w = user;

    (void)call_id;
    w->st = *st;
    if (res != NULL) {
        w->reason = res->reason;
        snprintf(w->message, sizeof w->message, "%s", res->message);
    }
    atomic_store(&w->done, 1);
}

static bool watch_ended(void *arg)
{
    return atomic_load(&((watch_result *)arg)->done) != 0;
}

ACTOR_TEST(kill_and_watch_by_name_and_owned_actors_end_with_their_owner)
{
    remote_side r;
    actor_sys_Name follower = {JOBS, FOLLOWER}, missing = {JOBS, MISSING};
    actor_sys_KillRequest kill_adder = {{MATH, ADDER}, true};
    watch_result w = {0}, gone = {0};
    gone_by_name adder = {&r, "math", "adder"}, owned = {&r, "jobs", "follower"};
    actor_status st;

    ACTOR_ASSERT_RC(remote_open(&r), 0);
    ACTOR_ASSERT_INT(run_creator(r.s.endpoint), 0);
    /* watching what is not there answers at once */
    ACTOR_ASSERT_RC(actor_sys_Registry_watch_async(r.t.client, r.registry, &missing, &call_opts,
                                                   watch_done, &gone, NULL),
                    0);
    ACTOR_ASSERT(actor_test_wait(watch_ended, &gone, LONG_MS));
    ACTOR_ASSERT_STATUS(&gone.st, ACTOR_STATUS_OK);
    ACTOR_ASSERT_INT(gone.reason, actor_sys_DownReason_NOT_FOUND);

    /* the follower is owned by math/adder: killing the owner ends it,
     * and its watcher is told */
    ACTOR_ASSERT_RC(actor_sys_Registry_watch_async(r.t.client, r.registry, &follower, &call_opts,
                                                   watch_done, &w, NULL),
                    0);
    ACTOR_ASSERT_RC(actor_sys_Registry_ping(r.t.client, r.registry, &call_opts, &st), 0);
    ACTOR_ASSERT(!atomic_load(&w.done));
    ACTOR_ASSERT_RC(actor_sys_Registry_kill(r.t.client, r.registry, &kill_adder, &call_opts, &st),
                    0);
    ACTOR_ASSERT_STATUS(&st, ACTOR_STATUS_OK);
    ACTOR_ASSERT(actor_test_wait(watch_ended, &w, LONG_MS));
    ACTOR_ASSERT_STATUS(&w.st, ACTOR_STATUS_OK);
    ACTOR_ASSERT_INT(w.reason, actor_sys_DownReason_EXITED);
    ACTOR_ASSERT(strstr(w.message, "terminated") != NULL);
    ACTOR_ASSERT(actor_test_wait(name_gone, &adder, LONG_MS));
    ACTOR_ASSERT(actor_test_wait(name_gone, &owned, LONG_MS));
    /* the detached one is still there; a second kill finds nothing */
    ACTOR_ASSERT_INT(lookup(&r, "jobs", "keeper", NULL, &st), ACTOR_STATUS_OK);
    ACTOR_ASSERT_RC(
        actor_sys_Registry_kill(r.t.client, r.registry, &kill_adder, &call_opts, &st), 0);
    ACTOR_ASSERT_INT(st.code, actor_sys_RegistryError_NO_SUCH_NAME);
    ACTOR_ASSERT_INT(remote_close(&r), 0);
}

ACTOR_TEST(the_service_namespace_is_the_systems_own)
{
    actor_test t;
    probe p;
    actor_ref a;

    probe_init(&p);
    ACTOR_ASSERT_RC(actor_test_start(&t, 0), 0);
    a = spawn_probe(&t, &probe_type, &p);
    ACTOR_ASSERT_RC(actor_name_register(t.sys, a, "registry", &(actor_name_opts){.ns = "actor"}),
                    ACTOR_EINVAL);
    ACTOR_ASSERT_RC(actor_register_name(t.sys, a, "actor/mine"), ACTOR_EINVAL);
    ACTOR_ASSERT_RC(actor_export_type(t.sys, &probe_type, spawn_probe_spec, &p), 0);
    ACTOR_ASSERT_RC(actor_export_type(t.sys, &probe_type, spawn_probe_spec, &p), 0);
    ACTOR_ASSERT_RC(actor_export_type(t.sys, &probe_reject_type, spawn_probe_spec, &p),
                    ACTOR_ESTATE); /* another type by the same name */
    actor_test_stop(&t);
    probe_fini(&p);
}

/* The row of `name` in `stats`, or NULL. */
static const actor_sys_ActorStats *row_named(const actor_sys_SystemStats *stats, const char *name)
{
    for (size_t i = 0; i < stats->n_actors; i++)
        if (strcmp(stats->actors[i].name, name) == 0)
            return &stats->actors[i];
    return NULL;
}

ACTOR_TEST(introspect_reports_named_actors_and_pools_against_a_known_load)
{
    actor_test serving, client;
    probe p, *spec = &p;
    actor_ref adder, farm, introspect;
    actor_pool_opts po = {.size = 2};
    actor_sys_StatsRequest every = {NULL}, only_jobs = {JOBS};
    actor_sys_SystemStats stats;
    const actor_sys_ActorStats *row;
    char bound[256];
    actor_status st;

    probe_init(&p);
    ACTOR_ASSERT_RC(actor_test_start(&serving, 0), 0);
    ACTOR_ASSERT_RC(actor_test_start(&client, 0), 0);
    adder = spawn_probe(&serving, &probe_type, &p);
    ACTOR_ASSERT_RC(actor_name_register(serving.sys, adder, "adder", &(actor_name_opts){.ns = "math"}),
                    0);
    ACTOR_ASSERT_RC(
        actor_pool_spawn(serving.sys, &probe_type, spawn_probe_spec, &spec, sizeof spec, &po, &farm),
        0);
    ACTOR_ASSERT_RC(actor_name_register(serving.sys, farm, "farm", &(actor_name_opts){.ns = "jobs"}),
                    0);
    for (int i = 0; i < 50; i++)
        ACTOR_ASSERT_RC(sync_int(serving.client, adder, M_ADD, i, -1, LONG_MS, &st, NULL), 0);
    for (int i = 0; i < 5; i++)
        ACTOR_ASSERT_RC(sync_int(serving.client, adder, M_RAISE, ERR_SEVEN, -1, LONG_MS, &st, NULL),
                        0);
    for (int i = 0; i < 40; i++)
        ACTOR_ASSERT_RC(sync_int(serving.client, farm, M_ADD, i, -1, LONG_MS, &st, NULL), 0);
    ACTOR_ASSERT_RC(actor_system_bind(serving.sys, "tcp://127.0.0.1:*", NULL, bound, sizeof bound),
                    0);
    ACTOR_ASSERT_RC(actor_connect(client.sys, bound, "actor/introspect", NULL, &introspect), 0);

    ACTOR_ASSERT_RC(
        actor_sys_Introspect_stats(client.client, introspect, &every, &stats, &call_opts, &st), 0);
    ACTOR_ASSERT_STATUS(&st, ACTOR_STATUS_OK);
    row = row_named(&stats, "adder");
    ACTOR_ASSERT(row != NULL && strcmp(row->ns, "math") == 0 && !row->pool);
    ACTOR_ASSERT(strcmp(row->type, "test.Probe") == 0);
    ACTOR_ASSERT_INT(row->instances, 1);
    ACTOR_ASSERT_INT(row->processed, 55);
    ACTOR_ASSERT_INT(row->errors, 5);
    ACTOR_ASSERT_INT(row->in_flight, 0);
    ACTOR_ASSERT_INT(row->mailbox_depth, 0);
    ACTOR_ASSERT_INT(row->timed, 55); /* all among the first 64 */
    ACTOR_ASSERT(row->p50_us > 0 && row->p50_us <= row->p99_us && row->p99_us <= row->p999_us);
    row = row_named(&stats, "farm");
    ACTOR_ASSERT(row != NULL && row->pool);
    ACTOR_ASSERT_INT(row->instances, 2);
    ACTOR_ASSERT_INT(row->processed, 40);
    ACTOR_ASSERT_INT(row->errors, 0);
    ACTOR_ASSERT_INT(row->timed, 40);
    ACTOR_ASSERT(row_named(&stats, "registry") != NULL); /* the services are named too */
    ACTOR_ASSERT(stats.live_actors >= 6); /* adder, the pool and its 2, the two services */
    actor_sys_SystemStats_free(&stats);

    ACTOR_ASSERT_RC(
        actor_sys_Introspect_stats(client.client, introspect, &only_jobs, &stats, &call_opts, &st),
        0);
    ACTOR_ASSERT_INT(stats.n_actors, 1);
    actor_sys_SystemStats_free(&stats);

    /* schemas: a generated type has one, a hand-made one none */
    actor_sys_Schema schema;
    actor_sys_Name registry = {ACTOR_NS, REGISTRY}, adder_name = {MATH, ADDER},
                   nobody = {MATH, NOBODY};
    ACTOR_ASSERT_RC(
        actor_sys_Introspect_describe(client.client, introspect, &registry, &schema, &call_opts, &st),
        0);
    ACTOR_ASSERT_STATUS(&st, ACTOR_STATUS_OK);
    ACTOR_ASSERT(strcmp(schema.type, "actor_sys.Registry") == 0);
    ACTOR_ASSERT(strstr(schema.json, "{\"name\": \"watch\", \"kind\": \"rpc\", \"param\": "
                                     "\"actor_sys.Name\", \"result\": \"actor_sys.Down\"}") != NULL);
    ACTOR_ASSERT(strstr(schema.json, "\"actor_sys.DownReason\": {\"EXITED\": 0") != NULL);
    actor_sys_Schema_free(&schema);
    ACTOR_ASSERT_RC(actor_sys_Introspect_describe(client.client, introspect, &adder_name, &schema,
                                                  &call_opts, &st),
                    0);
    ACTOR_ASSERT_INT(st.category, ACTOR_STATUS_ERROR);
    ACTOR_ASSERT_INT(st.code, actor_sys_IntrospectError_NO_SCHEMA);
    ACTOR_ASSERT_RC(
        actor_sys_Introspect_describe(client.client, introspect, &nobody, &schema, &call_opts, &st),
        0);
    ACTOR_ASSERT_INT(st.code, actor_sys_IntrospectError_NO_SUCH_NAME);
    actor_test_stop(&client);
    actor_test_stop(&serving);
    probe_fini(&p);
}

/* ------------------------------------------------- remote monitors */

typedef struct down_seen {
    atomic_int fired;
    actor_down down;
} down_seen;

static void on_down(void *user, const actor_down *down)
{
    down_seen *d = user;

    d->down = *down;
    atomic_fetch_add(&d->fired, 1);
}

static bool down_fired(void *arg)
{
    return atomic_load(&((down_seen *)arg)->fired) != 0;
}

ACTOR_TEST(monitors_of_remote_actors_report_their_end)
{
    remote_side r;
    actor_ref adder, nobody, keeper;
    actor_sys_KillRequest kill_adder = {{MATH, ADDER}, true};
    down_seen ended = {0}, missing = {0}, cancelled = {0};
    uint64_t id;
    actor_status st;

    ACTOR_ASSERT_RC(remote_open(&r), 0);
    ACTOR_ASSERT_INT(run_creator(r.s.endpoint), 0);
    ACTOR_ASSERT_RC(actor_connect(r.t.sys, r.s.endpoint, "math/adder", NULL, &adder), 0);
    ACTOR_ASSERT_RC(actor_connect(r.t.sys, r.s.endpoint, "math/nobody", NULL, &nobody), 0);
    ACTOR_ASSERT_RC(actor_connect(r.t.sys, r.s.endpoint, "jobs/keeper", NULL, &keeper), 0);
    /* what is not there: at once */
    ACTOR_ASSERT_RC(actor_monitor(r.t.sys, nobody, on_down, &missing, NULL), 0);
    ACTOR_ASSERT(actor_test_wait(down_fired, &missing, LONG_MS));
    ACTOR_ASSERT_INT(missing.down.reason, ACTOR_DOWN_NOT_FOUND);
    /* cancelled: never fires */
    ACTOR_ASSERT_RC(actor_monitor(r.t.sys, keeper, on_down, &cancelled, &id), 0);
    ACTOR_ASSERT_RC(actor_demonitor(r.t.sys, id), 0);
    ACTOR_ASSERT_RC(actor_demonitor(r.t.sys, id), ACTOR_ENOTFOUND);
    /* the end, with its reason */
    ACTOR_ASSERT_RC(actor_monitor(r.t.sys, adder, on_down, &ended, &id), 0);
    ACTOR_ASSERT_RC(actor_sys_Registry_ping(r.t.client, r.registry, &call_opts, &st), 0);
    ACTOR_ASSERT(!down_fired(&ended));
    ACTOR_ASSERT_RC(actor_sys_Registry_kill(r.t.client, r.registry, &kill_adder, &call_opts, &st),
                    0);
    ACTOR_ASSERT(actor_test_wait(down_fired, &ended, LONG_MS));
    ACTOR_ASSERT_INT(ended.down.reason, ACTOR_DOWN_EXITED);
    ACTOR_ASSERT(strstr(ended.down.message, "terminated") != NULL);
    ACTOR_ASSERT_INT(ended.down.monitor, id);
    ACTOR_ASSERT_INT(ended.down.ref.id, adder.id);
    ACTOR_ASSERT_RC(actor_sys_Registry_kill(r.t.client, r.registry,
                                            &(actor_sys_KillRequest){{JOBS, KEEPER}, true},
                                            &call_opts, &st),
                    0);
    ACTOR_ASSERT(actor_test_wait(name_gone, &(gone_by_name){&r, "jobs", "keeper"}, LONG_MS));
    ACTOR_ASSERT_RC(actor_sys_Registry_ping(r.t.client, r.registry, &call_opts, &st), 0);
    ACTOR_ASSERT_INT(atomic_load(&cancelled.fired), 0);
    ACTOR_ASSERT_INT(atomic_load(&ended.fired), 1);
    ACTOR_ASSERT_INT(remote_close(&r), 0);
}

ACTOR_TEST(a_dead_or_refusing_peer_is_unreachable)
{
    remote_side r;
    actor_ref adder;
    down_seen peer = {0}, actor = {0}, refused = {0};
    char free_port[256];

    ACTOR_ASSERT_RC(remote_open(&r), 0);
    ACTOR_ASSERT_RC(actor_connect(r.t.sys, r.s.endpoint, "math/adder", NULL, &adder), 0);
    ACTOR_ASSERT_RC(actor_monitor_peer(r.t.sys, r.s.endpoint, NULL, on_down, &peer, NULL), 0);
    ACTOR_ASSERT_RC(actor_monitor(r.t.sys, adder, on_down, &actor, NULL), 0);
    /* both watches are in flight once the registry answers a ping after them */
    actor_status st;
    ACTOR_ASSERT_RC(actor_sys_Registry_ping(r.t.client, r.registry, &call_opts, &st), 0);
    ACTOR_ASSERT(!down_fired(&peer) && !down_fired(&actor));
    kill(r.s.pid, SIGKILL);
    ACTOR_ASSERT(actor_test_wait(down_fired, &peer, 4 * LONG_MS));
    ACTOR_ASSERT(actor_test_wait(down_fired, &actor, 4 * LONG_MS));
    ACTOR_ASSERT_INT(peer.down.reason, ACTOR_DOWN_UNREACHABLE);
    ACTOR_ASSERT_INT(actor.down.reason, ACTOR_DOWN_UNREACHABLE);
    printf("  killed peer: %s\n", peer.down.message);
    ACTOR_ASSERT_INT(remote_close(&r), 128 + SIGKILL);

    /* nobody listens there now: refused */
    snprintf(free_port, sizeof free_port, "%s", r.s.endpoint);
    actor_test t;
    ACTOR_ASSERT_RC(actor_test_start(&t, 0), 0);
    ACTOR_ASSERT_RC(actor_monitor_peer(t.sys, free_port, NULL, on_down, &refused, NULL), 0);
    ACTOR_ASSERT(actor_test_wait(down_fired, &refused, LONG_MS));
    ACTOR_ASSERT_INT(refused.down.reason, ACTOR_DOWN_UNREACHABLE);
    printf("  refused: %s\n", refused.down.message);
    actor_test_stop(&t);
}

ACTOR_TEST(a_peer_that_shuts_down_is_reported)
{
    remote_side r;
    down_seen peer = {0};
    actor_status st;

    ACTOR_ASSERT_RC(remote_open(&r), 0);
    ACTOR_ASSERT_RC(actor_monitor_peer(r.t.sys, r.s.endpoint, NULL, on_down, &peer, NULL), 0);
    ACTOR_ASSERT_RC(actor_sys_Registry_ping(r.t.client, r.registry, &call_opts, &st), 0);
    fclose(r.s.to); /* it shuts down */
    r.s.to = NULL;
    ACTOR_ASSERT(actor_test_wait(down_fired, &peer, 4 * LONG_MS));
    ACTOR_ASSERT(peer.down.reason == ACTOR_DOWN_EXITED ||
                 peer.down.reason == ACTOR_DOWN_UNREACHABLE);
    printf("  shut down: %s: %s\n", actor_down_reason_name(peer.down.reason), peer.down.message);
    ACTOR_ASSERT_INT(remote_close(&r), 0);
}

int main(int argc, char **argv)
{
    signal(SIGPIPE, SIG_IGN);
    if (argc == 2 && strcmp(argv[1], "serve") == 0)
        return serve();
    if (argc == 3 && strcmp(argv[1], "create") == 0)
        return create_and_exit(argv[2]);
    ACTOR_TEST_RUN(the_registry_answers_at_the_bound_endpoint);
    ACTOR_TEST_RUN(created_by_another_process_collisions_and_get_if_exists);
    ACTOR_TEST_RUN(kill_and_watch_by_name_and_owned_actors_end_with_their_owner);
    ACTOR_TEST_RUN(the_service_namespace_is_the_systems_own);
    ACTOR_TEST_RUN(introspect_reports_named_actors_and_pools_against_a_known_load);
    ACTOR_TEST_RUN(monitors_of_remote_actors_report_their_end);
    ACTOR_TEST_RUN(a_dead_or_refusing_peer_is_unreachable);
    ACTOR_TEST_RUN(a_peer_that_shuts_down_is_reported);
    return actor_test_summary();
}
