/* engine: translating guest code into blocks of predecoded slots.
 *
 * Fetch goes through the vCPU's memory model, decoding through the ISA's
 * descriptor; the engine adds its pseudo-slots (block advice in front, the
 * fall-through behind), matches the ISA's fused runs, has the code's pages
 * watched for writes and fires the TRANSLATE join point. */
#include <string.h>

#include "engine/engine.h"

/* Fetches the instruction at a into *raw; returns its length, or 0 with
 * *bad set to the address that could not be fetched. */
static unsigned fetch_insn(eng_vcpu *v, const eng_isa *isa, uint64_t a, uint32_t *raw, uint64_t *bad)
{
    uint32_t lo = 0, hi = 0;
    unsigned u = isa->fetch_unit;
    v->fetch_exit = ENG_EXIT_NONE;
    if (!v->mem_ops->fetch(v, a, &lo, u)) {
        *bad = a;
        return 0;
    }
    unsigned len = isa->insn_len(lo);
    if (len > u && !v->mem_ops->fetch(v, a + u, &hi, len - u)) {
        *bad = a + u;
        return 0;
    }
    *raw = lo | hi << (8 * u);
    return len;
}

uint32_t eng_fetch_raw(eng_vcpu *v, uint64_t pc)
{
    uint32_t raw;
    uint64_t bad;
    return fetch_insn(v, v->isa, pc, &raw, &bad) ? raw : 0;
}

/* Fused runs, left to right, the longest that matches; h->op[nops + i] is
 * the handler of run i.  Slots are compared by handler, so ops that share a
 * body match alike. */
static void fuse(const eng_isa *isa, eng_insn *tmp, unsigned k, const void *const *tbl)
{
    for (unsigned q = 0; q + 1 < k; q++) {
        if (tmp[q].op >= isa->nops)
            continue;   /* a pseudo-entry */
        const eng_fuse_range *r = &isa->fuse_range[tmp[q].op];
        for (unsigned f = r->first; f < r->first + r->count; f++) {
            const eng_fuse *fu = &isa->fuse[f];
            unsigned j = 1;
            while (j < fu->n && q + j < k && tmp[q + j].handler == tbl[fu->op[j]])
                j++;
            if (j == fu->n) {
                tmp[q].handler = tbl[isa->nops + f];
                q += j - 1;
                break;
            }
        }
    }
}

eng_block *eng_translate(eng_vcpu *v, uint64_t pc, unsigned max, const eng_handlers *h)
{
    const eng_isa *isa = v->isa;
    eng_insn tmp[ENG_MAX_BLOCK + 2];
    uint8_t bytes[ENG_MAX_BLOCK * 4];
    unsigned n = 0, k = 0, nbytes = 0;
    uint64_t a = pc;
    int ended = 0;
    const vvm_weaver *w = v->weaver;
    int adv_insn = w && vvm_jp_woven(w, VVM_JP_INSN);
    int adv_block = w && vvm_jp_woven(w, VVM_JP_BLOCK);
    if (max > ENG_MAX_BLOCK)
        max = ENG_MAX_BLOCK;
    if (adv_block) {
        memset(&tmp[k], 0, sizeof tmp[k]);
        tmp[k].handler = h->block_advice;
        tmp[k].op = (uint16_t)ENG_PSEUDO_BLOCK_ADVICE(isa);
        k++;
    }
    const unsigned lead = k;
    while (n < max) {
        uint32_t raw;
        uint64_t bad;
        unsigned len = fetch_insn(v, isa, a, &raw, &bad);
        if (len == 0) {
            if (n == 0) {
                v->exit = v->fetch_exit != ENG_EXIT_NONE ? v->fetch_exit : ENG_EXIT_FETCH;
                v->tval = bad;
                return NULL;
            }
            break;
        }
        eng_insn *in = &tmp[k];
        if (isa->decode(raw, in) == 0) {
            if (n == 0) {
                v->exit = ENG_EXIT_ILLEGAL;
                v->tval = raw;
                v->pc = pc;
                return NULL;
            }
            break;
        }
        uint32_t fl = isa->ops[in->op].flags;
        if ((fl & ENG_OPF_WRITES_REG) && in->r[0] == isa->zero_reg)
            in->r[0] = (uint8_t)isa->sink_reg;
        in->pcoff = (uint16_t)(a - pc);
        in->handler = adv_insn ? h->insn_advice : h->op[in->op];
        for (unsigned q = 0; q < len; q++)
            bytes[nbytes++] = (uint8_t)(raw >> (8 * q));
        k++;
        n++;
        a += len;
        if (fl & ENG_OPF_ENDS_BLOCK) {
            ended = 1;
            break;
        }
        /* on a system hart: the fall-through slot after it, whose block
         * entry sees the interrupt flag the instruction may have set */
        if ((fl & ENG_OPF_SYS_ENDS_BLOCK) && v->mem_model == ENG_MEM_TLB)
            break;
    }
    /* not under instruction advice, which must see every instruction */
    if (!adv_insn)
        fuse(isa, tmp, k, h->op);
    if (!ended) {
        memset(&tmp[k], 0, sizeof tmp[k]);
        tmp[k].handler = h->fallthrough;
        tmp[k].op = (uint16_t)ENG_PSEUDO_FALLTHROUGH(isa);
        tmp[k].pcoff = (uint16_t)(a - pc);
        k++;
    }
    unsigned keep = v->mem_ops->keep_bytes ? nbytes : 0;
    eng_block *b = eng_block_new(k, keep);
    if (!b) {
        v->exit = ENG_EXIT_INTERRUPT;
        return NULL;
    }
    b->pc = pc;
    b->end = a;
    b->n = n;
    b->lead = (uint16_t)lead;
    b->key = v->fkey;
    b->code_lo[0] = pc;
    b->code_hi[0] = a;
    v->mem_ops->code_decoded(v, b);
    memcpy(b->insn, tmp, k * sizeof tmp[0]);
    memcpy(b->insn + k, bytes, keep);
    if (w && vvm_jp_woven(w, VVM_JP_TRANSLATE)) {
        vvm_jp_event ev = {.jp = VVM_JP_TRANSLATE, .machine = v->machine, .vcpu = eng_vcpu_outer(v), .pc = pc, .n = n};
        vvm_jp_fire(w, &ev);
    }
    return b;
}
