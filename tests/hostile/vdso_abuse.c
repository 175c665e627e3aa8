/* A guest that unmaps, remaps and overwrites its vDSO and vvar page
 * (os/linux/vdso.c): each case runs in a child, which must end the way it
 * ends on Linux (killed by the signal its broken clock or return path
 * draws), while vvm itself never crashes and the parent's clocks keep
 * working. */
#include "hostile.h"
#include <signal.h>
#include <stdint.h>
#include <sys/auxv.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/* The [vdso] range, or every range whose name starts with [vvar. */
static int find(const char *name, uintptr_t *lo, uintptr_t *hi, int nth)
{
    FILE *f = fopen("/proc/self/maps", "r");
    if (!f)
        return 0;
    char line[512];
    int found = 0;
    while (fgets(line, sizeof line, f)) {
        unsigned long a, b;
        if (sscanf(line, "%lx-%lx", &a, &b) == 2 && strstr(line, name) && found++ == nth) {
            *lo = a;
            *hi = b;
            break;
        }
    }
    fclose(f);
    return found > nth;
}

static volatile int got;
static void on_usr1(int s) { (void)s; got = 1; }

enum { UNMAP_VDSO, UNMAP_VVAR, SCRIBBLE, SIGRETURN_GONE };

static void child(int what)
{
    uintptr_t lo, hi;
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts); /* glibc has looked the vDSO up */
    switch (what) {
    case UNMAP_VDSO:
        if (!find("[vdso]", &lo, &hi, 0) || munmap((void *)lo, hi - lo) != 0)
            _exit(90);
        clock_gettime(CLOCK_MONOTONIC, &ts);
        _exit(0);
    case UNMAP_VVAR:
        while (find("[vvar", &lo, &hi, 0))
            if (munmap((void *)lo, hi - lo) != 0)
                _exit(90);
        clock_gettime(CLOCK_REALTIME, &ts);
        _exit(0);
    case SCRIBBLE:
        if (!find("[vdso]", &lo, &hi, 0) || mprotect((void *)lo, hi - lo, PROT_READ | PROT_WRITE | PROT_EXEC) != 0)
            _exit(90);
        /* breakpoints all over the code */
#ifdef __riscv
        for (uint16_t *p = (uint16_t *)lo; p < (uint16_t *)hi; p++)
            *p = 0x9002; /* c.ebreak */
#else
        memset((void *)lo, 0xcc, hi - lo); /* int3 */
#endif
        clock_gettime(CLOCK_MONOTONIC, &ts);
        _exit(0);
    case SIGRETURN_GONE:
        signal(SIGUSR1, on_usr1);
        if (!find("[vdso]", &lo, &hi, 0) || munmap((void *)lo, hi - lo) != 0)
            _exit(90);
        raise(SIGUSR1);
        _exit(got ? 0 : 91);
    }
    _exit(92);
}

/* Runs case what in a child; its wait status. */
static int run(int what)
{
    fflush(stdout);
    pid_t pid = fork();
    if (pid == 0)
        child(what);
    int st = -1;
    if (pid < 0 || waitpid(pid, &st, 0) != pid)
        return -1;
    return st;
}

static void check_killed(const char *name, int st, int sig)
{
    CHECK(name, WIFSIGNALED(st) && WTERMSIG(st) == sig, "wait status %#x, want killed by signal %d", st, sig);
}

int main(void)
{
    uintptr_t ehdr = getauxval(AT_SYSINFO_EHDR), lo = 0, hi = 0;
    if (!ehdr || !find("[vdso]", &lo, &hi, 0)) {
        SKIP("all", "no vDSO here");
        DONE();
    }
    CHECK("maps/vdso-is-ehdr", lo == ehdr, "[vdso] at %#lx, AT_SYSINFO_EHDR %#lx", (unsigned long)lo,
          (unsigned long)ehdr);
    uintptr_t vlo, vhi;
    if (find("[vvar]", &vlo, &vhi, 0))
        CHECK_ERR("vvar/mprotect-write", mprotect((void *)vlo, vhi - vlo, PROT_READ | PROT_WRITE), EACCES);
    else
        SKIP("vvar/mprotect-write", "no [vvar] in maps");

    check_killed("unmap-vdso/clock_gettime", run(UNMAP_VDSO), SIGSEGV);
    check_killed("unmap-vvar/clock_gettime", run(UNMAP_VVAR), SIGSEGV);
    check_killed("scribble-vdso/clock_gettime", run(SCRIBBLE), SIGTRAP);
    int st = run(SIGRETURN_GONE);
#ifdef __riscv
    /* the handler returns to __vdso_rt_sigreturn, which is gone */
    check_killed("unmap-vdso/sigreturn", st, SIGSEGV);
#else
    /* x86-64 glibc returns through its own sa_restorer */
    CHECK("unmap-vdso/sigreturn", WIFEXITED(st) && WEXITSTATUS(st) == 0, "wait status %#x", st);
#endif

    /* a mapping put where the vDSO was is not named [vdso] */
    st = -1;
    fflush(stdout);
    pid_t pid = fork();
    if (pid == 0) {
        if (munmap((void *)lo, hi - lo) != 0 ||
            mmap((void *)lo, hi - lo, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0) != (void *)lo)
            _exit(90);
        uintptr_t l2, h2;
        _exit(find("[vdso]", &l2, &h2, 0) ? 1 : 0);
    }
    CHECK("replaced-vdso/maps", pid > 0 && waitpid(pid, &st, 0) == pid && WIFEXITED(st) && WEXITSTATUS(st) == 0,
          "wait status %#x", st);

    /* the parent's vDSO is untouched */
    struct timespec a, b;
    CHECK("parent/clock_gettime",
          clock_gettime(CLOCK_MONOTONIC, &a) == 0 && clock_gettime(CLOCK_MONOTONIC, &b) == 0 &&
              (b.tv_sec > a.tv_sec || (b.tv_sec == a.tv_sec && b.tv_nsec >= a.tv_nsec)),
          "the clock failed or went back");
    DONE();
}
