/* engine: the soft-TLB memory model, as the run loop sees it (the model,
 * its physical memory and the translation context: engine/mmu.h).
 *
 * Gives the interpreter template (engine/interp_loop.h) what
 * engine/mem_flat.h gives: ENG_MEM_LOCALS, ENG_MEM_ARM, LOAD_* and STORE_*,
 * ENG_MEM_FIND and ENG_MEM_KEY_OK (blocks keyed by virtual pc and fetch
 * key), and ENG_MEM_STALE (the loop drops stale blocks at a block
 * boundary).  A
 * load or store probes the vCPU's TLB for its kind in line (index by VPN,
 * compare the tag, add the entry's addend) and calls the slow path on a
 * miss.
 */
#ifndef VVM_ENGINE_MEM_TLB_H
#define VVM_ENGINE_MEM_TLB_H

#include <string.h>

#include "core/hostfault.h"
#include "engine/atomic.h"
#include "engine/mmu.h"

static inline void eng_mmu_arm(eng_vcpu *v, vvm_fault_target *ft)
{
    /* RAM is host memory that is always there: no host faults to map */
    ft->lo = ft->hi = NULL;
    ft->fn = NULL;
    ft->armed = 0;
}

#define ENG_MEM_LOCALS(cpu) eng_mmu *const mmu = (cpu)->mmu;
#define ENG_MEM_ARM(v, ft) eng_mmu_arm(v, ft)
/* the loop drops stale blocks at a block boundary (engine/interp_loop.h) */
#define ENG_MEM_STALE 1
/* a block is entered only under the fetch key it was found valid under
 * (engine/mmu.h) */
#define ENG_MEM_FIND(cpu, pc) eng_tlb_find_block(&(cpu)->vcpu, pc)
#define ENG_MEM_KEY_OK(b) ((b)->key == cpu->fkey)

/* The tag an access of n bytes at a must match: the page of its last byte
 * (a page-crossing access misses), with a's low bits when misaligned
 * accesses trap (a misaligned one misses). */
#define ENG_TLB_CMP(a, n) ((((a) + (n) - 1) & ~(uint64_t)4095) | ((a) & ((n) - 1) & mmu->align_mask))
#define ENG_TLB_ENT(k, a) (&mmu->cur[k][((a) >> 12) & (ENG_TLB_SIZE - 1)])

#define ENG_TLB_LOADT(T, a) \
    ({ \
        uint64_t a_ = (a); \
        const eng_tlb_entry *e_ = ENG_TLB_ENT(ENG_ACC_LOAD, a_); \
        T v_; \
        if (ENG_LIKELY(e_->tag == ENG_TLB_CMP(a_, sizeof(T)))) \
            memcpy(&v_, (const void *)(e_->addend + a_), sizeof v_); \
        else \
            v_ = (T)eng_tlb_load_slow(&cpu->vcpu, a_, sizeof(T)); \
        v_; \
    })
#define ENG_TLB_STORET(T, a, v) \
    do { \
        uint64_t a_ = (a); \
        T v_ = (T)(v); \
        eng_tlb_entry *e_ = ENG_TLB_ENT(ENG_ACC_STORE, a_); \
        if (ENG_LIKELY(e_->tag == ENG_TLB_CMP(a_, sizeof(T)))) \
            memcpy((void *)(e_->addend + a_), &v_, sizeof v_); \
        else \
            eng_tlb_store_slow(&cpu->vcpu, a_, sizeof(T), (uint64_t)v_); \
    } while (0)

#define LOAD_s8(a) ((uint64_t)(int64_t)ENG_TLB_LOADT(int8_t, a))
#define LOAD_u8(a) ((uint64_t)ENG_TLB_LOADT(uint8_t, a))
#define LOAD_s16(a) ((uint64_t)(int64_t)ENG_TLB_LOADT(int16_t, a))
#define LOAD_u16(a) ((uint64_t)ENG_TLB_LOADT(uint16_t, a))
#define LOAD_s32(a) ((uint64_t)(int64_t)ENG_TLB_LOADT(int32_t, a))
#define LOAD_u32(a) ((uint64_t)ENG_TLB_LOADT(uint32_t, a))
#define LOAD_u64(a) ((uint64_t)ENG_TLB_LOADT(uint64_t, a))
#define STORE_8(a, v) ENG_TLB_STORET(uint8_t, a, v)
#define STORE_16(a, v) ENG_TLB_STORET(uint16_t, a, v)
#define STORE_32(a, v) ENG_TLB_STORET(uint32_t, a, v)
#define STORE_64(a, v) ENG_TLB_STORET(uint64_t, a, v)

/* The atomics (engine/atomic.h) on the host address of RAM the TLB gives
 * (misaligned first; an atomic on a device is an access fault) */
#define AMO(w, a, v) \
    ({ \
        uint64_t aa_ = (a), av_ = (v); \
        eng_amo((w), eng_tlb_atomic_at(&cpu->vcpu, aa_, eng_amo_size(w), ENG_ACC_STORE), av_); \
    })
#define LOAD_RESERVED(w, a) \
    ({ \
        uint64_t la_ = (a); \
        eng_load_reserved(&cpu->res, eng_lrsc_size(w), \
                          eng_tlb_atomic_at(&cpu->vcpu, la_, eng_lrsc_size(w), ENG_ACC_LOAD), la_); \
    })
#define STORE_CONDITIONAL(w, a, v) \
    ({ \
        uint64_t sa_ = (a), sv_ = (v); \
        eng_store_conditional(&cpu->res, eng_lrsc_size(w), \
                              eng_tlb_atomic_at(&cpu->vcpu, sa_, eng_lrsc_size(w), ENG_ACC_STORE), sa_, sv_); \
    })

#endif
