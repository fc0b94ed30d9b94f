/*
 * link.h - a DEALER to one remote endpoint and what is known of its
 * connection (internal; docs/RUNTIME.md, "Failure detection").
 *
 * libzmq connects in the background and, left alone, queues messages for a
 * peer it cannot reach and retries forever. A link makes the state visible:
 * its owner sends only while it is up (and holds or fails what comes
 * meanwhile), its DEALER has ZMTP heartbeats, and a handshake and TCP
 * connect timeout, all from one peer timeout; a socket monitor
 * (an inproc PAIR) reports connects, refusals and losses, which
 * actor__link_update reads into `state`, with a sentence saying why.
 *
 * One thread uses a link at a time (its owner: an actor_client's thread,
 * or the gateway's holder).
 */
#ifndef ACTOR_LINK_H
#define ACTOR_LINK_H

#include <stdbool.h>
#include <stdint.h>

typedef struct actor__endpoint actor__endpoint;

typedef enum actor__link_state {
    ACTOR__LINK_CONNECTING, /* an attempt is under way; not up yet */
    ACTOR__LINK_UP,         /* handshake done: sends go to the peer */
    ACTOR__LINK_DOWN,       /* the last attempt failed, or the connection was lost */
} actor__link_state;

/* What actor__link_update found (a bit set). */
#define ACTOR__LINK_CAME_UP 1u /* now up, after connecting or a loss */
#define ACTOR__LINK_FAILED 2u  /* an attempt failed before the link was ever up in it */
#define ACTOR__LINK_LOST 4u    /* a connection that was up went down and none came back
                                  in the same reading (see actor__link_update) */

/* How long a silent peer may stay silent before it is unreachable. */
#define ACTOR__LINK_DEFAULT_PEER_TIMEOUT_MS 3000

typedef struct actor__link {
    void *dealer;
    void *monitor;   /* the PAIR the DEALER's events arrive on */
    int monitor_fd;  /* its ZMQ_FD: readable when events may be waiting */
    const actor__endpoint *ep;
    actor__link_state state;
    bool refused;    /* the current attempt saw its connect refused */
    bool tcp_done;   /* the current attempt's TCP (or Unix) connect completed */
    int64_t attempt_start; /* actor_now_ns() when the current attempt began */
    char why[120];   /* why it is down (for a person), when DOWN */
    unsigned peer_timeout_ms;
} actor__link;

/* Opens l's DEALER in zctx, connected to ep (borrowed; it outlives l),
 * and its monitor on "inproc://actor-link-<tag>" (unique in zctx).
 * peer_timeout_ms: a silent connection is closed after that long (ZMTP
 * heartbeats every third of it), and so is an attempt whose connect or
 * handshake takes that long; 0: the default. 0, or ACTOR_ESYSTEM. */
int actor__link_open(actor__link *l, void *zctx, const actor__endpoint *ep, const char *tag,
                     unsigned peer_timeout_ms);
/* Closes both sockets; `linger`: let libzmq send what is queued to an up
 * peer (for at most its linger), else drop it. */
void actor__link_close(actor__link *l, bool linger);

/* Reads every event waiting, in order, into state and why; returns what
 * changed (ACTOR__LINK_* bits, 0: nothing). A loss followed in the same
 * reading by a new connection is not reported lost: the owner did not look
 * in between, so what it sends now goes on the new connection. Never
 * blocks. */
unsigned actor__link_update(actor__link *l);

/* A link that is DOWN tries again at once (rather than at libzmq's next
 * reconnect): CONNECTING until the attempt's outcome. */
void actor__link_redial(actor__link *l);

/* Waits up to timeout_ms (-1: no limit) for events on the link. */
void actor__link_wait(const actor__link *l, long timeout_ms);

#endif /* ACTOR_LINK_H */
