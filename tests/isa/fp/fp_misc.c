/* fmin/fmax (IEEE 754-2019 minimumNumber/maximumNumber), feq/flt/fle, fclass
 * of all ten classes, sign injection and its aliases, NaN-boxing, fmv, and
 * the FP loads and stores including the compressed ones. */
#include "fptest.h"

FOP3(fmin_d, "fmin.d ft2, ft0, ft1")
FOP3(fmax_d, "fmax.d ft2, ft0, ft1")
FOP3(fmin_s, "fmin.s ft2, ft0, ft1")
FOP3(fmax_s, "fmax.s ft2, ft0, ft1")
FOPX(feq_d, "feq.d %0, ft0, ft1")
FOPX(flt_d, "flt.d %0, ft0, ft1")
FOPX(fle_d, "fle.d %0, ft0, ft1")
FOPX(feq_s, "feq.s %0, ft0, ft1")
FOPX(flt_s, "flt.s %0, ft0, ft1")
FOPX(fle_s, "fle.s %0, ft0, ft1")
FOPX(fclass_d, "fclass.d %0, ft0")
FOPX(fclass_s, "fclass.s %0, ft0")
FOP3(fsgnj_d, "fsgnj.d ft2, ft0, ft1")
FOP3(fsgnjn_d, "fsgnjn.d ft2, ft0, ft1")
FOP3(fsgnjx_d, "fsgnjx.d ft2, ft0, ft1")
FOP3(fsgnj_s, "fsgnj.s ft2, ft0, ft1")
FOP3(fsgnjn_s, "fsgnjn.s ft2, ft0, ft1")
FOP3(fsgnjx_s, "fsgnjx.s ft2, ft0, ft1")
FOP3(fmv_s, "fmv.s ft2, ft0")
FOP3(fneg_d, "fneg.d ft2, ft0")
FOP3(fabs_s, "fabs.s ft2, ft0")
FOPX(fmv_x_w, "fmv.x.w %0, ft0")
FOPX(fmv_x_d, "fmv.x.d %0, ft0")
FOPI(fmv_w_x, "fmv.w.x ft2, %2")
FOPI(fmv_d_x, "fmv.d.x ft2, %2")

#define PZ UINT64_C(0)
#define NZ UINT64_C(0x8000000000000000)
#define ONE UINT64_C(0x3ff0000000000000)
#define TWO UINT64_C(0x4000000000000000)
#define QN UINT64_C(0x7ff8000000000000)
#define QNP UINT64_C(0x7ff8000000000042)
#define SN UINT64_C(0x7ff0000000000001)
#define S_ONE BOX(0x3f800000)
#define S_TWO BOX(0x40000000)
#define S_QN BOX(0x7fc00000)
#define S_SN BOX(0x7f800001)

int main(void)
{
    check("fmin.d -0,+0", fmin_d(NZ, PZ), NZ, 0);
    check("fmin.d +0,-0", fmin_d(PZ, NZ), NZ, 0);
    check("fmax.d -0,+0", fmax_d(NZ, PZ), PZ, 0);
    check("fmax.d +0,-0", fmax_d(PZ, NZ), PZ, 0);
    check("fmin.d 1,2", fmin_d(ONE, TWO), ONE, 0);
    check("fmax.d 1,2", fmax_d(ONE, TWO), TWO, 0);
    check("fmin.d -1,2", fmin_d(ONE | NZ, TWO), ONE | NZ, 0);
    check("fmin.d qnan,1", fmin_d(QNP, ONE), ONE, 0);
    check("fmax.d 1,qnan", fmax_d(ONE, QNP), ONE, 0);
    check("fmin.d snan,1", fmin_d(SN, ONE), ONE, NV);
    check("fmax.d 1,snan", fmax_d(ONE, SN), ONE, NV);
    check("fmin.d qnan,qnan", fmin_d(QNP, QNP), CNAN_D, 0);
    check("fmax.d snan,qnan", fmax_d(SN, QN), CNAN_D, NV);
    check("fmin.s -0,+0", fmin_s(BOX(0x80000000), BOX(0)), BOX(0x80000000), 0);
    check("fmax.s -0,+0", fmax_s(BOX(0x80000000), BOX(0)), BOX(0), 0);
    check("fmin.s qnan,1", fmin_s(S_QN, S_ONE), S_ONE, 0);
    check("fmax.s snan,2", fmax_s(S_SN, S_TWO), S_TWO, NV);
    check("fmin.s snan,snan", fmin_s(S_SN, S_SN), CNAN_S, NV);
    check("fmin.s unboxed,1", fmin_s(UINT64_C(0xbf800000), S_ONE), S_ONE, 0);

    check("feq.d 1,1", feq_d(ONE, ONE), 1, 0);
    check("feq.d -0,+0", feq_d(NZ, PZ), 1, 0);
    check("feq.d qnan,1", feq_d(QN, ONE), 0, 0);
    check("feq.d snan,1", feq_d(SN, ONE), 0, NV);
    check("feq.d qnan,qnan", feq_d(QN, QN), 0, 0);
    check("flt.d 1,2", flt_d(ONE, TWO), 1, 0);
    check("flt.d -0,+0", flt_d(NZ, PZ), 0, 0);
    check("flt.d qnan,1", flt_d(QN, ONE), 0, NV);
    check("fle.d -0,+0", fle_d(NZ, PZ), 1, 0);
    check("fle.d 2,1", fle_d(TWO, ONE), 0, 0);
    check("fle.d 1,qnan", fle_d(ONE, QN), 0, NV);
    check("feq.s 1,1", feq_s(S_ONE, S_ONE), 1, 0);
    check("feq.s snan,1", feq_s(S_SN, S_ONE), 0, NV);
    check("feq.s unboxed,self", feq_s(UINT64_C(0x3f800000), UINT64_C(0x3f800000)), 0, 0);
    check("flt.s 1,2", flt_s(S_ONE, S_TWO), 1, 0);
    check("flt.s qnan,1", flt_s(S_QN, S_ONE), 0, NV);
    check("fle.s 2,2", fle_s(S_TWO, S_TWO), 1, 0);

    static const struct { const char *n; uint64_t d; uint32_t s; uint64_t cls; } cl[] = {
        {"-inf", UINT64_C(0xfff0000000000000), 0xff800000, 1 << 0},
        {"-normal", UINT64_C(0xbff0000000000000), 0xbf800000, 1 << 1},
        {"-subnormal", UINT64_C(0x8000000000000001), 0x80000001, 1 << 2},
        {"-0", UINT64_C(0x8000000000000000), 0x80000000, 1 << 3},
        {"+0", 0, 0, 1 << 4},
        {"+subnormal", UINT64_C(0x000fffffffffffff), 0x007fffff, 1 << 5},
        {"+normal", UINT64_C(0x7fefffffffffffff), 0x7f7fffff, 1 << 6},
        {"+inf", UINT64_C(0x7ff0000000000000), 0x7f800000, 1 << 7},
        {"snan", UINT64_C(0x7ff4000000000000), 0x7fa00000, 1 << 8},
        {"qnan", UINT64_C(0xfff8000000000001), 0xffc00001, 1 << 9},
    };
    char name[64];
    for (unsigned i = 0; i < sizeof cl / sizeof cl[0]; i++) {
        snprintf(name, sizeof name, "fclass.d %s", cl[i].n);
        check(name, fclass_d(cl[i].d, 0), cl[i].cls, 0);
        snprintf(name, sizeof name, "fclass.s %s", cl[i].n);
        check(name, fclass_s(BOX(cl[i].s), 0), cl[i].cls, 0);
    }
    check("fclass.s unboxed", fclass_s(UINT64_C(0xff800000), 0), 1 << 9, 0);

    check("fsgnj.d", fsgnj_d(ONE, TWO | NZ), ONE | NZ, 0);
    check("fsgnjn.d", fsgnjn_d(ONE, TWO | NZ), ONE, 0);
    check("fsgnjx.d", fsgnjx_d(ONE | NZ, TWO | NZ), ONE, 0);
    check("fsgnjn.d snan payload", fsgnjn_d(SN, SN), SN | NZ, 0);
    check("fneg.d", fneg_d(ONE, 0), ONE | NZ, 0);
    check("fsgnj.s", fsgnj_s(S_ONE, BOX(0xc0000000)), BOX(0xbf800000), 0);
    check("fsgnjn.s", fsgnjn_s(S_ONE, S_TWO), BOX(0xbf800000), 0);
    check("fsgnjx.s", fsgnjx_s(BOX(0xbf800000), BOX(0xc0000000)), S_ONE, 0);
    check("fsgnj.s unboxed", fsgnj_s(UINT64_C(0x3f800000), UINT64_C(0x3f800000)), CNAN_S, 0);
    check("fmv.s snan", fmv_s(S_SN, 0), S_SN, 0);
    check("fabs.s", fabs_s(BOX(0xff800001), 0), BOX(0x7f800001), 0);

    /* transfers move raw bits */
    check("fmv.x.w sign-extends", fmv_x_w(BOX(0x80000001), 0), UINT64_C(0xffffffff80000001), 0);
    check("fmv.x.w positive", fmv_x_w(BOX(0x7f800001), 0), UINT64_C(0x7f800001), 0);
    check("fmv.x.w unboxed (low bits)", fmv_x_w(UINT64_C(0x123456783f800000), 0), UINT64_C(0x3f800000), 0);
    check("fmv.w.x boxes", fmv_w_x(UINT64_C(0x12345678ffc00001)), BOX(0xffc00001), 0);
    check("fmv.x.d", fmv_x_d(SN, 0), SN, 0);
    check("fmv.d.x", fmv_d_x(UINT64_C(0xfff0000000000123)), UINT64_C(0xfff0000000000123), 0);

    /* loads and stores */
    {
        volatile uint64_t mem[4] = {UINT64_C(0x1111111122222222), UINT64_C(0x7ff0000000000001), 0, 0};
        uint64_t r1, r2, r3, r4;
        __asm__ volatile("flw ft0, 0(%4)\n\t"
                         "fmv.x.d %0, ft0\n\t"
                         "fsw ft0, 16(%4)\n\t"
                         "fld ft1, 8(%4)\n\t"
                         "fsd ft1, 24(%4)\n\t"
                         "fmv.x.d %1, ft1\n\t"
                         "fmv.d.x ft2, %5\n\t"
                         "fsw ft2, 20(%4)\n\t"      /* fsw of an unboxed value: its low 32 bits */
                         "ld %2, 16(%4)\n\t"
                         "ld %3, 24(%4)"
                         : "=&r"(r1), "=&r"(r2), "=&r"(r3), "=&r"(r4)
                         : "r"(mem), "r"(UINT64_C(0x00000000cafef00d))
                         : "ft0", "ft1", "ft2", "memory");
        check_int("flw boxes", r1, BOX(0x22222222));
        check_int("fld raw", r2, UINT64_C(0x7ff0000000000001));
        check_int("fsw/fsw-unboxed", r3, UINT64_C(0xcafef00d22222222));
        check_int("fsd", r4, UINT64_C(0x7ff0000000000001));
    }
    {
        /* compressed: c.fld/c.fsd need x8..x15 and f8..f15; c.fldsp/c.fsdsp use sp */
        volatile uint64_t mem[4] = {UINT64_C(0x400921fb54442d18), 0, 0, 0};
        uint64_t r1, r2;
        __asm__ volatile("mv s0, %2\n\t"
                         "c.fld fs0, 0(s0)\n\t"
                         "c.fsd fs0, 8(s0)\n\t"
                         "addi sp, sp, -32\n\t"
                         "c.fsdsp fs0, 16(sp)\n\t"
                         "c.fldsp fs1, 16(sp)\n\t"
                         "addi sp, sp, 32\n\t"
                         "ld %0, 8(s0)\n\t"
                         "fmv.x.d %1, fs1"
                         : "=&r"(r1), "=&r"(r2)
                         : "r"(mem)
                         : "s0", "fs0", "fs1", "memory");
        check_int("c.fld/c.fsd", r1, UINT64_C(0x400921fb54442d18));
        check_int("c.fsdsp/c.fldsp", r2, UINT64_C(0x400921fb54442d18));
    }
    return fp_done();
}
