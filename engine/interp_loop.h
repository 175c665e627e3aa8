/* engine: the threaded interpreter's loop, as a template an ISA includes.
 *
 * The dispatch loop and the instruction bodies must be one C function (the
 * bodies are labels; each ends by jumping straight to the next slot's
 * handler), so the engine's part -- dispatch through the block cache,
 * translation on a miss, chaining, the interrupt and budget check at block
 * entry, the advice trampolines, the run entry with its host fault target --
 * is written here once and included by the ISA's interpreter, which defines
 * first:
 *   ENG_CPU            its vCPU type (embeds eng_vcpu as `vcpu`, ENG_VCPU_EMBED)
 *   ENG_LABELS_INC     a file of LABEL(h) lines, one per op in op order
 *   ENG_FUSE_LIST(X)   the fused runs, X(h, ...) each, in the descriptor's order
 *   ENG_BODIES_INC     the bodies, OP(h) { ... } each
 * and includes a memory model (engine/mem_flat.h or engine/mem_tlb.h) for
 * LOAD_* and STORE_*, ENG_MEM_FIND and ENG_MEM_KEY_OK (a model defining
 * ENG_MEM_STALE also has the loop drop the blocks eng_vcpu.mem_stale says
 * are stale at a block boundary).  The
 * template is compiled once per memory model (isa/riscv/rv_loop.h).
 * The bodies may use PC, SYNC, NEXT, JUMP, JUMP_DIRECT, BRANCH,
 * BRANCH_DIRECT, END_BLOCK, `goto leave`, and the locals cpu and I.
 *
 * It defines static eng_exit eng_interp_run(ENG_CPU *cpu): runs from cpu->pc
 * until an exit condition and returns it (also in cpu->exit).
 */
#ifndef ENG_MEM_LOCALS
#error "include a memory model (engine/mem_flat.h, engine/mem_tlb.h) before engine/interp_loop.h"
#endif

#include "engine/jit.h"

#define PC (blk_pc + I->pcoff)
#define SYNC() (cpu->cur = I)
#define NEXT() do { I++; goto *I->handler; } while (0)

/* Leaving a block: go straight to the successor recorded in slot (0: taken
 * or jump, 1: fall-through) when it starts at the new pc -- for an indirect
 * jump that is a one-entry inline cache -- else look it up and record it. */
#define CHAIN(slot) \
    do { \
        eng_block *n_ = b->succ[slot]; \
        if (ENG_LIKELY(n_ && n_->pc == cpu->pc && ENG_MEM_KEY_OK(n_))) { \
            b = n_; \
            goto enter; \
        } \
        prev = b; \
        prev_slot = (slot); \
        goto dispatch; \
    } while (0)
#define JUMP(t) do { cpu->pc = (t); CHAIN(0); } while (0)
/* A pc-relative target never changes, and invalidation clears every link,
 * so a recorded successor is right without looking at its pc (but at its
 * key: the memory model's may have changed); cpu->pc is written only when
 * the block is left (enter's slow path, dispatch). */
#define CHAIN_DIRECT(slot, t) \
    do { \
        eng_block *n_ = b->succ[slot]; \
        if (ENG_LIKELY(n_ != NULL && ENG_MEM_KEY_OK(n_))) { \
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
#define OP(name) L_##name:

/* The loop proper.  Kept apart from eng_interp_run's sigsetjmp: a function
 * that calls setjmp keeps its locals in memory, which would cost every body. */
static __attribute__((noinline)) void eng_interp_loop(ENG_CPU *cpu, vvm_fault_target *ft)
{
    static const void *const tbl[] = {
#define LABEL(h) &&L_##h,
#include ENG_LABELS_INC
#undef LABEL
#define FUSE(h, ...) &&L_##h,
        ENG_FUSE_LIST(FUSE)
#undef FUSE
    };
    static const eng_handlers hs = {tbl, &&L_insn_advice, &&L_block_advice, &&L_fallthrough,
                                    &&L_jit_profile, &&L_jit_enter};
    ENG_MEM_LOCALS(cpu)
    const eng_insn *I;
    uint64_t blk_pc;
    eng_block *b, *prev = NULL;
    int prev_slot = 0;
    const eng_block *jit_from = NULL;   /* translated block left by a direct exit */
    unsigned jit_exit = 0;

    /* Invalidations are applied here only: whoever announces one also sets
     * every vCPU's interrupt flag, which makes the loop below return. */
    if (cpu->inval && eng_inval_pending(cpu->inval, &cpu->cache)) {
        uint64_t fl = cpu->cache.flushes;
        /* the jumps linked into the code of the blocks freed go with them
         * (the tier's dropping hook); a flush takes every translation */
        eng_inval_apply(cpu->inval, &cpu->cache);
        if (cpu->jit && cpu->cache.flushes != fl)
            eng_jit_forget(&cpu->vcpu, hs.jit_profile);
    }

dispatch:
    b = cpu->cache.jcache[eng_jhash(cpu->pc)];
    if (ENG_UNLIKELY(!b || b->pc != cpu->pc || !ENG_MEM_KEY_OK(b))) {
        b = ENG_MEM_FIND(cpu, cpu->pc);
        if (!b) {
            /* a run the budget (or an interrupt) ends stops before the next
             * block is decoded: a fault decoding it is the next run's */
            if (ENG_UNLIKELY(cpu->events) && (cpu->interrupt || (cpu->budget_on && cpu->budget == 0))) {
                cpu->exit = cpu->interrupt ? ENG_EXIT_INTERRUPT : ENG_EXIT_BUDGET;
                goto leave;
            }
            b = eng_translate(&cpu->vcpu, cpu->pc, ENG_MAX_BLOCK, &hs);
            if (!b)
                goto leave;
            eng_cache_insert(&cpu->cache, b);
            /* the translation tier: the first slot counts runs, then
             * enters the block's translation (not under advice, which
             * runs in the interpreter) */
            if (cpu->tier != ENG_TIER_INTERP && b->lead == 0 && b->n &&
                b->insn[0].handler != hs.insn_advice) {
                b->handler0 = b->insn[0].handler;
                b->insn[0].handler = hs.jit_profile;
            }
        }
    }
    if (prev) {
        if (prev != cpu->scratch && b != cpu->scratch)
            prev->succ[prev_slot] = b;
        prev = NULL;
    }
enter:
    /* one load on the way in: a pending interrupt or a budget */
    if (ENG_UNLIKELY(cpu->events)) {
        cpu->pc = b->pc;  /* a direct chain did not write it */
#ifdef ENG_MEM_STALE
        /* the memory model's: code was written or fence.i ran (b may be
         * one of the blocks dropped): look the pc up again */
        if (cpu->mem_stale) {
            uint64_t fl = cpu->cache.flushes;
            eng_tlb_refresh_blocks(&cpu->vcpu);
            if (cpu->inval && eng_inval_pending(cpu->inval, &cpu->cache))
                eng_inval_apply(cpu->inval, &cpu->cache);
            if (cpu->jit && cpu->cache.flushes != fl)
                eng_jit_forget(&cpu->vcpu, hs.jit_profile);
            jit_from = NULL;
            goto dispatch;
        }
#endif
        if (cpu->interrupt) {
            cpu->exit = ENG_EXIT_INTERRUPT;
            goto leave;
        }
        if (cpu->budget_on) {
            if (cpu->budget == 0) {
                cpu->exit = ENG_EXIT_BUDGET;
                goto leave;
            }
            if ((uint64_t)cpu->budget < b->n) {
                /* run exactly the instructions left: a truncated copy, not cached */
                free(cpu->scratch);
                cpu->scratch = eng_translate(&cpu->vcpu, cpu->pc, (unsigned)cpu->budget, &hs);
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

L_jit_profile:
    if (++b->hits >= (cpu->tier == ENG_TIER_JIT ? 1u : ENG_JIT_AUTO_THRESHOLD)) {
        jit_from = NULL;  /* a full cache is flushed: links made before go */
        if (eng_jit_compile(&cpu->vcpu, b, hs.jit_profile) == 0) {
            b->insn[0].handler = hs.jit_enter;
            goto L_jit_enter;
        }
        b->insn[0].handler = b->handler0;   /* stays interpreted */
    }
    goto *b->handler0;

L_jit_enter: {
    /* the translated block that left by a direct exit to this block's pc
     * jumps straight here from now on */
    if (jit_from) {
        eng_jit_link(&cpu->vcpu, jit_from, jit_exit, b);
        jit_from = NULL;
    }
    /* a superblock runs past its first block, whose instructions alone
     * the budget counted: under a budget the block runs interpreted */
    if (ENG_UNLIKELY(cpu->budget_on) && b->trace)
        goto *b->handler0;
    int r = eng_jit_entry(b->jit)(cpu);
    b = (eng_block *)(uintptr_t)cpu->cur_block;  /* the last block entered */
    int direct = r & ENG_JIT_DIRECT;
    if (direct) {
        jit_from = b;
        jit_exit = (unsigned)r >> 3;
    }
    r &= ENG_JIT_SLOT;
    if (ENG_LIKELY(r < ENG_JIT_LEAVE)) {
        /* a superblock is not in the cache: no successor is kept for it
         * (an invalidation could not clear it) */
        if (ENG_UNLIKELY(b->is_trace))
            goto dispatch;
        if (!direct) {
            /* an indirect exit the code's inline probe of the jcache missed:
             * the jcache gets the target, so that the probe finds it next
             * time (chaining by b->succ alone would leave it missing) */
            eng_block *n_ = b->succ[r];
            if (n_ && n_->pc == cpu->pc && ENG_MEM_KEY_OK(n_)) {
                cpu->cache.jcache[eng_jhash(cpu->pc)] = n_;
                b = n_;
                goto enter;
            }
            prev = b;
            prev_slot = r;
            goto dispatch;
        }
        CHAIN(r);
    }
    if (r == ENG_JIT_DISPATCH)
        goto dispatch;
    goto leave;
}

L_block_advice: {
    vvm_jp_event ev = {.jp = VVM_JP_BLOCK, .machine = cpu->machine, .vcpu = cpu, .pc = blk_pc, .n = b->n};
    ft->armed = 0;
    vvm_jp_fire(cpu->weaver, &ev);
    ft->armed = 1;
    NEXT();
}

L_insn_advice: {
    vvm_jp_event ev = {.jp = VVM_JP_INSN, .machine = cpu->machine, .vcpu = cpu, .pc = PC};
    ev.raw = eng_fetch_raw(&cpu->vcpu, ev.pc);
    ev.n = I->op;
    ft->armed = 0;
    vvm_jp_fire(cpu->weaver, &ev);
    ft->armed = 1;
    goto *tbl[I->op];
}

#include ENG_BODIES_INC

leave:
    return;
}

static eng_exit eng_interp_run(ENG_CPU *cpu)
{
    vvm_fault_target *ft = vvm_hostfault_target();
    cpu->exit = ENG_EXIT_NONE;
    cpu->budget_on = cpu->budget >= 0;
    if (ENG_UNLIKELY(cpu->tier != cpu->cache_tier)) {
        /* blocks were prepared for another tier */
        eng_cache_flush(&cpu->cache);
        cpu->cur_block = NULL;
        cpu->cur = NULL;
        cpu->cache_tier = cpu->tier;
    }
    if (sigsetjmp(cpu->fault_jmp, 0) == 0) {
        ENG_MEM_ARM(&cpu->vcpu, ft);
        eng_interp_loop(cpu, ft);
    }
    /* normal return, or eng_raise() landed here with cpu->pc, exit and tval set */
    ft->armed = 0;
    return cpu->exit;
}
