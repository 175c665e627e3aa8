/* Forged fault signals: a process may queue SIGSEGV or SIGBUS to itself with
 * any si_code and si_addr (rt_sigqueueinfo, rt_tgsigqueueinfo), or have the
 * kernel send one with si_code POLL_IN (F_SETSIG).  Linux runs the handler
 * with the siginfo as sent; vvm must too, and never take it for a fault of
 * its own ("internal error"). */
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "hostile.h"

static volatile sig_atomic_t got_sig, got_code;
static void *volatile got_addr;
static volatile int got_fd;

static void on_sig(int sig, siginfo_t *si, void *uc)
{
    (void)uc;
    got_sig = sig;
    got_code = si->si_code;
    got_addr = si->si_addr;
    got_fd = si->si_fd;
}

static void catch_sig(int sig)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_sigaction = on_sig;
    sa.sa_flags = SA_SIGINFO;
    sigemptyset(&sa.sa_mask);
    sigaction(sig, &sa, NULL);
}

static void forge(siginfo_t *si, int sig, int code, uintptr_t addr)
{
    memset(si, 0, sizeof *si);
    si->si_signo = sig;
    si->si_code = code;
    si->si_addr = (void *)addr;
    got_sig = got_code = 0;
    got_addr = NULL;
}

/* One forged signal through rt_sigqueueinfo (tg == 0) or rt_tgsigqueueinfo. */
static void one(const char *name, int sig, int code, uintptr_t addr, int tg)
{
    siginfo_t si;
    forge(&si, sig, code, addr);
    long r = tg ? syscall(SYS_rt_tgsigqueueinfo, getpid(), (pid_t)syscall(SYS_gettid), sig, &si)
                : syscall(SYS_rt_sigqueueinfo, getpid(), sig, &si);
    if (r != 0) {
        FAIL(name, "queueing failed: errno %d (%s)", errno, strerror(errno));
        return;
    }
    CHECK(name, got_sig == sig && got_code == code && got_addr == (void *)addr,
          "handler saw sig %d code %d addr %p, want %d %d %p", (int)got_sig, (int)got_code, got_addr, sig, code,
          (void *)addr);
}

static void *thread_forges(void *arg)
{
    (void)arg;
    one("tgsigqueueinfo-thread-segv", SIGSEGV, SEGV_ACCERR, 0x4242424242, 1);
    one("tgsigqueueinfo-thread-bus", SIGBUS, BUS_OBJERR, 0x10, 1);
    return NULL;
}

int main(void)
{
    catch_sig(SIGSEGV);
    catch_sig(SIGBUS);
    static const struct {
        const char *name;
        int sig, code;
        uintptr_t addr;
    } k[] = {
        {"segv-maperr", SIGSEGV, SEGV_MAPERR, 0x4141414141},
        {"segv-accerr", SIGSEGV, SEGV_ACCERR, 0x4141414141},
        {"segv-maperr-null", SIGSEGV, SEGV_MAPERR, 0},
        {"segv-kernel", SIGSEGV, SI_KERNEL, 0},
        {"segv-bnderr", SIGSEGV, 3 /* SEGV_BNDERR */, 0x1000},
        {"segv-pkuerr", SIGSEGV, 4 /* SEGV_PKUERR */, 0x1000},
        {"segv-high", SIGSEGV, SEGV_MAPERR, (uintptr_t)-4096},
        {"bus-adraln", SIGBUS, BUS_ADRALN, 0x4141414141},
        {"bus-adrerr", SIGBUS, BUS_ADRERR, 0x4141414141},
        {"bus-objerr", SIGBUS, BUS_OBJERR, 0x4141414141},
        {"bus-kernel", SIGBUS, SI_KERNEL, 0},
        {"segv-queue", SIGSEGV, SI_QUEUE, 0x4141414141},
    };
    char name[64];
    for (size_t i = 0; i < sizeof k / sizeof k[0]; i++) {
        snprintf(name, sizeof name, "sigqueueinfo-%s", k[i].name);
        one(name, k[i].sig, k[i].code, k[i].addr, 0);
        snprintf(name, sizeof name, "tgsigqueueinfo-%s", k[i].name);
        one(name, k[i].sig, k[i].code, k[i].addr, 1);
    }

    /* a forged signal at the address of a real fault's page: the stack */
    int local;
    one("sigqueueinfo-stack-addr", SIGSEGV, SEGV_MAPERR, (uintptr_t)&local, 0);

    /* from a second thread, to itself */
    pthread_t th;
    if (pthread_create(&th, NULL, thread_forges, NULL) == 0)
        pthread_join(th, NULL);
    else
        FAIL("tgsigqueueinfo-thread", "pthread_create failed");

    /* to another thread with a positive si_code: Linux refuses */
    {
        siginfo_t si;
        forge(&si, SIGSEGV, SEGV_MAPERR, 0x4141414141);
        CHECK_ERR("tgsigqueueinfo-other-thread-eperm",
                  syscall(SYS_rt_tgsigqueueinfo, getpid(), getpid() + 100000, SIGSEGV, &si), EPERM);
    }

    /* the kernel as the sender: F_SETSIG makes SIGIO a SIGSEGV with si_fd
     * (si_code POLL_IN, the same number as SEGV_MAPERR, on older kernels;
     * SI_SIGIO on newer ones) */
    int p[2];
    if (pipe(p) == 0) {
        got_sig = got_code = 0;
        int ok = fcntl(p[0], F_SETSIG, SIGSEGV) == 0 && fcntl(p[0], F_SETOWN, getpid()) == 0 &&
                 fcntl(p[0], F_SETFL, fcntl(p[0], F_GETFL) | O_ASYNC) == 0;
        if (!ok) {
            FAIL("fsetsig-segv", "fcntl failed: errno %d", errno);
        } else {
            (void)!write(p[1], "x", 1);
            for (int i = 0; i < 1000 && !got_sig; i++)
                usleep(1000);
            CHECK("fsetsig-segv", got_sig == SIGSEGV && (got_code == POLL_IN || got_code == -5) && got_fd == p[0],
                  "handler saw sig %d code %d fd %d, want %d POLL_IN/SI_SIGIO %d", (int)got_sig, (int)got_code,
                  (int)got_fd, SIGSEGV, p[0]);
        }
        close(p[0]);
        close(p[1]);
    }

    DONE();
}
