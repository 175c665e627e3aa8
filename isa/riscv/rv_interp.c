/* rv_interp: the threaded interpreter tier for RISC-V.
 *
 * Blocks are decoded once (rv_translate) into eng_insn arrays whose handler
 * fields are label addresses in rv_run; each body ends by jumping straight to
 * the next instruction's handler (computed goto), so the only per-instruction
 * work beyond the semantics is one indirect jump.  The bodies themselves are
 * generated from isa/riscv/NAME.isa into rv_interp.inc.
 *
 * Join points cost nothing when no advice is woven: with INSN or BLOCK advice
 * the decoder points handlers at advice trampolines instead; when the set of
 * advice changes, the machine invalidates every decoded block.
 */
#include <stdlib.h>
#include <string.h>

#include "core/hostfault.h"
#include "isa/riscv/rv_alu.h"
#include "isa/riscv/rv_cpu.h"
#include "rv_gen.h"
#include "isa/riscv/rv_amo.h"
#include "isa/riscv/rv_fp.h"

#define likely(x) __builtin_expect(!!(x), 1)
#define unlikely(x) __builtin_expect(!!(x), 0)

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

/* ---- helpers called by bodies ---- */

static inline void rv_fence(rv_cpu *cpu, uint64_t imm)
{
    (void)cpu;
    /* x86-TSO orders everything but store->load; a fence ordering earlier
     * writes before later reads needs a full barrier */
    if ((imm & 0x10) && (imm & 0x02))  /* pred includes W, succ includes R */
        __atomic_thread_fence(__ATOMIC_SEQ_CST);
    else
        __atomic_signal_fence(__ATOMIC_SEQ_CST);
}

static inline void rv_fence_i(rv_cpu *cpu)
{
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

void rv_raise(rv_cpu *cpu, rv_exit why, uint64_t tval)
{
    const eng_block *b = cpu->cur_block;
    const eng_insn *I = cpu->cur;
    if (b && I) {
        cpu->pc = b->pc + I->pcoff;
        /* the trapping instruction and those after it did not retire */
        uint64_t retired = rv_retired_now(cpu), unretired = cpu->instret - retired;
        cpu->instret = retired;
        if (cpu->budget >= 0)
            cpu->budget += (int64_t)unretired;
    }
    cpu->exit = why;
    cpu->tval = tval;
    siglongjmp(cpu->fault_jmp, 1);
}

static int on_host_fault(void *arg, uint64_t off, int is_write, int sig)
{
    rv_cpu *cpu = arg;
    /* a write to a page code was decoded from: invalidate, then retry */
    if (is_write && (vvm_aspace_page_prot(cpu->as, off) & (VVM_PAGE_CODE | VVM_PROT_W)) ==
                        (VVM_PAGE_CODE | VVM_PROT_W) && vvm_aspace_code_write(cpu->as, off, 1))
        return 1;
    /* the host's SIGBUS is the guest's: a page past the end of its file */
    rv_raise(cpu, sig == SIGBUS ? RV_EXIT_BUS : is_write ? RV_EXIT_STORE : RV_EXIT_LOAD, off);
}

int rv_cpu_init(rv_cpu *cpu, vvm_aspace *as, eng_inval *inval, const vvm_weaver *weaver)
{
    memset(cpu, 0, sizeof *cpu);
    cpu->as = as;
    cpu->mem = as->base;
    cpu->mem_limit = as->size;
    cpu->inval = inval ? inval : &cpu->own_inval;  /* a hart alone has a log of its own */
    cpu->weaver = weaver;
    cpu->budget = -1;
    if (eng_cache_init(&cpu->cache) < 0)
        return -1;
    if (inval)
        cpu->cache.inval_seen = inval->seq;
    return 0;
}

void rv_cpu_fini(rv_cpu *cpu)
{
    eng_cache_fini(&cpu->cache);
    free(cpu->scratch);
    cpu->scratch = NULL;
}

/* ---- decoding blocks ---- */

static int fetch16(rv_cpu *cpu, uint64_t a, uint16_t *out)
{
    if (a > cpu->mem_limit - 2 || !(vvm_aspace_page_prot(cpu->as, a) & VVM_PROT_X))
        return 0;
    memcpy(out, cpu->mem + a, 2);
    return 1;
}

/* Reads the encoding at pc (for advice and error messages); 0 if unfetchable. */
uint32_t rv_fetch_raw(rv_cpu *cpu, uint64_t pc)
{
    uint16_t lo, hi;
    if (!fetch16(cpu, pc, &lo))
        return 0;
    if ((lo & 3) != 3)
        return lo;
    if (!fetch16(cpu, pc + 2, &hi))
        return 0;
    return lo | (uint32_t)hi << 16;
}

enum { PSEUDO_BLOCK_ADVICE = RV_NOPS + 1, PSEUDO_FALLTHROUGH = RV_NOPS };

/* Decodes a block at pc of at most max instructions.  Returns NULL with
 * cpu->exit set when the first instruction cannot be fetched or decoded. */
static eng_block *rv_translate(rv_cpu *cpu, uint64_t pc, unsigned max, const void *const *tbl,
                               const void *insn_advice, const void *block_advice, const void *fallthrough)
{
    eng_insn tmp[RV_MAX_BLOCK + 2];
    unsigned n = 0, k = 0;
    uint64_t a = pc;
    int ended = 0;
    const vvm_weaver *w = cpu->weaver;
    int adv_insn = w && vvm_jp_woven(w, VVM_JP_INSN);
    int adv_block = w && vvm_jp_woven(w, VVM_JP_BLOCK);
    if (max > RV_MAX_BLOCK)
        max = RV_MAX_BLOCK;
    if (adv_block) {
        memset(&tmp[k], 0, sizeof tmp[k]);
        tmp[k].handler = block_advice;
        tmp[k].op = PSEUDO_BLOCK_ADVICE;
        k++;
    }
    const unsigned lead = k;
    while (n < max) {
        uint16_t lo, hi;
        uint32_t raw;
        if (!fetch16(cpu, a, &lo)) {
            if (n == 0) {
                cpu->exit = RV_EXIT_FETCH;
                cpu->tval = a;
                return NULL;
            }
            break;
        }
        raw = lo;
        if ((lo & 3) == 3) {
            if (!fetch16(cpu, a + 2, &hi)) {
                if (n == 0) {
                    cpu->exit = RV_EXIT_FETCH;
                    cpu->tval = a + 2;
                    return NULL;
                }
                break;
            }
            raw |= (uint32_t)hi << 16;
        }
        eng_insn *in = &tmp[k];
        int len = rv_decode(raw, in);
        if (len == 0) {
            if (n == 0) {
                cpu->exit = RV_EXIT_ILLEGAL;
                cpu->tval = raw;
                cpu->pc = pc;
                return NULL;
            }
            break;
        }
        uint32_t fl = rv_ops[in->op].flags;
        if ((fl & RV_OPF_WRITES_X) && in->rd == 0)
            in->rd = RV_SINK;
        in->pcoff = (uint16_t)(a - pc);
        in->handler = adv_insn ? insn_advice : tbl[in->op];
        k++;
        n++;
        a += (unsigned)len;
        if (fl & RV_OPF_ENDS_BLOCK) {
            ended = 1;
            break;
        }
    }
    /* fused runs (isa/riscv/fusion.isa), left to right, the longest that
     * matches; tbl[RV_NOPS + i] is the handler of run i.  Not under
     * instruction advice, which must see every instruction. */
    if (!adv_insn) {
        static const struct { uint16_t n, op[4]; } fuse[] = {
#define FUSE(h, n, a, b, c, d) {n, {a, b, c, d}},
            RV_FUSE_LIST(FUSE)
#undef FUSE
        };
        static const struct { uint16_t first, count; } range[RV_NOPS] = {RV_FUSE_RANGES};
        for (unsigned q = 0; q + 1 < k; q++) {
            if (tmp[q].op >= RV_NOPS)
                continue;   /* a pseudo-entry */
            unsigned f0 = range[tmp[q].op].first, f1 = f0 + range[tmp[q].op].count;
            for (unsigned f = f0; f < f1; f++) {
                unsigned j = 1;
                while (j < fuse[f].n && q + j < k && tmp[q + j].handler == tbl[fuse[f].op[j]])
                    j++;
                if (j == fuse[f].n) {
                    tmp[q].handler = tbl[RV_NOPS + f];
                    q += j - 1;
                    break;
                }
            }
        }
    }
    if (!ended) {
        memset(&tmp[k], 0, sizeof tmp[k]);
        tmp[k].handler = fallthrough;
        tmp[k].op = PSEUDO_FALLTHROUGH;
        tmp[k].pcoff = (uint16_t)(a - pc);
        k++;
    }
    eng_block *b = eng_block_new(k);
    if (!b) {
        cpu->exit = RV_EXIT_INTERRUPT;
        return NULL;
    }
    b->pc = pc;
    b->end = a;
    b->n = n;
    b->lead = (uint16_t)lead;
    /* code from writable pages: have writes to them noticed */
    for (uint64_t pg = pc & ~VVM_PAGE_MASK; pg < a; pg += VVM_PAGE)
        if (vvm_aspace_page_prot(cpu->as, pg) & VVM_PROT_W)
            vvm_aspace_mark_code(cpu->as, pg);
    memcpy(b->insn, tmp, k * sizeof tmp[0]);
    if (w && vvm_jp_woven(w, VVM_JP_TRANSLATE)) {
        vvm_jp_event ev = {.jp = VVM_JP_TRANSLATE, .machine = cpu->machine, .vcpu = cpu, .pc = pc, .n = n};
        vvm_jp_fire(w, &ev);
    }
    return b;
}

/* ---- the run loop ---- */

#define X(r) (cpu->x[(r)])
#define WX(r, v) (cpu->x[(r)] = (v))
#define F(r) (cpu->f[(r)])
#define WF(r, v) (cpu->f[(r)] = (v))
#define F32(r) ((cpu->f[(r)] >> 32) == 0xffffffffu ? (uint64_t)(uint32_t)cpu->f[(r)] : UINT64_C(0x7fc00000))
#define WF32(r, v) (cpu->f[(r)] = UINT64_C(0xffffffff00000000) | (uint32_t)(v))
#define IMM ((uint64_t)(int64_t)I->imm)
#define PC (blk_pc + I->pcoff)
#define SYNC() (cpu->cur = I)

#define GUARD(a, n, why) \
    do { \
        if (unlikely((a) > lim - (n))) \
            rv_raise(cpu, why, a); \
    } while (0)
#define LOADT(T, a) ({ uint64_t a_ = (a); GUARD(a_, sizeof(T), RV_EXIT_LOAD); T v_; memcpy(&v_, mem + a_, sizeof v_); v_; })
#define LOAD_s8(a) ((uint64_t)(int64_t)LOADT(int8_t, a))
#define LOAD_u8(a) ((uint64_t)LOADT(uint8_t, a))
#define LOAD_s16(a) ((uint64_t)(int64_t)LOADT(int16_t, a))
#define LOAD_u16(a) ((uint64_t)LOADT(uint16_t, a))
#define LOAD_s32(a) ((uint64_t)(int64_t)LOADT(int32_t, a))
#define LOAD_u32(a) ((uint64_t)LOADT(uint32_t, a))
#define LOAD_u64(a) ((uint64_t)LOADT(uint64_t, a))
#define STORET(T, a, v) do { uint64_t a_ = (a); T v_ = (T)(v); GUARD(a_, sizeof(T), RV_EXIT_STORE); memcpy(mem + a_, &v_, sizeof v_); } while (0)
#define STORE_8(a, v) STORET(uint8_t, a, v)
#define STORE_16(a, v) STORET(uint16_t, a, v)
#define STORE_32(a, v) STORET(uint32_t, a, v)
#define STORE_64(a, v) STORET(uint64_t, a, v)

/* Leaving a block: go straight to the successor recorded in slot (0: taken
 * or jump, 1: fall-through) when it starts at the new pc -- for an indirect
 * jump that is a one-entry inline cache -- else look it up and record it. */
#define CHAIN(slot) \
    do { \
        eng_block *n_ = b->succ[slot]; \
        if (likely(n_ && n_->pc == cpu->pc)) { \
            b = n_; \
            goto enter; \
        } \
        prev = b; \
        prev_slot = (slot); \
        goto dispatch; \
    } while (0)
#define NEXT() do { I++; goto *I->handler; } while (0)
#define JUMP(t) do { cpu->pc = (t); CHAIN(0); } while (0)
/* A pc-relative target never changes, and invalidation clears every link,
 * so a recorded successor is right without looking at its pc; cpu->pc is
 * written only when the block is left (enter's slow path, dispatch). */
#define CHAIN_DIRECT(slot, t) \
    do { \
        eng_block *n_ = b->succ[slot]; \
        if (likely(n_ != NULL)) { \
            b = n_; \
            goto enter; \
        } \
        cpu->pc = (t); \
        prev = b; \
        prev_slot = (slot); \
        goto dispatch; \
    } while (0)
#define JUMP_DIRECT(t) CHAIN_DIRECT(0, t)
#define BRANCH_DIRECT(c, t) \
    do { \
        if (c) \
            CHAIN_DIRECT(0, t); \
        CHAIN_DIRECT(1, PC + I->len); \
    } while (0)
#define BRANCH(c, t) \
    do { \
        if (c) { \
            cpu->pc = (t); \
            CHAIN(0); \
        } \
        cpu->pc = PC + I->len; \
        CHAIN(1); \
    } while (0)
#define END_BLOCK() do { cpu->pc = PC + I->len; CHAIN(1); } while (0)
/* An ecall retires (the system call is its effect; the kernel resumes after
 * it); any other trap leaves its instruction unretired, as rv_raise does. */
#define TRAP(why) \
    do { \
        if ((why) != RV_EXIT_ECALL) { \
            SYNC(); \
            rv_raise(cpu, why, 0); \
        } \
        cpu->pc = PC; \
        cpu->exit = (why); \
        cpu->tval = 0; \
        goto leave; \
    } while (0)
#define OP(name) L_##name:

/* The loop proper.  Kept apart from rv_run's sigsetjmp: a function that
 * calls setjmp keeps its locals in memory, which would cost every body. */
static __attribute__((noinline)) void rv_loop(rv_cpu *cpu, vvm_fault_target *ft)
{
    static const void *const tbl[] = {
#define LABEL(h) &&L_##h,
#include "rv_labels.inc"
#undef LABEL
#define FUSE(h, n, a, b, c, d) &&L_##h,
        RV_FUSE_LIST(FUSE)
#undef FUSE
    };
    uint8_t *const mem = cpu->mem;
    const uint64_t lim = cpu->mem_limit;
    const eng_insn *I;
    uint64_t blk_pc;
    eng_block *b, *prev = NULL;
    int prev_slot = 0;

    /* Invalidations are applied here only: whoever announces one also sets
     * every hart's interrupt flag, which makes the loop below return. */
    if (cpu->inval && eng_inval_pending(cpu->inval, &cpu->cache))
        eng_inval_apply(cpu->inval, &cpu->cache);

dispatch:
    b = cpu->cache.jcache[eng_jhash(cpu->pc)];
    if (unlikely(!b || b->pc != cpu->pc)) {
        b = eng_cache_find(&cpu->cache, cpu->pc);
        if (!b) {
            b = rv_translate(cpu, cpu->pc, RV_MAX_BLOCK, tbl, &&L_insn_advice, &&L_block_advice, &&L_fallthrough);
            if (!b)
                goto leave;
            eng_cache_insert(&cpu->cache, b);
        }
    }
    if (prev) {
        if (prev != cpu->scratch && b != cpu->scratch)
            prev->succ[prev_slot] = b;
        prev = NULL;
    }
enter:
    /* one load on the way in: a pending interrupt or a budget */
    if (unlikely(cpu->events)) {
        cpu->pc = b->pc;  /* a direct chain did not write it */
        if (cpu->interrupt) {
            cpu->exit = RV_EXIT_INTERRUPT;
            goto leave;
        }
        if (cpu->budget_on) {
            if (cpu->budget == 0) {
                cpu->exit = RV_EXIT_BUDGET;
                goto leave;
            }
            if ((uint64_t)cpu->budget < b->n) {
                /* run exactly the instructions left: a truncated copy, not cached */
                free(cpu->scratch);
                cpu->scratch = rv_translate(cpu, cpu->pc, (unsigned)cpu->budget, tbl, &&L_insn_advice,
                                            &&L_block_advice, &&L_fallthrough);
                if (!cpu->scratch)
                    goto leave;
                b = cpu->scratch;
            }
            cpu->budget -= b->n;
        }
    }
    cpu->instret += b->n;
    cpu->cur_block = b;
    blk_pc = b->pc;
    I = b->insn;
    goto *I->handler;

L_fallthrough:
    CHAIN_DIRECT(1, PC);

L_block_advice: {
    vvm_jp_event ev = {.jp = VVM_JP_BLOCK, .machine = cpu->machine, .vcpu = cpu, .pc = blk_pc, .n = b->n};
    ft->armed = 0;
    vvm_jp_fire(cpu->weaver, &ev);
    ft->armed = 1;
    NEXT();
}

L_insn_advice: {
    vvm_jp_event ev = {.jp = VVM_JP_INSN, .machine = cpu->machine, .vcpu = cpu, .pc = PC};
    ev.raw = rv_fetch_raw(cpu, ev.pc);
    ev.n = I->op;
    ft->armed = 0;
    vvm_jp_fire(cpu->weaver, &ev);
    ft->armed = 1;
    goto *tbl[I->op];
}

#include "rv_interp.inc"

leave:
    return;
}

rv_exit rv_run(rv_cpu *cpu)
{
    vvm_fault_target *ft = vvm_hostfault_target();
    cpu->exit = RV_EXIT_NONE;
    cpu->budget_on = cpu->budget >= 0;
    if (sigsetjmp(cpu->fault_jmp, 0) == 0) {
        ft->lo = cpu->mem;
        ft->hi = cpu->mem + cpu->mem_limit;
        ft->fn = on_host_fault;
        ft->arg = cpu;
        ft->armed = 1;
        rv_loop(cpu, ft);
    }
    /* normal return, or rv_raise() landed here with cpu->pc, exit and tval set */
    ft->armed = 0;
    rv_fp_leave(cpu);  /* fold the host's accrued FP flags into fflags */
    return cpu->exit;
}
