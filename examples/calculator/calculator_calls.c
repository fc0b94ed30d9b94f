/*
 * calculator_calls.c - the example's calls (calculator_calls.h) through the
 * generated stubs: blocking calls, per-call options, asynchronous calls
 * with a callback, and the status every result carries.
 */
#include "calculator_calls.h"

#include <inttypes.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>

static const char *op_symbol(calc_Op op)
{
    static const char *const symbols[] = {"+", "-", "*", "/"};
    return op >= 0 && op < 4 ? symbols[op] : "?";
}

/* The name of a business error code: calc_CalcError_name and the like. */
typedef const char *code_name_fn(int code);

/* "OK", "ERROR DIVIDE_BY_ZERO (1): cannot divide 6 by zero", "TIMEOUT: ...". */
static void print_status(const actor_status *st, code_name_fn *code_name)
{
    printf("%s", actor_status_name(st->category));
    if (st->category == ACTOR_STATUS_ERROR) {
        const char *name = code_name(st->code);
        printf(" %s (%d)", name ? name : "(unknown code)", (int)st->code);
    }
    printf("%s%s\n", st->message[0] ? ": " : "", st->message);
}

/* ============================================================ blocking */

typedef struct calculation {
    double a;
    calc_Op op;
    double b;
    int32_t error; /* the CalcError expected, or 0 for a result */
    double result;
} calculation;

static const calculation calculations[] = {
    {6, calc_Op_ADD, 7, 0, 13},
    {6, calc_Op_SUB, 7, 0, -1},
    {6, calc_Op_MUL, 7, 0, 42},
    {6, calc_Op_DIV, 4, 0, 1.5},
    {6, calc_Op_DIV, 0, calc_CalcError_DIVIDE_BY_ZERO, 0},
    {NAN, calc_Op_ADD, 1, calc_CalcError_INVALID_INPUT, 0},
    {1e308, calc_Op_MUL, 10, calc_CalcError_INVALID_INPUT, 0},
    {6, 9, 7, calc_CalcError_INVALID_INPUT, 0}, /* an op from a newer client */
};

static bool as_expected(const calculation *k, const actor_status *st, double result)
{
    if (k->error != 0)
        return st->category == ACTOR_STATUS_ERROR && st->code == k->error;
    return st->category == ACTOR_STATUS_OK && result == k->result;
}

static int calculate_one(actor_client *c, actor_ref calc, const calculation *k)
{
    calc_CalcRequest req;
    calc_CalcRequest_init(&req);
    req.a = k->a, req.op = k->op, req.b = k->b;

    calc_CalcResponse res;
    actor_status st;
    int rc = calc_Calculator_calculate(c, calc, &req, &res, NULL, &st);
    printf("  %g %s %g -> ", k->a, op_symbol(k->op), k->b);
    if (rc != 0)
        printf("call failed (%s): ", actor_strerror(rc));
    if (st.category == ACTOR_STATUS_OK)
        printf("%g\n", res.result);
    else
        print_status(&st, calc_CalcError_name);
    bool ok = rc == 0 && as_expected(k, &st, res.result);
    calc_CalcResponse_free(&res);
    if (!ok)
        printf("  UNEXPECTED: wanted %s\n", k->error ? calc_CalcError_name(k->error) : "a result");
    return ok ? 0 : 1;
}

int calls_start(actor_system **sys, actor_client **c)
{
    int rc = actor_system_new(NULL, sys);
    if (rc != 0) {
        fprintf(stderr, "actor_system_new: %s\n", actor_strerror(rc));
        return rc;
    }
    rc = actor_client_new(*sys, c);
    if (rc != 0) {
        fprintf(stderr, "actor_client_new: %s\n", actor_strerror(rc));
        actor_system_destroy(sys);
    }
    return rc;
}

int calls_ping(actor_client *c, actor_ref calc)
{
    /* ping's @priority(255) lets it overtake queued calculations. Its
     * @timeout(250ms) is raised here by a per-call option: as the first
     * call to a remote actor it also waits for the connection, which on a
     * loaded machine (or under sanitizers) can take seconds. */
    actor_call_opts first = {.priority = ACTOR_PRIORITY_DEFAULT, .timeout_ms = 20000};
    actor_status st;
    int rc = calc_Calculator_ping(c, calc, &first, &st);
    printf("ping -> ");
    print_status(&st, calc_CalcError_name);
    return rc != 0 || st.category != ACTOR_STATUS_OK;
}

int calls_calculate(actor_client *c, actor_ref calc)
{
    int failed = 0;

    printf("calculate:\n");
    for (size_t i = 0; i < sizeof calculations / sizeof calculations[0]; i++)
        failed += calculate_one(c, calc, &calculations[i]);
    return failed;
}

/* ======================================================== asynchronous */

#define N_ASYNC 8

/* The replies of one batch of asynchronous calls. Callbacks run on worker
 * threads, so everything they touch is under `lock`. */
typedef struct batch {
    pthread_mutex_t lock;
    pthread_cond_t all_done;
    int pending;
    struct slot {
        struct batch *batch;
        uint64_t call_id;
        actor_status st;
        double result;
    } slots[N_ASYNC];
} batch;

static void on_reply(void *user, uint64_t call_id, const actor_status *st,
                     const calc_CalcResponse *res)
{
    struct slot *s = user;
    batch *b = s->batch;

    pthread_mutex_lock(&b->lock);
    s->call_id = call_id;
    s->st = *st;
    s->result = res != NULL ? res->result : 0;
    if (--b->pending == 0)
        pthread_cond_signal(&b->all_done);
    pthread_mutex_unlock(&b->lock);
}

/* Sends i * i for i = 1..N_ASYNC, the later ones at a higher priority. */
static int send_squares(actor_client *c, actor_ref calc, batch *b)
{
    int failed = 0;
    for (int i = 0; i < N_ASYNC; i++) {
        calc_CalcRequest req;
        calc_CalcRequest_init(&req);
        req.a = i + 1, req.op = calc_Op_MUL, req.b = i + 1;
        actor_call_opts opts = {.priority = 100 + 10 * i, .timeout_ms = 2000};

        b->slots[i].batch = b;
        pthread_mutex_lock(&b->lock);
        b->pending++;
        pthread_mutex_unlock(&b->lock);
        int rc = calc_Calculator_calculate_async(c, calc, &req, &opts, on_reply, &b->slots[i],
                                                 NULL);
        if (rc != 0) { /* on_reply will not run for this one */
            printf("  %d * %d: not sent: %s\n", i + 1, i + 1, actor_strerror(rc));
            pthread_mutex_lock(&b->lock);
            b->pending--;
            pthread_mutex_unlock(&b->lock);
            failed++;
        }
    }
    return failed;
}

int calls_calculate_async(actor_client *c, actor_ref calc)
{
    batch b = {.lock = PTHREAD_MUTEX_INITIALIZER, .all_done = PTHREAD_COND_INITIALIZER};

    printf("calculate_async: %d calls in flight\n", N_ASYNC);
    int failed = send_squares(c, calc, &b);
    pthread_mutex_lock(&b.lock);
    while (b.pending > 0)
        pthread_cond_wait(&b.all_done, &b.lock); /* each call ends, at worst by timeout */
    pthread_mutex_unlock(&b.lock);

    for (int i = 0; i < N_ASYNC; i++) {
        const struct slot *s = &b.slots[i];
        if (s->call_id == 0)
            continue; /* never sent */
        double want = (double)(i + 1) * (i + 1);
        printf("  call %" PRIu64 ": %d * %d -> ", s->call_id, i + 1, i + 1);
        if (s->st.category == ACTOR_STATUS_OK)
            printf("%g\n", s->result);
        else
            print_status(&s->st, calc_CalcError_name);
        failed += s->st.category != ACTOR_STATUS_OK || s->result != want;
    }
    pthread_cond_destroy(&b.all_done);
    pthread_mutex_destroy(&b.lock);
    return failed;
}

/* ============================================================ counter */

void calls_print_state(const char *title, const calc_CounterState *st)
{
    printf("%s: count %" PRId64 " after %" PRIu64 " updates, last values", title, st->count,
           st->updates);
    for (size_t i = 0; i < st->n_history; i++)
        printf(" %" PRId64, st->history[i]);
    printf("\n");
}

/* One update; its status is printed only when it is not OK. */
static int update(actor_client *c, actor_ref counter, bool up, int64_t *count)
{
    calc_CountResponse res;
    actor_status st;
    int rc = up ? calc_Counter_increment(c, counter, &res, NULL, &st)
                : calc_Counter_decrement(c, counter, &res, NULL, &st);
    if (rc == 0 && st.category == ACTOR_STATUS_OK)
        *count = res.count;
    else
        print_status(&st, calc_CounterError_name);
    calc_CountResponse_free(&res);
    return rc != 0 || st.category != ACTOR_STATUS_OK;
}

static int get_state(actor_client *c, actor_ref counter, calc_CounterState *state)
{
    actor_status st;
    int rc = calc_Counter_get(c, counter, state, NULL, &st);
    if (rc != 0 || st.category != ACTOR_STATUS_OK) {
        printf("  get -> ");
        print_status(&st, calc_CounterError_name);
        return 1;
    }
    return 0;
}

int calls_count(actor_client *c, actor_ref counter, int64_t expect, int n, int64_t *count)
{
    calc_CounterState state;
    int failed = get_state(c, counter, &state);
    if (failed == 0)
        calls_print_state("counter", &state);
    if (failed == 0 && state.count != expect) {
        printf("  UNEXPECTED: wanted count %" PRId64 "\n", expect);
        failed++;
    }
    calc_CounterState_free(&state);

    int64_t value = expect;
    for (int i = 0; i < n && failed == 0; i++)
        failed += update(c, counter, true, &value);
    if (failed == 0)
        failed += update(c, counter, false, &value);
    printf("  +1 (%d times), -1 -> %" PRId64 "\n", n, value);
    if (value != expect + n - 1) {
        printf("  UNEXPECTED: wanted %" PRId64 "\n", expect + n - 1);
        failed++;
    }
    *count = value;
    return failed;
}
