/* User CSRs: fflags, frm, fcsr through every Zicsr form (csrrs/csrrc with
 * x0 do not write), cycle/time/instret counting up.  The illegal cases
 * (invalid static rm, dyn with an invalid frm, writes to read-only counters,
 * unknown CSRs) are in fp_illegal.c. */
#include <unistd.h>

#include "fptest.h"

int main(void)
{
    uint64_t a, b, c;
    __asm__ volatile("fscsr zero");

    __asm__ volatile("fsflags %0" : : "r"(UINT64_C(0x3f)));
    __asm__ volatile("frflags %0" : "=r"(a));
    check_int("fsflags keeps 5 bits", a, 0x1f);
    __asm__ volatile("frcsr %0" : "=r"(a));
    check_int("fcsr = frm<<5|fflags", a, 0x1f);
    __asm__ volatile("fsrm %0" : : "r"(UINT64_C(3)));
    __asm__ volatile("frcsr %0" : "=r"(a));
    check_int("fcsr after fsrm", a, 0x7f);
    __asm__ volatile("fscsr %1, %2\n\tfrcsr %0" : "=r"(a), "=&r"(b) : "r"(UINT64_C(0x1a5)));
    check_int("fscsr returns old", b, 0x7f);
    check_int("fscsr ignores bits 8+", a, 0xa5);
    __asm__ volatile("frrm %0" : "=r"(a));
    check_int("frrm", a, 5);
    __asm__ volatile("frflags %0" : "=r"(a));
    check_int("frflags", a, 5);
    __asm__ volatile("fsrmi %0, 1" : "=r"(a));
    check_int("fsrmi old", a, 5);
    __asm__ volatile("fsflagsi %0, 2" : "=r"(a));
    check_int("fsflagsi old", a, 5);
    __asm__ volatile("frcsr %0" : "=r"(a));
    check_int("fcsr after fsrmi/fsflagsi", a, 0x22);
    __asm__ volatile("csrrs %0, fflags, %1" : "=r"(a) : "r"(UINT64_C(0x11)));
    __asm__ volatile("frflags %0" : "=r"(b));
    check_int("csrrs old", a, 2);
    check_int("csrrs sets", b, 0x13);
    __asm__ volatile("csrrc %0, fflags, %1" : "=r"(a) : "r"(UINT64_C(0x3)));
    __asm__ volatile("frflags %0" : "=r"(b));
    check_int("csrrc old", a, 0x13);
    check_int("csrrc clears", b, 0x10);
    __asm__ volatile("csrrsi %0, fflags, 8\n\tcsrrci %1, fflags, 16\n\tfrflags %2" : "=&r"(a), "=&r"(b), "=r"(c));
    check_int("csrrsi/csrrci", a << 16 | b << 8 | c, 0x10 << 16 | 0x18 << 8 | 0x08);
    __asm__ volatile("csrrs %0, frm, zero\n\tcsrrc %1, frm, zero\n\tcsrrsi %2, frm, 0" : "=&r"(a), "=&r"(b), "=r"(c));
    check_int("csrrs/csrrc/csrrsi x0: read", a << 16 | b << 8 | c, 0x010101);
    __asm__ volatile("csrrwi %0, fcsr, 0\n\tfrcsr %1" : "=&r"(a), "=r"(b));
    check_int("csrrwi fcsr", a << 8 | b, 0x28 << 8);
    /* frm may hold 5..7 (only using it is illegal) */
    __asm__ volatile("fsrmi 7\n\tfrrm %0\n\tfsrmi 0" : "=r"(a));
    check_int("frm holds 7", a, 7);

    /* flags come from operations and are cleared by writes */
    __asm__ volatile("fsflags zero\n\tfmv.d.x ft0, %1\n\tfmv.d.x ft1, %2\n\tfdiv.d ft0, ft0, ft1\n\tfrflags %0"
                     : "=r"(a) : "r"(UINT64_C(0x3ff0000000000000)), "r"(UINT64_C(0x4008000000000000)) : "ft0", "ft1");
    check_int("fdiv sets NX", a, NX);
    __asm__ volatile("fsflags zero\n\tfrflags %0" : "=r"(a));
    check_int("fsflags clears", a, 0);

    /* Flags raised once, then dropped by a write that keeps others; kept
     * across a system call (vvm: the host's exceptions for raised flags
     * are masked and the first raise of any other traps, so every way a
     * flag leaves fflags must make the next raise count again). */
    const uint64_t one = UINT64_C(0x3ff0000000000000), three = UINT64_C(0x4008000000000000);
    const uint64_t zero = 0, big = UINT64_C(0x7fe0000000000000), tiny = UINT64_C(0x0170000000000000);
#define FDIV(x, y) __asm__ volatile("fmv.d.x ft0, %0\n\tfmv.d.x ft1, %1\n\tfdiv.d ft0, ft0, ft1" : : "r"(x), "r"(y) : "ft0", "ft1")
#define FMUL(x, y) __asm__ volatile("fmv.d.x ft0, %0\n\tfmv.d.x ft1, %1\n\tfmul.d ft0, ft0, ft1" : : "r"(x), "r"(y) : "ft0", "ft1")
#define RDFLAGS(v) __asm__ volatile("frflags %0" : "=r"(v))
    __asm__ volatile("fsflags zero");
    FDIV(one, three);
    RDFLAGS(a);
    check_int("NX raised", a, NX);
    __asm__ volatile("fsflags %0" : : "r"((uint64_t)DZ));  /* NX dropped, DZ set by hand */
    RDFLAGS(a);
    check_int("NX dropped, DZ written", a, DZ);
    FDIV(one, three);
    RDFLAGS(a);
    check_int("NX raised again after it was dropped", a, DZ | NX);
    FDIV(one, zero);
    FMUL(big, big);
    RDFLAGS(a);
    check_int("DZ then OF", a, DZ | NX | OF);
    (void)getpid();  /* a system call between raising and reading */
    RDFLAGS(a);
    check_int("flags kept across a system call", a, DZ | NX | OF);
    __asm__ volatile("csrrc zero, fflags, %0" : : "r"((uint64_t)(OF | NX)));
    (void)getppid();
    FDIV(one, three);
    RDFLAGS(a);
    check_int("NX raised again after csrrc and a system call", a, DZ | NX);
    FMUL(big, big);
    RDFLAGS(a);
    check_int("OF raised again", a, DZ | NX | OF);
    (void)getpid();
    FMUL(one, one);  /* exact: the hart has the host's FP unit again, nothing raised */
    __asm__ volatile("csrrc zero, fflags, %0" : : "r"((uint64_t)NX));
    FDIV(one, three);
    RDFLAGS(a);
    check_int("NX raised again after csrrc of a flag only fflags held", a, DZ | NX | OF);
    (void)getpid();
    FMUL(one, one);
    __asm__ volatile("fsflags %0" : : "r"((uint64_t)(DZ | OF)));
    FDIV(one, three);
    RDFLAGS(a);
    check_int("NX raised again after fsflags dropped a flag only fflags held", a, DZ | NX | OF);
    __asm__ volatile("fsflags zero");
    FMUL(tiny, UINT64_C(0x39b0000000000000));  /* 2^-1000 * 2^-100: tiny, inexact */
    RDFLAGS(a);
    check_int("UF with NX", a, UF | NX);
    __asm__ volatile("fsflags zero");
    FMUL(tiny, UINT64_C(0x3c30000000000000));  /* 2^-1000 * 2^-60: subnormal, exact */
    RDFLAGS(a);
    check_int("an exact subnormal raises nothing", a, 0);
    FMUL(tiny, UINT64_C(0x39b0000000000000));
    RDFLAGS(a);
    check_int("UF after an exact subnormal", a, UF | NX);
    __asm__ volatile("fsflags zero");

    /* flags cleared before every operation, thousands of times (vvm leaves
     * its FP trap mode for such a program on the way: the flags stay exact
     * across that) */
    int wrong = 0;
    for (int k = 0; k < 3000; k++) {
        __asm__ volatile("fsflags zero");
        FDIV(one, three);
        RDFLAGS(a);
        wrong += a != NX;
        FMUL(one, three);
        RDFLAGS(a);
        wrong += a != NX;
        __asm__ volatile("fsflags zero");
        FMUL(one, three);
        RDFLAGS(a);
        wrong += a != 0;
        FMUL(big, big);
        RDFLAGS(a);
        wrong += a != (OF | NX);
    }
    check_int("flags cleared in a loop", wrong, 0);
    __asm__ volatile("fsflags zero");

    /* counters */
    uint64_t c0, c1, t0, t1, i0, i1;
    __asm__ volatile("rdcycle %0\n\trdtime %1\n\trdinstret %2" : "=r"(c0), "=r"(t0), "=r"(i0));
    for (volatile int k = 0; k < 200000; k++)
        ;
    __asm__ volatile("rdcycle %0\n\trdtime %1\n\trdinstret %2" : "=r"(c1), "=r"(t1), "=r"(i1));
    check_int("cycle counts up", c1 > c0, 1);
    check_int("time counts up", t1 > t0, 1);
    check_int("instret counts up", i1 - i0 >= 200000, 1);
    __asm__ volatile("csrr %0, time" : "=r"(a));
    check_int("csrr time", a >= t1, 1);

    return fp_done();
}
