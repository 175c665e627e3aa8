/* Fused multiply-add: fmadd/fmsub/fnmsub/fnmadd .s/.d rounded once, the
 * signs of each variant, zeros, the invalid cases (inf*0 even with a quiet
 * NaN addend), RMM and tininess after rounding. */
#include "fptest.h"

#define DEF(op, t, rm) FOP4(op##_##t##_##rm, #op "." #t " ft2, ft0, ft1, ft3, " #rm)
#define ALL(op, t) DEF(op, t, rne) DEF(op, t, rtz) DEF(op, t, rdn) DEF(op, t, rup) DEF(op, t, rmm) DEF(op, t, dyn)
ALL(fmadd, d) ALL(fmsub, d) ALL(fnmsub, d) ALL(fnmadd, d)
ALL(fmadd, s) ALL(fmsub, s) ALL(fnmsub, s) ALL(fnmadd, s)
FOP3(fmul_d, "fmul.d ft2, ft0, ft1")
FOP3(fadd_d, "fadd.d ft2, ft0, ft1")

typedef uint64_t (*fn3)(uint64_t, uint64_t, uint64_t);
#define FNS(op, t) {op##_##t##_rne, op##_##t##_rtz, op##_##t##_rdn, op##_##t##_rup, op##_##t##_rmm, op##_##t##_dyn}
#define F5(x) {x, x, x, x, x}
typedef struct {
    const char *name;
    fn3 f[6];
    uint64_t a, b, c;
    uint64_t want[5];
    unsigned flags[5];
} row;

#define ONE UINT64_C(0x3ff0000000000000)
#define NEG UINT64_C(0x8000000000000000)
#define D2 UINT64_C(0x4000000000000000)
#define D3 UINT64_C(0x4008000000000000)
#define INF UINT64_C(0x7ff0000000000000)
#define QN UINT64_C(0x7ff8000000000000)
#define SN UINT64_C(0x7ff0000000000001)

static const row rows[] = {
    /* (1+2^-52)(1-2^-53) - 1 = 2^-53 - 2^-105 exactly: one rounding, no flags.
     * A separate multiply would round the product to 1 and give 0. */
    {"fmadd.d once", FNS(fmadd, d), ONE + 1, UINT64_C(0x3fefffffffffffff), ONE | NEG,
     F5(UINT64_C(0x3c9ffffffffffffe)), F5(0)},
    {"fmadd.d 2*3+1", FNS(fmadd, d), D2, D3, ONE, F5(UINT64_C(0x401c000000000000)), F5(0)},
    {"fmsub.d 2*3-1", FNS(fmsub, d), D2, D3, ONE, F5(UINT64_C(0x4014000000000000)), F5(0)},
    {"fnmsub.d -(2*3)+1", FNS(fnmsub, d), D2, D3, ONE, F5(UINT64_C(0xc014000000000000)), F5(0)},
    {"fnmadd.d -(2*3)-1", FNS(fnmadd, d), D2, D3, ONE, F5(UINT64_C(0xc01c000000000000)), F5(0)},
    /* 1*1 + 2^-53: tie */
    {"fmadd.d tie", FNS(fmadd, d), ONE, ONE, UINT64_C(0x3ca0000000000000),
     {ONE, ONE, ONE, ONE + 1, ONE + 1}, F5(NX)},
    {"fnmadd.d tie", FNS(fnmadd, d), ONE, ONE, UINT64_C(0x3ca0000000000000),
     {ONE | NEG, ONE | NEG, (ONE | NEG) + 1, ONE | NEG, (ONE | NEG) + 1}, F5(NX)},
    /* exact cancellation: +0, or -0 rounding down */
    {"fmadd.d 1*1-1", FNS(fmadd, d), ONE, ONE, ONE | NEG, {0, 0, NEG, 0, 0}, F5(0)},
    {"fmadd.d 1*0+-0", FNS(fmadd, d), ONE, 0, NEG, {0, 0, NEG, 0, 0}, F5(0)},
    {"fmadd.d -1*0+-0", FNS(fmadd, d), ONE | NEG, 0, NEG, F5(NEG), F5(0)},
    {"fnmadd.d 1*0+0", FNS(fnmadd, d), ONE, 0, 0, F5(NEG), F5(0)},
    {"fmadd.d inf*0+qnan", FNS(fmadd, d), INF, 0, QN, F5(CNAN_D), F5(NV)},
    {"fmadd.d 0*inf+1", FNS(fmadd, d), 0, INF, ONE, F5(CNAN_D), F5(NV)},
    {"fmadd.d inf*1-inf", FNS(fmadd, d), INF, ONE, INF | NEG, F5(CNAN_D), F5(NV)},
    {"fmadd.d 1*1+qnan", FNS(fmadd, d), ONE, ONE, QN | 7, F5(CNAN_D), F5(0)},
    {"fmadd.d snan*1+1", FNS(fmadd, d), SN, ONE, ONE, F5(CNAN_D), F5(NV)},
    {"fmadd.d inf*2+1", FNS(fmadd, d), INF, D2, ONE, F5(INF), F5(0)},
    {"fmadd.d overflow", FNS(fmadd, d), UINT64_C(0x7fefffffffffffff), D2, 0,
     {INF, UINT64_C(0x7fefffffffffffff), UINT64_C(0x7fefffffffffffff), INF, INF}, F5(OF | NX)},
    /* 2^-1022 - 2^-1077 (+ a bit): tiny before rounding, not after (RNE goes
     * to 2^-1022); RTZ stays below 2^-1022 and is tiny */
    {"fmadd.d tininess", FNS(fmadd, d), UINT64_C(0xa0b0000000000000), UINT64_C(0x1be0000000000000),
     UINT64_C(0x0010000000000000),
     {UINT64_C(0x0010000000000000), UINT64_C(0x000fffffffffffff), UINT64_C(0x000fffffffffffff),
      UINT64_C(0x0010000000000000), UINT64_C(0x0010000000000000)}, {NX, UF | NX, UF | NX, NX, NX}},
    /* single: (1+2^-23)(1-2^-24) - 1 = 2^-24 - 2^-47 */
    {"fmadd.s once", FNS(fmadd, s), BOX(0x3f800001), BOX(0x3f7fffff), BOX(0xbf800000),
     F5(BOX(0x337ffffe)), F5(0)},
    {"fmsub.s 2*3-1", FNS(fmsub, s), BOX(0x40000000), BOX(0x40400000), BOX(0x3f800000), F5(BOX(0x40a00000)), F5(0)},
    {"fnmsub.s -(2*3)+1", FNS(fnmsub, s), BOX(0x40000000), BOX(0x40400000), BOX(0x3f800000), F5(BOX(0xc0a00000)), F5(0)},
    {"fnmadd.s -(2*3)-1", FNS(fnmadd, s), BOX(0x40000000), BOX(0x40400000), BOX(0x3f800000), F5(BOX(0xc0e00000)), F5(0)},
    {"fmadd.s tie", FNS(fmadd, s), BOX(0x3f800000), BOX(0x3f800000), BOX(0x33800000),
     {BOX(0x3f800000), BOX(0x3f800000), BOX(0x3f800000), BOX(0x3f800001), BOX(0x3f800001)}, F5(NX)},
    {"fmadd.s inf*0+qnan", FNS(fmadd, s), BOX(0x7f800000), BOX(0), BOX(0x7fc00000), F5(CNAN_S), F5(NV)},
    {"fmadd.s unboxed", FNS(fmadd, s), UINT64_C(0x3f800000), BOX(0x3f800000), BOX(0x3f800000), F5(CNAN_S), F5(0)},
};

int main(void)
{
    static const char *rmname[] = {"rne", "rtz", "rdn", "rup", "rmm"};
    char name[128];
    for (unsigned i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        const row *r = &rows[i];
        for (int m = 0; m < 5; m++) {
            snprintf(name, sizeof name, "%s %s", r->name, rmname[m]);
            check(name, r->f[m](r->a, r->b, r->c), r->want[m], r->flags[m]);
            set_frm((unsigned)m);
            snprintf(name, sizeof name, "%s dyn(frm=%s)", r->name, rmname[m]);
            check(name, r->f[5](r->a, r->b, r->c), r->want[m], r->flags[m]);
            set_frm(0);
        }
    }
    /* the unfused sequence gives 0 for the "once" case: the test can tell */
    uint64_t p = fmul_d(ONE + 1, UINT64_C(0x3fefffffffffffff));
    check("fmul.d then fadd.d differs", fadd_d(p, ONE | NEG), 0, 0);
    return fp_done();
}
