/* Harness for the F/D self-checking tests: each operation runs in inline asm
 * on raw register images (fmv.d.x in, fmv.x.d out, so NaN-boxing is
 * visible), with fflags cleared just before and read just after.  Expected
 * values are written out as bit patterns.  Prints "ok NAME" or "FAIL NAME ...";
 * main returns fp_done(), 0 only when every check passed. */
#ifndef FPTEST_H
#define FPTEST_H
#include <stdint.h>
#include <stdio.h>

enum { NX = 1, UF = 2, OF = 4, DZ = 8, NV = 16 };
#define BOX(x) (UINT64_C(0xffffffff00000000) | (uint32_t)(x))
#define CNAN_D UINT64_C(0x7ff8000000000000)
#define CNAN_S BOX(0x7fc00000)

static int fp_failed, fp_checks;
static uint64_t fp_flags;    /* fflags after the last operation */

static __attribute__((unused)) void check(const char *name, uint64_t got, uint64_t want, unsigned wantf)
{
    fp_checks++;
    if (got == want && fp_flags == wantf) {
        printf("ok %s\n", name);
    } else {
        fp_failed++;
        printf("FAIL %s got %016llx flags %02llx want %016llx flags %02x\n", name, (unsigned long long)got,
               (unsigned long long)fp_flags, (unsigned long long)want, wantf);
    }
}
static __attribute__((unused)) void check_int(const char *name, uint64_t got, uint64_t want)
{
    fp_checks++;
    if (got == want) {
        printf("ok %s\n", name);
    } else {
        fp_failed++;
        printf("FAIL %s got %016llx want %016llx\n", name, (unsigned long long)got, (unsigned long long)want);
    }
}
static int fp_done(void)
{
    printf("%s: %d checks, %d failed\n", fp_failed ? "FAIL" : "ok", fp_checks, fp_failed);
    return fp_failed != 0;
}

static inline void set_frm(unsigned v) { __asm__ volatile("fsrm %0" : : "r"(v)); }

/* FP op on f registers: "fd, fs1, fs2[, fs3]" are ft2, ft0, ft1, ft3 */
#define FOP3(fn, text)                                                                          \
    static uint64_t fn(uint64_t a, uint64_t b)                                                  \
    {                                                                                           \
        uint64_t r, f;                                                                          \
        __asm__ volatile("fmv.d.x ft0, %2\n\tfmv.d.x ft1, %3\n\tfsflags zero\n\t" text          \
                         "\n\tfrflags %1\n\tfmv.x.d %0, ft2"                                    \
                         : "=r"(r), "=r"(f) : "r"(a), "r"(b) : "ft0", "ft1", "ft2");            \
        fp_flags = f;                                                                           \
        return r;                                                                               \
    }
#define FOP4(fn, text)                                                                          \
    static uint64_t fn(uint64_t a, uint64_t b, uint64_t c)                                      \
    {                                                                                           \
        uint64_t r, f;                                                                          \
        __asm__ volatile("fmv.d.x ft0, %2\n\tfmv.d.x ft1, %3\n\tfmv.d.x ft3, %4\n\tfsflags zero\n\t" text \
                         "\n\tfrflags %1\n\tfmv.x.d %0, ft2"                                    \
                         : "=r"(r), "=r"(f) : "r"(a), "r"(b), "r"(c) : "ft0", "ft1", "ft2", "ft3"); \
        fp_flags = f;                                                                           \
        return r;                                                                               \
    }
/* FP source(s) -> integer rd (a0 inside the asm is %0) */
#define FOPX(fn, text)                                                                          \
    static uint64_t fn(uint64_t a, uint64_t b)                                                  \
    {                                                                                           \
        uint64_t r, f;                                                                          \
        __asm__ volatile("fmv.d.x ft0, %2\n\tfmv.d.x ft1, %3\n\tfsflags zero\n\t" text          \
                         "\n\tfrflags %1"                                                       \
                         : "=&r"(r), "=r"(f) : "r"(a), "r"(b) : "ft0", "ft1");                  \
        fp_flags = f;                                                                           \
        return r;                                                                               \
    }
/* integer source (%2) -> FP rd ft2 */
#define FOPI(fn, text)                                                                          \
    static uint64_t fn(uint64_t a)                                                              \
    {                                                                                           \
        uint64_t r, f;                                                                          \
        __asm__ volatile("fsflags zero\n\t" text "\n\tfrflags %1\n\tfmv.x.d %0, ft2"            \
                         : "=r"(r), "=r"(f) : "r"(a) : "ft2");                                  \
        fp_flags = f;                                                                           \
        return r;                                                                               \
    }

/* the six rounding-mode spellings, for generating one function per mode */
#define RMODES(X) X(rne) X(rtz) X(rdn) X(rup) X(rmm) X(dyn)
#endif
