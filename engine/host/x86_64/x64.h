/* engine/host/x86_64: the x86-64 encoder of the translation tier.
 *
 * Thin and per host: each function appends one instruction form (a few
 * composite operations say so) to a codebuf (engine/host/codebuf.h), which
 * keeps labels, fixups and the first error.  Prefixes, REX, ModRM, SIB and
 * displacements are encoded in one place (x64.c: emit_rr, emit_rm, emit_vex)
 * that every form goes through.  An arm64 back end provides the same
 * operations under its own prefix over the same codebuf and codemem.
 *
 * Conventions: `sz` is the operand size in bytes (1, 2, 4, 8; each form says
 * which it takes); a 4-byte result written to a register clears its upper
 * half, as the hardware does.  Register numbers are the hardware's (0-15),
 * for general registers and XMM registers alike.  A size or operand a form
 * cannot encode sets CB_EOPERAND on the buffer and emits nothing.
 */
#ifndef VVM_ENGINE_HOST_X64_H
#define VVM_ENGINE_HOST_X64_H

#include <stdbool.h>
#include <stdint.h>

#include "engine/host/codebuf.h"
#include "engine/host/codemem.h"

typedef enum x64_reg {
    X64_RAX, X64_RCX, X64_RDX, X64_RBX, X64_RSP, X64_RBP, X64_RSI, X64_RDI,
    X64_R8, X64_R9, X64_R10, X64_R11, X64_R12, X64_R13, X64_R14, X64_R15,
    X64_NOREG = -1,     /* no base or no index in a memory operand */
    X64_RIP = -2,       /* base of a rip-relative operand */
} x64_reg;

typedef enum x64_xmm {
    X64_XMM0, X64_XMM1, X64_XMM2, X64_XMM3, X64_XMM4, X64_XMM5, X64_XMM6, X64_XMM7,
    X64_XMM8, X64_XMM9, X64_XMM10, X64_XMM11, X64_XMM12, X64_XMM13, X64_XMM14, X64_XMM15,
} x64_xmm;

/* Condition codes, in the hardware's order (jcc, setcc, cmovcc). */
typedef enum x64_cc {
    X64_O, X64_NO, X64_B, X64_AE, X64_E, X64_NE, X64_BE, X64_A,
    X64_S, X64_NS, X64_P, X64_NP, X64_L, X64_GE, X64_LE, X64_G,
} x64_cc;

static inline x64_cc x64_cc_not(x64_cc cc)
{
    return (x64_cc)(cc ^ 1);
}

/* A memory operand: [base + index*scale + disp], [disp32] with no base, or
 * rip-relative to a label of the buffer or to an absolute address (both
 * resolved by cb_link; an address out of rel32 reach is CB_ERANGE there). */
typedef struct x64_mem {
    int8_t base, index;     /* x64_reg, X64_NOREG; base X64_RIP: rip-relative */
    uint8_t scale;          /* 1, 2, 4, 8 */
    bool rip_addr;          /* rip-relative to addr, else to label */
    int32_t disp;           /* added to the label or address when rip-relative */
    uint32_t label;
    uint64_t addr;
} x64_mem;

static inline x64_mem x64_m(x64_reg base, int32_t disp)
{
    return (x64_mem){.base = (int8_t)base, .index = X64_NOREG, .scale = 1, .disp = disp};
}
static inline x64_mem x64_mx(x64_reg base, x64_reg index, unsigned scale, int32_t disp)
{
    return (x64_mem){.base = (int8_t)base, .index = (int8_t)index, .scale = (uint8_t)scale, .disp = disp};
}
static inline x64_mem x64_mlabel(uint32_t label, int32_t disp)
{
    return (x64_mem){.base = X64_RIP, .index = X64_NOREG, .scale = 1, .label = label, .disp = disp};
}
static inline x64_mem x64_maddr(const void *addr)
{
    return (x64_mem){.base = X64_RIP, .index = X64_NOREG, .scale = 1, .rip_addr = true,
                     .addr = (uint64_t)(uintptr_t)addr};
}

/* --- CPU features (cpuid) ---------------------------------------------
 * The forms below are emitted whatever the CPU; the translation tier asks
 * x64_cpu_features (cpuid once per process) and passes the mask (or a
 * narrower one, to force the fallbacks) to the composite operations that
 * have a fallback. */
enum {
    X64_F_POPCNT = 1 << 0,
    X64_F_LZCNT = 1 << 1,
    X64_F_BMI1 = 1 << 2,    /* tzcnt, andn */
    X64_F_BMI2 = 1 << 3,    /* shlx, shrx, sarx, rorx */
    X64_F_SSE41 = 1 << 4,   /* roundsd, roundss */
    X64_F_FMA = 1 << 5,     /* vfmadd231sd...; also means the OS saves AVX state */
};
unsigned x64_cpu_features(void);

/* --- moves ------------------------------------------------------------ */
void x64_mov_rr(codebuf *b, unsigned sz, x64_reg d, x64_reg s);                /* 1 2 4 8 */
/* d = imm: sz 4 takes the low 32 bits; sz 8 picks the shortest form
 * (mov r32 for a value that zero-extends, mov r64 with a sign-extended
 * imm32, else movabs).  Flags are untouched. */
void x64_mov_ri(codebuf *b, unsigned sz, x64_reg d, uint64_t imm);
void x64_movabs_ri(codebuf *b, x64_reg d, uint64_t imm);                      /* always 10 bytes */
void x64_load(codebuf *b, unsigned sz, x64_reg d, x64_mem m);                  /* zero-extends to 64 */
void x64_loads(codebuf *b, unsigned sz, x64_reg d, x64_mem m);                 /* sign-extends to 64 */
void x64_store(codebuf *b, unsigned sz, x64_mem m, x64_reg s);
void x64_store_i(codebuf *b, unsigned sz, x64_mem m, int32_t imm);             /* sz 8: sign-extended */
void x64_movzx_rr(codebuf *b, unsigned from, x64_reg d, x64_reg s);            /* from 1 2 4, to 64 */
void x64_movsx_rr(codebuf *b, unsigned from, x64_reg d, x64_reg s);            /* from 1 2 4, to 64 */
void x64_lea(codebuf *b, unsigned sz, x64_reg d, x64_mem m);                   /* 4 8 */

/* --- integer arithmetic ---------------------------------------------- */
typedef enum x64_alu {
    X64_ADD, X64_OR, X64_ADC, X64_SBB, X64_AND, X64_SUB, X64_XOR, X64_CMP,
} x64_alu;
/* All sizes; an immediate is sign-extended (imm8 form when it fits). */
void x64_alu_rr(codebuf *b, x64_alu op, unsigned sz, x64_reg d, x64_reg s);      /* d op= s */
void x64_alu_ri(codebuf *b, x64_alu op, unsigned sz, x64_reg d, int32_t imm);
void x64_alu_rm(codebuf *b, x64_alu op, unsigned sz, x64_reg d, x64_mem m);      /* d op= [m] */
void x64_alu_mr(codebuf *b, x64_alu op, unsigned sz, x64_mem m, x64_reg s);      /* [m] op= s */
void x64_alu_mi(codebuf *b, x64_alu op, unsigned sz, x64_mem m, int32_t imm);

/* x64_add_rr(b, sz, d, s), x64_sub_ri(b, sz, d, imm), x64_cmp_rm(...), ... */
#define X64_ALU_OPS(X) X(add, X64_ADD) X(or, X64_OR) X(adc, X64_ADC) X(sbb, X64_SBB) \
    X(and, X64_AND) X(sub, X64_SUB) X(xor, X64_XOR) X(cmp, X64_CMP)
#define X64_ALU_NAMED(n, op)                                                                           \
    static inline void x64_##n##_rr(codebuf *b, unsigned sz, x64_reg d, x64_reg s) { x64_alu_rr(b, op, sz, d, s); }     \
    static inline void x64_##n##_ri(codebuf *b, unsigned sz, x64_reg d, int32_t i) { x64_alu_ri(b, op, sz, d, i); }     \
    static inline void x64_##n##_rm(codebuf *b, unsigned sz, x64_reg d, x64_mem m) { x64_alu_rm(b, op, sz, d, m); }     \
    static inline void x64_##n##_mr(codebuf *b, unsigned sz, x64_mem m, x64_reg s) { x64_alu_mr(b, op, sz, m, s); }     \
    static inline void x64_##n##_mi(codebuf *b, unsigned sz, x64_mem m, int32_t i) { x64_alu_mi(b, op, sz, m, i); }
X64_ALU_OPS(X64_ALU_NAMED)
#undef X64_ALU_NAMED

void x64_test_rr(codebuf *b, unsigned sz, x64_reg a, x64_reg c);
void x64_test_ri(codebuf *b, unsigned sz, x64_reg a, int32_t imm);
void x64_imul_rr(codebuf *b, unsigned sz, x64_reg d, x64_reg s);               /* 2 4 8: d *= s */
void x64_imul_rri(codebuf *b, unsigned sz, x64_reg d, x64_reg s, int32_t imm); /* 2 4 8: d = s * imm */

/* One-operand group (F6/F7): not, neg; and on rdx:rax, mul, imul, div, idiv. */
typedef enum x64_unop { X64_NOT = 2, X64_NEG, X64_MUL, X64_IMUL1, X64_DIV, X64_IDIV } x64_unop;
void x64_unary(codebuf *b, x64_unop op, unsigned sz, x64_reg r);
static inline void x64_not_r(codebuf *b, unsigned sz, x64_reg r) { x64_unary(b, X64_NOT, sz, r); }
static inline void x64_neg_r(codebuf *b, unsigned sz, x64_reg r) { x64_unary(b, X64_NEG, sz, r); }
static inline void x64_mul_r(codebuf *b, unsigned sz, x64_reg r) { x64_unary(b, X64_MUL, sz, r); }
static inline void x64_imul_r(codebuf *b, unsigned sz, x64_reg r) { x64_unary(b, X64_IMUL1, sz, r); }
static inline void x64_div_r(codebuf *b, unsigned sz, x64_reg r) { x64_unary(b, X64_DIV, sz, r); }
static inline void x64_idiv_r(codebuf *b, unsigned sz, x64_reg r) { x64_unary(b, X64_IDIV, sz, r); }
/* Sign-extend rax into rdx before idiv: sz 8 cqo, 4 cdq, 2 cwd. */
void x64_cqo(codebuf *b, unsigned sz);

/* Shifts and rotates by an immediate (below 64 for sz 8, else 32) or by cl. */
typedef enum x64_shift { X64_ROL = 0, X64_ROR = 1, X64_SHL = 4, X64_SHR = 5, X64_SAR = 7 } x64_shift;
void x64_shift_ri(codebuf *b, x64_shift op, unsigned sz, x64_reg r, unsigned imm);
void x64_shift_rcl(codebuf *b, x64_shift op, unsigned sz, x64_reg r);
#define X64_SHIFT_OPS(X) X(rol, X64_ROL) X(ror, X64_ROR) X(shl, X64_SHL) X(shr, X64_SHR) X(sar, X64_SAR)
#define X64_SHIFT_NAMED(n, op)                                                                          \
    static inline void x64_##n##_ri(codebuf *b, unsigned sz, x64_reg r, unsigned i) { x64_shift_ri(b, op, sz, r, i); } \
    static inline void x64_##n##_rcl(codebuf *b, unsigned sz, x64_reg r) { x64_shift_rcl(b, op, sz, r); }
X64_SHIFT_OPS(X64_SHIFT_NAMED)
#undef X64_SHIFT_NAMED
/* BMI2 (X64_F_BMI2), sz 4 8: d = s shifted by amt (masked to 5 or 6 bits,
 * as RISC-V's shifts are); no flags. */
void x64_shlx(codebuf *b, unsigned sz, x64_reg d, x64_reg s, x64_reg amt);
void x64_shrx(codebuf *b, unsigned sz, x64_reg d, x64_reg s, x64_reg amt);
void x64_sarx(codebuf *b, unsigned sz, x64_reg d, x64_reg s, x64_reg amt);
void x64_rorx(codebuf *b, unsigned sz, x64_reg d, x64_reg s, unsigned imm);
/* BMI1 (X64_F_BMI1), sz 4 8: d = ~a & c. */
void x64_andn(codebuf *b, unsigned sz, x64_reg d, x64_reg a, x64_reg c);

void x64_setcc(codebuf *b, x64_cc cc, x64_reg r);                              /* r8 = cc */
void x64_cmov_rr(codebuf *b, x64_cc cc, unsigned sz, x64_reg d, x64_reg s);    /* 2 4 8 */
void x64_bswap(codebuf *b, unsigned sz, x64_reg r);                            /* 4 8 */

/* Bit counts, sz 2 4 8.  popcnt needs X64_F_POPCNT, lzcnt X64_F_LZCNT, tzcnt
 * X64_F_BMI1 (on older CPUs lzcnt and tzcnt run as bsr and bsf, which give
 * other results). */
void x64_popcnt_rr(codebuf *b, unsigned sz, x64_reg d, x64_reg s);
void x64_lzcnt_rr(codebuf *b, unsigned sz, x64_reg d, x64_reg s);
void x64_tzcnt_rr(codebuf *b, unsigned sz, x64_reg d, x64_reg s);
void x64_bsr_rr(codebuf *b, unsigned sz, x64_reg d, x64_reg s);
void x64_bsf_rr(codebuf *b, unsigned sz, x64_reg d, x64_reg s);
/* Composite, sz 4 8: d = count of leading zeros, trailing zeros, set bits
 * of s (sz*8 for a zero s), with the instruction when `feat` has it, else a
 * fallback that uses the scratch registers (t != d; t1, t2 != s, d). */
void x64_clz(codebuf *b, unsigned feat, unsigned sz, x64_reg d, x64_reg s, x64_reg t);
void x64_ctz(codebuf *b, unsigned feat, unsigned sz, x64_reg d, x64_reg s, x64_reg t);
void x64_cpop(codebuf *b, unsigned feat, unsigned sz, x64_reg d, x64_reg s, x64_reg t1, x64_reg t2);

/* --- control ---------------------------------------------------------- */
/* To a label: a short form when the label is bound and in reach, else rel32.
 * The 8 and 32 variants force the size (a short one that does not reach is
 * CB_ERANGE at cb_link). */
void x64_jmp(codebuf *b, uint32_t label);
void x64_jcc(codebuf *b, x64_cc cc, uint32_t label);
void x64_jmp8(codebuf *b, uint32_t label);
void x64_jcc8(codebuf *b, x64_cc cc, uint32_t label);
void x64_jmp32(codebuf *b, uint32_t label);
void x64_jcc32(codebuf *b, x64_cc cc, uint32_t label);
/* rel32 to an absolute address outside the buffer (CB_ERANGE at cb_link if
 * it does not reach). */
void x64_jmp_abs(codebuf *b, const void *addr);
void x64_jcc_abs(codebuf *b, x64_cc cc, const void *addr);
void x64_call_abs(codebuf *b, const void *addr);
/* Call addr: by rel32 when the buffer's place is known and reaches it, else
 * through `scratch` (movabs + call). */
void x64_call(codebuf *b, const void *addr, x64_reg scratch);
void x64_jmp_r(codebuf *b, x64_reg r);
void x64_call_r(codebuf *b, x64_reg r);
void x64_jmp_m(codebuf *b, x64_mem m);
void x64_call_m(codebuf *b, x64_mem m);
void x64_push(codebuf *b, x64_reg r);
void x64_pop(codebuf *b, x64_reg r);
void x64_ret(codebuf *b);
void x64_ret_i(codebuf *b, uint16_t n);      /* ret, then n more bytes off the stack */
void x64_push_i(codebuf *b, int32_t imm);    /* push the sign-extended imm32 */
void x64_int3(codebuf *b);
void x64_ud2(codebuf *b);
/* n bytes of no-ops (the recommended multi-byte forms); pad to a multiple of n. */
void x64_nop(codebuf *b, unsigned n);
void x64_align(codebuf *b, unsigned n);

/* Block chaining: a jmp rel32 whose displacement is 4-aligned (no-ops in
 * front as needed), so that x64_patch_jmp retargets it with one atomic
 * store while other threads run it: each sees the old or the new target.
 * Returns the jmp's offset in the buffer. */
size_t x64_jmp_patchable(codebuf *b, uint32_t label);
size_t x64_jmp_patchable_abs(codebuf *b, const void *addr);
/* a call to label whose rel32 x64_patch_jmp retargets, likewise */
size_t x64_call_patchable(codebuf *b, uint32_t label);
/* The same for a jcc rel32 (0F 8x, the displacement 4-aligned). */
size_t x64_jcc_patchable(codebuf *b, x64_cc cc, uint32_t label);
/* site: the jmp's (or jcc's) executable address.  Returns 0, or -1 if site
 * is not such a jump or target is out of rel32 reach (nothing is written
 * then). */
int x64_patch_jmp(codemem *m, void *site, const void *target);

/* --- SSE2 scalar floating point -------------------------------------- */
/* xmm, xmm/mem forms: x64_addsd_rr(b, d, s), x64_addsd_rm(b, d, m), ...
 * movaps copies a register; movsd/movss _rm load (and clear the rest of d),
 * movsd/movss _mr store. */
#define X64_SSE_OPS(X)                                                                             \
    X(movaps, 0x00, 0x0F28) X(movsd, 0xF2, 0x0F10) X(movss, 0xF3, 0x0F10)                          \
    X(addsd, 0xF2, 0x0F58) X(subsd, 0xF2, 0x0F5C) X(mulsd, 0xF2, 0x0F59) X(divsd, 0xF2, 0x0F5E)    \
    X(minsd, 0xF2, 0x0F5D) X(maxsd, 0xF2, 0x0F5F) X(sqrtsd, 0xF2, 0x0F51)                          \
    X(addss, 0xF3, 0x0F58) X(subss, 0xF3, 0x0F5C) X(mulss, 0xF3, 0x0F59) X(divss, 0xF3, 0x0F5E)    \
    X(minss, 0xF3, 0x0F5D) X(maxss, 0xF3, 0x0F5F) X(sqrtss, 0xF3, 0x0F51)                          \
    X(ucomisd, 0x66, 0x0F2E) X(comisd, 0x66, 0x0F2F) X(ucomiss, 0x00, 0x0F2E) X(comiss, 0x00, 0x0F2F) \
    X(andpd, 0x66, 0x0F54) X(andnpd, 0x66, 0x0F55) X(orpd, 0x66, 0x0F56) X(xorpd, 0x66, 0x0F57)    \
    X(andps, 0x00, 0x0F54) X(andnps, 0x00, 0x0F55) X(orps, 0x00, 0x0F56) X(xorps, 0x00, 0x0F57)    \
    X(cvtsd2ss, 0xF2, 0x0F5A) X(cvtss2sd, 0xF3, 0x0F5A)
void x64_sse_rr(codebuf *b, unsigned pfx, uint32_t opc, x64_xmm d, x64_xmm s);
void x64_sse_rm(codebuf *b, unsigned pfx, uint32_t opc, x64_xmm d, x64_mem m);
#define X64_SSE_NAMED(n, pfx, opc)                                                                   \
    static inline void x64_##n##_rr(codebuf *b, x64_xmm d, x64_xmm s) { x64_sse_rr(b, pfx, opc, d, s); } \
    static inline void x64_##n##_rm(codebuf *b, x64_xmm d, x64_mem m) { x64_sse_rm(b, pfx, opc, d, m); }
X64_SSE_OPS(X64_SSE_NAMED)
#undef X64_SSE_NAMED
void x64_movsd_mr(codebuf *b, x64_mem m, x64_xmm s);
void x64_movss_mr(codebuf *b, x64_mem m, x64_xmm s);
/* Bits between registers: sz 8 movq, 4 movd (zero-extending). */
void x64_movq_xr(codebuf *b, unsigned sz, x64_xmm d, x64_reg s);
void x64_movq_rx(codebuf *b, unsigned sz, x64_reg d, x64_xmm s);
/* Conversions with an integer of sz 4 or 8; the t forms truncate, the others
 * round as MXCSR says. */
void x64_cvtsi2sd(codebuf *b, unsigned sz, x64_xmm d, x64_reg s);
void x64_cvtsi2ss(codebuf *b, unsigned sz, x64_xmm d, x64_reg s);
void x64_cvtsd2si(codebuf *b, unsigned sz, x64_reg d, x64_xmm s);
void x64_cvttsd2si(codebuf *b, unsigned sz, x64_reg d, x64_xmm s);
void x64_cvtss2si(codebuf *b, unsigned sz, x64_reg d, x64_xmm s);
void x64_cvttss2si(codebuf *b, unsigned sz, x64_reg d, x64_xmm s);
/* SSE4.1 (X64_F_SSE41): round to an integral value; mode: bits 0-1 the
 * rounding (0 nearest, 1 down, 2 up, 3 toward zero), 4 = as MXCSR says,
 * 8 = do not raise inexact. */
void x64_roundsd(codebuf *b, x64_xmm d, x64_xmm s, unsigned mode);
void x64_roundss(codebuf *b, x64_xmm d, x64_xmm s, unsigned mode);
void x64_ldmxcsr(codebuf *b, x64_mem m);
void x64_stmxcsr(codebuf *b, x64_mem m);
/* FMA3 (X64_F_FMA), sz 8 (sd) or 4 (ss), one rounding:
 * X64_FMADD d = a*c + d, X64_FMSUB d = a*c - d,
 * X64_FNMADD d = -(a*c) + d, X64_FNMSUB d = -(a*c) - d. */
typedef enum x64_fma { X64_FMADD = 0xB9, X64_FMSUB = 0xBB, X64_FNMADD = 0xBD, X64_FNMSUB = 0xBF } x64_fma;
void x64_fma231(codebuf *b, x64_fma op, unsigned sz, x64_xmm d, x64_xmm a, x64_xmm c);

/* --- atomics and ordering -------------------------------------------- */
void x64_lock(codebuf *b);      /* prefix the next instruction (cmpxchg, xadd, alu _mr/_mi) */
void x64_cmpxchg_mr(codebuf *b, unsigned sz, x64_mem m, x64_reg s);   /* if [m]==rax: [m]=s else rax=[m] */
void x64_xadd_mr(codebuf *b, unsigned sz, x64_mem m, x64_reg s);      /* s, [m] = [m], [m]+s */
void x64_xchg_mr(codebuf *b, unsigned sz, x64_mem m, x64_reg r);      /* always locked */
void x64_mfence(codebuf *b);
void x64_lfence(codebuf *b);
void x64_sfence(codebuf *b);
void x64_pause(codebuf *b);

#endif
