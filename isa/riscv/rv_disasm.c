/* rv_disasm: the disassembler, driven by the rows isagen derives from each
 * instruction's (asm ...) clause and its aliases.  Only the printing of each
 * operand kind is written here, as objdump (binutils 2.40) prints it.
 *
 * Every kind the .isa files use (RV_DIS_KINDS in the generated rv_gen.h) must
 * have a printer dis_KIND below: the printer table is built from that list, so
 * a new kind without one is a compile error, never a silent "?". */
#include "isa/riscv/rv_disasm.h"

#include <inttypes.h>
#include <stdarg.h>
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
    RV_DIS_NKINDS
};

typedef struct rv_asm_row {
    const char *mnem;
    unsigned char args[7];
} rv_asm_row;

#include "rv_disasm.inc"

/* ---- CSR names (objdump's, from the privileged spec's CSR listing) ---- */

typedef struct csr_range {
    uint16_t csr;
    uint8_t count;  /* 1: name as is; N: name + decimal index from `first` */
    uint8_t first;
    const char *name, *suffix;
} csr_range;

static const csr_range csr_names[] = {
    {0x001, 1, 0, "fflags", ""}, {0x002, 1, 0, "frm", ""}, {0x003, 1, 0, "fcsr", ""},
    {0x008, 1, 0, "vstart", ""}, {0x009, 1, 0, "vxsat", ""}, {0x00a, 1, 0, "vxrm", ""},
    {0x00f, 1, 0, "vcsr", ""}, {0x015, 1, 0, "seed", ""},
    {0x100, 1, 0, "sstatus", ""}, {0x104, 1, 0, "sie", ""}, {0x105, 1, 0, "stvec", ""},
    {0x106, 1, 0, "scounteren", ""}, {0x10a, 1, 0, "senvcfg", ""}, {0x10c, 4, 0, "sstateen", ""},
    {0x114, 1, 0, "sieh", ""}, {0x140, 1, 0, "sscratch", ""}, {0x141, 1, 0, "sepc", ""},
    {0x142, 1, 0, "scause", ""}, {0x143, 1, 0, "stval", ""}, {0x144, 1, 0, "sip", ""},
    {0x14d, 1, 0, "stimecmp", ""}, {0x150, 1, 0, "siselect", ""}, {0x151, 1, 0, "sireg", ""},
    {0x154, 1, 0, "siph", ""}, {0x15c, 1, 0, "stopei", ""}, {0x15d, 1, 0, "stimecmph", ""},
    {0x180, 1, 0, "satp", ""},
    {0x200, 1, 0, "vsstatus", ""}, {0x204, 1, 0, "vsie", ""}, {0x205, 1, 0, "vstvec", ""},
    {0x214, 1, 0, "vsieh", ""}, {0x240, 1, 0, "vsscratch", ""}, {0x241, 1, 0, "vsepc", ""},
    {0x242, 1, 0, "vscause", ""}, {0x243, 1, 0, "vstval", ""}, {0x244, 1, 0, "vsip", ""},
    {0x24d, 1, 0, "vstimecmp", ""}, {0x250, 1, 0, "vsiselect", ""}, {0x251, 1, 0, "vsireg", ""},
    {0x254, 1, 0, "vsiph", ""}, {0x25c, 1, 0, "vstopei", ""}, {0x25d, 1, 0, "vstimecmph", ""},
    {0x280, 1, 0, "vsatp", ""},
    {0x300, 1, 0, "mstatus", ""}, {0x301, 1, 0, "misa", ""}, {0x302, 1, 0, "medeleg", ""},
    {0x303, 1, 0, "mideleg", ""}, {0x304, 1, 0, "mie", ""}, {0x305, 1, 0, "mtvec", ""},
    {0x306, 1, 0, "mcounteren", ""}, {0x308, 1, 0, "mvien", ""}, {0x309, 1, 0, "mvip", ""},
    {0x30a, 1, 0, "menvcfg", ""}, {0x30c, 4, 0, "mstateen", ""}, {0x310, 1, 0, "mstatush", ""},
    {0x313, 1, 0, "midelegh", ""}, {0x314, 1, 0, "mieh", ""}, {0x318, 1, 0, "mvienh", ""},
    {0x319, 1, 0, "mviph", ""}, {0x31a, 1, 0, "menvcfgh", ""}, {0x31c, 4, 0, "mstateen", "h"},
    {0x320, 1, 0, "mcountinhibit", ""}, {0x323, 29, 3, "mhpmevent", ""},
    {0x340, 1, 0, "mscratch", ""}, {0x341, 1, 0, "mepc", ""}, {0x342, 1, 0, "mcause", ""},
    {0x343, 1, 0, "mtval", ""}, {0x344, 1, 0, "mip", ""}, {0x34a, 1, 0, "mtinst", ""},
    {0x34b, 1, 0, "mtval2", ""}, {0x350, 1, 0, "miselect", ""}, {0x351, 1, 0, "mireg", ""},
    {0x354, 1, 0, "miph", ""}, {0x35c, 1, 0, "mtopei", ""}, {0x3a0, 16, 0, "pmpcfg", ""},
    {0x3b0, 64, 0, "pmpaddr", ""}, {0x5a8, 1, 0, "scontext", ""},
    {0x600, 1, 0, "hstatus", ""}, {0x602, 1, 0, "hedeleg", ""}, {0x603, 1, 0, "hideleg", ""},
    {0x604, 1, 0, "hie", ""}, {0x605, 1, 0, "htimedelta", ""}, {0x606, 1, 0, "hcounteren", ""},
    {0x607, 1, 0, "hgeie", ""}, {0x608, 1, 0, "hvien", ""}, {0x609, 1, 0, "hvictl", ""},
    {0x60a, 1, 0, "henvcfg", ""}, {0x60c, 4, 0, "hstateen", ""}, {0x613, 1, 0, "hidelegh", ""},
    {0x615, 1, 0, "htimedeltah", ""}, {0x618, 1, 0, "hvienh", ""}, {0x61a, 1, 0, "henvcfgh", ""},
    {0x61c, 4, 0, "hstateen", "h"}, {0x643, 1, 0, "htval", ""}, {0x644, 1, 0, "hip", ""},
    {0x645, 1, 0, "hvip", ""}, {0x646, 1, 0, "hviprio1", ""}, {0x647, 1, 0, "hviprio2", ""},
    {0x64a, 1, 0, "htinst", ""}, {0x655, 1, 0, "hviph", ""}, {0x656, 1, 0, "hviprio1h", ""},
    {0x657, 1, 0, "hviprio2h", ""}, {0x680, 1, 0, "hgatp", ""}, {0x6a8, 1, 0, "hcontext", ""},
    {0x723, 29, 3, "mhpmevent", "h"}, {0x747, 1, 0, "mseccfg", ""}, {0x757, 1, 0, "mseccfgh", ""},
    {0x7a0, 1, 0, "tselect", ""}, {0x7a1, 3, 1, "tdata", ""}, {0x7a4, 1, 0, "tinfo", ""},
    {0x7a5, 1, 0, "tcontrol", ""}, {0x7a8, 1, 0, "mcontext", ""}, {0x7aa, 1, 0, "mscontext", ""},
    {0x7b0, 1, 0, "dcsr", ""}, {0x7b1, 1, 0, "dpc", ""}, {0x7b2, 2, 0, "dscratch", ""},
    {0xb00, 1, 0, "mcycle", ""}, {0xb02, 1, 0, "minstret", ""}, {0xb03, 29, 3, "mhpmcounter", ""},
    {0xb80, 1, 0, "mcycleh", ""}, {0xb82, 1, 0, "minstreth", ""}, {0xb83, 29, 3, "mhpmcounter", "h"},
    {0xc00, 1, 0, "cycle", ""}, {0xc01, 1, 0, "time", ""}, {0xc02, 1, 0, "instret", ""},
    {0xc03, 29, 3, "hpmcounter", ""}, {0xc20, 1, 0, "vl", ""}, {0xc21, 1, 0, "vtype", ""},
    {0xc22, 1, 0, "vlenb", ""}, {0xc80, 1, 0, "cycleh", ""}, {0xc81, 1, 0, "timeh", ""},
    {0xc82, 1, 0, "instreth", ""}, {0xc83, 29, 3, "hpmcounter", "h"},
    {0xda0, 1, 0, "scountovf", ""}, {0xdb0, 1, 0, "stopi", ""}, {0xe12, 1, 0, "hgeip", ""},
    {0xeb0, 1, 0, "vstopi", ""}, {0xf11, 1, 0, "mvendorid", ""}, {0xf12, 1, 0, "marchid", ""},
    {0xf13, 1, 0, "mimpid", ""}, {0xf14, 1, 0, "mhartid", ""}, {0xf15, 1, 0, "mconfigptr", ""},
    {0xfb0, 1, 0, "mtopi", ""},
};

const char *rv_csr_name(unsigned csr)
{
    static _Thread_local char buf[32];
    for (size_t k = 0; k < sizeof csr_names / sizeof csr_names[0]; k++) {
        const csr_range *r = &csr_names[k];
        if (csr < r->csr || csr >= (unsigned)r->csr + r->count)
            continue;
        if (r->count == 1)
            return r->name;
        snprintf(buf, sizeof buf, "%s%u%s", r->name, r->first + (csr - r->csr), r->suffix);
        return buf;
    }
    return NULL;
}

/* ---- operand printers ---- */

typedef struct out {
    char *buf;
    size_t n, at;
} out;

__attribute__((format(printf, 2, 3))) static void put(out *o, const char *fmt, ...)
{
    if (o->at >= o->n)
        return;
    va_list ap;
    va_start(ap, fmt);
    int k = vsnprintf(o->buf + o->at, o->n - o->at, fmt, ap);
    va_end(ap);
    if (k > 0)
        o->at = o->at + (size_t)k < o->n ? o->at + (size_t)k : o->n - 1;
}

typedef struct dis_ctx {
    const eng_insn *i;
    uint64_t pc;
    uint32_t raw;
    rv_dis_info *info;
} dis_ctx;

/* A printer writes one operand; it may write nothing (an optional operand
 * such as the default rounding mode), and then no separator is printed. */
typedef void (*dis_fn)(out *o, const dis_ctx *c);

/* DIS(kind): an operand after a comma.  SUFFIX(kind): part of the mnemonic
 * (".aqrl").  Both may be unused while no .isa file names the kind yet. */
#define PRINTER(k) __attribute__((unused)) static void dis_##k(out *o, const dis_ctx *c)
#define DIS(k) enum { suffix_##k = 0 }; PRINTER(k)
#define SUFFIX(k) enum { suffix_##k = 1 }; PRINTER(k)

static const char *const rm_names[8] = {"rne", "rtz", "rdn", "rup", "rmm", "unknown", "unknown", "dyn"};

DIS(rd) { put(o, "%s", rv_xname[c->i->r[0] & 31]); }
DIS(rs1) { put(o, "%s", rv_xname[c->i->r[1] & 31]); }
DIS(rs2) { put(o, "%s", rv_xname[c->i->r[2] & 31]); }
DIS(rs3) { put(o, "%s", rv_xname[c->i->r[3] & 31]); }
DIS(fd) { put(o, "%s", rv_fname[c->i->r[0] & 31]); }
DIS(fs1) { put(o, "%s", rv_fname[c->i->r[1] & 31]); }
DIS(fs2) { put(o, "%s", rv_fname[c->i->r[2] & 31]); }
DIS(fs3) { put(o, "%s", rv_fname[c->i->r[3] & 31]); }
DIS(imm) { put(o, "%" PRId32, c->i->imm); }
DIS(shamt) { put(o, "0x%" PRIx32, (uint32_t)c->i->imm); }
/* lui/auipc: the upper 20 bits */
DIS(hi20) { put(o, "0x%" PRIx32, ((uint32_t)c->i->imm >> 12) & 0xfffff); }
DIS(mem) { put(o, "%" PRId32 "(%s)", c->i->imm, rv_xname[c->i->r[1] & 31]); }
/* the address operand of an AMO / LR / SC */
DIS(amem) { put(o, "(%s)", rv_xname[c->i->r[1] & 31]); }
/* the 5-bit immediate of csrrwi & co., in the rs1 slot */
DIS(zimm) { put(o, "%u", c->i->r[1] & 31u); }
DIS(uimm) { put(o, "%u", c->i->r[1] & 31u); }
DIS(csr)
{
    unsigned csr = (uint32_t)c->i->imm & 0xfff;
    const char *name = rv_csr_name(csr);
    if (name)
        put(o, "%s", name);
    else
        put(o, "0x%x", csr);
}
/* rounding mode: printed only when it is not the dynamic one */
DIS(rm)
{
    if ((c->i->aux & 7) != RV_DYN)
        put(o, "%s", rm_names[c->i->aux & 7]);
}
/* the whole encoding, for the encodings objdump shows as ".4byte 0x..." */
DIS(raw) { put(o, "0x%" PRIx32, c->raw); }
DIS(target)
{
    uint64_t t = c->pc + (uint64_t)(int64_t)c->i->imm;
    put(o, "%" PRIx64, t);
    if (c->info) {
        c->info->has_target = 1;
        c->info->target = t;
    }
}
/* pred,succ of a fence: i o r w; objdump calls an empty set "unknown" */
DIS(fence)
{
    for (int half = 0; half < 2; half++) {
        unsigned set = ((uint32_t)c->i->imm >> (half ? 0 : 4)) & 15;
        if (half)
            put(o, ",");
        if (!set)
            put(o, "unknown");
        for (int b = 0; b < 4; b++)
            if (set & (8u >> b))
                put(o, "%c", "iorw"[b]);
    }
}
/* aq/rl of an AMO, LR or SC (rm holds bits 26..25) */
SUFFIX(aqrl)
{
    static const char *const s[4] = {"", ".rl", ".aq", ".aqrl"};
    put(o, "%s", s[c->i->aux & 3]);
}

/* The table: a compile error here names a kind with no printer above. */
static const struct {
    dis_fn fn;
    int suffix;
} printers[RV_DIS_NKINDS] = {
#define X(k) [RV_DIS_##k] = {dis_##k, suffix_##k},
    RV_DIS_KINDS(X)
#undef X
};

int rv_disasm_ex(uint64_t pc, uint32_t raw, char *buf, size_t n, rv_dis_info *info)
{
    eng_insn i;
    out o = {buf, n, 0};
    if (n)
        buf[0] = 0;
    if (info)
        memset(info, 0, sizeof *info);
    int len = rv_decode(raw, &i);
    int row = len ? rv_asm_select(&i, raw) : -1;
    if (row < 0) {
        /* Two illegal 16-bit encodings objdump names: the defined-illegal
         * c.unimp, and c.addi16sp with a zero immediate (reserved; vvm traps
         * on it, objdump 2.40 shows it as the addi it would be). */
        static const char *const named[2] = {"unimp", "add\tsp,sp,0"};
        int k = (raw & 3) == 3 ? -1 : (raw & 0xffff) == 0 ? 0 : (raw & 0xffff) == 0x6101 ? 1 : -1;
        if (k < 0)
            return 0;
        put(&o, "%s", named[k]);
        if (info)
            info->len = 2;
        return 2;
    }
    dis_ctx c = {&i, pc, len == 2 ? raw & 0xffff : raw, info};
    const rv_asm_row *r = &rv_asm_rows[row];
    put(&o, "%s", r->mnem);
    for (int k = 0; k < 7 && r->args[k]; k++)
        if (printers[r->args[k]].suffix)
            printers[r->args[k]].fn(&o, &c);
    int first = 1;
    for (int k = 0; k < 7 && r->args[k]; k++) {
        if (printers[r->args[k]].suffix)
            continue;
        size_t mark = o.at;
        put(&o, first ? "\t" : ",");
        size_t start = o.at;
        printers[r->args[k]].fn(&o, &c);
        if (o.at == start) {  /* an operand that is not shown: no separator */
            o.at = mark;
            if (n)
                buf[mark < n ? mark : n - 1] = 0;
        } else {
            first = 0;
        }
    }
    if (info)
        info->len = len;
    return len;
}

int rv_disasm(uint64_t pc, uint32_t raw, char *buf, size_t n)
{
    return rv_disasm_ex(pc, raw, buf, n, NULL);
}

const char *rv_exit_name(rv_exit why)
{
    static const char *const names[] = {
        [RV_EXIT_NONE] = "none",
        [RV_EXIT_ECALL] = "ecall",
        [RV_EXIT_EBREAK] = "breakpoint",
        [RV_EXIT_ILLEGAL] = "illegal instruction",
        [RV_EXIT_FETCH] = "fetch fault",
        [RV_EXIT_LOAD] = "load fault",
        [RV_EXIT_STORE] = "store fault",
        [RV_EXIT_MISALIGNED] = "misaligned access",
        [RV_EXIT_BUDGET] = "budget",
        [RV_EXIT_INTERRUPT] = "interrupt",
        [RV_EXIT_BUS] = "bus error",
        [ENG_EXIT_FETCH_PAGE] = "instruction page fault",
        [ENG_EXIT_LOAD_PAGE] = "load page fault",
        [ENG_EXIT_STORE_PAGE] = "store page fault",
        [ENG_EXIT_LOAD_MISALIGNED] = "misaligned load",
        [ENG_EXIT_STORE_MISALIGNED] = "misaligned store",
    };
    return (unsigned)why < sizeof names / sizeof names[0] && names[why] ? names[why] : "trap";
}
