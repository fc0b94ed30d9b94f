/*
 * actorctl - look inside a running actor system and drive it from the
 * shell, through the services every bound system serves in namespace
 * "actor" (idl/actor_system.actor): the registry and the introspection
 * service. See docs/man/actorctl.1.
 *
 *   actorctl [--json] [--timeout MS] ENDPOINT ping|list|stats|kill NAME|
 *            call NAME METHOD JSON|top
 *
 * Exit status: 0 done, 1 the system did not answer or said no, 2 usage.
 */
#include <errno.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "actor/actor.h"
#include "actor/naming.h"
#include "actor/remote.h"
#include "actor/security.h"
#include "actor_system.h"
#include "json.h"
#include "schema.h"

#define EXIT_NO 1    /* unreachable, timed out, or refused */
#define EXIT_USAGE 2

static const char usage_text[] =
    "usage: actorctl [--json] [--timeout MS] [--curve-server-key KEY --curve-secret-key KEY]\n"
    "                ENDPOINT COMMAND\n"
    "commands:\n"
    "  ping                    does the system answer\n"
    "  list                    the named actors and pools\n"
    "  stats                   their metrics, one row each\n"
    "  kill NAME               terminate the actor named NAME (ns/name)\n"
    "  call NAME METHOD JSON   call METHOD of NAME with a JSON body, print the reply\n"
    "  top                     stats, refreshed every second until interrupted\n";

typedef struct options {
    bool json;
    uint32_t timeout_ms;
    const char *server_key, *secret_key;
    const char *endpoint, *command;
    char **args;
    int n_args;
} options;

typedef struct session {
    const options *o;
    actor_system *sys;
    actor_client *client;
    actor_ref registry, introspect;
    actor_call_opts call;
} session;

static int usage(const char *why)
{
    if (why != NULL)
        fprintf(stderr, "actorctl: %s\n", why);
    fputs(usage_text, stderr);
    return EXIT_USAGE;
}

static bool parse_ms(const char *s, uint32_t *out)
{
    char *end;
    unsigned long v;

    errno = 0;
    v = strtoul(s, &end, 10);
    if (errno != 0 || end == s || *end != '\0' || v == 0 || v > 3600000ul)
        return false;
    *out = (uint32_t)v;
    return true;
}

/* How many arguments each command takes. */
static int command_args(const char *command)
{
    static const struct {
        const char *name;
        int args;
    } commands[] = {{"ping", 0}, {"list", 0}, {"stats", 0}, {"kill", 1}, {"call", 3}, {"top", 0}};

    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
        if (strcmp(commands[i].name, command) == 0)
            return commands[i].args;
    return -1;
}

static int parse_options(int argc, char **argv, options *o)
{
    int i = 1, want;
    char why[128];

    *o = (options){.timeout_ms = 2000,
                   .server_key = getenv("ACTORCTL_CURVE_SERVER_KEY"),
                   .secret_key = getenv("ACTORCTL_CURVE_SECRET_KEY")};
    for (; i < argc && strncmp(argv[i], "--", 2) == 0; i++) {
        const char *opt = argv[i];
        if (strcmp(opt, "--json") == 0) {
            o->json = true;
        } else if (strcmp(opt, "--help") == 0) {
            fputs(usage_text, stdout);
            exit(0);
        } else if (i + 1 >= argc) {
            snprintf(why, sizeof why, "%s needs a value", opt);
            return usage(strcmp(opt, "--timeout") == 0 || strncmp(opt, "--curve-", 8) == 0
                             ? why
                             : "unknown option");
        } else if (strcmp(opt, "--timeout") == 0) {
            if (!parse_ms(argv[++i], &o->timeout_ms))
                return usage("--timeout takes milliseconds, 1 to 3600000");
        } else if (strcmp(opt, "--curve-server-key") == 0) {
            o->server_key = argv[++i];
        } else if (strcmp(opt, "--curve-secret-key") == 0) {
            o->secret_key = argv[++i];
        } else {
            snprintf(why, sizeof why, "unknown option %s", opt);
            return usage(why);
        }
    }
    if (argc - i < 2)
        return usage(argc - i == 0 ? "no endpoint" : "no command");
    o->endpoint = argv[i++];
    o->command = argv[i++];
    o->args = argv + i;
    o->n_args = argc - i;
    want = command_args(o->command);
    if (want < 0) {
        snprintf(why, sizeof why, "unknown command '%s'", o->command);
        return usage(why);
    }
    if (o->n_args != want) {
        snprintf(why, sizeof why, "%s takes %d argument%s", o->command, want, want == 1 ? "" : "s");
        return usage(why);
    }
    if (o->json && strcmp(o->command, "top") == 0)
        return usage("top is for a terminal: use stats --json");
    if ((o->server_key != NULL) != (o->secret_key != NULL))
        return usage("CURVE needs both --curve-server-key and --curve-secret-key");
    return 0;
}

/* ------------------------------------------------------------ session */

static int session_open(session *s, const options *o)
{
    actor_curve_keypair keys;
    actor_connect_opts co = {0};
    int rc;

    memset(s, 0, sizeof *s);
    s->o = o;
    s->call = (actor_call_opts){ACTOR_PRIORITY_DEFAULT, o->timeout_ms};
    if (o->server_key != NULL) {
        snprintf(keys.secret_key, sizeof keys.secret_key, "%s", o->secret_key);
        if (actor_curve_public_key(o->secret_key, keys.public_key) != 0) {
            fprintf(stderr, "actorctl: the CURVE secret key is not 40 characters of Z85\n");
            return EXIT_USAGE;
        }
        co.curve_server_key = o->server_key;
        co.curve_client = &keys;
    }
    if ((rc = actor_system_new(NULL, &s->sys)) != 0 ||
        (rc = actor_client_new(s->sys, &s->client)) != 0) {
        fprintf(stderr, "actorctl: %s\n", actor_strerror(rc));
        return EXIT_NO;
    }
    rc = actor_connect(s->sys, o->endpoint, ACTOR_SERVICE_NAMESPACE "/" ACTOR_REGISTRY_NAME, &co,
                       &s->registry);
    if (rc == 0)
        rc = actor_connect(s->sys, o->endpoint, ACTOR_SERVICE_NAMESPACE "/" ACTOR_INTROSPECT_NAME,
                           &co, &s->introspect);
    if (rc != 0) {
        fprintf(stderr, "actorctl: %s: %s\n", o->endpoint,
                rc == ACTOR_EINVAL ? "not an endpoint (tcp://HOST:PORT, ipc://PATH)"
                                   : actor_strerror(rc));
        return EXIT_USAGE;
    }
    return 0;
}

static void session_close(session *s)
{
    actor_client_destroy(&s->client);
    actor_system_destroy(&s->sys);
}

/* With --json, a failure is also one object on stdout. */
static void failure_json(const session *s, const char *category, int32_t code,
                         const char *message)
{
    if (!s->o->json)
        return;
    printf("{\"error\": {\"category\": \"%s\", \"code\": %" PRId32 ", \"message\": ",
           category, code);
    json_write_string(stdout, message, strlen(message));
    printf("}}\n");
}

/* Whether a call went through; if not, says why on stderr. */
static bool answered(const session *s, int rc, const actor_status *st)
{
    if (rc != 0)
        failure_json(s, "INTERNAL", rc, actor_strerror(rc));
    else if (st->category != ACTOR_STATUS_OK)
        failure_json(s, actor_status_name(st->category), st->code, st->message);
    if (rc != 0) {
        fprintf(stderr, "actorctl: %s: %s\n", s->o->endpoint, actor_strerror(rc));
        return false;
    }
    switch (st->category) {
    case ACTOR_STATUS_OK: return true;
    case ACTOR_STATUS_TIMEOUT:
        fprintf(stderr, "actorctl: %s: no answer within %" PRIu32 " ms\n", s->o->endpoint,
                s->o->timeout_ms);
        return false;
    case ACTOR_STATUS_UNREACHABLE:
        fprintf(stderr, "actorctl: %s: unreachable: %s\n", s->o->endpoint, st->message);
        return false;
    case ACTOR_STATUS_NOT_FOUND:
        fprintf(stderr, "actorctl: %s: %s\n", s->o->endpoint,
                st->message[0] != '\0' ? st->message : "not found");
        return false;
    default:
        fprintf(stderr, "actorctl: %s: %s (code %" PRId32 ")%s%s\n", s->o->endpoint,
                actor_status_name(st->category), st->code, st->message[0] != '\0' ? ": " : "",
                st->message);
        return false;
    }
}

/* Splits the command's "ns/name" argument into bufs: 0, or EXIT_USAGE
 * (said why) when a part is too long. */
static int split_name(const char *full, char *ns, char *name)
{
    if (actor_name_split(full, ns, name) == 0)
        return 0;
    fprintf(stderr, "actorctl: '%s': a namespace or name is longer than %u bytes\n", full,
            ACTOR_NAME_MAX);
    return EXIT_USAGE;
}

static void print_full_name(FILE *f, const char *ns, const char *name, int width)
{
    char full[2 * ACTOR_NAME_MAX + 2];

    snprintf(full, sizeof full, "%s%s%s", ns, ns[0] != '\0' ? "/" : "", name);
    if (width < 0) {
        json_write_string(f, full, strlen(full));
        return;
    }
    fprintf(f, "%-*s", width, full);
}

/* ------------------------------------------------------------ commands */

static double ms_since(const struct timespec *t0)
{
    struct timespec t1;

    clock_gettime(CLOCK_MONOTONIC, &t1);
    return (double)(t1.tv_sec - t0->tv_sec) * 1e3 + (double)(t1.tv_nsec - t0->tv_nsec) / 1e6;
}

static int cmd_ping(session *s)
{
    struct timespec t0;
    actor_status st;
    int rc;

    clock_gettime(CLOCK_MONOTONIC, &t0);
    rc = actor_sys_Registry_ping(s->client, s->registry, &s->call, &st);
    if (!answered(s, rc, &st))
        return EXIT_NO;
    if (s->o->json) {
        printf("{\"endpoint\": ");
        json_write_string(stdout, s->o->endpoint, strlen(s->o->endpoint));
        printf(", \"ok\": true, \"ms\": %.3f}\n", ms_since(&t0));
    } else {
        printf("%s answered in %.3f ms\n", s->o->endpoint, ms_since(&t0));
    }
    return 0;
}

static int name_width(const actor_sys_Entries *e)
{
    int w = 4; /* "NAME" */

    for (size_t i = 0; i < e->n_entries; i++) {
        int len = (int)(strlen(e->entries[i].ns) + strlen(e->entries[i].name) + 1);
        w = len > w ? len : w;
    }
    return w;
}

static int cmd_list(session *s)
{
    actor_sys_ListRequest req = {NULL};
    actor_sys_Entries res;
    actor_status st;
    int rc = actor_sys_Registry_list(s->client, s->registry, &req, &res, &s->call, &st);

    if (!answered(s, rc, &st)) {
        actor_sys_Entries_free(&res);
        return EXIT_NO;
    }
    if (s->o->json) {
        printf("{\"names\": [");
        for (size_t i = 0; i < res.n_entries; i++) {
            const actor_sys_Entry *e = &res.entries[i];
            printf("%s{\"name\": ", i > 0 ? ", " : "");
            print_full_name(stdout, e->ns, e->name, -1);
            printf(", \"type\": ");
            json_write_string(stdout, e->type, strlen(e->type));
            printf(", \"id\": %" PRIu64 ", \"pool\": %s, \"detached\": %s}", e->id,
                   e->pool ? "true" : "false", e->detached ? "true" : "false");
        }
        printf("]}\n");
    } else {
        int w = name_width(&res);
        printf("%-*s  %-28s  %-5s  %-8s  %s\n", w, "NAME", "TYPE", "KIND", "LIFETIME", "ID");
        for (size_t i = 0; i < res.n_entries; i++) {
            const actor_sys_Entry *e = &res.entries[i];
            print_full_name(stdout, e->ns, e->name, w);
            printf("  %-28s  %-5s  %-8s  %" PRIu64 "\n", e->type, e->pool ? "pool" : "actor",
                   e->detached ? "detached" : "owned", e->id);
        }
    }
    actor_sys_Entries_free(&res);
    return 0;
}

static void stats_json(const actor_sys_SystemStats *res)
{
    printf("{\"actors\": [");
    for (size_t i = 0; i < res->n_actors; i++) {
        const actor_sys_ActorStats *a = &res->actors[i];
        printf("%s{\"name\": ", i > 0 ? ", " : "");
        print_full_name(stdout, a->ns, a->name, -1);
        printf(", \"type\": ");
        json_write_string(stdout, a->type, strlen(a->type));
        printf(", \"pool\": %s, \"instances\": %" PRIu32 ", \"mailbox_depth\": %" PRIu64
               ", \"in_flight\": %" PRIu64 ", \"processed\": %" PRIu64 ", \"errors\": %" PRIu64
               ", \"restarts\": %" PRIu64 ", \"crashes\": %" PRIu64 ", \"rejected\": %" PRIu64
               ", \"p50_us\": %.3f, \"p99_us\": %.3f, \"p999_us\": %.3f}",
               a->pool ? "true" : "false", a->instances, a->mailbox_depth, a->in_flight,
               a->processed, a->errors, a->restarts, a->crashes, a->rejected, a->p50_us,
               a->p99_us, a->p999_us);
    }
    printf("], \"live_actors\": %" PRIu64 "}\n", res->live_actors);
}

static void stats_table(const actor_sys_SystemStats *res)
{
    int w = 4;

    for (size_t i = 0; i < res->n_actors; i++) {
        int len = (int)(strlen(res->actors[i].ns) + strlen(res->actors[i].name) + 1);
        w = len > w ? len : w;
    }
    printf("%-*s  %-24s  %5s  %7s  %8s  %12s  %8s  %8s  %10s  %10s\n", w, "NAME", "TYPE", "INST",
           "MAILBOX", "INFLIGHT", "PROCESSED", "ERRORS", "RESTARTS", "P50_US", "P99_US");
    for (size_t i = 0; i < res->n_actors; i++) {
        const actor_sys_ActorStats *a = &res->actors[i];
        print_full_name(stdout, a->ns, a->name, w);
        printf("  %-24s  %5" PRIu32 "  %7" PRIu64 "  %8" PRIu64 "  %12" PRIu64 "  %8" PRIu64
               "  %8" PRIu64 "  %10.1f  %10.1f\n",
               a->type, a->instances, a->mailbox_depth, a->in_flight, a->processed, a->errors,
               a->restarts, a->p50_us, a->p99_us);
    }
    printf("%" PRIu64 " live actors\n", res->live_actors);
}

static int fetch_stats(session *s, actor_sys_SystemStats *res)
{
    actor_sys_StatsRequest req = {NULL};
    actor_status st;
    int rc = actor_sys_Introspect_stats(s->client, s->introspect, &req, res, &s->call, &st);

    if (!answered(s, rc, &st)) {
        actor_sys_SystemStats_free(res);
        return EXIT_NO;
    }
    return 0;
}

static int cmd_stats(session *s)
{
    actor_sys_SystemStats res;
    int rc = fetch_stats(s, &res);

    if (rc != 0)
        return rc;
    if (s->o->json)
        stats_json(&res);
    else
        stats_table(&res);
    actor_sys_SystemStats_free(&res);
    return 0;
}

static volatile sig_atomic_t interrupted;

static void on_interrupt(int sig)
{
    (void)sig;
    interrupted = 1;
}

static int cmd_top(session *s)
{
    struct sigaction sa = {0};

    sa.sa_handler = on_interrupt;
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    while (!interrupted) {
        actor_sys_SystemStats res;
        int rc = fetch_stats(s, &res);
        if (rc != 0)
            return rc;
        printf("\033[H\033[2J%s\n\n", s->o->endpoint); /* home, clear */
        stats_table(&res);
        fflush(stdout);
        actor_sys_SystemStats_free(&res);
        for (int i = 0; i < 10 && !interrupted; i++)
            usleep(100000);
    }
    return 0;
}

static int cmd_kill(session *s)
{
    char ns[ACTOR_NAME_MAX + 1], name[ACTOR_NAME_MAX + 1];
    actor_sys_KillRequest req = {{ns, name}, true};
    actor_status st;
    int rc;

    if (split_name(s->o->args[0], ns, name) != 0)
        return EXIT_USAGE;
    rc = actor_sys_Registry_kill(s->client, s->registry, &req, &s->call, &st);
    if (!answered(s, rc, &st))
        return EXIT_NO;
    if (s->o->json) {
        printf("{\"killed\": ");
        json_write_string(stdout, s->o->args[0], strlen(s->o->args[0]));
        printf("}\n");
    } else {
        printf("killed %s\n", s->o->args[0]);
    }
    return 0;
}

/* The schema of the named actor's type, from the introspection service:
 * 0, or 1 when it has none to give (a type not generated by actorc, an
 * older system), or EXIT_NO when the call failed. */
static int describe(session *s, actor_sys_Name *who, schema *out)
{
    actor_sys_Schema res;
    actor_status st;
    char err[160];
    int rc = actor_sys_Introspect_describe(s->client, s->introspect, who, &res, &s->call, &st);

    if (rc == 0 && (st.category == ACTOR_STATUS_NOT_FOUND ||
                    (st.category == ACTOR_STATUS_ERROR &&
                     st.code == actor_sys_IntrospectError_NO_SCHEMA))) {
        actor_sys_Schema_free(&res);
        return 1;
    }
    if (!answered(s, rc, &st)) {
        actor_sys_Schema_free(&res);
        return EXIT_NO;
    }
    rc = schema_load(out, res.json, err, sizeof err);
    actor_sys_Schema_free(&res);
    if (rc != 0) {
        schema_free(out);
        fprintf(stderr, "actorctl: %s: its schema: %s\n", s->o->endpoint, err);
        return 1;
    }
    return 0;
}

/* The request body from the JSON argument: by field names along the
 * schema, or as written (keys are field ids) without one. */
static int body_of(session *s, const schema *sch, const char *param, msgpack_sbuffer *body)
{
    char err[256];
    msgpack_sbuffer raw;
    msgpack_unpacked u;
    msgpack_packer pk;
    int rc;

    msgpack_sbuffer_init(&raw);
    msgpack_unpacked_init(&u);
    rc = json_to_msgpack(s->o->args[2], sch != NULL ? &raw : body, err, sizeof err);
    if (rc == 0 && sch != NULL) {
        msgpack_packer_init(&pk, body, msgpack_sbuffer_write);
        rc = msgpack_unpack_next(&u, raw.data, raw.size, NULL) == MSGPACK_UNPACK_SUCCESS
                 ? schema_pack(sch, param, &u.data, &pk, err, sizeof err)
                 : -1;
    }
    if (rc != 0)
        fprintf(stderr, "actorctl: the JSON body: %s\n", err);
    msgpack_unpacked_destroy(&u);
    msgpack_sbuffer_destroy(&raw);
    return rc;
}

static void print_reply(const schema *sch, const char *result, const msgpack_sbuffer *reply)
{
    msgpack_unpacked u;

    msgpack_unpacked_init(&u);
    if (reply->size == 0)
        printf("{}\n");
    else if (msgpack_unpack_next(&u, reply->data, reply->size, NULL) != MSGPACK_UNPACK_SUCCESS)
        fprintf(stderr, "actorctl: the reply is not msgpack\n");
    else if (sch != NULL)
        schema_write(stdout, sch, result, &u.data), printf("\n");
    else
        json_write_object(stdout, &u.data), printf("\n");
    msgpack_unpacked_destroy(&u);
}

/* `call NAME METHOD JSON`: the method is named in the request, with the
 * type the registry reports, and the body follows the schema the system
 * describes its actor with (keys by field name); no .actor file is needed
 * here. Without a schema, the body's keys are field ids. */
static int cmd_call(session *s)
{
    char ns[ACTOR_NAME_MAX + 1], name[ACTOR_NAME_MAX + 1], err[512];
    char param[SCHEMA_TYPE_MAX] = "", result[SCHEMA_TYPE_MAX] = "";
    actor_sys_Name who = {ns, name};
    actor_sys_Entry entry;
    actor_status st;
    actor_ref target;
    msgpack_sbuffer body, reply;
    schema sch;
    int rc, described, exit_code = EXIT_NO;

    if (split_name(s->o->args[0], ns, name) != 0)
        return EXIT_USAGE;
    rc = actor_sys_Registry_lookup(s->client, s->registry, &who, &entry, &s->call, &st);
    if (!answered(s, rc, &st)) {
        actor_sys_Entry_free(&entry);
        return EXIT_NO;
    }
    described = describe(s, &who, &sch);
    if (described == EXIT_NO) {
        actor_sys_Entry_free(&entry);
        return EXIT_NO;
    }
    if (described == 0 && !schema_method(&sch, s->o->args[1], param, result, err, sizeof err)) {
        fprintf(stderr, "actorctl: %s has no method '%s' (it has: %s)\n", entry.type,
                s->o->args[1], err);
        schema_free(&sch);
        actor_sys_Entry_free(&entry);
        return EXIT_NO;
    }
    msgpack_sbuffer_init(&body);
    msgpack_sbuffer_init(&reply);
    if (body_of(s, described == 0 ? &sch : NULL, param, &body) != 0) {
        exit_code = EXIT_USAGE;
    } else {
        /* a one-method type: the request names the method and the type */
        actor_method method = {.name = s->o->args[1], .kind = ACTOR_METHOD_RPC};
        actor_type type = {.name = entry.type, .methods = &method, .n_methods = 1};
        actor_method_ref m = {&type, 0};
        rc = actor_connect(s->sys, s->o->endpoint, s->o->args[0], NULL, &target);
        if (rc == 0)
            rc = actor_call(s->client, target, m, body.data, body.size, &s->call, &st, &reply);
        if (answered(s, rc, &st)) {
            print_reply(described == 0 ? &sch : NULL, result, &reply);
            exit_code = 0;
        }
    }
    msgpack_sbuffer_destroy(&reply);
    msgpack_sbuffer_destroy(&body);
    if (described == 0)
        schema_free(&sch);
    actor_sys_Entry_free(&entry);
    return exit_code;
}

int main(int argc, char **argv)
{
    options o;
    session s;
    int rc;

    if ((rc = parse_options(argc, argv, &o)) != 0)
        return rc;
    signal(SIGPIPE, SIG_IGN);
    if ((rc = session_open(&s, &o)) != 0) {
        session_close(&s);
        return rc;
    }
    if (strcmp(o.command, "ping") == 0)
        rc = cmd_ping(&s);
    else if (strcmp(o.command, "list") == 0)
        rc = cmd_list(&s);
    else if (strcmp(o.command, "stats") == 0)
        rc = cmd_stats(&s);
    else if (strcmp(o.command, "kill") == 0)
        rc = cmd_kill(&s);
    else if (strcmp(o.command, "call") == 0)
        rc = cmd_call(&s);
    else
        rc = cmd_top(&s);
    session_close(&s);
    return rc;
}
