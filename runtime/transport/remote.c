/*
 * remote.c - references to actors of other systems (actor_connect) and the
 * calls made on them (docs/RUNTIME.md, docs/PROTOCOL.md sections 1 and 8).
 *
 * A remote ref is an index into the gateway's table of actor__remote
 * records (endpoint + registered name) with the top bit of the id set;
 * local refs never have it (system.c keeps generations below 2^31).
 *
 * Two paths:
 *   - a plain thread's blocking call (actor_call) and cast (actor_cast) go
 *     on a DEALER owned by its actor_client, one per endpoint: send, then
 *     wait on that socket for the response with this call's id until the
 *     deadline (responses to earlier calls that timed out are discarded and
 *     counted). That costs what a raw DEALER/ROUTER round trip costs.
 *   - everything else (actor_call_async, actor_ctx_request, actor_ctx_cast)
 *     goes through the gateway holder's DEALER for the endpoint (gateway.c,
 *     "the holder"): the holder sends directly when the caller runs on it,
 *     other threads queue the encoded message for it. The response, matched by message id in the
 *     holder's `outstanding` table, is routed like a local reply (the
 *     client's pending table, or the calling actor's mailbox), whose own
 *     exactly-once rules then apply; records whose caller has long timed
 *     out are swept.
 *
 * Each DEALER is a link (link.c), which knows whether its connection is
 * up. A plain thread waits for a link that is not up before it sends; the
 * holder keeps what it sends meanwhile in the link's `held` queue and sends
 * it, in order, once the link is up, or fails it (requests UNREACHABLE,
 * casts dead letters) when the attempt fails. A connection lost ends the
 * requests waiting on it UNREACHABLE (docs/RUNTIME.md, "Failure
 * detection").
 */
#include "transport/gateway.h"
#include "transport/link.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <zmq.h>

/* What may wait in one link's held queue; beyond, REJECTED. */
#define HELD_MAX 10000u
/* How long shutdown waits for a connection that casts wait for. */
#define HELD_LINGER_MS 2000
/* Busy reads of the holder between two looks at a link's monitor. */
#define MONITOR_EVERY 16u
/* How long after its deadline an outstanding record is forgotten. */
#define SWEEP_GRACE_MS 1000
/* Responses read per DEALER per pump. */
#define READ_BATCH 64

/* Outcall records the holder keeps for reuse; beyond, freed. */
#define OUTCALLS_KEEP 4096u

/* A request sent through the holder that waits for its response: in the
 * holder's `outstanding` map (only the holder touches it: no lock), or,
 * made by another thread, on its way there with the request. */
typedef struct actor__outcall {
    actor__idnode node; /* by message id */
    actor__route route;
    int64_t expires;
    uint32_t endpoint; /* sent to: actor__endpoint.index */
} outcall;

/* The holder's connection to one endpoint. */
typedef struct actor__peer_link {
    actor__link link;
    actor__outq held;     /* what waits for the connection, in order (records
                             with id, request and endpoint set) */
    size_t n_held;
    unsigned quiet_reads; /* busy reads since the monitor was last read */
    bool events;          /* the holder's sleep saw the monitor readable */
} peer_link;

/* A client's sockets (touched only by its thread). */
typedef struct actor__client_net {
    actor__link **links; /* by endpoint index */
    size_t n_links;
    msgpack_sbuffer sb;
    actor__wire_in in;
} client_net;

bool actor_ref_is_remote(actor_ref ref)
{
    return actor__ref_is_remote(ref);
}

/* ============================================================ connecting */

static bool key_ok(const char *key)
{
    return key != NULL && strlen(key) == ACTOR_CURVE_KEY_LEN;
}

static bool endpoint_matches(const actor__endpoint *ep, const char *address, bool curve,
                             const actor_connect_opts *o)
{
    if (strcmp(ep->address, address) != 0 || ep->curve != curve)
        return false;
    return !curve || (strcmp(ep->server_key, o->curve_server_key) == 0 && o->curve_client != NULL &&
                      strcmp(ep->client.public_key, o->curve_client->public_key) == 0);
}

/* Appends r to g->remotes and publishes the table for remote_of: a full
 * table is copied into a larger one and kept (`retired`) until destroy, as
 * a reader may still be looking at it. g->lock held. */
static int append_remote(actor__gateway *g, actor__remote *r)
{
    if (g->n_remotes == g->cap_remotes) {
        size_t c = g->cap_remotes != 0 ? g->cap_remotes * 2 : 8;
        actor__remote **a =
            g->n_retired < sizeof g->retired / sizeof g->retired[0] ? malloc(c * sizeof *a) : NULL;
        if (a == NULL)
            return ACTOR_ENOMEM;
        if (g->n_remotes != 0)
            memcpy(a, g->remotes, g->n_remotes * sizeof *a);
        if (g->remotes != NULL)
            g->retired[g->n_retired++] = g->remotes;
        g->remotes = a;
        g->cap_remotes = c;
    }
    g->remotes[g->n_remotes++] = r;
    atomic_store_explicit(&g->remotes_ready, g->remotes, memory_order_release);
    atomic_store_explicit(&g->n_remotes_ready, g->n_remotes, memory_order_release);
    return 0;
}

/* Appends p to a pointer array. g->lock held. */
static int append(void ***array, size_t *n, size_t *cap, void *p)
{
    if (*n == *cap) {
        size_t c = *cap != 0 ? *cap * 2 : 8;
        void **a = realloc(*array, c * sizeof *a);
        if (a == NULL)
            return ACTOR_ENOMEM;
        *array = a;
        *cap = c;
    }
    (*array)[(*n)++] = p;
    return 0;
}

static actor__endpoint *endpoint_new(const char *address, bool curve, const actor_connect_opts *o,
                                     uint32_t index)
{
    size_t len = strlen(address);
    actor__endpoint *ep = calloc(1, sizeof *ep + len + 1);

    if (ep == NULL)
        return NULL;
    ep->index = index;
    ep->curve = curve;
    memcpy(ep->address, address, len + 1);
    if (curve) {
        memcpy(ep->server_key, o->curve_server_key, ACTOR_CURVE_KEY_LEN + 1);
        if (o->curve_client != NULL)
            ep->client = *o->curve_client;
        else if (actor_curve_keypair_new(&ep->client) != 0) {
            free(ep);
            return NULL;
        }
    }
    return ep;
}

/* The endpoint record for address/keys, made if new. g->lock held. */
static actor__endpoint *endpoint_for(actor__gateway *g, const char *address,
                                     const actor_connect_opts *o)
{
    bool curve = o != NULL && o->curve_server_key != NULL;
    actor__endpoint *ep;

    for (size_t i = 0; i < g->n_endpoints; i++)
        if (endpoint_matches(g->endpoints[i], address, curve, o))
            return g->endpoints[i];
    ep = endpoint_new(address, curve, o, (uint32_t)g->n_endpoints);
    if (ep != NULL &&
        append((void ***)&g->endpoints, &g->n_endpoints, &g->cap_endpoints, ep) != 0) {
        free(ep);
        ep = NULL;
    }
    return ep;
}

/* The index of the remote record for ep/name, made if new; -1: no memory.
 * g->lock held. */
static long remote_for(actor__gateway *g, const actor__endpoint *ep, const char *name)
{
    size_t len = strlen(name);
    actor__remote *r;

    for (size_t i = 0; i < g->n_remotes; i++)
        if (g->remotes[i]->endpoint == ep && strcmp(g->remotes[i]->name, name) == 0)
            return (long)i;
    r = malloc(sizeof *r + len + 1);
    if (r == NULL)
        return -1;
    r->endpoint = ep;
    memcpy(r->name, name, len + 1);
    if (append_remote(g, r) != 0) {
        free(r);
        return -1;
    }
    return (long)g->n_remotes - 1;
}

static bool connect_args_ok(const char *endpoint, const char *name, const actor_connect_opts *o)
{
    size_t len = name != NULL ? strlen(name) : 0;

    if (endpoint == NULL || strstr(endpoint, "://") == NULL || len == 0 ||
        len > ACTOR__WIRE_MAX_NAME)
        return false;
    if (o == NULL || o->curve_server_key == NULL)
        return true;
    return key_ok(o->curve_server_key) &&
           (o->curve_client == NULL ||
            (key_ok(o->curve_client->public_key) && key_ok(o->curve_client->secret_key)));
}

int actor_connect(actor_system *sys, const char *endpoint, const char *name,
                  const actor_connect_opts *opts, actor_ref *out)
{
    actor__gateway *g;
    actor__endpoint *ep;
    long index = -1;
    int rc;

    if (sys == NULL || out == NULL || !connect_args_ok(endpoint, name, opts))
        return ACTOR_EINVAL;
    rc = actor__gateway_open(sys, &g);
    if (rc != 0)
        return rc;
    pthread_mutex_lock(&g->lock);
    ep = endpoint_for(g, endpoint, opts);
    if (ep != NULL)
        index = remote_for(g, ep, name);
    pthread_mutex_unlock(&g->lock);
    if (index < 0)
        return ACTOR_ENOMEM;
    out->id = ACTOR__REMOTE_BIT | ((uint64_t)index + 1);
    return 0;
}

/* The record `to` names, or NULL. Without a lock: a table read after its
 * count holds at least that many records (append_remote). */
static const actor__remote *remote_of(actor_system *sys, actor_ref to)
{
    actor__gateway *g = actor__gateway_of(sys);
    uint64_t index = (to.id & ~ACTOR__REMOTE_BIT) - 1;

    if (g == NULL || !actor__ref_is_remote(to) ||
        index >= atomic_load_explicit(&g->n_remotes_ready, memory_order_acquire))
        return NULL;
    return atomic_load_explicit(&g->remotes_ready, memory_order_acquire)[index];
}

int actor__remote_registry(actor_system *sys, actor_ref to, actor_ref *registry, char *name,
                           size_t size)
{
    const actor__remote *r = remote_of(sys, to);
    const actor__endpoint *ep;
    actor_connect_opts opts = {0};

    if (r == NULL)
        return ACTOR_ENOTFOUND;
    ep = r->endpoint;
    if (ep->curve) {
        opts.curve_server_key = ep->server_key;
        opts.curve_client = &ep->client;
    }
    if ((size_t)snprintf(name, size, "%s", r->name) >= size)
        return ACTOR_EINVAL;
    return actor_connect(sys, ep->address, ACTOR_SERVICE_NAMESPACE "/" ACTOR_REGISTRY_NAME, &opts,
                         registry);
}

/* ============================================================== sockets */

/* Opens l to ep, with a monitor name unique in the gateway's context. */
static int link_open(actor__gateway *g, actor__link *l, const actor__endpoint *ep)
{
    char tag[48];

    snprintf(tag, sizeof tag, "%llu-%llu", (unsigned long long)g->serial,
             (unsigned long long)atomic_fetch_add(&g->next_link, 1));
    return actor__link_open(l, actor__gateway_context(g), ep, tag, g->sys->opts.peer_timeout_ms);
}

/* Makes room for index `index` in a pointer array of *n entries. */
static int grow_to(void ***array, size_t *n, uint32_t index)
{
    size_t want = (size_t)index + 1;
    void **a;

    if (index < *n)
        return 0;
    a = realloc(*array, want * sizeof *a);
    if (a == NULL)
        return ACTOR_ENOMEM;
    memset(a + *n, 0, (want - *n) * sizeof *a);
    *array = a;
    *n = want;
    return 0;
}

/* ============================================================= encoding */

/* Appends the envelope of a call to sb: the target by name, the method by
 * name with its type (by index when the caller has no type). */
static int encode_call(msgpack_sbuffer *sb, const actor__remote *r, const actor_method_ref *m,
                       bool request, const actor_call_opts *opts, uint64_t id, uint32_t timeout_ms)
{
    actor__wire_header h =
        actor__wire_header_make(request ? actor_wire_Kind_REQUEST : actor_wire_Kind_CAST, id);

    if (opts != NULL && (opts->priority < ACTOR_PRIORITY_DEFAULT || opts->priority > 255))
        return ACTOR_EINVAL;
    h.target = r->name;
    if (m->type != NULL) {
        if (m->method >= m->type->n_methods)
            return ACTOR_ENOTFOUND;
        h.method = m->type->methods[m->method].name;
        h.type = m->type->name;
    } else {
        h.has_method_index = true;
        h.method_index = m->method;
    }
    if (opts != NULL)
        h.priority = opts->priority;
    h.has_deadline = true;
    h.deadline_ms = timeout_ms;
    return actor__wire_encode(sb, &h);
}

/* A call's envelope differs from the last one's to the same remote, method,
 * kind, priority and timeout in its message id only: each thread keeps the
 * bytes around the id of its last call and splices the next id in, rather
 * than encoding (and checking) the names again. */
#define CACHED_HEAD_MAX 16u
#define CACHED_TAIL_MAX 512u
/* The longest envelope call_envelope makes: head, id, tail. */
#define CACHED_ENVELOPE_MAX (CACHED_HEAD_MAX + 9u + CACHED_TAIL_MAX)
/* call_envelope: too long to keep, encode_call it. */
#define NOT_CACHED 1

typedef struct envelope_cache {
    bool valid, request;
    uint64_t serial; /* the gateway's (actor__gateway.serial) */
    const actor__remote *r;
    const actor_type *type;
    uint32_t method, timeout;
    int priority;
    size_t head_len, tail_len; /* the bytes before and after the id's value */
    char head[CACHED_HEAD_MAX];
    char tail[CACHED_TAIL_MAX];
} envelope_cache;

static _Thread_local envelope_cache last_call;

static bool cache_matches(const envelope_cache *c, const actor__gateway *g, const actor__remote *r,
                          const actor_method_ref *m, bool request, int priority, uint32_t timeout)
{
    return c->valid && c->serial == g->serial && c->r == r && c->type == m->type &&
           c->method == m->method && c->request == request && c->priority == priority &&
           c->timeout == timeout;
}

/* Encodes the call with the id UINT64_MAX (always the nine bytes cf ff..ff,
 * which nothing before the id can hold) and keeps what surrounds it. 0,
 * NOT_CACHED (too long) or encode_call's error. */
static int cache_fill(envelope_cache *c, const actor__gateway *g, const actor__remote *r,
                      const actor_method_ref *m, bool request, const actor_call_opts *opts,
                      uint32_t timeout)
{
    static const char marker[9] = {(char)0xcf, (char)0xff, (char)0xff, (char)0xff, (char)0xff,
                                   (char)0xff, (char)0xff, (char)0xff, (char)0xff};
    msgpack_sbuffer sb;
    const char *at;
    int rc;

    c->valid = false;
    msgpack_sbuffer_init(&sb);
    rc = encode_call(&sb, r, m, request, opts, UINT64_MAX, timeout);
    at = NULL;
    for (size_t i = 0;
         rc == 0 && at == NULL && i <= CACHED_HEAD_MAX && i + sizeof marker <= sb.size; i++)
        if (memcmp(sb.data + i, marker, sizeof marker) == 0)
            at = sb.data + i;
    if (rc == 0 && (at == NULL || (size_t)(at - sb.data) > CACHED_HEAD_MAX ||
                    sb.size - (size_t)(at - sb.data) - sizeof marker > CACHED_TAIL_MAX))
        rc = NOT_CACHED;
    if (rc == 0) {
        c->head_len = (size_t)(at - sb.data);
        c->tail_len = sb.size - c->head_len - sizeof marker;
        memcpy(c->head, sb.data, c->head_len);
        memcpy(c->tail, at + sizeof marker, c->tail_len);
        c->serial = g->serial;
        c->r = r;
        c->type = m->type;
        c->method = m->method;
        c->request = request;
        c->priority = opts != NULL ? opts->priority : ACTOR_PRIORITY_DEFAULT;
        c->timeout = timeout;
        c->valid = true;
    }
    msgpack_sbuffer_destroy(&sb);
    return rc;
}

/* The envelope of a call into out[CACHED_ENVELOPE_MAX] (*len bytes), from
 * this thread's cache. 0, NOT_CACHED (encode_call it instead) or
 * encode_call's error. */
static int call_envelope(const actor__gateway *g, const actor__remote *r, const actor_method_ref *m,
                         bool request, const actor_call_opts *opts, uint64_t id, uint32_t timeout,
                         char *out, size_t *len)
{
    envelope_cache *c = &last_call;
    int priority = opts != NULL ? opts->priority : ACTOR_PRIORITY_DEFAULT;
    msgpack_sbuffer id_sb = {0, out, CACHED_ENVELOPE_MAX}; /* room enough: never grows */

    if (!cache_matches(c, g, r, m, request, priority, timeout)) {
        int rc = cache_fill(c, g, r, m, request, opts, timeout);
        if (rc != 0)
            return rc;
    }
    memcpy(out, c->head, c->head_len);
    id_sb.size = c->head_len;
    actor_write_uint64(&id_sb, id);
    memcpy(out + id_sb.size, c->tail, c->tail_len);
    *len = id_sb.size + c->tail_len;
    return 0;
}

/* ========================================================= a client's path */

static client_net *client_net_of(actor_client *c)
{
    if (c->net == NULL) {
        c->net = calloc(1, sizeof *c->net);
        if (c->net != NULL)
            msgpack_sbuffer_init(&c->net->sb);
    }
    return c->net;
}

void actor__client_remote_fini(actor_client *c)
{
    client_net *net = c->net;

    if (net == NULL)
        return;
    for (size_t i = 0; i < net->n_links; i++)
        if (net->links[i] != NULL) {
            actor__link_close(net->links[i], true);
            free(net->links[i]);
        }
    free(net->links);
    msgpack_sbuffer_destroy(&net->sb);
    free(net);
    c->net = NULL;
}

/* Milliseconds from now to `deadline`, rounded up; 0 when passed. */
static long ms_until(int64_t deadline)
{
    int64_t left = deadline - actor_now_ns();

    return left <= 0 ? 0 : (long)((left + 999999) / 1000000);
}

/* The client's link to ep, opened on first use; NULL on failure. */
static actor__link *client_link(actor_client *c, client_net *net, const actor__endpoint *ep)
{
    actor__link *l;

    if (grow_to((void ***)&net->links, &net->n_links, ep->index) != 0)
        return NULL;
    if (net->links[ep->index] != NULL)
        return net->links[ep->index];
    l = malloc(sizeof *l);
    if (l == NULL || link_open(actor__gateway_of(c->sys), l, ep) != 0) {
        free(l);
        return NULL;
    }
    return net->links[ep->index] = l;
}

/* Waits until l is up, trying again first if it is down: 0,
 * ACTOR_EUNREACHABLE (l->why says why) or ACTOR_ETIMEDOUT (the deadline
 * came first). */
static int link_ready(actor__link *l, int64_t deadline)
{
    if (l->state != ACTOR__LINK_UP)
        actor__link_update(l);
    if (l->state == ACTOR__LINK_DOWN)
        actor__link_redial(l);
    while (l->state == ACTOR__LINK_CONNECTING) {
        long left = ms_until(deadline);
        if (left == 0)
            return ACTOR_ETIMEDOUT;
        actor__link_wait(l, left);
        actor__link_update(l);
    }
    return l->state == ACTOR__LINK_UP ? 0 : ACTOR_EUNREACHABLE;
}

/* A call's body as it goes out: as it is, or split (its large bins out of
 * band, sent over `blob` when the body's memory could be taken over). */
typedef struct outgoing_body {
    const char *data;
    size_t len;
    actor__oob_split split;
    actor__wire_blob *blob;
} outgoing_body;

/* Splits body[len] when it holds bins of at least the system's
 * oob_threshold, adding their description to the envelope in sb
 * (docs/PROTOCOL.md, "Large payloads"); without memory to, it goes inline.
 * Release *out with outgoing_body_fini whatever this returns: 0,
 * or ACTOR_ENOMEM when the stubs' buffer was taken over but could not be
 * wrapped (then it is freed and nothing may be sent). */
static int outgoing_body_make(actor_system *sys, const char *body, size_t len,
                              msgpack_sbuffer *sb, outgoing_body *out)
{
    char *owned;

    out->data = body;
    out->len = len;
    out->blob = NULL;
    if (actor__oob_split_body(body, len, sys->opts.oob_threshold, &out->split) != 0 ||
        out->split.n == 0)
        return 0;
    if (actor__wire_describe_oob(sb, 0, &out->split) != 0) {
        actor__oob_split_fini(&out->split); /* inline after all */
        return 0;
    }
    owned = actor__encode_buffer_take(body); /* the stubs' buffer: sent without a copy */
    if (owned != NULL && (out->blob = actor__wire_blob_new(owned)) == NULL)
        return ACTOR_ENOMEM;
    return 0;
}

static void outgoing_body_fini(outgoing_body *b)
{
    actor__wire_blob_unref(b->blob);
    actor__oob_split_fini(&b->split);
}

/* Sends [envelope, body] on a client's link once it is up, waiting for room
 * until the deadline. 0, ACTOR_EFULL (no room by then), ACTOR_EUNREACHABLE,
 * ACTOR_ETIMEDOUT (not connected by then) or another send error. */
static int send_by(actor__link *l, const char *env, size_t env_len, const outgoing_body *body,
                   int64_t deadline)
{
    for (;;) {
        int rc = link_ready(l, deadline);
        zmq_pollitem_t items[2] = {{l->dealer, 0, ZMQ_POLLOUT, 0},
                                   {NULL, l->monitor_fd, ZMQ_POLLIN, 0}};
        long left;

        if (rc == 0 && body->split.n > 0)
            rc = actor__wire_send_split(l->dealer, NULL, env, env_len, &body->split, body->data,
                                        body->blob);
        else if (rc == 0)
            rc = actor__wire_send(l->dealer, NULL, env, env_len, body->data, body->len);
        if (rc != ACTOR_EFULL)
            return rc;
        actor__link_update(l); /* no connection to send on any more? */
        if (l->state != ACTOR__LINK_UP)
            continue;
        if ((left = ms_until(deadline)) == 0)
            return rc;
        zmq_poll(items, 2, left);
    }
}

/* Sends the call whose envelope prepare left in c->net->sb, with `body`,
 * on l (send_by), its large bins out of band; *split (may be NULL) says
 * whether it had any. */
static int send_call(actor_client *c, actor__link *l, const char *body, size_t len,
                     int64_t deadline, bool *split)
{
    outgoing_body out;
    int rc = outgoing_body_make(c->sys, body, len, &c->net->sb, &out);

    if (rc == 0)
        rc = send_by(l, c->net->sb.data, c->net->sb.size, &out, deadline);
    if (split != NULL)
        *split = out.split.n > 0;
    outgoing_body_fini(&out);
    return rc;
}

/* The client's link for `to` and the call's envelope in net->sb. */
static int prepare(actor_client *c, actor_ref to, const actor_method_ref *m, bool request,
                   const actor_call_opts *opts, uint64_t id, uint32_t timeout, actor__link **link)
{
    const actor__remote *r = remote_of(c->sys, to);
    client_net *net;

    if (r == NULL)
        return ACTOR_ENOTFOUND;
    net = client_net_of(c);
    if (net == NULL)
        return ACTOR_ENOMEM;
    net->sb.size = 0;
    *link = client_link(c, net, r->endpoint);
    if (*link == NULL)
        return ACTOR_ESYSTEM;
    return encode_call(&net->sb, r, m, request, opts, id, timeout);
}

/* The body of an OK response m (from `in`) with its out-of-band frames
 * inline, appended to `out`: the callers on this side keep no frames. A
 * body whose references do not match its frames turns st into DECODE. */
static void reply_into(const actor__wire_in *in, const actor__wire_msg *m, msgpack_sbuffer *out,
                       actor_status *st)
{
    const char *why = NULL;
    int rc = ACTOR_ENOMEM;

    if (m->n_oob > 0)
        rc = actor__wire_join_body(in, m, out, &why);
    else if (msgpack_sbuffer_write(out, m->body, m->body_len) == 0)
        rc = 0;

    if (rc == ACTOR_EMALFORMED)
        actor_status_set(st, ACTOR_STATUS_DECODE, 0, "bad response: %s", why);
    else if (rc != 0)
        actor_status_set(st, ACTOR_STATUS_INTERNAL, 0, "out of memory for the reply");
}

/* The body of an OK response m as the holder routes it: its own bytes, or
 * with out-of-band frames, joined into *joined (reply_into). */
static void response_body(const actor__wire_in *in, const actor__wire_msg *m,
                          msgpack_sbuffer *joined, const char **body, size_t *len, actor_status *st)
{
    if (m->n_oob == 0) {
        *body = m->body;
        *len = m->body_len;
        return;
    }
    reply_into(in, m, joined, st);
    if (st->category == ACTOR_STATUS_OK) {
        *body = joined->data;
        *len = joined->size;
    }
}

#define DISCARDED 2 /* take_response read a response to something else */

/* Reads the response to call `id`: 0, DISCARDED when another one was read
 * (and counted), ACTOR__WIRE_AGAIN when nothing was there or on an error. */
static int take_response(actor_system *sys, client_net *net, void *s, uint64_t id, actor_status *st,
                         msgpack_sbuffer *reply)
{
    actor__wire_msg m;
    actor_status why;
    int rc = actor__wire_recv(s, ZMQ_DONTWAIT, &net->in);

    if (rc != 0)
        return ACTOR__WIRE_AGAIN;
    if (actor__wire_parse(&net->in, false, true, &m, &why) != ACTOR__WIRE_OK) {
        atomic_fetch_add(&actor__gateway_of(sys)->dropped, 1);
        rc = DISCARDED;
    } else if (m.env.correlation_id != id) {
        atomic_fetch_add(&actor__gateway_of(sys)->late_replies, 1);
        rc = DISCARDED;
    } else {
        actor__wire_status_of(&m.env, st);
        if (st->category == ACTOR_STATUS_OK && reply != NULL)
            reply_into(&net->in, &m, reply, st);
    }
    actor__wire_msg_fini(&m);
    actor__wire_in_close(&net->in);
    return rc;
}

/* Reads until the response to `id` comes, the connection it went on is
 * lost (UNREACHABLE, once what arrived before is read) or the deadline
 * passes: first without blocking until the spin ends
 * (actor_system_opts.call_spin_us; a response then needs no wake-up of
 * this thread) when `spin`, then in zmq_poll on the socket and its
 * monitor. */
static void wait_response(actor_system *sys, client_net *net, actor__link *l, uint64_t id,
                          bool spin, int64_t deadline, actor_status *st, msgpack_sbuffer *reply)
{
    int64_t spin_until = spin ? actor__spin_until(sys) : 0;
    bool lost = false;

    while (actor_now_ns() < spin_until) {
        int rc = take_response(sys, net, l->dealer, id, st, reply);
        if (rc == 0)
            return;
        if (rc != DISCARDED)
            actor__spin_pause();
    }
    for (;;) {
        zmq_pollitem_t items[2] = {{l->dealer, 0, ZMQ_POLLIN, 0},
                                   {NULL, l->monitor_fd, ZMQ_POLLIN, 0}};
        int rc = take_response(sys, net, l->dealer, id, st, reply);
        long left;

        if (rc == 0)
            return;
        if (rc == DISCARDED)
            continue;
        if (lost) {
            atomic_fetch_add(&actor__gateway_of(sys)->unreachable, 1);
            actor_status_set(st, ACTOR_STATUS_UNREACHABLE, ACTOR_UNREACHABLE_MAY_HAVE_RUN, "%s",
                             l->why);
            return;
        }
        left = ms_until(deadline);
        if (left == 0)
            break;
        zmq_poll(items, 2, left);
        if ((items[1].revents & ZMQ_POLLIN) && (actor__link_update(l) & ACTOR__LINK_LOST))
            lost = true; /* read once more, then fail */
    }
    actor_status_set(st, ACTOR_STATUS_TIMEOUT, 0, "no reply within the deadline");
}

static void status_not_sent(actor_status *st, int rc)
{
    if (rc == ACTOR_ENOTFOUND)
        actor_status_set(st, ACTOR_STATUS_NOT_FOUND, 0, "no such remote actor or method");
    else
        actor_status_set(st, ACTOR_STATUS_INTERNAL, 0, "%s", actor_strerror(rc));
}

int actor__remote_call(actor_client *c, actor_ref to, const actor_method_ref *m, const char *body,
                       size_t len, const actor_call_opts *opts, actor_status *st,
                       msgpack_sbuffer *reply)
{
    actor_system *sys = c->sys;
    actor__gateway *g = actor__gateway_of(sys);
    uint32_t timeout = actor__call_timeout(sys, m, opts);
    int64_t deadline = actor__deadline_after(timeout);
    uint64_t id = actor__next_id(sys);
    actor__link *l = NULL;
    bool split = false;
    int rc = prepare(c, to, m, true, opts, id, timeout, &l);

    if (rc == 0)
        rc = send_call(c, l, body, len, deadline, &split);
    switch (rc) {
    case 0:
        atomic_fetch_add(&g->calls_sent, 1);
        /* A request with frames takes as long to arrive as its bytes take:
         * no spin, which on few CPUs would take one from libzmq's threads
         * moving them (docs/RUNTIME.md, "Large payloads"). */
        wait_response(sys, c->net, l, id, !split, deadline, st, reply);
        return 0;
    case ACTOR_EFULL:
        atomic_fetch_add(&g->send_failed, 1);
        actor_status_set(st, ACTOR_STATUS_TIMEOUT, 0, "could not send before the deadline");
        return 0;
    case ACTOR_ETIMEDOUT:
        actor_status_set(st, ACTOR_STATUS_TIMEOUT, 0, "not connected before the deadline");
        return 0;
    case ACTOR_EUNREACHABLE:
        atomic_fetch_add(&g->unreachable, 1);
        actor_status_set(st, ACTOR_STATUS_UNREACHABLE, ACTOR_UNREACHABLE_NOT_SENT, "%s", l->why);
        return 0;
    default:
        status_not_sent(st, rc);
        return rc;
    }
}

int actor__remote_cast(actor_client *c, actor_ref to, const actor_method_ref *m, const char *body,
                       size_t len, const actor_call_opts *opts)
{
    actor_system *sys = c->sys;
    actor__gateway *g = actor__gateway_of(sys);
    uint32_t timeout = actor__call_timeout(sys, m, opts);
    actor__link *l = NULL;
    int rc = prepare(c, to, m, false, opts, actor__next_id(sys), timeout, &l);

    if (rc == 0)
        rc = send_call(c, l, body, len, actor__deadline_after(timeout), NULL);
    atomic_fetch_add(rc == 0 ? &g->calls_sent : &g->send_failed, 1);
    if (rc == ACTOR_EUNREACHABLE)
        atomic_fetch_add(&g->unreachable, 1);
    return rc;
}

/* ====================================================== the holder's path */

/* The holder: the outstanding request `id`, taken out of the map. */
static outcall *take_outcall(actor__gateway *g, uint64_t id)
{
    return (outcall *)(void *)actor__idmap_remove(&g->outstanding, id);
}

/* The holder: a record done with, kept for reuse or freed. */
static void outcall_recycle(actor__gateway *g, outcall *oc)
{
    if (oc == NULL)
        return;
    if (g->n_free_outcalls >= OUTCALLS_KEEP) {
        free(oc);
        return;
    }
    oc->node.next = g->free_outcalls != NULL ? &g->free_outcalls->node : NULL;
    g->free_outcalls = oc;
    g->n_free_outcalls++;
}

/* The holder: a record, reused or malloc'd; NULL: out of memory. */
static outcall *outcall_alloc(actor__gateway *g)
{
    outcall *oc = g->free_outcalls;

    if (oc == NULL)
        return malloc(sizeof *oc);
    g->free_outcalls = (outcall *)(void *)oc->node.next;
    g->n_free_outcalls--;
    return oc;
}

void actor__remote_outcalls_fini(actor__gateway *g)
{
    while (g->free_outcalls != NULL) {
        outcall *oc = g->free_outcalls;
        g->free_outcalls = (outcall *)(void *)oc->node.next;
        free(oc);
    }
    g->n_free_outcalls = 0;
}

/* The holder: the link to endpoint `index`, opened on first use; NULL on
 * failure. */
static peer_link *peer_link_of(actor__gateway *g, uint32_t index)
{
    const actor__endpoint *ep = NULL;
    peer_link *pl;

    if (index < g->n_links && g->links[index] != NULL)
        return g->links[index];
    pthread_mutex_lock(&g->lock);
    if (index < g->n_endpoints)
        ep = g->endpoints[index];
    pthread_mutex_unlock(&g->lock);
    if (ep == NULL || grow_to((void ***)&g->links, &g->n_links, index) != 0)
        return NULL;
    pl = calloc(1, sizeof *pl);
    if (pl == NULL || link_open(g, &pl->link, ep) != 0) {
        free(pl);
        return NULL;
    }
    g->links[index] = pl;
    atomic_store_explicit(&g->open, true, memory_order_relaxed);
    return pl;
}

/* The holder: a request that could not be sent (rc) is answered through
 * its route: REJECTED (the queue to the peer is full), UNREACHABLE (why) or
 * INTERNAL. */
static void fail_outcall(actor__gateway *g, uint64_t id, int rc, const char *why)
{
    outcall *oc = take_outcall(g, id);
    actor_status st;

    if (oc == NULL)
        return;
    if (rc == ACTOR_EFULL) {
        actor_status_set(&st, ACTOR_STATUS_REJECTED, 0, "the queue to the peer is full");
    } else if (rc == ACTOR_EUNREACHABLE) {
        atomic_fetch_add(&g->unreachable, 1);
        actor_status_set(&st, ACTOR_STATUS_UNREACHABLE, ACTOR_UNREACHABLE_NOT_SENT, "%s",
                         why != NULL && why[0] != '\0' ? why : "the peer is unreachable");
    } else {
        actor_status_set(&st, ACTOR_STATUS_INTERNAL, 0, "cannot send: %s", actor_strerror(rc));
    }
    actor__route_reply(g->sys, &oc->route, oc->node.id, &st, NULL, 0);
    outcall_recycle(g, oc);
}

/* The holder: a cast that could not be sent to pl's endpoint (rc; pl NULL:
 * its socket could not be opened), a dead letter. */
static void dead_cast(actor__gateway *g, const peer_link *pl, const char *env, size_t env_len,
                      const char *body, size_t body_len, int rc)
{
    static const actor__wire_route no_route = {NULL, 0, false};
    actor__wire_msg m;
    actor_status st;
    bool ok = actor__wire_parse_item(env, env_len, body, body_len, &no_route, false, &m, &st) ==
              ACTOR__WIRE_OK;
    const char *why = actor_strerror(rc);

    if (rc == ACTOR_EUNREACHABLE && pl != NULL && pl->link.why[0] != '\0')
        why = pl->link.why;
    else if (rc == ACTOR_EFULL)
        why = "the queue to the peer is full";
    if (rc == ACTOR_EUNREACHABLE)
        atomic_fetch_add(&g->unreachable, 1);
    actor__gateway_dead_letter(g, pl != NULL ? pl->link.ep->address : "",
                               ok && m.env.target ? m.env.target : "",
                               ok && m.env.method ? m.env.method : "", why, body, body_len);
    actor__wire_msg_fini(&m);
}

/* The holder: a held or packed message that will not be sent (rc; pl may
 * be NULL). */
static void fail_unsent(actor__gateway *g, const peer_link *pl, const char *env, size_t env_len,
                        const char *body, size_t body_len, int rc)
{
    uint64_t id;
    actor_wire_Kind kind;

    if (!actor__wire_peek(env, env_len, &id, &kind))
        return;
    if (kind == actor_wire_Kind_REQUEST)
        fail_outcall(g, id, rc, pl != NULL ? pl->link.why : NULL);
    else
        dead_cast(g, pl, env, env_len, body, body_len, rc);
}

/* The holder: keeps a copy of env and body in pl's held queue until its
 * connection is up and has room (a link found down tries again now). 0, or
 * ACTOR_EUNREACHABLE (it cannot even try), ACTOR_EFULL (too much waits),
 * ACTOR_ENOMEM. */
static int hold(peer_link *pl, uint32_t index, const char *env, size_t env_len, const char *body,
                size_t body_len)
{
    actor_wire_Kind kind = actor_wire_Kind_CAST;
    actor__outgoing *o;

    if (pl->link.state == ACTOR__LINK_DOWN)
        actor__link_redial(&pl->link);
    if (pl->link.state == ACTOR__LINK_DOWN)
        return ACTOR_EUNREACHABLE;
    if (pl->n_held >= HELD_MAX)
        return ACTOR_EFULL;
    if ((o = actor__outgoing_new(0, env_len, body_len)) == NULL)
        return ACTOR_ENOMEM;
    actor__wire_peek(env, env_len, &o->id, &kind);
    o->request = kind == actor_wire_Kind_REQUEST;
    o->endpoint = index;
    memcpy(o->data, env, env_len);
    if (body_len != 0)
        memcpy(o->data + env_len, body, body_len);
    actor__outq_push(&pl->held, o);
    pl->n_held++;
    return 0;
}

static void link_changed(actor__gateway *g, uint32_t index, peer_link *pl, unsigned what,
                         uint64_t keep_id);

/* The holder: sends the calls packed for one endpoint as one BATCH; when that
 * fails, each request in it is answered (fail_outcall) and each cast is a
 * dead letter. */
static void flush_pack(actor__gateway *g, actor__pack *p)
{
    uint32_t index;
    peer_link *pl;
    int rc;

    memcpy(&index, p->key, sizeof index);
    pl = peer_link_of(g, index);
    rc = pl != NULL ? actor__wire_send_packed(pl->link.dealer, NULL, p->pairs.data, p->pairs.size,
                                              p->count)
                    : ACTOR_ESYSTEM;
    if (rc == ACTOR_EFULL) /* as in send_to_endpoint: each is held */
        link_changed(g, index, pl, actor__link_update(&pl->link), 0);
    if (rc == 0) {
        atomic_fetch_add(&g->calls_sent, p->count);
        if (p->count > 1)
            atomic_fetch_add(&g->batches_sent, 1);
    } else {
        actor__wire_items it = {p->pairs.data, p->pairs.data + p->pairs.size, 0};
        const char *env, *body, *why;
        size_t env_len, body_len;
        while (actor__wire_items_next(&it, &env, &env_len, &body, &body_len, &why) == 1) {
            int held = rc == ACTOR_EFULL ? hold(pl, index, env, env_len, body, body_len) : rc;
            if (held != 0) {
                atomic_fetch_add(&g->send_failed, 1);
                fail_unsent(g, pl, env, env_len, body, body_len, held);
            }
        }
    }
    actor__pack_clear(p);
}

void actor__remote_flush(actor__gateway *g, bool idle)
{
    for (size_t i = 0; i < ACTOR__PACK_SLOTS; i++)
        if (actor__pack_due(&g->call_packs, &g->call_packs.slot[i], idle))
            flush_pack(g, &g->call_packs.slot[i]);
}

/* The holder: sends what pl holds, in order, while its connection takes
 * it; what finds no room waits for the next pump. */
static void send_held(actor__gateway *g, peer_link *pl)
{
    actor__outgoing *o;

    while ((o = pl->held.head) != NULL) {
        int rc = actor__wire_send_large(pl->link.dealer, NULL, o->data, o->env_len,
                                        o->data + o->env_len, o->body_len,
                                        g->sys->opts.oob_threshold);
        if (rc == ACTOR_EFULL)
            return; /* no room, or libzmq has not attached the new connection yet */
        actor__outq_pop(&pl->held);
        pl->n_held--;
        atomic_fetch_add(rc == 0 ? &g->calls_sent : &g->send_failed, 1);
        if (rc != 0)
            fail_unsent(g, pl, o->data, o->env_len, o->data + o->env_len, o->body_len, rc);
        free(o);
    }
}

/* The holder: fails everything pl holds with rc. */
static void fail_held(actor__gateway *g, peer_link *pl, int rc)
{
    actor__outgoing *o;

    while ((o = actor__outq_pop(&pl->held)) != NULL) {
        pl->n_held--;
        fail_unsent(g, pl, o->data, o->env_len, o->data + o->env_len, o->body_len, rc);
        free(o);
    }
}

/* The holder: sends an envelope and body to endpoint `index`, or packs them
 * for it (pack.h), or holds them until its connection is up. 0 (sent,
 * packed or held: a request that cannot be sent later is answered through
 * its route, a cast is a dead letter) or a send error (ACTOR_EFULL: queue
 * full; ACTOR_EUNREACHABLE). Everything borrowed. */
static int send_to_endpoint(actor__gateway *g, uint32_t index, const char *env, size_t env_len,
                            const char *body, size_t body_len)
{
    peer_link *pl = peer_link_of(g, index);
    actor__pack *p;
    uint64_t id = 0;
    actor_wire_Kind kind;
    bool large;
    int rc;

    if (pl == NULL)
        return ACTOR_ESYSTEM;
    if (pl->link.state != ACTOR__LINK_UP || pl->held.head != NULL)
        return hold(pl, index, env, env_len, body, body_len);
    large = body_len >= g->sys->opts.oob_threshold; /* its bins may go out of band: alone */
    p = large ? actor__packs_find(&g->call_packs, &index, sizeof index, false)
              : actor__packs_get(&g->call_packs, &index, sizeof index, false);
    if (p != NULL) {
        if (!large && actor__pack_add(p, env, env_len, body, body_len) == 0) {
            if (actor__pack_full(&g->call_packs, p))
                flush_pack(g, p);
            return 0;
        }
        if (p->count != 0)
            flush_pack(g, p); /* the message goes on its own, after those */
    }
    rc = actor__wire_send_large(pl->link.dealer, NULL, env, env_len, body, body_len,
                                g->sys->opts.oob_threshold);
    if (rc == ACTOR_EFULL) {
        /* not sent: the peer's queue is full (or the link went down):
         * held until room comes or the link is known down */
        actor__wire_peek(env, env_len, &id, &kind);
        link_changed(g, index, pl, actor__link_update(&pl->link), id);
        return hold(pl, index, env, env_len, body, body_len);
    }
    atomic_fetch_add(rc == 0 ? &g->calls_sent : &g->send_failed, 1);
    return rc;
}

/* The holder: sends a record from another thread now. */
static int send_now(actor__gateway *g, const actor__outgoing *o)
{
    return send_to_endpoint(g, o->endpoint, o->data, o->env_len, o->data + o->env_len, o->body_len);
}

void actor__remote_send_queued(actor__gateway *g, actor__outgoing *o)
{
    int rc;

    if (o->request) { /* registered first: its response can come once it is sent */
        outcall *oc = outcall_alloc(g);
        actor_status st;
        if (oc == NULL) {
            actor_status_set(&st, ACTOR_STATUS_INTERNAL, 0, "cannot send: out of memory");
            actor__route_reply(g->sys, &o->route, o->id, &st, NULL, 0);
            free(o);
            return;
        }
        oc->node.id = o->id;
        oc->route = o->route;
        oc->expires = o->expires;
        oc->endpoint = o->endpoint;
        actor__idmap_insert(&g->outstanding, &oc->node);
    }
    rc = send_now(g, o);
    if (rc != 0)
        fail_unsent(g, peer_link_of(g, o->endpoint), o->data, o->env_len, o->data + o->env_len,
                    o->body_len, rc);
    free(o);
}

/* Fills the record of the outstanding request `id`, answered to `route`. */
static void outcall_fill(outcall *oc, const actor__route *route, uint64_t id, uint32_t timeout,
                         uint32_t endpoint)
{
    oc->node.id = id;
    oc->route = *route;
    oc->expires = actor__deadline_after(timeout + SWEEP_GRACE_MS);
    oc->endpoint = endpoint;
}

/* Another thread: the call copied into one record (envelope, body) for the
 * holder's sendq; a request with its route and expiry, from which the
 * holder makes its outcall record. NULL: no memory. */
static actor__outgoing *outgoing_call(const actor__remote *r, const char *env, size_t env_len,
                                      const char *body, size_t len, const actor__route *route,
                                      uint64_t id, uint32_t timeout)
{
    actor__outgoing *o = actor__outgoing_new(0, env_len, len);

    if (o == NULL)
        return NULL;
    if (route != NULL) {
        o->route = *route;
        o->expires = actor__deadline_after(timeout + SWEEP_GRACE_MS);
    }
    o->id = id;
    o->endpoint = r->endpoint->index;
    o->request = route != NULL;
    memcpy(o->data, env, env_len);
    if (len != 0)
        memcpy(o->data + env_len, body, len);
    return o;
}

/* Another thread: the call as a record handed to the holder's sendq. */
static int submit_elsewhere(actor_system *sys, const actor__remote *r, const actor_method_ref *m,
                            const char *body, size_t len, const actor_call_opts *opts,
                            const actor__route *route, uint64_t id, uint32_t timeout)
{
    actor__gateway *g = actor__gateway_of(sys);
    char env[CACHED_ENVELOPE_MAX];
    size_t env_len = 0;
    actor__outgoing *o = NULL;
    int rc = call_envelope(g, r, m, route != NULL, opts, id, timeout, env, &env_len);

    if (rc == NOT_CACHED) {
        msgpack_sbuffer sb;
        msgpack_sbuffer_init(&sb);
        rc = encode_call(&sb, r, m, route != NULL, opts, id, timeout);
        if (rc == 0 &&
            (o = outgoing_call(r, sb.data, sb.size, body, len, route, id, timeout)) == NULL)
            rc = ACTOR_ENOMEM;
        msgpack_sbuffer_destroy(&sb);
    } else if (rc == 0 &&
               (o = outgoing_call(r, env, env_len, body, len, route, id, timeout)) == NULL) {
        rc = ACTOR_ENOMEM;
    }
    if (rc != 0)
        return rc;
    actor__gateway_hand_over(g, &g->sendq, o);
    return 0;
}

/* The holder, `hold` locked: the envelope from this thread's cache (or
 * encoded into its own g->call_sb), a request registered in `outstanding`,
 * envelope and body sent (or packed) straight from there and the caller's
 * buffer (no record, no copy). */
static int submit_here(actor_system *sys, const actor__remote *r, const actor_method_ref *m,
                       const char *body, size_t len, const actor_call_opts *opts,
                       const actor__route *route, uint64_t id, uint32_t timeout)
{
    actor__gateway *g = actor__gateway_of(sys);
    char buf[CACHED_ENVELOPE_MAX];
    const char *env = buf;
    size_t env_len = 0;
    int rc = call_envelope(g, r, m, route != NULL, opts, id, timeout, buf, &env_len);

    if (rc == NOT_CACHED) {
        g->call_sb.size = 0;
        rc = encode_call(&g->call_sb, r, m, route != NULL, opts, id, timeout);
        env = g->call_sb.data;
        env_len = g->call_sb.size;
    }
    if (rc != 0)
        return rc;
    if (route != NULL) {
        outcall *oc = outcall_alloc(g);
        if (oc == NULL)
            return ACTOR_ENOMEM;
        outcall_fill(oc, route, id, timeout, r->endpoint->index);
        actor__idmap_insert(&g->outstanding, &oc->node);
    }
    rc = send_to_endpoint(g, r->endpoint->index, env, env_len, body, len);
    if (rc != 0 && route != NULL)
        outcall_recycle(g, take_outcall(g, id));
    return rc;
}

int actor__remote_submit(actor_system *sys, actor_ref to, const actor_method_ref *m,
                         const char *body, size_t len, const actor_call_opts *opts,
                         const actor__route *route, uint64_t id)
{
    actor__gateway *g = actor__gateway_of(sys);
    const actor__remote *r;
    actor__hold how;
    uint32_t timeout;
    int rc;

    if (actor__gateway_context(g) == NULL)
        return ACTOR_ESYSTEM;
    if ((r = remote_of(sys, to)) == NULL)
        return ACTOR_ENOTFOUND;
    timeout = actor__call_timeout(sys, m, opts);
    how = actor__gateway_enter(g);
    /* What this sender handed over before (from another worker, or while
     * `hold` was busy for a moment) may still wait in the sendq: while
     * anything waits there (has_work), this message queues behind it
     * rather than overtaking it, so one sender's calls and casts to a
     * peer keep their order. */
    if (how == ACTOR__HOLD_TAKEN && atomic_load(&g->has_work)) {
        actor__gateway_leave(g, how);
        how = ACTOR__HOLD_NO;
    }
    if (how == ACTOR__HOLD_NO)
        return submit_elsewhere(sys, r, m, body, len, opts, route, id, timeout);
    rc = submit_here(sys, r, m, body, len, opts, route, id, timeout);
    actor__gateway_leave(g, how);
    if (rc == ACTOR_EUNREACHABLE)
        atomic_fetch_add(&g->unreachable, 1);
    return rc;
}

/* A reply of the burst that its caller's mailbox refused (the caller is
 * terminating): its timer, or its end, finishes the request. */
static void reply_refused(void *ctx, actor__msg *m, int rc)
{
    actor__gateway *g = ctx;

    (void)rc;
    atomic_fetch_add(&g->sys->undeliverable, 1);
    actor__msg_free(m);
}

/* The holder: queues the replies gathered for one calling actor and lets
 * it go (at the end of every ZeroMQ message read). */
static void reply_burst_end(actor__gateway *g)
{
    if (g->reply_burst.a == NULL)
        return;
    actor__burst_flush(g->sys, &g->reply_burst, 0, reply_refused, g);
    actor__release(g->reply_burst.a);
    g->reply_burst.a = NULL;
}

/* The holder: the reply `st` (+ body when OK) to request `id` of the
 * calling actor `ref`, gathered into the reply burst. */
static void reply_to_actor(actor__gateway *g, actor_ref ref, uint64_t id, const actor_status *st,
                           const char *body, size_t len)
{
    actor__msg *m;

    if (g->reply_burst.a == NULL || !actor_ref_eq(g->reply_burst.a->ref, ref)) {
        reply_burst_end(g);
        g->reply_burst.a = actor__acquire(g->sys, ref);
    }
    m = g->reply_burst.a != NULL ? actor__reply_msg_new(g->sys, id, st, body, len) : NULL;
    if (m == NULL) /* gone, or no memory: the caller's timer ends its request */
        atomic_fetch_add(&g->sys->undeliverable, 1);
    else
        actor__burst_add(&g->reply_burst, m);
}

/* The holder: a response read (verdict v), routed to its caller. */
static void route_one(actor__gateway *g, const actor__wire_msg *m, actor__wire_verdict v,
                      actor_status *st)
{
    outcall *oc;

    if (v != ACTOR__WIRE_OK) {
        atomic_fetch_add(&g->dropped, 1);
    } else if ((oc = take_outcall(g, m->env.correlation_id)) == NULL) {
        atomic_fetch_add(&g->late_replies, 1);
    } else {
        msgpack_sbuffer joined = {0};
        const char *body = NULL;
        size_t len = 0;
        actor__wire_status_of(&m->env, st);
        if (st->category == ACTOR_STATUS_OK)
            response_body(&g->in, m, &joined, &body, &len, st);
        if (oc->route.kind == ACTOR__ROUTE_ACTOR)
            reply_to_actor(g, oc->route.ref, oc->node.id, st, body, len);
        else
            actor__route_reply(g->sys, &oc->route, oc->node.id, st, body, len);
        msgpack_sbuffer_destroy(&joined);
        outcall_recycle(g, oc);
    }
}

/* actor__wire_batch_each's callback: route_one. */
static void route_packed(void *g, const actor__wire_msg *m, actor__wire_verdict v, actor_status *st)
{
    route_one(g, m, v, st);
}

/* The holder: the responses of a BATCH, in order; the rest of one whose
 * pairs stop making sense is counted dropped. */
static void route_batch(actor__gateway *g, const actor__wire_msg *batch)
{
    if (actor__wire_batch_each(batch, true, route_packed, g) != NULL)
        atomic_fetch_add(&g->dropped, 1);
}

/* The holder: one message from a DEALER: a response or a BATCH of them. */
static void route_response(actor__gateway *g)
{
    actor__wire_msg m;
    actor_status st;
    actor__wire_verdict v = actor__wire_parse(&g->in, false, true, &m, &st);

    if (v == ACTOR__WIRE_BATCH) {
        atomic_fetch_add(&g->batches_received, 1);
        route_batch(g, &m);
    } else
        route_one(g, &m, v, &st);
    reply_burst_end(g);
    actor__wire_msg_fini(&m);
    actor__wire_in_close(&g->in);
}

/* The holder: reads and routes what pl's DEALER has (up to READ_BATCH
 * messages); how many. */
static size_t read_link(actor__gateway *g, peer_link *pl)
{
    size_t read = 0;

    while (read < READ_BATCH && actor__wire_recv(pl->link.dealer, ZMQ_DONTWAIT, &g->in) == 0) {
        route_response(g);
        read++;
    }
    return read;
}

/* Which outstanding requests a lost connection ends. */
typedef struct lost_filter {
    uint32_t endpoint;
    uint64_t keep_id; /* but this one (not sent: it is held instead); 0: none */
} lost_filter;

static bool sent_there(actor__idnode *node, void *arg)
{
    const lost_filter *f = arg;

    return ((outcall *)(void *)node)->endpoint == f->endpoint && node->id != f->keep_id;
}

/* The holder: pl's connection was lost: what it had read is routed, and
 * every request still waiting on it ends UNREACHABLE. */
static void fail_outstanding(actor__gateway *g, uint32_t index, peer_link *pl, uint64_t keep_id)
{
    lost_filter f = {index, keep_id};
    actor__idnode *list;
    actor_status st;

    while (read_link(g, pl) == READ_BATCH)
        ;
    list = g->outstanding.count != 0 ? actor__idmap_remove_if(&g->outstanding, sent_there, &f)
                                     : NULL;
    actor_status_set(&st, ACTOR_STATUS_UNREACHABLE, ACTOR_UNREACHABLE_MAY_HAVE_RUN, "%s",
                     pl->link.why);
    while (list != NULL) {
        actor__idnode *next = list->next;
        outcall *oc = (outcall *)(void *)list;
        atomic_fetch_add(&g->unreachable, 1);
        actor__route_reply(g->sys, &oc->route, oc->node.id, &st, NULL, 0);
        outcall_recycle(g, oc);
        list = next;
    }
}

/* The holder: acts on what actor__link_update found (`what`): requests
 * on a lost connection end (but keep_id's), what waits for the connection
 * goes once it is up or fails once it is down. */
static void link_changed(actor__gateway *g, uint32_t index, peer_link *pl, unsigned what,
                         uint64_t keep_id)
{
    if (what & ACTOR__LINK_LOST)
        fail_outstanding(g, index, pl, keep_id);
    if (pl->held.head == NULL)
        return;
    if (pl->link.state == ACTOR__LINK_UP)
        send_held(g, pl);
    else if (pl->link.state == ACTOR__LINK_DOWN)
        fail_held(g, pl, ACTOR_EUNREACHABLE);
}

size_t actor__remote_read(actor__gateway *g)
{
    size_t read = 0;

    for (uint32_t i = 0; i < g->n_links; i++) {
        peer_link *pl = g->links[i];
        if (pl == NULL)
            continue;
        read += read_link(g, pl);
        /* the monitor costs a system call to ask: when its fd woke the
         * holder, while something waits for the connection, else now and
         * then (a busy holder that never sleeps still notices a loss) */
        if (pl->events || pl->held.head != NULL || ++pl->quiet_reads >= MONITOR_EVERY) {
            pl->events = false;
            pl->quiet_reads = 0;
            link_changed(g, i, pl, actor__link_update(&pl->link), 0);
        }
    }
    return read;
}

size_t actor__remote_poll_items(actor__gateway *g, zmq_pollitem_t *items, size_t cap)
{
    size_t n = 0;

    for (size_t i = 0; i < g->n_links && n + 2 <= cap; i++) {
        peer_link *pl = g->links[i];
        short out = 0;
        if (pl == NULL)
            continue;
        if (pl->held.head != NULL && pl->link.state == ACTOR__LINK_UP)
            out = ZMQ_POLLOUT; /* held for want of room */
        items[n++] = (zmq_pollitem_t){pl->link.dealer, 0, (short)(ZMQ_POLLIN | out), 0};
        items[n++] = (zmq_pollitem_t){NULL, pl->link.monitor_fd, ZMQ_POLLIN, 0};
    }
    return n;
}

void actor__remote_polled(actor__gateway *g, const zmq_pollitem_t *items, size_t n)
{
    size_t k = 0;

    for (size_t i = 0; i < g->n_links && k + 2 <= n; i++) {
        if (g->links[i] == NULL)
            continue;
        if (items[k + 1].revents & ZMQ_POLLIN)
            g->links[i]->events = true;
        k += 2;
    }
}

/* The destroying thread: what pl holds goes if its connection comes up
 * within HELD_LINGER_MS, else is dropped: casts as dead letters, requests
 * silently (their callers were answered DIED). */
static void settle_held(actor__gateway *g, uint32_t index, peer_link *pl)
{
    int64_t give_up = actor__deadline_after(HELD_LINGER_MS);
    actor__outgoing *o;
    long left;

    link_changed(g, index, pl, actor__link_update(&pl->link), 0);
    while (pl->held.head != NULL && pl->link.state != ACTOR__LINK_DOWN &&
           (left = ms_until(give_up)) > 0) {
        zmq_pollitem_t items[2] = {{pl->link.dealer, 0, ZMQ_POLLOUT, 0},
                                   {NULL, pl->link.monitor_fd, ZMQ_POLLIN, 0}};
        if (pl->link.state == ACTOR__LINK_UP) /* held for want of room */
            zmq_poll(items, 2, left);
        else
            actor__link_wait(&pl->link, left);
        link_changed(g, index, pl, actor__link_update(&pl->link), 0);
    }
    if (pl->link.state != ACTOR__LINK_DOWN && pl->link.why[0] == '\0')
        snprintf(pl->link.why, sizeof pl->link.why, "%.60s: not connected at shutdown",
                 pl->link.ep->address);
    while ((o = actor__outq_pop(&pl->held)) != NULL) {
        pl->n_held--;
        if (!o->request)
            dead_cast(g, pl, o->data, o->env_len, o->data + o->env_len, o->body_len,
                      ACTOR_EUNREACHABLE);
        free(o);
    }
}

void actor__remote_links_close(actor__gateway *g)
{
    for (uint32_t i = 0; i < g->n_links; i++) {
        peer_link *pl = g->links[i];
        if (pl == NULL)
            continue;
        if (pl->held.head != NULL)
            settle_held(g, i, pl);
        actor__link_close(&pl->link, true);
        free(pl);
    }
    free(g->links);
    g->links = NULL;
    g->n_links = 0;
}

static bool expired(actor__idnode *node, void *now)
{
    return ((outcall *)(void *)node)->expires < *(int64_t *)now;
}

void actor__remote_sweep(actor__gateway *g)
{
    int64_t now = actor_now_ns();
    actor__idnode *list =
        g->outstanding.count != 0 ? actor__idmap_remove_if(&g->outstanding, expired, &now) : NULL;

    while (list != NULL) {
        actor__idnode *next = list->next;
        outcall_recycle(g, (outcall *)(void *)list);
        list = next;
    }
}
