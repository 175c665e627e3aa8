/* engine: what every ISA's execution shares, and what an ISA supplies.
 *
 * The engine owns the ISA-neutral part of running guest code: the
 * translation of guest code into blocks (engine/translate.c: fetch through
 * the memory model, decode, pseudo-slots, fusion, code-page marking, the
 * TRANSLATE join point), the block cache and its invalidation
 * (engine/block.c), dispatch, chaining, the budget and interrupt checks, the
 * advice trampolines and the run entry (engine/interp_loop.h, a template an
 * ISA's interpreter includes), precise traps (eng_raise) and the one rule for
 * counting retired instructions (eng_retired_before).
 *
 * An ISA supplies an eng_isa descriptor (decoder, op table, fusion table,
 * register file layout, disassembler, exit names) and its instruction bodies;
 * its vCPU structure embeds eng_vcpu (ENG_VCPU_EMBED) so that the engine's
 * fields keep their names (cpu->pc, cpu->instret) in the ISA's and the
 * machine's code.
 */
#ifndef VVM_ENGINE_ENGINE_H
#define VVM_ENGINE_ENGINE_H

#include <setjmp.h>
#include <stddef.h>
#include <stdint.h>

#include "core/aspace.h"
#include "core/hostfault.h"
#include "core/joinpoint.h"
#include "engine/atomic.h"
#include "engine/block.h"

#define ENG_LIKELY(x) __builtin_expect(!!(x), 1)
#define ENG_UNLIKELY(x) __builtin_expect(!!(x), 0)

#define ENG_MAX_BLOCK 64    /* guest instructions per block */

/* Why the run loop returned to its caller.  The numbers are seen by advice
 * (the TRAP join point's nr), so they stay as they are. */
typedef enum eng_exit {
    ENG_EXIT_NONE = 0,
    ENG_EXIT_SYSCALL,       /* environment call (RISC-V ecall): pc at it */
    ENG_EXIT_BREAK,         /* breakpoint */
    ENG_EXIT_ILLEGAL,       /* illegal instruction at pc; tval = the encoding */
    ENG_EXIT_FETCH,         /* instruction fetch fault at tval */
    ENG_EXIT_LOAD,          /* load access fault at tval, pc precise */
    ENG_EXIT_STORE,         /* store/AMO access fault at tval, pc precise */
    ENG_EXIT_MISALIGNED,    /* misaligned access at tval */
    ENG_EXIT_BUDGET,        /* the instruction budget ran out */
    ENG_EXIT_INTERRUPT,     /* someone set interrupt (signal, exit of the group) */
    ENG_EXIT_BUS,           /* access at tval to a mapped page with nothing behind
                               it (a shared mapping past the end of its file) */
    /* the soft-TLB model's (engine/mem_tlb.h); tval: the virtual address */
    ENG_EXIT_FETCH_PAGE,    /* instruction page fault */
    ENG_EXIT_LOAD_PAGE,     /* load page fault */
    ENG_EXIT_STORE_PAGE,    /* store/AMO page fault */
    ENG_EXIT_LOAD_MISALIGNED,   /* misaligned load, when the vCPU traps them */
    ENG_EXIT_STORE_MISALIGNED,  /* misaligned store, likewise */
} eng_exit;

/* Generic op flags; an ISA's own flags start at ENG_OPF_ISA. */
enum {
    ENG_OPF_ENDS_BLOCK = 1, /* control transfer / trap: last in a block */
    ENG_OPF_WRITES_REG = 2, /* rd is an integer destination (zero-register sink fixup) */
    ENG_OPF_LOAD = 4,
    ENG_OPF_STORE = 8,
    ENG_OPF_FP = 16,
    ENG_OPF_ISA = 32,
    /* ends its block on a vCPU of the TLB model (a system hart) only: what
     * it may change (interrupt enables, satp, ...) is looked at before the
     * next instruction; on a flat vCPU it is an ordinary instruction
     * (isagen's flag system-ends-block) */
    ENG_OPF_SYS_ENDS_BLOCK = 1u << 15,
};

typedef struct eng_opinfo {
    const char *name;
    uint32_t flags;
} eng_opinfo;

/* A fused run: n consecutive ops (op[0..n-1]) whose slots dispatch, from the
 * first, to one handler (handler index nops + its position in the table). */
typedef struct eng_fuse {
    uint16_t n, op[4];
} eng_fuse;
/* The fused runs starting with one op: fuse[first .. first+count), longest first. */
typedef struct eng_fuse_range {
    uint16_t first, count;
} eng_fuse_range;

/* One architectural register: where it lives in the ISA's vCPU structure. */
enum { ENG_REG_INT, ENG_REG_FP, ENG_REG_PC };
typedef struct eng_reg {
    const char *name;
    uint16_t offset;        /* bytes from the start of the ISA's vCPU */
    uint8_t size;           /* bytes */
    uint8_t kind;           /* ENG_REG_* */
} eng_reg;

struct rtl_isa;
typedef struct eng_isa {
    const char *name;
    /* the semantics as runtime RTL (engine/rtl.h), which the translation
     * tier lowers */
    const struct rtl_isa *rtl;
    /* Fetching: code is read in units of fetch_unit bytes; insn_len tells an
     * instruction's length (at most max_insn_len, which is at most 4: the
     * encoding is handed to decode as 32 bits) from its first unit. */
    unsigned fetch_unit, max_insn_len;
    unsigned (*insn_len)(uint32_t first_unit);
    /* Fills *out (handler left to the engine) from the encoding; returns its
     * length, or 0 for an illegal encoding. */
    int (*decode)(uint32_t raw, eng_insn *out);
    const eng_opinfo *ops;
    unsigned nops;
    /* the zero register: destinations that name it go to sink_reg, so
     * bodies need no test (-1: none) */
    int zero_reg, sink_reg;
    const eng_fuse *fuse;           /* fused runs */
    const eng_fuse_range *fuse_range;   /* nops entries, indexed by first op */
    unsigned nfuse;
    const eng_reg *regs;            /* register file, in the embedding API's numbering */
    unsigned nregs;
    /* the name the assembly language gives regs[i] (RISC-V: a0, sp, ft0) */
    const char *(*reg_name)(unsigned i);
    size_t vcpu_offset;             /* offset of eng_vcpu in the ISA's vCPU */
    /* the registers compiled code uses most (indices into regs), hottest
     * first: a translation tier keeps the first few in host registers */
    const uint8_t *hot_regs;
    unsigned nhot_regs;
    /* the link registers (a bit per index into regs): a jump whose
     * instruction writes one is a call, whose return address is the next
     * instruction; one through a link register that writes none is a
     * return (the translation tier's return-address stack predicts those,
     * and checks its prediction) */
    uint64_t link_regs;
    int (*disasm)(uint64_t pc, uint32_t raw, char *buf, size_t n);
    const char *(*exit_name)(eng_exit why);
} eng_isa;

/* The memory model's cold side (the hot side, loads and stores, is a header
 * the interpreter template includes: engine/mem_flat.h, engine/mem_tlb.h).
 * A vCPU's model is chosen at run time (eng_vcpu.mem_model): the ISA
 * compiles its interpreter loop once per model and its run entry picks one;
 * the translation tier picks its lowering by mem_ops. */
typedef struct eng_vcpu eng_vcpu;
typedef struct eng_mem_ops {
    const char *name;
    /* copies n bytes of code at guest address a to out; 0 when they cannot
     * be fetched (outside memory, not executable) */
    int (*fetch)(eng_vcpu *v, uint64_t a, void *out, unsigned n);
    /* (a model whose fetch fails with another kind than ENG_EXIT_FETCH
     * returns 0 and leaves the kind in v->fetch_exit) */
    /* block b's code, [b->pc, b->end), was decoded: have writes to it
     * noticed, and say where it came from (b->code_lo, code_hi: the
     * engine sets [pc, end) first, which a model translating addresses
     * replaces) */
    void (*code_decoded)(eng_vcpu *v, eng_block *b);
    /* blocks keep their code's bytes (eng_block_bytes): the model compares
     * them with memory before it reuses a block */
    int keep_bytes;
    /* may a direct jump from block `from` to block `to` (both valid now)
     * skip to's check of its key from now on, because from's check
     * vouches for to?  (NULL: blocks have no key to check) */
    int (*link_keyed)(eng_vcpu *v, const eng_block *from, const eng_block *to);
} eng_mem_ops;

/* Memory models (eng_vcpu.mem_model). */
enum { ENG_MEM_FLAT = 0, ENG_MEM_TLB = 1 };

/* Execution tiers: the interpreter only, translate on first execution, or
 * translate what runs often (staged: engine/jit.h). */
typedef enum eng_tier { ENG_TIER_INTERP = 0, ENG_TIER_JIT, ENG_TIER_AUTO } eng_tier;

/* The engine's part of a vCPU.  Written once as a field list so that an ISA
 * can embed it both as a named member (for the engine's functions) and as
 * anonymous fields (so that cpu->pc keeps its name): ENG_VCPU_EMBED. */
#define ENG_VCPU_FIELDS \
    uint64_t pc; \
    uint64_t instret;           /* retired instructions */ \
    int64_t budget;             /* instructions left before ENG_EXIT_BUDGET; <0: none */ \
    /* Checked with one load at every block entry: interrupt (nonzero: leave \
     * the run loop at the next block boundary), budget_on (budget >= 0, \
     * kept by the run entry) and mem_stale (the TLB model: decoded blocks \
     * to drop at the next block boundary, engine/mem_tlb.h; written by the \
     * vCPU's own thread only). */ \
    union { \
        struct { \
            volatile int interrupt; \
            uint16_t budget_on; \
            uint16_t mem_stale; \
        }; \
        volatile uint64_t events; \
    }; \
    eng_exit exit; \
    uint64_t tval; \
    /* the memory model's fetch key: a block is entered only while its key \
     * (eng_block.key) is this one (the soft TLB's changes with the address \
     * space, engine/mmu.h; the flat model's is 0) */ \
    uint64_t fkey; \
    /* FP flags by trapping (core/hostfault.h): fp_trap is set (before the \
     * first run) when the machine has the SIGFPE handler and wants the \
     * mode; fpt.acc is then the host's flags raised for this vCPU, which \
     * translated code reads instead of the host's status word; fp_mark: \
     * instret when the traps were last counted from 0 */ \
    uint32_t fp_trap; \
    vvm_fptrap fpt; \
    uint64_t fp_mark; \
    /* precise traps: the instruction being executed and its block */ \
    const eng_insn *cur; \
    const eng_block *cur_block; \
    /* the memory model: the flat reservation (engine/mem_flat.h) */ \
    const eng_mem_ops *mem_ops; \
    uint8_t *mem;               /* host address of guest address 0 */ \
    uint64_t mem_limit;         /* guest addresses are < mem_limit */ \
    eng_resv res;               /* the load-reserved reservation (engine/atomic.h) */ \
    vvm_aspace *as;             /* fetch permission, code pages */ \
    const eng_isa *isa; \
    eng_block *scratch;         /* a truncated block run under a tight budget */ \
    eng_cache cache; \
    eng_inval *inval;           /* shared with the other vCPUs of the address space */ \
    eng_inval *own_inval;       /* the log of a vCPU set up without a shared one */ \
    /* join points: blocks are decoded with advice trampolines while the \
     * weaver has INSN or BLOCK advice (see core/joinpoint.h) */ \
    const vvm_weaver *weaver; \
    void *machine;              /* passed to advice as ev->machine */ \
    eng_tier tier;              /* which tier runs this vCPU's code (read at every run entry) */ \
    eng_tier cache_tier;        /* the tier the cached blocks were prepared for */ \
    /* the memory model: ENG_MEM_FLAT (mem, mem_limit above) or ENG_MEM_TLB \
     * (mmu: engine/mem_tlb.h); fetch_exit: the kind of a failed fetch */ \
    int mem_model; \
    eng_exit fetch_exit; \
    struct eng_mmu *mmu; \
    struct eng_jit *jit;        /* the translation tier's state (engine/jit.h), made on first use */ \
    size_t jit_cache_size;      /* its code cache's limit in bytes (0: the default) */ \
    sigjmp_buf fault_jmp; \
    /* interrupt lines (engine/irq.h), bits as in RISC-V's mip; set and \
     * cleared atomically by devices on any thread (eng_irq_set) */ \
    volatile uint64_t irq_lines; \
    uint32_t wake_seq;          /* futex word eng_wfi_wait sleeps on */ \
    /* the timer thread's (eng_irq_timer): when to kick, and its list */ \
    uint64_t timer_at; \
    struct eng_vcpu *timer_next; \
    int timer_listed;

struct eng_vcpu {
    ENG_VCPU_FIELDS
};

/* In an ISA's vCPU structure: the engine's fields, reachable as cpu->vcpu
 * and, with the same layout, as cpu->pc, cpu->instret, ...  The ISA's code
 * uses the names and hands &cpu->vcpu only to the engine's functions, which
 * are compiled apart: a compiler may take the two views for different
 * objects when one function mixes them. */
#define ENG_VCPU_EMBED \
    union { \
        eng_vcpu vcpu; \
        struct { \
            ENG_VCPU_FIELDS \
        }; \
    }

/* Sets up the engine's part of a vCPU (zeroed by the caller) on an address
 * space with the flat memory model (as NULL: no memory until the vCPU is
 * put on another model, eng_vcpu_use_tlb in engine/mem_tlb.h); weaver may be NULL, and so may inval (a
 * vCPU alone on its address space gets an invalidation log of its own).  Returns 0, or -1
 * when out of memory. */
int eng_vcpu_init(eng_vcpu *v, const eng_isa *isa, vvm_aspace *as, eng_inval *inval, const vvm_weaver *weaver);
void eng_vcpu_fini(eng_vcpu *v);

/* The ISA's vCPU structure around v (what advice sees as ev->vcpu). */
static inline void *eng_vcpu_outer(eng_vcpu *v) { return (char *)v - v->isa->vcpu_offset; }

/* Instructions retired before the one running (cur), by the one rule
 * (eng_retired_before): rdinstret, rdcycle, traps and the budget all count
 * this way, with or without advice woven.  For an eng_vcpu or an ISA's vCPU
 * alike (see ENG_VCPU_EMBED). */
#define ENG_RETIRED_NOW(c) eng_retired_before((c)->instret, (c)->cur_block, (c)->cur)

/* Leaves the run loop with a trap at the current instruction (precise: pc
 * from the block and slot, instret and budget rolled back to the
 * instructions that retired).  Used by helpers and the fault handler. */
_Noreturn void eng_raise(eng_vcpu *v, eng_exit why, uint64_t tval);

/* Handlers a translated slot can dispatch to: op[i] for op i (then the
 * fused runs), and the engine's pseudo-slots. */
typedef struct eng_handlers {
    const void *const *op;
    const void *insn_advice, *block_advice, *fallthrough;
    /* the translation tier's stand-ins for a block's first slot: count the
     * runs (and translate), enter the translated code */
    const void *jit_profile, *jit_enter;
} eng_handlers;

/* Pseudo-entries' op numbers: past the ISA's ops. */
#define ENG_PSEUDO_FALLTHROUGH(isa) ((isa)->nops)
#define ENG_PSEUDO_BLOCK_ADVICE(isa) ((isa)->nops + 1)

/* Decodes a block at pc of at most max guest instructions.  Returns NULL
 * with v->exit set when the first instruction cannot be fetched or decoded
 * (or memory ran out). */
eng_block *eng_translate(eng_vcpu *v, uint64_t pc, unsigned max, const eng_handlers *h);

/* Reads the encoding at pc (for advice and error messages); 0 if unfetchable. */
uint32_t eng_fetch_raw(eng_vcpu *v, uint64_t pc);

#endif
