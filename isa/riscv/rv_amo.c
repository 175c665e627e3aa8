/* rv_amo: A extension helpers (see rv_amo.h). */
#include "isa/riscv/rv_amo.h"

#include <stdbool.h>

#include "engine/mmu.h"

/* Host address of an aligned, in-bounds guest access of `size` bytes. */
static inline void *amo_addr(rv_cpu *cpu, uint64_t addr, unsigned size, rv_exit fault)
{
    if (cpu->mem_model == ENG_MEM_TLB)
        return eng_tlb_atomic_at(&cpu->vcpu, addr, size, fault == RV_EXIT_LOAD ? ENG_ACC_LOAD : ENG_ACC_STORE);
    if (addr & (size - 1))
        rv_raise(cpu, RV_EXIT_MISALIGNED, addr);
    if (cpu->mem_limit < size || addr > cpu->mem_limit - size)
        rv_raise(cpu, fault, addr);
    return cpu->mem + addr;
}

#define SX32(v) ((uint64_t)(int64_t)(int32_t)(v))

/* ---- LR/SC ---- */

uint64_t rv_lr_w(rv_cpu *cpu, uint64_t addr)
{
    uint32_t *p = amo_addr(cpu, addr, 4, RV_EXIT_LOAD);
    uint32_t v = __atomic_load_n(p, __ATOMIC_SEQ_CST);
    cpu->res_addr = addr;
    cpu->res_val = v;
    cpu->res_valid = 4;
    return SX32(v);
}

uint64_t rv_lr_d(rv_cpu *cpu, uint64_t addr)
{
    uint64_t *p = amo_addr(cpu, addr, 8, RV_EXIT_LOAD);
    uint64_t v = __atomic_load_n(p, __ATOMIC_SEQ_CST);
    cpu->res_addr = addr;
    cpu->res_val = v;
    cpu->res_valid = 8;
    return v;
}

uint64_t rv_sc_w(rv_cpu *cpu, uint64_t addr, uint64_t val)
{
    uint32_t *p = amo_addr(cpu, addr, 4, RV_EXIT_STORE);
    bool ok = cpu->res_valid == 4 && cpu->res_addr == addr;
    uint32_t expect = (uint32_t)cpu->res_val;
    cpu->res_valid = 0;
    if (ok)
        ok = __atomic_compare_exchange_n(p, &expect, (uint32_t)val, false, __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST);
    return !ok;
}

uint64_t rv_sc_d(rv_cpu *cpu, uint64_t addr, uint64_t val)
{
    uint64_t *p = amo_addr(cpu, addr, 8, RV_EXIT_STORE);
    bool ok = cpu->res_valid == 8 && cpu->res_addr == addr;
    uint64_t expect = cpu->res_val;
    cpu->res_valid = 0;
    if (ok)
        ok = __atomic_compare_exchange_n(p, &expect, val, false, __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST);
    return !ok;
}

/* ---- AMOs with a host builtin ---- */

#define AMO_FETCH(name, builtin)                                                   \
    uint64_t rv_##name##_w(rv_cpu *cpu, uint64_t addr, uint64_t val)               \
    {                                                                              \
        uint32_t *p = amo_addr(cpu, addr, 4, RV_EXIT_STORE);                       \
        return SX32(builtin(p, (uint32_t)val, __ATOMIC_SEQ_CST));                  \
    }                                                                              \
    uint64_t rv_##name##_d(rv_cpu *cpu, uint64_t addr, uint64_t val)               \
    {                                                                              \
        uint64_t *p = amo_addr(cpu, addr, 8, RV_EXIT_STORE);                       \
        return builtin(p, val, __ATOMIC_SEQ_CST);                                  \
    }

AMO_FETCH(amoswap, __atomic_exchange_n)
AMO_FETCH(amoadd, __atomic_fetch_add)
AMO_FETCH(amoxor, __atomic_fetch_xor)
AMO_FETCH(amoand, __atomic_fetch_and)
AMO_FETCH(amoor, __atomic_fetch_or)

/* ---- min/max: compare-and-swap loops ---- */

#define AMO_CAS(name, T, KEEP_OLD)                                                 \
    uint64_t rv_##name##_w(rv_cpu *cpu, uint64_t addr, uint64_t val)               \
    {                                                                              \
        uint32_t *p = amo_addr(cpu, addr, 4, RV_EXIT_STORE);                       \
        uint32_t old = __atomic_load_n(p, __ATOMIC_RELAXED), nv = (uint32_t)val;   \
        for (;;) {                                                                 \
            typedef T##32_t t;                                                     \
            uint32_t want = KEEP_OLD((t)old, (t)nv) ? old : nv;                    \
            if (__atomic_compare_exchange_n(p, &old, want, false, __ATOMIC_SEQ_CST, \
                                            __ATOMIC_SEQ_CST))                     \
                return SX32(old);                                                  \
        }                                                                          \
    }                                                                              \
    uint64_t rv_##name##_d(rv_cpu *cpu, uint64_t addr, uint64_t val)               \
    {                                                                              \
        uint64_t *p = amo_addr(cpu, addr, 8, RV_EXIT_STORE);                       \
        uint64_t old = __atomic_load_n(p, __ATOMIC_RELAXED);                       \
        for (;;) {                                                                 \
            typedef T##64_t t;                                                     \
            uint64_t want = KEEP_OLD((t)old, (t)val) ? old : val;                  \
            if (__atomic_compare_exchange_n(p, &old, want, false, __ATOMIC_SEQ_CST, \
                                            __ATOMIC_SEQ_CST))                     \
                return old;                                                        \
        }                                                                          \
    }

#define KEEP_MIN(o, n) ((o) <= (n))
#define KEEP_MAX(o, n) ((o) >= (n))
AMO_CAS(amomin, int, KEEP_MIN)
AMO_CAS(amomax, int, KEEP_MAX)
AMO_CAS(amominu, uint, KEEP_MIN)
AMO_CAS(amomaxu, uint, KEEP_MAX)
