/* rv_priv: the RISC-V privileged architecture (spec 1.12) for system harts:
 * machine, supervisor and user modes, their CSRs, traps and interrupts.
 *
 * A system hart is an rv_cpu on the engine's soft-TLB memory model
 * (engine/mmu.h) with an rv_priv (cpu->priv != NULL).  rv64-linux's harts
 * have none: for them mret, sret, wfi, sfence.vma and every CSR but the
 * user-level ones stay illegal instructions, as before.
 *
 * A machine makes one with rv_sys_init (on its eng_phys), sets cpu->pc (the
 * reset vector), may set timebase_hz, and runs it with rv_sys_run on the
 * hart's own host thread.  Devices drive its interrupt lines from any thread
 * with eng_irq_set (engine/irq.h: bits as in mip); rv_sys_halt asks it to
 * return.
 */
#ifndef VVM_RV_PRIV_H
#define VVM_RV_PRIV_H

#include <stddef.h>
#include <stdint.h>

#include "engine/irq.h"
#include "engine/mmu.h"
#include "isa/riscv/rv_cpu.h"

/* mip/mie bits */
enum {
    RV_IRQ_SSI = 1, RV_IRQ_MSI = 3, RV_IRQ_STI = 5, RV_IRQ_MTI = 7, RV_IRQ_SEI = 9, RV_IRQ_MEI = 11,
};

typedef struct rv_priv {
    unsigned priv;              /* ENG_PRIV_U, _S, _M: the current mode */
    uint64_t mstatus;           /* the writable fields (SD, UXL, SXL are added on reads) */
    uint64_t misa, mhartid;
    uint64_t medeleg, mideleg, mie;
    uint64_t mip_sw;            /* the software-writable bits of mip (SSIP, STIP, SEIP) */
    uint64_t mtvec, mscratch, mepc, mcause, mtval;
    uint64_t stvec, sscratch, sepc, scause, stval;
    uint64_t mcounteren, scounteren, mcountinhibit;
    uint64_t menvcfg, senvcfg;
    uint64_t stimecmp;
    /* a CLINT's mtimecmp for this hart, kept by the hart (rv_sys_set_mtimecmp;
     * UINT64_MAX: none): MTIP is the line OR time >= mtimecmp */
    uint64_t mtimecmp;
    uint64_t pmpcfg[8];         /* pmpcfg0, 2, ... 14 */
    uint64_t pmpaddr[64];
    uint64_t cycle_off, instret_off;    /* mcycle/minstret = retired + off */
    /* the timebase: time = (CLOCK_MONOTONIC - time_origin_ns) * timebase_hz / 1e9
     * (rv_sys_init: 10 MHz, origin at init; the machine may change both
     * before the first run and say the same in its device tree) */
    uint64_t timebase_hz, time_origin_ns;
    volatile int halt;          /* rv_sys_halt: rv_sys_run returns */
    /* the deadline the engine's timer thread kicks the hart at
     * (eng_irq_timer; UINT64_MAX: none); timer_poll: no timer thread, the
     * hart looks at the time every few thousand instructions instead */
    uint64_t timer_set;
    int timer_poll;
    int wfi;                    /* a wfi ran: sleep before going on */
    uint64_t traps, interrupts; /* statistics */
    /* a debugger's: an ebreak at a pc it set a breakpoint at is no trap
     * of the guest's (rv_sys_run returns ENG_EXIT_BREAK, the pc at it)
     * when this says so; NULL: every ebreak is the guest's */
    int (*debug_break)(void *ctx, uint64_t pc);
    void *debug_ctx;
} rv_priv;

/* Sets up cpu (not initialised before) as system hart hartid on phys
 * (inval: the log the harts on phys share, or NULL): TLB model, M mode,
 * satp Bare, mstatus 0 but UXL/SXL, misa RV64IMAFDCSU.  Returns 0 or -1. */
int rv_sys_init(rv_cpu *cpu, eng_phys *phys, eng_inval *inval, uint64_t hartid);
void rv_sys_fini(rv_cpu *cpu);
/* Runs the hart from cpu->pc, taking its traps and interrupts, until budget
 * instructions retired (budget < 0: no limit; returns ENG_EXIT_BUDGET) or
 * rv_sys_halt (returns ENG_EXIT_INTERRUPT), or an exit that is no trap of
 * the guest's (returned as it is, cpu->pc at it).  On the hart's own thread. */
rv_exit rv_sys_run(rv_cpu *cpu, int64_t budget);
/* Any thread: make rv_sys_run return (at the next block boundary, or out
 * of wfi). */
void rv_sys_halt(rv_cpu *cpu);
/* Any thread: a machine's CLINT may have the hart compare its mtimecmp
 * itself, instead of a timer thread driving the MTIP line: MTIP then reads
 * as the line OR time >= mtimecmp, the hart looks at the time while MTIE is
 * enabled (as for Sstc) and wfi sleeps until the deadline. */
void rv_sys_set_mtimecmp(rv_cpu *cpu, uint64_t mtimecmp);
/* The time CSR's value now. */
uint64_t rv_sys_time(const rv_cpu *cpu);
/* mip as the hart sees it now: the lines, the software bits, Sstc's STIP. */
uint64_t rv_sys_mip(rv_cpu *cpu);

/* A system hart's architectural state, as a machine's save and restore
 * carry it: registers, pc, fcsr, the privilege mode, every CSR that holds
 * state, satp.  Not in it: the devices' interrupt lines (the machine's
 * devices drive them again), the timebase (the machine's), an LR's
 * reservation (a restored SC fails, as after any trap). */
typedef struct rv_sys_state {
    uint64_t x[32], f[32], pc, instret, fcsr, priv;
    uint64_t mstatus, medeleg, mideleg, mie, mip_sw;
    uint64_t mtvec, mscratch, mepc, mcause, mtval;
    uint64_t stvec, sscratch, sepc, scause, stval;
    uint64_t mcounteren, scounteren, mcountinhibit, menvcfg, senvcfg, stimecmp;
    uint64_t pmpcfg[8], pmpaddr[64];
    uint64_t cycle_off, instret_off, satp;
} rv_sys_state;
/* Of a hart that does not run. */
void rv_sys_get_state(rv_cpu *cpu, rv_sys_state *s);
/* Into a hart that does not run, every value put through the checks a CSR
 * write makes (s may come from a file).  -1 (err says why) for what no
 * write could make: a privilege mode not M, S or U, a satp mode not
 * built, an odd pc. */
int rv_sys_set_state(rv_cpu *cpu, const rv_sys_state *s, char *err, size_t errlen);

/* For rv_csr.c: a system hart's CSR access (privilege and read-only checks,
 * side effects); illegal instructions raised with the instruction's bits. */
uint64_t rv_sys_csr_read(rv_cpu *cpu, unsigned csr);
void rv_sys_csr_check_write(rv_cpu *cpu, unsigned csr);
void rv_sys_csr_write(rv_cpu *cpu, unsigned csr, uint64_t v);
/* What csrrs/csrrc set or clear bits of, given the value the CSR read
 * (old): the same but for mip, whose read-modify-write sees the software
 * bits only, not the interrupt lines OR'ed into a read (the privileged
 * spec on SEIP: a csrrs mip from M mode never latches the PLIC's line). */
uint64_t rv_sys_csr_rmw_base(rv_cpu *cpu, unsigned csr, uint64_t old);

#endif
