/* Structures at odd addresses: Linux reads and writes iovec arrays, msghdr,
 * timespec, pollfd, epoll_event, sigaction, ... wherever they are (its copies
 * work at any alignment).  vvm must too, and its UBSan build must not find a
 * misaligned access doing it. */
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

#include "hostile.h"

static _Alignas(64) unsigned char arena[16384];
/* an odd address inside the arena, with room for n bytes */
static unsigned char *odd(size_t off) { return arena + off * 64 + 1; }

static void on_usr1(int sig) { (void)sig; }

int main(void)
{
    int pfd[2], sv[2];
    if (pipe(pfd) < 0 || socketpair(AF_UNIX, SOCK_DGRAM, 0, sv) < 0) {
        FAIL("setup", "pipe/socketpair");
        DONE();
    }

    /* writev/readv: the iovec array at an odd address, buffers odd too */
    {
        unsigned char *iov = odd(0), *b1 = odd(10), *b2 = odd(11);
        memcpy(b1, "hello ", 6);
        memcpy(b2, "world", 5);
        struct iovec v[2] = {{b1, 6}, {b2, 5}};
        memcpy(iov, v, sizeof v);
        long w = syscall(SYS_writev, pfd[1], iov, 2);
        CHECK("writev-odd-iov", w == 11, "got %ld errno %d", w, errno);
        unsigned char *r1 = odd(20), *r2 = odd(21);
        struct iovec rv[2] = {{r1, 5}, {r2, 6}};
        memcpy(iov, rv, sizeof rv);
        long r = syscall(SYS_readv, pfd[0], iov, 2);
        CHECK("readv-odd-iov", r == 11 && !memcmp(r1, "hello", 5) && !memcmp(r2, " world", 6), "got %ld", r);
    }

    /* sendmsg/recvmsg: msghdr, iovec array and name at odd addresses */
    {
        unsigned char *mh = odd(30), *iov = odd(32), *buf = odd(33);
        memcpy(buf, "datagram", 8);
        struct iovec v = {buf, 8};
        memcpy(iov, &v, sizeof v);
        struct msghdr m;
        memset(&m, 0, sizeof m);
        m.msg_iov = (struct iovec *)(void *)iov;
        m.msg_iovlen = 1;
        memcpy(mh, &m, sizeof m);
        long s = syscall(SYS_sendmsg, sv[0], mh, 0);
        CHECK("sendmsg-odd-msghdr", s == 8, "got %ld errno %d", s, errno);
        unsigned char *rbuf = odd(34);
        struct iovec rvv = {rbuf, 16};
        memcpy(iov, &rvv, sizeof rvv);
        memcpy(mh, &m, sizeof m);
        long r = syscall(SYS_recvmsg, sv[1], mh, 0);
        CHECK("recvmsg-odd-msghdr", r == 8 && !memcmp(rbuf, "datagram", 8), "got %ld errno %d", r, errno);
    }

    /* sendmmsg/recvmmsg: the mmsghdr array at an odd address */
    {
        unsigned char *mm = odd(40), *iov = odd(44), *buf = odd(45);
        memcpy(buf, "mm", 2);
        struct iovec v = {buf, 2};
        memcpy(iov, &v, sizeof v);
        struct mmsghdr h;
        memset(&h, 0, sizeof h);
        h.msg_hdr.msg_iov = (struct iovec *)(void *)iov;
        h.msg_hdr.msg_iovlen = 1;
        memcpy(mm, &h, sizeof h);
        long s = syscall(SYS_sendmmsg, sv[0], mm, 1, 0);
        CHECK("sendmmsg-odd", s == 1, "got %ld errno %d", s, errno);
        long r = syscall(SYS_recvmmsg, sv[1], mm, 1, MSG_DONTWAIT, NULL);
        unsigned len;
        memcpy(&len, mm + offsetof(struct mmsghdr, msg_len), 4);
        CHECK("recvmmsg-odd", r == 1 && len == 2, "got %ld len %u errno %d", r, len, errno);
    }

    /* time */
    {
        unsigned char *ts = odd(50);
        struct timespec z = {0, 1000};
        memcpy(ts, &z, sizeof z);
        CHECK("nanosleep-odd", syscall(SYS_nanosleep, ts, odd(51)) == 0, "errno %d", errno);
        CHECK("clock_nanosleep-odd", syscall(SYS_clock_nanosleep, CLOCK_MONOTONIC, 0, ts, NULL) == 0, "errno %d",
              errno);
        struct timespec got;
        long r = syscall(SYS_clock_gettime, CLOCK_REALTIME, ts);
        memcpy(&got, ts, sizeof got);
        CHECK("clock_gettime-odd", r == 0 && got.tv_sec > 1000000000, "got %ld sec %lld", r, (long long)got.tv_sec);
        CHECK("gettimeofday-odd", syscall(SYS_gettimeofday, odd(52), odd(53)) == 0, "errno %d", errno);
        int tfd = (int)syscall(SYS_timerfd_create, CLOCK_MONOTONIC, 0);
        struct itimerspec it = {{0, 0}, {100, 0}};
        memcpy(odd(54), &it, sizeof it);
        CHECK("timerfd_settime-odd", syscall(SYS_timerfd_settime, tfd, 0, odd(54), odd(55)) == 0, "errno %d", errno);
        CHECK("timerfd_gettime-odd", syscall(SYS_timerfd_gettime, tfd, odd(56)) == 0, "errno %d", errno);
        close(tfd);
    }

    /* poll, select, epoll */
    {
        (void)!write(pfd[1], "x", 1);
        unsigned char *pf = odd(60);
        struct pollfd p = {pfd[0], POLLIN, 0};
        memcpy(pf, &p, sizeof p);
        long r = syscall(SYS_ppoll, pf, 1, NULL, NULL, 8);
        memcpy(&p, pf, sizeof p);
        CHECK("ppoll-odd", r == 1 && (p.revents & POLLIN), "got %ld revents %#x", r, p.revents);
        unsigned char *set = odd(61), *ts = odd(62);
        memset(set, 0, 128);
        set[pfd[0] / 8] |= (unsigned char)(1u << (pfd[0] % 8));
        struct timespec z = {0, 0};
        memcpy(ts, &z, sizeof z);
        r = syscall(SYS_pselect6, pfd[0] + 1, set, NULL, NULL, ts, NULL);
        CHECK("pselect6-odd", r == 1, "got %ld errno %d", r, errno);
        int ep = epoll_create1(0);
        unsigned char *ev = odd(63);
        struct epoll_event e = {.events = EPOLLIN, .data.u64 = 0x1122334455667788ULL};
        memcpy(ev, &e, sizeof e);
        CHECK("epoll_ctl-odd", syscall(SYS_epoll_ctl, ep, EPOLL_CTL_ADD, pfd[0], ev) == 0, "errno %d", errno);
        memset(ev, 0, 64);
        r = syscall(SYS_epoll_pwait, ep, ev, 2, 0, NULL, 8);
        memcpy(&e, ev, sizeof e);
        CHECK("epoll_pwait-odd", r == 1 && e.data.u64 == 0x1122334455667788ULL, "got %ld data %#llx", r,
              (unsigned long long)e.data.u64);
        close(ep);
        char c;
        (void)!read(pfd[0], &c, 1);
    }

    /* signals */
    {
        /* the kernel's struct sigaction: handler, flags, restorer, mask */
        unsigned char *act = odd(70), *old = odd(72);
        uint64_t k[4] = {(uint64_t)(uintptr_t)on_usr1, 0, 0, 0};
#ifdef __x86_64__
        /* x86-64 needs a restorer: keep libc's (SA_RESTORER) */
        struct sigaction sa;
        memset(&sa, 0, sizeof sa);
        sa.sa_handler = on_usr1;
        sigaction(SIGUSR2, &sa, NULL);
        syscall(SYS_rt_sigaction, SIGUSR2, NULL, k, 8);
#endif
        memcpy(act, k, sizeof k);
        CHECK("rt_sigaction-odd", syscall(SYS_rt_sigaction, SIGUSR1, act, old, 8) == 0, "errno %d", errno);
        uint64_t back[4];
        syscall(SYS_rt_sigaction, SIGUSR1, NULL, old, 8);
        memcpy(back, old, sizeof back);
        CHECK("rt_sigaction-odd-old", back[0] == k[0], "handler %#llx want %#llx", (unsigned long long)back[0],
              (unsigned long long)k[0]);
        unsigned char *set = odd(74);
        uint64_t none = 0;
        memcpy(set, &none, 8);
        CHECK("rt_sigprocmask-odd", syscall(SYS_rt_sigprocmask, SIG_BLOCK, set, odd(75), 8) == 0, "errno %d", errno);
        CHECK("rt_sigpending-odd", syscall(SYS_rt_sigpending, odd(76), 8) == 0, "errno %d", errno);
        stack_t ss = {.ss_sp = arena + 8192, .ss_size = 8192, .ss_flags = 0};
        memcpy(odd(77), &ss, sizeof ss);
        CHECK("sigaltstack-odd", syscall(SYS_sigaltstack, odd(77), odd(78)) == 0, "errno %d", errno);
        ss.ss_flags = SS_DISABLE;
        memcpy(odd(77), &ss, sizeof ss);
        syscall(SYS_sigaltstack, odd(77), NULL);
        siginfo_t si;
        memset(&si, 0, sizeof si);
        si.si_signo = SIGUSR1;
        si.si_code = SI_QUEUE;
        memcpy(odd(80), &si, sizeof si);
        CHECK("rt_sigqueueinfo-odd", syscall(SYS_rt_sigqueueinfo, getpid(), SIGUSR1, odd(80)) == 0, "errno %d",
              errno);
    }

    /* files, sockets, limits, identity */
    {
        long r = syscall(SYS_fstat, pfd[0], odd(90));
        CHECK("fstat-odd", r == 0, "errno %d", errno);
        CHECK("newfstatat-odd", syscall(SYS_newfstatat, AT_FDCWD, ".", odd(93), 0) == 0, "errno %d", errno);
        CHECK("statx-odd", syscall(SYS_statx, AT_FDCWD, ".", 0, 0xfff, odd(96)) == 0, "errno %d", errno);
        unsigned char *len = odd(101);
        unsigned n = 4;
        memcpy(len, &n, 4);
        CHECK("getsockopt-odd", syscall(SYS_getsockopt, sv[0], SOL_SOCKET, SO_SNDBUF, odd(102), len) == 0, "errno %d",
              errno);
        n = 64;
        memcpy(len, &n, 4);
        CHECK("getsockname-odd", syscall(SYS_getsockname, sv[0], odd(103), len) == 0, "errno %d", errno);
        CHECK("prlimit64-odd", syscall(SYS_prlimit64, 0, RLIMIT_NOFILE, NULL, odd(104)) == 0, "errno %d", errno);
        CHECK("getrusage-odd", syscall(SYS_getrusage, RUSAGE_SELF, odd(105)) == 0, "errno %d", errno);
        CHECK("sysinfo-odd", syscall(SYS_sysinfo, odd(108)) == 0, "errno %d", errno);
        CHECK("getresuid-odd", syscall(SYS_getresuid, odd(112), odd(112) + 4, odd(112) + 8) == 0, "errno %d", errno);
        CHECK("getrandom-odd", syscall(SYS_getrandom, odd(113), 33, 0) == 33, "errno %d", errno);
        CHECK("sched_getaffinity-odd", syscall(SYS_sched_getaffinity, 0, 128, odd(114)) > 0, "errno %d", errno);
        CHECK("pipe2-odd", syscall(SYS_pipe2, odd(117), 0) == 0, "errno %d", errno);
        CHECK("socketpair-odd", syscall(SYS_socketpair, AF_UNIX, SOCK_STREAM, 0, odd(118)) == 0, "errno %d", errno);
        CHECK("uname-odd", syscall(SYS_uname, odd(120)) == 0, "errno %d", errno);
        uint32_t hdr[2] = {0x20080522, 0};
        memcpy(odd(130), hdr, 8);
        CHECK("capget-odd", syscall(SYS_capget, odd(130), odd(131)) == 0, "errno %d", errno);
        CHECK_ERR("futex-odd", syscall(SYS_futex, odd(132), 0 /* FUTEX_WAIT */, 0, NULL, NULL, 0), EINVAL);
#ifdef __riscv
        int64_t pair[2] = {4 /* IMA_EXT_0 */, 0};
        memcpy(odd(133), pair, 16);
        long h = syscall(258 /* riscv_hwprobe */, odd(133), 1, 0, NULL, 0);
        memcpy(pair, odd(133), 16);
        CHECK("riscv_hwprobe-odd", h == 0 && pair[0] == 4 && pair[1] != 0, "got %ld key %lld", h, (long long)pair[0]);
#else
        SKIP("riscv_hwprobe-odd", "riscv64 only");
#endif
    }
    DONE();
}
