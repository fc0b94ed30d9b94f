/*
 * tests/actors/stubs_test.c - the stubs and skeletons actorc generates for
 * tests/actors/calc.actor, run against libactor with actor/testing.h: every
 * call form, every status a stub reports, handler and hook edge cases.
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "actor/testing.h"
#include "calc_impl.h"

/* ------------------------------------------------------------- helpers */

static actor_ref spawn_calculator(actor_test *t, const calc_config *cfg)
{
    actor_ref ref = ACTOR_REF_NONE;

    if (calc_Calculator_spawn(t->sys, &calculator_handlers, cfg, NULL, &ref) != 0)
        return ACTOR_REF_NONE;
    return ref;
}

static calc_CalcRequest request(double a, double b, calc_Op op)
{
    calc_CalcRequest req;

    calc_CalcRequest_init(&req);
    req.a = a;
    req.b = b;
    req.op = op;
    return req;
}

static actor_call_opts with_priority(int priority)
{
    actor_call_opts opts = ACTOR_CALL_OPTS_DEFAULT;

    opts.priority = priority;
    return opts;
}

static actor_call_opts with_timeout(uint32_t timeout_ms)
{
    actor_call_opts opts = ACTOR_CALL_OPTS_DEFAULT;

    opts.timeout_ms = timeout_ms;
    return opts;
}

/* What the actor saw last; -1 priority when the call failed. The call
 * goes at `opts`' priority, so that it runs after casts sent before it at
 * that priority (a mailbox runs higher priorities first). */
static calc_Seen seen_at(actor_test *t, actor_ref calc, const actor_call_opts *opts)
{
    calc_Seen s;
    actor_status st;

    if (calc_Calculator_seen(t->client, calc, &s, opts, &st) != 0 || st.category != ACTOR_STATUS_OK)
        s.priority = -1;
    return s;
}

static calc_Seen seen(actor_test *t, actor_ref calc)
{
    return seen_at(t, calc, NULL);
}

/* ------------------------------------------------------ synchronous calls */

ACTOR_TEST(sync_call_ok)
{
    actor_test t;
    calc_CalcRequest req = request(6, 7, calc_Op_MUL);
    calc_CalcResponse res;
    actor_status st;
    actor_ref calc;
    char note[] = "six times seven";

    ACTOR_ASSERT_RC(actor_test_start(&t, 2), 0);
    calc = spawn_calculator(&t, NULL);
    req.note = note;
    ACTOR_ASSERT_RC(calc_Calculator_calculate(t.client, calc, &req, &res, NULL, &st), 0);
    ACTOR_ASSERT_STATUS(&st, ACTOR_STATUS_OK);
    ACTOR_ASSERT_INT(res.result, 42);
    ACTOR_ASSERT(res.note != NULL && strcmp(res.note, "six times seven") == 0);
    calc_CalcResponse_free(&res);
    ACTOR_ASSERT_RC(calc_Calculator_ping(t.client, calc, NULL, &st), 0);
    ACTOR_ASSERT_STATUS(&st, ACTOR_STATUS_OK);
    actor_test_stop(&t);
}

ACTOR_TEST(business_error_has_code_and_message)
{
    actor_test t;
    calc_CalcRequest req = request(1, 0, calc_Op_DIV);
    calc_CalcResponse res;
    actor_status st;
    actor_ref calc;

    ACTOR_ASSERT_RC(actor_test_start(&t, 2), 0);
    calc = spawn_calculator(&t, NULL);
    ACTOR_ASSERT_RC(calc_Calculator_calculate(t.client, calc, &req, &res, NULL, &st), 0);
    ACTOR_ASSERT_ERROR(&st, calc_CalcError_DIVIDE_BY_ZERO);
    ACTOR_ASSERT(strcmp(st.message, "1 / 0") == 0);
    ACTOR_ASSERT(res.note == NULL && res.result == 0); /* zeroed, owns nothing */
    calc_CalcResponse_free(&res);
    req.op = 42; /* an op this version does not know */
    ACTOR_ASSERT_RC(calc_Calculator_calculate(t.client, calc, &req, &res, NULL, &st), 0);
    ACTOR_ASSERT_ERROR(&st, calc_CalcError_INVALID_INPUT);
    actor_test_stop(&t);
}

ACTOR_TEST(undeclared_code_is_internal)
{
    actor_test t;
    calc_CalcRequest req = request(1, 2, calc_Op_ADD);
    calc_CalcResponse res;
    actor_status st;
    actor_ref calc;
    char undeclared[] = "undeclared";

    ACTOR_ASSERT_RC(actor_test_start(&t, 2), 0);
    calc = spawn_calculator(&t, NULL);
    req.note = undeclared;
    ACTOR_ASSERT_RC(calc_Calculator_calculate(t.client, calc, &req, &res, NULL, &st), 0);
    ACTOR_ASSERT_STATUS(&st, ACTOR_STATUS_INTERNAL);
    ACTOR_ASSERT_INT(st.code, 0);
    /* the actor is still there */
    req.note = NULL;
    ACTOR_ASSERT_RC(calc_Calculator_calculate(t.client, calc, &req, &res, NULL, &st), 0);
    ACTOR_ASSERT_STATUS(&st, ACTOR_STATUS_OK);
    ACTOR_ASSERT_INT(res.result, 3);
    calc_CalcResponse_free(&res);
    actor_test_stop(&t);
}

/* A body that is not a CalcRequest, sent through the untyped API. */
ACTOR_TEST(bad_request_body_is_decode)
{
    static const char not_msgpack[] = "\xc1";
    static const char wrong_type[] = "\x81\x01\xa3one"; /* {1: "one"}: a must be a float */
    actor_method_ref m = {&calc_Calculator_type, calc_Calculator_METHOD_CALCULATE};
    actor_test t;
    actor_status st;
    actor_ref calc;
    calc_Seen s;

    ACTOR_ASSERT_RC(actor_test_start(&t, 2), 0);
    calc = spawn_calculator(&t, NULL);
    ACTOR_ASSERT_RC(actor_call(t.client, calc, m, not_msgpack, 1, NULL, &st, NULL), 0);
    ACTOR_ASSERT_STATUS(&st, ACTOR_STATUS_DECODE);
    ACTOR_ASSERT_RC(
        actor_call(t.client, calc, m, wrong_type, sizeof wrong_type - 1, NULL, &st, NULL), 0);
    ACTOR_ASSERT_STATUS(&st, ACTOR_STATUS_DECODE);
    ACTOR_ASSERT(strstr(st.message, "calc.CalcRequest") != NULL);
    m.method = calc_Calculator_METHOD_ALARM; /* a cast: nothing to answer, nothing breaks */
    ACTOR_ASSERT_RC(actor_cast(t.client, calc, m, not_msgpack, 1, NULL), 0);
    s = seen(&t, calc);
    ACTOR_ASSERT_INT(s.alarms, 0);
    calc_Seen_free(&s);
    actor_test_stop(&t);
}

ACTOR_TEST(bad_reply_body_is_decode)
{
    actor_test t;
    calc_CalcResponse res;
    actor_status st;
    actor_ref calc;

    ACTOR_ASSERT_RC(actor_test_start(&t, 2), 0);
    calc = spawn_calculator(&t, NULL);
    ACTOR_ASSERT_RC(calc_Calculator_garbage(t.client, calc, &res, NULL, &st), 0);
    ACTOR_ASSERT_STATUS(&st, ACTOR_STATUS_DECODE);
    ACTOR_ASSERT(strncmp(st.message, "reply: ", 7) == 0);
    ACTOR_ASSERT(res.note == NULL);
    actor_test_stop(&t);
}

/* ----------------------------------------------------------------- casts */

ACTOR_TEST(casts_arrive_in_order)
{
    calc_config cfg = {.start = 100};
    actor_test t;
    calc_CalcRequest add = request(5, 0, calc_Op_ADD);
    char fire[] = "fire";
    calc_Alarm alarm = {.text = fire};
    calc_CalcResponse res;
    actor_status st;
    actor_ref calc;

    ACTOR_ASSERT_RC(actor_test_start(&t, 2), 0);
    calc = spawn_calculator(&t, &cfg);
    ACTOR_ASSERT_RC(calc_Calculator_reset(t.client, calc, NULL), 0);
    ACTOR_ASSERT_RC(calc_Calculator_add(t.client, calc, &add, NULL), 0);
    add.a = 7;
    ACTOR_ASSERT_RC(calc_Calculator_add(t.client, calc, &add, NULL), 0);
    ACTOR_ASSERT_RC(calc_Calculator_alarm(t.client, calc, &alarm, NULL), 0);
    ACTOR_ASSERT_RC(calc_Calculator_total(t.client, calc, &res, NULL, &st), 0);
    ACTOR_ASSERT_STATUS(&st, ACTOR_STATUS_OK);
    ACTOR_ASSERT_INT(res.result, 12);
    calc_CalcResponse_free(&res);
    {
        calc_Seen s = seen(&t, calc);
        ACTOR_ASSERT_INT(s.alarms, 1);
        ACTOR_ASSERT(s.last_alarm != NULL && strcmp(s.last_alarm, "fire") == 0);
        calc_Seen_free(&s);
    }
    actor_test_stop(&t);
}

/* ------------------------------------------------------ per-call options */

ACTOR_TEST(priority_defaults_and_overrides)
{
    actor_test t;
    calc_CalcRequest req = request(1, 1, calc_Op_ADD);
    calc_CalcResponse res;
    char x[] = "x";
    calc_Alarm alarm = {.text = x};
    actor_call_opts low = with_priority(7);
    actor_call_opts alarm_priority = with_priority(200);
    actor_status st;
    actor_ref calc;
    calc_Seen s;

    ACTOR_ASSERT_RC(actor_test_start(&t, 2), 0);
    calc = spawn_calculator(&t, NULL);
    ACTOR_ASSERT_RC(calc_Calculator_calculate(t.client, calc, &req, &res, NULL, &st), 0);
    calc_CalcResponse_free(&res);
    s = seen(&t, calc);
    ACTOR_ASSERT_INT(s.priority, ACTOR_PRIORITY_DEFAULT_VALUE);
    calc_Seen_free(&s);
    ACTOR_ASSERT_RC(calc_Calculator_ping(t.client, calc, NULL, &st), 0); /* @priority(250) */
    s = seen(&t, calc);
    ACTOR_ASSERT_INT(s.priority, 250);
    calc_Seen_free(&s);
    ACTOR_ASSERT_RC(calc_Calculator_ping(t.client, calc, &low, &st), 0);
    s = seen(&t, calc);
    ACTOR_ASSERT_INT(s.priority, 7);
    calc_Seen_free(&s);
    ACTOR_ASSERT_RC(calc_Calculator_alarm(t.client, calc, &alarm, NULL), 0); /* Alarm's 200 */
    s = seen_at(&t, calc, &alarm_priority);
    ACTOR_ASSERT_INT(s.priority, 200);
    calc_Seen_free(&s);
    ACTOR_ASSERT_RC(calc_Calculator_alarm(t.client, calc, &alarm, &low), 0);
    s = seen_at(&t, calc, &low);
    ACTOR_ASSERT_INT(s.priority, 7);
    calc_Seen_free(&s);
    actor_test_stop(&t);
}

ACTOR_TEST(timeout_default_and_override)
{
    actor_test t;
    actor_call_opts quick = with_timeout(30);
    actor_status st;
    actor_ref calc;
    int64_t start;
    int64_t took_ms;

    ACTOR_ASSERT_RC(actor_test_start(&t, 2), 0);
    calc = spawn_calculator(&t, NULL);
    start = actor_now_ns();
    ACTOR_ASSERT_RC(calc_Calculator_stall(t.client, calc, NULL, &st), 0); /* @timeout(200ms) */
    took_ms = (actor_now_ns() - start) / 1000000;
    ACTOR_ASSERT_STATUS(&st, ACTOR_STATUS_TIMEOUT);
    ACTOR_ASSERT_CMP(took_ms, >=, 150);
    ACTOR_ASSERT_CMP(took_ms, <, 5000);
    start = actor_now_ns();
    ACTOR_ASSERT_RC(calc_Calculator_stall(t.client, calc, &quick, &st), 0);
    took_ms = (actor_now_ns() - start) / 1000000;
    ACTOR_ASSERT_STATUS(&st, ACTOR_STATUS_TIMEOUT);
    ACTOR_ASSERT_CMP(took_ms, <, 150);
    actor_test_stop(&t);
}

/* ---------------------------------------------------------- asynchronous */

typedef struct waiter {
    pthread_mutex_t lock;
    pthread_cond_t cond;
    int calls;
    uint64_t call_id;
    actor_status st;
    double result;
    bool had_res;
} waiter;

static void waiter_init(waiter *w)
{
    memset(w, 0, sizeof *w);
    pthread_mutex_init(&w->lock, NULL);
    pthread_cond_init(&w->cond, NULL);
}

static void waiter_fini(waiter *w)
{
    pthread_mutex_destroy(&w->lock);
    pthread_cond_destroy(&w->cond);
}

static void waiter_wait(waiter *w, int calls)
{
    pthread_mutex_lock(&w->lock);
    while (w->calls < calls)
        pthread_cond_wait(&w->cond, &w->lock);
    pthread_mutex_unlock(&w->lock);
}

static void calculated(void *user, uint64_t call_id, const actor_status *st,
                       const calc_CalcResponse *res)
{
    waiter *w = user;

    pthread_mutex_lock(&w->lock);
    w->calls++;
    w->call_id = call_id;
    w->st = *st;
    w->had_res = res != NULL;
    w->result = res != NULL ? res->result : 0;
    pthread_cond_signal(&w->cond);
    pthread_mutex_unlock(&w->lock);
}

static void pinged(void *user, uint64_t call_id, const actor_status *st)
{
    calculated(user, call_id, st, NULL);
}

ACTOR_TEST(async_call_with_callback)
{
    actor_test t;
    calc_CalcRequest req = request(10, 4, calc_Op_SUB);
    actor_ref calc;
    uint64_t id = 0;
    waiter w;

    waiter_init(&w);
    ACTOR_ASSERT_RC(actor_test_start(&t, 2), 0);
    calc = spawn_calculator(&t, NULL);
    ACTOR_ASSERT_RC(
        calc_Calculator_calculate_async(t.client, calc, &req, NULL, calculated, &w, &id), 0);
    waiter_wait(&w, 1);
    ACTOR_ASSERT_STATUS(&w.st, ACTOR_STATUS_OK);
    ACTOR_ASSERT(w.had_res);
    ACTOR_ASSERT_INT(w.result, 6);
    ACTOR_ASSERT(id != 0 && w.call_id == id);

    req.op = calc_Op_DIV;
    req.b = 0;
    ACTOR_ASSERT_RC(
        calc_Calculator_calculate_async(t.client, calc, &req, NULL, calculated, &w, &id), 0);
    waiter_wait(&w, 2);
    ACTOR_ASSERT_ERROR(&w.st, calc_CalcError_DIVIDE_BY_ZERO);
    ACTOR_ASSERT(!w.had_res);
    ACTOR_ASSERT(w.call_id == id);

    ACTOR_ASSERT_RC(calc_Calculator_ping_async(t.client, calc, NULL, pinged, &w, NULL), 0);
    waiter_wait(&w, 3);
    ACTOR_ASSERT_STATUS(&w.st, ACTOR_STATUS_OK);

    /* no callback: refused before anything starts */
    ACTOR_ASSERT_RC(calc_Calculator_calculate_async(t.client, calc, &req, NULL, NULL, &w, &id),
                    ACTOR_EINVAL);
    actor_test_stop(&t);
    ACTOR_ASSERT_INT(w.calls, 3);
    waiter_fini(&w);
}

/* A failed start never calls back and leaks nothing (ASan checks). */
ACTOR_TEST(async_call_to_dead_actor_fails_cleanly)
{
    actor_test t;
    calc_CalcRequest req = request(1, 1, calc_Op_ADD);
    actor_ref calc;
    actor_status st;
    waiter w;
    int rc;

    waiter_init(&w);
    ACTOR_ASSERT_RC(actor_test_start(&t, 2), 0);
    calc = spawn_calculator(&t, NULL);
    ACTOR_ASSERT_RC(calc_Calculator_ping(t.client, calc, NULL, &st), 0);
    ACTOR_ASSERT_RC(actor_terminate(t.sys, calc, true), 0);
    while (calc_Calculator_ping(t.client, calc, NULL, &st) == 0 &&
           st.category != ACTOR_STATUS_NOT_FOUND)
        ;
    rc = calc_Calculator_calculate_async(t.client, calc, &req, NULL, calculated, &w, NULL);
    ACTOR_ASSERT(rc < 0);
    actor_test_stop(&t);
    ACTOR_ASSERT_INT(w.calls, 0);
    waiter_fini(&w);
}

/* ------------------------------------------------------- actor to actor */

ACTOR_TEST(actor_request_with_continuation_and_deferred_reply)
{
    actor_test t;
    frontend_config fcfg;
    calc_CalcRequest req = request(2, 3, calc_Op_ADD);
    calc_CalcResponse res;
    actor_status st;
    actor_ref front;

    ACTOR_ASSERT_RC(actor_test_start(&t, 2), 0);
    fcfg.backend = spawn_calculator(&t, NULL);
    ACTOR_ASSERT_RC(calc_Frontend_spawn(t.sys, &frontend_handlers, &fcfg, NULL, &front), 0);
    ACTOR_ASSERT_RC(calc_Frontend_calculate(t.client, front, &req, &res, NULL, &st), 0);
    ACTOR_ASSERT_STATUS(&st, ACTOR_STATUS_OK);
    ACTOR_ASSERT_INT(res.result, 5);
    calc_CalcResponse_free(&res);

    req.op = calc_Op_DIV; /* the backend's error, forwarded with its code */
    req.b = 0;
    ACTOR_ASSERT_RC(calc_Frontend_calculate(t.client, front, &req, &res, NULL, &st), 0);
    ACTOR_ASSERT_ERROR(&st, calc_CalcError_DIVIDE_BY_ZERO);

    req.a = 40; /* a cast then a request from one actor: in order */
    ACTOR_ASSERT_RC(calc_Frontend_add_then_total(t.client, front, &req, &res, NULL, &st), 0);
    ACTOR_ASSERT_STATUS(&st, ACTOR_STATUS_OK);
    ACTOR_ASSERT_INT(res.result, 40);
    calc_CalcResponse_free(&res);
    ACTOR_ASSERT_INT(atomic_load(&frontend_bad_states), 0);
    actor_test_stop(&t);
}

/* A continuation whose backend dies: DIED reaches the original caller. */
ACTOR_TEST(continuation_sees_backend_death)
{
    actor_test t;
    frontend_config fcfg;
    calc_CalcRequest req = request(2, 3, calc_Op_ADD);
    calc_CalcResponse res;
    actor_status st;
    actor_ref front;

    ACTOR_ASSERT_RC(actor_test_start(&t, 2), 0);
    fcfg.backend = spawn_calculator(&t, NULL);
    ACTOR_ASSERT_RC(calc_Frontend_spawn(t.sys, &frontend_handlers, &fcfg, NULL, &front), 0);
    /* once init has run (docs/STUBS.md: terminating before init) */
    ACTOR_ASSERT_RC(calc_Calculator_ping(t.client, fcfg.backend, NULL, &st), 0);
    ACTOR_ASSERT_RC(actor_terminate(t.sys, fcfg.backend, false), 0);
    ACTOR_ASSERT_RC(calc_Frontend_calculate(t.client, front, &req, &res, NULL, &st), 0);
    ACTOR_ASSERT(st.category == ACTOR_STATUS_DIED || st.category == ACTOR_STATUS_NOT_FOUND ||
                 st.category == ACTOR_STATUS_INTERNAL);
    ACTOR_ASSERT(st.category != ACTOR_STATUS_OK);
    actor_test_stop(&t);
}

/* --------------------------------------------------- handlers and hooks */

ACTOR_TEST(missing_handler_is_not_found)
{
    actor_test t;
    calc_CalcRequest req = request(1, 2, calc_Op_ADD);
    calc_CalcResponse res;
    char ignored[] = "ignored";
    calc_Alarm alarm = {.text = ignored};
    actor_status st;
    actor_ref calc, partial;

    ACTOR_ASSERT_RC(actor_test_start(&t, 2), 0);
    calc = spawn_calculator(&t, NULL);
    ACTOR_ASSERT_RC(calc_Calculator_missing(t.client, calc, &req, &res, NULL, &st), 0);
    ACTOR_ASSERT_STATUS(&st, ACTOR_STATUS_NOT_FOUND);
    ACTOR_ASSERT(strstr(st.message, "calc.Calculator.missing") != NULL);

    ACTOR_ASSERT_RC(calc_Calculator_spawn(t.sys, &calculate_only_handlers, NULL, NULL, &partial),
                    0);
    ACTOR_ASSERT_RC(calc_Calculator_ping(t.client, partial, NULL, &st), 0);
    ACTOR_ASSERT_STATUS(&st, ACTOR_STATUS_NOT_FOUND);
    ACTOR_ASSERT_RC(calc_Calculator_alarm(t.client, partial, &alarm, NULL), 0);
    ACTOR_ASSERT_RC(calc_Calculator_reset(t.client, partial, NULL), 0);
    ACTOR_ASSERT_RC(calc_Calculator_calculate(t.client, partial, &req, &res, NULL, &st), 0);
    ACTOR_ASSERT_STATUS(&st, ACTOR_STATUS_OK); /* still alive */
    ACTOR_ASSERT_INT(res.result, 3);
    calc_CalcResponse_free(&res);
    ACTOR_ASSERT_INT(actor_health_check(t.client, partial, 1000, &st), 0);
    ACTOR_ASSERT_STATUS(&st, ACTOR_STATUS_OK); /* no health hook: healthy */
    actor_test_stop(&t);
}

ACTOR_TEST(hooks_init_cleanup_health)
{
    atomic_int cleanups = 0;
    calc_config healthy = {.start = 1.5, .cleanups = &cleanups};
    calc_config sick = {.unhealthy = true, .cleanups = &cleanups};
    calc_config broken = {.fail_init = true, .cleanups = &cleanups};
    calc_Calculator_handlers no_hooks = calculator_handlers;
    actor_test t;
    calc_CalcResponse res;
    actor_status st;
    actor_ref a, b, c, d;

    ACTOR_ASSERT_RC(actor_test_start(&t, 2), 0);
    ACTOR_ASSERT_RC(calc_Calculator_spawn(t.sys, NULL, NULL, NULL, &a), ACTOR_EINVAL);
    a = spawn_calculator(&t, &healthy);
    b = spawn_calculator(&t, &sick);
    c = spawn_calculator(&t, &broken);
    ACTOR_ASSERT_RC(calc_Calculator_total(t.client, a, &res, NULL, &st), 0);
    ACTOR_ASSERT_STATUS(&st, ACTOR_STATUS_OK);
    ACTOR_ASSERT(res.result == 1.5); /* init saw its argument */
    calc_CalcResponse_free(&res);
    ACTOR_ASSERT_INT(actor_health_check(t.client, a, 1000, &st), 0);
    ACTOR_ASSERT_STATUS(&st, ACTOR_STATUS_OK);
    ACTOR_ASSERT_INT(actor_health_check(t.client, b, 1000, &st), 0);
    ACTOR_ASSERT_STATUS(&st, ACTOR_STATUS_ERROR);
    ACTOR_ASSERT(strstr(st.message, "overheated") != NULL);
    /* failed init: no cleanup, calls fail cleanly */
    (void)calc_Calculator_total(t.client, c, &res, NULL, &st);
    ACTOR_ASSERT(st.category == ACTOR_STATUS_DIED || st.category == ACTOR_STATUS_NOT_FOUND);
    /* no hooks at all: the state stays NULL, handlers still run */
    no_hooks.init = NULL;
    no_hooks.cleanup = NULL;
    no_hooks.health = NULL;
    no_hooks.total = NULL;
    ACTOR_ASSERT_RC(calc_Calculator_spawn(t.sys, &no_hooks, NULL, NULL, &d), 0);
    ACTOR_ASSERT_RC(calc_Calculator_total(t.client, d, &res, NULL, &st), 0);
    ACTOR_ASSERT_STATUS(&st, ACTOR_STATUS_NOT_FOUND);
    ACTOR_ASSERT_RC(actor_terminate(t.sys, a, true), 0);
    actor_test_stop(&t);
    ACTOR_ASSERT_INT(atomic_load(&cleanups), 2); /* a and b, not c */
}

/* ------------------------------------------------- pools and supervision */

ACTOR_TEST(pool_opts_and_child_spec_from_the_idl)
{
    calc_Frontend_spec spec = {.handlers = frontend_handlers, .arg = NULL};
    actor_pool_opts o;
    actor_child_spec child;

    /* Frontend: @pool(size = 3, balance = key_hash(op)), @restart(max = 2,
     * window = 10s, backoff = 50ms), @isolation(process) */
    calc_Frontend_pool_opts(&o);
    ACTOR_ASSERT_INT(o.size, 3);
    ACTOR_ASSERT_INT(o.balance, ACTOR_BALANCE_KEY_HASH);
    ACTOR_ASSERT_INT(o.isolation, ACTOR_ISOLATION_PROCESS);
    ACTOR_ASSERT_INT(o.restart.max, 2);
    ACTOR_ASSERT_INT(o.restart.window_ms, 10000);
    ACTOR_ASSERT_INT(o.restart.backoff_ms, 50);
    ACTOR_ASSERT_INT(o.restart.backoff_max_ms, 0);
    ACTOR_ASSERT_INT(o.slots, 0);
    ACTOR_ASSERT_INT(o.health_interval_ms, 0);
    ACTOR_ASSERT_INT(o.checkpoint_every, 0);
    ACTOR_ASSERT(o.name == NULL && o.report == NULL && o.report_user == NULL);
    for (size_t i = 0; i < calc_Frontend_N_METHODS; i++)
        ACTOR_ASSERT_INT(calc_Frontend_type.methods[i].key_field, calc_CalcRequest_FIELD_OP);

    /* Calculator: the defaults, and no key fields */
    calc_Calculator_pool_opts(&o);
    ACTOR_ASSERT_INT(o.size, 1);
    ACTOR_ASSERT_INT(o.balance, ACTOR_BALANCE_ROUND_ROBIN);
    ACTOR_ASSERT_INT(o.isolation, ACTOR_ISOLATION_THREAD);
    ACTOR_ASSERT_INT(o.restart.max, ACTOR_RESTART_DEFAULT_MAX);
    ACTOR_ASSERT_INT(o.restart.window_ms, ACTOR_RESTART_DEFAULT_WINDOW_MS);
    ACTOR_ASSERT_INT(o.restart.backoff_ms, ACTOR_RESTART_DEFAULT_BACKOFF_MS);
    ACTOR_ASSERT_INT(calc_Calculator_type.methods[calc_Calculator_METHOD_CALCULATE].key_field, 0);

    child = calc_Frontend_child(&spec);
    ACTOR_ASSERT(child.type == &calc_Frontend_type);
    ACTOR_ASSERT(child.spawn == calc_Frontend_spawn_spec);
    ACTOR_ASSERT(child.spec == &spec);
    ACTOR_ASSERT_INT(child.spec_size, sizeof spec);
    ACTOR_ASSERT_INT(child.isolation, ACTOR_ISOLATION_PROCESS);
    ACTOR_ASSERT_INT(child.restart.max, 2);
    ACTOR_ASSERT_INT(child.restart.window_ms, 10000);
    ACTOR_ASSERT_INT(child.restart.backoff_ms, 50);
    ACTOR_ASSERT_INT(child.checkpoint_every, 0);
}

ACTOR_TEST(spawn_from_a_spec)
{
    calc_config cfg = {.start = 4};
    calc_Calculator_spec spec = {.handlers = calculator_handlers, .arg = &cfg};
    actor_test t;
    calc_CalcResponse res;
    actor_status st;
    actor_ref ref, pool;

    ACTOR_ASSERT_RC(actor_test_start(&t, 2), 0);
    ACTOR_ASSERT_RC(calc_Calculator_spawn_spec(t.sys, &spec, NULL, &ref), 0);
    ACTOR_ASSERT_RC(calc_Calculator_total(t.client, ref, &res, NULL, &st), 0);
    ACTOR_ASSERT_STATUS(&st, ACTOR_STATUS_OK);
    ACTOR_ASSERT(res.result == 4); /* init saw the spec's arg */
    calc_CalcResponse_free(&res);
    ACTOR_ASSERT_RC(calc_Calculator_spawn_pool(t.sys, NULL, &cfg, NULL, &pool), ACTOR_EINVAL);
    actor_test_stop(&t);
}

/* A pool of generated actors behind the generated stubs: calls through the
 * pool's ref spread over the instances, each with its own state; a
 * key_hash pool (Frontend's @pool, run here on threads) sends one op to
 * one instance always. */
ACTOR_TEST(generated_pool_serves_through_the_stubs)
{
    calc_config cfg = {.start = 1};
    actor_pool_opts o;
    actor_test t;
    calc_CalcResponse res;
    calc_CalcRequest req = request(2, 3, calc_Op_ADD);
    actor_status st;
    actor_ref pool, fpool, members[3];
    frontend_config fc;
    actor_pool_stats ps;
    size_t n;

    ACTOR_ASSERT_RC(actor_test_start(&t, 2), 0);
    calc_Calculator_pool_opts(&o);
    o.size = 3;
    ACTOR_ASSERT_RC(calc_Calculator_spawn_pool(t.sys, &calculator_handlers, &cfg, &o, &pool), 0);
    for (int i = 0; i < 3; i++) {
        ACTOR_ASSERT_RC(calc_Calculator_calculate(t.client, pool, &req, &res, NULL, &st), 0);
        ACTOR_ASSERT_STATUS(&st, ACTOR_STATUS_OK);
        ACTOR_ASSERT(res.result == 5);
        calc_CalcResponse_free(&res);
    }
    for (int i = 0; i < 6; i++) /* each instance adds to its own total, in turn */
        ACTOR_ASSERT_RC(calc_Calculator_add(t.client, pool, &req, NULL), 0);
    ACTOR_ASSERT_RC(calc_Calculator_total(t.client, pool, &res, NULL, &st), 0);
    ACTOR_ASSERT(res.result == 1 + 2 * 2); /* started at 1, two adds of 2 */
    calc_CalcResponse_free(&res);
    ACTOR_ASSERT_RC(actor_pool_members(t.sys, pool, members, 3, &n), 0);
    ACTOR_ASSERT_INT(n, 3);
    fc.backend = members[0];
    calc_Frontend_pool_opts(&o);
    ACTOR_ASSERT_INT(o.balance, ACTOR_BALANCE_KEY_HASH);
    o.isolation = ACTOR_ISOLATION_THREAD; /* its backend is a ref of this process */
    ACTOR_ASSERT_RC(calc_Frontend_spawn_pool(t.sys, &frontend_handlers, &fc, &o, &fpool), 0);
    for (int i = 0; i < 30; i++) {
        calc_CalcRequest r = request(i, 1, (calc_Op)(i % 2 == 0 ? calc_Op_ADD : calc_Op_SUB));
        ACTOR_ASSERT_RC(calc_Frontend_calculate(t.client, fpool, &r, &res, NULL, &st), 0);
        ACTOR_ASSERT_STATUS(&st, ACTOR_STATUS_OK);
        calc_CalcResponse_free(&res);
    }
    ACTOR_ASSERT_RC(actor_pool_stats_get(t.sys, fpool, &ps), 0);
    ACTOR_ASSERT_INT(ps.size, 3);
    ACTOR_ASSERT_INT(ps.routed, 30);
    actor_test_stop(&t);
}

typedef struct meeting {
    pthread_mutex_t lock; /* callbacks run on any worker */
    int done, ok, peak_ok;
} meeting;

static void met(void *user, uint64_t call_id, const actor_status *st,
                const calc_CalcResponse *res)
{
    meeting *m = user;

    (void)call_id;
    pthread_mutex_lock(&m->lock);
    m->ok += st->category == ACTOR_STATUS_OK;
    m->peak_ok += res != NULL && res->result == 3; /* all three inside at once */
    m->done++;
    pthread_mutex_unlock(&m->lock);
}

static bool all_met(void *arg)
{
    meeting *m = arg;
    pthread_mutex_lock(&m->lock);
    bool done = m->done == 3;
    pthread_mutex_unlock(&m->lock);
    return done;
}

/* max_concurrency: three calls run at once on one shared state, which is
 * made once and freed once. */
ACTOR_TEST(max_concurrency_runs_calls_at_once_on_one_state)
{
    atomic_int cleanups = 0;
    calc_config cfg = {.cleanups = &cleanups};
    actor_spawn_opts so = {.max_concurrency = 3};
    actor_test t;
    actor_ref calc;
    calc_CalcRequest three = request(3, 0, calc_Op_ADD), one = request(1, 0, calc_Op_ADD);
    calc_CalcResponse res;
    actor_status st;
    actor_pool_stats ps;
    meeting m = {PTHREAD_MUTEX_INITIALIZER, 0, 0, 0};

    ACTOR_ASSERT_RC(actor_test_start(&t, 4), 0);
    ACTOR_ASSERT_RC(calc_Calculator_spawn(t.sys, &calculator_handlers, &cfg, &so, &calc), 0);
    ACTOR_ASSERT_RC(actor_pool_stats_get(t.sys, calc, &ps), 0);
    ACTOR_ASSERT_INT(ps.size, 3);
    for (int i = 0; i < 3; i++)
        ACTOR_ASSERT_RC(calc_Calculator_meet_async(t.client, calc, &three, NULL, met, &m, NULL), 0);
    ACTOR_ASSERT(actor_test_wait(all_met, &m, 20000));
    ACTOR_ASSERT_INT(m.ok, 3);
    ACTOR_ASSERT_INT(m.peak_ok, 3); /* all three were inside at once, on the same state */
    ACTOR_ASSERT_RC(calc_Calculator_meet(t.client, calc, &one, &res, NULL, &st), 0);
    ACTOR_ASSERT_STATUS(&st, ACTOR_STATUS_OK);
    calc_CalcResponse_free(&res);
    actor_test_stop(&t);
    ACTOR_ASSERT_INT(atomic_load(&cleanups), 1); /* one state: one cleanup */

    /* actor_spawn itself does not: a hand-written type goes through a pool */
    ACTOR_ASSERT_RC(actor_test_start(&t, 1), 0);
    ACTOR_ASSERT_RC(actor_spawn(t.sys, &calc_Calculator_type, NULL, &so, &calc), ACTOR_EINVAL);
    actor_test_stop(&t);
}

int main(void)
{
    ACTOR_TEST_RUN(sync_call_ok);
    ACTOR_TEST_RUN(business_error_has_code_and_message);
    ACTOR_TEST_RUN(undeclared_code_is_internal);
    ACTOR_TEST_RUN(bad_request_body_is_decode);
    ACTOR_TEST_RUN(bad_reply_body_is_decode);
    ACTOR_TEST_RUN(casts_arrive_in_order);
    ACTOR_TEST_RUN(priority_defaults_and_overrides);
    ACTOR_TEST_RUN(timeout_default_and_override);
    ACTOR_TEST_RUN(async_call_with_callback);
    ACTOR_TEST_RUN(async_call_to_dead_actor_fails_cleanly);
    ACTOR_TEST_RUN(actor_request_with_continuation_and_deferred_reply);
    ACTOR_TEST_RUN(continuation_sees_backend_death);
    ACTOR_TEST_RUN(missing_handler_is_not_found);
    ACTOR_TEST_RUN(hooks_init_cleanup_health);
    ACTOR_TEST_RUN(pool_opts_and_child_spec_from_the_idl);
    ACTOR_TEST_RUN(generated_pool_serves_through_the_stubs);
    ACTOR_TEST_RUN(spawn_from_a_spec);
    ACTOR_TEST_RUN(max_concurrency_runs_calls_at_once_on_one_state);
    return actor_test_summary();
}
