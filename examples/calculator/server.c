/*
 * server.c - calculator-server: the calculator and the counter behind a
 * tcp (or ipc) endpoint, named "calculator" and "counter" for remote
 * callers. Runs until SIGINT or SIGTERM, then shuts the system down with
 * drain (the counter's cleanup writes its state file) and prints the
 * state the file holds.
 *
 *   calculator-server --bind tcp://127.0.0.1:5555 [--state FILE]
 *                     [--curve-secret-key KEY --allow-client KEY]
 *
 * "tcp://127.0.0.1:*" picks a free port; the line "listening on ENDPOINT"
 * on stdout says which.
 */
#include <signal.h>
#include <stdio.h>
#include <string.h>

#include "actor/remote.h"
#include "calculator_actors.h"
#include "calculator_calls.h"

static const char usage[] =
    "usage: calculator-server --bind ENDPOINT [--state FILE]\n"
    "                         [--curve-secret-key KEY --allow-client KEY]\n"
    "\n"
    "Serves the actors \"calculator\" (calc.Calculator) and \"counter\" (calc.Counter)\n"
    "on ENDPOINT: tcp://HOST:PORT, tcp://HOST:* for a free port, or ipc://PATH. Once\n"
    "bound it prints \"listening on ENDPOINT\" with the endpoint actually bound (the\n"
    "port chosen for *). Runs until SIGINT or SIGTERM, answers what is queued, and\n"
    "prints the counter's state. The counter keeps its state in FILE (default\n"
    "calculator-server.state), which is created when missing. With a CURVE secret\n"
    "key (Z85) the endpoint is encrypted and lets in only the client public key\n"
    "given with --allow-client.\n";

typedef struct options {
    const char *bind;
    const char *state;
    const char *curve_secret_key, *allowed_client; /* NULL: plain */
} options;

static int parse_options(int argc, char **argv, options *o)
{
    o->bind = o->curve_secret_key = o->allowed_client = NULL;
    o->state = "calculator-server.state";
    for (int i = 1; i + 1 < argc; i += 2) {
        if (strcmp(argv[i], "--bind") == 0)
            o->bind = argv[i + 1];
        else if (strcmp(argv[i], "--state") == 0)
            o->state = argv[i + 1];
        else if (strcmp(argv[i], "--curve-secret-key") == 0)
            o->curve_secret_key = argv[i + 1];
        else if (strcmp(argv[i], "--allow-client") == 0)
            o->allowed_client = argv[i + 1];
        else
            return -1;
    }
    if ((o->curve_secret_key != NULL) != (o->allowed_client != NULL))
        return -1;
    return o->bind != NULL && argc % 2 == 1 ? 0 : -1;
}

/* Spawns both actors and names them for remote callers. */
static int spawn_named(actor_system *sys, const char *state_path)
{
    actor_ref calc, counter;
    int rc = calc_Calculator_spawn(sys, &calculator_handlers, NULL, NULL, &calc);
    if (rc == 0)
        rc = actor_register_name(sys, calc, "calculator");
    if (rc == 0)
        rc = calc_Counter_spawn(sys, &counter_handlers, state_path, NULL, &counter);
    if (rc == 0)
        rc = actor_register_name(sys, counter, "counter");
    return rc;
}

/* Blocks until SIGINT or SIGTERM (blocked in every thread). */
static int wait_for_signal(const sigset_t *stop)
{
    int sig = 0;
    while (sigwait(stop, &sig) != 0)
        ;
    return sig;
}

static int print_state_file(const char *path)
{
    calc_CounterState saved;
    int rc = counter_state_load(path, &saved);
    if (rc == 0)
        calls_print_state("state file", &saved);
    else
        fprintf(stderr, "cannot read %s: %s\n", path, actor_strerror(rc));
    calc_CounterState_free(&saved);
    return rc;
}

int main(int argc, char **argv)
{
    options o;
    if (parse_options(argc, argv, &o) != 0) {
        fprintf(stderr, "%s", usage);
        return 2;
    }

    /* Before any thread starts, so that every thread inherits the mask and
     * the signals reach sigwait below. */
    sigset_t stop;
    sigemptyset(&stop);
    sigaddset(&stop, SIGINT);
    sigaddset(&stop, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &stop, NULL);

    actor_system *sys;
    int rc = actor_system_new(NULL, &sys);
    if (rc != 0) {
        fprintf(stderr, "actor_system_new: %s\n", actor_strerror(rc));
        return 1;
    }
    char bound[256] = "";
    rc = spawn_named(sys, o.state);
    if (rc == 0)
        rc = actor_system_bind(sys, o.bind,
                               o.curve_secret_key != NULL
                                   ? &(actor_bind_opts){o.curve_secret_key, &o.allowed_client, 1}
                                   : NULL,
                               bound, sizeof bound);
    if (rc != 0) { /* a failed bind says why in `bound` */
        fprintf(stderr, "cannot serve: %s\n", bound[0] != '\0' ? bound : actor_strerror(rc));
        actor_system_destroy(&sys);
        return 1;
    }
    printf("listening on %s\n", bound);
    fflush(stdout);

    int sig = wait_for_signal(&stop);
    printf("%s: shutting down\n", strsignal(sig));
    /* Drains every mailbox and runs the cleanup hooks: the counter writes
     * its file. Replies still queued for clients are sent first. */
    actor_system_destroy(&sys);
    return print_state_file(o.state) == 0 ? 0 : 1;
}
