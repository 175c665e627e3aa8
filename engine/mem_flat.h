/* engine: the flat memory model, as the run loop sees it.
 *
 * Guest memory is one host reservation: guest address a is host address
 * mem + a for a < mem_limit; guest permissions are the host's page
 * protections, so a denied access is a host fault, which the host fault
 * handler (core/hostfault) turns into a precise guest trap.  The loop checks
 * only the bound.
 *
 * A memory model gives the interpreter template (engine/interp_loop.h):
 *   ENG_MEM_LOCALS(cpu)    the loop's locals it keeps in registers
 *   ENG_MEM_ARM(v, ft)     host fault target setup for the run
 *   LOAD_s8 .. LOAD_u64(a), STORE_8 .. STORE_64(a, v)   what bodies call
 *   AMO(w, a, v), LOAD_RESERVED(w, a), STORE_CONDITIONAL(w, a, v)
 *                          the atomics (engine/atomic.h; w: the RTL word)
 *   ENG_MEM_FIND(cpu, pc)  the block to run at pc, or NULL
 *   ENG_MEM_KEY_OK(b)      may block b be entered (eng_block.key)?
 * and its cold side through eng_mem_ops (fetch, code marking).  The
 * soft-TLB model (engine/mem_tlb.h, the system VM's) provides the same
 * names; the loop is compiled once per model.
 */
#ifndef VVM_ENGINE_MEM_FLAT_H
#define VVM_ENGINE_MEM_FLAT_H

#include <string.h>

#include "core/hostfault.h"
#include "engine/engine.h"

extern const eng_mem_ops eng_mem_flat;

/* Arms the calling thread's host fault target for v's memory. */
void eng_mem_flat_arm(eng_vcpu *v, vvm_fault_target *ft);

#define ENG_MEM_LOCALS(cpu) \
    uint8_t *const mem = (cpu)->mem; \
    const uint64_t lim = (cpu)->mem_limit;
#define ENG_MEM_ARM(v, ft) eng_mem_flat_arm(v, ft)
/* blocks are keyed by pc alone: their key is always 0 */
#define ENG_MEM_FIND(cpu, pc) eng_cache_find(&(cpu)->cache, pc)
#define ENG_MEM_KEY_OK(b) 1

#define ENG_MEM_GUARD(a, n, why) \
    do { \
        if (ENG_UNLIKELY((a) > lim - (n))) \
            eng_raise(&cpu->vcpu, why, a); \
    } while (0)
#define ENG_LOADT(T, a) ({ uint64_t a_ = (a); ENG_MEM_GUARD(a_, sizeof(T), ENG_EXIT_LOAD); T v_; memcpy(&v_, mem + a_, sizeof v_); v_; })
#define ENG_STORET(T, a, v) do { uint64_t a_ = (a); T v_ = (T)(v); ENG_MEM_GUARD(a_, sizeof(T), ENG_EXIT_STORE); memcpy(mem + a_, &v_, sizeof v_); } while (0)

#define LOAD_s8(a) ((uint64_t)(int64_t)ENG_LOADT(int8_t, a))
#define LOAD_u8(a) ((uint64_t)ENG_LOADT(uint8_t, a))
#define LOAD_s16(a) ((uint64_t)(int64_t)ENG_LOADT(int16_t, a))
#define LOAD_u16(a) ((uint64_t)ENG_LOADT(uint16_t, a))
#define LOAD_s32(a) ((uint64_t)(int64_t)ENG_LOADT(int32_t, a))
#define LOAD_u32(a) ((uint64_t)ENG_LOADT(uint32_t, a))
#define LOAD_u64(a) ((uint64_t)ENG_LOADT(uint64_t, a))
#define STORE_8(a, v) ENG_STORET(uint8_t, a, v)
#define STORE_16(a, v) ENG_STORET(uint16_t, a, v)
#define STORE_32(a, v) ENG_STORET(uint32_t, a, v)
#define STORE_64(a, v) ENG_STORET(uint64_t, a, v)

/* The host address of an atomic access: misaligned first, then the bound
 * (the access itself is engine/atomic.h's) */
#define ENG_ATOMIC_AT(a, n, why) \
    ({ \
        uint64_t at_ = (a); \
        if (ENG_UNLIKELY(at_ & ((n) - 1))) \
            eng_raise(&cpu->vcpu, ENG_EXIT_MISALIGNED, at_); \
        ENG_MEM_GUARD(at_, (n), why); \
        (void *)(mem + at_); \
    })
#define AMO(w, a, v) \
    ({ uint64_t av_ = (v); eng_amo((w), ENG_ATOMIC_AT(a, eng_amo_size(w), ENG_EXIT_STORE), av_); })
#define LOAD_RESERVED(w, a) \
    ({ \
        uint64_t la_ = (a); \
        eng_load_reserved(&cpu->res, eng_lrsc_size(w), ENG_ATOMIC_AT(la_, eng_lrsc_size(w), ENG_EXIT_LOAD), la_); \
    })
#define STORE_CONDITIONAL(w, a, v) \
    ({ \
        uint64_t sa_ = (a), sv_ = (v); \
        eng_store_conditional(&cpu->res, eng_lrsc_size(w), ENG_ATOMIC_AT(sa_, eng_lrsc_size(w), ENG_EXIT_STORE), \
                              sa_, sv_); \
    })

#endif
