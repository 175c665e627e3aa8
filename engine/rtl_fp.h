/* rtl_fp: the host floating-point operators of the RTL (engine/rtl_ops.def,
 * FADD_D .. FCVT_S_L) as C, which the evaluator (rtl_eval.c), the
 * interpreter's generated bodies and the translator's out-of-line NaN path
 * call.  The translator lowers the same operators to the host's own
 * instructions (engine/host/x86_64/jit_x64.c), so the two must agree bit
 * for bit: the operation is the host instruction itself (inline asm, so
 * the compiler neither contracts nor reorders it), flags accrue in the
 * host's sticky exception flags (MXCSR), and a NaN result becomes the
 * default NaN.
 *
 * The caller sees to it that the host FP unit is in its default mode
 * (round to nearest even, every exception masked, no FTZ/DAZ) and that its
 * flags are the ones the guest's are accrued in: an ISA declares these
 * operators only in the fast arm of (fast C A B), whose condition says so.
 */
#ifndef VVM_ENGINE_RTL_FP_H
#define VVM_ENGINE_RTL_FP_H

#include <math.h>
#include <stdint.h>
#include <string.h>

#include "core/hostfault.h"
#include "engine/rtl.h"

#define RTL_DNAN_D UINT64_C(0x7ff8000000000000)
#define RTL_DNAN_S UINT64_C(0x7fc00000)

static inline double rtl_fp_d(uint64_t b) { double d; memcpy(&d, &b, 8); return d; }
static inline uint64_t rtl_fp_db(double d) { uint64_t b; memcpy(&b, &d, 8); return b; }
static inline float rtl_fp_s(uint64_t b) { uint32_t u = (uint32_t)b; float f; memcpy(&f, &u, 4); return f; }
static inline uint64_t rtl_fp_sb(float f) { uint32_t b; memcpy(&b, &f, 4); return b; }
static inline int rtl_fp_nan_d(uint64_t a) { return (a & ~(UINT64_C(1) << 63)) > UINT64_C(0x7ff0000000000000); }
static inline int rtl_fp_nan_s(uint64_t a) { return (a & 0x7fffffffu) > 0x7f800000u; }
static inline uint64_t rtl_fp_canon_d(double x) { uint64_t b = rtl_fp_db(x); return rtl_fp_nan_d(b) ? RTL_DNAN_D : b; }
static inline uint64_t rtl_fp_canon_s(float x) { uint64_t b = rtl_fp_sb(x); return rtl_fp_nan_s(b) ? RTL_DNAN_S : b; }

#if defined(__x86_64__)
#include "engine/host/x86_64/x64.h"

#define RTL_FP_BIN(name, insn, T, get, canon)                                  \
    static inline uint64_t rtl_##name(uint64_t a, uint64_t b)                  \
    {                                                                          \
        T x = get(a), y = get(b);                                              \
        __asm__ volatile(insn " %1, %0" : "+x"(x) : "x"(y));                   \
        return canon(x);                                                       \
    }
RTL_FP_BIN(fadd_d, "addsd", double, rtl_fp_d, rtl_fp_canon_d)
RTL_FP_BIN(fsub_d, "subsd", double, rtl_fp_d, rtl_fp_canon_d)
RTL_FP_BIN(fmul_d, "mulsd", double, rtl_fp_d, rtl_fp_canon_d)
RTL_FP_BIN(fdiv_d, "divsd", double, rtl_fp_d, rtl_fp_canon_d)
RTL_FP_BIN(fadd_s, "addss", float, rtl_fp_s, rtl_fp_canon_s)
RTL_FP_BIN(fsub_s, "subss", float, rtl_fp_s, rtl_fp_canon_s)
RTL_FP_BIN(fmul_s, "mulss", float, rtl_fp_s, rtl_fp_canon_s)
RTL_FP_BIN(fdiv_s, "divss", float, rtl_fp_s, rtl_fp_canon_s)
#undef RTL_FP_BIN

static inline uint64_t rtl_fsqrt_d(uint64_t a)
{
    double x = rtl_fp_d(a), r;
    __asm__ volatile("sqrtsd %1, %0" : "=x"(r) : "x"(x));
    return rtl_fp_canon_d(r);
}
static inline uint64_t rtl_fsqrt_s(uint64_t a)
{
    float x = rtl_fp_s(a), r;
    __asm__ volatile("sqrtss %1, %0" : "=x"(r) : "x"(x));
    return rtl_fp_canon_s(r);
}

/* the compares: the host's (ucomis* quiet, comis* signalling) raise the
 * flags; the value is the ordered relation */
static inline uint64_t rtl_feq_d(uint64_t a, uint64_t b)
{
    double x = rtl_fp_d(a), y = rtl_fp_d(b);
    __asm__ volatile("ucomisd %1, %0" : : "x"(x), "x"(y) : "cc");
    return !rtl_fp_nan_d(a) && !rtl_fp_nan_d(b) && x == y;
}
static inline uint64_t rtl_flt_d(uint64_t a, uint64_t b)
{
    double x = rtl_fp_d(a), y = rtl_fp_d(b);
    __asm__ volatile("comisd %1, %0" : : "x"(x), "x"(y) : "cc");
    return !rtl_fp_nan_d(a) && !rtl_fp_nan_d(b) && x < y;
}
static inline uint64_t rtl_fle_d(uint64_t a, uint64_t b)
{
    double x = rtl_fp_d(a), y = rtl_fp_d(b);
    __asm__ volatile("comisd %1, %0" : : "x"(x), "x"(y) : "cc");
    return !rtl_fp_nan_d(a) && !rtl_fp_nan_d(b) && x <= y;
}
static inline uint64_t rtl_feq_s(uint64_t a, uint64_t b)
{
    float x = rtl_fp_s(a), y = rtl_fp_s(b);
    __asm__ volatile("ucomiss %1, %0" : : "x"(x), "x"(y) : "cc");
    return !rtl_fp_nan_s(a) && !rtl_fp_nan_s(b) && x == y;
}
static inline uint64_t rtl_flt_s(uint64_t a, uint64_t b)
{
    float x = rtl_fp_s(a), y = rtl_fp_s(b);
    __asm__ volatile("comiss %1, %0" : : "x"(x), "x"(y) : "cc");
    return !rtl_fp_nan_s(a) && !rtl_fp_nan_s(b) && x < y;
}
static inline uint64_t rtl_fle_s(uint64_t a, uint64_t b)
{
    float x = rtl_fp_s(a), y = rtl_fp_s(b);
    __asm__ volatile("comiss %1, %0" : : "x"(x), "x"(y) : "cc");
    return !rtl_fp_nan_s(a) && !rtl_fp_nan_s(b) && x <= y;
}

static inline uint64_t rtl_fcvt_d_s(uint64_t a)
{
    float x = rtl_fp_s(a);
    double r;
    __asm__ volatile("cvtss2sd %1, %0" : "=x"(r) : "x"(x));
    return rtl_fp_canon_d(r);
}
static inline uint64_t rtl_fcvt_s_d(uint64_t a)
{
    double x = rtl_fp_d(a);
    float r;
    __asm__ volatile("cvtsd2ss %1, %0" : "=x"(r) : "x"(x));
    return rtl_fp_canon_s(r);
}
static inline uint64_t rtl_fcvtt_l_d(uint64_t a)
{
    double x = rtl_fp_d(a);
    uint64_t r;
    __asm__ volatile("cvttsd2siq %1, %0" : "=r"(r) : "x"(x));
    return r;
}
static inline uint64_t rtl_fcvtt_l_s(uint64_t a)
{
    float x = rtl_fp_s(a);
    uint64_t r;
    __asm__ volatile("cvttss2siq %1, %0" : "=r"(r) : "x"(x));
    return r;
}
static inline uint64_t rtl_fcvt_d_l(uint64_t a)
{
    double r;
    __asm__ volatile("cvtsi2sdq %1, %0" : "=x"(r) : "r"(a));
    return rtl_fp_db(r);
}
static inline uint64_t rtl_fcvt_s_l(uint64_t a)
{
    float r;
    __asm__ volatile("cvtsi2ssq %1, %0" : "=x"(r) : "r"(a));
    return rtl_fp_sb(r);
}

/* fused multiply-add: FMA3 when the host has it, else the C library's fma
 * (correctly rounded, with its flags); inf*0 signals invalid even with a
 * quiet NaN addend, which the host does not do by itself */
static inline void rtl_fp_raise_invalid(void)
{
    uint32_t m;
    __asm__ volatile("stmxcsr %0" : "=m"(m));
    m |= 1;
    vvm_fptrap *ft = vvm_fp_trap;
    if (ft) {
        /* FP traps (core/hostfault.h): a raised flag is masked and known */
        m |= 1u << 7;
        ft->acc |= 1;
    }
    __asm__ volatile("ldmxcsr %0" : : "m"(m));
}
static inline uint64_t rtl_fmadd_d(uint64_t a, uint64_t b, uint64_t c)
{
    double x = rtl_fp_d(a), y = rtl_fp_d(b), z = rtl_fp_d(c);
    if (x64_cpu_features() & X64_F_FMA)
        __asm__ volatile("vfmadd231sd %2, %1, %0" : "+x"(z) : "x"(x), "x"(y));
    else
        z = fma(x, y, z);
    uint64_t r = rtl_fp_db(z);
    if (!rtl_fp_nan_d(r))
        return r;
    uint64_t ma = a << 1, mb = b << 1, inf = UINT64_C(0x7ff0000000000000) << 1;
    if ((ma == inf && mb == 0) || (ma == 0 && mb == inf))
        rtl_fp_raise_invalid();
    return RTL_DNAN_D;
}
static inline uint64_t rtl_fmadd_s(uint64_t a, uint64_t b, uint64_t c)
{
    float x = rtl_fp_s(a), y = rtl_fp_s(b), z = rtl_fp_s(c);
    if (x64_cpu_features() & X64_F_FMA)
        __asm__ volatile("vfmadd231ss %2, %1, %0" : "+x"(z) : "x"(x), "x"(y));
    else
        z = fmaf(x, y, z);
    uint64_t r = rtl_fp_sb(z);
    if (!rtl_fp_nan_s(r))
        return r;
    uint32_t ma = (uint32_t)a << 1, mb = (uint32_t)b << 1, inf = UINT32_C(0x7f800000) << 1;
    if ((ma == inf && mb == 0) || (ma == 0 && mb == inf))
        rtl_fp_raise_invalid();
    return RTL_DNAN_S;
}

#else
#error "engine/rtl_fp.h: no host floating point for this architecture yet"
#endif

/* MXCSR's exception flags (IE DE ZE OE UE PE, bits 0-5) in fflags' layout
 * (DE has no counterpart): indexed by the six bits */
extern const uint8_t rtl_fp_mx2flags[64];
static inline uint64_t rtl_fp_flags(void)
{
    uint32_t m;
    __asm__ volatile("stmxcsr %0" : "=m"(m));
    return rtl_fp_mx2flags[m & 0x3f];
}
static inline void rtl_fp_clear_flags(void)
{
    uint32_t m;
    __asm__ volatile("stmxcsr %0" : "=m"(m));
    m &= ~0x3fu;
    vvm_fptrap *ft = vvm_fp_trap;
    if (ft) {
        /* FP traps: no flag raised, so each traps again */
        m &= ~VVM_FP_UNMASK;
        ft->acc = 0;
    }
    __asm__ volatile("ldmxcsr %0" : : "m"(m));
}

static inline int rtl_is_fp(unsigned kind) { return kind >= RTL_FADD_D && kind <= RTL_FCVT_S_L; }

/* Whether FP operator `kind` gives a single (binary32), and whether its
 * floating-point operands are singles. */
static inline int rtl_fp_single_result(unsigned kind)
{
    return (kind >= RTL_FADD_S && kind <= RTL_FMADD_S) || kind == RTL_FCVT_S_D || kind == RTL_FCVT_S_L;
}
static inline int rtl_fp_single_source(unsigned kind)
{
    return (kind >= RTL_FADD_S && kind <= RTL_FLE_S) || kind == RTL_FCVT_D_S || kind == RTL_FCVTT_L_S;
}

/* The value of FP operator `kind` (rtl_is_fp) on its operands. */
static inline uint64_t rtl_fp_apply(unsigned kind, uint64_t a, uint64_t b, uint64_t c)
{
    switch (kind) {
    case RTL_FADD_D: return rtl_fadd_d(a, b);
    case RTL_FSUB_D: return rtl_fsub_d(a, b);
    case RTL_FMUL_D: return rtl_fmul_d(a, b);
    case RTL_FDIV_D: return rtl_fdiv_d(a, b);
    case RTL_FSQRT_D: return rtl_fsqrt_d(a);
    case RTL_FMADD_D: return rtl_fmadd_d(a, b, c);
    case RTL_FEQ_D: return rtl_feq_d(a, b);
    case RTL_FLT_D: return rtl_flt_d(a, b);
    case RTL_FLE_D: return rtl_fle_d(a, b);
    case RTL_FADD_S: return rtl_fadd_s(a, b);
    case RTL_FSUB_S: return rtl_fsub_s(a, b);
    case RTL_FMUL_S: return rtl_fmul_s(a, b);
    case RTL_FDIV_S: return rtl_fdiv_s(a, b);
    case RTL_FSQRT_S: return rtl_fsqrt_s(a);
    case RTL_FMADD_S: return rtl_fmadd_s(a, b, c);
    case RTL_FEQ_S: return rtl_feq_s(a, b);
    case RTL_FLT_S: return rtl_flt_s(a, b);
    case RTL_FLE_S: return rtl_fle_s(a, b);
    case RTL_FCVT_D_S: return rtl_fcvt_d_s(a);
    case RTL_FCVT_S_D: return rtl_fcvt_s_d(a);
    case RTL_FCVTT_L_D: return rtl_fcvtt_l_d(a);
    case RTL_FCVTT_L_S: return rtl_fcvtt_l_s(a);
    case RTL_FCVT_D_L: return rtl_fcvt_d_l(a);
    case RTL_FCVT_S_L: return rtl_fcvt_s_l(a);
    default: return 0;
    }
}

/* rtl_fp_apply through the helpers' calling convention (rtl_helper.fn):
 * args[0..2] the operands, args[3] the kind; the translator's NaN path */
uint64_t rtl_fp_call(void *unused, const uint64_t *args);

#endif
