/* rv_fp: F/D helpers off the fast path (see rv_fp.h for how flags are kept).
 *
 *   - the host MXCSR ownership (claim, leave, sync, fflags/fcsr access);
 *   - operations in RTZ/RDN/RUP: the host instruction with MXCSR.RC switched;
 *   - RMM (round to nearest, ties away from zero), which x86 lacks: a small
 *     software implementation that computes the exact result (64 significant
 *     bits plus a sticky bit, which is enough to round any binary32/binary64
 *     result correctly), then rounds it with round_pack();
 *   - conversions to integers (saturating, all modes) and from 64-bit integers.
 */
#include "isa/riscv/rv_fp.h"

#include <math.h>

#include "core/hostfault.h"
#include "engine/host/x86_64/x64.h"

__thread rv_cpu *rv_fp_owner;
static __thread uint32_t host_mxcsr;

#define MX_FLAGS 0x3fu
#define MX_REST 0x1f80u     /* all exceptions masked, RNE, no FTZ/DAZ, flags clear */
#define MX_RC 0x6000u
#define MX_TRAP 0x0100u     /* FP traps (core/hostfault.h): only DE masked, RNE, flags clear */

static inline uint32_t mx_get(void)
{
    uint32_t m;
    __asm__ volatile("stmxcsr %0" : "=m"(m) : : "memory");
    return m;
}
static inline void mx_set(uint32_t m) { __asm__ volatile("ldmxcsr %0" : : "m"(m) : "memory"); }

/* MXCSR exception flags -> fflags (DE, bit 1, has no RISC-V counterpart) */
static inline uint32_t mx2rv(uint32_t m)
{
    return ((m & 0x01) ? RV_FLAG_NV : 0) | ((m & 0x04) ? RV_FLAG_DZ : 0) | ((m & 0x08) ? RV_FLAG_OF : 0) |
           ((m & 0x10) ? RV_FLAG_UF : 0) | ((m & 0x20) ? RV_FLAG_NX : 0);
}

/* x86 RC for RISC-V RNE RTZ RDN RUP */
static const uint32_t mx_rc[4] = {0x0000, 0x6000, 0x2000, 0x4000};

/* fflags -> MXCSR's exception flags */
static inline uint32_t rv2mx(uint32_t f)
{
    return ((f & RV_FLAG_NV) ? 0x01 : 0) | ((f & RV_FLAG_DZ) ? 0x04 : 0) | ((f & RV_FLAG_OF) ? 0x08 : 0) |
           ((f & RV_FLAG_UF) ? 0x10 : 0) | ((f & RV_FLAG_NX) ? 0x20 : 0);
}

/* Under FP traps (core/hostfault.h) an exception is masked only when its
 * flag is in fflags or in the vCPU's fpt.acc (so raising any other traps),
 * and fpt.acc holds only flags that are in MXCSR.  MXCSR m with its flags
 * cleared: under FP traps every exception is unmasked again. */
static void mx_clear(uint32_t m)
{
    vvm_fptrap *ft = vvm_fp_trap;
    if (ft) {
        m &= ~VVM_FP_UNMASK;
        ft->acc = 0;
    }
    mx_set(m & ~MX_FLAGS);
}

void rv_fp_claim(rv_cpu *cpu)
{
    uint32_t m = mx_get();
    if (!rv_fp_owner)
        host_mxcsr = m;
    /* flags left by a hart that did not rv_fp_leave() are dropped */
    if (cpu->vcpu.fp_trap) {
        /* what fflags has raised need not trap again */
        cpu->vcpu.fpt.acc = 0;
        vvm_fp_trap = &cpu->vcpu.fpt;
        mx_set(MX_TRAP | rv2mx(cpu->fflags) << 7);
    } else {
        vvm_fp_trap = NULL;
        mx_set(MX_REST);
    }
    rv_fp_owner = cpu;
    rv_fp_refresh(cpu);
}

void rv_fp_leave(rv_cpu *cpu)
{
    if (rv_fp_owner != cpu)
        return;
    cpu->fflags |= mx2rv(mx_get());
    vvm_fp_trap = NULL;
    mx_set(host_mxcsr);
    rv_fp_owner = NULL;
    rv_fp_refresh(cpu);
}

uint32_t rv_fp_get_fflags(rv_cpu *cpu)
{
    /* no need to clear the host flags: they stay a subset of fflags */
    if (rv_fp_owner == cpu)
        return (cpu->fflags | mx2rv(mx_get())) & 31;
    return cpu->fflags & 31;
}

void rv_fp_set_fflags(rv_cpu *cpu, uint32_t v)
{
    v &= 31;
    if (rv_fp_owner == cpu) {
        /* the host flags must be a subset of fflags; clearing them (ldmxcsr,
         * slow) is needed only when v drops one of them -- not for the
         * frflags/fsflags pairs compilers put around quiet comparisons */
        uint32_t m = mx_get();
        uint32_t held = mx2rv(m) | (vvm_fp_trap ? cpu->fflags : 0);
        if (held & ~v)
            mx_clear(m);
    }
    cpu->fflags = v;
}

uint32_t rv_fp_get_fcsr(rv_cpu *cpu) { return (cpu->frm & 7) << 5 | rv_fp_get_fflags(cpu); }

void rv_fp_set_fcsr(rv_cpu *cpu, uint32_t v)
{
    cpu->frm = (v >> 5) & 7;
    rv_fp_refresh(cpu);
    rv_fp_set_fflags(cpu, v & 31);
}

/* ---- fused multiply-add on the host ---- */
/* Asked of cpuid when start-up is over, not by a constructor: libgcc's
 * __builtin_cpu_init makes a dozen cpuid calls, which a hypervisor takes
 * one by one (0.13 ms of a 1.9 ms start on the project's machine). */
int rv_fp_have_fma = -1;
int rv_fp_fma_probe(void)
{
    int f = (x64_cpu_features() & X64_F_FMA) != 0;
    __atomic_store_n(&rv_fp_have_fma, f, __ATOMIC_RELAXED);
    return f;
}
#define have_fma rv_fp_host_fma()
__attribute__((target("fma"))) static double fma_hw_d(double x, double y, double z) { return __builtin_fma(x, y, z); }
__attribute__((target("fma"))) static float fma_hw_s(float x, float y, float z) { return __builtin_fmaf(x, y, z); }
static inline double fma_d(double x, double y, double z) { return have_fma ? fma_hw_d(x, y, z) : fma(x, y, z); }
static inline float fma_s(float x, float y, float z) { return have_fma ? fma_hw_s(x, y, z) : fmaf(x, y, z); }

#define OPAQUE(v) __asm__ volatile("" : "+x"(v))

static double host_d(int op, double x, double y, double z)
{
    double r;
    OPAQUE(x);
    OPAQUE(y);
    OPAQUE(z);
    switch (op) {
    case RV_FOP_ADD: r = x + y; break;
    case RV_FOP_SUB: r = x - y; break;
    case RV_FOP_MUL: r = x * y; break;
    case RV_FOP_DIV: r = x / y; break;
    case RV_FOP_SQRT: __asm__("sqrtsd %1, %0" : "=x"(r) : "x"(x)); break;
    default: r = fma_d(x, y, z); break;
    }
    OPAQUE(r);
    return r;
}

static float host_s(int op, float x, float y, float z, double dx)
{
    float r;
    OPAQUE(x);
    OPAQUE(y);
    OPAQUE(z);
    OPAQUE(dx);
    switch (op) {
    case RV_FOP_ADD: r = x + y; break;
    case RV_FOP_SUB: r = x - y; break;
    case RV_FOP_MUL: r = x * y; break;
    case RV_FOP_DIV: r = x / y; break;
    case RV_FOP_SQRT: __asm__("sqrtss %1, %0" : "=x"(r) : "x"(x)); break;
    case RV_FOP_CVT: r = (float)dx; break;
    default: r = fma_s(x, y, z); break;
    }
    OPAQUE(r);
    return r;
}

/* ---- software floating point (exact result, then one rounding) ---- */

enum { C_ZERO, C_FIN, C_INF, C_QNAN, C_SNAN };
typedef struct unp {
    int cls, sign;
    int exp;            /* finite: value = sig * 2^exp */
    uint64_t sig;
} unp;

static unp unpack(uint64_t b, int is_d)
{
    unp u;
    int mb = is_d ? 52 : 23, eb = is_d ? 11 : 8, bias = is_d ? 1023 : 127;
    uint64_t fm = (UINT64_C(1) << mb) - 1, emax = (UINT64_C(1) << eb) - 1;
    if (!is_d)
        b &= 0xffffffffu;
    u.sign = (int)(b >> (mb + eb)) & 1;
    uint64_t e = (b >> mb) & emax, f = b & fm;
    u.exp = 0;
    u.sig = 0;
    if (e == emax) {
        u.cls = !f ? C_INF : (f >> (mb - 1)) & 1 ? C_QNAN : C_SNAN;
    } else if (e == 0) {
        u.cls = f ? C_FIN : C_ZERO;
        u.sig = f;
        u.exp = 1 - bias - mb;
    } else {
        u.cls = C_FIN;
        u.sig = f | (UINT64_C(1) << mb);
        u.exp = (int)e - bias - mb;
    }
    return u;
}

static inline int isnan_cls(int c) { return c >= C_QNAN; }

static uint64_t pack_special(int is_d, int sign, int inf)
{
    if (is_d)
        return (uint64_t)sign << 63 | (inf ? UINT64_C(0x7ff0000000000000) : 0);
    return (uint64_t)sign << 31 | (inf ? 0x7f800000u : 0);
}
static inline uint64_t cnan(int is_d) { return is_d ? RV_CNAN_D : RV_CNAN_S; }

static inline int clz64(uint64_t v) { return __builtin_clzll(v); }
static inline int clz128(unsigned __int128 v)
{
    uint64_t hi = (uint64_t)(v >> 64);
    return hi ? clz64(hi) : 64 + clz64((uint64_t)v);
}

/* Drops the low `sh` bits of sig and rounds per rm; *inexact tells whether any
 * dropped bit was set.  The result may carry into one more bit. */
static uint64_t shr_round(uint64_t sig, int sh, unsigned rm, int sign, int *inexact)
{
    uint64_t kept, rem, half;
    if (sh <= 0) {
        *inexact = 0;
        return sig;
    }
    if (sh > 64) {
        kept = 0;
        rem = 1;            /* below half, not zero */
        half = 2;
    } else if (sh == 64) {
        kept = 0;
        rem = sig;
        half = UINT64_C(1) << 63;
    } else {
        kept = sig >> sh;
        rem = sig & ((UINT64_C(1) << sh) - 1);
        half = UINT64_C(1) << (sh - 1);
    }
    *inexact = rem != 0;
    int inc = 0;
    switch (rm) {
    case RV_RNE: inc = rem > half || (rem == half && (kept & 1)); break;
    case RV_RMM: inc = rem >= half; break;
    case RV_RDN: inc = rem && sign; break;
    case RV_RUP: inc = rem && !sign; break;
    default: break;
    }
    return kept + (uint64_t)inc;
}

/* Rounds sign * sig * 2^exp (sig != 0; its lowest bit may be a sticky bit as
 * long as sig has at least p+2 significant bits) to binary64 or binary32,
 * raising NX/UF/OF in cpu->fflags.  Tininess is detected after rounding. */
static uint64_t round_pack(rv_cpu *cpu, int sign, int exp, uint64_t sig, int is_d, unsigned rm)
{
    const int p = is_d ? 53 : 24, emin = is_d ? -1022 : -126, emax = is_d ? 1023 : 127;
    const int bias = is_d ? 1023 : 127;
    int n = clz64(sig);
    sig <<= n;
    exp -= n;
    int E = exp + 63;   /* value in [2^E, 2^(E+1)) */
    int tiny = 0, inexact, dummy;
    if (E < emin - 1) {
        tiny = 1;
    } else if (E == emin - 1) {
        /* rounded to p bits with an unbounded exponent, does it reach 2^emin? */
        uint64_t r = shr_round(sig, 64 - p, rm, sign, &dummy);
        tiny = !(r >> p);
    }
    int sh = 64 - p + (E < emin ? emin - E : 0);
    uint64_t m = shr_round(sig, sh, rm, sign, &inexact);
    int qexp = exp + sh;        /* result = m * 2^qexp */
    uint32_t fl = 0;
    if (inexact)
        fl |= RV_FLAG_NX;
    if (tiny && inexact)
        fl |= RV_FLAG_UF;
    uint64_t bits;
    if (m >> p) {               /* carried out */
        m >>= 1;
        qexp++;
    }
    if (m >> (p - 1)) {         /* normal */
        int ue = qexp + p - 1;
        if (ue > emax) {
            fl |= RV_FLAG_OF | RV_FLAG_NX;
            int to_inf = rm == RV_RNE || rm == RV_RMM || (rm == RV_RDN && sign) || (rm == RV_RUP && !sign);
            if (to_inf)
                bits = pack_special(is_d, sign, 1);
            else
                bits = is_d ? ((uint64_t)sign << 63 | UINT64_C(0x7fefffffffffffff))
                            : ((uint64_t)sign << 31 | 0x7f7fffffu);
            cpu->fflags |= fl;
            return bits;
        }
        m &= (UINT64_C(1) << (p - 1)) - 1;
        bits = (uint64_t)(ue + bias) << (p - 1) | m;
    } else {                    /* subnormal or zero */
        bits = m;
    }
    bits |= (uint64_t)sign << (is_d ? 63 : 31);
    cpu->fflags |= fl;
    return bits;
}

/* 128-bit exact significand (nonzero) -> 64 bits with a sticky bit */
static uint64_t red128(unsigned __int128 s, int *exp)
{
    int n = clz128(s);
    s <<= n;
    *exp = *exp - n + 64;
    return (uint64_t)(s >> 64) | ((uint64_t)s != 0);
}

static void normalize(unp *u)
{
    int n = clz64(u->sig);
    u->sig <<= n;
    u->exp -= n;
}

static uint64_t soft_nan(rv_cpu *cpu, const unp *a, const unp *b, const unp *c, int is_d)
{
    if (a->cls == C_SNAN || (b && b->cls == C_SNAN) || (c && c->cls == C_SNAN))
        cpu->fflags |= RV_FLAG_NV;
    return cnan(is_d);
}
static uint64_t invalid(rv_cpu *cpu, int is_d)
{
    cpu->fflags |= RV_FLAG_NV;
    return cnan(is_d);
}

static uint64_t exact(rv_cpu *cpu, const unp *u, int is_d)
{
    return round_pack(cpu, u->sign, u->exp, u->sig, is_d, RV_RNE);
}

static uint64_t soft_add(rv_cpu *cpu, unp a, unp b, int is_d, unsigned rm)
{
    if (isnan_cls(a.cls) || isnan_cls(b.cls))
        return soft_nan(cpu, &a, &b, NULL, is_d);
    if (a.cls == C_INF) {
        if (b.cls == C_INF && a.sign != b.sign)
            return invalid(cpu, is_d);
        return pack_special(is_d, a.sign, 1);
    }
    if (b.cls == C_INF)
        return pack_special(is_d, b.sign, 1);
    if (a.cls == C_ZERO && b.cls == C_ZERO)
        return pack_special(is_d, a.sign == b.sign ? a.sign : rm == RV_RDN, 0);
    if (a.cls == C_ZERO)
        return exact(cpu, &b, is_d);
    if (b.cls == C_ZERO)
        return exact(cpu, &a, is_d);
    normalize(&a);
    normalize(&b);
    if (a.exp < b.exp) {
        unp t = a;
        a = b;
        b = t;
    }
    int d = a.exp - b.exp;
    unsigned __int128 A = (unsigned __int128)a.sig << 63, B = (unsigned __int128)b.sig << 63;
    if (d >= 127) {
        B = 1;
    } else if (d) {
        unsigned __int128 lost = B & ((((unsigned __int128)1) << d) - 1);
        B = (B >> d) | (lost != 0);
    }
    unsigned __int128 S;
    int sign;
    if (a.sign == b.sign) {
        S = A + B;
        sign = a.sign;
    } else if (A >= B) {
        S = A - B;
        sign = a.sign;
    } else {
        S = B - A;
        sign = b.sign;
    }
    if (S == 0)
        return pack_special(is_d, rm == RV_RDN, 0);
    int exp = a.exp - 63;
    uint64_t sig = red128(S, &exp);
    return round_pack(cpu, sign, exp, sig, is_d, rm);
}

static uint64_t soft_mul(rv_cpu *cpu, unp a, unp b, int is_d, unsigned rm)
{
    if (isnan_cls(a.cls) || isnan_cls(b.cls))
        return soft_nan(cpu, &a, &b, NULL, is_d);
    int sign = a.sign ^ b.sign;
    if (a.cls == C_INF || b.cls == C_INF) {
        if (a.cls == C_ZERO || b.cls == C_ZERO)
            return invalid(cpu, is_d);
        return pack_special(is_d, sign, 1);
    }
    if (a.cls == C_ZERO || b.cls == C_ZERO)
        return pack_special(is_d, sign, 0);
    int exp = a.exp + b.exp;
    uint64_t sig = red128((unsigned __int128)a.sig * b.sig, &exp);
    return round_pack(cpu, sign, exp, sig, is_d, rm);
}

static uint64_t soft_div(rv_cpu *cpu, unp a, unp b, int is_d, unsigned rm)
{
    if (isnan_cls(a.cls) || isnan_cls(b.cls))
        return soft_nan(cpu, &a, &b, NULL, is_d);
    int sign = a.sign ^ b.sign;
    if (a.cls == C_INF)
        return b.cls == C_INF ? invalid(cpu, is_d) : pack_special(is_d, sign, 1);
    if (b.cls == C_INF)
        return pack_special(is_d, sign, 0);
    if (b.cls == C_ZERO) {
        if (a.cls == C_ZERO)
            return invalid(cpu, is_d);
        cpu->fflags |= RV_FLAG_DZ;
        return pack_special(is_d, sign, 1);
    }
    if (a.cls == C_ZERO)
        return pack_special(is_d, sign, 0);
    normalize(&a);
    normalize(&b);
    unsigned __int128 N = (unsigned __int128)a.sig << 64;
    unsigned __int128 q = N / b.sig;
    uint64_t r = (uint64_t)(N % b.sig);
    int exp = a.exp - 64 - b.exp;
    uint64_t sig = red128(q | (r != 0), &exp);
    return round_pack(cpu, sign, exp, sig, is_d, rm);
}

static uint64_t soft_fma(rv_cpu *cpu, unp a, unp b, unp c, int is_d, unsigned rm)
{
    int inf_zero = (a.cls == C_INF && b.cls == C_ZERO) || (a.cls == C_ZERO && b.cls == C_INF);
    if (isnan_cls(a.cls) || isnan_cls(b.cls) || isnan_cls(c.cls)) {
        if (inf_zero)
            cpu->fflags |= RV_FLAG_NV;
        return soft_nan(cpu, &a, &b, &c, is_d);
    }
    if (inf_zero)
        return invalid(cpu, is_d);
    int ps = a.sign ^ b.sign;
    if (a.cls == C_INF || b.cls == C_INF) {
        if (c.cls == C_INF && c.sign != ps)
            return invalid(cpu, is_d);
        return pack_special(is_d, ps, 1);
    }
    if (c.cls == C_INF)
        return pack_special(is_d, c.sign, 1);
    if (a.cls == C_ZERO || b.cls == C_ZERO) {
        if (c.cls == C_ZERO)
            return pack_special(is_d, ps == c.sign ? ps : rm == RV_RDN, 0);
        return exact(cpu, &c, is_d);
    }
    normalize(&a);
    normalize(&b);
    unsigned __int128 P = (unsigned __int128)a.sig * b.sig;
    int pexp = a.exp + b.exp;
    if (P >> 127) {         /* exact: the product has many trailing zeros */
        P >>= 1;
        pexp++;
    }
    if (c.cls == C_ZERO) {
        uint64_t sig = red128(P, &pexp);
        return round_pack(cpu, ps, pexp, sig, is_d, rm);
    }
    normalize(&c);
    unsigned __int128 C = (unsigned __int128)c.sig << 63;
    int cexp = c.exp - 63;
    unsigned __int128 X, Y;
    int xs, ys, e, d;
    if (pexp >= cexp) {
        X = P, xs = ps, Y = C, ys = c.sign, e = pexp, d = pexp - cexp;
    } else {
        X = C, xs = c.sign, Y = P, ys = ps, e = cexp, d = cexp - pexp;
    }
    if (d >= 127) {
        Y = 1;
    } else if (d) {
        unsigned __int128 lost = Y & ((((unsigned __int128)1) << d) - 1);
        Y = (Y >> d) | (lost != 0);
    }
    unsigned __int128 S;
    int sign;
    if (xs == ys) {
        S = X + Y;
        sign = xs;
    } else if (X >= Y) {
        S = X - Y;
        sign = xs;
    } else {
        S = Y - X;
        sign = ys;
    }
    if (S == 0)
        return pack_special(is_d, rm == RV_RDN, 0);
    uint64_t sig = red128(S, &e);
    return round_pack(cpu, sign, e, sig, is_d, rm);
}

/* The operation in software, any rounding mode (used for RMM). */
static uint64_t soft_op(rv_cpu *cpu, int op, uint64_t a, uint64_t b, uint64_t c, int is_d, unsigned rm)
{
    unp A = unpack(a, is_d), B = unpack(b, is_d), C = unpack(c, is_d);
    switch (op) {
    case RV_FOP_ADD: return soft_add(cpu, A, B, is_d, rm);
    case RV_FOP_SUB: B.sign ^= 1; return soft_add(cpu, A, B, is_d, rm);
    case RV_FOP_MUL: return soft_mul(cpu, A, B, is_d, rm);
    case RV_FOP_DIV: return soft_div(cpu, A, B, is_d, rm);
    case RV_FOP_FMA: return soft_fma(cpu, A, B, C, is_d, rm);
    case RV_FOP_CVT: {      /* double a -> single */
        A = unpack(a, 1);
        if (isnan_cls(A.cls))
            return soft_nan(cpu, &A, NULL, NULL, 0);
        if (A.cls != C_FIN)
            return pack_special(0, A.sign, A.cls == C_INF);
        return round_pack(cpu, A.sign, A.exp, A.sig, 0, rm);
    }
    }
    return cnan(is_d);
}

/* RISC-V sets NV for inf*0 + qNaN; make sure, whatever the host does */
static void fma_nan_nv(rv_cpu *cpu, uint64_t a, uint64_t b, int is_d)
{
    unp A = unpack(a, is_d), B = unpack(b, is_d);
    if ((A.cls == C_INF && B.cls == C_ZERO) || (A.cls == C_ZERO && B.cls == C_INF))
        cpu->fflags |= RV_FLAG_NV;
}

uint64_t rv_fp_op_d(rv_cpu *cpu, int op, uint64_t a, uint64_t b, uint64_t c, unsigned rm)
{
    /* sqrt is never exactly halfway between two doubles: RMM = RNE */
    if (rm == RV_RMM && op != RV_FOP_SQRT)
        return soft_op(cpu, op, a, b, c, 1, rm);
    if (rv_fp_owner != cpu)
        rv_fp_claim(cpu);
    if (rm == RV_RMM)
        rm = RV_RNE;
    double r;
    if (rm != RV_RNE) {
        mx_set((mx_get() & ~MX_RC) | mx_rc[rm]);
        r = host_d(op, rv_fp_d(a), rv_fp_d(b), rv_fp_d(c));
        mx_set(mx_get() & ~MX_RC);
    } else {
        r = host_d(op, rv_fp_d(a), rv_fp_d(b), rv_fp_d(c));
    }
    uint64_t rb = rv_fp_db(r);
    if (rv_fp_isnan_d(rb)) {
        if (op == RV_FOP_FMA)
            fma_nan_nv(cpu, a, b, 1);
        return RV_CNAN_D;
    }
    return rb;
}

uint64_t rv_fp_op_s(rv_cpu *cpu, int op, uint64_t a, uint64_t b, uint64_t c, unsigned rm)
{
    if (rm == RV_RMM && op != RV_FOP_SQRT)
        return soft_op(cpu, op, a, b, c, 0, rm);
    if (rv_fp_owner != cpu)
        rv_fp_claim(cpu);
    if (rm == RV_RMM)
        rm = RV_RNE;
    float r;
    float x = rv_fp_s((uint32_t)a), y = rv_fp_s((uint32_t)b), z = rv_fp_s((uint32_t)c);
    double dx = op == RV_FOP_CVT ? rv_fp_d(a) : 0.0;
    if (rm != RV_RNE) {
        mx_set((mx_get() & ~MX_RC) | mx_rc[rm]);
        r = host_s(op, x, y, z, dx);
        mx_set(mx_get() & ~MX_RC);
    } else {
        r = host_s(op, x, y, z, dx);
    }
    uint32_t rb = rv_fp_sb(r);
    if (rv_fp_isnan_s(rb)) {
        if (op == RV_FOP_FMA)
            fma_nan_nv(cpu, a, b, 0);
        return RV_CNAN_S;
    }
    return rb;
}

/* ---- conversions with integers ---- */

uint64_t rv_fp_i2f(rv_cpu *cpu, int neg, uint64_t mag, int is_d, unsigned rm)
{
    if (!mag)
        return 0;
    return round_pack(cpu, neg, 0, mag, is_d, rm);
}

uint64_t rv_fp_f2i(rv_cpu *cpu, uint64_t bits, int is_d, int kind, unsigned rm)
{
    static const uint64_t maxv[4] = {UINT64_C(0x7fffffff), UINT64_MAX, UINT64_C(0x7fffffffffffffff), UINT64_MAX};
    static const uint64_t minv[4] = {UINT64_C(0xffffffff80000000), 0, UINT64_C(0x8000000000000000), 0};
    unp u = unpack(bits, is_d);
    int neg = u.sign;
    if (isnan_cls(u.cls)) {
        cpu->fflags |= RV_FLAG_NV;
        return maxv[kind];
    }
    if (u.cls == C_ZERO)
        return 0;
    uint64_t mag;
    int inexact = 0;
    if (u.cls == C_INF) {
        goto invalid;
    } else if (u.exp >= 0) {
        if (64 - clz64(u.sig) + u.exp > 64)
            goto invalid;
        mag = u.sig << u.exp;
    } else {
        mag = shr_round(u.sig, -u.exp, rm, neg, &inexact);
    }
    int ok;
    switch (kind) {
    case 0: ok = neg ? mag <= UINT64_C(0x80000000) : mag <= UINT64_C(0x7fffffff); break;
    case 1: ok = neg ? mag == 0 : mag <= UINT64_C(0xffffffff); break;
    case 2: ok = neg ? mag <= UINT64_C(0x8000000000000000) : mag <= UINT64_C(0x7fffffffffffffff); break;
    default: ok = neg ? mag == 0 : 1; break;
    }
    if (!ok)
        goto invalid;
    if (inexact)
        cpu->fflags |= RV_FLAG_NX;
    uint64_t v = neg ? -mag : mag;
    if (kind < 2)
        v = (uint64_t)(int64_t)(int32_t)(uint32_t)v;
    return v;
invalid:
    cpu->fflags |= RV_FLAG_NV;
    return neg ? minv[kind] : maxv[kind];
}

#ifdef RV_FP_SELFTEST
/* Software path with a chosen rounding, for comparing with the host in tests. */
uint64_t rv_fp_soft(rv_cpu *cpu, int op, uint64_t a, uint64_t b, uint64_t c, int is_d, unsigned rm)
{
    return soft_op(cpu, op, a, b, c, is_d, rm);
}
#endif
