/* engine: a vCPU's engine state and precise traps. */
#include <stdlib.h>

#include "engine/jit.h"
#include "engine/irq.h"
#include "engine/mem_flat.h"
#include "engine/mmu.h"

int eng_vcpu_init(eng_vcpu *v, const eng_isa *isa, vvm_aspace *as, eng_inval *inval, const vvm_weaver *weaver)
{
    v->isa = isa;
    v->mem_ops = &eng_mem_flat;
    v->mem_model = ENG_MEM_FLAT;
    v->as = as;
    v->mem = as ? as->base : NULL;
    v->mem_limit = as ? as->size : 0;
    v->weaver = weaver;
    v->budget = -1;
    if (!inval && !(inval = v->own_inval = calloc(1, sizeof *inval)))
        return -1;
    v->inval = inval;
    if (eng_cache_init(&v->cache) < 0)
        return -1;
    v->cache.inval_seen = inval->seq;
    return 0;
}

void eng_vcpu_fini(eng_vcpu *v)
{
    /* (only its own thread arms its timer; the timer thread only unlists) */
    if (__atomic_load_n(&v->timer_listed, __ATOMIC_ACQUIRE))
        eng_irq_timer(v, UINT64_MAX);
    eng_cache_fini(&v->cache);
    eng_jit_fini(v);
    free(v->own_inval);
    v->own_inval = NULL;
    free(v->scratch);
    v->scratch = NULL;
    if (v->mmu)
        eng_phys_leave(v->mmu->phys);
    free(v->mmu);
    v->mmu = NULL;
}

void eng_raise(eng_vcpu *v, eng_exit why, uint64_t tval)
{
    const eng_block *b = v->cur_block;
    const eng_insn *I = v->cur;
    if (b && I) {
        v->pc = b->pc + I->pcoff;
        /* the trapping instruction and those after it did not retire */
        uint64_t retired = ENG_RETIRED_NOW(v), unretired = v->instret - retired;
        v->instret = retired;
        if (v->budget >= 0)
            v->budget += (int64_t)unretired;
    }
    v->exit = why;
    v->tval = tval;
    siglongjmp(v->fault_jmp, 1);
}
