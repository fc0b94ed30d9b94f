/*
 * testing.c - the functions of actor/testing.h: an in-process system and
 * client per test, calls with a hang guard, one-field bodies.
 */
#include <time.h>

#include "actor/testing.h"

int actor_test_start(actor_test *t, unsigned workers)
{
    actor_system_opts o = {0};
    int rc;

    memset(t, 0, sizeof(*t));
    t->timeout_ms = 10000;
    o.workers = workers != 0 ? workers : 2;
    rc = actor_system_new(&o, &t->sys);
    if (rc == 0)
        rc = actor_client_new(t->sys, &t->client);
    if (rc != 0)
        actor_system_destroy(&t->sys);
    return rc;
}

void actor_test_stop(actor_test *t)
{
    actor_client_destroy(&t->client);
    actor_system_destroy(&t->sys);
}

actor_ref actor_test_spawn(actor_test *t, const actor_type *type, const void *arg)
{
    actor_ref ref = ACTOR_REF_NONE;

    if (actor_spawn(t->sys, type, arg, NULL, &ref) != 0)
        return ACTOR_REF_NONE;
    return ref;
}

int actor_test_call(actor_test *t, actor_ref to, uint32_t method, const char *body, size_t len,
                    actor_status *st, msgpack_sbuffer *reply)
{
    actor_call_opts o = ACTOR_CALL_OPTS_DEFAULT;
    actor_method_ref m = {NULL, method};

    o.timeout_ms = t->timeout_ms;
    return actor_call(t->client, to, m, body, len, &o, st, reply);
}

int actor_test_int_body(msgpack_sbuffer *sb, int64_t v)
{
    int rc = actor_write_map_header(sb, 1);

    if (rc == 0)
        rc = actor_write_key(sb, 1);
    if (rc == 0)
        rc = actor_write_int64(sb, v);
    return rc;
}

int actor_test_int_of(const char *body, size_t len, int64_t *v)
{
    actor_reader r;
    uint32_t n = 0, id = 0;
    int rc;

    actor_reader_init(&r, body, len, NULL, NULL);
    rc = actor_read_map_begin(&r, &n);
    if (rc == 0 && n != 1)
        rc = ACTOR_ETYPE;
    if (rc == 0)
        rc = actor_read_field_id(&r, &id);
    if (rc == 0 && id != 1)
        rc = ACTOR_EKEY;
    if (rc == 0)
        rc = actor_read_int64(&r, v);
    if (rc == 0) {
        actor_read_map_end(&r);
        rc = actor_reader_finish(&r, "test body");
    }
    return rc;
}

int actor_test_call_int(actor_test *t, actor_ref to, uint32_t method, int64_t arg, actor_status *st,
                        int64_t *result)
{
    msgpack_sbuffer body, reply;
    int rc;

    msgpack_sbuffer_init(&body);
    msgpack_sbuffer_init(&reply);
    rc = actor_test_int_body(&body, arg);
    if (rc == 0)
        rc = actor_test_call(t, to, method, body.data, body.size, st, &reply);
    if (rc == 0 && st->category == ACTOR_STATUS_OK && result != NULL)
        rc = actor_test_int_of(reply.data, reply.size, result);
    msgpack_sbuffer_destroy(&body);
    msgpack_sbuffer_destroy(&reply);
    return rc;
}

bool actor_test_wait(bool (*pred)(void *), void *arg, uint32_t timeout_ms)
{
    int64_t deadline = actor_now_ns() + (int64_t)timeout_ms * 1000000;
    struct timespec ms = {0, 1000000};

    while (!pred(arg)) {
        if (actor_now_ns() >= deadline)
            return false;
        nanosleep(&ms, NULL);
    }
    return true;
}
