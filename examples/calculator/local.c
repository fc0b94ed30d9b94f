/*
 * local.c - calculator-local: the calculator and the counter in this
 * process (in-process messages, no sockets). Runs the example's calls,
 * then restarts the counter from its state file to show that the count
 * survives, and checks it once more after the system has shut down.
 *
 *   calculator-local [STATE_FILE]   (overwritten; default: a file in /tmp,
 *                                    removed at the end)
 *
 * Exits 0 when every result was the expected one, 1 otherwise.
 */
#include <inttypes.h>
#include <stdio.h>
#include <time.h>
#include <unistd.h>

#include "calculator_actors.h"
#include "calculator_calls.h"

/* actor_terminate returns at once; the counter's cleanup (which writes its
 * file) has run once its ref stops resolving. */
static int wait_gone(actor_system *sys, actor_ref ref)
{
    actor_stats stats;
    for (int ms = 0; ms < 10000; ms++) {
        if (actor_stats_get(sys, ref, &stats) == ACTOR_ENOTFOUND)
            return 0;
        nanosleep(&(struct timespec){.tv_nsec = 1000000}, NULL);
    }
    return ACTOR_ETIMEDOUT;
}

/* Reads the state file and checks its count. */
static int check_file(const char *title, const char *path, int64_t want)
{
    calc_CounterState saved;
    int rc = counter_state_load(path, &saved);
    if (rc != 0) {
        printf("%s: cannot read %s: %s\n", title, path,
               rc == ACTOR_ENOTFOUND ? "no such file" : actor_strerror(rc));
        return 1;
    }
    calls_print_state(title, &saved);
    int failed = saved.count != want;
    if (failed)
        printf("  UNEXPECTED: wanted count %" PRId64 "\n", want);
    calc_CounterState_free(&saved);
    return failed;
}

/* Terminates the counter (draining its mailbox; cleanup writes the file),
 * spawns a new one from the same file, checks it resumes at *count and
 * counts on (*count is updated). */
static int restart_counter(actor_system *sys, actor_client *c, actor_ref *counter,
                           const char *path, int64_t *count)
{
    int rc = actor_terminate(sys, *counter, true);
    if (rc == 0)
        rc = wait_gone(sys, *counter);
    if (rc != 0) {
        printf("terminate: %s\n", actor_strerror(rc));
        return 1;
    }
    int failed = check_file("terminated, file", path, *count);

    rc = calc_Counter_spawn(sys, &counter_handlers, path, NULL, counter);
    if (rc != 0) {
        printf("respawn: %s\n", actor_strerror(rc));
        return failed + 1;
    }
    printf("respawned from %s\n", path);
    return failed + calls_count(c, *counter, *count, 2, count);
}

/* Everything that needs the running system. */
static int run(actor_system *sys, actor_client *c, const char *path, int64_t *final)
{
    actor_ref calc, counter;
    int rc = calc_Calculator_spawn(sys, &calculator_handlers, NULL, NULL, &calc);
    if (rc == 0)
        rc = calc_Counter_spawn(sys, &counter_handlers, path, NULL, &counter);
    if (rc != 0) {
        printf("spawn: %s\n", actor_strerror(rc));
        return 1;
    }

    if (calls_ping(c, calc) != 0)
        return 1; /* nobody there: every other call would time out too */
    int failed = calls_calculate(c, calc);
    failed += calls_calculate_async(c, calc);

    /* 250 increments and a decrement: the file was written at updates 100
     * and 200 (count 200), the rest is only in memory. */
    int64_t count;
    failed += calls_count(c, counter, 0, 250, &count);
    failed += check_file("periodic, file", path, 200);

    failed += restart_counter(sys, c, &counter, path, &count);
    *final = count;
    return failed;
}

int main(int argc, char **argv)
{
    char tmp[64];
    const char *path = argc > 1 ? argv[1] : NULL;
    if (path == NULL) {
        snprintf(tmp, sizeof tmp, "/tmp/calculator-local.%ld.state", (long)getpid());
        path = tmp;
    }
    remove(path); /* start from 0 */

    actor_system *sys;
    actor_client *c;
    if (calls_start(&sys, &c) != 0)
        return 1;

    int64_t count = 0;
    int failed = run(sys, c, path, &count);

    /* Shutdown drains every actor; the counter's cleanup writes its file. */
    actor_client_destroy(&c);
    actor_system_destroy(&sys);
    failed += check_file("shut down, file", path, count);

    if (path == tmp)
        remove(path);
    printf("%s\n", failed ? "FAILED" : "all results as expected");
    return failed ? 1 : 0;
}
