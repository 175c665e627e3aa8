/* The guest side of rv64-linux's vDSO (linux-vdso.so.1): riscv64 code,
 * built with the cross compiler into a shared object that vvm embeds and
 * maps into every guest (os/linux/vdso.c).  The clocks vvm can answer
 * without a system call are computed here from rdtime (the host's
 * CLOCK_MONOTONIC, isa/riscv/rv_timebase.h) and the offsets in the vvar page
 * just below the vDSO (vvar.h); every other request is the system call.
 * Freestanding: no libc, no data of its own, no relocations. */
#include <stdint.h>

#include "isa/riscv/rv_timebase.h"
#include "os/linux/vdso/vvar.h"

/* The riscv64 Linux numbers and structures this file speaks. */
enum { NR_GETCPU = 168, NR_GETTIMEOFDAY = 169, NR_CLOCK_GETTIME = 113, NR_CLOCK_GETRES = 114,
       NR_RISCV_HWPROBE = 258 };
enum { CLK_REALTIME = 0, CLK_MONOTONIC = 1, CLK_BOOTTIME = 7 };
struct k_timespec {
    int64_t tv_sec, tv_nsec;
};
struct k_timeval {
    int64_t tv_sec, tv_usec;
};

#define NSEC 1000000000ULL
#define EXPORT __attribute__((visibility("default")))

static long sys3(long nr, long a0, long a1, long a2)
{
    register long r_a0 __asm__("a0") = a0;
    register long r_a1 __asm__("a1") = a1;
    register long r_a2 __asm__("a2") = a2;
    register long r_a7 __asm__("a7") = nr;
    __asm__ volatile("ecall" : "+r"(r_a0) : "r"(r_a1), "r"(r_a2), "r"(r_a7) : "memory");
    return r_a0;
}

static long sys5(long nr, long a0, long a1, long a2, long a3, long a4)
{
    register long r_a0 __asm__("a0") = a0;
    register long r_a1 __asm__("a1") = a1;
    register long r_a2 __asm__("a2") = a2;
    register long r_a3 __asm__("a3") = a3;
    register long r_a4 __asm__("a4") = a4;
    register long r_a7 __asm__("a7") = nr;
    __asm__ volatile("ecall" : "+r"(r_a0) : "r"(r_a1), "r"(r_a2), "r"(r_a3), "r"(r_a4), "r"(r_a7) : "memory");
    return r_a0;
}

/* The ELF header of this object, where vvm mapped it; vvar is the page below. */
extern const char __ehdr_start[] __attribute__((visibility("hidden")));

static const volatile struct vvm_vvar *vvar(void)
{
    uintptr_t at = (uintptr_t)__ehdr_start;
    __asm__("" : "+r"(at)); /* an address, not an object the compiler may reason about */
    return (const volatile struct vvm_vvar *)(at - VVM_VVAR_SIZE);
}

static uint64_t mono_ns(void)
{
    uint64_t t;
    __asm__ volatile("rdtime %0" : "=r"(t));
    return t * RV_TIME_NS_PER_TICK;
}

/* Nanoseconds of clock clk now, or 0 when the kernel must answer (a clock
 * computed here only from offsets vvm keeps, and only while they are fresh). */
static uint64_t clock_ns(long clk)
{
    uint64_t now = mono_ns();
    if (clk == CLK_MONOTONIC)
        return now;
    if (clk != CLK_REALTIME && clk != CLK_BOOTTIME)
        return 0;
    const volatile struct vvm_vvar *v = vvar();
    if (now >= v->refresh_after)
        return 0;
    return now + (uint64_t)(clk == CLK_REALTIME ? v->realtime_off : v->boottime_off);
}

EXPORT int __vdso_clock_gettime(long clk, struct k_timespec *ts)
{
    uint64_t ns = clock_ns(clk);
    if (!ns)
        return (int)sys3(NR_CLOCK_GETTIME, clk, (long)ts, 0);
    ts->tv_sec = (int64_t)(ns / NSEC);
    ts->tv_nsec = (int64_t)(ns % NSEC);
    return 0;
}

EXPORT int __vdso_gettimeofday(struct k_timeval *tv, void *tz)
{
    uint64_t ns = tv && !tz ? clock_ns(CLK_REALTIME) : 0;
    if (!ns)
        return (int)sys3(NR_GETTIMEOFDAY, (long)tv, (long)tz, 0);
    tv->tv_sec = (int64_t)(ns / NSEC);
    tv->tv_usec = (int64_t)(ns % NSEC / 1000);
    return 0;
}

EXPORT int __vdso_clock_getres(long clk, struct k_timespec *res)
{
    if (clk != CLK_REALTIME && clk != CLK_MONOTONIC && clk != CLK_BOOTTIME)
        return (int)sys3(NR_CLOCK_GETRES, clk, (long)res, 0);
    if (res) {
        res->tv_sec = 0;
        res->tv_nsec = (int64_t)RV_TIME_NS_PER_TICK;
    }
    return 0;
}

EXPORT long __vdso_getcpu(unsigned *cpu, unsigned *node, void *unused)
{
    return sys3(NR_GETCPU, (long)cpu, (long)node, (long)unused);
}

EXPORT long __vdso_riscv_hwprobe(void *pairs, long count, long cpusetsize, void *cpus, unsigned flags)
{
    return sys5(NR_RISCV_HWPROBE, (long)pairs, count, cpusetsize, (long)cpus, (long)flags);
}
