/* rv_cpu: the state of one RISC-V hart (RV64GC user level) and the calls
 * the generated instruction bodies make.
 *
 * Integer registers x0..x31 plus a write sink x[32]: the decoder points every
 * integer destination that is x0 at the sink, so x[0] is always zero and the
 * bodies need no test.  FP registers hold 64 bits; single values are NaN-boxed.
 */
#ifndef VVM_RV_CPU_H
#define VVM_RV_CPU_H

#include <setjmp.h>
#include <stdint.h>

#include "core/aspace.h"
#include "core/joinpoint.h"
#include "engine/block.h"

#define RV_SINK 32
#define RV_MAX_BLOCK 64  /* guest instructions per block */

/* Why the run loop returned to its caller. */
typedef enum rv_exit {
    RV_EXIT_NONE = 0,
    RV_EXIT_ECALL,      /* environment call: a7 holds the number, pc at the ecall */
    RV_EXIT_EBREAK,     /* breakpoint (SIGTRAP for a process VM) */
    RV_EXIT_ILLEGAL,    /* illegal instruction at pc; tval = the encoding */
    RV_EXIT_FETCH,      /* instruction fetch fault at tval */
    RV_EXIT_LOAD,       /* load access fault at tval, pc precise */
    RV_EXIT_STORE,      /* store/AMO access fault at tval, pc precise */
    RV_EXIT_MISALIGNED, /* misaligned AMO/LR/SC at tval */
    RV_EXIT_BUDGET,     /* the instruction budget ran out */
    RV_EXIT_INTERRUPT,  /* someone set cpu->interrupt (signal, exit of the group) */
    RV_EXIT_BUS,        /* access at tval to a mapped page with nothing behind it (a
                           shared mapping past the end of its file), pc precise */
} rv_exit;

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
    uint64_t x[33];
    uint64_t f[32];
    uint64_t pc;
    uint32_t fflags;            /* accrued exception flags (5 bits) */
    uint32_t frm;               /* dynamic rounding mode (3 bits) */

    uint8_t *mem;               /* host address of guest address 0 */
    uint64_t mem_limit;         /* guest addresses are < mem_limit */

    uint64_t instret;           /* retired instructions */
    int64_t budget;             /* instructions left before RV_EXIT_BUDGET; <0: none */
    /* Checked with one load at every block entry: interrupt (nonzero: leave
     * the run loop at the next block boundary) and budget_on (budget >= 0,
     * kept by rv_run). */
    union {
        struct {
            volatile int interrupt;
            int budget_on;
        };
        volatile uint64_t events;
    };

    /* LR/SC reservation */
    uint64_t res_addr, res_val;
    int res_valid;

    /* exit information */
    rv_exit exit;
    uint64_t tval;

    /* precise traps: the instruction being executed and its block */
    const eng_insn *cur;
    const eng_block *cur_block;
    sigjmp_buf fault_jmp;
    volatile int in_guest;      /* host fault handler may longjmp to fault_jmp */

    eng_cache cache;
    eng_inval *inval;           /* shared with the other harts of the address space */

    /* join points: blocks are decoded with advice trampolines while the
     * weaver has INSN or BLOCK advice (see core/joinpoint.h) */
    const vvm_weaver *weaver;
    void *machine;              /* passed to advice as ev->machine */
    vvm_aspace *as;             /* fetch permission checks */
    eng_block *scratch;         /* a truncated block run under a tight budget */

    const rv_env_ops *ops;
    void *env;                  /* the machine's per-hart context (a Linux thread, ...) */
    eng_inval own_inval;        /* `inval` of a hart initialised without a shared log */
};

/* Initialises a hart on an address space; weaver may be NULL.  Returns 0,
 * or -1 when out of memory. */
int rv_cpu_init(rv_cpu *cpu, vvm_aspace *as, eng_inval *inval, const vvm_weaver *weaver);
void rv_cpu_fini(rv_cpu *cpu);

/* Runs from cpu->pc until an exit condition; returns it (also in cpu->exit). */
rv_exit rv_run(rv_cpu *cpu);

/* Instructions retired before the one running (cpu->cur), by the engine's
 * one rule (eng_retired_before): rdinstret, rdcycle, traps and the budget
 * all count this way, with or without advice woven. */
static inline uint64_t rv_retired_now(const rv_cpu *cpu)
{
    return eng_retired_before(cpu->instret, cpu->cur_block, cpu->cur);
}

/* Leaves the run loop with a trap at the current instruction (precise:
 * cpu->pc is set from cpu->cur).  Used by helpers and the fault handler. */
_Noreturn void rv_raise(rv_cpu *cpu, rv_exit why, uint64_t tval);

/* Decoder, generated from isa/riscv/NAME.isa: fills *out (handler left to the
 * caller) and returns the length (2 or 4), or 0 for an illegal encoding. */
int rv_decode(uint32_t raw, eng_insn *out);

/* Instruction table, generated. */
typedef struct rv_opinfo {
    const char *name;
    uint32_t flags;
} rv_opinfo;
enum {
    RV_OPF_ENDS_BLOCK = 1,  /* control transfer / trap: last in a block */
    RV_OPF_WRITES_X = 2,    /* destination rd is an integer register */
    RV_OPF_LOAD = 4,
    RV_OPF_STORE = 8,
    RV_OPF_FP = 16,
    RV_OPF_COMPRESSED = 32,
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
