/*
 * security_test.c - CURVE with a client allow-list (runtime/transport/security.c)
 * on tcp://127.0.0.1 with an ephemeral port: a listed client gets through;
 * an unlisted key, a plain (non-CURVE) client and a client with the wrong
 * server key get nothing through, and the server keeps serving the listed
 * client afterwards.
 */
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include <zmq.h>

#include "actor/security.h"
#include "codec/check.h"

#define DOMAIN "test"
/* How long we wait for a message that must not come. */
#define SILENCE_MS 400

static void *ctx, *server;
static actor_security *sec;
static actor_curve_keypair server_keys, good_keys, bad_keys;
static char endpoint[256];

/* A DEALER connected to the server; `server_public` NULL: plain. */
static void *client(const char *server_public, const actor_curve_keypair *keys)
{
    void *s = zmq_socket(ctx, ZMQ_DEALER);
    const int linger = 0, timeout = 3000;

    zmq_setsockopt(s, ZMQ_LINGER, &linger, sizeof linger);
    zmq_setsockopt(s, ZMQ_RCVTIMEO, &timeout, sizeof timeout);
    if (server_public != NULL && actor_curve_client(s, server_public, keys) != 0) {
        zmq_close(s);
        return NULL;
    }
    if (zmq_connect(s, endpoint) != 0) {
        zmq_close(s);
        return NULL;
    }
    return s;
}

/* Whether the server receives a message within `ms`; its text into buf,
 * and echoes it back to the sender. */
static bool server_receives(int ms, char *buf, size_t size)
{
    zmq_pollitem_t item = {server, 0, ZMQ_POLLIN, 0};
    char id[256];
    int id_len, n;

    if (zmq_poll(&item, 1, ms) <= 0)
        return false;
    id_len = zmq_recv(server, id, sizeof id, 0);
    n = zmq_recv(server, buf, size - 1, 0);
    if (id_len < 0 || n < 0)
        return false;
    buf[(size_t)n < size - 1 ? (size_t)n : size - 1] = '\0';
    zmq_send(server, id, (size_t)id_len, ZMQ_SNDMORE);
    zmq_send(server, buf, strlen(buf), 0);
    return true;
}

TEST(keys)
{
    char pub[ACTOR_CURVE_KEY_LEN + 1];

    CHECK_UINT(strlen(server_keys.public_key), ACTOR_CURVE_KEY_LEN);
    CHECK_RC(actor_curve_public_key(server_keys.secret_key, pub), 0);
    CHECK_STR(pub, server_keys.public_key);
    CHECK_RC(actor_curve_public_key("short", pub), ACTOR_EINVAL);
    CHECK_RC(actor_security_allow(sec, DOMAIN, "not a key"), ACTOR_EINVAL);
    CHECK_RC(actor_security_allow(sec, "", good_keys.public_key), ACTOR_EINVAL);
    CHECK_RC(actor_security_deny(sec, DOMAIN, bad_keys.public_key), ACTOR_ENOTFOUND);
}

TEST(one_handler_per_context)
{
    actor_security *second = NULL;

    CHECK_RC(actor_security_new(ctx, &second), ACTOR_ESTATE);
    CHECK(second == NULL);
}

TEST(listed_client_gets_through)
{
    void *c = client(server_keys.public_key, &good_keys);
    char buf[64];

    CHECK(c != NULL);
    CHECK(zmq_send(c, "hello", 5, 0) == 5);
    CHECK(server_receives(3000, buf, sizeof buf));
    CHECK_STR(buf, "hello");
    CHECK(zmq_recv(c, buf, sizeof buf, 0) == 5);
    zmq_close(c);
}

/* Each of the three bad clients sends; nothing arrives. */
TEST(unlisted_key_gets_nothing_through)
{
    void *c = client(server_keys.public_key, &bad_keys);
    char buf[64];

    CHECK(c != NULL);
    zmq_send(c, "intruder", 8, ZMQ_DONTWAIT);
    CHECK(!server_receives(SILENCE_MS, buf, sizeof buf));
    zmq_close(c);
}

TEST(plain_client_gets_nothing_through)
{
    void *c = client(NULL, NULL);
    char buf[64];

    CHECK(c != NULL);
    zmq_send(c, "plain", 5, ZMQ_DONTWAIT);
    CHECK(!server_receives(SILENCE_MS, buf, sizeof buf));
    zmq_close(c);
}

TEST(wrong_server_key_gets_nothing_through)
{
    void *c = client(bad_keys.public_key, &good_keys);
    char buf[64];

    CHECK(c != NULL);
    zmq_send(c, "wrongkey", 8, ZMQ_DONTWAIT);
    CHECK(!server_receives(SILENCE_MS, buf, sizeof buf));
    zmq_close(c);
}

/* Many bad clients at once, then a good one: the server is not stalled
 * and the first thing it gets is the good client's message. */
TEST(server_not_stalled_by_bad_clients)
{
    enum { BAD = 10 };
    void *bad[BAD], *good;
    char buf[64];

    for (int i = 0; i < BAD; i++) {
        bad[i] = client(i % 2 ? server_keys.public_key : NULL, &bad_keys);
        zmq_send(bad[i], "bad", 3, ZMQ_DONTWAIT);
    }
    good = client(server_keys.public_key, &good_keys);
    zmq_send(good, "good", 4, 0);
    CHECK(server_receives(3000, buf, sizeof buf));
    CHECK_STR(buf, "good");
    CHECK(zmq_recv(good, buf, sizeof buf, 0) == 4);
    CHECK(!server_receives(SILENCE_MS, buf, sizeof buf));
    for (int i = 0; i < BAD; i++)
        zmq_close(bad[i]);
    zmq_close(good);
}

TEST(denied_after_deny)
{
    void *c;
    char buf[64];
    actor_security_stats stats;

    CHECK_RC(actor_security_deny(sec, DOMAIN, good_keys.public_key), 0);
    c = client(server_keys.public_key, &good_keys);
    zmq_send(c, "revoked", 7, ZMQ_DONTWAIT);
    CHECK(!server_receives(SILENCE_MS, buf, sizeof buf));
    zmq_close(c);
    actor_security_stats_get(sec, &stats);
    CHECK(stats.allowed >= 2);
    CHECK(stats.denied >= 2);
}

int main(void)
{
    size_t len = sizeof endpoint;
    const int linger = 0;

    ctx = zmq_ctx_new();
    if (!zmq_has("curve")) {
        printf("libzmq without CURVE: skipped\n0 passed, 0 failed\n");
        return 0;
    }
    if (actor_security_new(ctx, &sec) != 0 || actor_curve_keypair_new(&server_keys) != 0 ||
        actor_curve_keypair_new(&good_keys) != 0 || actor_curve_keypair_new(&bad_keys) != 0 ||
        actor_security_allow(sec, DOMAIN, good_keys.public_key) != 0) {
        printf("setup failed\n");
        return 1;
    }
    server = zmq_socket(ctx, ZMQ_ROUTER);
    zmq_setsockopt(server, ZMQ_LINGER, &linger, sizeof linger);
    if (actor_security_curve_server(sec, server, DOMAIN, server_keys.secret_key) != 0 ||
        zmq_bind(server, "tcp://127.0.0.1:*") != 0 ||
        zmq_getsockopt(server, ZMQ_LAST_ENDPOINT, endpoint, &len) != 0) {
        printf("cannot bind: %s\n", zmq_strerror(zmq_errno()));
        return 1;
    }

    RUN(keys);
    RUN(one_handler_per_context);
    RUN(listed_client_gets_through);
    RUN(unlisted_key_gets_nothing_through);
    RUN(plain_client_gets_nothing_through);
    RUN(wrong_server_key_gets_nothing_through);
    RUN(server_not_stalled_by_bad_clients);
    RUN(denied_after_deny);

    zmq_close(server);
    actor_security_destroy(&sec);
    zmq_ctx_term(ctx);
    return check_summary();
}
