/* rv_interp: RISC-V's descriptor for the engine and its interpreter tier.
 *
 * The engine (engine/) translates guest code into blocks, dispatches, chains
 * and keeps precise state; this file supplies what is RISC-V: the descriptor
 * built from the generated tables (rv_gen.h), the bodies' register access
 * (X, F, NaN-boxing), the trap mapping, and the helpers the bodies call.  The
 * bodies themselves are generated from isa/riscv/NAME.isa into rv_interp.inc
 * and dispatched by the engine's loop (engine/interp_loop.h) over the flat
 * memory model (engine/mem_flat.h).
 */
#include <stdlib.h>
#include <string.h>

#include "engine/jit.h"
#include "engine/mem_flat.h"
#include "engine/mmu.h"
#include "isa/riscv/rv_alu.h"
#include "isa/riscv/rv_cpu.h"
#include "rv_gen.h"
#include "isa/riscv/rv_fp.h"
#include "engine/rtl_fp.h"
#include "isa/riscv/rv_rtl.h"

const rv_opinfo rv_ops[] = {
#define X(c, name, flags, h, mask, match, len) {name, flags},
    RV_OP_LIST(X)
#undef X
};
const unsigned rv_nops = RV_NOPS;

#include "rv_decode.inc"

int rv_decode(uint32_t raw, eng_insn *o)
{
    memset(o, 0, sizeof *o);
    return rv_decode_gen(raw, o);
}

/* ---- the descriptor ---- */

static unsigned rv_insn_len(uint32_t lo) { return (lo & 3) == 3 ? 4 : 2; }

static const eng_fuse rv_fuse[] = {
#define FUSE(h, n, a, b, c, d) {n, {a, b, c, d}},
    RV_FUSE_LIST(FUSE)
#undef FUSE
};
static const eng_fuse_range rv_fuse_range[RV_NOPS] = {RV_FUSE_RANGES};

/* The register file in the embedding API's numbering (vvm.h): x0..x31, pc,
 * f0..f31. */
#define RX(i) {"x" #i, (uint16_t)offsetof(rv_cpu, x[i]), 8, ENG_REG_INT},
#define RF(i) {"f" #i, (uint16_t)offsetof(rv_cpu, f[i]), 8, ENG_REG_FP},
#define R32(R) \
    R(0) R(1) R(2) R(3) R(4) R(5) R(6) R(7) R(8) R(9) R(10) R(11) R(12) R(13) R(14) R(15) \
    R(16) R(17) R(18) R(19) R(20) R(21) R(22) R(23) R(24) R(25) R(26) R(27) R(28) R(29) R(30) R(31)
static const eng_reg rv_regs[] = {
    R32(RX)
    {"pc", (uint16_t)offsetof(rv_cpu, pc), 8, ENG_REG_PC},
    R32(RF)
};
static const char *rv_reg_name(unsigned i)
{
    return i < 32 ? rv_xname[i] : i == 32 ? "pc" : i < 65 ? rv_fname[i - 33] : NULL;
}
#undef RX
#undef RF
#undef R32

/* By use in compiled code (gcc's and Go's, counted over the bench programs
 * and libc): sp, a0, a5, a4, ra, a1-a3, t0, t1, s0, s1, t2 */
static const uint8_t rv_hot[] = {2, 10, 15, 14, 1, 11, 12, 13, 5, 6, 8, 9, 7};

const eng_isa rv_isa = {
    .name = "riscv64",
    .rtl = &rv_rtl,
    .fetch_unit = 2,
    .max_insn_len = 4,
    .insn_len = rv_insn_len,
    .decode = rv_decode,
    .ops = rv_ops,
    .nops = RV_NOPS,
    .zero_reg = 0,
    .sink_reg = RV_SINK,
    .fuse = rv_fuse,
    .fuse_range = rv_fuse_range,
    .nfuse = RV_NFUSE,
    .regs = rv_regs,
    .nregs = sizeof rv_regs / sizeof rv_regs[0],
    .reg_name = rv_reg_name,
    .vcpu_offset = offsetof(rv_cpu, vcpu),
    .hot_regs = rv_hot,
    .nhot_regs = sizeof rv_hot,
    /* ra and t0, as the unprivileged spec's table of return-address stack
     * hints for jal and jalr has them */
    .link_regs = 1u << 1 | 1u << 5,
    .disasm = rv_disasm,
    .exit_name = rv_exit_name,
};

_Static_assert(RV_NOPS + 2 <= UINT16_MAX, "op numbers (with the engine's pseudo-entries) fit eng_insn.op");

/* ---- helpers called by bodies ---- */

void rv_fence_i(rv_cpu *cpu)
{
    if (cpu->mem_model == ENG_MEM_TLB) {
        /* this hart's blocks, at the next block boundary, without leaving the run */
        eng_mmu_fence_i(&cpu->vcpu);
        return;
    }
    /* every decoded block may be stale; the machine announces it to all
     * harts, which leave their chained blocks (cpu->interrupt) to see it */
    if (cpu->ops && cpu->ops->code_changed) {
        cpu->ops->code_changed(cpu, 0, UINT64_MAX);
    } else {
        /* through the log, applied when the loop is next entered: flushing
         * here freed the block this instruction is running from */
        eng_inval_announce(cpu->inval, 0, UINT64_MAX);
        cpu->interrupt = 1;
    }
}

/* the runtime RTL table, whose helper thunks call the helpers above */
#include "isa/riscv/rv_rtl.h"
#include "rv_rtl.inc"

void rv_raise(rv_cpu *cpu, rv_exit why, uint64_t tval) { eng_raise(&cpu->vcpu, why, tval); }

int rv_cpu_init(rv_cpu *cpu, vvm_aspace *as, eng_inval *inval, const vvm_weaver *weaver)
{
    memset(cpu, 0, sizeof *cpu);
    return eng_vcpu_init(&cpu->vcpu, &rv_isa, as, inval, weaver);
}

void rv_cpu_fini(rv_cpu *cpu) { eng_vcpu_fini(&cpu->vcpu); }

/* ---- the run loop: the engine's, with RISC-V's bodies, over the flat
 * memory model (the soft-TLB model's: rv_interp_tlb.c) ---- */

#include "isa/riscv/rv_loop.h"

/* FP traps taken often cost more than reading MXCSR (a program that clears
 * its flags in a loop pays one at its next inexact operation, each time):
 * at VVM_FP_TRAPS_LOOK traps, if they came more often than one per
 * RV_FP_TRAP_SPAN instructions, the hart leaves the mode for good and its
 * translations, which read fpt.acc, go. */
#define RV_FP_TRAP_SPAN 100000u
static void fp_trap_look(rv_cpu *cpu)
{
    eng_vcpu *v = &cpu->vcpu;
    uint64_t span = v->instret - v->fp_mark;
    v->fpt.traps = 0;
    v->fp_mark = v->instret;
    if (!v->fp_trap || span >= (uint64_t)VVM_FP_TRAPS_LOOK * RV_FP_TRAP_SPAN)
        return;
    rv_fp_leave(cpu);
    v->fp_trap = 0;
    eng_jit_drop(v);
}

rv_exit rv_run(rv_cpu *cpu)
{
    if (ENG_UNLIKELY(cpu->vcpu.fpt.traps >= VVM_FP_TRAPS_LOOK))
        fp_trap_look(cpu);
    rv_fp_refresh(cpu);  /* frm or the owner may have changed outside a run */
    /* the loop compiled for the vCPU's memory model */
    rv_exit why = ENG_LIKELY(cpu->mem_model == ENG_MEM_FLAT) ? eng_interp_run(cpu) : rv_interp_run_tlb(cpu);
    rv_fp_leave(cpu);  /* fold the host's accrued FP flags into fflags */
    return why;
}
