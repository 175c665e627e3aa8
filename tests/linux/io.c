/* io: poll, select, epoll, eventfd, timerfd. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/inotify.h>
#include <sys/select.h>
#include <sys/time.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>

#include "t.h"

static long ms_since(const struct timespec *t0)
{
    struct timespec t1;
    clock_gettime(CLOCK_MONOTONIC, &t1);
    return (t1.tv_sec - t0->tv_sec) * 1000 + (t1.tv_nsec - t0->tv_nsec) / 1000000;
}

static void test_poll(void)
{
    GROUP_BEGIN();
    int p[2];
    CHECK("poll", pipe(p) == 0);
    struct pollfd fds[2] = {{p[0], POLLIN, 0}, {p[1], POLLOUT, 0}};
    CHECK("poll", poll(fds, 2, 0) == 1 && fds[0].revents == 0 && fds[1].revents == POLLOUT);
    struct timespec t0;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    CHECK("poll", poll(fds, 1, 50) == 0);
    long ms = ms_since(&t0);
    CHECK("poll", ms >= 45 && ms < 2000);
    CHECK("poll", write(p[1], "x", 1) == 1);
    CHECK("poll", poll(fds, 2, -1) == 2 && fds[0].revents == POLLIN);
    struct timespec ts = {0, 1000000};
    CHECK("poll", ppoll(fds, 1, &ts, NULL) == 1 && fds[0].revents == POLLIN);
    close(p[1]);
    char c;
    CHECK("poll", read(p[0], &c, 1) == 1);
    CHECK("poll", poll(fds, 1, 0) == 1 && (fds[0].revents & POLLHUP));
    struct pollfd bad = {999, POLLIN, 0};
    CHECK("poll", poll(&bad, 1, 0) == 1 && bad.revents == POLLNVAL);
    close(p[0]);
    GROUP_END("poll");
}

static void test_select(void)
{
    GROUP_BEGIN();
    int p[2];
    CHECK("select", pipe(p) == 0);
    fd_set r, w;
    FD_ZERO(&r);
    FD_ZERO(&w);
    FD_SET(p[0], &r);
    FD_SET(p[1], &w);
    struct timeval tv = {0, 0};
    int n = select(p[1] + 1, &r, &w, NULL, &tv);
    CHECK("select", n == 1 && !FD_ISSET(p[0], &r) && FD_ISSET(p[1], &w));
    FD_ZERO(&r);
    FD_SET(p[0], &r);
    tv.tv_sec = 0;
    tv.tv_usec = 30000;
    struct timespec t0;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    CHECK("select", select(p[0] + 1, &r, NULL, NULL, &tv) == 0);
    CHECK("select", ms_since(&t0) >= 25);
    CHECK("select", tv.tv_sec == 0 && tv.tv_usec == 0); /* Linux updates the timeout */
    write(p[1], "ab", 2);
    FD_ZERO(&r);
    FD_SET(p[0], &r);
    struct timespec ts = {1, 0};
    CHECK("select", pselect(p[0] + 1, &r, NULL, NULL, &ts, NULL) == 1 && FD_ISSET(p[0], &r));
    /* a descriptor that is not open: the lowest free one, closed again. (Not a
     * fixed number: the caller may have leaked some, and the kernel ignores set
     * bits at or past the size of the process's descriptor table, so a high
     * closed number would make select return 0, not EBADF.) */
    int closed_fd = dup(0);
    close(closed_fd);
    FD_ZERO(&r);
    FD_SET(closed_fd, &r);
    tv.tv_sec = 0;
    tv.tv_usec = 0;
    CHECK("select", select(closed_fd + 1, &r, NULL, NULL, &tv) == -1 && errno == EBADF);
    close(p[0]);
    close(p[1]);
    GROUP_END("select");
}

static void test_epoll(void)
{
    GROUP_BEGIN();
    int ep = epoll_create1(EPOLL_CLOEXEC);
    CHECK("epoll", ep >= 0 && fcntl(ep, F_GETFD) == FD_CLOEXEC);
    int p[2], q[2];
    pipe(p);
    pipe(q);
    struct epoll_event ev = {.events = EPOLLIN, .data.u64 = 0x1122334455667788ULL};
    CHECK("epoll", epoll_ctl(ep, EPOLL_CTL_ADD, p[0], &ev) == 0);
    ev.events = EPOLLIN | EPOLLET;
    ev.data.u64 = 0xabcdef0012345678ULL;
    CHECK("epoll", epoll_ctl(ep, EPOLL_CTL_ADD, q[0], &ev) == 0);
    CHECK("epoll", epoll_ctl(ep, EPOLL_CTL_ADD, q[0], &ev) == -1 && errno == EEXIST);
    struct epoll_event out[4];
    memset(out, 0, sizeof out);
    CHECK("epoll", epoll_wait(ep, out, 4, 0) == 0);
    CHECK("epoll", epoll_wait(ep, out, 4, 20) == 0);
    write(q[1], "x", 1);
    write(p[1], "y", 1);
    int n = epoll_wait(ep, out, 4, 1000);
    CHECK("epoll", n == 2);
    int seen = 0;
    for (int i = 0; i < n; i++) {
        if (out[i].data.u64 == 0x1122334455667788ULL && out[i].events == EPOLLIN)
            seen |= 1;
        if (out[i].data.u64 == 0xabcdef0012345678ULL && out[i].events == EPOLLIN)
            seen |= 2;
    }
    CHECK("epoll", seen == 3);
    /* edge triggered: q not reported again; level triggered p is */
    n = epoll_wait(ep, out, 4, 0);
    CHECK("epoll", n == 1 && out[0].data.u64 == 0x1122334455667788ULL);
    /* one slot: events beyond maxevents wait for the next call */
    write(q[1], "x", 1);
    n = epoll_wait(ep, out, 1, 0);
    CHECK("epoll", n == 1);
    ev.events = EPOLLOUT;
    ev.data.fd = p[1];
    CHECK("epoll", epoll_ctl(ep, EPOLL_CTL_MOD, p[0], &ev) == 0);
    CHECK("epoll", epoll_ctl(ep, EPOLL_CTL_DEL, q[0], NULL) == 0);
    n = epoll_pwait(ep, out, 4, 0, NULL);
    CHECK("epoll", n == 0);
    CHECK("epoll", epoll_wait(ep, out, 0, 0) == -1 && errno == EINVAL);
    CHECK("epoll", epoll_ctl(ep, EPOLL_CTL_DEL, q[0], NULL) == -1 && errno == ENOENT);
    close(p[0]);
    close(p[1]);
    close(q[0]);
    close(q[1]);
    close(ep);
    GROUP_END("epoll");
}

static void test_eventfd(void)
{
    GROUP_BEGIN();
    int e = eventfd(3, EFD_NONBLOCK | EFD_CLOEXEC);
    CHECK("eventfd", e >= 0);
    uint64_t v = 0;
    CHECK("eventfd", read(e, &v, 8) == 8 && v == 3);
    CHECK("eventfd", read(e, &v, 8) == -1 && errno == EAGAIN);
    v = 5;
    CHECK("eventfd", write(e, &v, 8) == 8);
    v = 7;
    CHECK("eventfd", write(e, &v, 8) == 8);
    CHECK("eventfd", eventfd_read(e, &v) == 0 && v == 12);
    close(e);
    e = eventfd(2, EFD_SEMAPHORE);
    CHECK("eventfd", read(e, &v, 8) == 8 && v == 1 && read(e, &v, 8) == 8 && v == 1);
    struct pollfd pf = {e, POLLIN, 0};
    CHECK("eventfd", poll(&pf, 1, 0) == 0);
    close(e);
    GROUP_END("eventfd");
}

static void test_timerfd(void)
{
    GROUP_BEGIN();
    int tf = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC);
    CHECK("timerfd", tf >= 0);
    struct itimerspec its = {{0, 10000000}, {0, 20000000}}, old;
    CHECK("timerfd", timerfd_settime(tf, 0, &its, &old) == 0 && old.it_value.tv_sec == 0 && old.it_value.tv_nsec == 0);
    struct itimerspec cur;
    CHECK("timerfd", timerfd_gettime(tf, &cur) == 0 && cur.it_interval.tv_nsec == 10000000 &&
                         cur.it_value.tv_nsec > 0 && cur.it_value.tv_nsec <= 20000000);
    uint64_t ticks = 0;
    struct timespec t0;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    CHECK("timerfd", read(tf, &ticks, 8) == 8 && ticks >= 1);
    CHECK("timerfd", ms_since(&t0) >= 10);
    struct timespec ts = {0, 35000000};
    nanosleep(&ts, NULL);
    CHECK("timerfd", read(tf, &ticks, 8) == 8 && ticks >= 2);
    memset(&its, 0, sizeof its);
    CHECK("timerfd", timerfd_settime(tf, 0, &its, NULL) == 0);
    CHECK("timerfd", timerfd_gettime(tf, &cur) == 0 && cur.it_value.tv_sec == 0 && cur.it_value.tv_nsec == 0);
    struct timespec now;
    clock_gettime(CLOCK_REALTIME, &now);
    close(tf);
    tf = timerfd_create(CLOCK_REALTIME, TFD_NONBLOCK);
    its.it_value = now; /* already past: fires at once */
    CHECK("timerfd", timerfd_settime(tf, TFD_TIMER_ABSTIME, &its, NULL) == 0);
    CHECK("timerfd", read(tf, &ticks, 8) == 8 && ticks == 1);
    CHECK("timerfd", read(tf, &ticks, 8) == -1 && errno == EAGAIN);
    close(tf);
    GROUP_END("timerfd");
}


static volatile sig_atomic_t got_alrm;
static void on_alrm(int sig)
{
    (void)sig;
    got_alrm++;
}

static void arm(long usec)
{
    struct itimerval it = {{0, 0}, {0, usec}};
    setitimer(ITIMER_REAL, &it, NULL);
}

/* ppoll/pselect/epoll_pwait with a signal mask: SIGALRM is blocked except
 * during the call, so it interrupts the call and its handler runs. */
static void test_sigmask(void)
{
    GROUP_BEGIN();
    struct sigaction sa = {.sa_handler = on_alrm};
    sigaction(SIGALRM, &sa, NULL);
    sigset_t blk, during, cur;
    sigemptyset(&blk);
    sigaddset(&blk, SIGALRM);
    sigprocmask(SIG_BLOCK, &blk, NULL);
    sigprocmask(SIG_BLOCK, NULL, &during);
    sigdelset(&during, SIGALRM);
    int p[2];
    pipe(p);
    struct pollfd pf = {p[0], POLLIN, 0};
    struct timespec ts = {5, 0};

    got_alrm = 0;
    arm(20000);
    CHECK("sigmask", ppoll(&pf, 1, &ts, &during) == -1 && errno == EINTR && got_alrm == 1);
    sigprocmask(SIG_BLOCK, NULL, &cur);
    CHECK("sigmask", sigismember(&cur, SIGALRM));

    got_alrm = 0;
    arm(20000);
    fd_set r;
    FD_ZERO(&r);
    FD_SET(p[0], &r);
    ts.tv_sec = 5;
    CHECK("sigmask", pselect(p[0] + 1, &r, NULL, NULL, &ts, &during) == -1 && errno == EINTR && got_alrm == 1);

    int ep = epoll_create1(0);
    struct epoll_event ev = {.events = EPOLLIN};
    epoll_ctl(ep, EPOLL_CTL_ADD, p[0], &ev);
    got_alrm = 0;
    arm(20000);
    struct epoll_event out[2];
    CHECK("sigmask", epoll_pwait(ep, out, 2, 5000, &during) == -1 && errno == EINTR && got_alrm == 1);

    /* a mask that keeps it blocked: the call times out, the signal waits */
    got_alrm = 0;
    arm(10000);
    ts.tv_sec = 0;
    ts.tv_nsec = 60000000;
    CHECK("sigmask", ppoll(&pf, 1, &ts, &blk) == 0 && got_alrm == 0);
    sigset_t pend;
    CHECK("sigmask", sigpending(&pend) == 0 && sigismember(&pend, SIGALRM));
    /* already pending and let through by the mask: EINTR at once */
    ts.tv_sec = 5;
    CHECK("sigmask", ppoll(&pf, 1, &ts, &during) == -1 && errno == EINTR && got_alrm == 1);
    /* ready descriptors with no signal: the mask is restored */
    write(p[1], "x", 1);
    CHECK("sigmask", ppoll(&pf, 1, &ts, &during) == 1);
    sigprocmask(SIG_BLOCK, NULL, &cur);
    CHECK("sigmask", sigismember(&cur, SIGALRM));
    sigprocmask(SIG_UNBLOCK, &blk, NULL);
    close(ep);
    close(p[0]);
    close(p[1]);
    GROUP_END("sigmask");
}

static void test_inotify(void)
{
    GROUP_BEGIN();
    char dir[] = "/tmp/vvm-inotify-XXXXXX";
    CHECK("inotify", mkdtemp(dir) != NULL);
    int in = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
    CHECK("inotify", in >= 0);
    int wd = inotify_add_watch(in, dir, IN_CREATE | IN_DELETE);
    CHECK("inotify", wd >= 0);
    char path[64];
    snprintf(path, sizeof path, "%s/f", dir);
    close(open(path, O_CREAT | O_WRONLY, 0600));
    unlink(path);
    char buf[512] __attribute__((aligned(8)));
    ssize_t n = read(in, buf, sizeof buf);
    int creates = 0, deletes = 0;
    for (ssize_t off = 0; n > 0 && off < n;) {
        struct inotify_event *e = (struct inotify_event *)(buf + off);
        if (e->wd == wd && !strcmp(e->name, "f")) {
            creates += !!(e->mask & IN_CREATE);
            deletes += !!(e->mask & IN_DELETE);
        }
        off += sizeof *e + e->len;
    }
    CHECK("inotify", creates == 1 && deletes == 1);
    CHECK("inotify", read(in, buf, sizeof buf) == -1 && errno == EAGAIN);
    CHECK("inotify", inotify_rm_watch(in, wd) == 0);
    CHECK("inotify", inotify_rm_watch(in, wd) == -1 && errno == EINVAL);
    close(in);
    rmdir(dir);
    GROUP_END("inotify");
}

int main(void)
{
    test_poll();
    test_select();
    test_epoll();
    test_eventfd();
    test_timerfd();
    test_sigmask();
    test_inotify();
    return t_status();
}
