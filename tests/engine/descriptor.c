/* The RISC-V descriptor the engine runs by (isa/riscv/rv_interp.c) agrees
 * with the structures it describes and with the embedding API: prints
 * "ok NAME" or "not ok NAME: why" per check and "ok end" last. */
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "include/vvm/vvm.h"
#include "isa/riscv/rv_cpu.h"

static int failed;

static void check(int ok, const char *name, const char *why)
{
    if (ok) {
        printf("ok %s\n", name);
    } else {
        printf("not ok %s: %s\n", name, why);
        failed = 1;
    }
}

int main(void)
{
    const eng_isa *isa = &rv_isa;

    /* the engine's fields are one object under both names */
#define SAME(f) (offsetof(rv_cpu, f) == offsetof(rv_cpu, vcpu) + offsetof(eng_vcpu, f))
    check(offsetof(rv_cpu, vcpu) == isa->vcpu_offset && SAME(pc) && SAME(instret) && SAME(events) && SAME(cur) &&
              SAME(mem_limit) && SAME(cache) && SAME(fault_jmp),
          "vcpu-embedded", "cpu->vcpu and the anonymous fields differ");

    /* registers in vvm_reg's numbering, where rv_cpu keeps them */
    int regs_ok = isa->nregs == VVM_REG_F0 + 32;
    for (unsigned i = 0; regs_ok && i < 32; i++) {
        const eng_reg *x = &isa->regs[i], *f = &isa->regs[VVM_REG_F0 + i];
        regs_ok = x->offset == offsetof(rv_cpu, x) + 8 * i && x->size == 8 && x->kind == ENG_REG_INT &&
                  f->offset == offsetof(rv_cpu, f) + 8 * i && f->size == 8 && f->kind == ENG_REG_FP;
    }
    regs_ok = regs_ok && isa->regs[VVM_REG_PC].offset == offsetof(rv_cpu, pc) &&
              isa->regs[VVM_REG_PC].kind == ENG_REG_PC && !strcmp(isa->regs[VVM_REG_PC].name, "pc");
    check(regs_ok, "registers", "layout or numbering differs from rv_cpu / vvm.h");

    /* the op table, and pseudo-entries past it */
    int ops_ok = isa->ops == rv_ops && isa->nops == rv_nops;
    for (unsigned i = 0; ops_ok && i < isa->nops; i++)
        ops_ok = isa->ops[i].name && isa->ops[i].name[0];
    check(ops_ok && ENG_PSEUDO_FALLTHROUGH(isa) >= isa->nops && ENG_PSEUDO_BLOCK_ADVICE(isa) >= isa->nops,
          "ops", "op table incomplete");

    /* fused runs: 2 to 4 real ops each, each reached from some first op
     * (ops that share a body, c.ld and ld, share their runs) */
    int fuse_ok = isa->nfuse > 0 && isa->nfuse <= 256;
    unsigned char reached[256] = {0};
    for (unsigned op = 0; fuse_ok && op < isa->nops; op++) {
        const eng_fuse_range *r = &isa->fuse_range[op];
        fuse_ok = r->first + r->count <= isa->nfuse;
        for (unsigned f = r->first; fuse_ok && f < r->first + r->count; f++)
            reached[f] = 1;
    }
    for (unsigned f = 0; fuse_ok && f < isa->nfuse; f++) {
        const eng_fuse *fu = &isa->fuse[f];
        fuse_ok = reached[f] && fu->n >= 2 && fu->n <= 4;
        for (unsigned j = 0; fuse_ok && j < fu->n; j++)
            fuse_ok = fu->op[j] < isa->nops;
    }
    check(fuse_ok, "fusion", "a fused run is malformed or unreachable");

    /* fetch rule and decoder: addi a0,a0,1 (4 bytes), c.addi a0,1 (2),
     * an illegal all-zero parcel */
    eng_insn in;
    check(isa->fetch_unit == 2 && isa->max_insn_len == 4 && isa->insn_len(0x0513) == 4 && isa->insn_len(0x0505) == 2,
          "fetch-rule", "instruction lengths");
    int l4 = isa->decode(0x00150513, &in);
    int d4 = l4 == 4 && in.r[0] == 10 && in.r[1] == 10 && in.imm == 1 && !strcmp(isa->ops[in.op].name, "addi") &&
             (isa->ops[in.op].flags & ENG_OPF_WRITES_REG);
    int l2 = isa->decode(0x0505, &in);
    check(d4 && l2 == 2 && in.r[0] == 10 && in.imm == 1 && isa->decode(0, &in) == 0, "decode", "decoder results");

    /* the zero register's sink, disassembly, exit names */
    char buf[64];
    check(isa->zero_reg == 0 && isa->sink_reg == RV_SINK, "sink", "zero register");
    check(isa->disasm(0x1000, 0x00150513, buf, sizeof buf) == 4 && strstr(buf, "a0"), "disasm", buf);
    check(!strcmp(isa->exit_name(ENG_EXIT_LOAD), "load fault") && RV_EXIT_ECALL == ENG_EXIT_SYSCALL &&
              ENG_EXIT_BUS == 10,
          "exits", "exit kinds renumbered");
    if (!failed)
        printf("ok end\n");
    return failed;
}
