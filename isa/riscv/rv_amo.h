/* rv_amo: the A extension's helpers, called by the bodies generated from
 * isa/riscv/rv64a.isa as (call NAME addr [val]) -> rv_NAME(cpu, addr[, val]).
 *
 * Every access is a host __atomic builtin (seq_cst) on cpu->mem + addr, so
 * guest harts on different host threads are atomic with respect to each
 * other.  A misaligned address raises RV_EXIT_MISALIGNED; an address outside
 * [0, mem_limit) raises RV_EXIT_LOAD (lr) or RV_EXIT_STORE (sc, amo); a host
 * fault on an unmapped or read-only page is turned into a guest fault by the
 * host fault handler.
 *
 * LR/SC: lr records (res_addr, res_val, res_valid = access size).  SC succeeds
 * (returns 0) only when the reservation is valid, of the same size and
 * address, and a compare-and-swap from res_val to the new value succeeds;
 * otherwise it returns 1.  SC always clears the reservation.  (As in QEMU, a
 * store of the same value by another hart between LR and SC is not noticed:
 * the ABA case is allowed.)
 *
 * .w forms return the old 32-bit value sign-extended; amomin/amomax compare
 * signed, amominu/amomaxu unsigned, at the access width.
 */
#ifndef VVM_RV_AMO_H
#define VVM_RV_AMO_H
#include <stdint.h>

#include "isa/riscv/rv_cpu.h"

uint64_t rv_lr_w(rv_cpu *cpu, uint64_t addr);
uint64_t rv_lr_d(rv_cpu *cpu, uint64_t addr);
uint64_t rv_sc_w(rv_cpu *cpu, uint64_t addr, uint64_t val);
uint64_t rv_sc_d(rv_cpu *cpu, uint64_t addr, uint64_t val);

#define RV_AMO_DECL(op)                                                \
    uint64_t rv_##op##_w(rv_cpu *cpu, uint64_t addr, uint64_t val);    \
    uint64_t rv_##op##_d(rv_cpu *cpu, uint64_t addr, uint64_t val);
RV_AMO_DECL(amoswap)
RV_AMO_DECL(amoadd)
RV_AMO_DECL(amoxor)
RV_AMO_DECL(amoand)
RV_AMO_DECL(amoor)
RV_AMO_DECL(amomin)
RV_AMO_DECL(amomax)
RV_AMO_DECL(amominu)
RV_AMO_DECL(amomaxu)
#undef RV_AMO_DECL

#endif
