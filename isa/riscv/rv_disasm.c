/* rv_disasm: the disassembler, driven by the rows isagen derives from each
 * instruction's (asm ...) clause and its aliases.  Only the printing of each
 * operand kind is written here. */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "isa/riscv/rv_cpu.h"
#include "rv_gen.h"

const char *const rv_xname[32] = {
    "zero", "ra", "sp", "gp", "tp", "t0", "t1", "t2", "s0", "s1", "a0", "a1", "a2", "a3", "a4", "a5",
    "a6", "a7", "s2", "s3", "s4", "s5", "s6", "s7", "s8", "s9", "s10", "s11", "t3", "t4", "t5", "t6",
};
const char *const rv_fname[32] = {
    "ft0", "ft1", "ft2", "ft3", "ft4", "ft5", "ft6", "ft7", "fs0", "fs1", "fa0", "fa1", "fa2", "fa3", "fa4", "fa5",
    "fa6", "fa7", "fs2", "fs3", "fs4", "fs5", "fs6", "fs7", "fs8", "fs9", "fs10", "fs11", "ft8", "ft9", "ft10", "ft11",
};

enum {
    RV_DIS_none = 0,
#define X(k) RV_DIS_##k,
    RV_DIS_KINDS(X)
#undef X
};

typedef struct rv_asm_row {
    const char *mnem;
    unsigned char args[7];
} rv_asm_row;

#include "rv_disasm.inc"

#include <stdarg.h>
__attribute__((format(printf, 4, 5))) static size_t put(char *buf, size_t n, size_t at, const char *fmt, ...)
{
    if (at >= n)
        return at;
    va_list ap;
    va_start(ap, fmt);
    int k = vsnprintf(buf + at, n - at, fmt, ap);
    va_end(ap);
    return k < 0 ? at : at + (size_t)k;
}

static size_t operand(char *buf, size_t n, size_t at, int kind, const eng_insn *i, uint64_t pc)
{
    switch (kind) {
    case RV_DIS_rd: return put(buf, n, at, "%s", rv_xname[i->rd & 31]);
    case RV_DIS_rs1: return put(buf, n, at, "%s", rv_xname[i->rs1 & 31]);
    case RV_DIS_rs2: return put(buf, n, at, "%s", rv_xname[i->rs2 & 31]);
    case RV_DIS_imm: return put(buf, n, at, "%" PRId32, i->imm);
    case RV_DIS_shamt: return put(buf, n, at, "%" PRId32, i->imm);
    case RV_DIS_hi20: return put(buf, n, at, "0x%" PRIx32, ((uint32_t)i->imm >> 12) & 0xfffff);
    case RV_DIS_mem: return put(buf, n, at, "%" PRId32 "(%s)", i->imm, rv_xname[i->rs1 & 31]);
    case RV_DIS_target: return put(buf, n, at, "0x%" PRIx64, pc + (uint64_t)(int64_t)i->imm);
    case RV_DIS_fence: {
        static const char *const bits = "iorw";
        unsigned pred = ((unsigned)i->imm >> 4) & 15, succ = (unsigned)i->imm & 15;
        char p[5], s[5];
        int k = 0;
        for (int b = 0; b < 4; b++)
            if (pred & (8 >> b))
                p[k++] = bits[b];
        p[k] = 0;
        k = 0;
        for (int b = 0; b < 4; b++)
            if (succ & (8 >> b))
                s[k++] = bits[b];
        s[k] = 0;
        return put(buf, n, at, "%s,%s", p, s);
    }
    default:
        return put(buf, n, at, "?");
    }
}

int rv_disasm(uint64_t pc, uint32_t raw, char *buf, size_t n)
{
    eng_insn i;
    int len = rv_decode(raw, &i);
    if (n)
        buf[0] = 0;
    if (!len)
        return 0;
    int row = rv_asm_select(&i);
    if (row < 0)
        return 0;
    const rv_asm_row *r = &rv_asm_rows[row];
    size_t at = put(buf, n, 0, "%s", r->mnem);
    for (int k = 0; k < 7 && r->args[k]; k++)
        at = operand(buf, n, put(buf, n, at, k ? "," : "\t"), r->args[k], &i, pc);
    return len;
}
