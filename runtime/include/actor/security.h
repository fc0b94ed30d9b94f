/*
 * actor/security.h - CURVE encryption and client allow-lists for ZeroMQ
 * endpoints (docs/PROTOCOL.md section 1).
 *
 * A server socket made a CURVE server by actor_security_curve_server()
 * encrypts everything and lets a client in only if a ZAP handler says so:
 * an actor_security object runs that handler (libzmq's ZAP protocol, RFC 27,
 * on inproc://zeromq.zap.01) in a thread of its own for one ZeroMQ context,
 * and admits exactly the client public keys on the allow-list of the
 * socket's domain. A client that is not listed, that does not use CURVE, or
 * that has the wrong server key fails the handshake: none of its messages
 * reach the server's socket.
 *
 * Keys are Z85 text, 40 characters (ACTOR_CURVE_KEY_LEN) plus a NUL.
 * Errors: 0 or a negative ACTOR_E* code (actor/error.h).
 */
#ifndef ACTOR_SECURITY_H
#define ACTOR_SECURITY_H

#include <stddef.h>
#include <stdint.h>

#include "actor/error.h"

#ifdef __cplusplus
extern "C" {
#endif

#define ACTOR_CURVE_KEY_LEN 40

/* A CURVE keypair as Z85 text; a plain value. Keep secret_key secret. */
typedef struct actor_curve_keypair {
    char public_key[ACTOR_CURVE_KEY_LEN + 1];
    char secret_key[ACTOR_CURVE_KEY_LEN + 1];
} actor_curve_keypair;

/* Fills *out with a new random keypair. ACTOR_ESYSTEM when libzmq was built
 * without CURVE. */
int actor_curve_keypair_new(actor_curve_keypair *out);

/* Derives the public key of `secret_key` into public_key[41].
 * ACTOR_EINVAL for a key that is not 40 characters of Z85. */
int actor_curve_public_key(const char *secret_key, char *public_key);

/* Makes `socket` (borrowed; not yet connected) a CURVE client of the server
 * whose public key is `server_public_key`, using the keypair *client. */
int actor_curve_client(void *socket, const char *server_public_key,
                       const actor_curve_keypair *client);

/* ------------------------------------------------------- the ZAP handler */

typedef struct actor_security actor_security;

/* Starts the ZAP handler of ZeroMQ context `zmq_ctx` (borrowed: destroy the
 * handler before terminating the context). libzmq allows one per context:
 * ACTOR_ESTATE if the context has one already. *out is owned by the caller
 * and released with actor_security_destroy. */
int actor_security_new(void *zmq_ctx, actor_security **out);

/* Stops the handler thread, frees *s and sets it to NULL. Connections
 * already admitted stay open; new handshakes on its CURVE sockets then
 * fail. NULL or *NULL: nothing. */
void actor_security_destroy(actor_security **s);

/* Lets the client with `client_public_key` into the CURVE server sockets of
 * `domain` (any short name; one per endpoint or per group of endpoints), or
 * stops letting it in (for new connections). Any thread. allow:
 * ACTOR_EINVAL for a malformed key or domain, ACTOR_ENOMEM; allowing a key
 * twice is fine. deny: ACTOR_ENOTFOUND when it was not allowed. */
int actor_security_allow(actor_security *s, const char *domain, const char *client_public_key);
int actor_security_deny(actor_security *s, const char *domain, const char *client_public_key);

/* Lets every client, with any mechanism, into the sockets of `domain`: for
 * the plain endpoints of a socket that has CURVE ones too (libzmq cannot
 * clear a socket's ZAP domain once set). */
int actor_security_open(actor_security *s, const char *domain);

/* Removes everything `domain` lets in (its allow-list and openness), for
 * when the sockets of the domain are gone: handshakes that still name it
 * fail. Any thread. The number of entries removed, or ACTOR_EINVAL. */
int actor_security_forget(actor_security *s, const char *domain);

/* Makes `socket` (borrowed; before bind) a CURVE server with
 * `server_secret_key` whose clients are checked against `domain`'s
 * allow-list by this handler. The socket must belong to the handler's
 * context. */
int actor_security_curve_server(actor_security *s, void *socket, const char *domain,
                                const char *server_secret_key);

/* Handshakes decided so far. */
typedef struct actor_security_stats {
    uint64_t allowed;  /* CURVE clients on the list */
    uint64_t denied;   /* anything else that reached the handler */
} actor_security_stats;

void actor_security_stats_get(actor_security *s, actor_security_stats *out);

#ifdef __cplusplus
}
#endif

#endif /* ACTOR_SECURITY_H */
