/* vdso: the vDSO vvm gives rv64-linux guests (os/linux/vdso.c), seen from a
 * glibc program: AT_SYSINFO_EHDR points at linux-vdso.so.1, /proc/self/maps
 * names it, its symbols are found through its DT_HASH, its clocks agree
 * with the system calls, signal handlers return through
 * __vdso_rt_sigreturn and backtrace() crosses the signal frame.
 * `vdso strace` only reads the clocks, for the --strace check (no clock
 * system call may show).  Not compared with qemu-riscv64: Debian's 7.2 gives
 * riscv64 guests no vDSO. */
#define _GNU_SOURCE
#include <elf.h>
#include <execinfo.h>
#include <link.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <sys/auxv.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include "t.h"

static uintptr_t vdso;

/* A symbol of the vDSO, looked up as a dynamic linker would (DT_HASH). */
static void *vdso_sym(const char *name)
{
    const Elf64_Ehdr *eh = (const void *)vdso;
    const Elf64_Phdr *ph = (const void *)(vdso + eh->e_phoff);
    const Elf64_Dyn *dyn = NULL;
    for (int i = 0; i < eh->e_phnum; i++)
        if (ph[i].p_type == PT_DYNAMIC)
            dyn = (const void *)(vdso + ph[i].p_vaddr);
    if (!dyn)
        return NULL;
    const Elf64_Sym *sym = NULL;
    const char *str = NULL;
    const uint32_t *hash = NULL;
    for (; dyn->d_tag != DT_NULL; dyn++) {
        if (dyn->d_tag == DT_SYMTAB)
            sym = (const void *)(vdso + dyn->d_un.d_ptr);
        if (dyn->d_tag == DT_STRTAB)
            str = (const void *)(vdso + dyn->d_un.d_ptr);
        if (dyn->d_tag == DT_HASH)
            hash = (const void *)(vdso + dyn->d_un.d_ptr);
    }
    if (!sym || !str || !hash)
        return NULL;
    for (uint32_t i = 1; i < hash[1]; i++)
        if (!strcmp(str + sym[i].st_name, name) && sym[i].st_shndx != SHN_UNDEF)
            return (void *)(vdso + sym[i].st_value);
    return NULL;
}

static int64_t ns(struct timespec t) { return t.tv_sec * 1000000000LL + t.tv_nsec; }

static void check_image(void)
{
    GROUP_BEGIN();
    vdso = getauxval(AT_SYSINFO_EHDR);
    CHECK("auxv", vdso != 0);
    if (!vdso) {
        GROUP_END("image");
        return;
    }
    const Elf64_Ehdr *eh = (const void *)vdso;
    CHECK("elf", !memcmp(eh->e_ident, ELFMAG, SELFMAG) && eh->e_ident[EI_CLASS] == ELFCLASS64);
    CHECK("elf", eh->e_type == ET_DYN && eh->e_machine == EM_RISCV);
    static const char *const names[] = {"__vdso_rt_sigreturn", "__vdso_gettimeofday", "__vdso_clock_gettime",
                                        "__vdso_clock_getres", "__vdso_getcpu"};
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        CHECK(names[i], vdso_sym(names[i]) != NULL);
    /* /proc/self/maps: [vdso] starts at the ELF header, [vvar] is below */
    FILE *f = fopen("/proc/self/maps", "r");
    CHECK("maps", f != NULL);
    char line[512];
    unsigned long vdso_lo = 0, vvar_hi = 0;
    while (f && fgets(line, sizeof line, f)) {
        unsigned long lo, hi;
        if (sscanf(line, "%lx-%lx", &lo, &hi) != 2)
            continue;
        if (strstr(line, "[vdso]"))
            vdso_lo = lo;
        if (strstr(line, "[vvar]"))
            vvar_hi = hi;
    }
    if (f)
        fclose(f);
    CHECK("maps [vdso]", vdso_lo == vdso);
    CHECK("maps [vvar]", vvar_hi == vdso);
    GROUP_END("image");
}

/* the dynamic linker (or static glibc's) lists it as loaded */
static int found_vdso;
static int phdr_cb(struct dl_phdr_info *info, size_t size, void *arg)
{
    (void)size;
    (void)arg;
    if (info->dlpi_addr == vdso)
        found_vdso = 1;
    return 0;
}

static void check_glibc(void)
{
    GROUP_BEGIN();
    dl_iterate_phdr(phdr_cb, NULL);
    CHECK("dl_iterate_phdr lists the vDSO", found_vdso);
    GROUP_END("glibc");
}

/* glibc's clock_gettime (the vDSO) against the system call */
static void check_clocks(void)
{
    GROUP_BEGIN();
    static const clockid_t fast[] = {CLOCK_MONOTONIC, CLOCK_REALTIME, CLOCK_BOOTTIME};
    for (size_t c = 0; c < sizeof fast / sizeof fast[0]; c++) {
        struct timespec prev = {0, 0};
        int64_t closest = INT64_MAX;
        for (int i = 0; i < 2000; i++) {
            struct timespec v, s;
            int r1 = clock_gettime(fast[c], &v);
            int r2 = (int)syscall(SYS_clock_gettime, fast[c], &s);
            CHECK("clock_gettime", r1 == 0 && r2 == 0);
            CHECK("nsec in range", v.tv_nsec >= 0 && v.tv_nsec < 1000000000);
            /* the vDSO's reading comes first: never after the kernel's (by
             * more than the realtime offset's error), and just before it (on a
             * busy machine, not always: the closest pair decides) */
            CHECK("vdso <= syscall + 1ms", ns(v) <= ns(s) + 1000000);
            if (ns(s) - ns(v) < closest)
                closest = ns(s) - ns(v);
            if (fast[c] != CLOCK_REALTIME) /* the monotonic ones never go back, whoever reads them */
                CHECK("never backward", ns(v) >= ns(prev) && ns(s) >= ns(v));
            prev = s;
            if (t_failed)
                break;
        }
        CHECK("vdso within 2ms of the syscall", closest < 2000000);
        struct timespec rv, rs;
        CHECK("clock_getres", clock_getres(fast[c], &rv) == 0 && syscall(SYS_clock_getres, fast[c], &rs) == 0);
        CHECK("clock_getres", rv.tv_sec == 0 && rv.tv_nsec > 0 && rv.tv_nsec <= rs.tv_nsec);
        CHECK("clock_getres NULL", clock_getres(fast[c], NULL) == 0);
    }
    /* a second on, the offsets are due for a new measurement: the vDSO asks
     * the kernel once (vvm measures again) and the clocks still agree */
    struct timespec v, s, pause = {1, 100000000};
    nanosleep(&pause, NULL);
    /* the order is checked on every pair; nearness on the closest of a few
     * pairs, since a busy machine may deschedule the guest between two reads */
    int64_t closest = INT64_MAX;
    for (int i = 0; i < 20; i++) {
        clockid_t id = i % 2 ? CLOCK_BOOTTIME : CLOCK_REALTIME;
        CHECK("stale offsets", clock_gettime(id, &v) == 0 && syscall(SYS_clock_gettime, id, &s) == 0);
        CHECK("stale offsets: vdso <= syscall + 1ms", ns(v) <= ns(s) + 1000000);
        if (ns(s) - ns(v) < closest)
            closest = ns(s) - ns(v);
    }
    CHECK("stale offsets: within 50ms", closest < 50000000);
    struct timeval tv;
    int64_t us = 0, gap = INT64_MAX;
    for (int i = 0; i < 20; i++) {
        CHECK("gettimeofday", gettimeofday(&tv, NULL) == 0 && syscall(SYS_clock_gettime, CLOCK_REALTIME, &s) == 0);
        us = tv.tv_sec * 1000000LL + tv.tv_usec;
        CHECK("gettimeofday not after realtime", us <= ns(s) / 1000 + 1000);
        if (ns(s) / 1000 - us < gap)
            gap = ns(s) / 1000 - us;
    }
    CHECK("gettimeofday near realtime", gap < 5000);
    CHECK("gettimeofday usec", tv.tv_usec >= 0 && tv.tv_usec < 1000000);
    struct timezone tz;
    CHECK("gettimeofday tz", gettimeofday(&tv, &tz) == 0);
    time_t now = time(NULL);
    CHECK("time", now >= s.tv_sec && now - s.tv_sec < 5);
    /* clocks the vDSO leaves to the kernel */
    static const clockid_t slow[] = {CLOCK_MONOTONIC_RAW, CLOCK_REALTIME_COARSE, CLOCK_MONOTONIC_COARSE,
                                     CLOCK_PROCESS_CPUTIME_ID, CLOCK_THREAD_CPUTIME_ID, CLOCK_TAI};
    for (size_t c = 0; c < sizeof slow / sizeof slow[0]; c++) {
        struct timespec v;
        CHECK("other clocks", clock_gettime(slow[c], &v) == 0 && v.tv_nsec >= 0 && v.tv_nsec < 1000000000);
        CHECK("other clocks getres", clock_getres(slow[c], &v) == 0);
    }
    errno = 0;
    CHECK("bad clock", clock_gettime(1234, &v) == -1 && errno == EINVAL);
    errno = 0;
    CHECK("bad clock getres", clock_getres(1234, &v) == -1 && errno == EINVAL);
    /* the vDSO's own entry points, called directly */
    int (*cg)(clockid_t, struct timespec *) = (int (*)(clockid_t, struct timespec *))vdso_sym("__vdso_clock_gettime");
    if (cg) {
        CHECK("__vdso_clock_gettime", cg(CLOCK_MONOTONIC, &v) == 0 && v.tv_sec > 0);
        CHECK("__vdso_clock_gettime bad clock", cg(1234, &v) == -EINVAL);
    }
    long (*gc)(unsigned *, unsigned *, void *) = (long (*)(unsigned *, unsigned *, void *))vdso_sym("__vdso_getcpu");
    unsigned cpu = ~0u, node = ~0u;
    if (gc)
        CHECK("__vdso_getcpu", gc(&cpu, &node, NULL) == 0 && cpu != ~0u);
    CHECK("sched_getcpu", sched_getcpu() >= 0);
    GROUP_END("clocks");
}

/* A handler returns through __vdso_rt_sigreturn, and backtrace() from it
 * reaches the function the signal interrupted. */
static volatile uintptr_t handler_ra;
static volatile int handled, bt_ok, bt_frames;
extern char __start_vdso_victim[], __stop_vdso_victim[];

static void on_usr1(int sig)
{
    (void)sig;
    handler_ra = (uintptr_t)__builtin_extract_return_addr(__builtin_return_address(0));
    void *frames[32];
    int n = backtrace(frames, 32);
    bt_frames = n;
    for (int i = 0; i < n; i++) {
        uintptr_t a = (uintptr_t)frames[i];
        if (a >= (uintptr_t)__start_vdso_victim && a < (uintptr_t)__stop_vdso_victim)
            bt_ok = 1;
    }
    handled++;
}

__attribute__((noinline, section("vdso_victim"))) int victim(int x)
{
    raise(SIGUSR1);
    __asm__ volatile("" ::: "memory");
    return x + 1;
}

static void check_signals(void)
{
    GROUP_BEGIN();
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_usr1;
    CHECK("sigaction", sigaction(SIGUSR1, &sa, NULL) == 0);
    CHECK("handler ran and returned", victim(41) == 42 && handled == 1);
    CHECK("returns to __vdso_rt_sigreturn", handler_ra == (uintptr_t)vdso_sym("__vdso_rt_sigreturn"));
    if (!bt_ok)
        printf("backtrace: %d frames, none in victim\n", bt_frames);
    CHECK("backtrace crosses the signal frame", bt_ok);
    GROUP_END("signals");
}

int main(int argc, char **argv)
{
    if (argc > 1 && !strcmp(argv[1], "strace")) {
        struct timespec a;
        struct timeval tv;
        clock_gettime(CLOCK_MONOTONIC, &a);
        clock_gettime(CLOCK_REALTIME, &a);
        clock_gettime(CLOCK_BOOTTIME, &a);
        gettimeofday(&tv, NULL);
        return 0;
    }
    if (argc > 1 && !strcmp(argv[1], "bench")) {
        /* time per clock_gettime: argv[2] calls */
        long n = argc > 2 ? atol(argv[2]) : 1000000;
        struct timespec a, b, x;
        clock_gettime(CLOCK_MONOTONIC, &a);
        for (long i = 0; i < n; i++)
            clock_gettime(CLOCK_MONOTONIC, &x);
        clock_gettime(CLOCK_MONOTONIC, &b);
        printf("%ld clock_gettime calls: %.1f ns each\n", n, (double)(ns(b) - ns(a)) / (double)n);
        return 0;
    }
    check_image();
    if (vdso) {
        check_glibc();
        check_clocks();
        check_signals();
    }
    return t_status();
}
