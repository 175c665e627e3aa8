/* engine/host/x86_64: what the host CPU offers (cpuid), on its own so
 * that code outside the translation tier (isa/riscv/rv_fp.c's fused
 * multiply-add) asks the same question without the encoder. */
#include <cpuid.h>

#include "engine/host/x86_64/x64.h"

/* cpuid is slow where it matters most, in a virtual machine (the
 * hypervisor takes each one: about 15 us on the project's machine), so the
 * answer is worked out once per process; 0 in `known` until then (two
 * threads may both work it out, to the same value) */
static unsigned features_known, features;

static unsigned cpu_features(void)
{
    unsigned f = 0;
#if defined(__x86_64__) || defined(__i386__)
    unsigned a, b, c, d;
    if (__get_cpuid(1, &a, &b, &c, &d)) {
        if (c & (1u << 23))
            f |= X64_F_POPCNT;
        if (c & (1u << 19))
            f |= X64_F_SSE41;
        /* FMA's VEX forms use the AVX state: the OS must save it (OSXSAVE, XCR0 bits 1-2) */
        if ((c & (1u << 12)) && (c & (1u << 27)) && (c & (1u << 28))) {
            unsigned lo, hi;
            __asm__ volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
            (void)hi;
            if ((lo & 6) == 6)
                f |= X64_F_FMA;
        }
    }
    if (__get_cpuid_count(7, 0, &a, &b, &c, &d)) {
        if (b & (1u << 3))
            f |= X64_F_BMI1;
        if (b & (1u << 8))
            f |= X64_F_BMI2;
    }
    if (__get_cpuid(0x80000001u, &a, &b, &c, &d) && (c & (1u << 5)))
        f |= X64_F_LZCNT;
#endif
    return f;
}

unsigned x64_cpu_features(void)
{
    if (__atomic_load_n(&features_known, __ATOMIC_ACQUIRE))
        return __atomic_load_n(&features, __ATOMIC_RELAXED);
    unsigned f = cpu_features();
    __atomic_store_n(&features, f, __ATOMIC_RELAXED);
    __atomic_store_n(&features_known, 1, __ATOMIC_RELEASE);
    return f;
}

