/* engine: the flat memory model's cold side -- fetching code, marking the
 * pages code was decoded from, and the host fault hook. */
#include "engine/jit.h"
#include "engine/mem_flat.h"

static int flat_fetch(eng_vcpu *v, uint64_t a, void *out, unsigned n)
{
    if (a > v->mem_limit - n || !(vvm_aspace_page_prot(v->as, a) & VVM_PROT_X) ||
        !(vvm_aspace_page_prot(v->as, a + n - 1) & VVM_PROT_X))
        return 0;
    memcpy(out, v->mem + a, n);
    return 1;
}

/* code from writable pages: have writes to them noticed */
static void flat_code_decoded(eng_vcpu *v, eng_block *b)
{
    for (uint64_t pg = b->pc & ~VVM_PAGE_MASK; pg < b->end; pg += VVM_PAGE)
        if (vvm_aspace_page_prot(v->as, pg) & VVM_PROT_W)
            vvm_aspace_mark_code(v->as, pg);
}

const eng_mem_ops eng_mem_flat = {"flat", flat_fetch, flat_code_decoded, 0, NULL};

static int on_host_fault(void *arg, uint64_t off, int is_write, int sig)
{
    eng_vcpu *v = arg;
    /* a write to a page code was decoded from: invalidate, then retry */
    if (is_write && (vvm_aspace_page_prot(v->as, off) & (VVM_PAGE_CODE | VVM_PROT_W)) ==
                        (VVM_PAGE_CODE | VVM_PROT_W) && vvm_aspace_code_write(v->as, off, 1))
        return 1;
    /* in translated code, the access's slot comes from the code's table */
    if (v->jit)
        eng_jit_fault_at(v, vvm_hostfault_target()->host_pc, vvm_hostfault_target()->host_uc);
    /* an instruction that stores takes a store fault even where the host
     * read first (an atomic's compare-and-swap loop starts with a load):
     * RISC-V's AMOs raise store/AMO faults */
    const eng_insn *cur = v->cur;
    if (!is_write && cur && cur->op < v->isa->nops && (v->isa->ops[cur->op].flags & ENG_OPF_STORE))
        is_write = 1;
    /* the host's SIGBUS is the guest's: a page past the end of its file */
    eng_raise(v, sig == SIGBUS ? ENG_EXIT_BUS : is_write ? ENG_EXIT_STORE : ENG_EXIT_LOAD, off);
}

void eng_mem_flat_arm(eng_vcpu *v, vvm_fault_target *ft)
{
    ft->lo = v->mem;
    ft->hi = v->mem + v->mem_limit;
    ft->fn = on_host_fault;
    ft->arg = v;
    ft->armed = 1;
}
