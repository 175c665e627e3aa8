/* linux_diffs: the smaller differences from Linux a hostile guest met
 * (issue 7, item 10): mappings below vm.mmap_min_addr, mlock and its
 * family, clone's flag rules, RLIMIT_AS / RLIMIT_DATA / RLIMIT_STACK on
 * the guest's own memory (and across execve), and a signal return to an
 * odd pc. */
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <ucontext.h>
#include <unistd.h>
#include <linux/capability.h>

#include "hostile.h"

#ifndef MLOCK_ONFAULT
#define MLOCK_ONFAULT 1
#endif
#ifndef MCL_ONFAULT
#define MCL_ONFAULT 4
#endif
#ifndef CLONE_PIDFD
#define CLONE_PIDFD 0x1000
#endif

static int have_cap(int cap)
{
    struct __user_cap_header_struct h = {.version = _LINUX_CAPABILITY_VERSION_3, .pid = 0};
    struct __user_cap_data_struct d[2];
    if (syscall(SYS_capget, &h, d) < 0)
        return 0;
    return (d[cap / 32].effective >> (cap % 32)) & 1;
}

static unsigned long min_addr(void)
{
    unsigned long v = 65536;
    FILE *f = fopen("/proc/sys/vm/mmap_min_addr", "r");
    if (f) {
        if (fscanf(f, "%lu", &v) != 1)
            v = 65536;
        fclose(f);
    }
    return v;
}

#define ANON (MAP_PRIVATE | MAP_ANONYMOUS)

static void mmap_min(void)
{
    unsigned long lo = min_addr();
    if (have_cap(CAP_SYS_RAWIO)) {
        SKIP("mmap_fixed_zero", "CAP_SYS_RAWIO lets this process map below mmap_min_addr");
        return;
    }
    if (lo == 0) {
        SKIP("mmap_fixed_zero", "vm.mmap_min_addr is 0 here");
        return;
    }
    errno = 0;
    void *p = mmap(NULL, 4096, PROT_READ | PROT_WRITE, ANON | MAP_FIXED, -1, 0);
    CHECK("mmap_fixed_zero", p == MAP_FAILED && errno == EPERM, "got %p errno %s", p, strerror(errno));
    if (p != MAP_FAILED)
        munmap(p, 4096);
    errno = 0;
    p = mmap((void *)(lo - 4096), 4096, PROT_READ, ANON | MAP_FIXED, -1, 0);
    CHECK("mmap_fixed_below_min", p == MAP_FAILED && errno == EPERM, "got %p errno %s", p, strerror(errno));
    errno = 0;
    p = mmap((void *)(lo - 4096), 4096, PROT_READ, ANON | MAP_FIXED_NOREPLACE, -1, 0);
    CHECK("mmap_noreplace_below_min", p == MAP_FAILED && errno == EPERM, "got %p errno %s", p, strerror(errno));
    if (p != MAP_FAILED)
        munmap(p, 4096);
    p = mmap((void *)lo, 4096, PROT_READ, ANON | MAP_FIXED_NOREPLACE, -1, 0);
    CHECK("mmap_noreplace_at_min", p == (void *)lo, "got %p errno %s", p, strerror(errno));
    if (p != MAP_FAILED)
        munmap(p, 4096);
    /* a hint below the floor is no error: the mapping lands at or above it */
    if (lo >= 8192) {
        p = mmap((void *)(lo / 2 & ~4095UL), 4096, PROT_READ, ANON, -1, 0);
        CHECK("mmap_hint_below_min", p != MAP_FAILED && (unsigned long)p >= lo, "got %p errno %s", p,
              strerror(errno));
    } else {
        SKIP("mmap_hint_below_min", "vm.mmap_min_addr %lu leaves no hint below it", lo);
        p = mmap(NULL, 4096, PROT_READ, ANON, -1, 0);
    }
    if (p != MAP_FAILED) {
        errno = 0;
        void *q = mremap(p, 4096, 4096, MREMAP_MAYMOVE | MREMAP_FIXED, (void *)0);
        CHECK("mremap_fixed_zero", q == MAP_FAILED && errno == EPERM, "got %p errno %s", q, strerror(errno));
        munmap(p, 4096);
    }
}

static void mlocks(void)
{
    long pg = 4096;
    char *m = mmap(NULL, 4 * pg, PROT_READ | PROT_WRITE, ANON, -1, 0);
    if (m == MAP_FAILED) {
        FAIL("mlock", "mmap: %s", strerror(errno));
        return;
    }
    munmap(m + 2 * pg, pg); /* a hole at page 2 */
    CHECK("mlock", mlock(m + 10, pg) == 0, "%s", strerror(errno));
    CHECK("munlock", munlock(m, 2 * pg) == 0, "%s", strerror(errno));
    CHECK_ERR("mlock_hole", mlock(m, 4 * pg), ENOMEM);
    CHECK_ERR("munlock_hole", munlock(m + pg, 2 * pg), ENOMEM);
    CHECK_ERR("mlock_unmapped", mlock(m + 2 * pg, 1), ENOMEM);
    CHECK("mlock_zero_len", mlock(m + 2 * pg, 0) == 0, "%s", strerror(errno));
    CHECK_ERR("mlock2_bad_flags", syscall(SYS_mlock2, m, pg, 2), EINVAL);
    CHECK("mlock2_onfault", syscall(SYS_mlock2, m, pg, MLOCK_ONFAULT) == 0, "%s", strerror(errno));
    CHECK_ERR("mlockall_zero", mlockall(0), EINVAL);
    CHECK_ERR("mlockall_onfault_alone", mlockall(MCL_ONFAULT), EINVAL);
    CHECK_ERR("mlockall_bad_flags", mlockall(MCL_CURRENT | 8), EINVAL);
    if (have_cap(CAP_IPC_LOCK)) {
        SKIP("mlock_memlock_limit", "CAP_IPC_LOCK ignores RLIMIT_MEMLOCK");
    } else {
        struct rlimit old, rl;
        getrlimit(RLIMIT_MEMLOCK, &old);
        rl = old;
        rl.rlim_cur = pg;
        if (setrlimit(RLIMIT_MEMLOCK, &rl) == 0) {
            munlockall();
            CHECK_ERR("mlock_memlock_limit", mlock(m, 2 * pg), ENOMEM);
            CHECK("mlock_within_limit", mlock(m, pg) == 0, "%s", strerror(errno));
            munlockall();
            rl.rlim_cur = 0;
            setrlimit(RLIMIT_MEMLOCK, &rl);
            /* no locking at all: EPERM, before the range is looked at */
            CHECK_ERR("mlock_memlock_zero", mlock(m, pg), EPERM);
            CHECK_ERR("mlock_memlock_zero_hole", mlock(m + 2 * pg, pg), EPERM);
            CHECK_ERR("mlockall_memlock_zero", mlockall(MCL_CURRENT), EPERM);
            CHECK("munlock_memlock_zero", munlock(m, pg) == 0, "%s", strerror(errno));
            setrlimit(RLIMIT_MEMLOCK, &old);
        } else {
            SKIP("mlock_memlock_limit", "setrlimit: %s", strerror(errno));
        }
    }
    CHECK("munlockall", munlockall() == 0, "%s", strerror(errno));
    munmap(m, 4 * pg);
}

/* clone with flags Linux refuses: EINVAL, and never a child */
static void clone_bad(const char *name, unsigned long flags)
{
    errno = 0;
    long r = syscall(SYS_clone, flags, 0, 0, 0, 0);
    if (r == 0)
        _exit(0); /* accepted: a child, which must not run the rest */
    int e = errno;
    if (r > 0)
        waitpid((pid_t)r, NULL, __WALL);
    CHECK(name, r == -1 && e == EINVAL, "got %ld errno %s", r, strerror(e));
}

static void clones(void)
{
    clone_bad("clone_sighand_without_vm", CLONE_SIGHAND | SIGCHLD);
    clone_bad("clone_thread_without_sighand", CLONE_THREAD | CLONE_VM);
    clone_bad("clone_newns_with_fs", CLONE_NEWNS | CLONE_FS | SIGCHLD);
    clone_bad("clone_newuser_with_fs", CLONE_NEWUSER | CLONE_FS | SIGCHLD);
    clone_bad("clone_thread_newpid", CLONE_THREAD | CLONE_SIGHAND | CLONE_VM | CLONE_NEWPID);
    clone_bad("clone_pidfd_detached", CLONE_PIDFD | CLONE_DETACHED | SIGCHLD);
    clone_bad("clone_pidfd_parent_settid", CLONE_PIDFD | CLONE_PARENT_SETTID | SIGCHLD);
    /* what is allowed still works */
    long r = syscall(SYS_clone, SIGCHLD, 0, 0, 0, 0);
    if (r == 0)
        _exit(7);
    int st = 0;
    if (r > 0)
        waitpid((pid_t)r, &st, 0);
    CHECK("clone_fork", r > 0 && WIFEXITED(st) && WEXITSTATUS(st) == 7, "got %ld status %#x", r, st);
}

static void limits(void)
{
    struct rlimit old, rl, back;
    getrlimit(RLIMIT_AS, &old);
    rl = old;
    rl.rlim_cur = 256UL << 20;
    CHECK("setrlimit_as", setrlimit(RLIMIT_AS, &rl) == 0, "%s", strerror(errno));
    CHECK("getrlimit_as", getrlimit(RLIMIT_AS, &back) == 0 && back.rlim_cur == rl.rlim_cur &&
          back.rlim_max == rl.rlim_max, "got %#lx:%#lx", (unsigned long)back.rlim_cur, (unsigned long)back.rlim_max);
    errno = 0;
    void *big = mmap(NULL, 512UL << 20, PROT_NONE, ANON | MAP_NORESERVE, -1, 0);
    CHECK("rlimit_as_mmap", big == MAP_FAILED && errno == ENOMEM, "got %p errno %s", big, strerror(errno));
    if (big != MAP_FAILED)
        munmap(big, 512UL << 20);
    void *small = mmap(NULL, 16UL << 20, PROT_READ | PROT_WRITE, ANON, -1, 0);
    CHECK("rlimit_as_small_mmap", small != MAP_FAILED, "%s", strerror(errno));
    if (small != MAP_FAILED) {
        /* growing it past the limit fails the same way */
        errno = 0;
        void *g = mremap(small, 16UL << 20, 400UL << 20, MREMAP_MAYMOVE);
        CHECK("rlimit_as_mremap", g == MAP_FAILED && errno == ENOMEM, "got %p errno %s", g, strerror(errno));
        munmap(g != MAP_FAILED ? g : small, g != MAP_FAILED ? 400UL << 20 : 16UL << 20);
    }
    void *cur = sbrk(0);
    errno = 0;
    void *b = sbrk(300L << 20);
    CHECK("rlimit_as_brk", b == (void *)-1 && errno == ENOMEM && sbrk(0) == cur, "got %p errno %s", b,
          strerror(errno));
    if (b != (void *)-1)
        sbrk(-(300L << 20));
    CHECK("restore_as", setrlimit(RLIMIT_AS, &old) == 0, "%s", strerror(errno));
    void *later = mmap(NULL, 512UL << 20, PROT_NONE, ANON | MAP_NORESERVE, -1, 0);
    CHECK("rlimit_as_restored", later != MAP_FAILED, "%s", strerror(errno));
    if (later != MAP_FAILED)
        munmap(later, 512UL << 20);

    getrlimit(RLIMIT_DATA, &old);
    rl = old;
    rl.rlim_cur = 1UL << 20;
    CHECK("setrlimit_data", setrlimit(RLIMIT_DATA, &rl) == 0, "%s", strerror(errno));
    CHECK("getrlimit_data", getrlimit(RLIMIT_DATA, &back) == 0 && back.rlim_cur == rl.rlim_cur, "got %#lx",
          (unsigned long)back.rlim_cur);
    cur = sbrk(0);
    errno = 0;
    b = sbrk(4L << 20);
    CHECK("rlimit_data_brk", b == (void *)-1 && errno == ENOMEM && sbrk(0) == cur, "got %p errno %s", b,
          strerror(errno));
    if (b != (void *)-1)
        sbrk(-(4L << 20));
    b = sbrk(4096);
    CHECK("rlimit_data_brk_small", b != (void *)-1, "%s", strerror(errno));
    if (b != (void *)-1)
        sbrk(-4096);
    setrlimit(RLIMIT_DATA, &old);
}

/* RLIMIT_STACK: read back as set, and an exec'd program gets a stack of
 * that size (the child uses 12 MiB of a 24 MiB stack, more than the usual
 * 8 MiB) and reads the same limit */
static int stack_child(void)
{
    struct rlimit rl;
    getrlimit(RLIMIT_STACK, &rl);
    if (rl.rlim_cur != 24UL << 20) {
        printf("child: RLIMIT_STACK %#lx\n", (unsigned long)rl.rlim_cur);
        return 3;
    }
    volatile char big[12 << 20];
    for (size_t i = 0; i < sizeof big; i += 4096)
        big[i] = 1;
    return big[4096] == 1 ? 0 : 4;
}

static void stack_exec(const char *self)
{
    struct rlimit old, rl, back;
    getrlimit(RLIMIT_STACK, &old);
    if (old.rlim_max != RLIM_INFINITY && old.rlim_max < 24UL << 20) {
        SKIP("rlimit_stack_exec", "hard RLIMIT_STACK is below 24 MiB");
        return;
    }
    rl = old;
    rl.rlim_cur = 24UL << 20;
    CHECK("setrlimit_stack", setrlimit(RLIMIT_STACK, &rl) == 0, "%s", strerror(errno));
    CHECK("getrlimit_stack", getrlimit(RLIMIT_STACK, &back) == 0 && back.rlim_cur == rl.rlim_cur, "got %#lx",
          (unsigned long)back.rlim_cur);
    pid_t c = fork();
    if (c == 0) {
        execl(self, self, "stack-child", (char *)NULL);
        _exit(127);
    }
    int st = 0;
    waitpid(c, &st, 0);
    CHECK("rlimit_stack_exec", WIFEXITED(st) && WEXITSTATUS(st) == 0, "child status %#x", st);
    setrlimit(RLIMIT_STACK, &old);
}

#ifdef __riscv
static volatile int handled;
static void plain_handler(int s)
{
    handled = s;
}
#endif

/* a handler at an odd address runs from the even one (sepc[0] is zero) */
static void odd_handler(void)
{
#ifdef __riscv
    struct sigaction sa = {0};
    sa.sa_handler = (void (*)(int))((uintptr_t)plain_handler + 1);
    sigaction(SIGUSR2, &sa, NULL);
    raise(SIGUSR2);
    CHECK("odd_handler", handled == SIGUSR2, "handled %d", handled);
    signal(SIGUSR2, SIG_DFL);
#else
    SKIP("odd_handler", "riscv64 only");
#endif
}

#ifdef __riscv
static volatile int landed;
static void landing(void)
{
    landed = 1;
    printf("%s odd_pc_sigreturn\n", landed ? "PASS" : "FAIL");
    printf("done\n");
    fflush(stdout);
    _exit(0);
}
static void set_odd_pc(int s, siginfo_t *si, void *ctx)
{
    (void)s;
    (void)si;
    ucontext_t *uc = ctx;
    /* sepc[0] is always zero: the return lands on landing itself */
    uc->uc_mcontext.__gregs[REG_PC] = (unsigned long)landing + 1;
}
#endif

static void odd_pc(void)
{
#ifdef __riscv
    struct sigaction sa = {0};
    sa.sa_sigaction = set_odd_pc;
    sa.sa_flags = SA_SIGINFO;
    sigaction(SIGUSR1, &sa, NULL);
    fflush(stdout);
    raise(SIGUSR1);
    FAIL("odd_pc_sigreturn", "the handler's return came back to raise");
#else
    SKIP("odd_pc_sigreturn", "riscv64 only");
#endif
}

int main(int argc, char **argv)
{
    if (argc > 1 && !strcmp(argv[1], "stack-child"))
        return stack_child();
    mmap_min();
    mlocks();
    clones();
    limits();
    stack_exec(argv[0]);
    odd_handler();
    odd_pc(); /* last: on riscv64 it ends the program from the landing pad */
    DONE();
}
