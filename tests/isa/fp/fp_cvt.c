/* Conversions: fcvt between w/wu/l/lu and s/d (saturating, sign-extended W
 * results, every rounding mode) and between s and d. */
#include "fptest.h"

#define DEFX(nm, ins, rm) FOPX(nm##_##rm, ins " %0, ft0, " #rm)
#define ALLX(nm, ins) DEFX(nm, ins, rne) DEFX(nm, ins, rtz) DEFX(nm, ins, rdn) DEFX(nm, ins, rup) DEFX(nm, ins, rmm) DEFX(nm, ins, dyn)
ALLX(w_d, "fcvt.w.d") ALLX(wu_d, "fcvt.wu.d") ALLX(l_d, "fcvt.l.d") ALLX(lu_d, "fcvt.lu.d")
ALLX(w_s, "fcvt.w.s") ALLX(wu_s, "fcvt.wu.s") ALLX(l_s, "fcvt.l.s") ALLX(lu_s, "fcvt.lu.s")
#define DEFI(nm, ins, rm) FOPI(nm##_##rm, ins " ft2, %2, " #rm)
#define ALLI(nm, ins) DEFI(nm, ins, rne) DEFI(nm, ins, rtz) DEFI(nm, ins, rdn) DEFI(nm, ins, rup) DEFI(nm, ins, rmm) DEFI(nm, ins, dyn)
ALLI(d_l, "fcvt.d.l") ALLI(d_lu, "fcvt.d.lu") ALLI(s_w, "fcvt.s.w") ALLI(s_wu, "fcvt.s.wu") ALLI(s_l, "fcvt.s.l") ALLI(s_lu, "fcvt.s.lu")
FOPI(d_w, "fcvt.d.w ft2, %2")
FOPI(d_wu, "fcvt.d.wu ft2, %2")
#define DEFC(nm, ins, rm) FOP3(nm##_##rm, ins " ft2, ft0, " #rm)
#define ALLC(nm, ins) DEFC(nm, ins, rne) DEFC(nm, ins, rtz) DEFC(nm, ins, rdn) DEFC(nm, ins, rup) DEFC(nm, ins, rmm) DEFC(nm, ins, dyn)
ALLC(s_d, "fcvt.s.d")
FOP3(d_s, "fcvt.d.s ft2, ft0")

typedef uint64_t (*fx)(uint64_t, uint64_t);
typedef uint64_t (*fi)(uint64_t);
#define FNS(nm) {nm##_rne, nm##_rtz, nm##_rdn, nm##_rup, nm##_rmm, nm##_dyn}
#define F5(x) {x, x, x, x, x}
#define SX32(x) ((uint64_t)(int64_t)(int32_t)(x))

typedef struct {
    const char *name;
    fx f[6];
    uint64_t a;
    uint64_t want[5];   /* RNE RTZ RDN RUP RMM */
    unsigned flags[5];
} xrow;

#define NAN_D UINT64_C(0x7ff8000000000000)
#define INF_D UINT64_C(0x7ff0000000000000)
#define NINF_D UINT64_C(0xfff0000000000000)
#define IMAX32 UINT64_C(0x7fffffff)
#define IMIN32 UINT64_C(0xffffffff80000000)
#define UMAX32 UINT64_MAX       /* 0xffffffff, sign-extended */
#define IMAX64 UINT64_C(0x7fffffffffffffff)
#define IMIN64 UINT64_C(0x8000000000000000)

static const xrow xrows[] = {
    {"fcvt.w.d nan", FNS(w_d), NAN_D, F5(IMAX32), F5(NV)},
    {"fcvt.w.d snan-neg", FNS(w_d), UINT64_C(0xfff0000000000001), F5(IMAX32), F5(NV)},
    {"fcvt.w.d +inf", FNS(w_d), INF_D, F5(IMAX32), F5(NV)},
    {"fcvt.w.d -inf", FNS(w_d), NINF_D, F5(IMIN32), F5(NV)},
    {"fcvt.w.d 2^31", FNS(w_d), UINT64_C(0x41e0000000000000), F5(IMAX32), F5(NV)},
    {"fcvt.w.d -2^31", FNS(w_d), UINT64_C(0xc1e0000000000000), F5(IMIN32), F5(0)},
    {"fcvt.w.d -2^31-1", FNS(w_d), UINT64_C(0xc1e0000000200000), F5(IMIN32), F5(NV)},
    /* 2147483647.5: rounds up out of range in RNE/RUP/RMM */
    {"fcvt.w.d 2^31-0.5", FNS(w_d), UINT64_C(0x41dfffffffe00000),
     {IMAX32, IMAX32, IMAX32, IMAX32, IMAX32}, {NV, NX, NX, NV, NV}},
    /* -2147483648.5 */
    {"fcvt.w.d -2^31-0.5", FNS(w_d), UINT64_C(0xc1e0000000100000),
     {IMIN32, IMIN32, IMIN32, IMIN32, IMIN32}, {NX, NX, NV, NX, NV}},
    {"fcvt.w.d 2.5", FNS(w_d), UINT64_C(0x4004000000000000), {2, 2, 2, 3, 3}, F5(NX)},
    {"fcvt.w.d -2.5", FNS(w_d), UINT64_C(0xc004000000000000),
     {SX32(-2), SX32(-2), SX32(-3), SX32(-2), SX32(-3)}, F5(NX)},
    {"fcvt.w.d -1.5", FNS(w_d), UINT64_C(0xbff8000000000000),
     {SX32(-2), SX32(-1), SX32(-2), SX32(-1), SX32(-2)}, F5(NX)},
    {"fcvt.w.d 0.3", FNS(w_d), UINT64_C(0x3fd3333333333333), {0, 0, 0, 1, 0}, F5(NX)},
    {"fcvt.w.d -0", FNS(w_d), UINT64_C(0x8000000000000000), F5(0), F5(0)},
    {"fcvt.w.d -1000", FNS(w_d), UINT64_C(0xc08f400000000000), F5(SX32(-1000)), F5(0)},
    {"fcvt.wu.d -1", FNS(wu_d), UINT64_C(0xbff0000000000000), F5(0), F5(NV)},
    /* -0.5 rounds to 0 (in range, inexact) except going down */
    {"fcvt.wu.d -0.5", FNS(wu_d), UINT64_C(0xbfe0000000000000), {0, 0, 0, 0, 0}, {NX, NX, NV, NX, NV}},
    {"fcvt.wu.d 2^32-1", FNS(wu_d), UINT64_C(0x41efffffffe00000), F5(UMAX32), F5(0)},
    {"fcvt.wu.d 2^32", FNS(wu_d), UINT64_C(0x41f0000000000000), F5(UMAX32), F5(NV)},
    {"fcvt.wu.d 3e9", FNS(wu_d), UINT64_C(0x41e65a0bc0000000), F5(SX32(3000000000u)), F5(0)},
    {"fcvt.wu.d nan", FNS(wu_d), NAN_D, F5(UMAX32), F5(NV)},
    {"fcvt.wu.d -inf", FNS(wu_d), NINF_D, F5(0), F5(NV)},
    {"fcvt.l.d 2^63", FNS(l_d), UINT64_C(0x43e0000000000000), F5(IMAX64), F5(NV)},
    {"fcvt.l.d -2^63", FNS(l_d), UINT64_C(0xc3e0000000000000), F5(IMIN64), F5(0)},
    {"fcvt.l.d 2^64", FNS(l_d), UINT64_C(0x43f0000000000000), F5(IMAX64), F5(NV)},
    {"fcvt.l.d nan", FNS(l_d), NAN_D, F5(IMAX64), F5(NV)},
    {"fcvt.l.d -inf", FNS(l_d), NINF_D, F5(IMIN64), F5(NV)},
    {"fcvt.l.d 2^53+", FNS(l_d), UINT64_C(0x4340000000000001), F5(UINT64_C(0x20000000000002)), F5(0)},
    {"fcvt.l.d -0.5", FNS(l_d), UINT64_C(0xbfe0000000000000), {0, 0, UINT64_MAX, 0, UINT64_MAX}, F5(NX)},
    {"fcvt.lu.d 2^64", FNS(lu_d), UINT64_C(0x43f0000000000000), F5(UINT64_MAX), F5(NV)},
    {"fcvt.lu.d 2^63", FNS(lu_d), UINT64_C(0x43e0000000000000), F5(IMIN64), F5(0)},
    {"fcvt.lu.d 2^64-2048", FNS(lu_d), UINT64_C(0x43efffffffffffff), F5(UINT64_C(0xfffffffffffff800)), F5(0)},
    {"fcvt.lu.d -1", FNS(lu_d), UINT64_C(0xbff0000000000000), F5(0), F5(NV)},
    {"fcvt.lu.d nan", FNS(lu_d), NAN_D, F5(UINT64_MAX), F5(NV)},
    {"fcvt.lu.d 1.5", FNS(lu_d), UINT64_C(0x3ff8000000000000), {2, 1, 1, 2, 2}, F5(NX)},
    {"fcvt.w.s 2^31", FNS(w_s), BOX(0x4f000000), F5(IMAX32), F5(NV)},
    {"fcvt.w.s -2^31", FNS(w_s), BOX(0xcf000000), F5(IMIN32), F5(0)},
    {"fcvt.w.s nan", FNS(w_s), BOX(0x7fc00000), F5(IMAX32), F5(NV)},
    {"fcvt.w.s -inf", FNS(w_s), BOX(0xff800000), F5(IMIN32), F5(NV)},
    {"fcvt.w.s unboxed", FNS(w_s), UINT64_C(0x3f800000), F5(IMAX32), F5(NV)},
    {"fcvt.w.s 2.5", FNS(w_s), BOX(0x40200000), {2, 2, 2, 3, 3}, F5(NX)},
    {"fcvt.wu.s -1", FNS(wu_s), BOX(0xbf800000), F5(0), F5(NV)},
    {"fcvt.wu.s 2^32", FNS(wu_s), BOX(0x4f800000), F5(UMAX32), F5(NV)},
    {"fcvt.l.s 2^63", FNS(l_s), BOX(0x5f000000), F5(IMAX64), F5(NV)},
    {"fcvt.l.s -2^63", FNS(l_s), BOX(0xdf000000), F5(IMIN64), F5(0)},
    {"fcvt.lu.s 2^64", FNS(lu_s), BOX(0x5f800000), F5(UINT64_MAX), F5(NV)},
    {"fcvt.lu.s -0.5", FNS(lu_s), BOX(0xbf000000), {0, 0, 0, 0, 0}, {NX, NX, NV, NX, NV}},
};

typedef struct {
    const char *name;
    fi f[6];
    uint64_t a;
    uint64_t want[5];
    unsigned flags[5];
} irow;

static const irow irows[] = {
    /* 2^53+1: a tie between 2^53 and 2^53+2 */
    {"fcvt.d.l 2^53+1", FNS(d_l), UINT64_C(0x20000000000001),
     {UINT64_C(0x4340000000000000), UINT64_C(0x4340000000000000), UINT64_C(0x4340000000000000),
      UINT64_C(0x4340000000000001), UINT64_C(0x4340000000000001)}, F5(NX)},
    {"fcvt.d.l -(2^53+1)", FNS(d_l), (uint64_t)-INT64_C(0x20000000000001),
     {UINT64_C(0xc340000000000000), UINT64_C(0xc340000000000000), UINT64_C(0xc340000000000001),
      UINT64_C(0xc340000000000000), UINT64_C(0xc340000000000001)}, F5(NX)},
    {"fcvt.d.l -2^63", FNS(d_l), IMIN64, F5(UINT64_C(0xc3e0000000000000)), F5(0)},
    {"fcvt.d.l 1", FNS(d_l), 1, F5(UINT64_C(0x3ff0000000000000)), F5(0)},
    {"fcvt.d.lu 2^64-1", FNS(d_lu), UINT64_MAX,
     {UINT64_C(0x43f0000000000000), UINT64_C(0x43efffffffffffff), UINT64_C(0x43efffffffffffff),
      UINT64_C(0x43f0000000000000), UINT64_C(0x43f0000000000000)}, F5(NX)},
    {"fcvt.s.w 2^24+1", FNS(s_w), 0x1000001,
     {BOX(0x4b800000), BOX(0x4b800000), BOX(0x4b800000), BOX(0x4b800001), BOX(0x4b800001)}, F5(NX)},
    {"fcvt.s.w -(2^24+1)", FNS(s_w), SX32(-0x1000001),
     {BOX(0xcb800000), BOX(0xcb800000), BOX(0xcb800001), BOX(0xcb800000), BOX(0xcb800001)}, F5(NX)},
    /* only the low 32 bits of rs1 count */
    {"fcvt.s.w high-bits", FNS(s_w), UINT64_C(0x1234567800000003), F5(BOX(0x40400000)), F5(0)},
    {"fcvt.s.wu 2^32-1", FNS(s_wu), UINT64_C(0xffffffff),
     {BOX(0x4f800000), BOX(0x4f7fffff), BOX(0x4f7fffff), BOX(0x4f800000), BOX(0x4f800000)}, F5(NX)},
    {"fcvt.s.l -2^63", FNS(s_l), IMIN64, F5(BOX(0xdf000000)), F5(0)},
    {"fcvt.s.lu 2^64-1", FNS(s_lu), UINT64_MAX,
     {BOX(0x5f800000), BOX(0x5f7fffff), BOX(0x5f7fffff), BOX(0x5f800000), BOX(0x5f800000)}, F5(NX)},
};

typedef struct {
    const char *name;
    fx f[6];
    uint64_t a;
    uint64_t want[5];
    unsigned flags[5];
} crow;

static const crow crows[] = {
    /* 1 + 2^-24 as double -> single: a tie */
    {"fcvt.s.d tie", FNS(s_d), UINT64_C(0x3ff0000010000000),
     {BOX(0x3f800000), BOX(0x3f800000), BOX(0x3f800000), BOX(0x3f800001), BOX(0x3f800001)}, F5(NX)},
    {"fcvt.s.d 1e300", FNS(s_d), UINT64_C(0x7e37e43c8800759c),
     {BOX(0x7f800000), BOX(0x7f7fffff), BOX(0x7f7fffff), BOX(0x7f800000), BOX(0x7f800000)}, F5(OF | NX)},
    /* 2^-150: half the least subnormal single; tiny */
    {"fcvt.s.d 2^-150", FNS(s_d), UINT64_C(0x3690000000000000),
     {BOX(0), BOX(0), BOX(0), BOX(1), BOX(1)}, F5(UF | NX)},
    {"fcvt.s.d snan", FNS(s_d), UINT64_C(0x7ff0000000000001), F5(CNAN_S), F5(NV)},
    {"fcvt.s.d qnan", FNS(s_d), UINT64_C(0xfff8000000000005), F5(CNAN_S), F5(0)},
    {"fcvt.s.d -0", FNS(s_d), UINT64_C(0x8000000000000000), F5(BOX(0x80000000)), F5(0)},
};

int main(void)
{
    static const char *rmname[] = {"rne", "rtz", "rdn", "rup", "rmm"};
    char name[128];
    for (unsigned i = 0; i < sizeof xrows / sizeof xrows[0]; i++) {
        const xrow *r = &xrows[i];
        for (int m = 0; m < 5; m++) {
            snprintf(name, sizeof name, "%s %s", r->name, rmname[m]);
            check(name, r->f[m](r->a, 0), r->want[m], r->flags[m]);
            set_frm((unsigned)m);
            snprintf(name, sizeof name, "%s dyn(frm=%s)", r->name, rmname[m]);
            check(name, r->f[5](r->a, 0), r->want[m], r->flags[m]);
            set_frm(0);
        }
    }
    for (unsigned i = 0; i < sizeof irows / sizeof irows[0]; i++) {
        const irow *r = &irows[i];
        for (int m = 0; m < 5; m++) {
            snprintf(name, sizeof name, "%s %s", r->name, rmname[m]);
            check(name, r->f[m](r->a), r->want[m], r->flags[m]);
            set_frm((unsigned)m);
            snprintf(name, sizeof name, "%s dyn(frm=%s)", r->name, rmname[m]);
            check(name, r->f[5](r->a), r->want[m], r->flags[m]);
            set_frm(0);
        }
    }
    for (unsigned i = 0; i < sizeof crows / sizeof crows[0]; i++) {
        const crow *r = &crows[i];
        for (int m = 0; m < 5; m++) {
            snprintf(name, sizeof name, "%s %s", r->name, rmname[m]);
            check(name, r->f[m](r->a, 0), r->want[m], r->flags[m]);
            set_frm((unsigned)m);
            snprintf(name, sizeof name, "%s dyn(frm=%s)", r->name, rmname[m]);
            check(name, r->f[5](r->a, 0), r->want[m], r->flags[m]);
            set_frm(0);
        }
    }
    check("fcvt.d.w -1", d_w(UINT64_C(0xffffffff)), UINT64_C(0xbff0000000000000), 0);
    check("fcvt.d.w -2^31", d_w(UINT64_C(0x80000000)), UINT64_C(0xc1e0000000000000), 0);
    check("fcvt.d.wu 2^32-1", d_wu(UINT64_C(0x12345678ffffffff)), UINT64_C(0x41efffffffe00000), 0);
    check("fcvt.d.s 1", d_s(BOX(0x3f800000), 0), UINT64_C(0x3ff0000000000000), 0);
    check("fcvt.d.s subnormal", d_s(BOX(0x00000001), 0), UINT64_C(0x36a0000000000000), 0);
    check("fcvt.d.s snan", d_s(BOX(0x7f800001), 0), CNAN_D, NV);
    check("fcvt.d.s qnan", d_s(BOX(0xffc00001), 0), CNAN_D, 0);
    check("fcvt.d.s unboxed", d_s(UINT64_C(0x3f800000), 0), CNAN_D, 0);
    return fp_done();
}
