/*
 * link.c - a DEALER to one endpoint and its connection state, read from a
 * ZeroMQ socket monitor (link.h; docs/RUNTIME.md, "Failure detection").
 *
 * The events libzmq 4.3 reports for one attempt, as seen on this machine:
 *   tcp, refused:          CONNECT_DELAYED, CLOSED, CONNECT_RETRIED
 *   tcp, name unresolved:  CONNECT_RETRIED
 *   ipc, nobody listening: CLOSED, CONNECT_RETRIED
 *   connect or handshake takes longer than its timeout:
 *                          [CONNECT_DELAYED,] CLOSED, CONNECT_RETRIED, or
 *                          CONNECTED, HANDSHAKE_FAILED_*, DISCONNECTED
 *   success:               [CONNECT_DELAYED,] CONNECTED, HANDSHAKE_SUCCEEDED
 * inproc has no events: its link is always up (a send to a name nobody
 * bound yet waits for room until its deadline).
 * and for a connection that was up: DISCONNECTED (the peer closed it, or
 * sent nothing, not even a heartbeat, for the heartbeat timeout), then
 * libzmq's own reconnect attempts as above.
 */
#include "transport/link.h"

#include <poll.h>
#include <stdio.h>
#include <string.h>

#include <zmq.h>

#include "actor/actor.h"
#include "actor/error.h"
#include "transport/gateway.h"

/* Socket queues: room for a pipeline of a few thousand calls. */
#define DEALER_HWM 10000
#define DEALER_LINGER_MS 2000
/* How often a dealer to a local (ipc) endpoint whose server went away tries
 * again, fixed: a failed connect() on a Unix socket is one cheap syscall,
 * and a restarted process-isolated instance (which binds the same path)
 * is reached this soon after it serves, not after libzmq's 100 ms. */
#define DEALER_IPC_RECONNECT_MS 5

#define LINK_EVENTS                                                                                \
    (ZMQ_EVENT_CONNECTED | ZMQ_EVENT_CONNECT_DELAYED | ZMQ_EVENT_CONNECT_RETRIED |              \
     ZMQ_EVENT_CLOSED | ZMQ_EVENT_DISCONNECTED | ZMQ_EVENT_HANDSHAKE_SUCCEEDED |               \
     ZMQ_EVENT_HANDSHAKE_FAILED_NO_DETAIL | ZMQ_EVENT_HANDSHAKE_FAILED_PROTOCOL |               \
     ZMQ_EVENT_HANDSHAKE_FAILED_AUTH)

static bool is_tcp(const actor__link *l)
{
    return strncmp(l->ep->address, "tcp://", 6) == 0;
}

static int set_int(void *s, int option, int value)
{
    return zmq_setsockopt(s, option, &value, sizeof value);
}

static int dealer_options(void *s, const actor__endpoint *ep, unsigned peer_timeout_ms)
{
    int timeout = (int)peer_timeout_ms, beat = timeout / 3 > 0 ? timeout / 3 : 1;

    if (set_int(s, ZMQ_LINGER, DEALER_LINGER_MS) != 0 || set_int(s, ZMQ_SNDHWM, DEALER_HWM) != 0 ||
        set_int(s, ZMQ_RCVHWM, DEALER_HWM) != 0 ||
        set_int(s, ZMQ_HEARTBEAT_IVL, beat) != 0 ||
        set_int(s, ZMQ_HEARTBEAT_TIMEOUT, timeout - beat > 0 ? timeout - beat : 1) != 0 ||
        set_int(s, ZMQ_HANDSHAKE_IVL, timeout) != 0 || set_int(s, ZMQ_CONNECT_TIMEOUT, timeout) != 0)
        return -1;
    if (strncmp(ep->address, "ipc://", 6) == 0 &&
        set_int(s, ZMQ_RECONNECT_IVL, DEALER_IPC_RECONNECT_MS) != 0)
        return -1;
    return ep->curve ? actor_curve_client(s, ep->server_key, &ep->client) : 0;
}

int actor__link_open(actor__link *l, void *zctx, const actor__endpoint *ep, const char *tag,
                     unsigned peer_timeout_ms)
{
    char address[96];
    size_t size = sizeof l->monitor_fd;

    memset(l, 0, sizeof *l);
    l->ep = ep;
    l->peer_timeout_ms = peer_timeout_ms != 0 ? peer_timeout_ms : ACTOR__LINK_DEFAULT_PEER_TIMEOUT_MS;
    l->state = ACTOR__LINK_CONNECTING;
    l->attempt_start = actor_now_ns();
    snprintf(address, sizeof address, "inproc://actor-link-%s", tag);
    l->dealer = zmq_socket(zctx, ZMQ_DEALER);
    if (l->dealer == NULL || dealer_options(l->dealer, ep, l->peer_timeout_ms) != 0 ||
        zmq_socket_monitor(l->dealer, address, LINK_EVENTS) != 0 ||
        (l->monitor = zmq_socket(zctx, ZMQ_PAIR)) == NULL || set_int(l->monitor, ZMQ_LINGER, 0) != 0 ||
        zmq_connect(l->monitor, address) != 0 ||
        zmq_getsockopt(l->monitor, ZMQ_FD, &l->monitor_fd, &size) != 0 ||
        zmq_connect(l->dealer, ep->address) != 0) {
        actor__link_close(l, false);
        return ACTOR_ESYSTEM;
    }
    if (strncmp(ep->address, "inproc://", 9) == 0)
        l->state = ACTOR__LINK_UP; /* no engine, no events: a send finds the bind or waits */
    return 0;
}

void actor__link_close(actor__link *l, bool linger)
{
    if (l->dealer != NULL) {
        zmq_socket_monitor(l->dealer, NULL, 0);
        if (!linger || l->state != ACTOR__LINK_UP)
            set_int(l->dealer, ZMQ_LINGER, 0);
        zmq_close(l->dealer);
    }
    if (l->monitor != NULL)
        zmq_close(l->monitor);
    l->dealer = l->monitor = NULL;
}

/* The end of an attempt that never came up: why, for a person. */
static void attempt_failed(actor__link *l, const char *why)
{
    if (why != NULL)
        snprintf(l->why, sizeof l->why, "%.60s: %.50s", l->ep->address, why);
    else if (actor_now_ns() - l->attempt_start >= (int64_t)l->peer_timeout_ms * 900000)
        snprintf(l->why, sizeof l->why, "%.60s: no answer within %u ms", l->ep->address,
                 l->peer_timeout_ms);
    else if (l->refused && is_tcp(l))
        snprintf(l->why, sizeof l->why, "%.60s: connection refused", l->ep->address);
    else if (l->refused)
        snprintf(l->why, sizeof l->why, "%.60s: no server is listening there", l->ep->address);
    else
        snprintf(l->why, sizeof l->why, "%.60s: cannot connect (the host name does not resolve?)",
                 l->ep->address);
}

/* One event (`what`, from the monitor) into l's state; the bits it adds. */
static unsigned take_event(actor__link *l, unsigned what)
{
    switch (what) {
    case ZMQ_EVENT_CLOSED:
        l->refused = true;
        return 0;
    case ZMQ_EVENT_CONNECTED:
        l->tcp_done = true;
        return 0;
    case ZMQ_EVENT_HANDSHAKE_SUCCEEDED:
        l->state = ACTOR__LINK_UP;
        l->refused = l->tcp_done = false;
        return ACTOR__LINK_CAME_UP;
    case ZMQ_EVENT_HANDSHAKE_FAILED_AUTH:
        if (l->state == ACTOR__LINK_CONNECTING)
            attempt_failed(l, "the server refused this client's CURVE keys");
        return 0;
    case ZMQ_EVENT_HANDSHAKE_FAILED_PROTOCOL:
        if (l->state == ACTOR__LINK_CONNECTING)
            attempt_failed(l, "the peer does not speak ZMTP");
        return 0;
    case ZMQ_EVENT_HANDSHAKE_FAILED_NO_DETAIL:
        if (l->state == ACTOR__LINK_CONNECTING)
            attempt_failed(l, "handshake failed (CURVE on one side only?)");
        return 0;
    case ZMQ_EVENT_DISCONNECTED:
        l->refused = l->tcp_done = false;
        if (l->state == ACTOR__LINK_UP) {
            l->state = ACTOR__LINK_DOWN;
            snprintf(l->why, sizeof l->why,
                     "%.60s: connection lost (closed, or silent for %u ms)", l->ep->address,
                     l->peer_timeout_ms);
            return ACTOR__LINK_LOST;
        }
        if (l->state == ACTOR__LINK_CONNECTING) {
            if (l->why[0] == '\0')
                attempt_failed(l, "closed during the handshake");
            l->state = ACTOR__LINK_DOWN;
            return ACTOR__LINK_FAILED;
        }
        return 0;
    case ZMQ_EVENT_CONNECT_RETRIED:
        if (l->state == ACTOR__LINK_CONNECTING) {
            attempt_failed(l, NULL);
            l->state = ACTOR__LINK_DOWN;
            l->refused = l->tcp_done = false;
            l->attempt_start = actor_now_ns();
            return ACTOR__LINK_FAILED;
        }
        l->refused = l->tcp_done = false;
        l->attempt_start = actor_now_ns(); /* roughly: libzmq waits its interval first */
        return 0;
    default:
        return 0;
    }
}

/* The next event's number, or 0 when none waits. */
static unsigned next_event(actor__link *l)
{
    zmq_msg_t frame;
    uint16_t what = 0;
    bool more;

    zmq_msg_init(&frame);
    if (zmq_msg_recv(&frame, l->monitor, ZMQ_DONTWAIT) < 0) {
        zmq_msg_close(&frame);
        return 0;
    }
    if (zmq_msg_size(&frame) >= sizeof what)
        memcpy(&what, zmq_msg_data(&frame), sizeof what);
    /* the rest (the endpoint's address: ours) came with the first frame */
    for (more = zmq_msg_more(&frame); more; more = zmq_msg_more(&frame))
        if (zmq_msg_recv(&frame, l->monitor, 0) < 0)
            break;
    zmq_msg_close(&frame);
    return what != 0 ? what : ZMQ_EVENT_ALL; /* never 0 for a message read */
}

unsigned actor__link_update(actor__link *l)
{
    unsigned changed = 0, what;

    if (l->monitor == NULL)
        return 0;
    while ((what = next_event(l)) != 0) {
        unsigned bits = take_event(l, what);
        if (bits & ACTOR__LINK_CAME_UP) {
            changed &= ~ACTOR__LINK_LOST; /* sends from now on go on the new connection */
            l->why[0] = '\0';
        }
        changed |= bits;
    }
    return changed;
}

void actor__link_redial(actor__link *l)
{
    if (l->state != ACTOR__LINK_DOWN)
        return;
    zmq_disconnect(l->dealer, l->ep->address);
    if (zmq_connect(l->dealer, l->ep->address) != 0)
        return; /* stays DOWN with its reason */
    l->state = ACTOR__LINK_CONNECTING;
    l->refused = l->tcp_done = false;
    l->why[0] = '\0';
    l->attempt_start = actor_now_ns();
}

void actor__link_wait(const actor__link *l, long timeout_ms)
{
    struct pollfd p = {l->monitor_fd, POLLIN, 0};

    poll(&p, 1, timeout_ms < 0 ? -1 : timeout_ms > 60000 ? 60000 : (int)timeout_ms);
}
