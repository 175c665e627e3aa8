/* engine: the translation tier.
 *
 * A block the engine decoded (eng_translate: slots with operands) becomes
 * host code by lowering each instruction's runtime RTL tree (engine/rtl.h,
 * the ISA's table named by its descriptor) to a small linear IR (below),
 * ISA-neutral and host-neutral (engine/jit.c), and that IR to host code by
 * the host's back end (engine/host/x86_64/jit_x64.c).  Nothing restates an
 * instruction: the tree is what runs, helpers the tree calls are the
 * interpreter's own.
 *
 * A translated block is a host function  int f(void *cpu)  (cpu: the ISA's
 * vCPU).  It runs the block's instructions with the guest registers in the
 * vCPU structure, sets the pc and returns the successor slot the
 * interpreter's chaining uses (0: taken or jump, 1: fall-through), or
 * ENG_JIT_LEAVE with cpu->exit set (an ecall).  Other traps and faults leave
 * through eng_raise as the interpreter's bodies do: every instruction that
 * loads, stores, calls a helper or traps first records its slot (cpu->cur),
 * so the state a trap shows is that of the faulting instruction.
 *
 * The interpreter's loop (engine/interp_loop.h) enters a translated block
 * from its first slot, whose handler the tier points at the loop's
 * translated-code entry; the budget and interrupt check at block entry, the
 * instret count and chaining between blocks stay the loop's.
 */
#ifndef VVM_ENGINE_JIT_H
#define VVM_ENGINE_JIT_H

#include <stddef.h>
#include <stdint.h>

#include "engine/engine.h"
#include "engine/rtl.h"

/* A translated block's code starts with this header (in the code cache,
 * freed with the code): where the loop enters it, where another translated
 * block jumps in (checking the events word and counting instret as the
 * loop's block entry does), and its direct exits, whose jumps the loop
 * patches to their successor's chain entry once both are translated. */
typedef struct eng_jit_exit {
    uint64_t target;        /* guest pc the exit goes to */
    uint32_t site;          /* offset of its patchable jmp */
    uint32_t stub;          /* offset of where that jmp goes while unlinked */
} eng_jit_exit;
/* A guest access in the code: the host instruction's offset and its slot
 * (the host fault handler's way to the faulting instruction, so that
 * loads and stores need not record their slot as they run). */
typedef struct eng_jit_access {
    uint32_t off, slot;
} eng_jit_access;
typedef struct eng_jit_code {
    uint32_t entry, chain;  /* offsets from the header */
    uint32_t chain_keyed;   /* the chain entry past the memory model's key
                             * check (eng_mem_ops.link_keyed; flat: chain) */
    uint32_t nexits, naccess;
    uint32_t nswap;         /* the back end's register swaps (jit_x64.c) */
    eng_jit_exit exit[];    /* then naccess eng_jit_access, by offset, then
                             * nswap swaps of the back end's */
} eng_jit_code;
typedef int (*eng_jit_fn)(void *cpu);

/* The translated code's own jump cache: guest pc -> the host address of
 * the chain entry of that pc's translated block, direct-mapped by
 * (pc >> 1) mod 2^ENG_HJC_BITS, so that an indirect exit that hits costs one load before
 * its jump (the block cache's jcache behind it costs four).  Filled by the
 * code from a jcache hit, emptied whenever translations go (partial
 * unlinking, forgetting, a flush). */
typedef struct eng_hjc { uint64_t pc; const void *host; } eng_hjc;
#define ENG_HJC_BITS 12

/* What the code returns (cpu->cur_block is then the block that left):
 * low two bits 0 or 1, the successor slot (pc set); ENG_JIT_LEAVE, an exit
 * in cpu->exit; ENG_JIT_DISPATCH, the events word was set on a chain entry
 * (pc at that block).  ENG_JIT_DIRECT set: the exit was direct exit number
 * r >> 3 of the block, which the loop may link. */
#define ENG_JIT_SLOT 3
#define ENG_JIT_LEAVE 2
#define ENG_JIT_DISPATCH 3
#define ENG_JIT_DIRECT 4
static inline eng_jit_fn eng_jit_entry(const void *jit)
{
    const eng_jit_code *c = jit;
    return (eng_jit_fn)(uintptr_t)((const char *)jit + c->entry);
}

/* Default code cache size per vCPU (--jit-cache-size), and the number of
 * runs after which the auto tier translates a block. */
#define ENG_JIT_CACHE_DEFAULT (32u << 20)
/* The number of blocks a vCPU translates before it chooses the registers
 * its translated code keeps in host registers from their use (jit_ir.hot). */
#ifndef ENG_JIT_HOT_AFTER
#define ENG_JIT_HOT_AFTER 256
#endif
/* A superblock's limits: blocks, guest instructions, and the bytes of
 * guest code it may span (from its first instruction, forward only: the
 * superblock's code range, which an invalidation of any of its blocks
 * hits). */
#define ENG_TRACE_GROUPS 8
#define ENG_TRACE_SLOTS 128
#define ENG_TRACE_SPAN 4096
#ifndef ENG_JIT_AUTO_THRESHOLD
#define ENG_JIT_AUTO_THRESHOLD 50
#endif

/* ---- the IR ---- */

/* An operand: an immediate, a temporary of the block, or a field of the
 * ISA's vCPU (a guest register) at a byte offset. */
enum { JO_NONE, JO_IMM, JO_TMP, JO_CPU };
typedef struct jit_opnd {
    uint8_t kind;
    uint32_t n;          /* TMP: its number; CPU: byte offset */
    uint64_t imm;
} jit_opnd;

typedef enum jit_op {
    JI_MOV,      /* d = a (sub 4: the low 4 bytes into a vCPU field d; else 8) */
    JI_BIN,      /* d = a sub b; sub: RTL_ADD .. RTL_GEU (two operands) */
    JI_UN,       /* d = sub a; sub: RTL_NOT, RTL_NEG, RTL_SEXT8 .. RTL_ZEXT32, or
                  * RTL_F32: a's low half if its high half is all ones, else
                  * the canonical single NaN (the NaN-boxing rule of F32) */
    JI_SELECT,   /* d = c ? a : b (operands already computed) */
    JI_LOAD,     /* d = guest memory at a; sub: RTL_LD_* */
    JI_STORE,    /* guest memory at a = b; sub: RTL_ST_* */
    JI_ARG,      /* helper argument number sub = a */
    JI_CALL,     /* d = helper(cpu or NULL when sub is 1 (pure), the arguments) */
    JI_SYNC,     /* cpu->cur = the block's slot `slot` */
    JI_LABEL,    /* label number `label`; sub 1: the join after a fast arm,
                  * which only the out-of-line arm's JI_JMP with sub 1 jumps
                  * to (the back end may keep state across it that such a
                  * jump restores) */
    JI_JZ,       /* if a == 0 goto label */
    JI_JMP,      /* goto label */
    JI_EXIT,     /* pc = a; leave the block by successor slot sub; label
                  * JX_CALL: a call, whose return address b (an immediate)
                  * the block also leaves to by slot 1 when the callee
                  * returns; JX_RET: a return */
    JI_TRAP,     /* trap sub (RTL_TRAP_*) at the slot `slot`, whose pc is a */
    JI_FENCE,    /* keep the memory orderings sub (ENG_ORDER_*, never 0) */
    /* the RTL's atomics (engine/atomic.h), sub their word; d JO_NONE when
     * the value is not wanted */
    JI_AMO,      /* d = old value at a; memory at a = op(old, b) */
    JI_LR,       /* d = guest memory at a; the reservation is set */
    JI_SC,       /* d = 0 when b was stored at a under the reservation, else 1 */
    JI_FP,       /* d = sub(a, b, c); sub: a host FP operator (rtl_is_fp),
                  * RTL_FP_FLAGS (d only) or RTL_FP_CLEAR (nothing); label
                  * bit k (0-2): operand k is an FP register read as F32
                  * reads it (unboxed); bit 3: d is an FP register, the
                  * single result is written NaN-boxed as SET_F32 does */
} jit_op;

enum { JX_CALL = 1, JX_RET = 2 };

typedef struct jit_ins {
    uint8_t op, sub;
    uint16_t slot;
    uint32_t label;
    jit_opnd d, a, b, c;
    const rtl_helper *helper;
} jit_ins;

/* A block's IR and what the back end needs to place it. */
typedef struct jit_ir {
    jit_ins *ins;
    unsigned n, cap;
    unsigned ntmp, nlabel;
    int oom;
    /* Out-of-line code (the general arms of (fast C A B)), lowered aside
     * and appended after the block's last exit: ins[cold_at..n) once the
     * lowering is done (cold_at == n: none).  Nothing falls into it; each
     * piece starts with a label and ends with a jump back. */
    jit_ins *cold;
    unsigned ncold, coldcap;
    unsigned cold_at;
    /* When set (jit.c does while someone observes translations): the back
     * end writes where each slot's host code starts, as an offset from the
     * code's start (UINT32_MAX: the slot made no code); at index nslot,
     * where the body ends (out-of-line code follows), at nslot + 1 where
     * the code ends. */
    uint32_t *slot_off;
    unsigned nslot;
    /* the lowering's memory of each op: 0 not seen yet, 1 its tree needs
     * no slot recorded, 2 it does (a helper call or a trap) */
    uint8_t *op_sync;
    unsigned nop_sync;
    /* and of the register file: the vCPU offsets of the 8-byte integer and
     * FP registers, worked out on the first block */
    int32_t xoff[64], foff[64];
    unsigned nx, nf;
    int regs_known;
    eng_hjc *hjc;   /* the vCPU's (1 << ENG_HJC_BITS entries) */
    /* Superblocks: when trace_ok is set, the lowering goes on from the
     * block's end into the block the hot path continues with (jit.c,
     * trace_next), and grp[0..ngrp) are the blocks whose slots it took, in
     * order: slot numbers in the IR then count across them. */
    int trace_ok;
    const eng_block *grp[ENG_TRACE_GROUPS];
    unsigned ngrp;
    /* The guest integer registers the back end keeps in host registers,
     * hottest first (register numbers; nhot 0: the ISA's hot_regs).  The
     * same in every block of a code cache, since chained blocks pass them
     * along: chosen again only when the cache is empty (eng_jit_compile,
     * once, from xuse). */
    uint8_t hot[16];
    unsigned nhot;
    /* how often the blocks lowered so far name each integer register (the
     * evidence for that choice), and how many blocks that is */
    uint32_t xuse[64];
    unsigned nlowered;
    int hot_chosen;
} jit_ir;

/* ---- per-vCPU state ---- */
typedef struct eng_jit eng_jit;


/* Lowers block b to IR (ISA-neutral: the RTL and the descriptor's register
 * file), reusing ir's array (zeroed: a new one).  Returns 0, or -1 when the
 * block cannot be lowered. */
int eng_jit_lower(const eng_vcpu *v, const eng_block *b, jit_ir *ir);
void jit_ir_free(jit_ir *ir);

/* Translates b (its first slot must be a guest instruction, no advice):
 * returns 0 with b->jit set, or -1 (the block stays interpreted).  When the
 * code cache is full, every block of the vCPU forgets its translation (its
 * first slot's handler becomes `profile` again) and the cache is flushed. */
int eng_jit_compile(eng_vcpu *v, eng_block *b, const void *profile);
/* Drops the vCPU's translations (after its blocks forgot them). */
void eng_jit_fini(eng_vcpu *v);
/* In a forked child (the calling thread's vCPU, out of its run loop): the
 * code cache stayed with the parent; blocks and translations start again. */
void eng_jit_after_fork(eng_vcpu *v);
/* Links direct exit k of translated block `from` to translated block `to`
 * when that exit goes to to's pc. */
void eng_jit_link(eng_vcpu *v, const eng_block *from, unsigned k, const eng_block *to);
/* Drops every translation of the vCPU (blocks go back to counting runs)
 * and flushes its code cache: when the cache is full or the block cache
 * was flushed.  (When some blocks are freed, only the jumps linked into
 * their code go: the tier is told by the block cache's dropping hook.) */
void eng_jit_forget(eng_vcpu *v, const void *profile);
/* The same, outside a run, from the tier's own profile: what the vCPU's
 * translations assumed of it has changed (its FP trap mode) */
void eng_jit_drop(eng_vcpu *v);
/* A host fault at host_pc (uc: the signal's ucontext_t): when that is a
 * guest access in the translated code of the block running, points v->cur
 * at its slot and writes the guest registers the code keeps in host
 * registers back to the vCPU. */
void eng_jit_fault_at(eng_vcpu *v, uintptr_t host_pc, const void *uc);
/* With VVM_JIT_STATS set in the environment: prints the process's
 * translation totals (blocks, instructions, time, code bytes) on stderr. */
void eng_jit_report(void);
/* Observing translations (--trace translate, --perfmap): when the vCPU's
 * weaver has TRANSLATE advice, each block translated to host code fires the
 * TRANSLATE join point a second time, with args[0] the code's address,
 * args[1] its size in bytes, args[2] the eng_block, args[3] the uint32_t
 * offsets of jit_ir.slot_off (b->n + 2 of them) and args[4] the code's
 * entry offset.  (The interpreter's decoding fires it with
 * args[0] 0.) */

/* Code cache bytes in use and the cache's limit (0 without a cache). */
size_t eng_jit_cache_used(const eng_vcpu *v);

/* The host back end: IR to host code in the vCPU's code cache.  Returns the
 * code's address, or NULL (full: *full set; else the block cannot be
 * translated). */
struct codemem;
typedef struct jit_host_scratch jit_host_scratch;
void *jit_host_emit(const eng_vcpu *v, struct codemem *m, const eng_block *b, const jit_ir *ir,
                    jit_host_scratch **scratch, int *full);
/* The back end's working memory, kept from one block to the next (so that
 * translating a hot block allocates nothing: a fork in a multithreaded
 * guest then seldom finds an allocator lock held, which under ASan's
 * allocator the child waited for forever). */
void jit_host_scratch_free(jit_host_scratch *s);
/* From a host fault's ucontext_t inside the translated code `code`: the
 * guest registers the back end keeps in host registers, to the vCPU. */
void jit_host_fault_regs(const eng_vcpu *v, const jit_ir *ir, const eng_jit_code *code, const void *uc);
/* How many guest integer registers the back end keeps in host registers
 * (the first of jit_ir.hot). */
unsigned jit_host_npins(void);
/* Retargets the patchable jmp at site to target; 0 or -1. */
int jit_host_patch(struct codemem *m, void *site, const void *target);

#endif
