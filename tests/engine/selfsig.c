/* selfsig: signals a guest sends itself, for tests/engine/embed_selfsig.c
 * (embedded, each must reach only the guest's machine, never the program
 * that embeds it) and signals the embedding program's threads take for it.
 *   selfsig CASE HOSTTID FD   (HOSTTID: a thread of the embedding program
 *                              that runs no guest; FD: a pipe's write end,
 *                              written once the guest is ready)
 * Exit statuses: 20-29 when the case went as it should, 128+N when signal
 * N ended it, 1-19 for a failure (the number says which check).
 *   term-handler   kill(getpid(), SIGTERM), a handler: SI_USER from our pid (20)
 *   term           kill(getpid(), SIGTERM), no handler                  (143)
 *   raise-term     raise(SIGTERM), no handler                           (143)
 *   tgkill         tgkill(getpid(), gettid(), SIGUSR1), a handler: SI_TKILL (21)
 *   kill0          kill(0, SIGUSR2), a handler                          (22)
 *   kill0-term     kill(0, SIGTERM), no handler                         (143)
 *   sigkill        kill(getpid(), SIGKILL)                              (137)
 *   stop           SIGSTOP, SIGTSTP, SIGTTIN, SIGTTOU to itself: ignored; SIGCONT
 *                  with a handler runs it                              (23)
 *   thread         tgkill of a second thread blocked in read: its handler
 *                  runs there and read ends with EINTR                  (24)
 *   blocked        main blocks SIGUSR1; kill(getpid()) goes to the thread
 *                  that does not block it                              (25)
 *   foreign        tgkill/tkill of HOSTTID: ESRCH (not the guest's thread) (26)
 *   sigqueue       sigqueue(getpid(), SIGUSR1, 42): SI_QUEUE and the value (27)
 *   spin           a SIGUSR1 handler, then a busy loop without system calls
 *                  until it ran (the host sends the signal)   (28; 2 after 10 s)
 *   block          a SIGUSR1 handler without SA_RESTART, then read blocks
 *                  until the host's signal ends it with EINTR           (29)
 */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

static volatile sig_atomic_t got, got_code, got_pid, got_value, got_tid;
static int pipefd[2], ready_fd = -1;

static void on_sig(int sig, siginfo_t *si, void *uc)
{
    (void)uc;
    got = sig;
    got_code = si->si_code;
    got_pid = si->si_pid;
    got_value = si->si_value.sival_int;
    got_tid = (sig_atomic_t)syscall(SYS_gettid);
}

static void handle(int sig, int flags)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_sigaction = on_sig;
    sa.sa_flags = SA_SIGINFO | flags;
    sigaction(sig, &sa, NULL);
}

static void ready(void)
{
    if (ready_fd >= 0)
        (void)!write(ready_fd, "r", 1);
}

static volatile int reader_tid, reader_errno, reader_done;

static void *reader(void *arg)
{
    (void)arg;
    reader_tid = (int)syscall(SYS_gettid);
    char c;
    ssize_t n = read(pipefd[0], &c, 1);
    reader_errno = n < 0 ? errno : 0;
    reader_done = 1;
    return NULL;
}

static volatile int waiter_tid;

static void *waiter(void *arg)
{
    (void)arg;
    sigset_t s;
    sigemptyset(&s);
    sigaddset(&s, SIGUSR1);
    pthread_sigmask(SIG_UNBLOCK, &s, NULL);
    waiter_tid = (int)syscall(SYS_gettid);
    while (!got)
        ;
    return NULL;
}

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);  /* the vDSO's: no system call */
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
    const char *how = argc > 1 ? argv[1] : "";
    int hosttid = argc > 2 ? atoi(argv[2]) : 0;
    ready_fd = argc > 3 ? atoi(argv[3]) : -1;
    if (pipe(pipefd) < 0)
        return 19;
    if (!strcmp(how, "term-handler")) {
        handle(SIGTERM, 0);
        kill(getpid(), SIGTERM);
        return got == SIGTERM && got_code == SI_USER && got_pid == getpid() ? 20 : 3;
    }
    if (!strcmp(how, "term")) {
        kill(getpid(), SIGTERM);
        return 4;
    }
    if (!strcmp(how, "raise-term")) {
        raise(SIGTERM);
        return 5;
    }
    if (!strcmp(how, "tgkill")) {
        handle(SIGUSR1, 0);
        syscall(SYS_tgkill, getpid(), syscall(SYS_gettid), SIGUSR1);
        return got == SIGUSR1 && got_code == SI_TKILL && got_pid == getpid() ? 21 : 6;
    }
    if (!strcmp(how, "kill0")) {
        handle(SIGUSR2, 0);
        if (kill(0, SIGUSR2) != 0)
            return 7;
        return got == SIGUSR2 && got_code == SI_USER ? 22 : 8;
    }
    if (!strcmp(how, "kill0-term")) {
        kill(0, SIGTERM);
        return 9;
    }
    if (!strcmp(how, "sigkill")) {
        kill(getpid(), SIGKILL);
        return 10;
    }
    if (!strcmp(how, "stop")) {
        kill(getpid(), SIGSTOP);
        raise(SIGTSTP);
        kill(getpid(), SIGTTIN);
        kill(0, SIGTTOU);
        if (got)
            return 11;
        handle(SIGCONT, 0);
        kill(getpid(), SIGCONT);
        return got == SIGCONT ? 23 : 12;
    }
    if (!strcmp(how, "thread")) {
        handle(SIGUSR1, 0);  /* no SA_RESTART: the read ends */
        pthread_t th;
        pthread_create(&th, NULL, reader, NULL);
        while (!reader_tid)
            ;
        /* again every 50 ms until the reader is done (10 s at most): one
         * taken before the reader is in read ends nothing (vvm has no
         * safe_syscall), the next one ends the read */
        for (int k = 0; k < 200 && !reader_done; k++) {
            struct timespec ts = {0, 50 * 1000 * 1000};
            nanosleep(&ts, NULL);
            if (!reader_done && syscall(SYS_tgkill, getpid(), reader_tid, SIGUSR1) != 0)
                return 13;
        }
        pthread_join(th, NULL);
        return got == SIGUSR1 && got_tid == reader_tid && reader_errno == EINTR ? 24 : 14;
    }
    if (!strcmp(how, "blocked")) {
        handle(SIGUSR1, 0);
        sigset_t s;
        sigemptyset(&s);
        sigaddset(&s, SIGUSR1);
        pthread_sigmask(SIG_BLOCK, &s, NULL);
        pthread_t th;
        pthread_create(&th, NULL, waiter, NULL);  /* unblocks it there */
        while (!waiter_tid)
            ;
        kill(getpid(), SIGUSR1);
        pthread_join(th, NULL);
        return got == SIGUSR1 && got_tid == waiter_tid ? 25 : 15;
    }
    if (!strcmp(how, "foreign")) {
        if (hosttid <= 0)
            return 16;
        handle(SIGTERM, 0);
        long r1 = syscall(SYS_tgkill, getpid(), hosttid, SIGTERM);
        int e1 = errno;
        long r2 = syscall(SYS_tkill, hosttid, SIGTERM);
        int e2 = errno;
        return r1 == -1 && e1 == ESRCH && r2 == -1 && e2 == ESRCH && !got ? 26 : 17;
    }
    if (!strcmp(how, "sigqueue")) {
        handle(SIGUSR1, 0);
        union sigval v = {.sival_int = 42};
        sigqueue(getpid(), SIGUSR1, v);
        return got == SIGUSR1 && got_code == SI_QUEUE && got_value == 42 ? 27 : 18;
    }
    if (!strcmp(how, "spin")) {
        handle(SIGUSR1, 0);
        ready();
        double t0 = now();
        while (!got)
            if (now() - t0 > 10)
                return 2;
        return 28;
    }
    if (!strcmp(how, "block")) {
        handle(SIGUSR1, 0);
        ready();
        char c;
        ssize_t n = read(pipefd[0], &c, 1);
        return n < 0 && errno == EINTR && got == SIGUSR1 ? 29 : 1;
    }
    fprintf(stderr, "selfsig: unknown case %s\n", how);
    return 1;
}
