/* F/D arithmetic: fadd fsub fmul fdiv fsqrt in every rounding mode (static
 * rm and dyn with frm = each mode), every flag, tininess after rounding,
 * canonical NaN results, NaN-boxed single results. */
#include "fptest.h"

#define DEF(op, t, rm) FOP3(op##_##t##_##rm, #op "." #t " ft2, ft0, ft1, " #rm)
#define DEFS(op, t, rm) FOP3(op##_##t##_##rm, #op "." #t " ft2, ft0, " #rm)
#define ALL(op, t) DEF(op, t, rne) DEF(op, t, rtz) DEF(op, t, rdn) DEF(op, t, rup) DEF(op, t, rmm) DEF(op, t, dyn)
#define ALLS(op, t) DEFS(op, t, rne) DEFS(op, t, rtz) DEFS(op, t, rdn) DEFS(op, t, rup) DEFS(op, t, rmm) DEFS(op, t, dyn)
ALL(fadd, d) ALL(fsub, d) ALL(fmul, d) ALL(fdiv, d) ALLS(fsqrt, d)
ALL(fadd, s) ALL(fsub, s) ALL(fmul, s) ALL(fdiv, s) ALLS(fsqrt, s)

typedef uint64_t (*fn2)(uint64_t, uint64_t);
#define FNS(op, t) {op##_##t##_rne, op##_##t##_rtz, op##_##t##_rdn, op##_##t##_rup, op##_##t##_rmm, op##_##t##_dyn}

typedef struct {
    const char *name;
    fn2 f[6];
    uint64_t a, b;
    uint64_t want[5];       /* RNE RTZ RDN RUP RMM */
    unsigned flags[5];
} row;

#define D1 UINT64_C(0x3ff0000000000000)
#define DMAX UINT64_C(0x7fefffffffffffff)
#define DINF UINT64_C(0x7ff0000000000000)
#define S1 BOX(0x3f800000)
#define F5(x) {x, x, x, x, x}

static const row rows[] = {
    /* 1 + 2^-53: a tie; RNE keeps the even 1.0, RMM goes away from zero */
    {"fadd.d tie", FNS(fadd, d), D1, UINT64_C(0x3ca0000000000000),
     {D1, D1, D1, D1 + 1, D1 + 1}, F5(NX)},
    {"fadd.d -tie", FNS(fadd, d), D1 | 1ull << 63, UINT64_C(0xbca0000000000000),
     {D1 | 1ull << 63, D1 | 1ull << 63, (D1 | 1ull << 63) + 1, D1 | 1ull << 63, (D1 | 1ull << 63) + 1}, F5(NX)},
    /* (1+2^-52) + 2^-53: tie, the even neighbour is the upper one */
    {"fadd.d tie-odd", FNS(fadd, d), D1 + 1, UINT64_C(0x3ca0000000000000),
     {D1 + 2, D1 + 1, D1 + 1, D1 + 2, D1 + 2}, F5(NX)},
    /* 1 + 2^-54: below the half */
    {"fadd.d below-half", FNS(fadd, d), D1, UINT64_C(0x3c90000000000000),
     {D1, D1, D1, D1 + 1, D1}, F5(NX)},
    {"fadd.d exact", FNS(fadd, d), D1, D1, F5(UINT64_C(0x4000000000000000)), F5(0)},
    /* x - x = +0, but -0 when rounding down */
    {"fsub.d zero-sign", FNS(fsub, d), D1, D1, {0, 0, 1ull << 63, 0, 0}, F5(0)},
    {"fadd.d overflow", FNS(fadd, d), DMAX, DMAX, {DINF, DMAX, DMAX, DINF, DINF}, F5(OF | NX)},
    {"fadd.d -overflow", FNS(fadd, d), DMAX | 1ull << 63, DMAX | 1ull << 63,
     {DINF | 1ull << 63, DMAX | 1ull << 63, DINF | 1ull << 63, DMAX | 1ull << 63, DINF | 1ull << 63}, F5(OF | NX)},
    {"fadd.d inf-inf", FNS(fadd, d), DINF, DINF | 1ull << 63, F5(CNAN_D), F5(NV)},
    {"fadd.d qnan-payload", FNS(fadd, d), UINT64_C(0x7ff8000000000123), D1, F5(CNAN_D), F5(0)},
    {"fadd.d neg-qnan", FNS(fadd, d), UINT64_C(0xfff8000000000000), D1, F5(CNAN_D), F5(0)},
    {"fadd.d snan", FNS(fadd, d), UINT64_C(0x7ff0000000000001), D1, F5(CNAN_D), F5(NV)},
    /* 2^-1000 * 2^-100 underflows to zero (or the least subnormal going up) */
    {"fmul.d underflow", FNS(fmul, d), UINT64_C(0x0170000000000000), UINT64_C(0x39b0000000000000),
     {0, 0, 0, 1, 0}, F5(UF | NX)},
    /* 2^-1000 * 2^-60 = 2^-1060: subnormal but exact, so no UF */
    {"fmul.d exact-subnormal", FNS(fmul, d), UINT64_C(0x0170000000000000), UINT64_C(0x3c30000000000000),
     F5(UINT64_C(0x4000)), F5(0)},
    /* (1-2^-53) * 2^-1022 = 2^-1022 - 2^-1075: tiny even after rounding to 53
     * bits with unbounded exponent, so UF although RNE gives the least normal */
    {"fmul.d tiny-after-rounding", FNS(fmul, d), UINT64_C(0x3fefffffffffffff), UINT64_C(0x0010000000000000),
     {UINT64_C(0x0010000000000000), UINT64_C(0x000fffffffffffff), UINT64_C(0x000fffffffffffff),
      UINT64_C(0x0010000000000000), UINT64_C(0x0010000000000000)}, F5(UF | NX)},
    {"fmul.d inf*0", FNS(fmul, d), DINF, 0, F5(CNAN_D), F5(NV)},
    {"fmul.d -0", FNS(fmul, d), D1 | 1ull << 63, 0, F5(1ull << 63), F5(0)},
    /* 1/3 = 0x3fd5555555555555 rounded down */
    {"fdiv.d 1/3", FNS(fdiv, d), D1, UINT64_C(0x4008000000000000),
     {UINT64_C(0x3fd5555555555555), UINT64_C(0x3fd5555555555555), UINT64_C(0x3fd5555555555555),
      UINT64_C(0x3fd5555555555556), UINT64_C(0x3fd5555555555555)}, F5(NX)},
    {"fdiv.d -1/3", FNS(fdiv, d), D1 | 1ull << 63, UINT64_C(0x4008000000000000),
     {UINT64_C(0xbfd5555555555555), UINT64_C(0xbfd5555555555555), UINT64_C(0xbfd5555555555556),
      UINT64_C(0xbfd5555555555555), UINT64_C(0xbfd5555555555555)}, F5(NX)},
    {"fdiv.d 1/0", FNS(fdiv, d), D1, 0, F5(DINF), F5(DZ)},
    {"fdiv.d -1/0", FNS(fdiv, d), D1 | 1ull << 63, 0, F5(DINF | 1ull << 63), F5(DZ)},
    {"fdiv.d 0/0", FNS(fdiv, d), 0, 0, F5(CNAN_D), F5(NV)},
    {"fdiv.d inf/inf", FNS(fdiv, d), DINF, DINF, F5(CNAN_D), F5(NV)},
    /* sqrt(2) = 1.41421356237309504..., 0x3ff6a09e667f3bcd is just above */
    {"fsqrt.d 2", FNS(fsqrt, d), UINT64_C(0x4000000000000000), 0,
     {UINT64_C(0x3ff6a09e667f3bcd), UINT64_C(0x3ff6a09e667f3bcc), UINT64_C(0x3ff6a09e667f3bcc),
      UINT64_C(0x3ff6a09e667f3bcd), UINT64_C(0x3ff6a09e667f3bcd)}, F5(NX)},
    {"fsqrt.d 4", FNS(fsqrt, d), UINT64_C(0x4010000000000000), 0, F5(UINT64_C(0x4000000000000000)), F5(0)},
    {"fsqrt.d -1", FNS(fsqrt, d), D1 | 1ull << 63, 0, F5(CNAN_D), F5(NV)},
    {"fsqrt.d -0", FNS(fsqrt, d), 1ull << 63, 0, F5(1ull << 63), F5(0)},

    /* single precision: results come back NaN-boxed */
    {"fadd.s tie", FNS(fadd, s), S1, BOX(0x33800000), {S1, S1, S1, S1 + 1, S1 + 1}, F5(NX)},
    {"fadd.s tie-odd", FNS(fadd, s), S1 + 1, BOX(0x33800000), {S1 + 2, S1 + 1, S1 + 1, S1 + 2, S1 + 2}, F5(NX)},
    {"fsub.s zero-sign", FNS(fsub, s), S1, S1, {BOX(0), BOX(0), BOX(0x80000000), BOX(0), BOX(0)}, F5(0)},
    {"fmul.s overflow", FNS(fmul, s), BOX(0x7f7fffff), BOX(0x40000000),
     {BOX(0x7f800000), BOX(0x7f7fffff), BOX(0x7f7fffff), BOX(0x7f800000), BOX(0x7f800000)}, F5(OF | NX)},
    /* 2^-100 * 2^-60: below the least subnormal 2^-149 */
    {"fmul.s underflow", FNS(fmul, s), BOX(0x0d800000), BOX(0x21800000),
     {BOX(0), BOX(0), BOX(0), BOX(1), BOX(0)}, F5(UF | NX)},
    {"fmul.s tiny-after-rounding", FNS(fmul, s), BOX(0x3f7fffff), BOX(0x00800000),
     {BOX(0x00800000), BOX(0x007fffff), BOX(0x007fffff), BOX(0x00800000), BOX(0x00800000)}, F5(UF | NX)},
    {"fdiv.s 1/3", FNS(fdiv, s), S1, BOX(0x40400000),
     {BOX(0x3eaaaaab), BOX(0x3eaaaaaa), BOX(0x3eaaaaaa), BOX(0x3eaaaaab), BOX(0x3eaaaaab)}, F5(NX)},
    {"fdiv.s 1/0", FNS(fdiv, s), S1, BOX(0), F5(BOX(0x7f800000)), F5(DZ)},
    {"fdiv.s 0/0", FNS(fdiv, s), BOX(0), BOX(0), F5(CNAN_S), F5(NV)},
    {"fadd.s snan", FNS(fadd, s), BOX(0x7f800001), S1, F5(CNAN_S), F5(NV)},
    {"fadd.s qnan-payload", FNS(fadd, s), BOX(0xffc00123), S1, F5(CNAN_S), F5(0)},
    /* an input that is not NaN-boxed reads as the canonical NaN (quiet: no NV) */
    {"fadd.s unboxed", FNS(fadd, s), UINT64_C(0x000000003f800000), S1, F5(CNAN_S), F5(0)},
    {"fadd.s half-boxed", FNS(fadd, s), UINT64_C(0xfffffffe3f800000), S1, F5(CNAN_S), F5(0)},
    /* sqrt(2) single = 0x3fb504f3 (1.41421353816986083984375, below) */
    {"fsqrt.s 2", FNS(fsqrt, s), BOX(0x40000000), 0,
     {BOX(0x3fb504f3), BOX(0x3fb504f3), BOX(0x3fb504f3), BOX(0x3fb504f4), BOX(0x3fb504f3)}, F5(NX)},
    {"fsqrt.s -1", FNS(fsqrt, s), BOX(0xbf800000), 0, F5(CNAN_S), F5(NV)},
};

int main(void)
{
    static const char *rmname[] = {"rne", "rtz", "rdn", "rup", "rmm"};
    char name[128];
    for (unsigned i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        const row *r = &rows[i];
        for (int m = 0; m < 5; m++) {
            snprintf(name, sizeof name, "%s %s", r->name, rmname[m]);
            check(name, r->f[m](r->a, r->b), r->want[m], r->flags[m]);
            set_frm((unsigned)m);
            snprintf(name, sizeof name, "%s dyn(frm=%s)", r->name, rmname[m]);
            check(name, r->f[5](r->a, r->b), r->want[m], r->flags[m]);
            set_frm(0);
        }
    }
    /* flags accrue until cleared */
    {
        uint64_t f;
        __asm__ volatile("fsflags zero\n\t"
                         "fmv.d.x ft0, %1\n\tfmv.d.x ft1, %2\n\t"
                         "fdiv.d ft2, ft0, ft1\n\t"     /* 1/0: DZ */
                         "fmv.d.x ft1, %3\n\t"
                         "fdiv.d ft2, ft0, ft1\n\t"     /* 1/3: NX */
                         "frflags %0"
                         : "=r"(f) : "r"(D1), "r"(UINT64_C(0)), "r"(UINT64_C(0x4008000000000000)) : "ft0", "ft1", "ft2");
        check_int("fflags accrue", f, DZ | NX);
    }
    return fp_done();
}
