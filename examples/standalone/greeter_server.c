/*
 * greeter-server ENDPOINT: serves a hello.Greeter named "greeter" on
 * ENDPOINT (tcp://HOST:PORT, tcp://HOST:* for a free port, ipc://PATH).
 * Prints "listening on ENDPOINT" once bound; on SIGINT or SIGTERM it
 * answers what is queued and exits 0.
 */
#include <signal.h>
#include <stdio.h>
#include <string.h>

#include "actor/remote.h"
#include "greeter_actor.h"

int main(int argc, char **argv)
{
    actor_system *sys = NULL;
    actor_ref ref;
    char bound[256] = "";
    sigset_t stop;
    int rc, sig = 0;

    if (argc != 2) {
        fprintf(stderr, "usage: greeter-server ENDPOINT\n");
        return 2;
    }
    /* Block the signals before any thread starts: every thread inherits
     * the mask, and sigwait below takes them. */
    sigemptyset(&stop);
    sigaddset(&stop, SIGINT);
    sigaddset(&stop, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &stop, NULL);

    rc = actor_system_new(NULL, &sys);
    if (rc == 0)
        rc = hello_Greeter_spawn(sys, &greeter_handlers, NULL, NULL, &ref);
    if (rc == 0)
        rc = actor_register_name(sys, ref, "greeter");
    if (rc == 0)
        rc = actor_system_bind(sys, argv[1], NULL, bound, sizeof bound);
    if (rc != 0) {
        fprintf(stderr, "greeter-server: %s\n", bound[0] != '\0' ? bound : actor_strerror(rc));
        actor_system_destroy(&sys);
        return 1;
    }
    printf("listening on %s\n", bound);
    fflush(stdout);
    while (sigwait(&stop, &sig) != 0)
        ;
    actor_system_destroy(&sys); /* answers what is queued, runs cleanup */
    printf("stopped by %s\n", strsignal(sig));
    return 0;
}
