/*
 * naming_test.c - named actors (actor/naming.h): names in namespaces,
 * collisions, get-if-exists spawns, lookup, listing, kill by name, a dead
 * actor's name released, an owned actor ending with its owner and a
 * detached one outliving its creator; and a named actor called by its
 * "ns/name" from another system over tcp.
 */
#include "rt_actors.h"

#include "actor/naming.h"
#include "actor/remote.h"

#define LONG_MS 10000u

typedef struct name_wait {
    actor_system *sys;
    const char *ns, *name;
} name_wait;

static bool released_pred(void *arg)
{
    name_wait *w = arg;
    actor_ref r;

    return actor_name_lookup(w->sys, w->ns, w->name, &r) == ACTOR_ENOTFOUND;
}

static bool released(actor_system *sys, const char *ns, const char *name)
{
    name_wait w = {sys, ns, name};

    return actor_test_wait(released_pred, &w, LONG_MS);
}

ACTOR_TEST(names_live_in_namespaces_and_collide_within_one)
{
    actor_test t;
    probe p;
    actor_ref a, b, r;
    actor_name_opts jobs = {.ns = "jobs"};
    actor_name_info info[4];
    size_t n;

    probe_init(&p);
    ACTOR_ASSERT_RC(actor_test_start(&t, 0), 0);
    a = spawn_probe(&t, &probe_type, &p);
    b = spawn_probe(&t, &probe_type, &p);
    ACTOR_ASSERT_RC(actor_name_register(t.sys, a, "worker", &jobs), 0);
    ACTOR_ASSERT_RC(actor_name_register(t.sys, a, "worker", &jobs), 0); /* the same: no change */
    ACTOR_ASSERT_RC(actor_name_register(t.sys, b, "worker", &jobs), ACTOR_ESTATE);
    ACTOR_ASSERT_RC(actor_name_register(t.sys, b, "worker", NULL), 0); /* default namespace */
    ACTOR_ASSERT_RC(actor_name_lookup(t.sys, "jobs", "worker", &r), 0);
    ACTOR_ASSERT_INT(r.id, a.id);
    ACTOR_ASSERT_RC(actor_name_lookup(t.sys, NULL, "worker", &r), 0);
    ACTOR_ASSERT_INT(r.id, b.id);
    ACTOR_ASSERT_RC(actor_lookup_name(t.sys, "jobs/worker", &r), 0); /* its wire name */
    ACTOR_ASSERT_INT(r.id, a.id);
    ACTOR_ASSERT_RC(actor_name_lookup(t.sys, "other", "worker", &r), ACTOR_ENOTFOUND);
    /* bad names */
    ACTOR_ASSERT_RC(actor_name_register(t.sys, a, "", &jobs), ACTOR_EINVAL);
    ACTOR_ASSERT_RC(actor_name_register(t.sys, a, "a/b", &jobs), ACTOR_EINVAL);
    ACTOR_ASSERT_RC(actor_name_register(t.sys, a, "x", &(actor_name_opts){.ns = "a/b"}),
                    ACTOR_EINVAL);
    /* listing, all or one namespace */
    ACTOR_ASSERT_RC(actor_names_list(t.sys, NULL, info, 4, &n), 0);
    ACTOR_ASSERT_INT(n, 2);
    ACTOR_ASSERT_RC(actor_names_list(t.sys, "jobs", info, 4, &n), 0);
    ACTOR_ASSERT_INT(n, 1);
    ACTOR_ASSERT_INT(strcmp(info[0].ns, "jobs"), 0);
    ACTOR_ASSERT_INT(strcmp(info[0].name, "worker"), 0);
    ACTOR_ASSERT_INT(strcmp(info[0].type, "test.Probe"), 0);
    ACTOR_ASSERT_INT(info[0].ref.id, a.id);
    ACTOR_ASSERT(info[0].detached && !info[0].pool);
    ACTOR_ASSERT_RC(actor_names_list(t.sys, "", info, 4, &n), 0);
    ACTOR_ASSERT_INT(n, 1);
    ACTOR_ASSERT_INT(info[0].ns[0], '\0');
    /* killed by name: the name is released, and free for another */
    ACTOR_ASSERT_RC(actor_name_kill(t.sys, "jobs", "worker", true), 0);
    ACTOR_ASSERT(released(t.sys, "jobs", "worker"));
    ACTOR_ASSERT_RC(actor_name_kill(t.sys, "jobs", "worker", true), ACTOR_ENOTFOUND);
    ACTOR_ASSERT_RC(actor_names_list(t.sys, "jobs", info, 4, &n), 0);
    ACTOR_ASSERT_INT(n, 0);
    ACTOR_ASSERT_RC(actor_name_register(t.sys, b, "worker", &jobs), 0);
    /* a terminated actor's name goes too */
    ACTOR_ASSERT_RC(actor_terminate(t.sys, b, false), 0);
    ACTOR_ASSERT(released(t.sys, "jobs", "worker"));
    ACTOR_ASSERT(released(t.sys, NULL, "worker"));
    actor_test_stop(&t);
    probe_fini(&p);
}

ACTOR_TEST(get_if_exists_spawns_once)
{
    actor_test t;
    probe p;
    probe *pp = &p;
    actor_ref first, again, other;
    bool created;
    actor_name_opts o = {.ns = "svc"};
    actor_type other_type;

    probe_init(&p);
    ACTOR_ASSERT_RC(actor_test_start(&t, 0), 0);
    ACTOR_ASSERT_RC(actor_spawn_named(t.sys, "cache", &o, &probe_type, spawn_probe_spec, &pp, NULL,
                                      true, &first, &created),
                    0);
    ACTOR_ASSERT(created);
    ACTOR_ASSERT_RC(actor_spawn_named(t.sys, "cache", &o, &probe_type, spawn_probe_spec, &pp, NULL,
                                      true, &again, &created),
                    0);
    ACTOR_ASSERT(!created);
    ACTOR_ASSERT_INT(again.id, first.id);
    ACTOR_ASSERT_INT(atomic_load(&p.inits) <= 1, 1); /* nothing else was spawned */
    /* without get_if_exists, or for another type: taken */
    ACTOR_ASSERT_RC(actor_spawn_named(t.sys, "cache", &o, &probe_type, spawn_probe_spec, &pp, NULL,
                                      false, &other, &created),
                    ACTOR_ESTATE);
    other_type = probe_type;
    other_type.name = "test.Other";
    ACTOR_ASSERT_RC(actor_spawn_named(t.sys, "cache", &o, &other_type, spawn_probe_spec, &pp, NULL,
                                      true, &other, &created),
                    ACTOR_ESTATE);
    actor_test_stop(&t);
    probe_fini(&p);
}

ACTOR_TEST(an_owned_actor_ends_with_its_owner_a_detached_one_does_not)
{
    actor_test t;
    probe p;
    probe *pp = &p;
    actor_ref creator, owned, detached, r;
    actor_name_info info[4];
    size_t n;
    gone_wait g;

    probe_init(&p);
    ACTOR_ASSERT_RC(actor_test_start(&t, 0), 0);
    creator = spawn_probe(&t, &probe_type, &p);
    ACTOR_ASSERT_RC(actor_spawn_named(t.sys, "owned", &(actor_name_opts){.owner = creator},
                                      &probe_type, spawn_probe_spec, &pp, NULL, false, &owned, NULL),
                    0);
    ACTOR_ASSERT_RC(actor_spawn_named(t.sys, "detached", NULL, &probe_type, spawn_probe_spec, &pp,
                                      NULL, false, &detached, NULL),
                    0);
    ACTOR_ASSERT_RC(actor_names_list(t.sys, NULL, info, 4, &n), 0);
    ACTOR_ASSERT_INT(n, 2);
    ACTOR_ASSERT_INT(info[0].detached + info[1].detached, 1);
    ACTOR_ASSERT_RC(actor_terminate(t.sys, creator, true), 0);
    g.sys = t.sys;
    g.ref = owned;
    ACTOR_ASSERT(actor_test_wait(gone_pred, &g, LONG_MS));
    ACTOR_ASSERT(released(t.sys, NULL, "owned"));
    ACTOR_ASSERT_RC(actor_name_lookup(t.sys, NULL, "detached", &r), 0);
    ACTOR_ASSERT_INT(r.id, detached.id);
    /* an owner that is gone already is refused */
    ACTOR_ASSERT_RC(actor_name_register(t.sys, detached, "again",
                                        &(actor_name_opts){.owner = creator}),
                    ACTOR_ENOTFOUND);
    actor_test_stop(&t);
    probe_fini(&p);
}

ACTOR_TEST(another_system_calls_a_named_actor_by_its_wire_name)
{
    actor_test server, client;
    probe p;
    actor_ref a, remote;
    char bound[256];
    actor_status st;
    int64_t v = 0;

    probe_init(&p);
    ACTOR_ASSERT_RC(actor_test_start(&server, 0), 0);
    ACTOR_ASSERT_RC(actor_test_start(&client, 0), 0);
    a = spawn_probe(&server, &probe_type, &p);
    ACTOR_ASSERT_RC(actor_name_register(server.sys, a, "adder", &(actor_name_opts){.ns = "math"}),
                    0);
    ACTOR_ASSERT_RC(actor_system_bind(server.sys, "tcp://127.0.0.1:*", NULL, bound, sizeof bound),
                    0);
    ACTOR_ASSERT_RC(actor_connect(client.sys, bound, "math/adder", NULL, &remote), 0);
    ACTOR_ASSERT_RC(sync_int(client.client, remote, M_ADD, 41, -1, LONG_MS, &st, &v), 0);
    ACTOR_ASSERT_STATUS(&st, ACTOR_STATUS_OK);
    ACTOR_ASSERT_INT(v, 42);
    /* killed by name: the next call finds nothing there */
    ACTOR_ASSERT_RC(actor_name_kill(server.sys, "math", "adder", true), 0);
    ACTOR_ASSERT(released(server.sys, "math", "adder"));
    ACTOR_ASSERT_RC(sync_int(client.client, remote, M_ADD, 1, -1, LONG_MS, &st, NULL), 0);
    ACTOR_ASSERT_STATUS(&st, ACTOR_STATUS_NOT_FOUND);
    actor_test_stop(&client);
    actor_test_stop(&server);
    probe_fini(&p);
}

int main(void)
{
    ACTOR_TEST_RUN(names_live_in_namespaces_and_collide_within_one);
    ACTOR_TEST_RUN(get_if_exists_spawns_once);
    ACTOR_TEST_RUN(an_owned_actor_ends_with_its_owner_a_detached_one_does_not);
    ACTOR_TEST_RUN(another_system_calls_a_named_actor_by_its_wire_name);
    return actor_test_summary();
}
