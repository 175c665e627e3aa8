/* sysfuzz: a system-call fuzzer run as a riscv64 guest (tests/hostile/sysfuzz.sh).
 *
 * Every call vvm implements (the rows of os/linux/syscalls.def, included
 * below: the list is never written twice) and numbers it does not (0..599
 * and a few huge ones) is made with arguments drawn from a seeded PRNG that
 * mixes hostile values: 0, -1, small and huge integers and lengths, pointers
 * to unmapped guest memory, to read-only, PROT_NONE and text pages, to the
 * last bytes before an unmapped page, odd addresses, addresses above the
 * guest space and in the kernel half, pointers into a MAP_SHARED file mapping
 * whose file was truncated, buffers of random bytes and structures (iovecs,
 * msghdrs, timespecs, pointer arrays, ...) that hold hostile pointers, fds
 * of many kinds, and for each argument kind of the row's format (paths,
 * open flags, signals, mmap flags, ...) values of that kind.
 *
 * Each call runs in a forked child that makes it and exits at once; the
 * child may die of a signal or stop itself, that is fine.  A real-time
 * alarm (-t ms) ends calls that block; the parent kills a child still there
 * after -k ms and reports it as stuck.  In one call of ten a second thread
 * changes the memory under the call (racer()).  Before each call the child
 * prints it on stderr ("sysfuzz: #N name(args)"), so whatever vvm prints
 * next (an "internal error") names the call that caused it, and
 * `sysfuzz -s SEED -f N -n 1` makes it again.
 *
 * What could break the test itself or the machine is defanged (see
 * defang()): signals and resource limits go only to the child itself, its
 * process group or pids that do not exist; clone never uses CLONE_PARENT;
 * no call populates or locks more than 64 MiB; files stay below 16 MiB
 * (RLIMIT_FSIZE); paths name files in the fuzzer's scratch directory (-d,
 * made in the current one) or system files an unprivileged user cannot
 * change; the sockets calls are handed are AF_UNIX.  It refuses to run as
 * root.
 *
 *   sysfuzz [-s SEED] [-n CALLS] [-T SECONDS] [-f FIRST] [-t ALARM_MS]
 *           [-k KILL_MS] [-d DIR] [-x NAME,...] [-X KIND,...]
 * makes calls FIRST.. (0..) until CALLS (1000) are made or SECONDS have
 * passed, in DIR (sysfuzz.d); -x skips calls by name, -X pointer kinds by
 * label (-X trunc also keeps the racer from truncating a mapped file).
 * The last line on stdout is the summary: "sysfuzz: done: ...".
 */
#ifndef __riscv
#error "sysfuzz is a riscv64 guest program: its system-call numbers are riscv64's"
#endif
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <linux/futex.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <sys/timerfd.h>
#include <sys/uio.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/* ---- the calls */

typedef struct call {
    long nr;
    const char *name;
    const char *fmt;    /* argument kinds (syscalls.def); NULL: unknown number */
} call;

static const call defined[] = {
#define SC(nr, name, fmt) {nr, #name, fmt},
#include "os/linux/syscalls.def"
#undef SC
};
#define NDEF (sizeof defined / sizeof defined[0])

/* numbers vvm does not implement: 0..599 but the defined ones, and these
 * (a number whose low bits name a real call must not reach it) */
static const long huge_nrs[] = {-1, -2, 1023, 1024, 4095, 0x7fffffff, 0x80000000L, 0xffffffffL,
                                (1L << 32) + 63, (1L << 32) + 172, (1L << 32) + 221, 1L << 62, LONG_MIN};
#define NR_LOW 600
static long unknown[NR_LOW + sizeof huge_nrs / sizeof huge_nrs[0]];
static int nunknown;
#define UNKNOWN_PER_ROUND 48

/* The schedule: round r makes every defined call once, then
 * UNKNOWN_PER_ROUND of the unknown numbers (all of them every few rounds). */
static call call_at(uint64_t i, char *namebuf, size_t n)
{
    uint64_t per = NDEF + UNKNOWN_PER_ROUND, r = i / per, k = i % per;
    if (k < NDEF)
        return defined[k];
    long nr = unknown[(r * UNKNOWN_PER_ROUND + (k - NDEF)) % (uint64_t)nunknown];
    snprintf(namebuf, n, "nr_%ld", nr);
    return (call){nr, namebuf, NULL};
}

/* ---- the PRNG (splitmix64), seeded per call from (seed, call index) */

static uint64_t rstate;
static uint64_t rnd(void)
{
    uint64_t z = (rstate += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}
/* a call's stream: independent of its neighbours' */
static void rnd_seed(uint64_t s, uint64_t i)
{
    rstate = s;
    rstate ^= rnd() + i;
    rstate = rnd();
}
static uint64_t below(uint64_t n) { return rnd() % n; }
static int chance(int pct) { return (int)below(100) < pct; }
#define PICK(arr) ((arr)[below(sizeof(arr) / sizeof((arr)[0]))])

/* ---- fixtures: memory (made once by the parent; children see the same addresses) */

#define RND_SIZE 16384
#define STRUCT_SIZE 8192
static uint8_t *m_rnd;      /* random bytes, refilled per call */
static uint8_t *m_edge;     /* two pages; the page after them is unmapped */
#define EDGE_END (m_edge + 8192)
static uint8_t *m_ro;       /* read-only page */
static uint8_t *m_none;     /* PROT_NONE page */
static uint8_t *m_hole;     /* an unmapped page */
static uint8_t *m_trunc;    /* MAP_SHARED file mapping, file truncated to 0 */
static uint8_t *m_struct;   /* structures built per call */
static char *m_strs;        /* the path strings */
static char *m_long;        /* long paths */
static volatile struct shared {
    int64_t ret;            /* the call's result, stored by the child */
    int reached;            /* the child got as far as the call */
} *m_shared;

/* the paths: files the parent makes in the scratch directory, system files
 * the fuzzer cannot change, every way of naming the process's /proc files */
static const char *const paths[] = {
    "f0", "f1", "d0", "d0/f2", "d1", "fifo", "sym", "dangling", "loop", "nonexist", "f0/x", "new0",
    "new1", "sock0", "", ".", "..", "./f0", "d0/../f1", "/", "/tmp", "/dev/null", "/dev/zero",
    "/proc/self/maps", "/proc/self/smaps", "/proc/self/mem", "/proc/self/exe", "/proc/self/auxv",
    "/proc/self/cmdline", "/proc/self/stat", "/proc/self/status", "/proc/self/environ",
    "/proc/self/fd/3", "/proc/self/fd", "/proc/self/task", "/proc/thread-self/maps",
    "/proc/self//maps", "/proc/./self/maps", "/proc//self/mem", "/proc/self/cwd/f0",
    "/proc/self/root/proc/self/maps", "/dev/fd/3", "/proc/self/numa_maps", "/proc/1/maps",
    "user.x", "trusted.x", "security.capability",
};
#define NPATHS (sizeof paths / sizeof paths[0])
static const char *path_at[NPATHS];

/* ---- fixtures: descriptors (made by each child, so no two calls share an
 * open file description) */

enum { FD_FILE, FD_PIPE_R, FD_PIPE_W, FD_SOCK_A, FD_SOCK_B, FD_LISTEN, FD_EVENT, FD_EPOLL, FD_MEMFD,
       FD_DIR, FD_NULL, FD_TIMER, FD_PATH, FD_PROCMEM, FD_RDONLY, NFD };
static const char *const fd_names[NFD] = {"file", "pipe-r", "pipe-w", "sock-a", "sock-b", "listen",
                                          "eventfd", "epoll", "memfd", "dir", "null", "timerfd",
                                          "opath", "proc-mem", "rdonly"};
static int fds[NFD];

static void make_fds(void)
{
    int p[2], s[2];
    unlink("fx/file");
    fds[FD_FILE] = open("fx/file", O_RDWR | O_CREAT | O_TRUNC, 0644);
    if (fds[FD_FILE] >= 0)
        (void)!write(fds[FD_FILE], m_rnd, 4096);
    if (pipe2(p, 0) == 0) {
        fds[FD_PIPE_R] = p[0];
        fds[FD_PIPE_W] = p[1];
        (void)!write(p[1], "pipe", 4);
    } else
        fds[FD_PIPE_R] = fds[FD_PIPE_W] = -1;
    if (socketpair(AF_UNIX, SOCK_STREAM, 0, s) == 0) {
        fds[FD_SOCK_A] = s[0];
        fds[FD_SOCK_B] = s[1];
        (void)!write(s[1], "sock", 4);
    } else
        fds[FD_SOCK_A] = fds[FD_SOCK_B] = -1;
    fds[FD_LISTEN] = socket(AF_UNIX, SOCK_SEQPACKET, 0);
    if (fds[FD_LISTEN] >= 0) {
        struct sockaddr_un sa = {.sun_family = AF_UNIX};
        snprintf(sa.sun_path + 1, sizeof sa.sun_path - 1, "vvm-sysfuzz-%d", getpid());
        if (bind(fds[FD_LISTEN], (struct sockaddr *)&sa, sizeof sa) == 0)
            listen(fds[FD_LISTEN], 4);
    }
    fds[FD_EVENT] = eventfd(1, 0);
    fds[FD_EPOLL] = epoll_create1(0);
    if (fds[FD_EPOLL] >= 0 && fds[FD_PIPE_R] >= 0) {
        struct epoll_event ev = {.events = EPOLLIN};
        epoll_ctl(fds[FD_EPOLL], EPOLL_CTL_ADD, fds[FD_PIPE_R], &ev);
    }
    fds[FD_MEMFD] = (int)syscall(SYS_memfd_create, "sysfuzz", 0);
    if (fds[FD_MEMFD] >= 0)
        (void)!ftruncate(fds[FD_MEMFD], 4096);
    fds[FD_DIR] = open("d0", O_RDONLY | O_DIRECTORY);
    fds[FD_NULL] = open("/dev/null", O_RDWR);
    fds[FD_TIMER] = timerfd_create(CLOCK_MONOTONIC, 0);
    fds[FD_PATH] = open("f1", O_PATH);
    fds[FD_PROCMEM] = open("/proc/self/mem", O_RDWR);
    fds[FD_RDONLY] = open("fx/ro", O_RDONLY);
}

/* ---- argument values */

typedef struct arg {
    uint64_t v;
    char what[24];      /* where the value came from, for the log */
} arg;

/* Nonzero if name is an item of the comma-separated list. */
static int in_list(const char *list, const char *name)
{
    size_t n = strlen(name);
    for (const char *s = list; (s = strstr(s, name)); s += n)
        if ((s == list || s[-1] == ',') && (s[n] == ',' || s[n] == 0))
            return 1;
    return 0;
}

static char skip_kinds[256];    /* -X: pointer kinds not to use */
static int kind_skipped(const char *k) { return in_list(skip_kinds, k); }

static void set(arg *a, uint64_t v, const char *what)
{
    a->v = v;
    snprintf(a->what, sizeof a->what, "%s", what);
}

static uint64_t P(const volatile void *p) { return (uint64_t)(uintptr_t)p; }

/* hostile integers and lengths */
static void int_arg(arg *a)
{
    static const uint64_t vals[] = {0, 1, 2, 3, 7, 8, 16, 63, 64, 255, 4095, 4096, 4097, 65536,
                                    0x7fffffff, 0x80000000, 0xffffffff, 1ULL << 32, 1ULL << 40,
                                    1ULL << 62, 1ULL << 63, ~0ULL, ~0ULL - 1, (uint64_t)INT_MIN,
                                    (uint64_t)-4096, (uint64_t)-4095};
    switch (below(5)) {
    case 0: set(a, below(64), "small"); break;
    case 1: set(a, (uint64_t)(int32_t)rnd(), "rand32"); break;
    case 2: set(a, rnd(), "rand64"); break;
    default: set(a, PICK(vals), "int"); break;
    }
}

static void len_arg(arg *a)
{
    static const uint64_t vals[] = {0, 1, 2, 8, 16, 64, 128, 4095, 4096, 4097, RND_SIZE, RND_SIZE + 1,
                                    1ULL << 20, 0x7ffff000, 0x7fffffff, 0x80000000, 1ULL << 32,
                                    1ULL << 38, 1ULL << 47, ~0ULL, ~0ULL >> 1, ~0ULL - 4095};
    if (chance(40))
        set(a, 1 + below(256), "len");
    else if (chance(85))
        set(a, PICK(vals), "len");
    else
        int_arg(a);
}

static void fd_arg(arg *a)
{
    static const uint64_t bad[] = {(uint64_t)-1, (uint64_t)-100, 1023, 1024, 0x7fffffff, 1ULL << 32,
                                   (uint64_t)INT_MIN, 65535};
    if (chance(80)) {
        int i = (int)below(NFD);
        set(a, (uint64_t)(int64_t)fds[i], fd_names[i]);
    } else
        set(a, PICK(bad), "badfd");
}

static void dirfd_arg(arg *a)
{
    if (chance(40))
        set(a, (uint64_t)(int64_t)AT_FDCWD, "AT_FDCWD");
    else if (chance(40))
        set(a, (uint64_t)(int64_t)fds[FD_DIR], "dir");
    else
        fd_arg(a);
}

/* structures in m_struct, rebuilt per call (build_structs) */
enum {
    S_IOV = 0,          /* struct iovec[8] */
    S_TS = 256,         /* timespecs: short, zero, negative, bad nsec, huge */
    S_PTRS = 384,       /* pointer array (argv-like), 32 entries */
    S_MSG = 640,        /* struct msghdr */
    S_CMSG = 768,       /* SCM_RIGHTS control message */
    S_SIGSET = 896,     /* sigset: everything but SIGALRM */
    S_SUN = 912,        /* sockaddr_un naming sock0 */
    S_CLONE = 1024,     /* struct clone_args */
    S_PSEL = 1200,      /* pselect6's {sigset *, size} */
    S_ITS = 1232,       /* itimerspec */
    S_EPEV = 1280,      /* epoll_event */
    S_POLL = 1300,      /* struct pollfd[4] */
    S_MMSG = 1400,      /* struct mmsghdr[2] */
    S_SIGACT = 1500,    /* riscv64 struct sigaction */
    S_STACK = 1600,     /* stack_t */
    S_RLIM = 1700,      /* struct rlimit */
    S_FUTEX = 1800,     /* futex words */
    S_SIGINFO = 1900,   /* siginfo: fault codes, forged addresses */
    S_RANDOM = 2048,    /* random bytes from here */
};

static const int signals[] = {0, 1, SIGSEGV, SIGBUS, SIGILL, SIGFPE, SIGTRAP, SIGKILL, SIGSTOP, SIGCHLD,
                              SIGALRM, SIGUSR1, SIGPIPE, SIGCONT, SIGTSTP, SIGSYS, 31, 32, 33, 34, 63, 64,
                              65, 128, -1};

static void ptr_arg(arg *a);

/* a pointer that is bad in some way (for inside structures) */
static uint64_t bad_ptr(void)
{
    static const uint64_t high[] = {1ULL << 38, (1ULL << 38) - 8, 1ULL << 39, 1ULL << 46,
                                    (1ULL << 47) - 4096, 1ULL << 47, 0xffff800000000000ULL,
                                    0xfffffffffffff000ULL, ~0ULL};
    switch (below(7)) {
    case 0: return 0;
    case 1: return P(m_hole) + below(4096);
    case 2: return P(m_none);
    case 3: return kind_skipped("trunc") ? P(m_hole) : P(m_trunc) + below(8192);
    case 4: return P(EDGE_END) - below(16);
    case 5: return P(m_rnd) + 1 + 2 * below(RND_SIZE / 2);
    default: return PICK(high);
    }
}

static uint64_t some_ptr(void)
{
    arg t;
    ptr_arg(&t);
    return t.v;
}

static void put64(uint8_t *p, uint64_t v) { memcpy(p, &v, 8); }

static void build_structs(void)
{
    uint8_t *s = m_struct;
    arg t;
    for (int i = 0; i < 8; i++) {
        put64(s + S_IOV + 16 * i, chance(50) ? P(m_rnd) + below(RND_SIZE) : bad_ptr());
        len_arg(&t);
        put64(s + S_IOV + 16 * i + 8, t.v);
    }
    int64_t ts[10] = {0, 1000000, 0, 0, -1, -1, 0, 2000000000, INT64_MAX, 999999999};
    memcpy(s + S_TS, ts, sizeof ts);
    for (int i = 0; i < 31; i++)
        put64(s + S_PTRS + 8 * i, chance(60) ? P(path_at[below(NPATHS)]) : bad_ptr());
    put64(s + S_PTRS + 8 * below(32), 0);
    /* struct msghdr: name, namelen, iov, iovlen, control, controllen, flags */
    put64(s + S_MSG, chance(50) ? P(s + S_SUN) : bad_ptr());
    put64(s + S_MSG + 8, below(200));
    put64(s + S_MSG + 16, chance(70) ? P(s + S_IOV) : bad_ptr());
    len_arg(&t);
    put64(s + S_MSG + 24, chance(70) ? below(9) : t.v);
    put64(s + S_MSG + 32, chance(50) ? P(s + S_CMSG) : bad_ptr());
    len_arg(&t);
    put64(s + S_MSG + 40, chance(50) ? 24 : t.v);
    put64(s + S_MSG + 48, rnd());
    /* cmsghdr: len, level SOL_SOCKET, type SCM_RIGHTS, fds */
    put64(s + S_CMSG, chance(70) ? 24 : rnd());
    int cm[4] = {SOL_SOCKET, SCM_RIGHTS, fds[below(NFD)], (int)rnd()};
    memcpy(s + S_CMSG + 8, cm, sizeof cm);
    uint64_t set = ~0ULL & ~(1ULL << (SIGALRM - 1));
    put64(s + S_SIGSET, chance(50) ? set : 0);
    struct sockaddr_un sun = {.sun_family = AF_UNIX, .sun_path = "sock0"};
    memcpy(s + S_SUN, &sun, sizeof sun);
    /* struct clone_args: flags, pidfd, child_tid, parent_tid, exit_signal,
     * stack, stack_size, tls, set_tid, set_tid_size, cgroup */
    static const int sigs[] = {0, SIGCHLD, SIGUSR1, SIGSEGV, 64, 65};
    uint64_t ca[11] = {rnd() & ~(uint64_t)CLONE_PARENT, some_ptr(), some_ptr(), some_ptr(), (uint64_t)PICK(sigs),
                       some_ptr(), rnd() & 0xffff, rnd(), some_ptr(), below(4), below(16)};
    if (chance(70))
        ca[0] &= 0xffffffffULL;
    memcpy(s + S_CLONE, ca, sizeof ca);
    put64(s + S_PSEL, chance(80) ? P(s + S_SIGSET) : bad_ptr());
    put64(s + S_PSEL + 8, chance(80) ? 8 : rnd());
    int64_t its[4] = {0, chance(50) ? 1000000 : (int64_t)rnd(), 0, 1000000};
    memcpy(s + S_ITS, its, sizeof its);
    put64(s + S_EPEV, rnd() & 0xffffffff);
    put64(s + S_EPEV + 8, rnd());
    for (int i = 0; i < 4; i++) {
        int pf[2] = {fds[below(NFD)], (int)(rnd() & 0xffff)};
        memcpy(s + S_POLL + 8 * i, pf, sizeof pf);
    }
    for (int i = 0; i < 2; i++) {
        memcpy(s + S_MMSG + 64 * i, s + S_MSG, 56);
        put64(s + S_MMSG + 64 * i + 56, rnd());
    }
    static const uint64_t handlers[] = {0, 1, 2, ~0ULL};
    put64(s + S_SIGACT, chance(50) ? PICK(handlers) : some_ptr());
    put64(s + S_SIGACT + 8, rnd() & (chance(50) ? 0xffffffffULL : ~0ULL));
    put64(s + S_SIGACT + 16, rnd() & ~(1ULL << (SIGALRM - 1)));
    put64(s + S_STACK, some_ptr());
    put64(s + S_STACK + 8, rnd() & (chance(50) ? 3 : 0xffffffffULL));
    len_arg(&t);
    put64(s + S_STACK + 16, t.v);
    len_arg(&t);
    put64(s + S_RLIM, t.v);
    len_arg(&t);
    put64(s + S_RLIM + 8, t.v);
    put64(s + S_FUTEX, rnd() & 0xffffffff0000ffffULL);
    put64(s + S_FUTEX + 8, chance(50) ? P(s + S_FUTEX) : bad_ptr());
    /* siginfo: signo, errno, code, then si_addr/si_pid... */
    static const int codes[] = {0, -1, -6, 1, 2, 3, 4, 128, 0x80000000, 0x7fffffff};
    int si[3] = {PICK(signals), 0, PICK(codes)};
    memset(s + S_SIGINFO, 0, 128);
    memcpy(s + S_SIGINFO, si, sizeof si);
    put64(s + S_SIGINFO + 16, chance(50) ? 0x4141414141ULL : rnd());
    for (size_t i = S_RANDOM; i < STRUCT_SIZE; i += 8)
        put64(s + i, chance(20) ? some_ptr() : rnd());
}

static void ptr_arg(arg *a)
{
    static const uint64_t high[] = {1ULL << 38, (1ULL << 38) - 1, (1ULL << 38) - 4096, 1ULL << 39,
                                    (1ULL << 39) + 4096, 1ULL << 46, (1ULL << 47) - 1, 1ULL << 47,
                                    0xffff800000000000ULL, 0xffffffff80000000ULL, 0xfffffffffffff000ULL,
                                    ~0ULL, 1ULL << 63};
    static const int structs[] = {S_IOV, S_TS, S_TS + 16, S_TS + 32, S_TS + 48, S_TS + 64, S_PTRS, S_MSG,
                                  S_SIGSET, S_SUN, S_CLONE, S_PSEL, S_ITS, S_EPEV, S_POLL, S_MMSG,
                                  S_SIGACT, S_STACK, S_RLIM, S_FUTEX, S_SIGINFO, S_RANDOM};
    for (;;) {
        switch (below(18)) {
        case 0: set(a, 0, "NULL"); return;
        case 1: set(a, P(m_rnd) + 8 * below(RND_SIZE / 8), "rnd"); return;
        case 2: set(a, P(m_rnd), "rnd"); return;
        case 3: set(a, P(m_rnd) + 1 + 2 * below(RND_SIZE / 2), "odd"); return;
        case 4: set(a, P(EDGE_END) - 1 - below(64), "edge"); return;
        case 5: set(a, P(EDGE_END), "guard"); return;
        case 6: set(a, P(m_ro) + below(4096), "ro"); return;
        case 7: set(a, P(&ptr_arg) & ~3ULL, "text"); return;
        case 8: set(a, P(m_none) + below(4096), "prot-none"); return;
        case 9: set(a, P(m_hole) + below(4096), "unmapped"); return;
        case 10:
            if (kind_skipped("trunc"))
                continue;
            set(a, P(m_trunc) + below(8192), "trunc");
            return;
        case 11:
        case 12:
        case 13: {
            int o = PICK(structs);
            set(a, P(m_struct) + (uint64_t)o, "struct");
            snprintf(a->what, sizeof a->what, "struct@%d", o);
            return;
        }
        case 14: {
            volatile uint64_t here = 0;
            set(a, P(&here), "stack");
            return;
        }
        case 15: set(a, PICK(high), "high"); return;
        case 16: set(a, P(path_at[below(NPATHS)]), "path"); return;
        default: set(a, rnd(), "rand64"); return;
        }
    }
}

static void str_arg(arg *a)
{
    uint64_t i;
    switch (below(10)) {
    case 0: ptr_arg(a); return;
    case 1: set(a, P(EDGE_END) - 1 - below(16), "unterminated"); return;
    case 2:
        i = below(3);
        set(a, P(m_long) + 8192 * i, i == 0 ? "long-4200" : i == 1 ? "long-name" : "long-4095");
        return;
    default:
        i = below(NPATHS);
        set(a, P(path_at[i]), "path");
        snprintf(a->what, sizeof a->what, "\"%.20s\"", paths[i]);
        return;
    }
}

static void flags_arg(arg *a, const uint64_t *bits, size_t n, const char *what)
{
    if (chance(15)) {
        set(a, chance(50) ? rnd() : (uint32_t)rnd(), what);
        return;
    }
    uint64_t v = 0;
    for (int k = (int)below(4); k > 0; k--)
        v |= bits[below(n)];
    set(a, v, what);
}


/* A plausible value of the kind: half of the calls take most of their
 * arguments from here, so that they get past the first check and reach
 * what is behind it with one or two hostile arguments. */
static int sane_arg(arg *a, char kind)
{
    static const int structs[] = {S_IOV, S_TS, S_PTRS, S_MSG, S_SIGSET, S_SUN, S_ITS, S_EPEV, S_POLL,
                                  S_MMSG, S_SIGACT, S_STACK, S_RLIM, S_FUTEX, S_SIGINFO};
    static const int fdk[] = {FD_FILE, FD_FILE, FD_PIPE_R, FD_PIPE_W, FD_SOCK_A, FD_SOCK_B, FD_LISTEN,
                              FD_EVENT, FD_EPOLL, FD_MEMFD, FD_DIR, FD_NULL, FD_TIMER};
    int i;
    switch (kind) {
    case 'd':   /* a descriptor or a small number (a domain, a which, ...) */
        if (chance(40)) {
            set(a, below(4), "small");
            return 1;
        }
        i = PICK(fdk);
        set(a, (uint64_t)(int64_t)fds[i], fd_names[i]);
        return 1;
    case 'u': {
        static const uint64_t lens[] = {8, 8, 8, 16, 64, 4096};
        set(a, chance(50) ? PICK(lens) : 1 + below(256), "len");
        return 1;
    }
    case 'x': set(a, chance(70) ? 0 : 1ULL << below(12), "x"); return 1;
    case 'p':
    case 'b':
        if (chance(50))
            set(a, P(m_rnd) + 8 * below(64), "rnd");
        else {
            i = PICK(structs);
            set(a, P(m_struct) + (uint64_t)i, "struct");
            snprintf(a->what, sizeof a->what, "struct@%d", i);
        }
        return 1;
    case 's':
        i = (int)below(15);
        set(a, P(path_at[i]), "path");
        snprintf(a->what, sizeof a->what, "\"%.20s\"", paths[i]);
        return 1;
    case 'D': set(a, (uint64_t)(int64_t)AT_FDCWD, "AT_FDCWD"); return 1;
    case 'o': {
        static const uint64_t modes[] = {0644, 0600, 0755, 0, 4 /* R_OK */, 7};
        set(a, PICK(modes), "mode");
        return 1;
    }
    case 'C': set(a, chance(50) ? SIGCHLD : CLONE_VM | CLONE_VFORK | SIGCHLD, "clone"); return 1;
    default: return 0;
    }
}

static int sane_pct;    /* per call: 0, or how often an argument is plausible */

static void gen_arg(arg *a, char kind, long nr)
{
    if (chance(sane_pct) && sane_arg(a, kind))
        return;
    static const uint64_t oflags[] = {O_RDONLY, O_WRONLY, O_RDWR, O_CREAT, O_EXCL, O_TRUNC, O_APPEND,
                                      O_NONBLOCK, O_DIRECTORY, O_NOFOLLOW, O_CLOEXEC, O_PATH, O_TMPFILE,
                                      O_SYNC, O_DIRECT, O_NOCTTY, O_LARGEFILE, O_NOATIME, 3};
    static const uint64_t prots[] = {PROT_READ, PROT_WRITE, PROT_EXEC, PROT_GROWSDOWN, PROT_GROWSUP, 8};
    static const uint64_t mflags[] = {MAP_SHARED, MAP_PRIVATE, MAP_SHARED_VALIDATE, MAP_FIXED,
                                      MAP_ANONYMOUS, MAP_NORESERVE, MAP_POPULATE, MAP_FIXED_NOREPLACE,
                                      MAP_GROWSDOWN, MAP_STACK, MAP_HUGETLB, MAP_LOCKED, MAP_SYNC,
                                      MAP_PRIVATE | MAP_ANONYMOUS, MAP_PRIVATE | MAP_ANONYMOUS};
    static const uint64_t fcntls[] = {F_DUPFD, F_GETFD, F_SETFD, F_GETFL, F_SETFL, F_GETLK, F_SETLK,
                                      F_SETLKW, F_SETOWN, F_GETOWN, F_SETSIG, F_GETSIG, F_SETOWN_EX,
                                      F_GETOWN_EX, F_OFD_GETLK, F_OFD_SETLK, F_OFD_SETLKW, F_SETLEASE,
                                      F_GETLEASE, F_NOTIFY, F_DUPFD_CLOEXEC, F_SETPIPE_SZ, F_GETPIPE_SZ,
                                      F_ADD_SEALS, F_GET_SEALS, 1033, 1034, 100, (uint64_t)-1};
    static const uint64_t cflags[] = {CLONE_VM, CLONE_FS, CLONE_FILES, CLONE_SIGHAND, CLONE_PIDFD,
                                      CLONE_PTRACE, CLONE_VFORK, CLONE_THREAD, CLONE_NEWNS, CLONE_SYSVSEM,
                                      CLONE_SETTLS, CLONE_PARENT_SETTID, CLONE_CHILD_CLEARTID,
                                      CLONE_DETACHED, CLONE_UNTRACED, CLONE_CHILD_SETTID, CLONE_NEWUSER,
                                      CLONE_NEWPID, CLONE_IO, SIGCHLD, SIGSEGV, 0xff};
    switch (kind) {
    case 'd':
        if (chance(50)) {
            fd_arg(a);
            return;
        }
        int_arg(a);
        return;
    case 'u': len_arg(a); return;
    case 'x':
        if (chance(30))
            set(a, 0, "0");
        else if (chance(50))
            set(a, 1ULL << below(32), "bit");
        else
            int_arg(a);
        return;
    case 'p':
    case 'b': ptr_arg(a); return;
    case 's': str_arg(a); return;
    case 'D': dirfd_arg(a); return;
    case 'O': flags_arg(a, oflags, sizeof oflags / 8, "O"); return;
    case 'o': set(a, chance(80) ? below(010000) : rnd(), "mode"); return;
    case 'S': set(a, (uint64_t)(int64_t)PICK(signals), "sig"); return;
    case 'P': flags_arg(a, prots, sizeof prots / 8, "prot"); return;
    case 'M': flags_arg(a, mflags, sizeof mflags / 8, "map"); return;
    case 'F':
        if (nr == __NR_futex) {
            uint64_t op = chance(85) ? below(14) | (chance(50) ? FUTEX_PRIVATE_FLAG : 0) |
                                           (chance(20) ? FUTEX_CLOCK_REALTIME : 0)
                                     : rnd();
            set(a, op, "futex-op");
        } else if (chance(85))
            set(a, PICK(fcntls), "fcntl-cmd");
        else
            int_arg(a);
        return;
    case 'C': flags_arg(a, cflags, sizeof cflags / 8, "clone"); return;
    default: int_arg(a); return;
    }
}

/* calls whose arguments need a value of their own to reach anything */
static void enrich(long nr, arg *a)
{
    /* tty and serial ioctls whose numbers carry no size, others with one */
    static const uint64_t ioctls[] = {0x541B /* FIONREAD */, 0x5421 /* FIONBIO */, 0x5401 /* TCGETS */,
                                      0x5413 /* TIOCGWINSZ */, 0x541E /* TIOCGSERIAL */,
                                      0x541F /* TIOCSSERIAL */, 0x545D /* TIOCGICOUNT */,
                                      0x541C /* TIOCLINUX */, 0x5459 /* TIOCSERGETLSR */,
                                      0x40045436 /* TIOCSIG */, 0x5451 /* FIOCLEX */,
                                      0x80086601 /* FS_IOC_GETFLAGS */, 0x5460 /* FIOQSIZE */,
                                      0xc0ffee00 /* huge size */, 0x5402 /* TCSETS */};
    switch (nr) {
    case __NR_ioctl:
        if (chance(70))
            set(&a[1], PICK(ioctls), "ioctl");
        break;
    /* a fault signal queued by hand must not pass for a fault of vvm's */
    case __NR_rt_sigqueueinfo:
    case __NR_rt_tgsigqueueinfo: {
        int k = nr == __NR_rt_sigqueueinfo ? 1 : 2;
        if (chance(50))
            set(&a[k], chance(50) ? SIGSEGV : SIGBUS, "sig");
        if (chance(60))
            set(&a[k + 1], P(m_struct) + S_SIGINFO, "siginfo");
        break;
    }
    }
}

/* ---- defanging: what would break the test or the machine even confined */

static int self_pid;

/* a pid that reaches only the child itself (or no process) */
static void safe_pid(arg *a)
{
    static const int64_t other[] = {0, 0x7ffffff0, -0x7ffffff0, INT_MIN, 1LL << 32};
    switch (below(4)) {
    case 0:
    case 1: set(a, (uint64_t)(int64_t)self_pid, "self"); return;
    case 2: set(a, (uint64_t)-(int64_t)self_pid, "-self"); return;
    default: set(a, (uint64_t)PICK(other), "pid"); return;
    }
}

/* clears SIGALRM in a guest sigset the call would wait with, when it lies
 * in memory of ours (else the call may rightly block until the parent
 * kills it) */
static void unblock_alarm(uint64_t p)
{
    uint8_t *lo = m_rnd, *hi = m_rnd + RND_SIZE;
    for (int k = 0; k < 3; k++) {
        if (k == 1)
            lo = m_struct, hi = m_struct + STRUCT_SIZE;
        if (k == 2)
            lo = m_edge, hi = EDGE_END;
        if (p >= P(lo) && p <= P(hi) - 8) {
            uint64_t v;
            memcpy(&v, (void *)(uintptr_t)p, 8);
            v &= ~(1ULL << (SIGALRM - 1));
            memcpy((void *)(uintptr_t)p, &v, 8);
        }
    }
}

#define CAP_POPULATE (64ULL << 20)

static void defang(long nr, arg *a)
{
    switch (nr) {
    /* signals go to the child itself, its group, or nobody: never the
     * parent, pid 1 or -1 */
    case __NR_kill:
    case __NR_tkill:
    case __NR_rt_sigqueueinfo:
    case __NR_pidfd_open:
    case __NR_sched_setparam:
    case __NR_sched_setscheduler:
    case __NR_sched_setaffinity:
    case __NR_sched_setattr:
    case __NR_migrate_pages:
    case __NR_move_pages:
    case __NR_process_vm_readv:
    case __NR_process_vm_writev:
    case __NR_prlimit64:        /* RLIMIT_CPU 0 would kill the parent */
        safe_pid(&a[0]);
        break;
    case __NR_tgkill:
    case __NR_rt_tgsigqueueinfo:
        safe_pid(&a[0]);
        safe_pid(&a[1]);
        break;
    case __NR_ptrace:
        safe_pid(&a[1]);
        break;
    case __NR_setpriority:      /* PRIO_USER would renice the parent too */
    case __NR_ioprio_set:
        if (a[0].v == PRIO_USER)
            set(&a[1], 54321, "uid");
        else
            safe_pid(&a[1]);
        break;
    /* a grandchild made with CLONE_PARENT would be the parent's child and
     * send it its exit signal (any signal: SIGSTOP would stop the test) */
    case __NR_clone:
        a[0].v &= ~(uint64_t)CLONE_PARENT;
        break;
    case __NR_clone3:
        if (chance(70))
            set(&a[0], P(m_struct) + S_CLONE, "clone_args");
        else
            set(&a[0], bad_ptr(), "bad");
        break;
    /* memory the machine must really provide: bounded */
    case __NR_mmap:
        if (a[1].v > CAP_POPULATE)
            a[3].v &= ~(uint64_t)(MAP_POPULATE | MAP_LOCKED);
        break;
    case __NR_madvise:
        if (a[1].v > CAP_POPULATE && a[2].v != MADV_DONTNEED && a[2].v != MADV_FREE)
            a[1].v = CAP_POPULATE;
        break;
    case __NR_mlock:
    case __NR_mlock2:
        if (a[1].v > CAP_POPULATE)
            a[1].v = CAP_POPULATE;
        break;
    case __NR_mlockall:
        a[0].v &= ~(uint64_t)MCL_CURRENT;
        break;
    /* a sigset that blocks the alarm makes a waiting call wait forever */
    case __NR_rt_sigsuspend:
        unblock_alarm(a[0].v);
        break;
    case __NR_ppoll:
        unblock_alarm(a[3].v);
        break;
    case __NR_epoll_pwait:
    case __NR_epoll_pwait2:
        unblock_alarm(a[4].v);
        break;
    case __NR_pselect6:
        if (a[5].v >= P(m_struct) && a[5].v <= P(m_struct) + STRUCT_SIZE - 8) {
            uint64_t p;
            memcpy(&p, (void *)(uintptr_t)a[5].v, 8);
            unblock_alarm(p);
        }
        break;
    }
}

/* ---- the child's side */

/* The racer: in some calls (marked "race" in the log) a second thread
 * changes the memory the arguments point into while the call runs: it
 * unmaps, remaps, reprotects and discards pages of the buffers, and maps a
 * file there that it then truncates.  What the call copies from or to guest
 * memory may vanish under it; vvm must give EFAULT (or a partial count) or
 * deliver the signal Linux would, never fault itself. */
static uint64_t racer_state;
static void *racer(void *arg)
{
    (void)arg;
    uint8_t *const areas[] = {m_rnd, m_edge, m_struct};
    const size_t sizes[] = {RND_SIZE, 8192, STRUCT_SIZE};
    for (;;) {
        uint64_t z = (racer_state += 0x9e3779b97f4a7c15ULL);
        z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
        z ^= z >> 27;
        int a = (int)(z % 3);
        uint8_t *page = areas[a] + ((z >> 8) % (sizes[a] / 4096)) * 4096;
        switch ((z >> 20) % 6) {
        case 0: mprotect(page, 4096, (int)((z >> 32) % 4)); break;
        case 1: munmap(page, 4096); break;
        case 2: mmap(page, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0); break;
        case 3: madvise(page, 4096, MADV_DONTNEED); break;
        case 4:     /* -X trunc leaves this out too */
            if (fds[FD_FILE] >= 0 && !kind_skipped("trunc") &&
                mmap(page, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_FIXED, fds[FD_FILE], 0) != MAP_FAILED)
                (void)!ftruncate(fds[FD_FILE], (off_t)((z >> 40) % 2 * 4096));
            break;
        default: mprotect(page, 4096, PROT_READ | PROT_WRITE); break;
        }
    }
    return NULL;
}

/* Makes the call with the stack pointer replaced by sp (if nonzero), stores
 * the result in *res and exits at once without touching the stack (a clone
 * child, a bad sp or a clobbered stack must not matter). */
static void __attribute__((noreturn, noinline)) fire(long nr, const uint64_t *v, uint64_t sp, volatile int64_t *res)
{
    register uint64_t a0 __asm__("a0") = v[0];
    register uint64_t a1 __asm__("a1") = v[1];
    register uint64_t a2 __asm__("a2") = v[2];
    register uint64_t a3 __asm__("a3") = v[3];
    register uint64_t a4 __asm__("a4") = v[4];
    register uint64_t a5 __asm__("a5") = v[5];
    register long a7 __asm__("a7") = nr;
    register uint64_t t0 __asm__("t0") = P(res);
    register uint64_t t1 __asm__("t1") = sp;
    __asm__ volatile("beqz t1, 1f\n\t"
                     "mv sp, t1\n"
                     "1:\tecall\n\t"
                     "sd a0, 0(t0)\n\t"
                     "li a0, 0\n\t"
                     "li a7, 94\n\t"
                     "ecall\n\t"
                     "2:\tj 2b"
                     :
                     : "r"(a0), "r"(a1), "r"(a2), "r"(a3), "r"(a4), "r"(a5), "r"(a7), "r"(t0), "r"(t1)
                     : "memory");
    __builtin_unreachable();
}

static void on_alarm(int sig)
{
    (void)sig;
    register long a0 __asm__("a0") = 3;
    register long a7 __asm__("a7") = __NR_exit_group;
    __asm__ volatile("ecall\n1:\tj 1b" : : "r"(a0), "r"(a7));
    __builtin_unreachable();
}

static uint64_t seed;
static int alarm_ms = 50;
static char skip_calls[512];

static void fill_random(uint8_t *p, size_t n)
{
    for (size_t i = 0; i + 8 <= n; i += 8)
        put64(p + i, rnd());
}

static void child(uint64_t i, call c)
{
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    setpgid(0, 0);
    self_pid = getpid();
    /* the parent ignores what a child could aim at it; the child takes
     * signals as a program would */
    for (int s = 1; s < 65; s++)
        if (s != SIGKILL && s != SIGSTOP)
            signal(s, SIG_DFL);
    static uint8_t altstack[16384];
    stack_t ss = {.ss_sp = altstack, .ss_size = sizeof altstack};
    sigaltstack(&ss, NULL);
    struct sigaction sa = {.sa_handler = on_alarm, .sa_flags = SA_ONSTACK};
    sigaction(SIGALRM, &sa, NULL);

    fill_random(m_rnd, RND_SIZE);
    fill_random(m_edge, 8192);
    for (uint8_t *p = EDGE_END - 64; p < EDGE_END; p++)
        *p |= 1;        /* no NUL in the last bytes: an unterminated string */
    make_fds();
    build_structs();
    /* stdin and stdout become /dev/null; stderr stays, for vvm's own
     * messages, and no fd argument names it */
    dup2(fds[FD_NULL], 0);
    dup2(fds[FD_NULL], 1);

    arg a[6];
    sane_pct = chance(50) ? 85 : 0;
    size_t nargs = c.fmt ? strcspn(c.fmt, ":") : 6;
    for (size_t k = 0; k < 6; k++) {
        if (k < nargs)
            gen_arg(&a[k], c.fmt ? c.fmt[k] : "dpuxsd"[below(6)], c.nr);
        else
            int_arg(&a[k]);
    }
    for (size_t k = 0; k < nargs && c.fmt; k++)
        if ((c.fmt[k] == 'd' || c.fmt[k] == 'D') && (int)a[k].v == 2)
            a[k].v = 1;
    enrich(c.nr, a);
    defang(c.nr, a);
    uint64_t sp = 0;
    char sp_what[64] = "";
    if (c.nr == __NR_rt_sigreturn || chance(3)) {
        arg t;
        ptr_arg(&t);
        sp = t.v & ~15ULL;
        snprintf(sp_what, sizeof sp_what, " sp=%s:%#llx", t.what, (unsigned long long)sp);
    }

    int race = chance(10);
    racer_state = rnd();

    char line[600];
    int n = snprintf(line, sizeof line, "sysfuzz: #%llu %s(", (unsigned long long)i, c.name);
    for (size_t k = 0; k < 6 && n < (int)sizeof line; k++)
        n += snprintf(line + n, sizeof line - (size_t)n, "%s%s:%#llx", k ? ", " : "", a[k].what,
                      (unsigned long long)a[k].v);
    if (n < (int)sizeof line)
        n += snprintf(line + n, sizeof line - (size_t)n, ")%s%s\n", sp_what, race ? " race" : "");
    if (n > (int)sizeof line)
        n = sizeof line;
    (void)!write(2, line, (size_t)n);

    uint64_t v[6];
    for (int k = 0; k < 6; k++)
        v[k] = a[k].v;
    struct itimerval it = {.it_value = {.tv_sec = alarm_ms / 1000, .tv_usec = alarm_ms % 1000 * 1000}};
    pthread_t th;
    if (race)
        pthread_create(&th, NULL, racer, NULL);
    m_shared->reached = 1;
    setitimer(ITIMER_REAL, &it, NULL);
    fire(c.nr, v, sp, &m_shared->ret);
}

/* ---- the parent's side */

static void *map(size_t len, int prot)
{
    void *p = mmap(NULL, len, prot, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED) {
        perror("sysfuzz: mmap");
        exit(2);
    }
    return p;
}

static void setup(const char *dir)
{
    if (mkdir(dir, 0755) < 0 && errno != EEXIST) {
        fprintf(stderr, "sysfuzz: mkdir %s: %s\n", dir, strerror(errno));
        exit(2);
    }
    if (chdir(dir) < 0) {
        fprintf(stderr, "sysfuzz: chdir %s: %s\n", dir, strerror(errno));
        exit(2);
    }
    /* files stay small: writes, fallocate and memfds beyond 16 MiB fail */
    struct rlimit fs = {16 << 20, 16 << 20};
    setrlimit(RLIMIT_FSIZE, &fs);

    m_rnd = map(RND_SIZE, PROT_READ | PROT_WRITE);
    m_edge = map(3 * 4096, PROT_READ | PROT_WRITE);
    munmap(m_edge + 8192, 4096);
    m_ro = map(4096, PROT_READ | PROT_WRITE);
    for (int i = 0; i < 4096; i++)
        m_ro[i] = (uint8_t)(rnd() & ~0x20);    /* no SIGALRM bit in any word */
    memcpy(m_ro + 100, "f0", 3);
    mprotect(m_ro, 4096, PROT_READ);
    m_none = map(4096, PROT_NONE);
    m_hole = map(4096, PROT_READ);
    munmap(m_hole, 4096);
    m_struct = map(STRUCT_SIZE, PROT_READ | PROT_WRITE);
    m_shared = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    m_strs = map(16384, PROT_READ | PROT_WRITE);
    size_t off = 0;
    for (size_t i = 0; i < NPATHS; i++) {
        path_at[i] = m_strs + off;
        memcpy(m_strs + off, paths[i], strlen(paths[i]) + 1);
        off += strlen(paths[i]) + 1;
    }
    /* long paths: 4200 bytes (past PATH_MAX), a 300-byte name, 4095 bytes */
    m_long = map(3 * 8192, PROT_READ | PROT_WRITE);
    for (int i = 0; i < 4200; i++)
        m_long[i] = i % 2 ? '/' : 'a';
    memset(m_long + 8192, 'n', 300);
    memset(m_long + 16384, '/', 4093);
    memcpy(m_long + 16384 + 4093, "f0", 3);

    mkdir("fx", 0755);
    mkdir("d0", 0755);
    int fd = open("fx/ro", O_RDONLY | O_CREAT, 0444);
    if (fd >= 0)
        close(fd);
    const char *files[] = {"f0", "f1", "d0/f2"};
    for (int i = 0; i < 3; i++) {
        fd = open(files[i], O_RDWR | O_CREAT | O_TRUNC, 0644);
        if (fd >= 0) {
            (void)!write(fd, "sysfuzz\n", 8);
            close(fd);
        }
    }
    mkfifo("fifo", 0644);
    symlink("f0", "sym");
    symlink("nonexist", "dangling");
    symlink("loop", "loop");

    /* the shrunken file mapping: two pages mapped, then the file cut to 0 */
    fd = open("fx/trunc", O_RDWR | O_CREAT | O_TRUNC, 0644);
    if (fd < 0 || ftruncate(fd, 8192) < 0) {
        perror("sysfuzz: fx/trunc");
        exit(2);
    }
    m_trunc = mmap(NULL, 8192, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    if (m_trunc == MAP_FAILED) {
        perror("sysfuzz: mmap fx/trunc");
        exit(2);
    }
    (void)!ftruncate(fd, 0);
    close(fd);

    for (long nr = 0; nr < NR_LOW; nr++) {
        int known = 0;
        for (size_t k = 0; k < NDEF; k++)
            known |= defined[k].nr == nr;
        if (!known)
            unknown[nunknown++] = nr;
    }
    for (size_t k = 0; k < sizeof huge_nrs / sizeof huge_nrs[0]; k++)
        unknown[nunknown++] = huge_nrs[k];

    /* a child could aim a signal at the parent in ways defang() does not
     * see (F_SETOWN on a descriptor that outlives the call, for one) */
    for (int s = 1; s < 65; s++)
        if (s != SIGKILL && s != SIGSTOP && s != SIGCHLD && s != SIGALRM && s != SIGSEGV && s != SIGBUS &&
            s != SIGILL && s != SIGFPE && s != SIGTRAP && s != SIGSYS && s != SIGABRT)
            signal(s, SIG_IGN);
}

static volatile sig_atomic_t timed_out;
static void on_parent_alarm(int sig)
{
    (void)sig;
    timed_out = 1;
}

int main(int argc, char **argv)
{
    uint64_t ncalls = 1000, first = 0;
    int kill_ms = 2000, seconds = 0;
    const char *dir = "sysfuzz.d";
    int opt;
    if (argc < 1)
        return 0;   /* exec'd by a fuzzed execve */
    while ((opt = getopt(argc, argv, "s:n:T:f:t:k:d:x:X:")) != -1) {
        switch (opt) {
        case 's': seed = strtoull(optarg, NULL, 0); break;
        case 'n': ncalls = strtoull(optarg, NULL, 0); break;
        case 'T':
            seconds = atoi(optarg);
            ncalls = UINT64_MAX / 2;
            break;
        case 'f': first = strtoull(optarg, NULL, 0); break;
        case 't': alarm_ms = atoi(optarg); break;
        case 'k': kill_ms = atoi(optarg); break;
        case 'd': dir = optarg; break;
        case 'x': snprintf(skip_calls, sizeof skip_calls, "%s", optarg); break;
        case 'X': snprintf(skip_kinds, sizeof skip_kinds, "%s", optarg); break;
        default:
            fprintf(stderr, "usage: sysfuzz [-s SEED] [-n CALLS] [-T SECONDS] [-f FIRST] [-t ALARM_MS] [-k KILL_MS] "
                            "[-d DIR] [-x NAME,...] [-X KIND,...]\n");
            return 2;
        }
    }
    if (alarm_ms < 1 || kill_ms <= alarm_ms) {
        fprintf(stderr, "sysfuzz: want 0 < ALARM_MS < KILL_MS\n");
        return 2;
    }
    if (getuid() == 0 || geteuid() == 0) {
        fprintf(stderr, "sysfuzz: refusing to run as root: run it as an unprivileged user "
                        "(tests/hostile/sysfuzz.sh runs it as nobody)\n");
        return 2;
    }
    rnd_seed(seed, ~0ULL);
    setup(dir);
    struct sigaction sa = {.sa_handler = on_parent_alarm};
    sigaction(SIGALRM, &sa, NULL);

    uint64_t made = 0, returned = 0, errors = 0, enosys = 0, alarmed = 0, signalled = 0, stuck = 0,
             early = 0, stuck_blocking = 0, stopped = 0;
    static int succeeded[NDEF];
    struct timespec t0, now;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    uint64_t i;
    for (i = first; i < first + ncalls; i++) {
        if (seconds && (i & 15) == 0) {
            clock_gettime(CLOCK_MONOTONIC, &now);
            if (now.tv_sec - t0.tv_sec >= seconds)
                break;
        }
        char namebuf[32];
        call c = call_at(i, namebuf, sizeof namebuf);
        if (in_list(skip_calls, c.name))
            continue;
        rnd_seed(seed, i);
        m_shared->ret = INT64_MIN;
        m_shared->reached = 0;
        fflush(stdout);
        fflush(stderr);
        pid_t pid = fork();
        if (pid < 0) {
            fprintf(stderr, "sysfuzz: fork: %s\n", strerror(errno));
            return 2;
        }
        if (pid == 0) {
            child(i, c);
            _exit(4);
        }
        made++;
        timed_out = 0;
        struct itimerval it = {.it_value = {.tv_sec = kill_ms / 1000, .tv_usec = kill_ms % 1000 * 1000}};
        setitimer(ITIMER_REAL, &it, NULL);
        int st = 0;
        pid_t w;
        while ((w = waitpid(pid, &st, __WALL | WUNTRACED)) < 0 && errno == EINTR && !timed_out)
            ;
        if (w == pid && WIFSTOPPED(st)) {
            /* it stopped itself (SIGSTOP, SIGTSTP, ...), as it would on Linux */
            kill(pid, SIGKILL);
            kill(-pid, SIGKILL);
            while (waitpid(pid, &st, __WALL) < 0 && errno == EINTR)
                ;
            stopped++;
        } else if (w != pid) {
            kill(pid, SIGKILL);
            kill(-pid, SIGKILL);
            while (waitpid(pid, &st, __WALL) < 0 && errno == EINTR)
                ;
            /* a sigset argument that blocks the alarm makes these wait on Linux too */
            int may_block = c.nr == __NR_rt_sigsuspend || c.nr == __NR_ppoll || c.nr == __NR_pselect6 ||
                            c.nr == __NR_epoll_pwait || c.nr == __NR_epoll_pwait2 ||
                            c.nr == __NR_rt_sigtimedwait || c.nr == __NR_rt_sigprocmask;
            printf("sysfuzz: #%llu %s stuck: killed %d ms after it started, its alarm at %d ms %s\n",
                   (unsigned long long)i, c.name, kill_ms, alarm_ms,
                   may_block ? "(may be right: it waits with a sigset)" : "did not end it");
            if (may_block)
                stuck_blocking++;
            else
                stuck++;
        } else {
            kill(-pid, SIGKILL);   /* what it left behind */
            it.it_value.tv_sec = it.it_value.tv_usec = 0;
            setitimer(ITIMER_REAL, &it, NULL);
            if (!m_shared->reached) {
                early++;
                printf("sysfuzz: #%llu %s: the child ended before the call (status %#x)\n", (unsigned long long)i,
                       c.name, st);
            }
            else if (WIFEXITED(st) && WEXITSTATUS(st) == 3)
                alarmed++;
            else if (WIFSIGNALED(st))
                signalled++;
            if (m_shared->ret != INT64_MIN) {
                returned++;
                int64_t r = m_shared->ret;
                if (r < 0 && r >= -4095) {
                    errors++;
                    enosys += r == -ENOSYS;
                } else if (c.fmt)
                    succeeded[(i % (NDEF + UNKNOWN_PER_ROUND))]++;
            }
        }
        while (waitpid(-1, NULL, WNOHANG | __WALL) > 0)
            ;   /* a grandchild that became ours */
    }
    int nsucc = 0;
    for (size_t k = 0; k < NDEF; k++)
        nsucc += succeeded[k] > 0;
    if (i - first >= NDEF) {
        printf("sysfuzz: never succeeded:");
        for (size_t k = 0; k < NDEF; k++)
            if (!succeeded[k])
                printf(" %s", defined[k].name);
        printf("\n");
    }
    printf("sysfuzz: done: seed %llu, calls %llu..%llu: %llu made, %llu returned (%llu errors, %llu ENOSYS), "
           "%llu ended by the alarm, %llu died of a signal, %llu stopped, %llu died before the call, %llu stuck "
           "(%llu waiting with a sigset); %d of %zu defined calls succeeded at least once\n",
           (unsigned long long)seed, (unsigned long long)first, (unsigned long long)(i - 1),
           (unsigned long long)made, (unsigned long long)returned, (unsigned long long)errors,
           (unsigned long long)enosys, (unsigned long long)alarmed, (unsigned long long)signalled, (unsigned long long)stopped,
           (unsigned long long)early, (unsigned long long)stuck, (unsigned long long)stuck_blocking, nsucc, NDEF);
    return 0;
}
