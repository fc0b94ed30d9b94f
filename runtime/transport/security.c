/*
 * security.c - CURVE keys and the ZAP handler behind CURVE server sockets
 * (actor/security.h). The handler is a thread owning a REP socket bound on
 * inproc://zeromq.zap.01 in its context and a PAIR socket on which
 * actor_security_destroy tells it to stop. The allow-list is a small list
 * of (domain, binary key) under a mutex, read by the thread per handshake.
 *
 * ZAP (RFC 27) request: "1.0", request id, domain, address, routing id,
 * mechanism, credentials...; reply: "1.0", request id, status code, status
 * text, user id, metadata. For CURVE the one credential is the client's
 * 32-byte public key; the user id we answer is its Z85 text, which libzmq
 * then attaches to the client's messages as the "User-Id" property.
 */
#include "actor/security.h"

#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <zmq.h>

#define ZAP_ENDPOINT "inproc://zeromq.zap.01"
#define ZAP_VERSION "1.0"
#define KEY_BYTES 32
#define MAX_DOMAIN 255
/* version, id, domain, address, routing id, mechanism, 1 credential */
#define ZAP_FRAMES 7
#define ZAP_FIELD_MAX 256

typedef struct allowed_key {
    struct allowed_key *next;
    char domain[MAX_DOMAIN + 1];
    uint8_t key[KEY_BYTES];
    bool open; /* any client, any mechanism (actor_security_open) */
} allowed_key;

struct actor_security {
    void *ctx;
    void *zap;     /* REP on ZAP_ENDPOINT: the thread's */
    void *stop_rx; /* PAIR: the thread's end */
    void *stop_tx; /* PAIR: destroy's end */
    pthread_t thread;
    pthread_mutex_t lock; /* guards `keys` and the counters */
    allowed_key *keys;
    uint64_t allowed, denied;
};

/* ================================================================ keys */

int actor_curve_keypair_new(actor_curve_keypair *out)
{
    if (zmq_curve_keypair(out->public_key, out->secret_key) != 0)
        return ACTOR_ESYSTEM;
    return 0;
}

static bool key_text_ok(const char *z85)
{
    return z85 != NULL && strlen(z85) == ACTOR_CURVE_KEY_LEN;
}

/* Z85 text → 32 bytes; false when it is not a Z85 key. */
static bool key_decode(const char *z85, uint8_t key[KEY_BYTES])
{
    return key_text_ok(z85) && zmq_z85_decode(key, z85) != NULL;
}

int actor_curve_public_key(const char *secret_key, char *public_key)
{
    uint8_t check[KEY_BYTES];

    if (!key_decode(secret_key, check))
        return ACTOR_EINVAL;
    return zmq_curve_public(public_key, secret_key) == 0 ? 0 : ACTOR_ESYSTEM;
}

static int set_key(void *socket, int option, const char *z85)
{
    uint8_t check[KEY_BYTES];

    if (!key_decode(z85, check))
        return ACTOR_EINVAL;
    return zmq_setsockopt(socket, option, z85, ACTOR_CURVE_KEY_LEN) == 0 ? 0 : ACTOR_ESYSTEM;
}

int actor_curve_client(void *socket, const char *server_public_key,
                       const actor_curve_keypair *client)
{
    int rc;

    if ((rc = set_key(socket, ZMQ_CURVE_SERVERKEY, server_public_key)) != 0 ||
        (rc = set_key(socket, ZMQ_CURVE_PUBLICKEY, client->public_key)) != 0 ||
        (rc = set_key(socket, ZMQ_CURVE_SECRETKEY, client->secret_key)) != 0)
        return rc;
    return 0;
}

/* ========================================================== allow-list */

static bool domain_ok(const char *domain)
{
    return domain != NULL && domain[0] != '\0' && strlen(domain) <= MAX_DOMAIN;
}

/* Call with s->lock held. The link pointing at the entry, or NULL. */
static allowed_key **find_key(actor_security *s, const char *domain, size_t domain_len,
                              const uint8_t key[KEY_BYTES])
{
    for (allowed_key **p = &s->keys; *p != NULL; p = &(*p)->next) {
        if ((key == NULL ? (*p)->open : memcmp((*p)->key, key, KEY_BYTES) == 0) &&
            strlen((*p)->domain) == domain_len && memcmp((*p)->domain, domain, domain_len) == 0)
            return p;
    }
    return NULL;
}

int actor_security_allow(actor_security *s, const char *domain, const char *client_public_key)
{
    uint8_t key[KEY_BYTES];
    allowed_key *k;

    if (!domain_ok(domain) || !key_decode(client_public_key, key))
        return ACTOR_EINVAL;
    pthread_mutex_lock(&s->lock);
    if (find_key(s, domain, strlen(domain), key) != NULL) {
        pthread_mutex_unlock(&s->lock);
        return 0;
    }
    k = calloc(1, sizeof *k);
    if (k != NULL) {
        memcpy(k->domain, domain, strlen(domain) + 1);
        memcpy(k->key, key, KEY_BYTES);
        k->next = s->keys;
        s->keys = k;
    }
    pthread_mutex_unlock(&s->lock);
    return k != NULL ? 0 : ACTOR_ENOMEM;
}

int actor_security_open(actor_security *s, const char *domain)
{
    allowed_key *k;

    if (!domain_ok(domain))
        return ACTOR_EINVAL;
    k = calloc(1, sizeof *k);
    if (k == NULL)
        return ACTOR_ENOMEM;
    memcpy(k->domain, domain, strlen(domain) + 1);
    k->open = true;
    pthread_mutex_lock(&s->lock);
    k->next = s->keys;
    s->keys = k;
    pthread_mutex_unlock(&s->lock);
    return 0;
}

int actor_security_deny(actor_security *s, const char *domain, const char *client_public_key)
{
    uint8_t key[KEY_BYTES];
    allowed_key **p, *gone = NULL;

    if (!domain_ok(domain) || !key_decode(client_public_key, key))
        return ACTOR_EINVAL;
    pthread_mutex_lock(&s->lock);
    p = find_key(s, domain, strlen(domain), key);
    if (p != NULL) {
        gone = *p;
        *p = gone->next;
    }
    pthread_mutex_unlock(&s->lock);
    free(gone);
    return gone != NULL ? 0 : ACTOR_ENOTFOUND;
}

int actor_security_forget(actor_security *s, const char *domain)
{
    allowed_key *gone = NULL;
    int n = 0;

    if (s == NULL || !domain_ok(domain))
        return ACTOR_EINVAL;
    pthread_mutex_lock(&s->lock);
    for (allowed_key **p = &s->keys; *p != NULL;) {
        if (strcmp((*p)->domain, domain) == 0) {
            allowed_key *k = *p;
            *p = k->next;
            k->next = gone;
            gone = k;
            n++;
        } else {
            p = &(*p)->next;
        }
    }
    pthread_mutex_unlock(&s->lock);
    while (gone != NULL) {
        allowed_key *next = gone->next;
        free(gone);
        gone = next;
    }
    return n;
}

int actor_security_curve_server(actor_security *s, void *socket, const char *domain,
                                const char *server_secret_key)
{
    const int on = 1;
    int rc;

    (void)s;
    if (!domain_ok(domain))
        return ACTOR_EINVAL;
    if ((rc = set_key(socket, ZMQ_CURVE_SECRETKEY, server_secret_key)) != 0)
        return rc;
    if (zmq_setsockopt(socket, ZMQ_CURVE_SERVER, &on, sizeof on) != 0 ||
        zmq_setsockopt(socket, ZMQ_ZAP_DOMAIN, domain, strlen(domain)) != 0)
        return ACTOR_ESYSTEM;
    return 0;
}

void actor_security_stats_get(actor_security *s, actor_security_stats *out)
{
    pthread_mutex_lock(&s->lock);
    out->allowed = s->allowed;
    out->denied = s->denied;
    pthread_mutex_unlock(&s->lock);
}

/* ======================================================== the handler */

/* One ZAP request: its first ZAP_FRAMES frames, copied (all are small). */
typedef struct zap_request {
    char field[ZAP_FRAMES][ZAP_FIELD_MAX];
    size_t len[ZAP_FRAMES];
    size_t n;
} zap_request;

/* Receives a whole request; frames beyond ZAP_FRAMES and bytes beyond
 * ZAP_FIELD_MAX are read and ignored (the decision then fails). */
static int zap_receive(void *zap, zap_request *req)
{
    int more = 1;
    size_t more_size = sizeof more;

    req->n = 0;
    while (more) {
        char buf[ZAP_FIELD_MAX];
        int n = zmq_recv(zap, buf, sizeof buf, 0);

        if (n < 0) {
            if (zmq_errno() == EINTR)
                continue;
            return -1;
        }
        if (req->n < ZAP_FRAMES) {
            size_t len = (size_t)n < sizeof buf ? (size_t)n : sizeof buf;
            memcpy(req->field[req->n], buf, len);
            req->len[req->n++] = (size_t)n;
        } else {
            req->n = ZAP_FRAMES + 1; /* too many: never admitted */
        }
        if (zmq_getsockopt(zap, ZMQ_RCVMORE, &more, &more_size) != 0)
            return -1;
    }
    return 0;
}

static bool field_is(const zap_request *req, size_t i, const char *text)
{
    return req->len[i] == strlen(text) && memcmp(req->field[i], text, req->len[i]) == 0;
}

/* Whether the request is a well-formed CURVE handshake of a listed key;
 * on yes, user_id receives the key's Z85 text. */
static bool zap_admits(actor_security *s, const zap_request *req, char *user_id)
{
    enum { VERSION, ID, DOMAIN, ADDRESS, ROUTING_ID, MECHANISM, KEY };
    bool ok;

    if (req->n >= MECHANISM + 1 && field_is(req, VERSION, ZAP_VERSION) &&
        req->len[DOMAIN] <= MAX_DOMAIN) {
        pthread_mutex_lock(&s->lock);
        ok = find_key(s, req->field[DOMAIN], req->len[DOMAIN], NULL) != NULL;
        pthread_mutex_unlock(&s->lock);
        if (ok)
            return true;
    }
    if (req->n != ZAP_FRAMES || !field_is(req, VERSION, ZAP_VERSION) ||
        !field_is(req, MECHANISM, "CURVE") || req->len[KEY] != KEY_BYTES ||
        req->len[DOMAIN] > MAX_DOMAIN)
        return false;
    pthread_mutex_lock(&s->lock);
    ok =
        find_key(s, req->field[DOMAIN], req->len[DOMAIN], (const uint8_t *)req->field[KEY]) != NULL;
    pthread_mutex_unlock(&s->lock);
    if (ok)
        zmq_z85_encode(user_id, (const uint8_t *)req->field[KEY], KEY_BYTES);
    return ok;
}

static void zap_reply(void *zap, const zap_request *req, bool ok, const char *user_id)
{
    const char *code = ok ? "200" : "400";
    const char *text = ok ? "OK" : "not allowed";
    size_t id_len = req->n > 1 && req->len[1] <= ZAP_FIELD_MAX ? req->len[1] : 0;

    zmq_send(zap, ZAP_VERSION, strlen(ZAP_VERSION), ZMQ_SNDMORE);
    zmq_send(zap, req->field[1], id_len, ZMQ_SNDMORE);
    zmq_send(zap, code, strlen(code), ZMQ_SNDMORE);
    zmq_send(zap, text, strlen(text), ZMQ_SNDMORE);
    zmq_send(zap, user_id, ok ? strlen(user_id) : 0, ZMQ_SNDMORE);
    zmq_send(zap, "", 0, 0);
}

/* Answers one request; false when the socket is gone. */
static bool zap_handle(actor_security *s)
{
    zap_request req;
    char user_id[ACTOR_CURVE_KEY_LEN + 1] = "";
    bool ok;

    if (zap_receive(s->zap, &req) != 0)
        return false;
    ok = zap_admits(s, &req, user_id);
    pthread_mutex_lock(&s->lock);
    if (ok)
        s->allowed++;
    else
        s->denied++;
    pthread_mutex_unlock(&s->lock);
    zap_reply(s->zap, &req, ok, user_id);
    return true;
}

static void *zap_thread(void *arg)
{
    actor_security *s = arg;

    for (;;) {
        zmq_pollitem_t items[2] = {
            {s->zap, 0, ZMQ_POLLIN, 0},
            {s->stop_rx, 0, ZMQ_POLLIN, 0},
        };

        if (zmq_poll(items, 2, -1) < 0) {
            if (zmq_errno() == EINTR)
                continue;
            break;
        }
        if (items[1].revents & ZMQ_POLLIN)
            break;
        if ((items[0].revents & ZMQ_POLLIN) && !zap_handle(s))
            break;
    }
    return NULL;
}

/* ========================================================== lifecycle */

static void close_sockets(actor_security *s)
{
    const int no_linger = 0;
    void *sockets[3] = {s->zap, s->stop_rx, s->stop_tx};

    for (size_t i = 0; i < 3; i++) {
        if (sockets[i] != NULL) {
            zmq_setsockopt(sockets[i], ZMQ_LINGER, &no_linger, sizeof no_linger);
            zmq_close(sockets[i]);
        }
    }
}

/* Creates the sockets: the ZAP socket bound (ACTOR_ESTATE when the
 * context has a handler already) and the stop pair connected. */
static int open_sockets(actor_security *s)
{
    char stop_endpoint[64];

    snprintf(stop_endpoint, sizeof stop_endpoint, "inproc://actor.security.stop.%p", (void *)s);
    s->zap = zmq_socket(s->ctx, ZMQ_REP);
    s->stop_rx = zmq_socket(s->ctx, ZMQ_PAIR);
    s->stop_tx = zmq_socket(s->ctx, ZMQ_PAIR);
    if (s->zap == NULL || s->stop_rx == NULL || s->stop_tx == NULL)
        return ACTOR_ESYSTEM;
    if (zmq_bind(s->zap, ZAP_ENDPOINT) != 0)
        return zmq_errno() == EADDRINUSE ? ACTOR_ESTATE : ACTOR_ESYSTEM;
    if (zmq_bind(s->stop_rx, stop_endpoint) != 0 || zmq_connect(s->stop_tx, stop_endpoint) != 0)
        return ACTOR_ESYSTEM;
    return 0;
}

int actor_security_new(void *zmq_ctx, actor_security **out)
{
    actor_security *s;
    int rc;

    *out = NULL;
    if (zmq_ctx == NULL)
        return ACTOR_EINVAL;
    s = calloc(1, sizeof *s);
    if (s == NULL)
        return ACTOR_ENOMEM;
    s->ctx = zmq_ctx;
    pthread_mutex_init(&s->lock, NULL);
    rc = open_sockets(s);
    if (rc == 0 && pthread_create(&s->thread, NULL, zap_thread, s) != 0)
        rc = ACTOR_ESYSTEM;
    if (rc != 0) {
        close_sockets(s);
        pthread_mutex_destroy(&s->lock);
        free(s);
        return rc;
    }
    *out = s;
    return 0;
}

void actor_security_destroy(actor_security **sp)
{
    actor_security *s = sp != NULL ? *sp : NULL;

    if (s == NULL)
        return;
    *sp = NULL;
    while (zmq_send(s->stop_tx, "", 0, 0) < 0 && zmq_errno() == EINTR)
        ;
    pthread_join(s->thread, NULL);
    close_sockets(s);
    while (s->keys != NULL) {
        allowed_key *k = s->keys;
        s->keys = k->next;
        free(k);
    }
    pthread_mutex_destroy(&s->lock);
    free(s);
}
