/* rv_fp: the F and D extensions (and the user CSRs of Zicsr) for the RISC-V
 * interpreter.  The instruction bodies generated from rv64f.isa, rv64d.isa
 * and zicsr.isa call these helpers with (call NAME ...) / (pure NAME ...).
 *
 * IEEE 754 as RISC-V defines it: every NaN result is the canonical NaN,
 * singles live NaN-boxed in the 64-bit registers (the bodies unbox with F32
 * and box with WF32; the helpers see and return raw 32-bit patterns), fmin and
 * fmax are IEEE 754-2019 minimumNumber/maximumNumber, float->int conversions
 * saturate, tininess is detected after rounding.
 *
 * How the flags are kept.  Arithmetic runs on the host SSE unit.  Its sticky
 * exception flags (MXCSR) are used as an accumulator: an operation in the
 * default rounding mode is just the host instruction plus a NaN check; the
 * flags it raises stay in MXCSR until someone reads fflags (rv_fp_get_fflags
 * adds them) or the hart leaves MXCSR (rv_fp_leave folds them into
 * cpu->fflags).  With FP traps (rv64-linux, core/hostfault.h) each flag's
 * first raise traps, and translated code reads the ones recorded instead
 * of MXCSR.  The hart whose flags MXCSR holds on this
 * host thread is rv_fp_owner; a helper running for another hart first claims
 * MXCSR (clearing what the host left there).  Helpers that decide flags in
 * software (compares, min/max, conversions to integer, the RMM path) write
 * cpu->fflags directly.
 *
 * For the core: read or write cpu->fflags only through rv_fp_get_fflags /
 * rv_fp_set_fflags / rv_fp_get_fcsr / rv_fp_set_fcsr (signal frames, ptrace,
 * clone), and call rv_fp_leave(cpu) when the hart stops running on this host
 * thread (return from rv_run is a good place): it folds the pending flags
 * and gives MXCSR back to the host.
 */
#ifndef VVM_RV_FP_H
#define VVM_RV_FP_H

#include <stdint.h>
#include <string.h>

#include "isa/riscv/rv_cpu.h"

/* (also declared by rv_cpu.h; the same prototype twice is fine) */
_Noreturn void rv_raise(rv_cpu *cpu, rv_exit why, uint64_t tval);

#define RV_CNAN_S UINT32_C(0x7fc00000)
#define RV_CNAN_D UINT64_C(0x7ff8000000000000)

/* ---- host FP state ---- */
extern __thread rv_cpu *rv_fp_owner;
void rv_fp_claim(rv_cpu *cpu);
void rv_fp_leave(rv_cpu *cpu);
/* cpu->fp_own and cpu->fp_rne from the owner and frm (rv_cpu.h) */
static inline void rv_fp_refresh(rv_cpu *cpu)
{
    cpu->fp_own = rv_fp_owner == cpu;
    cpu->fp_rne = cpu->fp_own && cpu->frm == 0;
}
uint32_t rv_fp_get_fflags(rv_cpu *cpu);
void rv_fp_set_fflags(rv_cpu *cpu, uint32_t v);
uint32_t rv_fp_get_fcsr(rv_cpu *cpu);
void rv_fp_set_fcsr(rv_cpu *cpu, uint32_t v);

/* ---- out-of-line paths (rv_fp.c) ---- */
enum { RV_FOP_ADD, RV_FOP_SUB, RV_FOP_MUL, RV_FOP_DIV, RV_FOP_SQRT, RV_FOP_FMA, RV_FOP_CVT };
uint64_t rv_fp_op_d(rv_cpu *cpu, int op, uint64_t a, uint64_t b, uint64_t c, unsigned rm);
uint64_t rv_fp_op_s(rv_cpu *cpu, int op, uint64_t a, uint64_t b, uint64_t c, unsigned rm);
/* kind: 0 w, 1 wu, 2 l, 3 lu; is_d: source is double (else single) */
uint64_t rv_fp_f2i(rv_cpu *cpu, uint64_t bits, int is_d, int kind, unsigned rm);
/* integer (sign, magnitude) to single (is_d 0) or double bits */
uint64_t rv_fp_i2f(rv_cpu *cpu, int neg, uint64_t mag, int is_d, unsigned rm);

/* ---- small pieces ---- */
static inline double rv_fp_d(uint64_t b) { double d; memcpy(&d, &b, 8); return d; }
static inline uint64_t rv_fp_db(double d) { uint64_t b; memcpy(&b, &d, 8); return b; }
static inline float rv_fp_s(uint32_t b) { float f; memcpy(&f, &b, 4); return f; }
static inline uint32_t rv_fp_sb(float f) { uint32_t b; memcpy(&b, &f, 4); return b; }

static inline int rv_fp_isnan_d(uint64_t a) { return (a & ~(UINT64_C(1) << 63)) > UINT64_C(0x7ff0000000000000); }
static inline int rv_fp_isnan_s(uint32_t a) { return (a & 0x7fffffffu) > 0x7f800000u; }
static inline int rv_fp_issnan_d(uint64_t a) { return rv_fp_isnan_d(a) && !(a & (UINT64_C(1) << 51)); }
static inline int rv_fp_issnan_s(uint32_t a) { return rv_fp_isnan_s(a) && !(a & (1u << 22)); }

/* The rounding mode an instruction uses: its rm field, or frm for dyn.
 * 5 and 6, or dyn with frm 5..7, make the instruction illegal. */
static inline unsigned rv_fp_rm(rv_cpu *cpu, uint64_t rm)
{
    unsigned r = (unsigned)rm;
    if (r == RV_DYN)
        r = cpu->frm;
    if (__builtin_expect(r > RV_RMM, 0))
        rv_raise(cpu, RV_EXIT_ILLEGAL, 0);
    return r;
}

/* Fast path: default rounding and MXCSR already collecting this hart's flags. */
static inline int rv_fp_fast(rv_cpu *cpu, unsigned r)
{
    return __builtin_expect(r == RV_RNE && rv_fp_owner == cpu, 1);
}

static inline uint64_t rv_fp_canon_d(double x)
{
    uint64_t b = rv_fp_db(x);
    return rv_fp_isnan_d(b) ? RV_CNAN_D : b;
}
static inline uint64_t rv_fp_canon_s(float x)
{
    uint32_t b = rv_fp_sb(x);
    return rv_fp_isnan_s(b) ? RV_CNAN_S : b;
}

/* ---- arithmetic ---- */
#define RV_FP_BINOP(NAME, OPC, EXPR)                                                   \
    static inline uint64_t rv_##NAME##_d(rv_cpu *cpu, uint64_t a, uint64_t b, uint64_t rm) \
    {                                                                                  \
        unsigned r = rv_fp_rm(cpu, rm);                                                \
        if (rv_fp_fast(cpu, r)) {                                                      \
            double x = rv_fp_d(a), y = rv_fp_d(b);                                     \
            return rv_fp_canon_d(EXPR);                                                \
        }                                                                              \
        return rv_fp_op_d(cpu, OPC, a, b, 0, r);                                       \
    }                                                                                  \
    static inline uint64_t rv_##NAME##_s(rv_cpu *cpu, uint64_t a, uint64_t b, uint64_t rm) \
    {                                                                                  \
        unsigned r = rv_fp_rm(cpu, rm);                                                \
        if (rv_fp_fast(cpu, r)) {                                                      \
            float x = rv_fp_s((uint32_t)a), y = rv_fp_s((uint32_t)b);                  \
            return rv_fp_canon_s(EXPR);                                                \
        }                                                                              \
        return rv_fp_op_s(cpu, OPC, a, b, 0, r);                                       \
    }
RV_FP_BINOP(fadd, RV_FOP_ADD, x + y)
RV_FP_BINOP(fsub, RV_FOP_SUB, x - y)
RV_FP_BINOP(fmul, RV_FOP_MUL, x * y)
RV_FP_BINOP(fdiv, RV_FOP_DIV, x / y)
#undef RV_FP_BINOP

static inline uint64_t rv_fsqrt_d(rv_cpu *cpu, uint64_t a, uint64_t rm)
{
    unsigned r = rv_fp_rm(cpu, rm);
    if (rv_fp_fast(cpu, r)) {
        double x = rv_fp_d(a);
        __asm__("sqrtsd %1, %0" : "=x"(x) : "x"(x));
        return rv_fp_canon_d(x);
    }
    return rv_fp_op_d(cpu, RV_FOP_SQRT, a, 0, 0, r);
}
static inline uint64_t rv_fsqrt_s(rv_cpu *cpu, uint64_t a, uint64_t rm)
{
    unsigned r = rv_fp_rm(cpu, rm);
    if (rv_fp_fast(cpu, r)) {
        float x = rv_fp_s((uint32_t)a);
        __asm__("sqrtss %1, %0" : "=x"(x) : "x"(x));
        return rv_fp_canon_s(x);
    }
    return rv_fp_op_s(cpu, RV_FOP_SQRT, a, 0, 0, r);
}

/* Fused multiply-add, rounded once: (a*b)+c with the signs the variants need. */
#define RV_SIGN_D (UINT64_C(1) << 63)
#define RV_SIGN_S (UINT64_C(1) << 31)
/* the host has FMA3: -1 until first asked (cpuid once, at the first
 * fused multiply-add), then 0 or 1 */
extern int rv_fp_have_fma;
int rv_fp_fma_probe(void);
static inline int rv_fp_host_fma(void)
{
    int f = __atomic_load_n(&rv_fp_have_fma, __ATOMIC_RELAXED);
    return __builtin_expect(f >= 0, 1) ? f : rv_fp_fma_probe();
}

/* The common case inline: RNE with the host's FMA unit; NaN results (which
 * need RISC-V's invalid-operation rule for inf*0+qNaN) take the full path. */
static inline uint64_t rv_fp_fma_d(rv_cpu *cpu, uint64_t a, uint64_t b, uint64_t c, uint64_t rm)
{
    unsigned r = rv_fp_rm(cpu, rm);
    if (rv_fp_fast(cpu, r) && rv_fp_host_fma()) {
        double x = rv_fp_d(a), y = rv_fp_d(b), z = rv_fp_d(c);
        __asm__("vfmadd213sd %2, %1, %0" : "+x"(x) : "x"(y), "x"(z));
        uint64_t rb = rv_fp_db(x);
        if (!rv_fp_isnan_d(rb))
            return rb;
    }
    return rv_fp_op_d(cpu, RV_FOP_FMA, a, b, c, r);
}
static inline uint64_t rv_fp_fma_s(rv_cpu *cpu, uint64_t a, uint64_t b, uint64_t c, uint64_t rm)
{
    unsigned r = rv_fp_rm(cpu, rm);
    if (rv_fp_fast(cpu, r) && rv_fp_host_fma()) {
        float x = rv_fp_s((uint32_t)a), y = rv_fp_s((uint32_t)b), z = rv_fp_s((uint32_t)c);
        __asm__("vfmadd213ss %2, %1, %0" : "+x"(x) : "x"(y), "x"(z));
        uint32_t rb = rv_fp_sb(x);
        if (!rv_fp_isnan_s(rb))
            return rb;
    }
    return rv_fp_op_s(cpu, RV_FOP_FMA, a, b, c, r);
}
static inline uint64_t rv_fmadd_d(rv_cpu *cpu, uint64_t a, uint64_t b, uint64_t c, uint64_t rm)
{ return rv_fp_fma_d(cpu, a, b, c, rm); }
static inline uint64_t rv_fmsub_d(rv_cpu *cpu, uint64_t a, uint64_t b, uint64_t c, uint64_t rm)
{ return rv_fp_fma_d(cpu, a, b, c ^ RV_SIGN_D, rm); }
static inline uint64_t rv_fnmsub_d(rv_cpu *cpu, uint64_t a, uint64_t b, uint64_t c, uint64_t rm)
{ return rv_fp_fma_d(cpu, a ^ RV_SIGN_D, b, c, rm); }
static inline uint64_t rv_fnmadd_d(rv_cpu *cpu, uint64_t a, uint64_t b, uint64_t c, uint64_t rm)
{ return rv_fp_fma_d(cpu, a ^ RV_SIGN_D, b, c ^ RV_SIGN_D, rm); }
static inline uint64_t rv_fmadd_s(rv_cpu *cpu, uint64_t a, uint64_t b, uint64_t c, uint64_t rm)
{ return rv_fp_fma_s(cpu, a, b, c, rm); }
static inline uint64_t rv_fmsub_s(rv_cpu *cpu, uint64_t a, uint64_t b, uint64_t c, uint64_t rm)
{ return rv_fp_fma_s(cpu, a, b, c ^ RV_SIGN_S, rm); }
static inline uint64_t rv_fnmsub_s(rv_cpu *cpu, uint64_t a, uint64_t b, uint64_t c, uint64_t rm)
{ return rv_fp_fma_s(cpu, a ^ RV_SIGN_S, b, c, rm); }
static inline uint64_t rv_fnmadd_s(rv_cpu *cpu, uint64_t a, uint64_t b, uint64_t c, uint64_t rm)
{ return rv_fp_fma_s(cpu, a ^ RV_SIGN_S, b, c ^ RV_SIGN_S, rm); }

/* ---- sign injection (no flags, NaN payloads kept) ---- */
static inline uint64_t rv_fsgnj_d(uint64_t a, uint64_t b) { return (a & ~RV_SIGN_D) | (b & RV_SIGN_D); }
static inline uint64_t rv_fsgnjn_d(uint64_t a, uint64_t b) { return (a & ~RV_SIGN_D) | (~b & RV_SIGN_D); }
static inline uint64_t rv_fsgnjx_d(uint64_t a, uint64_t b) { return a ^ (b & RV_SIGN_D); }
static inline uint64_t rv_fsgnj_s(uint64_t a, uint64_t b) { return ((a & ~RV_SIGN_S) | (b & RV_SIGN_S)) & 0xffffffffu; }
static inline uint64_t rv_fsgnjn_s(uint64_t a, uint64_t b) { return ((a & ~RV_SIGN_S) | (~b & RV_SIGN_S)) & 0xffffffffu; }
static inline uint64_t rv_fsgnjx_s(uint64_t a, uint64_t b) { return (a ^ (b & RV_SIGN_S)) & 0xffffffffu; }

/* ---- min/max: IEEE 754-2019 minimumNumber/maximumNumber, -0 < +0 ---- */
static inline uint64_t rv_fminmax_d(rv_cpu *cpu, uint64_t a, uint64_t b, int max)
{
    int an = rv_fp_isnan_d(a), bn = rv_fp_isnan_d(b);
    if (__builtin_expect(an | bn, 0)) {
        if (rv_fp_issnan_d(a) || rv_fp_issnan_d(b))
            cpu->fflags |= RV_FLAG_NV;
        return an && bn ? RV_CNAN_D : an ? b : a;
    }
    if (((a | b) << 1) == 0)    /* both zeros */
        return max ? (a & b) : (a | b);
    double x = rv_fp_d(a), y = rv_fp_d(b);
    return (max ? x > y : x < y) ? a : b;
}
static inline uint64_t rv_fminmax_s(rv_cpu *cpu, uint64_t a, uint64_t b, int max)
{
    uint32_t ua = (uint32_t)a, ub = (uint32_t)b;
    int an = rv_fp_isnan_s(ua), bn = rv_fp_isnan_s(ub);
    if (__builtin_expect(an | bn, 0)) {
        if (rv_fp_issnan_s(ua) || rv_fp_issnan_s(ub))
            cpu->fflags |= RV_FLAG_NV;
        return an && bn ? RV_CNAN_S : an ? ub : ua;
    }
    if (((ua | ub) << 1) == 0)
        return max ? (ua & ub) : (ua | ub);
    float x = rv_fp_s(ua), y = rv_fp_s(ub);
    return (max ? x > y : x < y) ? ua : ub;
}
static inline uint64_t rv_fmin_d(rv_cpu *cpu, uint64_t a, uint64_t b) { return rv_fminmax_d(cpu, a, b, 0); }
static inline uint64_t rv_fmax_d(rv_cpu *cpu, uint64_t a, uint64_t b) { return rv_fminmax_d(cpu, a, b, 1); }
static inline uint64_t rv_fmin_s(rv_cpu *cpu, uint64_t a, uint64_t b) { return rv_fminmax_s(cpu, a, b, 0); }
static inline uint64_t rv_fmax_s(rv_cpu *cpu, uint64_t a, uint64_t b) { return rv_fminmax_s(cpu, a, b, 1); }

/* ---- compares: feq quiet (NV on sNaN), flt/fle signalling (NV on any NaN) ---- */
static inline uint64_t rv_feq_d(rv_cpu *cpu, uint64_t a, uint64_t b)
{
    if (__builtin_expect(rv_fp_isnan_d(a) || rv_fp_isnan_d(b), 0)) {
        if (rv_fp_issnan_d(a) || rv_fp_issnan_d(b))
            cpu->fflags |= RV_FLAG_NV;
        return 0;
    }
    return rv_fp_d(a) == rv_fp_d(b);
}
static inline uint64_t rv_flt_d(rv_cpu *cpu, uint64_t a, uint64_t b)
{
    if (__builtin_expect(rv_fp_isnan_d(a) || rv_fp_isnan_d(b), 0)) {
        cpu->fflags |= RV_FLAG_NV;
        return 0;
    }
    return rv_fp_d(a) < rv_fp_d(b);
}
static inline uint64_t rv_fle_d(rv_cpu *cpu, uint64_t a, uint64_t b)
{
    if (__builtin_expect(rv_fp_isnan_d(a) || rv_fp_isnan_d(b), 0)) {
        cpu->fflags |= RV_FLAG_NV;
        return 0;
    }
    return rv_fp_d(a) <= rv_fp_d(b);
}
static inline uint64_t rv_feq_s(rv_cpu *cpu, uint64_t a, uint64_t b)
{
    uint32_t ua = (uint32_t)a, ub = (uint32_t)b;
    if (__builtin_expect(rv_fp_isnan_s(ua) || rv_fp_isnan_s(ub), 0)) {
        if (rv_fp_issnan_s(ua) || rv_fp_issnan_s(ub))
            cpu->fflags |= RV_FLAG_NV;
        return 0;
    }
    return rv_fp_s(ua) == rv_fp_s(ub);
}
static inline uint64_t rv_flt_s(rv_cpu *cpu, uint64_t a, uint64_t b)
{
    uint32_t ua = (uint32_t)a, ub = (uint32_t)b;
    if (__builtin_expect(rv_fp_isnan_s(ua) || rv_fp_isnan_s(ub), 0)) {
        cpu->fflags |= RV_FLAG_NV;
        return 0;
    }
    return rv_fp_s(ua) < rv_fp_s(ub);
}
static inline uint64_t rv_fle_s(rv_cpu *cpu, uint64_t a, uint64_t b)
{
    uint32_t ua = (uint32_t)a, ub = (uint32_t)b;
    if (__builtin_expect(rv_fp_isnan_s(ua) || rv_fp_isnan_s(ub), 0)) {
        cpu->fflags |= RV_FLAG_NV;
        return 0;
    }
    return rv_fp_s(ua) <= rv_fp_s(ub);
}

/* ---- fclass: one bit of ten ---- */
static inline uint64_t rv_fp_class(int neg, int exp_all1, int exp_zero, int frac_zero, int quiet)
{
    if (exp_all1) {
        if (frac_zero)
            return neg ? 1u << 0 : 1u << 7;
        return quiet ? 1u << 9 : 1u << 8;
    }
    if (exp_zero) {
        if (frac_zero)
            return neg ? 1u << 3 : 1u << 4;
        return neg ? 1u << 2 : 1u << 5;
    }
    return neg ? 1u << 1 : 1u << 6;
}
static inline uint64_t rv_fclass_d(uint64_t a)
{
    uint64_t e = (a >> 52) & 0x7ff, f = a & ((UINT64_C(1) << 52) - 1);
    return rv_fp_class((int)(a >> 63), e == 0x7ff, e == 0, f == 0, (int)((f >> 51) & 1));
}
static inline uint64_t rv_fclass_s(uint64_t a)
{
    uint32_t u = (uint32_t)a, e = (u >> 23) & 0xff, f = u & 0x7fffffu;
    return rv_fp_class((int)(u >> 31), e == 0xff, e == 0, f == 0, (int)((f >> 22) & 1));
}

/* ---- conversions between the formats ---- */
static inline uint64_t rv_fcvt_s_d(rv_cpu *cpu, uint64_t a, uint64_t rm)
{
    unsigned r = rv_fp_rm(cpu, rm);
    if (rv_fp_fast(cpu, r))
        return rv_fp_canon_s((float)rv_fp_d(a));
    return rv_fp_op_s(cpu, RV_FOP_CVT, a, 0, 0, r);
}
static inline uint64_t rv_fcvt_d_s(rv_cpu *cpu, uint64_t a, uint64_t rm)
{
    unsigned r = rv_fp_rm(cpu, rm);     /* exact, but rm must be valid */
    uint32_t u = (uint32_t)a;
    if (__builtin_expect(rv_fp_isnan_s(u), 0)) {
        if (rv_fp_issnan_s(u))
            cpu->fflags |= RV_FLAG_NV;
        return RV_CNAN_D;
    }
    (void)r;
    return rv_fp_db((double)rv_fp_s(u));  /* exact: raises nothing (DE is ignored) */
}

/* ---- float -> integer: saturating; W results sign-extended on RV64 ---- */
static inline uint64_t rv_fcvt_w_d(rv_cpu *cpu, uint64_t a, uint64_t rm)
{
    unsigned r = rv_fp_rm(cpu, rm);
    double x = rv_fp_d(a);
    if (r == RV_RTZ && rv_fp_owner == cpu && x > -2147483649.0 && x < 2147483648.0)
        return (uint64_t)(int64_t)(int32_t)x;      /* cvttsd2si: PE = inexact */
    return rv_fp_f2i(cpu, a, 1, 0, r);
}
static inline uint64_t rv_fcvt_l_d(rv_cpu *cpu, uint64_t a, uint64_t rm)
{
    unsigned r = rv_fp_rm(cpu, rm);
    double x = rv_fp_d(a);
    if (r == RV_RTZ && rv_fp_owner == cpu && x >= -9223372036854775808.0 && x < 9223372036854775808.0)
        return (uint64_t)(int64_t)x;
    return rv_fp_f2i(cpu, a, 1, 2, r);
}
static inline uint64_t rv_fcvt_wu_d(rv_cpu *cpu, uint64_t a, uint64_t rm) { return rv_fp_f2i(cpu, a, 1, 1, rv_fp_rm(cpu, rm)); }
static inline uint64_t rv_fcvt_lu_d(rv_cpu *cpu, uint64_t a, uint64_t rm) { return rv_fp_f2i(cpu, a, 1, 3, rv_fp_rm(cpu, rm)); }
static inline uint64_t rv_fcvt_w_s(rv_cpu *cpu, uint64_t a, uint64_t rm)
{
    unsigned r = rv_fp_rm(cpu, rm);
    float x = rv_fp_s((uint32_t)a);
    if (r == RV_RTZ && rv_fp_owner == cpu && x >= -2147483648.0f && x < 2147483648.0f)
        return (uint64_t)(int64_t)(int32_t)x;
    return rv_fp_f2i(cpu, a, 0, 0, r);
}
static inline uint64_t rv_fcvt_l_s(rv_cpu *cpu, uint64_t a, uint64_t rm)
{
    unsigned r = rv_fp_rm(cpu, rm);
    float x = rv_fp_s((uint32_t)a);
    if (r == RV_RTZ && rv_fp_owner == cpu && x >= -9223372036854775808.0f && x < 9223372036854775808.0f)
        return (uint64_t)(int64_t)x;
    return rv_fp_f2i(cpu, a, 0, 2, r);
}
static inline uint64_t rv_fcvt_wu_s(rv_cpu *cpu, uint64_t a, uint64_t rm) { return rv_fp_f2i(cpu, a, 0, 1, rv_fp_rm(cpu, rm)); }
static inline uint64_t rv_fcvt_lu_s(rv_cpu *cpu, uint64_t a, uint64_t rm) { return rv_fp_f2i(cpu, a, 0, 3, rv_fp_rm(cpu, rm)); }

/* ---- integer -> float: exact when small, else rounded in software ---- */
static inline uint64_t rv_fp_i64(rv_cpu *cpu, int64_t v, int is_d, uint64_t rm)
{
    unsigned r = rv_fp_rm(cpu, rm);
    int64_t lim = is_d ? (INT64_C(1) << 53) : (INT64_C(1) << 24);
    if (v >= -lim && v <= lim)
        return is_d ? rv_fp_db((double)v) : rv_fp_sb((float)v);
    return v < 0 ? rv_fp_i2f(cpu, 1, -(uint64_t)v, is_d, r) : rv_fp_i2f(cpu, 0, (uint64_t)v, is_d, r);
}
static inline uint64_t rv_fp_u64(rv_cpu *cpu, uint64_t v, int is_d, uint64_t rm)
{
    unsigned r = rv_fp_rm(cpu, rm);
    uint64_t lim = is_d ? (UINT64_C(1) << 53) : (UINT64_C(1) << 24);
    if (v <= lim)
        return is_d ? rv_fp_db((double)(int64_t)v) : rv_fp_sb((float)(int64_t)v);
    return rv_fp_i2f(cpu, 0, v, is_d, r);
}
static inline uint64_t rv_fcvt_d_w(rv_cpu *cpu, uint64_t x, uint64_t rm) { return rv_fp_i64(cpu, (int32_t)x, 1, rm); }
static inline uint64_t rv_fcvt_d_wu(rv_cpu *cpu, uint64_t x, uint64_t rm) { return rv_fp_u64(cpu, (uint32_t)x, 1, rm); }
static inline uint64_t rv_fcvt_d_l(rv_cpu *cpu, uint64_t x, uint64_t rm) { return rv_fp_i64(cpu, (int64_t)x, 1, rm); }
static inline uint64_t rv_fcvt_d_lu(rv_cpu *cpu, uint64_t x, uint64_t rm) { return rv_fp_u64(cpu, x, 1, rm); }
static inline uint64_t rv_fcvt_s_w(rv_cpu *cpu, uint64_t x, uint64_t rm) { return rv_fp_i64(cpu, (int32_t)x, 0, rm); }
static inline uint64_t rv_fcvt_s_wu(rv_cpu *cpu, uint64_t x, uint64_t rm) { return rv_fp_u64(cpu, (uint32_t)x, 0, rm); }
static inline uint64_t rv_fcvt_s_l(rv_cpu *cpu, uint64_t x, uint64_t rm) { return rv_fp_i64(cpu, (int64_t)x, 0, rm); }
static inline uint64_t rv_fcvt_s_lu(rv_cpu *cpu, uint64_t x, uint64_t rm) { return rv_fp_u64(cpu, x, 0, rm); }

/* ---- Zicsr (rv_csr.c): csr is the 12-bit number; a write happens when
 * do_write is nonzero (rs1 or zimm not zero for csrrs/csrrc) ---- */
uint64_t rv_csrr(rv_cpu *cpu, uint64_t csr);
void rv_csrw(rv_cpu *cpu, uint64_t csr, uint64_t v);
uint64_t rv_csrrw(rv_cpu *cpu, uint64_t csr, uint64_t v);
uint64_t rv_csrrs(rv_cpu *cpu, uint64_t csr, uint64_t v, uint64_t do_write);
uint64_t rv_csrrc(rv_cpu *cpu, uint64_t csr, uint64_t v, uint64_t do_write);

#endif
