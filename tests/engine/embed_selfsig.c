/* embed_selfsig: signals an embedded guest sends itself reach only its
 * machine, and signals the embedding program's threads take for a guest
 * reach it promptly (include/vvm/vvm.h).
 *
 *   embed_selfsig SELFSIG [CASE]   (SELFSIG: tests/engine/selfsig.c built
 *                                   for riscv64; CASE: only that one)
 *
 * Each machine runs on a host thread of its own while the main thread,
 * which runs no guest, waits: so a signal the host kernel would hand any
 * thread of the process may land on a thread that is not the guest's.  The
 * program has handlers of its own for the signals the guests send
 * themselves, which must never run, and its main thread's mask must not
 * change.  One line per check: "ok NAME" or "not ok NAME: why", "ok end"
 * last. */
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/select.h>
#include <time.h>
#include <unistd.h>

#include "vvm/vvm.h"

static const char *guest, *only;
static int bad;
static volatile sig_atomic_t host_got[65];

static void on_host(int sig) { host_got[sig]++; }

static void report(int okay, const char *name, const char *why)
{
    bad += !okay;
    printf("%s %s%s%s\n", okay ? "ok" : "not ok", name, okay ? "" : ": ", okay ? "" : why);
    fflush(stdout);
}

typedef struct machine {
    const char *how;
    int fds[2];                 /* the guest writes fds[1] when it is ready */
    pthread_t th;
    vvm_status st;
    int status;
    volatile int done;
    char err[512];
} machine;

static void *run_machine(void *arg)
{
    machine *mc = arg;
    mc->st = VVM_ERROR;
    vvm *m = vvm_create("rv64-linux", mc->err, sizeof mc->err);
    if (m) {
        char tid[16], fd[16];
        snprintf(tid, sizeof tid, "%d", (int)getpid());  /* the main thread: it runs no guest */
        snprintf(fd, sizeof fd, "%d", mc->fds[1]);
        char *argv[] = {(char *)guest, (char *)mc->how, tid, fd, NULL};
        if (vvm_load(m, guest, 4, argv, NULL, mc->err, sizeof mc->err) == 0) {
            mc->st = vvm_run(m, -1);
            mc->status = vvm_exit_status(m);
        }
        vvm_destroy(m);
    }
    __atomic_store_n(&mc->done, 1, __ATOMIC_SEQ_CST);
    return NULL;
}

static void start(machine *mc, const char *how)
{
    memset(mc, 0, sizeof *mc);
    mc->how = how;
    mc->status = -2;
    if (pipe(mc->fds) < 0 || pthread_create(&mc->th, NULL, run_machine, mc) != 0) {
        perror("embed_selfsig");
        exit(2);
    }
}

/* Waits (10 s at most) for the guest's "ready". */
static int wait_ready(machine *mc)
{
    for (int i = 0; i < 1000; i++) {
        fd_set r;
        FD_ZERO(&r);
        FD_SET(mc->fds[0], &r);
        struct timeval tv = {0, 10000};
        if (select(mc->fds[0] + 1, &r, NULL, NULL, &tv) > 0) {
            char c;
            return read(mc->fds[0], &c, 1) == 1;
        }
        if (mc->done)
            return 0;
    }
    return 0;
}

static void finish(machine *mc)
{
    pthread_join(mc->th, NULL);
    close(mc->fds[0]);
    close(mc->fds[1]);
}

static int host_untouched(const sigset_t *mask0, char *why, size_t n)
{
    for (int h = 1; h <= 64; h++)
        if (host_got[h]) {
            snprintf(why, n, "the host's own handler for signal %d ran", h);
            return 0;
        }
    sigset_t now;
    pthread_sigmask(SIG_SETMASK, NULL, &now);
    for (int h = 1; h <= 64; h++)
        if (sigismember(mask0, h) != sigismember(&now, h)) {
            snprintf(why, n, "the main thread's mask changed for signal %d", h);
            return 0;
        }
    return 1;
}

static int selected(const char *name) { return !only || !strcmp(only, name); }

/* The guest sends itself a signal: it must end with want. */
static void check_case(const char *how, int want, const sigset_t *mask0)
{
    if (!selected(how))
        return;
    machine mc;
    start(&mc, how);
    finish(&mc);
    char why[700];
    snprintf(why, sizeof why, "vvm_run %d, status %d, want %d %s", (int)mc.st, mc.status, want, mc.err);
    int ok = mc.st == VVM_EXITED && mc.status == want;
    if (ok)
        ok = host_untouched(mask0, why, sizeof why);
    report(ok, how, why);
}

/* The main thread takes SIGUSR1 for the guest (raise: only this thread can
 * take it) once the guest is ready; the guest must see it soon, in a busy
 * loop or a blocking call.  Raised again every 200 ms until the machine
 * ends (10 s at most): a signal taken between the guest's last look and
 * its blocking host call is seen only when that call returns (vvm has no
 * safe_syscall yet), and a second instance ends the call. */
static void raise_until_done(machine *mc)
{
    for (int i = 0; i < 50 && !mc->done; i++) {
        raise(SIGUSR1);
        for (int j = 0; j < 20 && !mc->done; j++) {
            struct timespec ts = {0, 10 * 1000 * 1000};
            nanosleep(&ts, NULL);
        }
    }
}

static void check_stray(const char *how, int want, const sigset_t *mask0)
{
    char name[64];
    snprintf(name, sizeof name, "stray-%s", how);
    if (!selected(name))
        return;
    machine mc;
    start(&mc, how);
    int ready = wait_ready(&mc);
    if (ready)
        raise_until_done(&mc);
    finish(&mc);
    char why[700];
    snprintf(why, sizeof why, "guest %sready, vvm_run %d, status %d, want %d %s", ready ? "" : "never ", (int)mc.st,
             mc.status, want, mc.err);
    int ok = ready && mc.st == VVM_EXITED && mc.status == want;
    if (ok)
        ok = host_untouched(mask0, why, sizeof why);
    report(ok, name, why);
}

/* Two machines: the first spins until a signal comes; the second sends
 * itself one (sigqueue: it must take it, not the first, which is the one
 * the embedder's threads' signals go to); then the main thread's signal
 * ends the first. */
static void check_two(const sigset_t *mask0)
{
    if (!selected("two-machines"))
        return;
    machine a, b;
    start(&a, "spin");
    int ready = wait_ready(&a);
    start(&b, "sigqueue");
    finish(&b);
    int a_running = !a.done;
    if (ready)
        raise_until_done(&a);
    finish(&a);
    char why[1400];
    snprintf(why, sizeof why, "first %sready, %s when the second ended; first: vvm_run %d status %d (want 28) %s; "
             "second: vvm_run %d status %d (want 27) %s", ready ? "" : "never ", a_running ? "running" : "ended",
             (int)a.st, a.status, a.err, (int)b.st, b.status, b.err);
    int ok = ready && a_running && a.st == VVM_EXITED && a.status == 28 && b.st == VVM_EXITED && b.status == 27;
    if (ok)
        ok = host_untouched(mask0, why, sizeof why);
    report(ok, "two-machines", why);
}

int main(int argc, char **argv)
{
    if (argc != 2 && argc != 3) {
        fprintf(stderr, "usage: embed_selfsig SELFSIG [CASE]\n");
        return 2;
    }
    guest = argv[1];
    only = argc == 3 ? argv[2] : NULL;
    /* a group of its own: kill(0) from a guest reaches the other processes
     * of the group (none here), never the test's driver */
    setpgid(0, 0);
    static const int mine[] = {SIGTERM, SIGUSR1, SIGUSR2, SIGCONT, SIGTSTP, SIGTTIN, SIGTTOU};
    for (size_t i = 0; i < sizeof mine / sizeof mine[0]; i++) {
        struct sigaction sa;
        memset(&sa, 0, sizeof sa);
        sa.sa_handler = on_host;
        sigaction(mine[i], &sa, NULL);
    }
    sigset_t mask0;
    pthread_sigmask(SIG_SETMASK, NULL, &mask0);

    check_case("term-handler", 20, &mask0);
    check_case("term", 128 + SIGTERM, &mask0);
    check_case("raise-term", 128 + SIGTERM, &mask0);
    check_case("tgkill", 21, &mask0);
    check_case("kill0", 22, &mask0);
    check_case("kill0-term", 128 + SIGTERM, &mask0);
    check_case("sigkill", 128 + SIGKILL, &mask0);
    check_case("stop", 23, &mask0);
    check_case("thread", 24, &mask0);
    check_case("blocked", 25, &mask0);
    check_case("foreign", 26, &mask0);
    check_case("sigqueue", 27, &mask0);
    check_stray("spin", 28, &mask0);
    check_stray("block", 29, &mask0);
    check_two(&mask0);
    /* the host's own handlers work again */
    raise(SIGUSR1);
    report(host_got[SIGUSR1] == 1, "host-handler-after", "the host's SIGUSR1 handler did not run");
    report(1, "end", "");
    return bad ? 1 : 0;
}
