/* embed_die: a guest ends only its own machine (include/vvm/vvm.h).
 *
 *   embed_die DIE [CASE]   (DIE: tests/engine/die.c built for riscv64;
 *                           CASE: only that one)
 *
 * For each way die can end (a NULL store in the main thread or in another,
 * exit from a second thread while the main one blocks, exit_group, abort,
 * SIGKILL from itself) this program must survive, get the guest's status as
 * a shell would see it, have no guest thread left, find its own signal
 * dispositions and mask as they were, and then create and run another
 * machine.  One line per check: "ok NAME" or "not ok NAME: why", and
 * "ok end" last. */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "vvm/vvm.h"

static const char *die_path, *only;
static int bad;
static volatile sig_atomic_t usr1_seen;

static void on_usr1(int sig) { (void)sig; usr1_seen = 1; }

static pid_t host_pid;

static void report(int okay, const char *name, const char *why)
{
    if (getpid() != host_pid) {
        /* a child the guest forked came back into this program's code */
        printf("not ok %s: reported by process %d, a child of the host program\n", name, (int)getpid());
        fflush(stdout);
        _exit(1);
    }
    if (okay)
        printf("ok %s\n", name);
    else {
        printf("not ok %s: %s\n", name, why);
        bad++;
    }
    fflush(stdout);
}

/* Threads in this process (/proc/self/status), -1 if unknown. */
static int host_threads(void)
{
    FILE *f = fopen("/proc/self/status", "r");
    char line[256];
    int n = -1;
    while (f && fgets(line, sizeof line, f))
        if (sscanf(line, "Threads: %d", &n) == 1)
            break;
    if (f)
        fclose(f);
    return n;
}

/* The host's dispositions and mask, to compare before and after a machine.
 * SIGSEGV and SIGBUS are left out: vvm's fault handler stays installed once
 * the first machine is loaded (it passes on faults outside guest memory). */
typedef struct host_state {
    struct sigaction act[65];
    int have[65];
    sigset_t mask;
} host_state;

static void snapshot(host_state *s)
{
    memset(s, 0, sizeof *s);
    for (int h = 1; h <= 64; h++)
        if (h != SIGSEGV && h != SIGBUS && h != SIGKILL && h != SIGSTOP)
            s->have[h] = sigaction(h, NULL, &s->act[h]) == 0;
    sigprocmask(SIG_SETMASK, NULL, &s->mask);
}

#define FLAGS (SA_SIGINFO | SA_RESTART | SA_NODEFER | SA_RESETHAND | SA_ONSTACK | SA_NOCLDSTOP)

static int same_state(const host_state *a, const host_state *b, char *why, size_t n)
{
    for (int h = 1; h <= 64; h++) {
        if (a->have[h] != b->have[h] || (a->have[h] && (a->act[h].sa_handler != b->act[h].sa_handler ||
                                                        (a->act[h].sa_flags & FLAGS) != (b->act[h].sa_flags & FLAGS)))) {
            snprintf(why, n, "the disposition of host signal %d changed", h);
            return 0;
        }
        if (sigismember(&a->mask, h) != sigismember(&b->mask, h)) {
            snprintf(why, n, "host signal %d is %s now", h, sigismember(&b->mask, h) ? "blocked" : "unblocked");
            return 0;
        }
    }
    return 1;
}

/* Runs die CASE in 100000-instruction slices until it ends; returns the
 * vvm_run result, the exit status in *status. */
static vvm_status run_case(const char *how, int *status, char *err, size_t n)
{
    vvm *m = vvm_create("rv64-linux", err, n);
    if (!m)
        return VVM_ERROR;
    char *argv[] = {(char *)die_path, (char *)how, NULL};
    if (vvm_load(m, die_path, 2, argv, NULL, err, n) < 0) {
        vvm_destroy(m);
        return VVM_ERROR;
    }
    vvm_status st;
    while ((st = vvm_run(m, 100000)) == VVM_BUDGET)
        if (vvm_exit_status(m) != -1) {
            snprintf(err, n, "vvm_exit_status is %d while the guest runs", vvm_exit_status(m));
            vvm_destroy(m);
            return VVM_ERROR;
        }
    *status = vvm_exit_status(m);
    if (st == VVM_EXITED && vvm_run(m, 100000) != VVM_EXITED) {
        snprintf(err, n, "vvm_run after the end is not VVM_EXITED");
        st = VVM_ERROR;
    }
    vvm_destroy(m);
    return st;
}

/* After a machine: one host thread, the host's signal state as before, its
 * own handler still works, and a new machine runs hello. */
static void after(const char *name, const host_state *before)
{
    char what[128], why[256];
    int n = host_threads();
    snprintf(what, sizeof what, "%s/threads-joined", name);
    snprintf(why, sizeof why, "%d host threads after vvm_run returned", n);
    report(n == 1, what, why);

    host_state now;
    snapshot(&now);
    snprintf(what, sizeof what, "%s/host-signals", name);
    int same = same_state(before, &now, why, sizeof why);
    usr1_seen = 0;
    raise(SIGUSR1);
    if (same && !usr1_seen)
        snprintf(why, sizeof why, "the host's SIGUSR1 handler did not run");
    report(same && usr1_seen, what, why);

    int status = -2;
    vvm_status st = run_case("hello", &status, why, sizeof why);
    snprintf(what, sizeof what, "%s/next-machine", name);
    if (st != VVM_EXITED || status != 0)
        snprintf(why + strlen(why), sizeof why - strlen(why), " (vvm_run %d, status %d)", (int)st, status);
    report(st == VVM_EXITED && status == 0, what, why);
}

static void check_case(const char *how, int want)
{
    if (only && strcmp(only, how))
        return;
    host_state before;
    snapshot(&before);
    char err[512] = "", why[600];
    int status = -2;
    vvm_status st = run_case(how, &status, err, sizeof err);
    snprintf(why, sizeof why, "vvm_run %d, status %d, want %d %s", (int)st, status, want, err);
    report(st == VVM_EXITED && status == want, how, why);
    after(how, &before);
}

int main(int argc, char **argv)
{
    if (argc != 2 && argc != 3) {
        fprintf(stderr, "usage: embed_die DIE [CASE]\n");
        return 2;
    }
    die_path = argv[1];
    host_pid = getpid();
    only = argc == 3 ? argv[2] : NULL;
    /* a host with a handler of its own and a signal blocked */
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_usr1;
    sigaction(SIGUSR1, &sa, NULL);
    sigset_t block;
    sigemptyset(&block);
    sigaddset(&block, SIGUSR2);
    sigprocmask(SIG_BLOCK, &block, NULL);

    check_case("hello", 0);
    check_case("null", 128 + SIGSEGV);
    check_case("thread-null", 128 + SIGSEGV);
    check_case("thread-exit", 3);
    check_case("thread-exit-sleep", 3);
    check_case("exit-group", 7);
    check_case("abort", 128 + SIGABRT);
    check_case("sigkill", 128 + SIGKILL);
    check_case("thread-sigkill", 128 + SIGKILL);
    check_case("main-exit", 5);
    check_case("fork", 14);
    check_case("exec", 8);

    if (only && strcmp(only, "destroy-running"))
        return bad ? 1 : 0;
    /* destroyed while its threads run: one spins, one blocks in read */
    host_state before;
    snapshot(&before);
    char err[512] = "";
    vvm *m = vvm_create("rv64-linux", err, sizeof err);
    char *dargv[] = {(char *)die_path, "spin", NULL};
    int loaded = m && vvm_load(m, die_path, 2, dargv, NULL, err, sizeof err) == 0;
    vvm_status st = loaded ? vvm_run(m, 2000000) : VVM_ERROR;
    struct timespec ts = {0, 50 * 1000 * 1000};
    nanosleep(&ts, NULL);  /* the reader blocks meanwhile */
    report(st == VVM_BUDGET && vvm_exit_status(m) == -1, "destroy-running", err);
    vvm_destroy(m);
    after("destroy-running", &before);
    report(1, "end", "");  /* this program was not replaced or ended on the way */
    return bad ? 1 : 0;
}
