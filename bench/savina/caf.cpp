/*
 * bench/savina/caf.cpp - the CAF 0.17 side of the Savina subset (Debian
 * libcaf-dev): the same nine benchmarks as ours.c, with the same
 * parameters, random numbers and checks (common.h), printed as RESULT
 * lines under the keys caf.<benchmark>.
 *
 * Written as a CAF user writes them: event-based actors whose behaviors
 * match atoms, actor handles carried in messages where Savina's messages
 * carry their sender (ours carries the actor_ref's id), request(...).then
 * for the dictionary and the bank (ours: _request with a continuation),
 * a response promise for a transfer answered after its deposit (ours:
 * _defer and _reply). Requests carry no timeout (caf::infinite: with one,
 * CAF arms a timer per request; bench/runtime/caf.cpp measured that it
 * halves its rate), so this is CAF at its fastest; ours carry the system's
 * 30 s deadline.
 *
 * Every run gets a fresh actor_system with scheduler.max-threads =
 * SAVINA_WORKERS (CAF's work-stealing scheduler, as ours has two workers).
 * The clock starts before the first spawn and stops in the handler of the
 * benchmark's last message; main() waits on a promise, checks the result,
 * then ends the actors still alive (exit messages) and lets the system's
 * destructor wait for them, outside the time.
 *
 * Ownership as in ours.c: each benchmark's configuration and its actors'
 * states live in main()'s storage, borrowed by the actors through raw
 * pointers until the system is gone; the dictionary's table is the
 * Dictionary actor's own (its stateful_actor state).
 */
#include "common.h"

#include <caf/all.hpp>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <future>
#include <memory>
#include <string>
#include <utility>
#include <vector>

namespace {

const char *const side = "caf";

constexpr auto run_timeout = std::chrono::seconds(120);

using ping_atom = caf::atom_constant<caf::atom("ping")>;
using pong_atom = caf::atom_constant<caf::atom("pong")>;
using start_atom = caf::atom_constant<caf::atom("start")>;
using incr_atom = caf::atom_constant<caf::atom("increment")>;
using retrieve_atom = caf::atom_constant<caf::atom("retrieve")>;
using done_atom = caf::atom_constant<caf::atom("done")>;
using work_atom = caf::atom_constant<caf::atom("work")>;
using token_atom = caf::atom_constant<caf::atom("token")>;
using meet_atom = caf::atom_constant<caf::atom("meet")>;
using change_atom = caf::atom_constant<caf::atom("change")>;
using fade_atom = caf::atom_constant<caf::atom("fade")>;
using report_atom = caf::atom_constant<caf::atom("report")>;
using write_atom = caf::atom_constant<caf::atom("write")>;
using read_atom = caf::atom_constant<caf::atom("read")>;
using digest_atom = caf::atom_constant<caf::atom("digest")>;
using transfer_atom = caf::atom_constant<caf::atom("transfer")>;
using deposit_atom = caf::atom_constant<caf::atom("deposit")>;
using balance_atom = caf::atom_constant<caf::atom("balance")>;

/* ------------------------------------------------------------ a run */

/* One run of a benchmark: ended once, by its last message or a failure. */
struct run_result {
    const char *name;
    std::promise<void> done;
    std::atomic<bool> ended{false};
    int64_t t1 = 0;
    std::string failure; /* empty: the run succeeded */

    explicit run_result(const char *n) : name(n) {}

    /* Stops the clock and wakes main(); the first call wins. */
    void end(std::string why = std::string())
    {
        if (ended.exchange(true))
            return;
        t1 = savina_now_ns();
        failure = std::move(why);
        done.set_value();
    }

    /* The error handler of a request's then. */
    auto on_error(caf::event_based_actor *self, const char *what)
    {
        return [this, self, what](caf::error &err) {
            end(std::string(what) + ": " + self->system().render(err));
        };
    }

    /* main(): the run's time; exits when it failed or hung. */
    int64_t wait(int64_t t0)
    {
        if (done.get_future().wait_for(run_timeout) != std::future_status::ready)
            savina_die(side, name, "no end in time");
        if (!failure.empty())
            savina_die(side, name, failure.c_str());
        return t1 - t0;
    }
};

/* A system of SAVINA_WORKERS scheduler threads. */
struct world {
    caf::actor_system_config cfg;
    std::unique_ptr<caf::actor_system> sys;

    world()
    {
        cfg.set("scheduler.max-threads", static_cast<size_t>(SAVINA_WORKERS));
        sys = std::make_unique<caf::actor_system>(cfg);
    }
};

/* Ends actors that are still alive after their run, and drops the
 * handles: no handle may outlive its system. */
void stop_all(std::vector<caf::actor> actors)
{
    for (const auto &a : actors)
        caf::anon_send_exit(a, caf::exit_reason::user_shutdown);
}

caf::actor handle(caf::event_based_actor *self)
{
    return caf::actor_cast<caf::actor>(self);
}

/* ------------------------------------------------------------- sink */

struct sink_state {
    run_result *run;
    long expected;
    long got = 0;
};

caf::behavior sink_actor(caf::event_based_actor *, sink_state *s)
{
    return {[=](done_atom) {
        if (++s->got == s->expected)
            s->run->end();
    }};
}

/* -------------------------------------------------------- ping-pong */

struct pingpong_state {
    run_result run{"pingpong"};
    long n = 0;
    long pongs = 0;
    caf::actor pong;
};

void ping_send(caf::event_based_actor *self, pingpong_state *pp)
{
    self->send(pp->pong, ping_atom::value, handle(self), static_cast<uint64_t>(pp->n - pp->pongs));
}

caf::behavior ping_actor(caf::event_based_actor *self, pingpong_state *pp)
{
    return {
        [=](start_atom, const caf::actor &pong) {
            pp->pong = pong;
            ping_send(self, pp);
        },
        [=](ping_atom) { ping_send(self, pp); },
        /* Savina's PingActor: a pong makes it send itself a ping, which
         * sends the next one to Pong. */
        [=](pong_atom, uint64_t) {
            if (++pp->pongs == pp->n)
                pp->run.end();
            else
                self->send(self, ping_atom::value);
        },
    };
}

caf::behavior pong_actor(caf::event_based_actor *self, pingpong_state *)
{
    return {[=](ping_atom, const caf::actor &from, uint64_t n) {
        self->send(from, pong_atom::value, n);
    }};
}

int64_t bench_pingpong(const savina_params &p, const char *name)
{
    pingpong_state pp;
    pp.n = p.pingpong_n;
    world w; /* after the states: destroyed first, once its actors are done */
    int64_t t0 = savina_now_ns();
    auto ping = w.sys->spawn(ping_actor, &pp);
    auto pong = w.sys->spawn(pong_actor, &pp);
    caf::anon_send(ping, start_atom::value, pong);
    int64_t ns = pp.run.wait(t0);
    stop_all({ping, pong});
    pp.pong = nullptr;
    if (pp.pongs != pp.n)
        savina_die(side, name, "pongs do not match pings");
    savina_checked(side, name, "every ping answered");
    return ns;
}

/* --------------------------------------------------------- counting */

struct counting_state {
    run_result run{"counting"};
    long n = 0;
    uint64_t count = 0;
    uint64_t result = 0;
    caf::actor counter;
};

caf::behavior counter_actor(caf::event_based_actor *, counting_state *c)
{
    return {
        [=](incr_atom) { c->count++; },
        [=](retrieve_atom) { return c->count; },
    };
}

caf::behavior producer_actor(caf::event_based_actor *self, counting_state *c)
{
    return {[=](start_atom) {
        for (long i = 0; i < c->n; i++)
            self->send(c->counter, incr_atom::value);
        self->request(c->counter, caf::infinite, retrieve_atom::value)
            .then(
                [=](uint64_t count) {
                    c->result = count;
                    c->run.end();
                },
                c->run.on_error(self, "retrieve"));
    }};
}

int64_t bench_counting(const savina_params &p, const char *name)
{
    counting_state c;
    c.n = p.counting_n;
    world w; /* after the states: destroyed first, once its actors are done */
    int64_t t0 = savina_now_ns();
    c.counter = w.sys->spawn(counter_actor, &c);
    auto producer = w.sys->spawn(producer_actor, &c);
    caf::anon_send(producer, start_atom::value);
    int64_t ns = c.run.wait(t0);
    stop_all({c.counter, producer});
    c.counter = nullptr;
    if (c.result != static_cast<uint64_t>(c.n))
        savina_die(side, name, "the count is not the number of increments");
    savina_checked(side, name, "count == increments");
    return ns;
}

/* ------------------------------------------------ fork-join throughput */

struct thru_state {
    caf::actor sink;
    run_result *run;
    long n;
    long taken;
};

caf::behavior thru_actor(caf::event_based_actor *self, thru_state *t)
{
    return {[=](work_atom) {
        if (savina_compute(savina_theta()) != 0) {
            t->run->end("the computation failed");
            return;
        }
        if (++t->taken == t->n)
            self->send(t->sink, done_atom::value);
    }};
}

/* Savina sends the messages from the benchmark's main thread. */
int64_t bench_fjthroughput(const savina_params &p, const char *name)
{
    run_result run{name};
    long actors = p.fjthr_actors;
    sink_state sink{&run, actors};
    std::vector<thru_state> thru(static_cast<size_t>(actors));
    std::vector<caf::actor> refs;
    world w; /* after the states: destroyed first, once its actors are done */
    int64_t t0 = savina_now_ns();
    auto sink_ref = w.sys->spawn(sink_actor, &sink);
    for (auto &t : thru) {
        t = thru_state{sink_ref, &run, p.fjthr_n, 0};
        refs.push_back(w.sys->spawn(thru_actor, &t));
    }
    for (long m = 0; m < p.fjthr_n; m++)
        for (const auto &r : refs)
            caf::anon_send(r, work_atom::value);
    int64_t ns = run.wait(t0);
    refs.push_back(sink_ref);
    stop_all(std::move(refs));
    for (const auto &t : thru)
        if (t.taken != p.fjthr_n)
            savina_die(side, name, "a worker took the wrong number of messages");
    savina_checked(side, name, "every worker took every message");
    return ns;
}

/* -------------------------------------------------- fork-join creation */

struct fjcreate_state {
    run_result run{"fjcreation"};
    caf::actor sink;
};

caf::behavior fork_actor(caf::event_based_actor *self, fjcreate_state *f)
{
    return {[=](work_atom) {
        if (savina_compute(savina_theta()) != 0) {
            f->run.end("the computation failed");
            return;
        }
        self->send(f->sink, done_atom::value);
        self->quit();
    }};
}

int64_t bench_fjcreation(const savina_params &p, const char *name)
{
    fjcreate_state f;
    sink_state sink{&f.run, p.fjcreate_n};
    world w; /* after the states: destroyed first, once its actors are done */
    int64_t t0 = savina_now_ns();
    f.sink = w.sys->spawn(sink_actor, &sink);
    for (long i = 0; i < p.fjcreate_n; i++)
        caf::anon_send(w.sys->spawn(fork_actor, &f), work_atom::value);
    int64_t ns = f.run.wait(t0);
    stop_all({f.sink});
    f.sink = nullptr;
    if (sink.got != p.fjcreate_n)
        savina_die(side, name, "not every actor reported");
    savina_checked(side, name, "every actor ran once");
    return ns;
}

/* ------------------------------------------------------- thread ring */

struct ring_state {
    run_result run{"threadring"};
    std::vector<caf::actor> refs; /* filled before the token starts */
    long passes = 0;
};

caf::behavior ringer_actor(caf::event_based_actor *self, ring_state *ring, size_t index)
{
    return {[=](token_atom, uint64_t n) {
        if (n == 0) {
            ring->run.end();
            return;
        }
        ring->passes++;
        self->send(ring->refs[(index + 1) % ring->refs.size()], token_atom::value, n - 1);
    }};
}

int64_t bench_threadring(const savina_params &p, const char *name)
{
    ring_state ring;
    world w; /* after the states: destroyed first, once its actors are done */
    int64_t t0 = savina_now_ns();
    for (long i = 0; i < p.ring_actors; i++)
        ring.refs.push_back(w.sys->spawn(ringer_actor, &ring, static_cast<size_t>(i)));
    caf::anon_send(ring.refs[0], token_atom::value, static_cast<uint64_t>(p.ring_hops));
    int64_t ns = ring.run.wait(t0);
    stop_all(std::move(ring.refs));
    if (ring.passes != p.ring_hops)
        savina_die(side, name, "the token made the wrong number of hops");
    savina_checked(side, name, "hops == R");
    return ns;
}

/* --------------------------------------------------------- chameneos */

struct mall_state {
    run_result run{"chameneos"};
    long creatures = 0;
    long meetings_left = 0;
    bool waiting = false;
    int waiter_colour = 0;
    caf::actor waiter;
    long faded = 0;
    uint64_t meetings_sum = 0;
    caf::actor self;
};

struct chameneo_state {
    mall_state *mall;
    int colour;
    uint64_t meetings;
};

caf::behavior mall_actor(caf::event_based_actor *self, mall_state *m)
{
    return {
        [=](meet_atom, int colour, const caf::actor &from) {
            if (m->meetings_left == 0) {
                self->send(from, fade_atom::value);
            } else if (!m->waiting) {
                m->waiting = true;
                m->waiter_colour = colour;
                m->waiter = from;
            } else {
                m->meetings_left--;
                m->waiting = false;
                self->send(m->waiter, meet_atom::value, colour, from);
                m->waiter = nullptr;
            }
        },
        [=](report_atom, uint64_t meetings) {
            m->meetings_sum += meetings;
            if (++m->faded == m->creatures)
                m->run.end();
        },
    };
}

void chameneo_to_mall(caf::event_based_actor *self, chameneo_state *c)
{
    self->send(c->mall->self, meet_atom::value, c->colour, handle(self));
}

caf::behavior chameneo_actor(caf::event_based_actor *self, chameneo_state *c)
{
    return {
        [=](start_atom) { chameneo_to_mall(self, c); },
        [=](meet_atom, int colour, const caf::actor &other) {
            c->colour = savina_complement(c->colour, colour);
            c->meetings++;
            self->send(other, change_atom::value, c->colour);
            chameneo_to_mall(self, c);
        },
        [=](change_atom, int colour) {
            c->colour = colour;
            c->meetings++;
            chameneo_to_mall(self, c);
        },
        [=](fade_atom) {
            c->colour = SAVINA_FADED;
            self->send(c->mall->self, report_atom::value, c->meetings);
        },
    };
}

int64_t bench_chameneos(const savina_params &p, const char *name)
{
    mall_state mall;
    mall.creatures = p.cham_creatures;
    mall.meetings_left = p.cham_meetings;
    std::vector<chameneo_state> cs(static_cast<size_t>(p.cham_creatures));
    std::vector<caf::actor> refs;
    world w; /* after the states: destroyed first, once its actors are done */
    int64_t t0 = savina_now_ns();
    mall.self = w.sys->spawn(mall_actor, &mall);
    for (size_t i = 0; i < cs.size(); i++) {
        cs[i] = chameneo_state{&mall, savina_first_colour(static_cast<long>(i)), 0};
        refs.push_back(w.sys->spawn(chameneo_actor, &cs[i]));
    }
    for (const auto &r : refs)
        caf::anon_send(r, start_atom::value);
    int64_t ns = mall.run.wait(t0);
    refs.push_back(mall.self);
    stop_all(std::move(refs));
    mall.self = nullptr;
    mall.waiter = nullptr;
    if (mall.meetings_sum != 2 * static_cast<uint64_t>(p.cham_meetings))
        savina_die(side, name, "the creatures' meetings do not add up to twice the mall's");
    for (const auto &c : cs)
        if (c.colour != SAVINA_FADED)
            savina_die(side, name, "a creature did not fade");
    savina_checked(side, name, "sum of meetings == 2 x meetings");
    return ns;
}

/* --------------------------------------------------------------- big */

struct big_world {
    run_result run{"big"};
    std::vector<caf::actor> refs;
    long pings = 0;
    caf::actor sink;
};

struct big_state {
    big_world *world;
    long index;
    long sent;
    savina_rng rng;
};

caf::behavior big_actor(caf::event_based_actor *self, big_state *b)
{
    return {
        [=](ping_atom, const caf::actor &from) { self->send(from, pong_atom::value); },
        [=](pong_atom) {
            big_world *bw = b->world;
            if (b->sent == bw->pings) {
                self->send(bw->sink, done_atom::value);
                return;
            }
            b->sent++;
            long n = static_cast<long>(bw->refs.size());
            long to = (b->index + 1 + static_cast<long>(savina_rng_below(&b->rng, static_cast<uint64_t>(n - 1)))) % n;
            self->send(bw->refs[static_cast<size_t>(to)], ping_atom::value, handle(self));
        },
    };
}

int64_t bench_big(const savina_params &p, const char *name)
{
    big_world bw;
    bw.pings = p.big_pings;
    sink_state sink{&bw.run, p.big_actors};
    std::vector<big_state> bigs(static_cast<size_t>(p.big_actors));
    world w; /* after the states: destroyed first, once its actors are done */
    int64_t t0 = savina_now_ns();
    bw.sink = w.sys->spawn(sink_actor, &sink);
    for (size_t i = 0; i < bigs.size(); i++) {
        bigs[i] = big_state{&bw, static_cast<long>(i), 0, savina_big_rng(static_cast<long>(i))};
        bw.refs.push_back(w.sys->spawn(big_actor, &bigs[i]));
    }
    for (const auto &r : bw.refs)
        caf::anon_send(r, pong_atom::value);
    int64_t ns = bw.run.wait(t0);
    stop_all(std::move(bw.refs));
    stop_all({bw.sink});
    bw.sink = nullptr;
    for (const auto &b : bigs)
        if (b.sent != p.big_pings)
            savina_die(side, name, "an actor sent the wrong number of pings");
    savina_checked(side, name, "every actor's pings answered");
    return ns;
}

/* ----------------------------------------------------- dictionary */

/* The Dictionary's own state: its table, freed with the actor. */
struct dict_state {
    savina_table table{};
    bool filled = false;
    ~dict_state()
    {
        if (filled)
            savina_table_fini(&table);
    }
};

caf::behavior dict_actor(caf::stateful_actor<dict_state> *self, const savina_params *p)
{
    if (savina_table_fill(&self->state.table, p) != 0) {
        self->quit(caf::sec::runtime_error);
        return {};
    }
    self->state.filled = true;
    return {
        [=](write_atom, uint64_t key, uint64_t value) -> caf::result<uint64_t, uint64_t> {
            if (savina_table_put(&self->state.table, key, value) != 0)
                return caf::sec::runtime_error;
            return {key, value};
        },
        [=](read_atom, uint64_t key) -> caf::result<uint64_t, uint64_t> {
            return {key, savina_table_get(&self->state.table, key)};
        },
        [=](digest_atom) {
            savina_digest d = savina_table_digest(&self->state.table);
            return caf::make_message(d.entries, d.hash);
        },
    };
}

struct dict_world {
    run_result run{"dictionary"};
    const savina_params *p = nullptr;
    caf::actor dict;
    caf::actor sink;
};

struct dict_worker_state {
    dict_world *world;
    long index;
    long done;
    savina_rng rng;
};

void dict_worker_next(caf::event_based_actor *self, dict_worker_state *dw);

void dict_worker_answered(caf::event_based_actor *self, dict_worker_state *dw)
{
    if (++dw->done == dw->world->p->dict_msgs)
        self->send(dw->world->sink, done_atom::value);
    else
        dict_worker_next(self, dw);
}

/* Sends request number dw->done: the next waits for its answer. */
void dict_worker_next(caf::event_based_actor *self, dict_worker_state *dw)
{
    dict_world *dwd = dw->world;
    savina_dict_op op = savina_dict_next(&dw->rng, dwd->p, dw->index, dw->done);
    auto answered = [=](uint64_t, uint64_t) { dict_worker_answered(self, dw); };
    if (op.write)
        self->request(dwd->dict, caf::infinite, write_atom::value, op.key, op.value)
            .then(answered, dwd->run.on_error(self, "write"));
    else
        self->request(dwd->dict, caf::infinite, read_atom::value, op.key)
            .then(answered, dwd->run.on_error(self, "read"));
}

caf::behavior dict_worker_actor(caf::event_based_actor *self, dict_worker_state *dw)
{
    return {[=](start_atom) { dict_worker_next(self, dw); }};
}

int64_t bench_dictionary(const savina_params &p, const char *name)
{
    dict_world dwd;
    dwd.p = &p;
    sink_state sink{&dwd.run, p.dict_workers};
    std::vector<dict_worker_state> workers(static_cast<size_t>(p.dict_workers));
    std::vector<caf::actor> refs;
    world w; /* after the states: destroyed first, once its actors are done */
    int64_t t0 = savina_now_ns();
    dwd.sink = w.sys->spawn(sink_actor, &sink);
    dwd.dict = w.sys->spawn(dict_actor, &p);
    for (size_t i = 0; i < workers.size(); i++) {
        workers[i] = dict_worker_state{&dwd, static_cast<long>(i), 0,
                                       savina_dict_rng(static_cast<long>(i))};
        refs.push_back(w.sys->spawn(dict_worker_actor, &workers[i]));
    }
    for (const auto &r : refs)
        caf::anon_send(r, start_atom::value);
    int64_t ns = dwd.run.wait(t0);

    savina_digest got{0, 0};
    {
        caf::scoped_actor self{*w.sys};
        self->request(dwd.dict, caf::infinite, digest_atom::value)
            .receive([&](uint64_t entries, uint64_t hash) { got = savina_digest{entries, hash}; },
                     [&](caf::error &err) {
                         savina_die(side, name, w.sys->render(err).c_str());
                     });
    }
    refs.push_back(dwd.dict);
    refs.push_back(dwd.sink);
    stop_all(std::move(refs));
    dwd.dict = nullptr;
    dwd.sink = nullptr;
    savina_digest want = savina_dict_expected(&p);
    if (got.entries != want.entries || got.hash != want.hash)
        savina_die(side, name, "the dictionary's contents are not the expected ones");
    savina_checked(side, name, "final contents == expected");
    return ns;
}

/* -------------------------------------------------------------- bank */

struct bank_state {
    run_result run{"bank"};
    const savina_params *p = nullptr;
    std::vector<caf::actor> accounts;
    long answered = 0;
};

struct account_state {
    int64_t balance;
};

/* A transfer takes the money out and is answered once the destination
 * has it. */
caf::behavior account_actor(caf::event_based_actor *self, account_state *a)
{
    return {
        [=](transfer_atom, const caf::actor &to, int64_t amount) {
            auto rp = self->make_response_promise();
            a->balance -= amount;
            self->request(to, caf::infinite, deposit_atom::value, amount)
                .then([=](caf::ok_atom) mutable { rp.deliver(caf::ok_atom::value); },
                      [=](caf::error &err) mutable { rp.deliver(std::move(err)); });
            return rp;
        },
        [=](deposit_atom, int64_t amount) {
            a->balance += amount;
            return caf::ok_atom::value;
        },
        [=](balance_atom) { return a->balance; },
    };
}

/* Savina's teller asks for every transfer at once. */
caf::behavior teller_actor(caf::event_based_actor *self, bank_state *b)
{
    return {[=](start_atom) {
        savina_rng rng = savina_bank_rng();
        for (long i = 0; i < b->p->bank_transactions; i++) {
            savina_transfer t = savina_bank_next(&rng, b->p);
            self->request(b->accounts[static_cast<size_t>(t.from)], caf::infinite,
                          transfer_atom::value, b->accounts[static_cast<size_t>(t.to)], t.amount)
                .then(
                    [=](caf::ok_atom) {
                        if (++b->answered == b->p->bank_transactions)
                            b->run.end();
                    },
                    b->run.on_error(self, "transfer"));
        }
    }};
}

int64_t bench_bank(const savina_params &p, const char *name)
{
    bank_state bank;
    bank.p = &p;
    std::vector<account_state> accounts(static_cast<size_t>(p.bank_accounts));
    world w; /* after the states: destroyed first, once its actors are done */
    int64_t t0 = savina_now_ns();
    for (auto &a : accounts) {
        a = account_state{SAVINA_BANK_OPENING};
        bank.accounts.push_back(w.sys->spawn(account_actor, &a));
    }
    auto teller = w.sys->spawn(teller_actor, &bank);
    caf::anon_send(teller, start_atom::value);
    int64_t ns = bank.run.wait(t0);

    int64_t total = 0;
    {
        caf::scoped_actor self{*w.sys};
        for (const auto &a : bank.accounts)
            self->request(a, caf::infinite, balance_atom::value)
                .receive([&](int64_t balance) { total += balance; },
                         [&](caf::error &err) {
                             savina_die(side, name, w.sys->render(err).c_str());
                         });
    }
    stop_all(std::move(bank.accounts));
    stop_all({teller});
    if (total != static_cast<int64_t>(p.bank_accounts) * SAVINA_BANK_OPENING)
        savina_die(side, name, "the total balance changed");
    savina_checked(side, name, "total balance kept");
    return ns;
}

/* ------------------------------------------------------------------ */

struct benchmark {
    const char *name;
    int64_t (*run)(const savina_params &p, const char *name);
};

const benchmark benchmarks[] = {
    {"pingpong", bench_pingpong},         {"counting", bench_counting},
    {"fjthroughput", bench_fjthroughput}, {"fjcreation", bench_fjcreation},
    {"threadring", bench_threadring},     {"chameneos", bench_chameneos},
    {"big", bench_big},                   {"dictionary", bench_dictionary},
    {"bank", bench_bank},
};

} // namespace

int main(int argc, char **argv)
{
    savina_params p;
    if (savina_parse_args(argc, argv, &p) != 0)
        return 2;
    savina_print_params(&p);
    for (const auto &b : benchmarks) {
        if (!savina_selected(&p, b.name))
            continue;
        for (long r = 0; r < p.reps; r++)
            savina_report(side, b.name, b.run(p, b.name));
    }
    return 0;
}
