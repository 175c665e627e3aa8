/* engine/host/x86_64: the x86-64 encoder (see x64.h).
 *
 * Every form goes through emit_rr (register operand), emit_rm (memory
 * operand) or emit_vex: legacy prefixes, REX, the opcode, ModRM, SIB and the
 * displacement are worked out there and nowhere else.
 */
#include "engine/host/x86_64/x64.h"

#if defined(__x86_64__) || defined(__i386__)
#endif

#define put8 cb_put8

static bool gpr(int r)
{
    return r >= 0 && r < 16;
}

static bool fits8(int64_t v)
{
    return v >= INT8_MIN && v <= INT8_MAX;
}

/* Does size sz belong to `allowed` (an OR of sizes, e.g. 4|8)? */
static bool size_ok(codebuf *b, unsigned sz, unsigned allowed)
{
    if (sz && !(sz & (sz - 1)) && (sz & allowed))
        return true;
    cb_fail(b, CB_EOPERAND);
    return false;
}

/* The operand-size prefix and REX.W of an integer form of size sz. */
static unsigned size_pfx(unsigned sz)
{
    return sz == 2 ? 0x66 : 0;
}
static bool size_w(unsigned sz)
{
    return sz == 8;
}

/* Legacy prefixes: up to two bytes, the high one first (0x66F3 = 66 F3). */
static void emit_pfx(codebuf *b, unsigned pfx)
{
    if (pfx >> 8)
        put8(b, (uint8_t)(pfx >> 8));
    if (pfx & 0xFF)
        put8(b, (uint8_t)pfx);
}

/* Opcode of 1 to 3 bytes: 0x90, 0x0FAF, 0x0F38F7. */
static void emit_opc(codebuf *b, uint32_t opc)
{
    if (opc > 0xFFFF)
        put8(b, (uint8_t)(opc >> 16));
    if (opc > 0xFF)
        put8(b, (uint8_t)(opc >> 8));
    put8(b, (uint8_t)opc);
}

/* Which operands are byte registers: 4-7 then mean spl, bpl, sil, dil,
 * which takes a REX prefix (without one they are ah, ch, dh, bh). */
enum { BYTE_REG = 1, BYTE_RM = 2 };

static void emit_rex(codebuf *b, bool w, int reg, int index, int base, bool force)
{
    unsigned rex = (w ? 8u : 0u) | ((unsigned)(reg >> 3) & 1) << 2 | ((unsigned)(index >> 3) & 1) << 1 |
                   ((unsigned)(base >> 3) & 1);
    if (rex || force)
        put8(b, (uint8_t)(0x40 | rex));
}

/* opcode with ModRM mod=11: reg (a register or an opcode extension /n) and rm. */
static void emit_rr(codebuf *b, unsigned pfx, bool w, uint32_t opc, int reg, int rm, unsigned bytes)
{
    if (!gpr(reg) || !gpr(rm)) {
        cb_fail(b, CB_EOPERAND);
        return;
    }
    bool force = ((bytes & BYTE_REG) && reg >= 4 && reg < 8) || ((bytes & BYTE_RM) && rm >= 4 && rm < 8);
    emit_pfx(b, pfx);
    emit_rex(b, w, reg, 0, rm, force);
    emit_opc(b, opc);
    put8(b, (uint8_t)(0xC0 | (reg & 7) << 3 | (rm & 7)));
}

/* opcode with a memory operand; immlen bytes of immediate follow the
 * instruction (they move a rip-relative displacement's reference point). */
static void emit_rm(codebuf *b, unsigned pfx, bool w, uint32_t opc, int reg, x64_mem m, unsigned immlen,
                    unsigned bytes)
{
    int base = m.base, idx = m.index;
    unsigned ss = m.scale == 1 ? 0 : m.scale == 2 ? 1 : m.scale == 4 ? 2 : m.scale == 8 ? 3 : 4;
    bool base_ok = gpr(base) || base == X64_NOREG || base == X64_RIP;
    bool idx_ok = idx == X64_NOREG || (gpr(idx) && idx != X64_RSP);   /* rsp cannot be an index */
    if (!gpr(reg) || !base_ok || !idx_ok || ss > 3 || (base == X64_RIP && idx != X64_NOREG)) {
        cb_fail(b, CB_EOPERAND);
        return;
    }
    emit_pfx(b, pfx);
    emit_rex(b, w, reg, idx < 0 ? 0 : idx, base < 0 ? 0 : base, (bytes & BYTE_REG) && reg >= 4 && reg < 8);
    emit_opc(b, opc);
    unsigned r = (unsigned)(reg & 7) << 3;
    if (base == X64_RIP) {
        put8(b, (uint8_t)(r | 5));
        size_t at = b->len;
        cb_put32(b, 0);
        if (m.rip_addr)
            cb_fixup_addr(b, CB_REL32, at, at + 4 + immlen, m.addr, m.disp);
        else
            cb_fixup_label(b, CB_REL32, at, at + 4 + immlen, m.label, m.disp);
        return;
    }
    if (base == X64_NOREG) {    /* [index*scale + disp32] or [disp32]: SIB with no base */
        put8(b, (uint8_t)(r | 4));
        put8(b, (uint8_t)(ss << 6 | (unsigned)(idx == X64_NOREG ? 4 : idx & 7) << 3 | 5));
        cb_put32(b, (uint32_t)m.disp);
        return;
    }
    /* rbp and r13 as a base have no no-displacement form: they take a disp8 of 0 */
    unsigned mod = (m.disp == 0 && (base & 7) != 5) ? 0 : fits8(m.disp) ? 1 : 2;
    if (idx != X64_NOREG || (base & 7) == 4) {      /* rsp and r12 as a base need a SIB */
        put8(b, (uint8_t)(mod << 6 | r | 4));
        put8(b, (uint8_t)(ss << 6 | (unsigned)(idx == X64_NOREG ? 4 : idx & 7) << 3 | (unsigned)(base & 7)));
    } else {
        put8(b, (uint8_t)(mod << 6 | r | (unsigned)(base & 7)));
    }
    if (mod == 1)
        put8(b, (uint8_t)m.disp);
    else if (mod == 2)
        cb_put32(b, (uint32_t)m.disp);
}

/* VEX (three-byte form), register operands only: map 1 = 0F, 2 = 0F38,
 * 3 = 0F3A; pp 0 none, 1 66, 2 F3, 3 F2; vvvv the extra source. */
static void emit_vex(codebuf *b, unsigned pp, unsigned map, bool w, uint8_t opc, int reg, int vvvv, int rm)
{
    if (!gpr(reg) || !gpr(vvvv) || !gpr(rm)) {
        cb_fail(b, CB_EOPERAND);
        return;
    }
    put8(b, 0xC4);
    put8(b, (uint8_t)((unsigned)(~reg >> 3 & 1) << 7 | 1u << 6 | (unsigned)(~rm >> 3 & 1) << 5 | map));
    put8(b, (uint8_t)((w ? 0x80u : 0u) | (unsigned)(~vvvv & 15) << 3 | pp));
    put8(b, opc);
    put8(b, (uint8_t)(0xC0 | (reg & 7) << 3 | (rm & 7)));
}

static void emit_imm(codebuf *b, unsigned sz, int64_t imm)
{
    cb_putn(b, (uint64_t)imm, sz == 8 ? 4 : sz);
}

/* --- moves ------------------------------------------------------------- */

void x64_mov_rr(codebuf *b, unsigned sz, x64_reg d, x64_reg s)
{
    if (size_ok(b, sz, 1 | 2 | 4 | 8))
        emit_rr(b, size_pfx(sz), size_w(sz), sz == 1 ? 0x88 : 0x89, s, d, BYTE_REG | BYTE_RM);
}

void x64_movabs_ri(codebuf *b, x64_reg d, uint64_t imm)
{
    if (!gpr(d)) {
        cb_fail(b, CB_EOPERAND);
        return;
    }
    emit_rex(b, true, 0, 0, d, false);
    put8(b, (uint8_t)(0xB8 + (d & 7)));
    cb_put64(b, imm);
}

void x64_mov_ri(codebuf *b, unsigned sz, x64_reg d, uint64_t imm)
{
    if (!size_ok(b, sz, 4 | 8))
        return;
    if (!gpr(d)) {
        cb_fail(b, CB_EOPERAND);
        return;
    }
    if (sz == 4 || imm <= UINT32_MAX) {         /* mov r32, imm32: zero-extends */
        emit_rex(b, false, 0, 0, d, false);
        put8(b, (uint8_t)(0xB8 + (d & 7)));
        cb_put32(b, (uint32_t)imm);
    } else if ((int64_t)imm >= INT32_MIN && (int64_t)imm <= INT32_MAX) {
        emit_rr(b, 0, true, 0xC7, 0, d, 0);    /* mov r64, simm32 */
        cb_put32(b, (uint32_t)imm);
    } else {
        x64_movabs_ri(b, d, imm);
    }
}

void x64_load(codebuf *b, unsigned sz, x64_reg d, x64_mem m)
{
    static const uint32_t opc[9] = {[1] = 0x0FB6, [2] = 0x0FB7, [4] = 0x8B, [8] = 0x8B};
    if (size_ok(b, sz, 1 | 2 | 4 | 8))
        emit_rm(b, 0, sz == 8, opc[sz], d, m, 0, 0);
}

void x64_loads(codebuf *b, unsigned sz, x64_reg d, x64_mem m)
{
    static const uint32_t opc[9] = {[1] = 0x0FBE, [2] = 0x0FBF, [4] = 0x63, [8] = 0x8B};
    if (size_ok(b, sz, 1 | 2 | 4 | 8))
        emit_rm(b, 0, true, opc[sz], d, m, 0, 0);
}

void x64_store(codebuf *b, unsigned sz, x64_mem m, x64_reg s)
{
    if (size_ok(b, sz, 1 | 2 | 4 | 8))
        emit_rm(b, size_pfx(sz), size_w(sz), sz == 1 ? 0x88 : 0x89, s, m, 0, BYTE_REG);
}

void x64_store_i(codebuf *b, unsigned sz, x64_mem m, int32_t imm)
{
    if (!size_ok(b, sz, 1 | 2 | 4 | 8))
        return;
    unsigned n = sz == 8 ? 4 : sz;
    emit_rm(b, size_pfx(sz), size_w(sz), sz == 1 ? 0xC6 : 0xC7, 0, m, n, 0);
    emit_imm(b, sz, imm);
}

void x64_movzx_rr(codebuf *b, unsigned from, x64_reg d, x64_reg s)
{
    if (!size_ok(b, from, 1 | 2 | 4))
        return;
    if (from == 4)
        emit_rr(b, 0, false, 0x89, s, d, 0);    /* mov r32, r32 clears the upper half */
    else
        emit_rr(b, 0, false, from == 1 ? 0x0FB6 : 0x0FB7, d, s, BYTE_RM * (from == 1));
}

void x64_movsx_rr(codebuf *b, unsigned from, x64_reg d, x64_reg s)
{
    static const uint32_t opc[5] = {[1] = 0x0FBE, [2] = 0x0FBF, [4] = 0x63};
    if (size_ok(b, from, 1 | 2 | 4))
        emit_rr(b, 0, true, opc[from], d, s, BYTE_RM * (from == 1));
}

void x64_lea(codebuf *b, unsigned sz, x64_reg d, x64_mem m)
{
    if (size_ok(b, sz, 4 | 8))
        emit_rm(b, 0, size_w(sz), 0x8D, d, m, 0, 0);
}

/* --- integer arithmetic -------------------------------------------------- */

static bool alu_ok(codebuf *b, x64_alu op, unsigned sz)
{
    if ((unsigned)op > X64_CMP) {
        cb_fail(b, CB_EOPERAND);
        return false;
    }
    return size_ok(b, sz, 1 | 2 | 4 | 8);
}

void x64_alu_rr(codebuf *b, x64_alu op, unsigned sz, x64_reg d, x64_reg s)
{
    if (alu_ok(b, op, sz))
        emit_rr(b, size_pfx(sz), size_w(sz), (uint32_t)op * 8 + (sz == 1 ? 0 : 1), s, d, BYTE_REG | BYTE_RM);
}

/* The immediate group (80, 81, 83): imm8 sign-extended when it fits. */
static uint32_t alu_imm_opc(unsigned sz, int32_t imm, unsigned *n)
{
    if (sz == 1) {
        *n = 1;
        return 0x80;
    }
    if (fits8(imm)) {
        *n = 1;
        return 0x83;
    }
    *n = sz == 2 ? 2 : 4;
    return 0x81;
}

void x64_alu_ri(codebuf *b, x64_alu op, unsigned sz, x64_reg d, int32_t imm)
{
    if (!alu_ok(b, op, sz))
        return;
    unsigned n;
    uint32_t opc = alu_imm_opc(sz, imm, &n);
    emit_rr(b, size_pfx(sz), size_w(sz), opc, (int)op, d, BYTE_RM);
    cb_putn(b, (uint64_t)(int64_t)imm, n);
}

void x64_alu_rm(codebuf *b, x64_alu op, unsigned sz, x64_reg d, x64_mem m)
{
    if (alu_ok(b, op, sz))
        emit_rm(b, size_pfx(sz), size_w(sz), (uint32_t)op * 8 + (sz == 1 ? 2 : 3), d, m, 0, BYTE_REG);
}

void x64_alu_mr(codebuf *b, x64_alu op, unsigned sz, x64_mem m, x64_reg s)
{
    if (alu_ok(b, op, sz))
        emit_rm(b, size_pfx(sz), size_w(sz), (uint32_t)op * 8 + (sz == 1 ? 0 : 1), s, m, 0, BYTE_REG);
}

void x64_alu_mi(codebuf *b, x64_alu op, unsigned sz, x64_mem m, int32_t imm)
{
    if (!alu_ok(b, op, sz))
        return;
    unsigned n;
    uint32_t opc = alu_imm_opc(sz, imm, &n);
    emit_rm(b, size_pfx(sz), size_w(sz), opc, (int)op, m, n, 0);
    cb_putn(b, (uint64_t)(int64_t)imm, n);
}

void x64_test_rr(codebuf *b, unsigned sz, x64_reg a, x64_reg c)
{
    if (size_ok(b, sz, 1 | 2 | 4 | 8))
        emit_rr(b, size_pfx(sz), size_w(sz), sz == 1 ? 0x84 : 0x85, c, a, BYTE_REG | BYTE_RM);
}

void x64_test_ri(codebuf *b, unsigned sz, x64_reg a, int32_t imm)
{
    if (!size_ok(b, sz, 1 | 2 | 4 | 8))
        return;
    emit_rr(b, size_pfx(sz), size_w(sz), sz == 1 ? 0xF6 : 0xF7, 0, a, BYTE_RM);
    emit_imm(b, sz, imm);
}

void x64_imul_rr(codebuf *b, unsigned sz, x64_reg d, x64_reg s)
{
    if (size_ok(b, sz, 2 | 4 | 8))
        emit_rr(b, size_pfx(sz), size_w(sz), 0x0FAF, d, s, 0);
}

void x64_imul_rri(codebuf *b, unsigned sz, x64_reg d, x64_reg s, int32_t imm)
{
    if (!size_ok(b, sz, 2 | 4 | 8))
        return;
    bool short_imm = fits8(imm);
    emit_rr(b, size_pfx(sz), size_w(sz), short_imm ? 0x6B : 0x69, d, s, 0);
    if (short_imm)
        put8(b, (uint8_t)imm);
    else
        emit_imm(b, sz, imm);
}

void x64_unary(codebuf *b, x64_unop op, unsigned sz, x64_reg r)
{
    if (op < X64_NOT || op > X64_IDIV) {
        cb_fail(b, CB_EOPERAND);
        return;
    }
    if (size_ok(b, sz, 1 | 2 | 4 | 8))
        emit_rr(b, size_pfx(sz), size_w(sz), sz == 1 ? 0xF6 : 0xF7, (int)op, r, BYTE_RM);
}

void x64_cqo(codebuf *b, unsigned sz)
{
    if (!size_ok(b, sz, 2 | 4 | 8))
        return;
    emit_pfx(b, size_pfx(sz));
    emit_rex(b, size_w(sz), 0, 0, 0, false);
    put8(b, 0x99);
}

static bool shift_ok(codebuf *b, x64_shift op, unsigned sz)
{
    if (op != X64_ROL && op != X64_ROR && op != X64_SHL && op != X64_SHR && op != X64_SAR) {
        cb_fail(b, CB_EOPERAND);
        return false;
    }
    return size_ok(b, sz, 1 | 2 | 4 | 8);
}

void x64_shift_ri(codebuf *b, x64_shift op, unsigned sz, x64_reg r, unsigned imm)
{
    if (!shift_ok(b, op, sz))
        return;
    if (imm >= (sz == 8 ? 64u : 32u)) {
        cb_fail(b, CB_EOPERAND);
        return;
    }
    if (imm == 1) {
        emit_rr(b, size_pfx(sz), size_w(sz), sz == 1 ? 0xD0 : 0xD1, (int)op, r, BYTE_RM);
    } else {
        emit_rr(b, size_pfx(sz), size_w(sz), sz == 1 ? 0xC0 : 0xC1, (int)op, r, BYTE_RM);
        put8(b, (uint8_t)imm);
    }
}

void x64_shift_rcl(codebuf *b, x64_shift op, unsigned sz, x64_reg r)
{
    if (shift_ok(b, op, sz))
        emit_rr(b, size_pfx(sz), size_w(sz), sz == 1 ? 0xD2 : 0xD3, (int)op, r, BYTE_RM);
}

/* shlx/sarx/shrx: VEX.LZ.{66,F3,F2}.0F38.W F7 /r, the count in vvvv */
void x64_shlx(codebuf *b, unsigned sz, x64_reg d, x64_reg s, x64_reg amt)
{
    if (size_ok(b, sz, 4 | 8))
        emit_vex(b, 1, 2, sz == 8, 0xF7, d, amt, s);
}

void x64_sarx(codebuf *b, unsigned sz, x64_reg d, x64_reg s, x64_reg amt)
{
    if (size_ok(b, sz, 4 | 8))
        emit_vex(b, 2, 2, sz == 8, 0xF7, d, amt, s);
}

void x64_shrx(codebuf *b, unsigned sz, x64_reg d, x64_reg s, x64_reg amt)
{
    if (size_ok(b, sz, 4 | 8))
        emit_vex(b, 3, 2, sz == 8, 0xF7, d, amt, s);
}

void x64_rorx(codebuf *b, unsigned sz, x64_reg d, x64_reg s, unsigned imm)
{
    if (!size_ok(b, sz, 4 | 8))
        return;
    if (imm >= sz * 8) {
        cb_fail(b, CB_EOPERAND);
        return;
    }
    emit_vex(b, 3, 3, sz == 8, 0xF0, d, 0, s);
    put8(b, (uint8_t)imm);
}

void x64_andn(codebuf *b, unsigned sz, x64_reg d, x64_reg a, x64_reg c)
{
    if (size_ok(b, sz, 4 | 8))
        emit_vex(b, 0, 2, sz == 8, 0xF2, d, a, c);
}

static bool cc_ok(codebuf *b, x64_cc cc)
{
    if ((unsigned)cc <= X64_G)
        return true;
    cb_fail(b, CB_EOPERAND);
    return false;
}

void x64_setcc(codebuf *b, x64_cc cc, x64_reg r)
{
    if (cc_ok(b, cc))
        emit_rr(b, 0, false, 0x0F90 + (uint32_t)cc, 0, r, BYTE_RM);
}

void x64_cmov_rr(codebuf *b, x64_cc cc, unsigned sz, x64_reg d, x64_reg s)
{
    if (cc_ok(b, cc) && size_ok(b, sz, 2 | 4 | 8))
        emit_rr(b, size_pfx(sz), size_w(sz), 0x0F40 + (uint32_t)cc, d, s, 0);
}

void x64_bswap(codebuf *b, unsigned sz, x64_reg r)
{
    if (!size_ok(b, sz, 4 | 8))
        return;
    if (!gpr(r)) {
        cb_fail(b, CB_EOPERAND);
        return;
    }
    emit_rex(b, sz == 8, 0, 0, r, false);
    put8(b, 0x0F);
    put8(b, (uint8_t)(0xC8 + (r & 7)));
}

static void bitcount(codebuf *b, unsigned mandatory, uint32_t opc, unsigned sz, x64_reg d, x64_reg s)
{
    if (size_ok(b, sz, 2 | 4 | 8))
        emit_rr(b, size_pfx(sz) << 8 | mandatory, size_w(sz), opc, d, s, 0);
}

void x64_popcnt_rr(codebuf *b, unsigned sz, x64_reg d, x64_reg s) { bitcount(b, 0xF3, 0x0FB8, sz, d, s); }
void x64_lzcnt_rr(codebuf *b, unsigned sz, x64_reg d, x64_reg s) { bitcount(b, 0xF3, 0x0FBD, sz, d, s); }
void x64_tzcnt_rr(codebuf *b, unsigned sz, x64_reg d, x64_reg s) { bitcount(b, 0xF3, 0x0FBC, sz, d, s); }
void x64_bsr_rr(codebuf *b, unsigned sz, x64_reg d, x64_reg s) { bitcount(b, 0, 0x0FBD, sz, d, s); }
void x64_bsf_rr(codebuf *b, unsigned sz, x64_reg d, x64_reg s) { bitcount(b, 0, 0x0FBC, sz, d, s); }

static bool scratch_ok(codebuf *b, unsigned sz, x64_reg d, x64_reg s, x64_reg t1, x64_reg t2)
{
    if (!size_ok(b, sz, 4 | 8))
        return false;
    if (t1 == d || t1 == s || t2 == d || t2 == s || t1 == t2) {
        cb_fail(b, CB_EOPERAND);
        return false;
    }
    return true;
}

void x64_clz(codebuf *b, unsigned feat, unsigned sz, x64_reg d, x64_reg s, x64_reg t)
{
    if (feat & X64_F_LZCNT) {
        x64_lzcnt_rr(b, sz, d, s);
        return;
    }
    if (!size_ok(b, sz, 4 | 8))
        return;
    if (t == d) {
        cb_fail(b, CB_EOPERAND);
        return;
    }
    /* bsr gives the top set bit's index i (ZF and no result for 0);
     * (bits-1) ^ i is the count, and 2*bits-1 ^ (bits-1) = bits for 0 */
    unsigned bits = sz * 8;
    x64_bsr_rr(b, sz, d, s);
    x64_mov_ri(b, 4, t, 2 * bits - 1);
    x64_cmov_rr(b, X64_E, sz, d, t);
    x64_xor_ri(b, sz, d, (int32_t)(bits - 1));
}

void x64_ctz(codebuf *b, unsigned feat, unsigned sz, x64_reg d, x64_reg s, x64_reg t)
{
    if (feat & X64_F_BMI1) {
        x64_tzcnt_rr(b, sz, d, s);
        return;
    }
    if (!size_ok(b, sz, 4 | 8))
        return;
    if (t == d) {
        cb_fail(b, CB_EOPERAND);
        return;
    }
    x64_bsf_rr(b, sz, d, s);
    x64_mov_ri(b, 4, t, sz * 8);
    x64_cmov_rr(b, X64_E, sz, d, t);
}

void x64_cpop(codebuf *b, unsigned feat, unsigned sz, x64_reg d, x64_reg s, x64_reg t1, x64_reg t2)
{
    if (feat & X64_F_POPCNT) {
        x64_popcnt_rr(b, sz, d, s);
        return;
    }
    if (!scratch_ok(b, sz, d, s, t1, t2))
        return;
    /* bits in pairs, nibbles, bytes, then the bytes summed by a multiply */
    static const uint64_t k[4] = {0x5555555555555555u, 0x3333333333333333u, 0x0F0F0F0F0F0F0F0Fu,
                                  0x0101010101010101u};
    x64_mov_rr(b, sz, d, s);
    x64_mov_rr(b, sz, t1, d);
    x64_shr_ri(b, sz, t1, 1);
    x64_mov_ri(b, sz, t2, k[0]);
    x64_and_rr(b, sz, t1, t2);
    x64_sub_rr(b, sz, d, t1);
    x64_mov_ri(b, sz, t2, k[1]);
    x64_mov_rr(b, sz, t1, d);
    x64_and_rr(b, sz, d, t2);
    x64_shr_ri(b, sz, t1, 2);
    x64_and_rr(b, sz, t1, t2);
    x64_add_rr(b, sz, d, t1);
    x64_mov_rr(b, sz, t1, d);
    x64_shr_ri(b, sz, t1, 4);
    x64_add_rr(b, sz, d, t1);
    x64_mov_ri(b, sz, t2, k[2]);
    x64_and_rr(b, sz, d, t2);
    x64_mov_ri(b, sz, t2, k[3]);
    x64_imul_rr(b, sz, d, t2);
    x64_shr_ri(b, sz, d, sz * 8 - 8);
}

/* --- control ------------------------------------------------------------- */

/* cc < 0: jmp.  force: 0 the shortest that surely reaches, 1 rel8, 4 rel32. */
static void jump(codebuf *b, int cc, uint32_t label, int force)
{
    if (label >= b->nlabels || (cc >= 0 && !cc_ok(b, (x64_cc)cc))) {
        cb_fail(b, CB_ELABEL);
        return;
    }
    int64_t pos = b->labels[label];
    bool rel8 = force == 1 || (force == 0 && pos >= 0 && fits8(pos - (int64_t)(b->len + 2)));
    if (rel8) {
        put8(b, cc < 0 ? 0xEB : (uint8_t)(0x70 + cc));
        size_t at = b->len;
        put8(b, 0);
        cb_fixup_label(b, CB_REL8, at, at + 1, label, 0);
    } else {
        emit_opc(b, cc < 0 ? 0xE9 : 0x0F80 + (uint32_t)cc);
        size_t at = b->len;
        cb_put32(b, 0);
        cb_fixup_label(b, CB_REL32, at, at + 4, label, 0);
    }
}

void x64_jmp(codebuf *b, uint32_t label) { jump(b, -1, label, 0); }
void x64_jcc(codebuf *b, x64_cc cc, uint32_t label) { jump(b, (int)cc, label, 0); }
void x64_jmp8(codebuf *b, uint32_t label) { jump(b, -1, label, 1); }
void x64_jcc8(codebuf *b, x64_cc cc, uint32_t label) { jump(b, (int)cc, label, 1); }
void x64_jmp32(codebuf *b, uint32_t label) { jump(b, -1, label, 4); }
void x64_jcc32(codebuf *b, x64_cc cc, uint32_t label) { jump(b, (int)cc, label, 4); }

static void rel32_to(codebuf *b, uint32_t opc, const void *addr)
{
    emit_opc(b, opc);
    size_t at = b->len;
    cb_put32(b, 0);
    cb_fixup_addr(b, CB_REL32, at, at + 4, (uint64_t)(uintptr_t)addr, 0);
}

void x64_jmp_abs(codebuf *b, const void *addr) { rel32_to(b, 0xE9, addr); }
void x64_call_abs(codebuf *b, const void *addr) { rel32_to(b, 0xE8, addr); }

void x64_jcc_abs(codebuf *b, x64_cc cc, const void *addr)
{
    if (cc_ok(b, cc))
        rel32_to(b, 0x0F80 + (uint32_t)cc, addr);
}

void x64_call(codebuf *b, const void *addr, x64_reg scratch)
{
    if (b->origin && cb_rel32_reaches(b->origin, b->len + 5, (uint64_t)(uintptr_t)addr)) {
        x64_call_abs(b, addr);
    } else {
        x64_movabs_ri(b, scratch, (uint64_t)(uintptr_t)addr);
        x64_call_r(b, scratch);
    }
}

void x64_jmp_r(codebuf *b, x64_reg r) { emit_rr(b, 0, false, 0xFF, 4, r, 0); }
void x64_call_r(codebuf *b, x64_reg r) { emit_rr(b, 0, false, 0xFF, 2, r, 0); }
void x64_jmp_m(codebuf *b, x64_mem m) { emit_rm(b, 0, false, 0xFF, 4, m, 0, 0); }
void x64_call_m(codebuf *b, x64_mem m) { emit_rm(b, 0, false, 0xFF, 2, m, 0, 0); }

static void push_pop(codebuf *b, uint8_t opc, x64_reg r)
{
    if (!gpr(r)) {
        cb_fail(b, CB_EOPERAND);
        return;
    }
    emit_rex(b, false, 0, 0, r, false);
    put8(b, (uint8_t)(opc + (r & 7)));
}

void x64_push(codebuf *b, x64_reg r) { push_pop(b, 0x50, r); }
void x64_pop(codebuf *b, x64_reg r) { push_pop(b, 0x58, r); }
void x64_ret(codebuf *b) { put8(b, 0xC3); }
void x64_ret_i(codebuf *b, uint16_t n)
{
    put8(b, 0xC2);
    put8(b, (uint8_t)n);
    put8(b, (uint8_t)(n >> 8));
}
void x64_push_i(codebuf *b, int32_t imm)
{
    put8(b, 0x68);
    cb_put32(b, (uint32_t)imm);
}
void x64_int3(codebuf *b) { put8(b, 0xCC); }
void x64_ud2(codebuf *b) { emit_opc(b, 0x0F0B); }

void x64_nop(codebuf *b, unsigned n)
{
    /* the recommended forms: nop, 66 nop, nop dword [rax], ... [rax+rax*1+disp32] */
    static const uint8_t forms[9][9] = {
        {0x90},
        {0x66, 0x90},
        {0x0F, 0x1F, 0x00},
        {0x0F, 0x1F, 0x40, 0x00},
        {0x0F, 0x1F, 0x44, 0x00, 0x00},
        {0x66, 0x0F, 0x1F, 0x44, 0x00, 0x00},
        {0x0F, 0x1F, 0x80, 0x00, 0x00, 0x00, 0x00},
        {0x0F, 0x1F, 0x84, 0x00, 0x00, 0x00, 0x00, 0x00},
        {0x66, 0x0F, 0x1F, 0x84, 0x00, 0x00, 0x00, 0x00, 0x00},
    };
    while (n) {
        unsigned k = n > 9 ? 9 : n;
        for (unsigned i = 0; i < k; i++)
            put8(b, forms[k - 1][i]);
        n -= k;
    }
}

void x64_align(codebuf *b, unsigned n)
{
    if (!n || (n & (n - 1)) || n > CB_ALIGN) {
        cb_fail(b, CB_EOPERAND);
        return;
    }
    x64_nop(b, (unsigned)(-b->len & (n - 1)));
}

/* No-ops so that a jmp emitted next has its displacement (after the E9
 * byte) on a 4-byte boundary; returns where the jmp starts. */
static size_t align_patch_site(codebuf *b)
{
    x64_nop(b, (unsigned)((3 - b->len) & 3));
    return b->len;
}

size_t x64_jmp_patchable(codebuf *b, uint32_t label)
{
    size_t site = align_patch_site(b);
    x64_jmp32(b, label);
    return site;
}

size_t x64_call_patchable(codebuf *b, uint32_t label)
{
    size_t site = align_patch_site(b);
    if (label >= b->nlabels) {
        cb_fail(b, CB_ELABEL);
        return site;
    }
    put8(b, 0xE8);
    size_t at = b->len;
    cb_put32(b, 0);
    cb_fixup_label(b, CB_REL32, at, at + 4, label, 0);
    return site;
}

size_t x64_jmp_patchable_abs(codebuf *b, const void *addr)
{
    size_t site = align_patch_site(b);
    x64_jmp_abs(b, addr);
    return site;
}

size_t x64_jcc_patchable(codebuf *b, x64_cc cc, uint32_t label)
{
    /* the displacement follows two opcode bytes */
    x64_nop(b, (unsigned)((2 - b->len) & 3));
    size_t site = b->len;
    x64_jcc32(b, cc, label);
    return site;
}

int x64_patch_jmp(codemem *m, void *site, const void *target)
{
    uint8_t *p = site;
    if (!cm_contains(m, p) || !cm_contains(m, p + 4))
        return -1;
    unsigned op = p[0] == 0xE9 || p[0] == 0xE8 ? 1 : p[0] == 0x0F && (p[1] & 0xF0) == 0x80 ? 2 : 0;
    if (!op || !cm_contains(m, p + op + 3) || ((uintptr_t)(p + op) & 3))
        return -1;
    uint64_t end = (uint64_t)(uintptr_t)(p + op + 4);
    if (!cb_rel32_reaches(end, 0, (uint64_t)(uintptr_t)target))
        return -1;
    cm_patch32(m, p + op, (uint32_t)((uint64_t)(uintptr_t)target - end));
    return 0;
}

/* --- SSE ----------------------------------------------------------------- */

void x64_sse_rr(codebuf *b, unsigned pfx, uint32_t opc, x64_xmm d, x64_xmm s)
{
    emit_rr(b, pfx, false, opc, d, s, 0);
}

void x64_sse_rm(codebuf *b, unsigned pfx, uint32_t opc, x64_xmm d, x64_mem m)
{
    emit_rm(b, pfx, false, opc, d, m, 0, 0);
}

void x64_movsd_mr(codebuf *b, x64_mem m, x64_xmm s) { emit_rm(b, 0xF2, false, 0x0F11, s, m, 0, 0); }
void x64_movss_mr(codebuf *b, x64_mem m, x64_xmm s) { emit_rm(b, 0xF3, false, 0x0F11, s, m, 0, 0); }

void x64_movq_xr(codebuf *b, unsigned sz, x64_xmm d, x64_reg s)
{
    if (size_ok(b, sz, 4 | 8))
        emit_rr(b, 0x66, sz == 8, 0x0F6E, d, s, 0);
}

void x64_movq_rx(codebuf *b, unsigned sz, x64_reg d, x64_xmm s)
{
    if (size_ok(b, sz, 4 | 8))
        emit_rr(b, 0x66, sz == 8, 0x0F7E, s, d, 0);
}

/* cvt forms: reg is the destination (xmm or general), rm the source */
static void cvt(codebuf *b, unsigned pfx, uint32_t opc, unsigned sz, int d, int s)
{
    if (size_ok(b, sz, 4 | 8))
        emit_rr(b, pfx, sz == 8, opc, d, s, 0);
}

void x64_cvtsi2sd(codebuf *b, unsigned sz, x64_xmm d, x64_reg s) { cvt(b, 0xF2, 0x0F2A, sz, d, s); }
void x64_cvtsi2ss(codebuf *b, unsigned sz, x64_xmm d, x64_reg s) { cvt(b, 0xF3, 0x0F2A, sz, d, s); }
void x64_cvtsd2si(codebuf *b, unsigned sz, x64_reg d, x64_xmm s) { cvt(b, 0xF2, 0x0F2D, sz, d, s); }
void x64_cvttsd2si(codebuf *b, unsigned sz, x64_reg d, x64_xmm s) { cvt(b, 0xF2, 0x0F2C, sz, d, s); }
void x64_cvtss2si(codebuf *b, unsigned sz, x64_reg d, x64_xmm s) { cvt(b, 0xF3, 0x0F2D, sz, d, s); }
void x64_cvttss2si(codebuf *b, unsigned sz, x64_reg d, x64_xmm s) { cvt(b, 0xF3, 0x0F2C, sz, d, s); }

static void round_op(codebuf *b, uint32_t opc, x64_xmm d, x64_xmm s, unsigned mode)
{
    if (mode > 15) {
        cb_fail(b, CB_EOPERAND);
        return;
    }
    emit_rr(b, 0x66, false, opc, d, s, 0);
    put8(b, (uint8_t)mode);
}

void x64_roundsd(codebuf *b, x64_xmm d, x64_xmm s, unsigned mode) { round_op(b, 0x0F3A0B, d, s, mode); }
void x64_roundss(codebuf *b, x64_xmm d, x64_xmm s, unsigned mode) { round_op(b, 0x0F3A0A, d, s, mode); }
void x64_ldmxcsr(codebuf *b, x64_mem m) { emit_rm(b, 0, false, 0x0FAE, 2, m, 0, 0); }
void x64_stmxcsr(codebuf *b, x64_mem m) { emit_rm(b, 0, false, 0x0FAE, 3, m, 0, 0); }

void x64_fma231(codebuf *b, x64_fma op, unsigned sz, x64_xmm d, x64_xmm a, x64_xmm c)
{
    if (op != X64_FMADD && op != X64_FMSUB && op != X64_FNMADD && op != X64_FNMSUB) {
        cb_fail(b, CB_EOPERAND);
        return;
    }
    if (size_ok(b, sz, 4 | 8))
        emit_vex(b, 1, 2, sz == 8, (uint8_t)op, d, a, c);
}

/* --- atomics and ordering -------------------------------------------------- */

void x64_lock(codebuf *b) { put8(b, 0xF0); }

void x64_cmpxchg_mr(codebuf *b, unsigned sz, x64_mem m, x64_reg s)
{
    if (size_ok(b, sz, 1 | 2 | 4 | 8))
        emit_rm(b, size_pfx(sz), size_w(sz), sz == 1 ? 0x0FB0 : 0x0FB1, s, m, 0, BYTE_REG);
}

void x64_xadd_mr(codebuf *b, unsigned sz, x64_mem m, x64_reg s)
{
    if (size_ok(b, sz, 1 | 2 | 4 | 8))
        emit_rm(b, size_pfx(sz), size_w(sz), sz == 1 ? 0x0FC0 : 0x0FC1, s, m, 0, BYTE_REG);
}

void x64_xchg_mr(codebuf *b, unsigned sz, x64_mem m, x64_reg r)
{
    if (size_ok(b, sz, 1 | 2 | 4 | 8))
        emit_rm(b, size_pfx(sz), size_w(sz), sz == 1 ? 0x86 : 0x87, r, m, 0, BYTE_REG);
}

void x64_mfence(codebuf *b) { emit_opc(b, 0x0FAEF0); }
void x64_lfence(codebuf *b) { emit_opc(b, 0x0FAEE8); }
void x64_sfence(codebuf *b) { emit_opc(b, 0x0FAEF8); }
void x64_pause(codebuf *b) { emit_opc(b, 0xF390); }
