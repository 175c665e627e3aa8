/* misc: clocks and sleeps, uname, getrandom, prctl, rlimits, rusage,
 * sysinfo, affinity, ids, times, sessions, rseq, membarrier, hwprobe,
 * and terminal ioctls on a pseudo-terminal. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <sched.h>
#include <stdint.h>
#include <sys/ioctl.h>
#include <sys/personality.h>
#include <sys/prctl.h>
#include <sys/random.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/sysinfo.h>
#include <sys/time.h>
#include <sys/times.h>
#include <sys/utsname.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include "t.h"

static long long ns(struct timespec t)
{
    return t.tv_sec * 1000000000LL + t.tv_nsec;
}

static void test_time(void)
{
    GROUP_BEGIN();
    struct timespec a, b, r;
    CHECK("time", clock_gettime(CLOCK_REALTIME, &a) == 0 && a.tv_sec > 1600000000);
    struct timeval tv;
    CHECK("time", gettimeofday(&tv, NULL) == 0 && tv.tv_sec >= a.tv_sec && tv.tv_sec < a.tv_sec + 100);
    struct timezone tz;
    CHECK("time", gettimeofday(&tv, &tz) == 0);
    CHECK("time", clock_getres(CLOCK_MONOTONIC, &r) == 0 && r.tv_sec == 0 && r.tv_nsec > 0 && r.tv_nsec <= 1000000);
    CHECK("time", clock_getres(CLOCK_MONOTONIC, NULL) == 0);
    CHECK("time", clock_gettime(CLOCK_MONOTONIC, &a) == 0);
    struct timespec d = {0, 20000000};
    CHECK("time", nanosleep(&d, NULL) == 0);
    clock_gettime(CLOCK_MONOTONIC, &b);
    CHECK("time", ns(b) - ns(a) >= 20000000);
    CHECK("time", clock_nanosleep(CLOCK_MONOTONIC, 0, &d, NULL) == 0);
    clock_gettime(CLOCK_MONOTONIC, &a);
    struct timespec until = a;
    until.tv_nsec += 10000000;
    if (until.tv_nsec >= 1000000000) {
        until.tv_sec++;
        until.tv_nsec -= 1000000000;
    }
    CHECK("time", clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &until, NULL) == 0);
    clock_gettime(CLOCK_MONOTONIC, &b);
    CHECK("time", ns(b) >= ns(until));
    struct timespec bad = {0, 2000000000};
    CHECK("time", nanosleep(&bad, NULL) == -1 && errno == EINVAL);
    CHECK("time", clock_nanosleep(CLOCK_MONOTONIC, 0, &bad, NULL) == EINVAL);
    CHECK("time", clock_gettime(12345, &a) == -1 && errno == EINVAL);
    CHECK("time", clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &a) == 0 && clock_gettime(CLOCK_THREAD_CPUTIME_ID, &a) == 0);
    CHECK("time", clock_gettime(CLOCK_BOOTTIME, &a) == 0 && clock_gettime(CLOCK_MONOTONIC_COARSE, &a) == 0);
    GROUP_END("time");
}

static void test_sys(void)
{
    GROUP_BEGIN();
    struct utsname u;
    CHECK("sys", uname(&u) == 0 && !strcmp(u.machine, "riscv64") && !strcmp(u.sysname, "Linux"));
    unsigned char r1[32] = {0}, r2[32] = {0};
    CHECK("sys", getrandom(r1, sizeof r1, 0) == 32 && getrandom(r2, sizeof r2, GRND_NONBLOCK) == 32);
    CHECK("sys", memcmp(r1, r2, 32) != 0);
    struct sysinfo si;
    CHECK("sys", sysinfo(&si) == 0 && si.totalram > 0 && si.mem_unit > 0 && si.procs > 0);
    struct rusage ru;
    CHECK("sys", getrusage(RUSAGE_SELF, &ru) == 0 && ru.ru_maxrss > 0);
    CHECK("sys", getrusage(RUSAGE_CHILDREN, &ru) == 0);
    struct tms tm;
    clock_t c = times(&tm);
    CHECK("sys", c != (clock_t)-1);
    cpu_set_t set;
    CPU_ZERO(&set);
    CHECK("sys", sched_getaffinity(0, sizeof set, &set) == 0 && CPU_COUNT(&set) >= 1);
    CHECK("sys", sched_setaffinity(0, sizeof set, &set) == 0);
    CHECK("sys", sched_yield() == 0);
    unsigned cpu = 9999, node = 9999;
    CHECK("sys", getcpu(&cpu, &node) == 0 && cpu < 9999 && CPU_ISSET(cpu, &set));
    CHECK("sys", sysconf(_SC_NPROCESSORS_ONLN) >= 1);
    GROUP_END("sys");
}

static void test_limits(void)
{
    GROUP_BEGIN();
    struct rlimit rl, rl2;
    CHECK("rlimit", getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur > 3);
    rl2 = rl;
    rl2.rlim_cur = 100;
    CHECK("rlimit", setrlimit(RLIMIT_NOFILE, &rl2) == 0);
    CHECK("rlimit", getrlimit(RLIMIT_NOFILE, &rl2) == 0 && rl2.rlim_cur == 100);
    CHECK("rlimit", dup2(0, 150) == -1 && errno == EBADF);
    CHECK("rlimit", setrlimit(RLIMIT_NOFILE, &rl) == 0);
    /* the address space limit must not break the emulator */
    struct rlimit as;
    CHECK("rlimit", getrlimit(RLIMIT_AS, &as) == 0);
    struct rlimit small = {256 << 20, as.rlim_max};
    CHECK("rlimit", setrlimit(RLIMIT_AS, &small) == 0);
    CHECK("rlimit", getrlimit(RLIMIT_AS, &rl2) == 0); /* qemu ignores the new value; vvm keeps it */
    void *p = malloc(1 << 20);
    CHECK("rlimit", p != NULL);
    free(p);
    CHECK("rlimit", setrlimit(RLIMIT_AS, &as) == 0);
    struct rlimit old;
    CHECK("rlimit", prlimit(0, RLIMIT_STACK, NULL, &old) == 0 && old.rlim_cur > 0);
    struct rlimit inv = {10, 5};
    CHECK("rlimit", setrlimit(RLIMIT_CORE, &inv) == -1 && errno == EINVAL);
    GROUP_END("rlimit");
}

static void test_ids(void)
{
    GROUP_BEGIN();
    uid_t r, e, s;
    CHECK("ids", getresuid(&r, &e, &s) == 0 && r == getuid() && e == geteuid());
    gid_t gr, ge, gs;
    CHECK("ids", getresgid(&gr, &ge, &gs) == 0 && gr == getgid() && ge == getegid());
    int n = getgroups(0, NULL);
    CHECK("ids", n >= 0);
    gid_t g[256];
    CHECK("ids", n > 256 || getgroups(n, g) == n);
    CHECK("ids", setuid(getuid()) == 0);
    pid_t sid = getsid(0), pg = getpgid(0);
    /* 0 when the session or group leader lives outside our pid namespace (containers) */
    CHECK("ids", sid >= 0 && pg >= 0 && getpgrp() == pg && getsid(getpid()) == sid);
    CHECK("ids", getpgid(0x7ffffff0) == -1 && errno == ESRCH);
    char name[16] = {0};
    CHECK("ids", prctl(PR_SET_NAME, "vvm-misc-test-long-name") == 0);
    CHECK("ids", prctl(PR_GET_NAME, name) == 0 && !strcmp(name, "vvm-misc-test-l"));
    int sig = -1;
    CHECK("ids", prctl(PR_GET_PDEATHSIG, &sig) == 0 && sig == 0);
    CHECK("ids", prctl(PR_GET_DUMPABLE) >= 0);
    CHECK("ids", prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) == 0 && prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0) == 1);
    CHECK("ids", prctl(0x7fff1234) == -1 && errno == EINVAL);
    /* as qemu: no restartable sequences */
    CHECK("ids", syscall(SYS_rseq, NULL, 0, 0, 0) == -1 && errno == ENOSYS);
    long q = syscall(SYS_membarrier, 0 /* MEMBARRIER_CMD_QUERY */, 0, 0);
    CHECK("ids", q >= 0);
    GROUP_END("ids");
}

static void test_hwprobe(void)
{
    GROUP_BEGIN();
    struct {
        int64_t key;
        uint64_t value;
    } pairs[3] = {{3, 0}, {4, 0}, {12345, 7}};
    long r = syscall(258, pairs, 3, 0, NULL, 0);
    if (r == -1 && errno == ENOSYS) { /* older kernels and qemu */
        OK("hwprobe");
        t_failed |= t_before;
        return;
    }
    CHECK("hwprobe", r == 0);
    CHECK("hwprobe", pairs[0].key == 3 && pairs[0].value == 1); /* BASE_BEHAVIOR_IMA */
    CHECK("hwprobe", pairs[1].key == 4 && (pairs[1].value & 2));   /* IMA_C */
    CHECK("hwprobe", pairs[2].key == -1 && pairs[2].value == 0);
    GROUP_END("hwprobe");
}

static void test_tty(void)
{
    GROUP_BEGIN();
    int m = posix_openpt(O_RDWR | O_NOCTTY);
    if (m < 0) {
        OK("tty"); /* no ptys here: nothing to test */
        t_failed |= t_before;
        return;
    }
    CHECK("tty", grantpt(m) == 0 && unlockpt(m) == 0);
    int ptn = -1;
    CHECK("tty", ioctl(m, TIOCGPTN, &ptn) == 0 && ptn >= 0);
    char *sn = ptsname(m);
    int s = sn ? open(sn, O_RDWR | O_NOCTTY) : -1;
    CHECK("tty", s >= 0 && isatty(s) && !isatty(-1));
    struct termios tio;
    CHECK("tty", tcgetattr(s, &tio) == 0 && (tio.c_lflag & ICANON));
    cfmakeraw(&tio);
    CHECK("tty", tcsetattr(s, TCSANOW, &tio) == 0);
    struct termios t2;
    CHECK("tty", tcgetattr(s, &t2) == 0 && !(t2.c_lflag & (ICANON | ECHO)));
    struct winsize ws = {.ws_row = 33, .ws_col = 101};
    CHECK("tty", ioctl(s, TIOCSWINSZ, &ws) == 0);
    struct winsize w2 = {0};
    CHECK("tty", ioctl(m, TIOCGWINSZ, &w2) == 0 && w2.ws_row == 33 && w2.ws_col == 101);
    CHECK("tty", write(m, "raw", 3) == 3);
    int avail = 0;
    for (int i = 0; i < 100 && avail < 3; i++) {
        ioctl(s, FIONREAD, &avail);
        if (avail < 3)
            usleep(1000);
    }
    CHECK("tty", avail == 3);
    char b[8];
    CHECK("tty", read(s, b, sizeof b) == 3 && !memcmp(b, "raw", 3));
    int on = 1;
    CHECK("tty", ioctl(s, FIONBIO, &on) == 0 && (fcntl(s, F_GETFL) & O_NONBLOCK));
    CHECK("tty", read(s, b, 1) == -1 && errno == EAGAIN);
    CHECK("tty", tcflush(s, TCIOFLUSH) == 0 && tcdrain(s) == 0);
    pid_t pg;
    CHECK("tty", ioctl(s, TIOCGPGRP, &pg) == -1 && errno == ENOTTY); /* not our controlling tty */
    CHECK("tty", ioctl(s, 0x54ff, 0) == -1 && (errno == ENOTTY || errno == EINVAL || errno == ENOSYS)); /* qemu: ENOSYS */
    int p[2];
    pipe(p);
    CHECK("tty", tcgetattr(p[0], &tio) == -1 && errno == ENOTTY);
    close(p[0]);
    close(p[1]);
    close(s);
    close(m);
    GROUP_END("tty");
}

static void test_sched(void)
{
    GROUP_BEGIN();
    errno = 0;
    int prio = getpriority(PRIO_PROCESS, 0);
    CHECK("sched", errno == 0 && prio >= -20 && prio <= 19);
    CHECK("sched", setpriority(PRIO_PROCESS, 0, prio < 19 ? prio + 1 : prio) == 0);
    CHECK("sched", getpriority(PRIO_PROCESS, 0) == (prio < 19 ? prio + 1 : prio));
    CHECK("sched", sched_getscheduler(0) == SCHED_OTHER);
    struct sched_param sp = {.sched_priority = 5};
    CHECK("sched", sched_getparam(0, &sp) == 0 && sp.sched_priority == 0);
    CHECK("sched", sched_setparam(0, &sp) == 0);
    CHECK("sched", sched_setscheduler(0, SCHED_BATCH, &sp) == 0 && sched_getscheduler(0) == SCHED_BATCH);
    CHECK("sched", sched_setscheduler(0, SCHED_OTHER, &sp) == 0);
    CHECK("sched", sched_get_priority_max(SCHED_FIFO) == 99 && sched_get_priority_min(SCHED_FIFO) == 1);
    struct timespec ts;
    CHECK("sched", sched_rr_get_interval(0, &ts) == 0);
    CHECK("sched", personality(0xffffffff) == 0);
    CHECK("sched", setresuid(-1, -1, -1) == 0 && setresgid(-1, -1, -1) == 0);
    CHECK("sched", setreuid(-1, -1) == 0 && setregid(-1, -1) == 0 && setgid(getgid()) == 0);
    struct {
        uint32_t version;
        int pid;
    } hdr = {0x20080522, 0};
    struct {
        uint32_t eff, perm, inh;
    } cap[2];
    CHECK("sched", syscall(SYS_capget, &hdr, cap) == 0);
    GROUP_END("sched");
}

int main(void)
{
    test_time();
    test_sys();
    test_limits();
    test_ids();
    test_hwprobe();
    test_tty();
    test_sched();
    return t_status();
}
