/* A shared file mapping whose file was truncated: its pages are mapped but
 * have nothing behind them.  Every system call given a pointer there fails
 * with EFAULT (the kernel's copy faults); a plain load or store there is
 * SIGBUS with BUS_ADRERR at that address.  Raw system calls throughout: the
 * libc wrappers of some calls read or write the structures themselves. */
#include <fcntl.h>
#include <linux/futex.h>
#include <poll.h>
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdint.h>
#include <sys/epoll.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "hostile.h"

#define PG 4096
static char *m;  /* two pages of a truncated file */

#define EF(name, expr) CHECK_ERR(name, expr, EFAULT)

static sigjmp_buf jb;
static volatile int got_sig, got_code;
static void *volatile got_addr;

static void on_fault(int sig, siginfo_t *si, void *uc)
{
    (void)uc;
    got_sig = sig;
    got_code = si->si_code;
    got_addr = si->si_addr;
    siglongjmp(jb, 1);
}

static void on_usr1(int sig) { (void)sig; }

static void *robust_thread(void *arg)
{
    (void)arg;
    /* the exit walks the robust list (head in the dead page) and clears the
     * tid word there; Linux ignores both faults */
    syscall(SYS_set_robust_list, m + 8, 24);
    syscall(SYS_set_tid_address, m + 64);
    syscall(SYS_exit, 0);
    return NULL;
}

static void plain_access(const char *name, int store, volatile char *p)
{
    struct sigaction sa, old_bus, old_segv;
    memset(&sa, 0, sizeof sa);
    sa.sa_sigaction = on_fault;
    sa.sa_flags = SA_SIGINFO | SA_NODEFER;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGBUS, &sa, &old_bus);
    sigaction(SIGSEGV, &sa, &old_segv);
    got_sig = got_code = 0;
    got_addr = NULL;
    if (sigsetjmp(jb, 1) == 0) {
        if (store)
            *p = 1;
        else
            (void)*p;
    }
    sigaction(SIGBUS, &old_bus, NULL);
    sigaction(SIGSEGV, &old_segv, NULL);
    CHECK(name, got_sig == SIGBUS && got_code == BUS_ADRERR && got_addr == (void *)p,
          "got signal %d code %d addr %p, want SIGBUS (%d) BUS_ADRERR (%d) at %p", got_sig, got_code, got_addr,
          SIGBUS, BUS_ADRERR, (void *)p);
}

int main(void)
{
    int fd = open("trunc.tmp", O_RDWR | O_CREAT | O_TRUNC, 0600);
    if (fd < 0 || ftruncate(fd, 2 * PG) < 0) {
        FAIL("setup", "open/ftruncate: errno %d", errno);
        DONE();
    }
    m = mmap(NULL, 2 * PG, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    if (m == MAP_FAILED) {
        FAIL("setup", "mmap: errno %d", errno);
        DONE();
    }
    strcpy(m, "trunc.tmp");
    if (ftruncate(fd, 0) < 0) {
        FAIL("setup", "ftruncate 0: errno %d", errno);
        DONE();
    }
    char *p = m + 1;  /* odd, too */
    int pfd[2];
    if (pipe(pfd) < 0) {
        FAIL("setup", "pipe");
        DONE();
    }
    (void)!write(pfd[1], "data", 4);
    int sv[2];
    if (socketpair(AF_UNIX, SOCK_DGRAM, 0, sv) < 0) {
        FAIL("setup", "socketpair");
        DONE();
    }

    /* paths */
    EF("openat", syscall(SYS_openat, AT_FDCWD, p, O_RDONLY));
    EF("newfstatat-path", syscall(SYS_newfstatat, AT_FDCWD, p, m + 256, 0));
    EF("mkdirat", syscall(SYS_mkdirat, AT_FDCWD, p, 0700));
    EF("unlinkat", syscall(SYS_unlinkat, AT_FDCWD, p, 0));
    EF("execve-path", syscall(SYS_execve, p, NULL, NULL));
    EF("faccessat", syscall(SYS_faccessat, AT_FDCWD, p, F_OK));
    EF("chdir", syscall(SYS_chdir, p));
    EF("readlinkat-path", syscall(SYS_readlinkat, AT_FDCWD, p, (char[16]){0}, 16));
    EF("memfd_create", syscall(SYS_memfd_create, p, 0));

    /* structures the call reads */
    EF("writev-iov", syscall(SYS_writev, pfd[1], p, 1));
    EF("readv-iov", syscall(SYS_readv, pfd[0], p, 1));
    EF("rt_sigaction-act", syscall(SYS_rt_sigaction, SIGUSR1, p, NULL, 8));
    EF("rt_sigprocmask-set", syscall(SYS_rt_sigprocmask, SIG_BLOCK, p, NULL, 8));
    EF("sigaltstack-ss", syscall(SYS_sigaltstack, p, NULL));
    EF("nanosleep-req", syscall(SYS_nanosleep, p, NULL));
    EF("clock_nanosleep-req", syscall(SYS_clock_nanosleep, CLOCK_MONOTONIC, 0, p, NULL));
    EF("rt_sigqueueinfo-info", syscall(SYS_rt_sigqueueinfo, getpid(), SIGUSR1, p));
    EF("rt_sigtimedwait-set", syscall(SYS_rt_sigtimedwait, p, NULL, NULL, 8));
    EF("rt_sigsuspend-set", syscall(SYS_rt_sigsuspend, p, 8));
    EF("sendmsg-msghdr", syscall(SYS_sendmsg, sv[0], p, 0));
    EF("recvmsg-msghdr", syscall(SYS_recvmsg, sv[1], p, MSG_DONTWAIT));
    EF("sendmmsg-msghdr", syscall(SYS_sendmmsg, sv[0], p, 1, 0));
    EF("bind-addr", syscall(SYS_bind, sv[0], p, 16));
    EF("setsockopt-val", syscall(SYS_setsockopt, sv[0], SOL_SOCKET, SO_SNDBUF, p, 4));
    EF("ppoll-fds", syscall(SYS_ppoll, p, 1, NULL, NULL, 8));
    EF("pselect6-set", syscall(SYS_pselect6, 1, p, NULL, NULL, NULL, NULL));
    {
        int ep = epoll_create1(0);
        EF("epoll_ctl-event", syscall(SYS_epoll_ctl, ep, EPOLL_CTL_ADD, pfd[0], p));
        struct epoll_event ev = {.events = EPOLLIN};
        epoll_ctl(ep, EPOLL_CTL_ADD, pfd[0], &ev);
        EF("epoll_pwait-events", syscall(SYS_epoll_pwait, ep, p, 1, 0, NULL, 8));
        close(ep);
    }
    EF("futex-wait", syscall(SYS_futex, m + 4, FUTEX_WAIT, 0, NULL, NULL, 0));
    EF("prlimit64-new", syscall(SYS_prlimit64, 0, RLIMIT_CORE, p, NULL));
    EF("sched_setaffinity-mask", syscall(SYS_sched_setaffinity, 0, 8, p));
    EF("prctl-set-name", syscall(SYS_prctl, PR_SET_NAME, p, 0, 0, 0));
    EF("utimensat-times", syscall(SYS_utimensat, AT_FDCWD, "trunc.tmp", p, 0));
    EF("sendfile-offset", syscall(SYS_sendfile, pfd[1], fd, p, 1));
    EF("capget-header", syscall(SYS_capget, p, NULL));
    EF("clone3-args", syscall(SYS_clone3, p, 88));
    {
        int tfd = (int)syscall(SYS_timerfd_create, CLOCK_MONOTONIC, 0);
        EF("timerfd_settime-new", syscall(SYS_timerfd_settime, tfd, 0, p, NULL));
        close(tfd);
    }

    /* buffers and structures the call writes */
    EF("fstat-buf", syscall(SYS_fstat, fd, p));
    EF("newfstatat-buf", syscall(SYS_newfstatat, AT_FDCWD, ".", p, 0));
    EF("statx-buf", syscall(SYS_statx, AT_FDCWD, ".", 0, 0xfff, p));
    EF("statfs-buf", syscall(SYS_statfs, ".", p));
    EF("read-buf", syscall(SYS_read, pfd[0], p, 4));
    EF("write-buf", syscall(SYS_write, pfd[1], p, 4));
    {
        int dfd = open("data.tmp", O_RDWR | O_CREAT | O_TRUNC, 0600);
        (void)!write(dfd, "data", 4);
        EF("pread64-buf", syscall(SYS_pread64, dfd, p, 4, 0));
        close(dfd);
    }
    EF("rt_sigaction-old", syscall(SYS_rt_sigaction, SIGUSR1, NULL, p, 8));
    EF("rt_sigprocmask-old", syscall(SYS_rt_sigprocmask, SIG_BLOCK, NULL, p, 8));
    EF("rt_sigpending-set", syscall(SYS_rt_sigpending, p, 8));
    EF("sigaltstack-old", syscall(SYS_sigaltstack, NULL, p));
    EF("clock_gettime-ts", syscall(SYS_clock_gettime, CLOCK_MONOTONIC, p));
    EF("clock_getres-ts", syscall(SYS_clock_getres, CLOCK_MONOTONIC, p));
    EF("gettimeofday-tv", syscall(SYS_gettimeofday, p, NULL));
    EF("uname-buf", syscall(SYS_uname, p));
    EF("sysinfo-buf", syscall(SYS_sysinfo, p));
    EF("getrusage-buf", syscall(SYS_getrusage, RUSAGE_SELF, p));
    EF("getrandom-buf", syscall(SYS_getrandom, p, 16, 0));
    EF("getcwd-buf", syscall(SYS_getcwd, p, 64));
    EF("pipe2-fds", syscall(SYS_pipe2, p, 0));
    EF("socketpair-fds", syscall(SYS_socketpair, AF_UNIX, SOCK_STREAM, 0, p));
    EF("getresuid-ids", syscall(SYS_getresuid, p, p + 4, p + 8));
    EF("prlimit64-old", syscall(SYS_prlimit64, 0, RLIMIT_CORE, NULL, p));
    EF("sched_getaffinity-mask", syscall(SYS_sched_getaffinity, 0, 8, p));
    EF("getsockname-len", syscall(SYS_getsockname, sv[0], m + 64, p));
    EF("getsockopt-len", syscall(SYS_getsockopt, sv[0], SOL_SOCKET, SO_SNDBUF, m + 64, p));
    EF("readlinkat-buf", syscall(SYS_readlinkat, AT_FDCWD, "/proc/self/exe", p, 16));
    EF("getdents64-buf", syscall(SYS_getdents64, open(".", O_RDONLY | O_DIRECTORY), p, 256));
    EF("prctl-get-name", syscall(SYS_prctl, PR_GET_NAME, p, 0, 0, 0));
    EF("times-buf", syscall(SYS_times, p));
#ifdef __riscv
    EF("riscv_hwprobe-pairs", syscall(258 /* riscv_hwprobe */, p, 1, 0, NULL, 0));
#else
    SKIP("riscv_hwprobe-pairs", "riscv64 only");
#endif
    {
        /* the iovec array is fine, the buffer it names is dead */
        struct iovec iov = {p, 4};
        EF("writev-buf", syscall(SYS_writev, pfd[1], &iov, 1));
        EF("readv-buf", syscall(SYS_readv, pfd[0], &iov, 1));
    }

    /* vvm's own writes on a thread's exit */
    {
        pthread_t th;
        if (pthread_create(&th, NULL, robust_thread, NULL) == 0) {
            usleep(100000);
            PASS("thread-exit-robust-list-and-tid");
        } else {
            FAIL("thread-exit-robust-list-and-tid", "pthread_create");
        }
    }

    /* a signal frame that cannot be written: the process dies of SIGSEGV */
    {
        pid_t pid = fork();
        if (pid == 0) {
            stack_t ss = {.ss_sp = m, .ss_size = 2 * PG, .ss_flags = 0};
            syscall(SYS_sigaltstack, &ss, NULL);
            struct sigaction sa;
            memset(&sa, 0, sizeof sa);
            sa.sa_handler = on_usr1;
            sa.sa_flags = SA_ONSTACK;
            sigaction(SIGUSR1, &sa, NULL);
            raise(SIGUSR1);
            _exit(0);
        }
        int st = 0;
        waitpid(pid, &st, 0);
        CHECK("signal-frame-on-dead-altstack", WIFSIGNALED(st) && WTERMSIG(st) == SIGSEGV, "child status %#x", st);
    }

    /* plain guest accesses */
    plain_access("load-sigbus", 0, m + 100);
    plain_access("store-sigbus", 1, m + PG + 3);
    DONE();
}
