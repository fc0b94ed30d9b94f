/*
 * gateway.c - the system's endpoint (actor/remote.h, gateway.h): one ROUTER
 * socket, bound on every endpoint, used by the gateway's holder (worker 0
 * until a hand-off; see "the holder" below). Incoming messages are
 * validated by wire.c and become mailbox messages whose reply route is
 * ACTOR__ROUTE_REMOTE: the local message id names a served_call record
 * holding the peer's routing id and the wire message id. The response comes
 * back through gateway_reply on whichever thread ends the request;
 * the holder sends it at once, any other thread queues it, unencoded, for
 * the holder (the inbox) and wakes it. The served_call records are the
 * holder's (no lock).
 *
 * No silent drops: the ROUTER is ZMQ_ROUTER_MANDATORY; a response that finds
 * its client's queue full (EAGAIN) waits in that client's own queue (by
 * routing id), in order, and is retried every RETRY_MS; other clients'
 * responses go out at once. A client whose waiting responses reach the
 * soft bound (gateway.h) gets its new requests refused unrun, REJECTED
 * if that fits, else dropped; at the hard bound its oldest waiting
 * responses are dropped; all counted. One whose client is gone
 * (EHOSTUNREACH) is counted. At shutdown, requests still unread are
 * answered DIED, every response owed is sent (waiting up to
 * SHUTDOWN_FLUSH_MS in all for clients that are slow to read; what is
 * still refused then is counted unroutable), and the socket is closed with
 * a linger so that libzmq hands what it holds to the peers.
 *
 * Also here: the system's ZeroMQ context (its own, or the one
 * actor_system_opts lends it) with its ZAP domains. The name registry
 * is names.c; the queues of records (the holder's inbox and sendq, the
 * clients' waiting responses) are queues.c.
 */
#include "transport/gateway.h"

#include <errno.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <zmq.h>

/* Messages read per pump, so that actors get their turns. */
#define PUMP_BATCH 64
/* How long shutdown waits, in all, for clients to take their responses. */
#define SHUTDOWN_FLUSH_MS 5000
/* The linger of closing sockets: libzmq's own queues drain meanwhile. */
#define CLOSE_LINGER_MS 2000
/* How often the holder retries waiting responses, and sweeps outstanding calls. */
#define RETRY_MS 5
#define SWEEP_MS 1000
#define CONTROL_PING "ping"
#define CONTROL_LOOKUP "lookup"
#define CONTROL_NAMES "names"

/* ========================================= the context and ZAP domains */

/* The system's context: the borrowed opts.zmq_context, else our own.
 * Once made it is read without the lock (zctx_ready; a release store
 * after zctx was set, so that whoever sees it sees zctx too). */
void *actor__gateway_context(actor__gateway *g)
{
    void *z = atomic_load_explicit(&g->zctx_ready, memory_order_acquire);

    if (z != NULL)
        return z;
    pthread_mutex_lock(&g->lock);
    if (g->zctx == NULL) {
        g->zctx = g->sys->opts.zmq_context;
        if (g->zctx == NULL) {
            g->zctx = zmq_ctx_new();
            g->own_zctx = g->zctx != NULL;
        }
    }
    z = g->zctx;
    if (z != NULL)
        atomic_store_explicit(&g->zctx_ready, z, memory_order_release);
    pthread_mutex_unlock(&g->lock);
    return z;
}

/* The holder (binding): the ZAP handler, started in our context on first
 * need unless the system was given one. NULL with *rc on failure. */
static actor_security *security_of(actor__gateway *g, int *rc)
{
    *rc = 0;
    if (g->security == NULL && g->sys->opts.security != NULL)
        g->security = g->sys->opts.security;
    if (g->security == NULL) {
        *rc = actor_security_new(g->zctx, &g->security);
        g->own_security = *rc == 0;
    }
    return g->security;
}

/* The holder: a fresh ZAP domain name of ours, remembered so that
 * gateway_destroy forgets it in the (possibly shared) handler. */
static int domain_new(actor__gateway *g, bool curve, char *domain, size_t size)
{
    char **more = realloc(g->domains, (g->n_domains + 1) * sizeof *more);

    if (more == NULL)
        return ACTOR_ENOMEM;
    g->domains = more;
    snprintf(domain, size, "actor.%s.%jx.%zu", curve ? "curve" : "plain", (uintmax_t)(uintptr_t)g,
             g->n_domains);
    if ((g->domains[g->n_domains] = strdup(domain)) == NULL)
        return ACTOR_ENOMEM;
    g->n_domains++;
    return 0;
}

/* The domains go when their sockets went; then the handler and the
 * context, if they are ours (every socket of ours is closed by then). */
static void context_release(actor__gateway *g)
{
    for (size_t i = 0; i < g->n_domains; i++) {
        if (g->security != NULL)
            actor_security_forget(g->security, g->domains[i]);
        free(g->domains[i]);
    }
    free(g->domains);
    g->domains = NULL;
    g->n_domains = 0;
    if (g->own_security)
        actor_security_destroy(&g->security);
    g->security = NULL;
    if (g->own_zctx && g->zctx != NULL)
        zmq_ctx_term(g->zctx);
    g->zctx = NULL;
    atomic_store(&g->zctx_ready, NULL);
}

/* ========================================================== the holder */

/* One worker at a time holds the gateway: it alone uses the sockets and
 * the state listed as the holder's in gateway.h, and only with `hold`
 * locked, which also gives the memory barrier that ZeroMQ asks for when a
 * socket moves to another thread. The holder locks it around each use
 * (a pump, its sleep in zmq_poll, a send from a handler), so between two
 * uses, e.g. while it runs a long handler, the lock is free and an idle
 * worker can take the gateway over (gateway_claim). Nobody ever
 * waits for `hold` while its owner may keep it long: a handler that finds
 * it taken hands its message over instead. */

/* The gateway whose `hold` this thread has locked now: a send made from
 * inside the pump (a request refused while it is delivered, a reply
 * routed to a callback) uses the sockets directly, as the pump does. */
static _Thread_local const actor__gateway *held_here;

bool actor__gateway_held_here(const actor__gateway *g)
{
    return held_here == g;
}

static unsigned holder_of(const actor__gateway *g)
{
    return atomic_load_explicit(&g->holder, memory_order_relaxed);
}

/* Locks `hold` if worker `index` holds the gateway; true when locked. A
 * failed try means another thread has the lock for a moment (a former
 * holder checking, or a worker taking the gateway over, which makes
 * `holder` change): try again until either is over. */
static bool hold_as_holder(actor__gateway *g, unsigned index)
{
    while (holder_of(g) == index) {
        if (pthread_mutex_trylock(&g->hold) == 0) {
            if (holder_of(g) == index) {
                held_here = g;
                return true;
            }
            pthread_mutex_unlock(&g->hold);
            return false;
        }
        sched_yield();
    }
    return false;
}

static void hold_release(actor__gateway *g)
{
    held_here = NULL;
    pthread_mutex_unlock(&g->hold);
}

actor__hold actor__gateway_enter(actor__gateway *g)
{
    actor__worker *w;

    if (held_here == g)
        return ACTOR__HOLD_NESTED;
    w = actor__current_worker(g->sys);
    if (w == NULL || holder_of(g) != w->index || pthread_mutex_trylock(&g->hold) != 0)
        return ACTOR__HOLD_NO;
    if (holder_of(g) != w->index) { /* taken over meanwhile */
        pthread_mutex_unlock(&g->hold);
        return ACTOR__HOLD_NO;
    }
    held_here = g;
    return ACTOR__HOLD_TAKEN;
}

void actor__gateway_leave(actor__gateway *g, actor__hold how)
{
    if (how == ACTOR__HOLD_TAKEN)
        hold_release(g);
}

/* Worker `index`, between actor turns: whether it holds the gateway,
 * taking it over first when the stall check asked for a hand-off and the
 * sockets are not in use. */
static bool gateway_claim(void *gw, unsigned index)
{
    actor__gateway *g = gw;

    if (holder_of(g) == index)
        return true;
    if (!atomic_load_explicit(&g->handoff_wanted, memory_order_relaxed) ||
        !atomic_exchange(&g->handoff_wanted, false))
        return false;
    /* taken: the holder is in the pump or asleep on the sockets, so it
     * was not stuck after all */
    if (pthread_mutex_trylock(&g->hold) != 0)
        return false;
    /* seq_cst, before this worker's pump reads has_work: a thread handing
     * work over either sees the new holder (and wakes it) or set has_work
     * before that read */
    atomic_store(&g->holder, index);
    pthread_mutex_unlock(&g->hold);
    atomic_fetch_add(&g->handoffs, 1);
    return true;
}

/* The timer thread's stall check: whether worker `index` holds the
 * gateway with a socket open, and asking for a hand-off when it stays in
 * one handler (an idle worker then takes the gateway over). */
static bool gateway_held_by(void *gw, unsigned index)
{
    actor__gateway *g = gw;

    return atomic_load_explicit(&g->open, memory_order_relaxed) && holder_of(g) == index;
}

static void gateway_want_handoff(void *gw)
{
    actor__gateway *g = gw;

    atomic_store(&g->handoff_wanted, true);
}

/* Wakes the holder: it has work handed over (has_work is set). */
static void wake_holder(actor__gateway *g)
{
    actor__wake(&g->sys->workers[atomic_load(&g->holder)]);
}

void actor__gateway_hand_over(actor__gateway *g, actor__outq *q, actor__outgoing *o)
{
    pthread_mutex_lock(&g->lock);
    actor__outq_push(q, o);
    atomic_store(&g->has_work, true);
    pthread_mutex_unlock(&g->lock);
    wake_holder(g);
}

/* A response: routing id, envelope, body, copied into one record. */
static actor__outgoing *response_new(const actor__wire_route *route, const char *env,
                                     size_t env_len, const char *body, size_t body_len)
{
    actor__outgoing *o = actor__outgoing_new(route->id_len, env_len, body_len);

    if (o == NULL)
        return NULL;
    o->delimiter = route->delimiter;
    memcpy(o->data, route->id, route->id_len);
    memcpy(o->data + route->id_len, env, env_len);
    if (body_len != 0)
        memcpy(o->data + route->id_len + env_len, body, body_len);
    return o;
}

/* ==================================================== waiting replies */

static size_t record_size(const actor__outgoing *o)
{
    return sizeof *o + o->id_len + o->env_len + o->body_len;
}

static void peer_push(actor__gateway *g, actor__peer_queue *q, actor__outgoing *o)
{
    actor__outq_push(&q->q, o);
    q->count++;
    q->bytes += record_size(o);
    atomic_fetch_add(&g->waiting_replies, 1);
    atomic_fetch_add(&g->waiting_bytes, record_size(o));
}

static actor__outgoing *peer_pop(actor__gateway *g, actor__peer_queue *q)
{
    actor__outgoing *o = actor__outq_pop(&q->q);

    if (o != NULL) {
        q->count--;
        q->bytes -= record_size(o);
        atomic_fetch_sub(&g->waiting_replies, 1);
        atomic_fetch_sub(&g->waiting_bytes, record_size(o));
    }
    return o;
}

/* Whether the client's responses pile up beyond the soft bound: its new
 * requests are then refused (PROTOCOL.md section 6). */
static bool peer_is_slow(actor__gateway *g, const actor__wire_route *route)
{
    const actor__peer_queue *q = actor__peers_find(&g->waiting, route->id, route->id_len);

    return q != NULL &&
           (q->count >= ACTOR__WAITING_SOFT_COUNT || q->bytes >= ACTOR__WAITING_SOFT_BYTES);
}

/* ============================================================= sending */

/* Sends a response record: 0 (sent, or counted unroutable) or ACTOR_EFULL
 * (the client's queue is full: keep it). */
static int send_response(actor__gateway *g, const actor__outgoing *o)
{
    actor__wire_route route = {o->data, o->id_len, o->delimiter};
    int rc = actor__wire_send_large(g->router, &route, o->data + o->id_len, o->env_len,
                                    o->data + o->id_len + o->env_len, o->body_len,
                                    g->sys->opts.oob_threshold);

    if (rc == ACTOR_EFULL)
        return rc;
    atomic_fetch_add(rc == 0 ? &g->replies : &g->unroutable, 1);
    return 0;
}

/* Sends a client's waiting responses in order until one finds no room;
 * true when none is left. */
static bool flush_peer(actor__gateway *g, actor__peer_queue *q)
{
    while (q->q.head != NULL) {
        if (send_response(g, q->q.head) == ACTOR_EFULL)
            return false;
        free(peer_pop(g, q));
    }
    return true;
}

/* Gives every client with waiting responses its turn: one that reads
 * again gets them all, one that does not costs one failed send. */
static void flush_waiting(actor__gateway *g)
{
    actor__peer_queue *q = g->waiting.all;

    while (q != NULL) {
        actor__peer_queue *next = q->next;
        if (flush_peer(g, q))
            actor__peers_remove(&g->waiting, q);
        q = next;
    }
}

/* Counts every waiting response unroutable and frees the queues. */
static void drop_waiting(actor__gateway *g)
{
    while (g->waiting.all != NULL) {
        actor__peer_queue *q = g->waiting.all;
        while (q->q.head != NULL) {
            atomic_fetch_add(&g->unroutable, 1);
            free(peer_pop(g, q));
        }
        actor__peers_remove(&g->waiting, q);
    }
    free(g->waiting.buckets);
    g->waiting.buckets = NULL;
    g->waiting.n_buckets = 0;
}

/* Puts a response that found no room at the end of its client's queue;
 * over the hard bound the client's oldest waiting responses make room
 * (counted). */
static void keep(actor__gateway *g, actor__outgoing *o)
{
    actor__peer_queue *q = actor__peers_get(&g->waiting, (const uint8_t *)o->data, o->id_len);

    if (q == NULL) {
        atomic_fetch_add(&g->unroutable, 1);
        free(o);
        return;
    }
    while (q->count != 0 && (q->count >= ACTOR__WAITING_HARD_COUNT ||
                             q->bytes + record_size(o) > ACTOR__WAITING_HARD_BYTES)) {
        free(peer_pop(g, q));
        atomic_fetch_add(&g->slow_replies_dropped, 1);
    }
    atomic_fetch_add(&g->deferred, 1);
    peer_push(g, q, o);
}

/* The holder: sends the responses packed for one client as one BATCH; when
 * the client's queue is full they wait as records, in order. */
static void flush_pack(actor__gateway *g, actor__pack *p)
{
    actor__wire_route route = {p->key, p->key_len, p->delimiter};
    int rc = actor__wire_send_packed(g->router, &route, p->pairs.data, p->pairs.size, p->count);

    if (rc == ACTOR_EFULL) {
        actor__wire_items it = {p->pairs.data, p->pairs.data + p->pairs.size, 0};
        const char *env, *body, *why;
        size_t env_len, body_len;
        while (actor__wire_items_next(&it, &env, &env_len, &body, &body_len, &why) == 1) {
            actor__outgoing *o = response_new(&route, env, env_len, body, body_len);
            if (o == NULL)
                atomic_fetch_add(&g->unroutable, 1);
            else
                keep(g, o);
        }
    } else {
        atomic_fetch_add(rc == 0 ? &g->replies : &g->unroutable, p->count);
        if (rc == 0 && p->count > 1)
            atomic_fetch_add(&g->batches_sent, 1);
    }
    actor__pack_clear(p);
}

/* The holder: the response packs that are due (actor__pack_due), or all. */
static void flush_response_packs(actor__gateway *g, bool all)
{
    for (size_t i = 0; i < ACTOR__PACK_SLOTS; i++)
        if (actor__pack_due(&g->response_packs, &g->response_packs.slot[i], all))
            flush_pack(g, &g->response_packs.slot[i]);
}

/* The holder: the packs, responses and calls, that are due; `idle`: all. */
static void flush_packs(actor__gateway *g, bool idle)
{
    flush_response_packs(g, idle);
    actor__remote_flush(g, idle);
}

/* The holder: adds a response to its client's pack; false when it must go
 * on its own (packing is off, no slot, too large: the pack, if any, is
 * flushed first so that it keeps its place). */
static bool packed_away(actor__gateway *g, const actor__wire_route *route, const char *env,
                        size_t env_len, const char *body, size_t body_len)
{
    actor__pack *p =
        actor__packs_get(&g->response_packs, route->id, route->id_len, route->delimiter);

    if (p == NULL)
        return false;
    if (actor__pack_add(p, env, env_len, body, body_len) != 0) {
        if (p->count != 0)
            flush_pack(g, p);
        return false;
    }
    if (actor__pack_full(&g->response_packs, p))
        flush_pack(g, p);
    return true;
}

/* The holder: before a response to a request that came alone (`packed`
 * false) leaves, alone, its client's open pack leaves, so that it does
 * not overtake the responses packed before it. */
static void flush_pack_before_lone(actor__gateway *g, const actor__wire_route *route, bool packed)
{
    actor__pack *p;

    if (packed)
        return;
    p = actor__packs_find(&g->response_packs, route->id, route->id_len, route->delimiter);
    if (p != NULL)
        flush_pack(g, p);
}

/* The holder: sends a response record now unless its client has responses
 * waiting (then it queues behind them, so a client's responses keep
 * their order) or no room; frees it or keeps it. */
/* Whether a response may be packed: it answers a request that came in a
 * BATCH (`packed`) and its body is too small for out-of-band frames, which
 * a batch cannot carry. */
static bool may_pack(const actor__gateway *g, bool packed, size_t body_len)
{
    return packed && body_len < g->sys->opts.oob_threshold;
}

static void send_or_keep_record(actor__gateway *g, actor__outgoing *o)
{
    actor__wire_route route = {o->data, o->id_len, o->delimiter};
    bool packed = may_pack(g, o->packed, o->body_len);

    flush_pack_before_lone(g, &route, packed);
    if (actor__peers_find(&g->waiting, (const uint8_t *)o->data, o->id_len) != NULL)
        keep(g, o);
    else if (packed && packed_away(g, &route, o->data + o->id_len, o->env_len,
                                      o->data + o->id_len + o->env_len, o->body_len))
        free(o);
    else if (send_response(g, o) == 0)
        free(o);
    else
        keep(g, o);
}

/* The holder: sends a response now (or packs it, `packed`: it answers a
 * request that came in a BATCH), or keeps it for later. */
static void send_or_keep(actor__gateway *g, const actor__wire_route *route, const char *env,
                         size_t env_len, const char *body, size_t body_len, bool packed)
{
    actor__outgoing *o;

    packed = may_pack(g, packed, body_len);
    flush_pack_before_lone(g, route, packed);
    if (actor__peers_find(&g->waiting, route->id, route->id_len) == NULL) {
        int rc;
        if (packed && packed_away(g, route, env, env_len, body, body_len))
            return;
        rc = actor__wire_send_large(g->router, route, env, env_len, body, body_len,
                                    g->sys->opts.oob_threshold);
        if (rc != ACTOR_EFULL) {
            atomic_fetch_add(rc == 0 ? &g->replies : &g->unroutable, 1);
            return;
        }
    }
    o = response_new(route, env, env_len, body, body_len);
    if (o == NULL) {
        atomic_fetch_add(&g->unroutable, 1);
        return;
    }
    keep(g, o);
}

/* Encodes the response header for wire id `wire_id` into sb; an error
 * status clears the body. */
static int encode_response(actor__gateway *g, msgpack_sbuffer *sb, uint64_t wire_id,
                           const actor_status *st, const char **body, size_t *len)
{
    uint64_t id = atomic_load_explicit(&g->next_response_id, memory_order_relaxed) + 1;
    actor__wire_header h = actor__wire_header_make(actor_wire_Kind_RESPONSE, id);

    actor__count_add(&g->next_response_id, 1);

    h.correlation_id = wire_id;
    h.status = st;
    if (st->category != ACTOR_STATUS_OK) {
        atomic_fetch_add(&g->errors, 1);
        *body = "";
        *len = 0;
    }
    return actor__wire_encode(sb, &h);
}

/* The holder: the response `st` (+ body when OK) to a message read;
 * `packed`: the message came in a BATCH. */
static void respond(actor__gateway *g, const actor__wire_route *route, uint64_t wire_id,
                    const actor_status *st, const char *body, size_t len, bool packed)
{
    g->sb.size = 0;
    if (encode_response(g, &g->sb, wire_id, st, &body, &len) != 0) {
        atomic_fetch_add(&g->dropped, 1);
        return;
    }
    send_or_keep(g, route, g->sb.data, g->sb.size, body, len, packed);
}

/* The holder: a message from a client whose responses pile up is not run;
 * its answer `st` (REJECTED, or the error a malformed one earned) goes
 * out if it fits into the client's queue in libzmq now, else it is
 * dropped; counted either way. */
static void shed(actor__gateway *g, const actor__wire_route *route, uint64_t wire_id,
                 const actor_status *st)
{
    const char *body = NULL;
    size_t len = 0;
    int rc;

    g->sb.size = 0;
    rc = encode_response(g, &g->sb, wire_id, st, &body, &len);
    if (rc == 0)
        rc = actor__wire_send(g->router, route, g->sb.data, g->sb.size, body, len);
    if (rc == 0) {
        atomic_fetch_add(&g->replies, 1);
        atomic_fetch_add(&g->slow_rejected, 1);
    } else {
        atomic_fetch_add(rc == ACTOR_EFULL ? &g->slow_dropped : &g->unroutable, 1);
    }
}

/* ======================================================= served calls */

/* A remote request in a mailbox: where its response goes. In the holder's
 * `calls` map (only the holder touches it: no lock); records whose routing
 * id fits SERVED_ID_KEEP bytes are reused (free_served). */
typedef struct actor__served_call {
    actor__idnode node; /* by local message id */
    uint64_t wire_id;
    bool delimiter;
    bool packed; /* it came in a BATCH: its response may be packed */
    size_t id_len;
    uint8_t id[];
} served_call;

#define SERVED_ID_KEEP 32u
/* Served-call records the holder keeps for reuse; beyond, freed. */
#define SERVED_KEEP 4096u

/* The holder: a record for a routing id of id_len bytes. */
static served_call *served_alloc(actor__gateway *g, size_t id_len)
{
    served_call *c = g->free_served;

    if (id_len > SERVED_ID_KEEP)
        return malloc(sizeof *c + id_len);
    if (c == NULL)
        return malloc(sizeof *c + SERVED_ID_KEEP);
    g->free_served = (served_call *)(void *)c->node.next;
    g->n_free_served--;
    return c;
}

/* The holder: a record done with. */
static void served_recycle(actor__gateway *g, served_call *c)
{
    if (c->id_len > SERVED_ID_KEEP || g->n_free_served >= SERVED_KEEP) {
        free(c);
        return;
    }
    c->node.next = g->free_served != NULL ? &g->free_served->node : NULL;
    g->free_served = c;
    g->n_free_served++;
}

static void served_fini(actor__gateway *g)
{
    while (g->free_served != NULL) {
        served_call *c = g->free_served;
        g->free_served = (served_call *)(void *)c->node.next;
        free(c);
    }
    g->n_free_served = 0;
}

/* The holder: the response to served call c (taken out of `calls`) sent,
 * packed or kept; c recycled. */
static void answer_served(actor__gateway *g, served_call *c, const actor_status *st,
                          const char *body, size_t len)
{
    actor__wire_route route = {c->id, c->id_len, c->delimiter};

    if (g->router != NULL)
        respond(g, &route, c->wire_id, st, body, len, c->packed);
    else
        atomic_fetch_add(&g->unroutable, 1);
    served_recycle(g, c);
}

/* Another thread: the end of served request `id` handed to the holder as
 * it is (status unless OK, then body), to be matched and encoded there. */
static void reply_from_elsewhere(actor__gateway *g, uint64_t id, const actor_status *st,
                                 const char *body, size_t len)
{
    bool ok = st->category == ACTOR_STATUS_OK;
    actor__outgoing *o = actor__outgoing_new(0, ok ? 0 : sizeof *st, ok ? len : 0);

    if (o == NULL) {
        atomic_fetch_add(&g->dropped, 1);
        return;
    }
    o->served = true;
    o->id = id;
    if (!ok)
        memcpy(o->data, st, sizeof *st);
    else if (len != 0)
        memcpy(o->data, body, len);
    actor__gateway_hand_over(g, &g->inbox, o);
}

/* The holder: a served request's end handed over (reply_from_elsewhere). */
static void answer_handed_over(actor__gateway *g, const actor__outgoing *o)
{
    served_call *c = (served_call *)(void *)actor__idmap_remove(&g->calls, o->id);
    actor_status st;

    if (c == NULL)
        return; /* answered already */
    if (o->env_len == sizeof st)
        memcpy(&st, o->data, sizeof st);
    else
        st = (actor_status){.category = ACTOR_STATUS_OK};
    answer_served(g, c, &st, o->data + o->env_len, o->body_len);
}

/* The end of the served request `id` (route ACTOR__ROUTE_REMOTE): sends the
 * response (on the holder) or hands it to the holder. Any thread. */
static void gateway_reply(void *gw, uint64_t id, const actor_status *st, const char *body,
                          size_t len)
{
    actor__gateway *g = gw;

    actor__hold how = actor__gateway_enter(g);

    if (how != ACTOR__HOLD_NO) {
        served_call *c = (served_call *)(void *)actor__idmap_remove(&g->calls, id);
        if (c != NULL)
            answer_served(g, c, st, body, len);
    } else {
        reply_from_elsewhere(g, id, st, body, len);
    }
    actor__gateway_leave(g, how);
}

/* ============================================================ requests */

/* The method of a message: by name, else by index. NULL: none. */
static const actor_method *find_method(const actor_type *type, const actor_wire_Envelope *env,
                                       uint32_t *index)
{
    if (env->method == NULL) {
        *index = env->method_index;
        return env->method_index < type->n_methods ? &type->methods[env->method_index] : NULL;
    }
    for (uint32_t i = 0; i < type->n_methods; i++) {
        if (strcmp(type->methods[i].name, env->method) == 0) {
            *index = i;
            return &type->methods[i];
        }
    }
    return NULL;
}

/* The actor env names (by name or id; its type is the caller's to
 * check), acquired; NULL with *st set. */
static actor__actor *find_target(actor__gateway *g, const actor_wire_Envelope *env,
                                 actor_status *st)
{
    actor__actor *a;

    if (env->target != NULL) {
        a = actor__names_acquire(g, env->target);
        if (a == NULL) {
            actor_status_set(st, ACTOR_STATUS_NOT_FOUND, 0, "no actor named \"%.64s\"",
                             env->target);
            return NULL;
        }
    } else {
        actor_ref ref = {env->target_id};
        a = actor__ref_is_remote(ref) ? NULL : actor__acquire(g->sys, ref);
        if (a == NULL) {
            actor_status_set(st, ACTOR_STATUS_NOT_FOUND, 0, "no actor with id %llu",
                             (unsigned long long)ref.id);
            return NULL;
        }
    }
    return a;
}

static served_call *served_call_new(actor__gateway *g, const actor__wire_msg *m, uint64_t local_id,
                                    bool packed)
{
    served_call *c = served_alloc(g, m->route.id_len);

    if (c == NULL)
        return NULL;
    c->node.id = local_id;
    c->wire_id = m->env.message_id;
    c->delimiter = m->route.delimiter;
    c->packed = packed;
    c->id_len = m->route.id_len;
    memcpy(c->id, m->route.id, m->route.id_len);
    return c;
}

/* The mailbox message for a valid request or cast. */
static actor__msg *build_msg(actor__gateway *g, const actor__wire_msg *m, actor__actor *a,
                             const actor_method *method, uint32_t index)
{
    bool request = m->env.kind == actor_wire_Kind_REQUEST;
    actor__msg_kind kind = request ? ACTOR__MSG_REQUEST : ACTOR__MSG_CAST;
    actor__worker *w = actor__current_worker(g->sys); /* the holder, else the destroying thread */
    actor__blocks *pool = w != NULL ? &w->pool : NULL;
    actor_oob_frames *frames = NULL;
    actor__msg *msg;

    if (m->n_oob == 0)
        msg = actor__msg_new_in(pool, kind, m->body, m->body_len);
    else if (actor__wire_take_frames(&g->in, m, &frames) == 0)
        msg = actor__msg_new_framed(pool, kind, m->body, m->body_len, frames);
    else
        msg = NULL;
    if (msg == NULL)
        return NULL;
    msg->id = actor__next_id(g->sys);
    msg->priority = m->env.has_priority ? (uint8_t)m->env.priority : method->priority;
    msg->deadline = m->env.has_deadline_ms ? actor__deadline_after(m->env.deadline_ms) : 0;
    msg->type = a->type;
    msg->method = index;
    msg->reply_to.kind = request ? ACTOR__ROUTE_REMOTE : ACTOR__ROUTE_NONE;
    return msg;
}

static void status_of_push(int rc, actor_status *st)
{
    if (rc == ACTOR_EFULL)
        actor_status_set(st, ACTOR_STATUS_REJECTED, 0, "mailbox full");
    else if (rc == ACTOR_ECLOSED)
        actor_status_set(st, ACTOR_STATUS_DIED, 0, "actor is terminating");
    else
        actor_status_set(st, ACTOR_STATUS_INTERNAL, 0, "%s", actor_strerror(rc));
}

/* ================================================ the burst of requests */

/* Whether the burst's actor is the one env targets, by the same name or
 * id (the type, if named, checked by the caller). */
static bool burst_serves(const actor__gateway *g, const actor_wire_Envelope *env)
{
    if (g->burst.a == NULL)
        return false;
    if (env->target != NULL)
        return g->burst_by_name && strcmp(env->target, g->burst_name) == 0;
    return !g->burst_by_name && env->target_id == g->burst.a->ref.id;
}

/* ============================================================ fair shares
 *
 * A full mailbox is shared fairly among the clients (routing ids) whose
 * requests wait in it (docs/PROTOCOL.md section 6): a request that finds
 * it full is still queued when its client holds fewer than its share,
 * the mailbox's bound (both bounds' for `block`: lanes and waiting line)
 * divided by the clients holding some, counting this one; to make room,
 * the newest waiting request of the client holding the most, which is
 * over its share, is answered REJECTED. One client alone may fill the
 * mailbox; nothing is paid unless it is full. */

/* The clients a full mailbox holds requests of, by routing id. */
#define FAIR_PEERS 32
/* Refusals of a client found over its share that skip counting again (a
 * flood's requests would each cost a walk over the mailbox). */
#define FAIR_SKIPS 64u

typedef struct fair_tally {
    actor__gateway *g;
    struct {
        const served_call *c; /* one of the client's requests: its routing id */
        size_t count;
    } peer[FAIR_PEERS];
    size_t n;
} fair_tally;

static bool same_client(const served_call *a, const served_call *b)
{
    return a->id_len == b->id_len && memcmp(a->id, b->id, a->id_len) == 0;
}

/* The record of a queued request from an endpoint, or NULL. */
static const served_call *served_of(actor__gateway *g, const actor__msg *m)
{
    if (m->kind != ACTOR__MSG_REQUEST || m->reply_to.kind != ACTOR__ROUTE_REMOTE)
        return NULL;
    return (const served_call *)(const void *)actor__idmap_find(&g->calls, m->id);
}

static void tally_one(void *arg, const actor__msg *m)
{
    fair_tally *t = arg;
    const served_call *c = served_of(t->g, m);
    size_t i;

    if (c == NULL)
        return;
    for (i = 0; i < t->n && !same_client(t->peer[i].c, c); i++)
        ;
    if (i == t->n && t->n == FAIR_PEERS)
        return; /* beyond the table: not a candidate (so many clients are rare) */
    if (i == t->n)
        t->peer[t->n++].c = c, t->peer[i].count = 0;
    t->peer[i].count++;
}

typedef struct victim_filter {
    actor__gateway *g;
    const served_call *client;
} victim_filter;

static bool from_client(void *arg, const actor__msg *m)
{
    const victim_filter *f = arg;
    const served_call *c = served_of(f->g, m);

    return c != NULL && same_client(c, f->client);
}

/* `msg`, a request from an endpoint that a's full mailbox refused: queued
 * after all (0) when its client is under its share and another client is
 * over it, whose newest waiting request is answered REJECTED instead. */
static int admit_fairly(actor__gateway *g, actor__actor *a, actor__msg *msg)
{
    const served_call *me = served_of(g, msg);
    fair_tally t;
    victim_filter f = {g, NULL};
    size_t mine = 0, heaviest = 0, bound, share;
    actor__msg *victim;

    if (me == NULL || a->mb.overflow == ACTOR_OVERFLOW_DROP_OLDEST ||
        actor__mailbox_too_big(&a->mb, msg))
        return ACTOR_EFULL; /* drop_oldest makes room its own way */
    if (g->fair_skips != 0 && g->fair_actor == a->ref.id && g->fair_id_len == me->id_len &&
        memcmp(g->fair_id, me->id, me->id_len) == 0) {
        g->fair_skips--;
        return ACTOR_EFULL;
    }
    t.g = g;
    t.n = 0;
    actor__queued_each(a, tally_one, &t);
    for (size_t i = 0; i < t.n; i++) {
        if (same_client(t.peer[i].c, me))
            mine = t.peer[i].count;
        if (t.peer[i].count > t.peer[heaviest].count)
            heaviest = i;
    }
    bound = (size_t)a->mb.capacity * (a->mb.overflow == ACTOR_OVERFLOW_BLOCK ? 2 : 1);
    share = bound / (t.n + (mine == 0 ? 1 : 0));
    if (mine + 1 > share && me->id_len <= sizeof g->fair_id) { /* over: remembered */
        g->fair_actor = a->ref.id;
        g->fair_skips = FAIR_SKIPS;
        g->fair_id_len = me->id_len;
        memcpy(g->fair_id, me->id, me->id_len);
    }
    if (t.n == 0 || mine + 1 > share || t.peer[heaviest].count <= share)
        return ACTOR_EFULL;
    f.client = t.peer[heaviest].c;
    victim = actor__queued_take_newest(a, from_client, &f);
    if (victim == NULL)
        return ACTOR_EFULL;
    atomic_fetch_add(&g->fair_rejected, 1);
    actor__refuse(g->sys, victim, ACTOR_STATUS_REJECTED,
                  "mailbox full: this client holds more than its share of it");
    return actor__deliver(g->sys, a, msg, ACTOR__PUSH_WAITLIST);
}

/* A message of the burst that its actor's mailbox refused at the flush:
 * a request is answered with why (unless its fair share gets it in), a
 * cast counted dropped. */
static void burst_refused(void *ctx, actor__msg *msg, int rc)
{
    actor__gateway *g = ctx;
    actor_status st;

    if (msg->kind == ACTOR__MSG_REQUEST && rc == ACTOR_EFULL &&
        admit_fairly(g, g->burst.a, msg) == 0)
        return;
    status_of_push(rc, &st);
    if (msg->kind == ACTOR__MSG_REQUEST) {
        served_call *c = (served_call *)(void *)actor__idmap_remove(&g->calls, msg->id);
        if (c != NULL) /* not queued: no reply can have been handed over for it */
            answer_served(g, c, &st, NULL, 0);
    } else {
        const actor__actor *a = g->burst.a;
        atomic_fetch_add(&g->dropped, 1);
        actor__gateway_dead_letter(g, NULL, g->burst_by_name ? g->burst_name : "",
                                   msg->method < a->type->n_methods
                                       ? a->type->methods[msg->method].name
                                       : "",
                                   st.message, msg->body, msg->len);
    }
    actor__count_add(&g->requests, (uint64_t)-1); /* counted when it joined */
    actor__msg_free(msg);
}

/* The holder: queues the burst's messages on its actor and lets the
 * actor go: at the end of every ZeroMQ message read, so that a name
 * registered anew takes effect from the next one. */
static void burst_end(actor__gateway *g)
{
    if (g->burst.a == NULL)
        return;
    actor__burst_flush(g->sys, &g->burst, ACTOR__PUSH_WAITLIST, burst_refused, g);
    actor__release(g->burst.a);
    g->burst.a = NULL;
    g->burst_shape = 0;
}

/* The actor env targets, from the burst's, else looked up (the burst
 * flushed and started anew for it), of the type env names if any; NULL
 * with *st set. Borrowed: the burst holds the reference. */
static actor__actor *burst_target(actor__gateway *g, const actor_wire_Envelope *env,
                                  actor_status *st)
{
    actor__actor *a;

    if (!burst_serves(g, env)) {
        burst_end(g); /* and forgets its shape */
        if ((a = find_target(g, env, st)) == NULL)
            return NULL;
        g->burst.a = a;
        g->burst_by_name = env->target != NULL;
        if (g->burst_by_name)
            strcpy(g->burst_name, env->target); /* at most ACTOR__WIRE_MAX_NAME bytes (wire.c) */
    }
    a = g->burst.a;
    if (env->type != NULL && strcmp(env->type, a->type->name) != 0) {
        actor_status_set(st, ACTOR_STATUS_NOT_FOUND, 0, "actor is a %s, not a %.64s", a->type->name,
                         env->type);
        return NULL;
    }
    return a;
}

/* Adds msg to the burst for a; for a request, registers its served_call
 * first (the reply may come from another worker as soon as it is queued).
 * On failure *st says why and msg is freed. */
/* Registers the served_call of request msg (before it is queued: the
 * reply may come from another worker at once). On failure *st says why
 * and msg is freed. */
static int register_served(actor__gateway *g, const actor__wire_msg *m, actor__msg *msg,
                           bool packed, actor_status *st)
{
    served_call *c = served_call_new(g, m, msg->id, packed);

    if (c == NULL) {
        actor__msg_free(msg);
        actor_status_set(st, ACTOR_STATUS_INTERNAL, 0, "out of memory");
        return ACTOR_ENOMEM;
    }
    actor__idmap_insert(&g->calls, &c->node);
    return 0;
}

static int deliver(actor__gateway *g, const actor__wire_msg *m, actor__msg *msg, bool packed,
                   actor_status *st)
{
    int rc = msg->kind == ACTOR__MSG_REQUEST ? register_served(g, m, msg, packed, st) : 0;

    if (rc == 0)
        actor__burst_add(&g->burst, msg);
    return rc;
}

/* The burst's actor and the method m calls, looked up and checked unless
 * m has the shape last found valid for the burst; NULL with *st set. */
static actor__actor *burst_method(actor__gateway *g, const actor__wire_msg *m,
                                  const actor_method **method, uint32_t *index, actor_status *st)
{
    bool request = m->env.kind == actor_wire_Kind_REQUEST;
    actor__actor *a;

    if (m->shape != 0 && m->shape == g->burst_shape && g->burst.a != NULL) {
        *method = g->burst_method;
        *index = g->burst_index;
        return g->burst.a;
    }
    if ((a = burst_target(g, &m->env, st)) == NULL)
        return NULL;
    *method = find_method(a->type, &m->env, index);
    if (*method == NULL || ((*method)->kind == ACTOR_METHOD_RPC) != request) {
        actor_status_set(st, ACTOR_STATUS_NOT_FOUND, 0, "%s has no %s %.64s", a->type->name,
                         request ? "rpc" : "cast",
                         m->env.method != NULL ? m->env.method : "of that index");
        return NULL;
    }
    g->burst_shape = m->shape;
    g->burst_method = *method;
    g->burst_index = *index;
    return a;
}

/* A call to a router (a pool): queued at once on the instance it picks
 * (not in the burst, whose messages all go to one actor). 0, or *st. */
static int handle_routed(actor__gateway *g, const actor__wire_msg *m, actor__actor *router,
                         const actor_method *method, uint32_t index, bool packed, actor_status *st)
{
    actor__actor *a = actor__router_pick(router, method, m->body, m->body_len);
    actor__msg *msg;
    int rc = ACTOR_ENOMEM;

    if (a == NULL) {
        actor_status_set(st, ACTOR_STATUS_UNAVAILABLE, 0, "no instance of the pool is live");
        return ACTOR_EUNAVAILABLE;
    }
    msg = build_msg(g, m, a, method, index);
    if (msg == NULL)
        actor_status_set(st, ACTOR_STATUS_INTERNAL, 0, "out of memory");
    else if (msg->kind == ACTOR__MSG_REQUEST && (rc = register_served(g, m, msg, packed, st)) != 0)
        msg = NULL; /* freed */
    else if ((rc = actor__deliver(g->sys, a, msg, ACTOR__PUSH_WAITLIST)) != 0 &&
             (rc != ACTOR_EFULL || (rc = admit_fairly(g, a, msg)) != 0)) {
        if (msg->kind == ACTOR__MSG_REQUEST) /* not queued: answered with *st */
            served_recycle(g, (served_call *)(void *)actor__idmap_remove(&g->calls, msg->id));
        status_of_push(rc, st);
        actor__msg_free(msg);
    }
    if (rc == 0)
        actor__count_add(&g->requests, 1);
    actor__release(a);
    return rc;
}

/* A valid REQUEST or CAST: 0 when it joined the burst, else *st. */
static int handle_call(actor__gateway *g, const actor__wire_msg *m, bool packed, actor_status *st)
{
    const actor_method *method = NULL;
    uint32_t index = 0;
    actor__actor *a = burst_method(g, m, &method, &index, st);
    actor__msg *msg;
    int rc;

    if (a == NULL)
        return ACTOR_ENOTFOUND;
    if (a->router != NULL)
        return handle_routed(g, m, a, method, index, packed, st);
    if (m->env.has_deadline_ms && m->env.deadline_ms == 0) {
        actor_status_set(st, ACTOR_STATUS_TIMEOUT, 0, "deadline passed before the call ran");
        atomic_fetch_add(&a->expired, 1);
        return ACTOR_ETIMEDOUT;
    }
    msg = build_msg(g, m, a, method, index);
    if (msg == NULL) {
        actor_status_set(st, ACTOR_STATUS_INTERNAL, 0, "out of memory");
        rc = ACTOR_ENOMEM;
    } else {
        rc = deliver(g, m, msg, packed, st);
    }
    if (rc == 0)
        actor__count_add(&g->requests, 1);
    return rc;
}

/* The body of a lookup's answer: {1: id, 2: type name}. */
static int write_lookup(msgpack_sbuffer *body, const actor__actor *a)
{
    int rc;

    if ((rc = actor_write_map_header(body, 2)) != 0 ||
        (rc = actor_write_key(body, actor_wire_LookupReply_FIELD_ID)) != 0 ||
        (rc = actor_write_uint64(body, a->ref.id)) != 0 ||
        (rc = actor_write_key(body, actor_wire_LookupReply_FIELD_TYPE)) != 0)
        return rc;
    return actor_write_str(body, a->type->name);
}

/* A CONTROL: answered at once. */
static void handle_control(actor__gateway *g, const actor__wire_msg *m, bool packed)
{
    actor_status st = {ACTOR_STATUS_OK, 0, ""};
    msgpack_sbuffer body;
    actor__actor *a;

    msgpack_sbuffer_init(&body);
    if (strcmp(m->env.method, CONTROL_PING) == 0) {
        actor_write_map_header(&body, 0);
    } else if (strcmp(m->env.method, CONTROL_NAMES) == 0) {
        if (actor__names_write(g, &body) != 0)
            actor_status_set(&st, ACTOR_STATUS_INTERNAL, 0, "out of memory");
    } else if (strcmp(m->env.method, CONTROL_LOOKUP) == 0 && m->env.target == NULL) {
        actor_status_set(&st, ACTOR_STATUS_DECODE, 0, "lookup needs a target name (key 7)");
    } else if (strcmp(m->env.method, CONTROL_LOOKUP) == 0) {
        a = actor__names_acquire(g, m->env.target);
        if (a == NULL)
            actor_status_set(&st, ACTOR_STATUS_NOT_FOUND, 0, "no actor registered as \"%.64s\"",
                             m->env.target);
        else if (write_lookup(&body, a) != 0)
            actor_status_set(&st, ACTOR_STATUS_INTERNAL, 0, "out of memory");
        if (a != NULL)
            actor__release(a);
    } else {
        actor_status_set(&st, ACTOR_STATUS_NOT_FOUND, 0,
                         "no control operation \"%.64s\" (there are ping, lookup and names)",
                         m->env.method);
    }
    respond(g, &m->route, m->env.message_id, &st, body.data, body.size, packed);
    msgpack_sbuffer_destroy(&body);
}

/* A cast received that is not delivered (*st says why): counted dropped,
 * and a dead letter. */
static void drop_cast(actor__gateway *g, const actor__wire_msg *m, const actor_status *st)
{
    atomic_fetch_add(&g->dropped, 1);
    actor__gateway_dead_letter(g, NULL, m->env.target, m->env.method, st->message, m->body,
                               m->body_len);
}

void actor__gateway_dead_letter(actor__gateway *g, const char *endpoint, const char *target,
                                const char *method, const char *reason, const char *body,
                                size_t len)
{
    actor_dead_letter letter = {endpoint,          target != NULL ? target : "",
                                method != NULL ? method : "", reason != NULL ? reason : "",
                                body,              len};
    actor_dead_letter_fn fn;
    void *user;

    atomic_fetch_add(&g->dead_letters, 1);
    pthread_mutex_lock(&g->lock);
    fn = g->dead_letter;
    user = g->dead_letter_user;
    pthread_mutex_unlock(&g->lock);
    if (fn != NULL)
        fn(user, &letter);
}

void actor_on_dead_letter(actor_system *sys, actor_dead_letter_fn fn, void *user)
{
    actor__gateway *g;

    if (sys == NULL || actor__gateway_get(sys, &g) != 0)
        return;
    pthread_mutex_lock(&g->lock);
    g->dead_letter = fn;
    g->dead_letter_user = user;
    pthread_mutex_unlock(&g->lock);
}

/* One message, on its own or from a BATCH (`packed`: then its response
 * may be packed too), validated with verdict v; `closing`: answer
 * requests DIED. */
static void handle_message(actor__gateway *g, const actor__wire_msg *m, actor__wire_verdict v,
                           actor_status *st, bool closing, bool packed)
{
    actor__count_add(&g->received, 1);
    if (v == ACTOR__WIRE_OK && closing && m->env.kind != actor_wire_Kind_CAST) {
        actor_status_set(st, ACTOR_STATUS_DIED, 0, "the actor system is shutting down");
        v = ACTOR__WIRE_ANSWER;
    } else if (v == ACTOR__WIRE_OK && m->env.kind != actor_wire_Kind_CAST &&
               peer_is_slow(g, &m->route)) {
        actor_status_set(st, ACTOR_STATUS_REJECTED, 0,
                         "not run: this client has too many responses unread");
        shed(g, &m->route, m->env.message_id, st);
    } else if (v == ACTOR__WIRE_OK && m->env.kind == actor_wire_Kind_CONTROL) {
        handle_control(g, m, packed);
    } else if (v == ACTOR__WIRE_OK && closing) { /* a cast */
        actor_status_set(st, ACTOR_STATUS_DIED, 0, "the actor system is shutting down");
        v = ACTOR__WIRE_DROP;
    } else if (v == ACTOR__WIRE_OK && handle_call(g, m, packed, st) != 0) {
        v = m->env.kind == actor_wire_Kind_REQUEST ? ACTOR__WIRE_ANSWER : ACTOR__WIRE_DROP;
    }
    if (v == ACTOR__WIRE_ANSWER && !closing && peer_is_slow(g, &m->route))
        shed(g, &m->route, m->env.message_id, st);
    else if (v == ACTOR__WIRE_ANSWER)
        respond(g, &m->route, m->env.message_id, st, NULL, 0, packed);
    else if (v == ACTOR__WIRE_DROP && m->env.kind == actor_wire_Kind_CAST)
        drop_cast(g, m, st);
    else if (v == ACTOR__WIRE_DROP)
        atomic_fetch_add(&g->dropped, 1);
}

/* What handle_packed needs besides each message. */
typedef struct batch_reading {
    actor__gateway *g;
    bool closing;
} batch_reading;

static void handle_packed(void *ctx, const actor__wire_msg *m, actor__wire_verdict v,
                          actor_status *st)
{
    const batch_reading *b = ctx;

    handle_message(b->g, m, v, st, b->closing, true);
}

/* The messages of a BATCH, in order; when the rest of its pairs cannot be
 * read, that is answered once (DECODE, correlation 0) and counted. */
static void handle_batch(actor__gateway *g, const actor__wire_msg *batch, bool closing)
{
    batch_reading b = {g, closing};
    const char *why = actor__wire_batch_each(batch, false, handle_packed, &b);
    actor_status st;

    if (why != NULL) {
        atomic_fetch_add(&g->dropped, 1);
        actor_status_set(&st, ACTOR_STATUS_DECODE, 0, "%s", why);
        if (peer_is_slow(g, &batch->route))
            shed(g, &batch->route, 0, &st);
        else
            respond(g, &batch->route, 0, &st, NULL, 0, true);
    }
}

/* One message read from the router; `closing`: answer requests DIED. */
static void handle_incoming(actor__gateway *g, bool closing)
{
    actor__wire_msg m;
    actor_status st;
    actor__wire_verdict v = actor__wire_parse(&g->in, true, false, &m, &st);

    if (v == ACTOR__WIRE_BATCH) {
        atomic_fetch_add(&g->batches_received, 1);
        handle_batch(g, &m, closing);
    } else
        handle_message(g, &m, v, &st, closing, false);
    burst_end(g);
    actor__wire_msg_fini(&m);
    actor__wire_in_close(&g->in);
}

/* ============================================================== binds */

typedef struct actor__bind_cmd {
    struct actor__bind_cmd *next;
    const char *endpoint;
    const actor_bind_opts *opts;
    char *bound;
    size_t size;
    int rc;
    bool done;
} bind_cmd;

/* Responses libzmq may queue for one client before a send finds it full
 * (EAGAIN) and the client's own waiting queue takes over. Above libzmq's
 * default of 1000 so that a client pipelining a thousand calls, and reading
 * them, is not taken for one that stopped reading. */
#define ROUTER_SEND_HWM 10000

static int open_router(actor__gateway *g)
{
    const int on = 1, linger = CLOSE_LINGER_MS, send_hwm = ROUTER_SEND_HWM;
    const int64_t max_size = ACTOR__WIRE_MAX_FRAME_SIZE;

    if (g->router != NULL)
        return 0;
    g->router = zmq_socket(g->zctx, ZMQ_ROUTER);
    if (g->router == NULL)
        return ACTOR_ESYSTEM;
    atomic_store(&g->open, true);
    if (zmq_setsockopt(g->router, ZMQ_ROUTER_MANDATORY, &on, sizeof on) != 0 ||
        zmq_setsockopt(g->router, ZMQ_MAXMSGSIZE, &max_size, sizeof max_size) != 0 ||
        zmq_setsockopt(g->router, ZMQ_SNDHWM, &send_hwm, sizeof send_hwm) != 0 ||
        zmq_setsockopt(g->router, ZMQ_LINGER, &linger, sizeof linger) != 0)
        return ACTOR_ESYSTEM;
    return 0;
}

/* Sets the router's security for the next bind: CURVE with a domain of
 * its own and the allow-list, or plain. */
static int set_security(actor__gateway *g, const actor_bind_opts *o)
{
    const int off = 0;
    actor_security *s;
    char domain[64];
    int rc;

    if (o == NULL || o->curve_secret_key == NULL) {
        if (zmq_setsockopt(g->router, ZMQ_CURVE_SERVER, &off, sizeof off) != 0)
            return ACTOR_ESYSTEM;
        /* after a CURVE bind the ZAP domain cannot be cleared, so plain
         * endpoints get an open domain of their own */
        if (g->security == NULL)
            return 0;
        if ((rc = domain_new(g, false, domain, sizeof domain)) != 0 ||
            (rc = actor_security_open(g->security, domain)) != 0)
            return rc;
        return zmq_setsockopt(g->router, ZMQ_ZAP_DOMAIN, domain, strlen(domain)) == 0
                   ? 0
                   : ACTOR_ESYSTEM;
    }
    if ((s = security_of(g, &rc)) == NULL || (rc = domain_new(g, true, domain, sizeof domain)) != 0)
        return rc;
    for (size_t i = 0; i < o->n_allowed_client_keys; i++)
        if ((rc = actor_security_allow(s, domain, o->allowed_client_keys[i])) != 0)
            return rc;
    return actor_security_curve_server(s, g->router, domain, o->curve_secret_key);
}

/* Says why a bind failed in cmd->bound: the endpoint and the reason. */
static int bind_failed(bind_cmd *cmd, int rc, const char *reason)
{
    if (cmd->bound != NULL && cmd->size > 0)
        snprintf(cmd->bound, cmd->size, "%s: %s", cmd->endpoint, reason);
    return rc;
}

/* Whether `endpoint` is an ipc path a live server is bound on: libzmq
 * would unlink its socket file and bind anew, silently taking over. A
 * file nobody accepts on (a server that died) is not live. */
static bool ipc_held(const char *endpoint)
{
    const char *path = strncmp(endpoint, "ipc://", 6) == 0 ? endpoint + 6 : NULL;
    struct sockaddr_un addr = {.sun_family = AF_UNIX};
    struct stat st;
    bool live;
    int fd;

    if (path == NULL || path[0] == '@' || strcmp(path, "*") == 0 ||
        strlen(path) >= sizeof addr.sun_path || stat(path, &st) != 0 || !S_ISSOCK(st.st_mode))
        return false;
    memcpy(addr.sun_path, path, strlen(path) + 1);
    fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return false;
    live = connect(fd, (const struct sockaddr *)&addr, sizeof addr) == 0;
    close(fd);
    return live;
}

static int run_bind(actor__gateway *g, bind_cmd *cmd)
{
    size_t len = cmd->size;
    int rc, err;

    if ((rc = open_router(g)) != 0 || (rc = set_security(g, cmd->opts)) != 0)
        return bind_failed(cmd, rc, actor_strerror(rc));
    if (ipc_held(cmd->endpoint))
        return bind_failed(cmd, ACTOR_ESYSTEM, "Address already in use (a running server is "
                                               "bound on this path)");
    if (zmq_bind(g->router, cmd->endpoint) != 0) {
        err = zmq_errno();
        if (err == EINVAL || err == EPROTONOSUPPORT)
            return bind_failed(cmd, ACTOR_EINVAL, err == EINVAL ? "not a valid endpoint"
                                                                : "unknown transport");
        return bind_failed(cmd, ACTOR_ESYSTEM, zmq_strerror(err));
    }
    if (cmd->bound != NULL && cmd->size > 0 &&
        zmq_getsockopt(g->router, ZMQ_LAST_ENDPOINT, cmd->bound, &len) != 0)
        cmd->bound[0] = '\0';
    return 0;
}

static void run_commands(actor__gateway *g)
{
    bind_cmd *cmds;

    pthread_mutex_lock(&g->lock);
    cmds = g->cmds;
    g->cmds = NULL;
    pthread_mutex_unlock(&g->lock);
    while (cmds != NULL) {
        bind_cmd *next = cmds->next;
        int rc = run_bind(g, cmds);
        pthread_mutex_lock(&g->lock);
        cmds->rc = rc;
        cmds->done = true;
        pthread_cond_broadcast(&g->cmd_done);
        pthread_mutex_unlock(&g->lock);
        cmds = next;
    }
}

int actor_system_bind(actor_system *sys, const char *endpoint, const actor_bind_opts *opts,
                      char *bound, size_t size)
{
    actor__gateway *g;
    bind_cmd cmd = {NULL, endpoint, opts, bound, size, 0, false};
    int rc;

    if (sys == NULL || endpoint == NULL)
        return ACTOR_EINVAL;
    if (actor__current_worker(sys) != NULL)
        return ACTOR_ESTATE;
    rc = actor__gateway_open(sys, &g);
    if (rc == 0)
        rc = actor__registry_start(g);
    if (rc != 0)
        return rc;
    pthread_mutex_lock(&g->lock);
    cmd.next = g->cmds;
    g->cmds = &cmd;
    atomic_store(&g->has_work, true);
    pthread_mutex_unlock(&g->lock);
    wake_holder(g);
    pthread_mutex_lock(&g->lock);
    while (!cmd.done)
        pthread_cond_wait(&g->cmd_done, &g->lock);
    pthread_mutex_unlock(&g->lock);
    return cmd.rc;
}

/* ========================================================== the pump */

/* Moves what other threads queued to the holder's own lists. */
static void take_queued(actor__gateway *g, actor__outq *sendq)
{
    actor__outq responses;

    pthread_mutex_lock(&g->lock);
    responses = g->inbox;
    *sendq = g->sendq;
    g->inbox.head = g->inbox.tail = NULL;
    g->sendq.head = g->sendq.tail = NULL;
    atomic_store(&g->has_work, g->cmds != NULL);
    pthread_mutex_unlock(&g->lock);
    while (responses.head != NULL) {
        actor__outgoing *o = actor__outq_pop(&responses);
        if (o->served) {
            answer_handed_over(g, o);
            free(o);
        } else if (g->router != NULL) {
            send_or_keep_record(g, o);
        } else {
            keep(g, o);
        }
    }
}

static void pump_queued(actor__gateway *g)
{
    actor__outq sendq;

    if (!atomic_load(&g->has_work))
        return;
    run_commands(g);
    take_queued(g, &sendq);
    while (sendq.head != NULL)
        actor__remote_send_queued(g, actor__outq_pop(&sendq));
}

/* Reads what the sockets have; how many ZeroMQ messages. */
static size_t read_sockets(actor__gateway *g)
{
    size_t read = g->n_links != 0 ? actor__remote_read(g) : 0;

    if (g->router != NULL) {
        for (int i = 0; i < PUMP_BATCH; i++) {
            if (actor__wire_recv(g->router, ZMQ_DONTWAIT, &g->in) != 0)
                break;
            handle_incoming(g, false);
            read++;
        }
    }
    return read;
}

/* Whether this pump reads the sockets. Asking a ZeroMQ socket that has
 * nothing costs libzmq a poll(2) and a getpid(2) (it checks its command
 * mailbox on every EAGAIN): with the holder pumping after every actor
 * turn, that was a system call every ~10 pipelined requests. So while
 * the holder is busy, a pump that found nothing makes the next
 * QUIET_SKIP busy pumps skip reading: new input waits at most that many
 * more actor turns. An idle pump (and the sleep in zmq_poll) always
 * reads. */
#define QUIET_SKIP 3u

static bool reads_now(actor__gateway *g, bool idle)
{
    if (idle || g->reads_skipped == 0)
        return true;
    g->reads_skipped--;
    return false;
}

/* Packs due go out first (all when `idle`); those that come due while
 * reading at the end. `hold` locked. */
static void pump(actor__gateway *g, bool idle)
{
    actor__packs_pumped(&g->response_packs);
    actor__packs_pumped(&g->call_packs);
    flush_packs(g, idle);
    pump_queued(g);
    if (g->router != NULL)
        flush_waiting(g);
    if (reads_now(g, idle))
        g->reads_skipped = read_sockets(g) != 0 ? 0 : QUIET_SKIP;
    flush_packs(g, false);
}

/* The holder (worker `index`), between actor turns: sends the packs that
 * are due (all when `idle`: it has no actor ready to run), runs bind
 * commands, sends queued messages, reads what the sockets have (without
 * blocking). Returns whether the stall check should watch it (it holds
 * the gateway and a socket exists). */
static bool gateway_pump(void *gw, unsigned index, bool idle)
{
    actor__gateway *g = gw;

    if (!hold_as_holder(g, index))
        return false;
    pump(g, idle);
    hold_release(g);
    return atomic_load_explicit(&g->open, memory_order_relaxed);
}

/* How long the holder may sleep: forever, unless responses wait for room or
 * outstanding requests need sweeping. */
static int wait_timeout(actor__gateway *g)
{
    if (g->waiting.all != NULL)
        return RETRY_MS;
    return g->outstanding.count != 0 ? SWEEP_MS : -1;
}

/* Sleeps in zmq_poll on the sockets and the wake fd, then pumps. `hold`
 * locked all along: a handler on another thread finds it taken and hands
 * over (the wake fd is in the poll). */
static void sleep_on_sockets(actor__gateway *g, int wake_fd)
{
    zmq_pollitem_t stack_items[8], *items = stack_items;
    size_t n = 0, first_link, cap = 2 + 2 * g->n_links;

    if (atomic_load(&g->has_work)) {
        pump(g, true);
        return;
    }
    flush_packs(g, true); /* nothing waits in a pack while the holder sleeps */
    if (cap > sizeof stack_items / sizeof stack_items[0] &&
        (items = malloc(cap * sizeof *items)) == NULL)
        items = stack_items, cap = sizeof stack_items / sizeof stack_items[0];
    items[n++] = (zmq_pollitem_t){NULL, wake_fd, ZMQ_POLLIN, 0};
    if (g->router != NULL)
        items[n++] = (zmq_pollitem_t){g->router, 0, ZMQ_POLLIN, 0};
    first_link = n;
    n += actor__remote_poll_items(g, items + n, cap - n);
    if (zmq_poll(items, (int)n, wait_timeout(g)) > 0 && (items[0].revents & ZMQ_POLLIN)) {
        uint64_t count;
        ssize_t r = read(wake_fd, &count, sizeof count);
        (void)r;
    }
    actor__remote_polled(g, items + first_link, n - first_link);
    if (items != stack_items)
        free(items);
    if (actor_now_ns() >= g->next_sweep) {
        actor__remote_sweep(g);
        g->next_sweep = actor__deadline_after(SWEEP_MS);
    }
    pump(g, true);
}

/* The holder (worker `index`), when it has nothing to do: sleeps until the
 * wake fd or a socket is ready, then pumps. false, without sleeping, when
 * `index` does not hold the gateway (any more). */
static bool gateway_wait(void *gw, unsigned index, int wake_fd)
{
    actor__gateway *g = gw;

    if (!hold_as_holder(g, index))
        return false;
    sleep_on_sockets(g, wake_fd);
    hold_release(g);
    return true;
}

void actor_gateway_stats_get(actor_system *sys, actor_gateway_stats *out)
{
    actor__gateway *g = actor__gateway_of(sys);

    if (g == NULL) { /* nothing has used the transport */
        memset(out, 0, sizeof(*out));
        return;
    }
    out->received = atomic_load(&g->received);
    out->requests = atomic_load(&g->requests);
    out->replies = atomic_load(&g->replies);
    out->errors = atomic_load(&g->errors);
    out->dropped = atomic_load(&g->dropped);
    out->unroutable = atomic_load(&g->unroutable);
    out->deferred = atomic_load(&g->deferred);
    out->slow_rejected = atomic_load(&g->slow_rejected);
    out->slow_dropped = atomic_load(&g->slow_dropped);
    out->slow_replies_dropped = atomic_load(&g->slow_replies_dropped);
    out->waiting_replies = atomic_load(&g->waiting_replies);
    out->waiting_bytes = atomic_load(&g->waiting_bytes);
    out->calls_sent = atomic_load(&g->calls_sent);
    out->send_failed = atomic_load(&g->send_failed);
    out->late_replies = atomic_load(&g->late_replies);
    out->unreachable = atomic_load(&g->unreachable);
    out->dead_letters = atomic_load(&g->dead_letters);
    out->fair_rejected = atomic_load(&g->fair_rejected);
    out->batches_received = atomic_load(&g->batches_received);
    out->batches_sent = atomic_load(&g->batches_sent);
    out->handoffs = atomic_load(&g->handoffs);
}

/* ========================================================== lifecycle */

/* A gateway with no endpoint yet (no sockets, no context): the transport
 * layer's state for sys (actor__transport_ops.make). */
static int gateway_make(actor_system *sys, void **out)
{
    actor__gateway *g = calloc(1, sizeof *g);

    *out = NULL;
    if (g == NULL)
        return ACTOR_ENOMEM;
    if (actor__idmap_init(&g->calls, 64) != 0 || actor__idmap_init(&g->outstanding, 64) != 0) {
        actor__idmap_fini(&g->calls);
        free(g);
        return ACTOR_ENOMEM;
    }
    static atomic_uint_fast64_t serials;

    g->sys = sys;
    g->serial = atomic_fetch_add(&serials, 1) + 1;
    pthread_mutex_init(&g->naming, NULL);
    pthread_mutex_init(&g->lock, NULL);
    pthread_mutex_init(&g->hold, NULL);
    pthread_cond_init(&g->cmd_done, NULL);
    msgpack_sbuffer_init(&g->sb);
    msgpack_sbuffer_init(&g->call_sb);
    actor__packs_init(&g->response_packs, sys->opts.wire_batch);
    actor__packs_init(&g->call_packs, sys->opts.wire_batch);
    *out = g;
    return 0;
}

static bool any_node(actor__idnode *node, void *arg)
{
    (void)node;
    (void)arg;
    return true;
}

static void free_nodes(actor__idmap *m)
{
    actor__idnode *n = actor__idmap_remove_if(m, any_node, NULL);

    while (n != NULL) {
        actor__idnode *next = n->next;
        free(n);
        n = next;
    }
}

/* Requests still unread are answered DIED, casts dropped and counted. */
static void refuse_unread(actor__gateway *g)
{
    while (actor__wire_recv(g->router, ZMQ_DONTWAIT, &g->in) == 0)
        handle_incoming(g, true);
}

/* Sends every response owed, retrying the ones that find no room until
 * they go or SHUTDOWN_FLUSH_MS have passed in all; then counts the rest
 * unroutable. A ROUTER's POLLOUT only says that some peer has room, so
 * this retries on a short sleep rather than on poll. */
static void flush_at_shutdown(actor__gateway *g)
{
    int64_t give_up = actor__deadline_after(SHUTDOWN_FLUSH_MS);

    flush_response_packs(g, true);
    flush_waiting(g);
    while (g->waiting.all != NULL && actor_now_ns() < give_up) {
        zmq_poll(NULL, 0, 1);
        flush_waiting(g);
    }
    drop_waiting(g);
}

static void close_sockets(actor__gateway *g)
{
    actor__outq sendq;

    take_queued(g, &sendq);
    actor__outq_free(&sendq); /* their callers were answered DIED already */
    if (g->router != NULL) {
        refuse_unread(g);
        flush_at_shutdown(g);
        zmq_close(g->router); /* with CLOSE_LINGER_MS */
        g->router = NULL;
    }
    actor__remote_links_close(g);
}

/* After the workers stopped: answers what is still queued on the endpoint
 * DIED, sends every response still owed (waiting up to a few seconds in
 * all for clients that are slow to read), closes the sockets with a linger
 * and frees g (actor__transport_ops.destroy). */
static void gateway_destroy(void *gw)
{
    actor__gateway *g = gw;

    close_sockets(g);
    drop_waiting(g); /* responses handed over after the router closed */
    context_release(g);
    actor__outq_free(&g->inbox);
    free_nodes(&g->calls);
    served_fini(g);
    free_nodes(&g->outstanding);
    actor__remote_outcalls_fini(g);
    actor__idmap_fini(&g->calls);
    actor__idmap_fini(&g->outstanding);
    actor__names_free(g);
    for (size_t i = 0; i < g->n_remotes; i++)
        free(g->remotes[i]);
    for (size_t i = 0; i < g->n_endpoints; i++)
        free(g->endpoints[i]);
    free(g->remotes);
    for (size_t i = 0; i < g->n_retired; i++)
        free(g->retired[i]);
    free(g->endpoints);
    msgpack_sbuffer_destroy(&g->sb);
    msgpack_sbuffer_destroy(&g->call_sb);
    actor__packs_fini(&g->response_packs);
    actor__packs_fini(&g->call_packs); /* calls still packed: their callers were answered DIED */
    pthread_cond_destroy(&g->cmd_done);
    pthread_mutex_destroy(&g->hold);
    pthread_mutex_destroy(&g->lock);
    pthread_mutex_destroy(&g->naming);
    free(g);
}

static const actor__transport_ops gateway_ops = {
    .make = gateway_make,
    .destroy = gateway_destroy,
    .held_by = gateway_held_by,
    .claim = gateway_claim,
    .pump = gateway_pump,
    .wait = gateway_wait,
    .want_handoff = gateway_want_handoff,
    .reply = gateway_reply,
    .call = actor__remote_call,
    .cast = actor__remote_cast,
    .submit = actor__remote_submit,
    .client_fini = actor__client_remote_fini,
    .watch = actor__watchdog_watch,
    .stopping = actor__watchdog_stop,
};

int actor__gateway_open(actor_system *sys, actor__gateway **out)
{
    int rc;

    if (atomic_load(&sys->quit))
        return ACTOR_ECLOSED;
    rc = actor__gateway_get(sys, out);
    if (rc == 0 && actor__gateway_context(*out) == NULL)
        rc = ACTOR_ESYSTEM;
    return rc;
}

int actor__gateway_get(actor_system *sys, actor__gateway **out)
{
    void *t;
    int rc = actor__transport_attach(sys, &gateway_ops, &t);

    *out = t;
    return rc;
}
