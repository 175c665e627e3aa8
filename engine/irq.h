/* engine: interrupt lines into a vCPU, and the sleep of a waiting one.
 *
 * Devices run on host threads of their own and drive a hart's interrupt
 * lines with eng_irq_set: eng_vcpu.irq_lines holds one bit per line,
 * numbered as RISC-V's mip numbers its bits (1 SSIP, 3 MSIP, 5 STIP,
 * 7 MTIP, 9 SEIP, 11 MEIP), set and cleared atomically.  Setting or
 * clearing a line sets the vCPU's interrupt flag (the run loop leaves at
 * its next block boundary, where the ISA's system code looks at what is
 * pending and enabled) and wakes the hart's thread if it sleeps in
 * eng_wfi_wait.  The ISA decides what a line means (isa/riscv/rv_priv.c).
 */
#ifndef VVM_ENGINE_IRQ_H
#define VVM_ENGINE_IRQ_H

#include <stdint.h>

#include "engine/engine.h"

/* Raises (level != 0) or lowers line bit (0..63) of v; any thread. */
void eng_irq_set(eng_vcpu *v, unsigned bit, int level);
/* The lines now. */
static inline uint64_t eng_irq_lines(const eng_vcpu *v) { return __atomic_load_n(&v->irq_lines, __ATOMIC_ACQUIRE); }
/* Makes v's run loop stop at its next block boundary and wakes it from
 * eng_wfi_wait, changing no line (a machine asking its hart to stop). */
void eng_irq_kick(eng_vcpu *v);
/* The count of v's wake-ups (line changes and kicks).  A vCPU about to
 * sleep reads it first, then looks at what would wake it, then sleeps with
 * it (eng_wfi_wait): a wake-up after the read is never lost. */
static inline uint32_t eng_wfi_seq(const eng_vcpu *v) { return __atomic_load_n(&v->wake_seq, __ATOMIC_SEQ_CST); }
/* On v's own thread: sleeps until a line changes or a kick after seq was
 * read (eng_wfi_seq; at once if one came already), or the host's
 * CLOCK_MONOTONIC reaches deadline_ns (UINT64_MAX: none).  Returns 1 when
 * woken, 0 at the deadline. */
int eng_wfi_wait(eng_vcpu *v, uint32_t seq, uint64_t deadline_ns);
/* Clears v's interrupt flag (on v's own thread) before it looks at what is
 * pending: a kick after the clear is seen by that look or leaves the flag
 * set, never lost between the two. */
static inline void eng_irq_ack(eng_vcpu *v)
{
    v->interrupt = 0;
    __atomic_thread_fence(__ATOMIC_SEQ_CST);
}
/* Kicks v (eng_irq_kick) once CLOCK_MONOTONIC reaches deadline_ns;
 * UINT64_MAX disarms, and a later call replaces the deadline.  One host
 * thread, started on the first call, serves every vCPU, so a vCPU running
 * translated code needs no instruction budget to see its timer.  Any
 * thread; eng_vcpu_fini disarms.  Returns 0, or -1 when that thread
 * cannot be started (nothing armed: the caller watches the time itself). */
int eng_irq_timer(eng_vcpu *v, uint64_t deadline_ns);
/* CLOCK_MONOTONIC in nanoseconds. */
uint64_t eng_now_ns(void);

#endif
