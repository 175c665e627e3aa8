/* rv_cpu: the state of one RISC-V hart (RV64GC user level) and the calls
 * the generated instruction bodies make.
 *
 * Integer registers x0..x31 plus a write sink x[32]: the decoder points every
 * integer destination that is x0 at the sink, so x[0] is always zero and the
 * bodies need no test.  FP registers hold 64 bits; single values are NaN-boxed.
 */
#ifndef VVM_RV_CPU_H
#define VVM_RV_CPU_H

#include <stdint.h>

#include "core/aspace.h"
#include "core/joinpoint.h"
#include "engine/engine.h"

#define RV_SINK 32

/* Why the run loop returned to its caller: the engine's exit kinds
 * (engine/engine.h), by their RISC-V names. */
typedef eng_exit rv_exit;
#define RV_EXIT_NONE ENG_EXIT_NONE
#define RV_EXIT_ECALL ENG_EXIT_SYSCALL          /* a7 holds the number, pc at the ecall */
#define RV_EXIT_EBREAK ENG_EXIT_BREAK           /* SIGTRAP for a process VM */
#define RV_EXIT_ILLEGAL ENG_EXIT_ILLEGAL
#define RV_EXIT_FETCH ENG_EXIT_FETCH
#define RV_EXIT_LOAD ENG_EXIT_LOAD
#define RV_EXIT_STORE ENG_EXIT_STORE
#define RV_EXIT_MISALIGNED ENG_EXIT_MISALIGNED  /* misaligned AMO/LR/SC at tval */
#define RV_EXIT_BUDGET ENG_EXIT_BUDGET
#define RV_EXIT_INTERRUPT ENG_EXIT_INTERRUPT
#define RV_EXIT_BUS ENG_EXIT_BUS

/* Rounding modes and fflags bits as the ISA numbers them. */
enum { RV_RNE = 0, RV_RTZ = 1, RV_RDN = 2, RV_RUP = 3, RV_RMM = 4, RV_DYN = 7 };
enum { RV_FLAG_NX = 1, RV_FLAG_UF = 2, RV_FLAG_OF = 4, RV_FLAG_DZ = 8, RV_FLAG_NV = 16 };

typedef struct rv_cpu rv_cpu;

/* Services a machine provides to a hart (installed by the machine VMlet). */
typedef struct rv_env_ops {
    /* csr access outside the user FP CSRs; returns 0 or -1 for illegal */
    int (*csr_read)(rv_cpu *cpu, unsigned csr, uint64_t *val);
    int (*csr_write)(rv_cpu *cpu, unsigned csr, uint64_t val);
    /* guest code in [lo,hi) may have changed (fence.i, riscv_flush_icache, mprotect) */
    void (*code_changed)(rv_cpu *cpu, uint64_t lo, uint64_t hi);
} rv_env_ops;

struct rv_cpu {
    /* the register file and FP state first: the bodies reach x[0..15] with
     * short offsets, and fflags/frm share a cache line with the engine's
     * hot fields (fp ran 3.5% slower with them after the engine's fields) */
    uint64_t x[33];
    uint64_t f[32];
    uint32_t fflags;            /* accrued exception flags (5 bits) */
    uint32_t frm;               /* dynamic rounding mode (3 bits) */
    /* For the fast arms of the FP instructions ((fast C A B) in rv64f.isa
     * and rv64d.isa, read as (state fp-own) and (state fp-rne)): fp_own is
     * 1 while the host's MXCSR holds this hart's flags (rv_fp_owner ==
     * cpu), fp_rne 1 while that holds and frm is RNE.  Kept by rv_fp.c
     * (rv_fp_refresh) wherever ownership or frm changes in a run, and
     * worked out again when a run starts. */
    uint64_t fp_own, fp_rne;
    /* pc, instret, budget, interrupt, exit, tval, memory, block cache, ...
     * (engine/engine.h), also reachable together as cpu->vcpu */
    ENG_VCPU_EMBED;

    const rv_env_ops *ops;
    void *env;                  /* the machine's per-hart context (a Linux thread, ...) */
    /* a system hart's privileged state (isa/riscv/rv_priv.h); NULL for a
     * user-mode hart (rv64-linux), for which the privileged instructions
     * and CSRs are illegal */
    struct rv_priv *priv;
};

/* The RISC-V descriptor the engine runs it by (rv_interp.c). */
extern const eng_isa rv_isa;

/* Initialises a hart on an address space; weaver may be NULL.  Returns 0,
 * or -1 when out of memory. */
int rv_cpu_init(rv_cpu *cpu, vvm_aspace *as, eng_inval *inval, const vvm_weaver *weaver);
void rv_cpu_fini(rv_cpu *cpu);

/* Runs from cpu->pc until an exit condition; returns it (also in cpu->exit).
 * The loop is the one compiled for the hart's memory model (mem_model):
 * rv_interp.c's for the flat model, rv_interp_tlb.c's for the soft TLB. */
rv_exit rv_run(rv_cpu *cpu);
rv_exit rv_interp_run_tlb(rv_cpu *cpu);
/* fence.i: every decoded block of the hart may be stale. */
void rv_fence_i(rv_cpu *cpu);
/* The privileged instructions (priv.isa, rv_priv.c): illegal on a hart
 * with no rv_priv.  mret and sret return the pc to go to. */
uint64_t rv_mret(rv_cpu *cpu);
uint64_t rv_sret(rv_cpu *cpu);
void rv_wfi(rv_cpu *cpu);
void rv_sfence_vma(rv_cpu *cpu, uint64_t rs1, uint64_t va, uint64_t rs2, uint64_t asid);

/* Leaves the run loop with a trap at the current instruction: eng_raise. */
_Noreturn void rv_raise(rv_cpu *cpu, rv_exit why, uint64_t tval);

/* Decoder, generated from isa/riscv/NAME.isa: fills *out (handler left to the
 * caller) and returns the length (2 or 4), or 0 for an illegal encoding. */
int rv_decode(uint32_t raw, eng_insn *out);

/* Instruction table, generated; flags are the engine's (ENG_OPF_*) and
 * RISC-V's own from ENG_OPF_ISA. */
typedef eng_opinfo rv_opinfo;
enum {
    RV_OPF_ENDS_BLOCK = ENG_OPF_ENDS_BLOCK,
    RV_OPF_WRITES_X = ENG_OPF_WRITES_REG,
    RV_OPF_LOAD = ENG_OPF_LOAD,
    RV_OPF_STORE = ENG_OPF_STORE,
    RV_OPF_FP = ENG_OPF_FP,
    RV_OPF_COMPRESSED = ENG_OPF_ISA,
};
extern const rv_opinfo rv_ops[];
extern const unsigned rv_nops;

/* Disassembles one instruction at pc into buf; returns its length or 0. */
int rv_disasm(uint64_t pc, uint32_t raw, char *buf, size_t n);
/* A short name for an exit kind ("load fault", ...), for traces and messages. */
const char *rv_exit_name(rv_exit why);

/* Register names (ABI) */
extern const char *const rv_xname[32];
extern const char *const rv_fname[32];

#endif
