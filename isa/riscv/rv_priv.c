/* rv_priv: the RISC-V privileged architecture for system harts (rv_priv.h):
 * the machine and supervisor CSRs, mret/sret/wfi/sfence.vma, traps with
 * delegation, interrupts from the engine's lines (engine/irq.h) and Sstc's
 * stimecmp, and the run loop around the engine's (rv_sys_run), which turns
 * every exit of the interpreter into a trap at the right privilege.
 * Written from the RISC-V privileged specification, version 1.12.
 */
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "isa/riscv/rv_fp.h"
#include "isa/riscv/rv_priv.h"

/* ---- mstatus ---- */
#define MS_SIE (UINT64_C(1) << 1)
#define MS_MIE (UINT64_C(1) << 3)
#define MS_SPIE (UINT64_C(1) << 5)
#define MS_UBE (UINT64_C(1) << 6)
#define MS_MPIE (UINT64_C(1) << 7)
#define MS_SPP (UINT64_C(1) << 8)
#define MS_VS (UINT64_C(3) << 9)
#define MS_MPP_SHIFT 11
#define MS_MPP (UINT64_C(3) << MS_MPP_SHIFT)
#define MS_FS (UINT64_C(3) << 13)
#define MS_XS (UINT64_C(3) << 15)
#define MS_MPRV (UINT64_C(1) << 17)
#define MS_SUM (UINT64_C(1) << 18)
#define MS_MXR (UINT64_C(1) << 19)
#define MS_TVM (UINT64_C(1) << 20)
#define MS_TW (UINT64_C(1) << 21)
#define MS_TSR (UINT64_C(1) << 22)
#define MS_UXL (UINT64_C(3) << 32)
#define MS_SXL (UINT64_C(3) << 34)
#define MS_SD (UINT64_C(1) << 63)
/* what M mode writes; what the sstatus view shows and writes */
#define MSTATUS_W (MS_SIE | MS_MIE | MS_SPIE | MS_MPIE | MS_SPP | MS_MPP | MS_FS | MS_MPRV | MS_SUM | MS_MXR | MS_TVM | MS_TW | MS_TSR)
#define SSTATUS_R (MS_SIE | MS_SPIE | MS_UBE | MS_SPP | MS_VS | MS_FS | MS_XS | MS_SUM | MS_MXR | MS_UXL | MS_SD)
#define SSTATUS_W (MS_SIE | MS_SPIE | MS_SPP | MS_FS | MS_SUM | MS_MXR)

#define IRQ(n) (UINT64_C(1) << (n))
#define S_IRQS (IRQ(RV_IRQ_SSI) | IRQ(RV_IRQ_STI) | IRQ(RV_IRQ_SEI))
#define ALL_IRQS (S_IRQS | IRQ(RV_IRQ_MSI) | IRQ(RV_IRQ_MTI) | IRQ(RV_IRQ_MEI))
/* exceptions medeleg can delegate: all but ecall from M (11) and the
 * reserved 10 and 14 */
#define MEDELEG_W UINT64_C(0xb3ff)
#define ENVCFG_FIOM UINT64_C(1)
#define MENVCFG_STCE (UINT64_C(1) << 63)
#define COUNTEREN_TM 2u

enum {
    CSR_FFLAGS = 0x001, CSR_FRM = 0x002, CSR_FCSR = 0x003,
    CSR_SSTATUS = 0x100, CSR_SIE = 0x104, CSR_STVEC = 0x105, CSR_SCOUNTEREN = 0x106, CSR_SENVCFG = 0x10a,
    CSR_SSCRATCH = 0x140, CSR_SEPC = 0x141, CSR_SCAUSE = 0x142, CSR_STVAL = 0x143, CSR_SIP = 0x144,
    CSR_STIMECMP = 0x14d, CSR_SATP = 0x180,
    CSR_MSTATUS = 0x300, CSR_MISA = 0x301, CSR_MEDELEG = 0x302, CSR_MIDELEG = 0x303, CSR_MIE = 0x304,
    CSR_MTVEC = 0x305, CSR_MCOUNTEREN = 0x306, CSR_MENVCFG = 0x30a, CSR_MCOUNTINHIBIT = 0x320,
    CSR_MSCRATCH = 0x340, CSR_MEPC = 0x341, CSR_MCAUSE = 0x342, CSR_MTVAL = 0x343, CSR_MIP = 0x344,
    CSR_MCYCLE = 0xb00, CSR_MINSTRET = 0xb02,
    CSR_CYCLE = 0xc00, CSR_TIME = 0xc01, CSR_INSTRET = 0xc02,
    CSR_MVENDORID = 0xf11, CSR_MARCHID = 0xf12, CSR_MIMPID = 0xf13, CSR_MHARTID = 0xf14, CSR_MCONFIGPTR = 0xf15,
};

/* misa: MXL 2 (RV64) and I M A F D C S U.  (Zicsr, Zifencei, Zba, Zbb and
 * Zbs, which the .isa files implement too, have no misa bit.) */
#define MISA_RV64 ((UINT64_C(2) << 62) | (1u << ('I' - 'A')) | (1u << ('M' - 'A')) | (1u << ('A' - 'A')) | \
                   (1u << ('F' - 'A')) | (1u << ('D' - 'A')) | (1u << ('C' - 'A')) | (1u << ('S' - 'A')) | \
                   (1u << ('U' - 'A')))

#define SLICE 16384     /* instructions between looks at the timers without a timer thread */

static _Noreturn void illegal(rv_cpu *cpu) { rv_raise(cpu, RV_EXIT_ILLEGAL, 0); }

/* ---- time and mip ---- */

static uint64_t timebase(const rv_priv *p) { return p->timebase_hz ? p->timebase_hz : 10000000; }

uint64_t rv_sys_time(const rv_cpu *cpu)
{
    const rv_priv *p = cpu->priv;
    uint64_t now = eng_now_ns(), d = now > p->time_origin_ns ? now - p->time_origin_ns : 0;
    return (uint64_t)((unsigned __int128)d * timebase(p) / 1000000000u);
}

/* the host time at which time reaches t */
static uint64_t time_deadline(const rv_priv *p, uint64_t t)
{
    uint64_t hz = timebase(p);
    unsigned __int128 ns = ((unsigned __int128)t * 1000000000u + hz - 1) / hz;
    ns += p->time_origin_ns;
    return ns > UINT64_MAX - 1 ? UINT64_MAX - 1 : (uint64_t)ns;
}

static int sstc_on(const rv_priv *p) { return (p->menvcfg & MENVCFG_STCE) != 0; }
static uint64_t mtimecmp(const rv_priv *p) { return __atomic_load_n(&p->mtimecmp, __ATOMIC_ACQUIRE); }

/* A timer the hart itself must watch: Sstc's (STIE enabled), the CLINT's
 * comparator (MTIE enabled).  timer_deadline: the nearest one's host
 * time, UINT64_MAX for none. */
static int timer_armed(const rv_priv *p)
{
    return (sstc_on(p) && (p->mie & IRQ(RV_IRQ_STI))) ||
           (mtimecmp(p) != UINT64_MAX && (p->mie & IRQ(RV_IRQ_MTI)));
}
static uint64_t time_deadline(const rv_priv *p, uint64_t t);
static uint64_t timer_deadline(const rv_priv *p)
{
    uint64_t d = UINT64_MAX, m = mtimecmp(p);
    if (sstc_on(p) && (p->mie & IRQ(RV_IRQ_STI)))
        d = time_deadline(p, p->stimecmp);
    if (m != UINT64_MAX && (p->mie & IRQ(RV_IRQ_MTI))) {
        uint64_t dm = time_deadline(p, m);
        d = dm < d ? dm : d;
    }
    return d;
}

/* The engine's timer thread kicks the hart at the nearest deadline of the
 * timers it watches (so translated code chains freely, with no instruction
 * budget); on the hart's thread, whenever a deadline may have changed. */
static void timer_sync(rv_cpu *cpu)
{
    rv_priv *p = cpu->priv;
    uint64_t d = timer_armed(p) ? timer_deadline(p) : UINT64_MAX;
    if (d == p->timer_set || p->timer_poll)
        return;
    if (eng_irq_timer(&cpu->vcpu, d) < 0)
        p->timer_poll = 1;
    else
        p->timer_set = d;
}

void rv_sys_set_mtimecmp(rv_cpu *cpu, uint64_t v)
{
    __atomic_store_n(&cpu->priv->mtimecmp, v, __ATOMIC_RELEASE);
    eng_irq_kick(&cpu->vcpu);
}

uint64_t rv_sys_mip(rv_cpu *cpu)
{
    rv_priv *p = cpu->priv;
    uint64_t mip = (eng_irq_lines(&cpu->vcpu) & ALL_IRQS) | p->mip_sw;
    uint64_t m = mtimecmp(p);
    if (m != UINT64_MAX && rv_sys_time(cpu) >= m)
        mip |= IRQ(RV_IRQ_MTI);
    if (sstc_on(p)) {
        mip &= ~IRQ(RV_IRQ_STI);
        if (rv_sys_time(cpu) >= p->stimecmp)
            mip |= IRQ(RV_IRQ_STI);
    }
    return mip;
}

/* Something became pending and enabled: leave the run loop at the next
 * block boundary, where rv_sys_run takes it. */
static void resched(rv_cpu *cpu)
{
    if (rv_sys_mip(cpu) & cpu->priv->mie)
        cpu->interrupt = 1;
}

/* ---- the translation context ---- */

static void sync_mmu(rv_cpu *cpu)
{
    rv_priv *p = cpu->priv;
    unsigned data = p->priv;
    if (p->mstatus & MS_MPRV)
        data = (unsigned)(p->mstatus >> MS_MPP_SHIFT) & 3;
    eng_mmu_set_priv(&cpu->vcpu, data, p->priv);
    eng_mmu_set_status(&cpu->vcpu, (p->mstatus & MS_SUM) != 0, (p->mstatus & MS_MXR) != 0);
}

/* ---- traps ---- */

static uint64_t tvec_target(uint64_t tvec, uint64_t cause, int intr)
{
    uint64_t base = tvec & ~UINT64_C(3);
    return (intr && (tvec & 3) == 1) ? base + 4 * cause : base;
}

static void take_trap(rv_cpu *cpu, uint64_t cause, int intr, uint64_t tval)
{
    rv_priv *p = cpu->priv;
    uint64_t deleg = intr ? p->mideleg : p->medeleg;
    uint64_t xcause = cause | (intr ? UINT64_C(1) << 63 : 0);
    p->traps++;
    if (intr)
        p->interrupts++;
    cpu->res.size = 0;      /* an LR's reservation does not survive a trap */
    if (p->priv <= ENG_PRIV_S && cause < 64 && ((deleg >> cause) & 1)) {
        p->scause = xcause;
        p->sepc = cpu->pc;
        p->stval = tval;
        uint64_t s = p->mstatus & ~(MS_SPP | MS_SPIE | MS_SIE);
        if (p->priv == ENG_PRIV_S)
            s |= MS_SPP;
        if (p->mstatus & MS_SIE)
            s |= MS_SPIE;
        p->mstatus = s;
        p->priv = ENG_PRIV_S;
        cpu->pc = tvec_target(p->stvec, cause, intr);
    } else {
        p->mcause = xcause;
        p->mepc = cpu->pc;
        p->mtval = tval;
        uint64_t s = p->mstatus & ~(MS_MPP | MS_MPIE | MS_MIE);
        s |= (uint64_t)p->priv << MS_MPP_SHIFT;
        if (p->mstatus & MS_MIE)
            s |= MS_MPIE;
        p->mstatus = s;
        p->priv = ENG_PRIV_M;
        cpu->pc = tvec_target(p->mtvec, cause, intr);
    }
    sync_mmu(cpu);
}

/* The interrupt to take now, or -1: pending and enabled, by the global
 * enables of the privilege it goes to, in the spec's priority order. */
static int pick_irq(rv_cpu *cpu)
{
    static const int order[] = {RV_IRQ_MEI, RV_IRQ_MSI, RV_IRQ_MTI, RV_IRQ_SEI, RV_IRQ_SSI, RV_IRQ_STI};
    rv_priv *p = cpu->priv;
    uint64_t pend = rv_sys_mip(cpu) & p->mie;
    if (!pend)
        return -1;
    uint64_t m = pend & ~p->mideleg, s = pend & p->mideleg, take = 0;
    if (m && (p->priv < ENG_PRIV_M || (p->mstatus & MS_MIE)))
        take = m;
    else if (s && (p->priv < ENG_PRIV_S || (p->priv == ENG_PRIV_S && (p->mstatus & MS_SIE))))
        take = s;
    for (unsigned i = 0; take && i < sizeof order / sizeof order[0]; i++)
        if (take & IRQ(order[i]))
            return order[i];
    return -1;
}

/* the instruction at pc, for an illegal instruction's tval */
static uint64_t insn_bits(rv_cpu *cpu, uint64_t pc)
{
    uint32_t raw = eng_fetch_raw(&cpu->vcpu, pc);
    return (raw & 3) == 3 ? raw : (raw & 0xffff);
}

/* An exit of the engine's loop as the exception it is (cause, tval), or -1
 * for an exit that is none. */
static int exit_cause(rv_cpu *cpu, rv_exit why, uint64_t *tval)
{
    rv_priv *p = cpu->priv;
    *tval = cpu->tval;
    switch (why) {
    case ENG_EXIT_SYSCALL: *tval = 0; return p->priv == ENG_PRIV_M ? 11 : p->priv == ENG_PRIV_S ? 9 : 8;
    case ENG_EXIT_BREAK: *tval = cpu->pc; return 3;
    case ENG_EXIT_ILLEGAL: *tval = insn_bits(cpu, cpu->pc); return 2;
    case ENG_EXIT_FETCH: return 1;
    case ENG_EXIT_LOAD: return 5;
    case ENG_EXIT_STORE: return 7;
    case ENG_EXIT_BUS: return 5;
    case ENG_EXIT_MISALIGNED: return 6;     /* an AMO (LR's would be 4: not told apart) */
    case ENG_EXIT_LOAD_MISALIGNED: return 4;
    case ENG_EXIT_STORE_MISALIGNED: return 6;
    case ENG_EXIT_FETCH_PAGE: return 12;
    case ENG_EXIT_LOAD_PAGE: return 13;
    case ENG_EXIT_STORE_PAGE: return 15;
    default: return -1;
    }
}

/* Sleeps until an interrupt is pending and enabled in mie (whatever the
 * global enables say) or the hart is halted.  The wake-up count is read
 * before the look at the lines, so a line raised after the look wakes the
 * sleep (engine/irq.h). */
static void wfi_sleep(rv_cpu *cpu)
{
    rv_priv *p = cpu->priv;
    for (;;) {
        uint32_t seq = eng_wfi_seq(&cpu->vcpu);
        eng_irq_ack(&cpu->vcpu);
        if (__atomic_load_n(&p->halt, __ATOMIC_SEQ_CST) || (rv_sys_mip(cpu) & p->mie))
            break;
        eng_wfi_wait(&cpu->vcpu, seq, timer_deadline(p));
    }
}

rv_exit rv_sys_run(rv_cpu *cpu, int64_t budget)
{
    rv_priv *p = cpu->priv;
    uint64_t done = 0;
    for (;;) {
        if (__atomic_load_n(&p->halt, __ATOMIC_SEQ_CST)) {
            __atomic_store_n(&p->halt, 0, __ATOMIC_SEQ_CST);
            return ENG_EXIT_INTERRUPT;
        }
        int irq = pick_irq(cpu);
        if (irq >= 0)
            take_trap(cpu, (uint64_t)irq, 1, 0);
        int64_t slice = -1;
        if (budget >= 0) {
            if (done >= (uint64_t)budget)
                return ENG_EXIT_BUDGET;
            slice = budget - (int64_t)done;
        }
        /* Sstc's timer and the CLINT comparator the hart keeps: the timer
         * thread kicks the hart at the deadline; without one, the hart
         * looks at them every SLICE instructions while they are armed */
        timer_sync(cpu);
        if (p->timer_poll && timer_armed(p) && (slice < 0 || slice > SLICE))
            slice = SLICE;
        cpu->budget = slice;
        uint64_t before = cpu->instret;
        rv_exit why = rv_run(cpu);
        done += cpu->instret - before;
        cpu->budget = -1;
        if (why == ENG_EXIT_INTERRUPT) {
            /* what raised the flag is looked at next (halt, pick_irq) */
            eng_irq_ack(&cpu->vcpu);
            if (p->wfi) {
                p->wfi = 0;
                wfi_sleep(cpu);
            }
            continue;
        }
        if (why == ENG_EXIT_BREAK && p->debug_break && p->debug_break(p->debug_ctx, cpu->pc))
            return why;     /* the debugger's breakpoint */
        uint64_t tval;
        int cause = exit_cause(cpu, why, &tval);
        if (cause >= 0) {
            /* the engine retires an ecall (a process VM's system call); an
             * exception does not retire its instruction */
            if (why == ENG_EXIT_SYSCALL && cpu->instret > 0) {
                cpu->instret--;
                done--;
            }
            take_trap(cpu, (uint64_t)cause, 0, tval);
        } else if (why != ENG_EXIT_BUDGET) {
            return why;     /* not a trap of the guest's: the machine's to report */
        }
    }
}

void rv_sys_halt(rv_cpu *cpu)
{
    __atomic_store_n(&cpu->priv->halt, 1, __ATOMIC_SEQ_CST);
    eng_irq_kick(&cpu->vcpu);
}

int rv_sys_init(rv_cpu *cpu, eng_phys *phys, eng_inval *inval, uint64_t hartid)
{
    if (rv_cpu_init(cpu, NULL, inval, NULL) < 0)
        return -1;
    rv_priv *p = calloc(1, sizeof *p);
    if (!p || eng_vcpu_use_tlb(&cpu->vcpu, phys) < 0) {
        free(p);
        rv_cpu_fini(cpu);
        return -1;
    }
    cpu->priv = p;
    p->priv = ENG_PRIV_M;
    p->misa = MISA_RV64;
    p->mhartid = hartid;
    p->timebase_hz = 10000000;
    p->time_origin_ns = eng_now_ns();
    p->stimecmp = UINT64_MAX;
    p->mtimecmp = UINT64_MAX;
    p->timer_set = UINT64_MAX;
    sync_mmu(cpu);
    return 0;
}

void rv_sys_fini(rv_cpu *cpu)
{
    free(cpu->priv);
    cpu->priv = NULL;
    rv_cpu_fini(cpu);
}

/* ---- the privileged instructions (priv.isa) ---- */

uint64_t rv_mret(rv_cpu *cpu)
{
    rv_priv *p = cpu->priv;
    if (!p || p->priv != ENG_PRIV_M)
        illegal(cpu);
    unsigned to = (unsigned)(p->mstatus >> MS_MPP_SHIFT) & 3;
    uint64_t s = p->mstatus & ~(MS_MPP | MS_MIE);
    if (p->mstatus & MS_MPIE)
        s |= MS_MIE;
    s |= MS_MPIE;
    if (to != ENG_PRIV_M)
        s &= ~MS_MPRV;
    p->mstatus = s;
    p->priv = to;
    sync_mmu(cpu);
    resched(cpu);
    return p->mepc;
}

uint64_t rv_sret(rv_cpu *cpu)
{
    rv_priv *p = cpu->priv;
    if (!p || p->priv == ENG_PRIV_U || (p->priv == ENG_PRIV_S && (p->mstatus & MS_TSR)))
        illegal(cpu);
    unsigned to = (p->mstatus & MS_SPP) ? ENG_PRIV_S : ENG_PRIV_U;
    uint64_t s = p->mstatus & ~(MS_SPP | MS_SIE | MS_MPRV);
    if (p->mstatus & MS_SPIE)
        s |= MS_SIE;
    s |= MS_SPIE;
    p->mstatus = s;
    p->priv = to;
    sync_mmu(cpu);
    resched(cpu);
    return p->sepc;
}

void rv_wfi(rv_cpu *cpu)
{
    rv_priv *p = cpu->priv;
    /* U mode: illegal (S mode exists); S mode with TW: illegal at once */
    if (!p || p->priv == ENG_PRIV_U || (p->priv == ENG_PRIV_S && (p->mstatus & MS_TW)))
        illegal(cpu);
    /* the block ends here; rv_sys_run sleeps before the next one */
    p->wfi = 1;
    cpu->interrupt = 1;
}

void rv_sfence_vma(rv_cpu *cpu, uint64_t rs1, uint64_t va, uint64_t rs2, uint64_t asid)
{
    rv_priv *p = cpu->priv;
    if (!p || p->priv == ENG_PRIV_U || (p->priv == ENG_PRIV_S && (p->mstatus & MS_TVM)))
        illegal(cpu);
    eng_mmu_sfence_vma(&cpu->vcpu, rs1 != 0, va, rs2 != 0, (unsigned)asid & 0xffff);
}

/* ---- CSRs ---- */

static uint64_t retired(rv_cpu *cpu) { return ENG_RETIRED_NOW(cpu); }

static uint64_t mstatus_read(const rv_priv *p)
{
    uint64_t s = p->mstatus | (UINT64_C(2) << 32) | (UINT64_C(2) << 34);
    if ((s & MS_FS) == MS_FS)
        s |= MS_SD;
    return s;
}

/* FS is kept Off or Dirty: FP state is not tracked, and Dirty is always a
 * safe answer (the spec allows reporting Dirty conservatively). */
static uint64_t fix_fs(uint64_t s) { return (s & MS_FS) ? s | MS_FS : s; }

static uint64_t fix_mpp(uint64_t s, uint64_t old)
{
    if (((s & MS_MPP) >> MS_MPP_SHIFT) == 2)    /* reserved: keep the old mode */
        s = (s & ~MS_MPP) | (old & MS_MPP);
    return s;
}

static uint64_t tvec_write(uint64_t v, uint64_t old)
{
    /* MODE 0 direct, 1 vectored; 2 and 3 reserved: the old mode stays */
    return (v & 3) >= 2 ? (v & ~UINT64_C(3)) | (old & 3) : v;
}

/* 1: the CSR exists and this mode may reach it (counters and the gates of
 * TVM, Sstc and FS included); 0: illegal. */
static int csr_ok(rv_cpu *cpu, unsigned csr)
{
    rv_priv *p = cpu->priv;
    if (((csr >> 8) & 3) > p->priv)
        return 0;
    if (csr >= CSR_CYCLE && csr <= 0xc1f) {
        unsigned bit = csr & 31;
        if (p->priv < ENG_PRIV_M && !((p->mcounteren >> bit) & 1))
            return 0;
        if (p->priv == ENG_PRIV_U && !((p->scounteren >> bit) & 1))
            return 0;
        return 1;
    }
    switch (csr) {
    case CSR_FFLAGS: case CSR_FRM: case CSR_FCSR:
        return (p->mstatus & MS_FS) != 0;
    case CSR_SATP:
        return !(p->priv == ENG_PRIV_S && (p->mstatus & MS_TVM));
    case CSR_STIMECMP:
        return p->priv == ENG_PRIV_M || ((p->mcounteren & COUNTEREN_TM) && sstc_on(p));
    case CSR_SSTATUS: case CSR_SIE: case CSR_STVEC: case CSR_SCOUNTEREN: case CSR_SENVCFG:
    case CSR_SSCRATCH: case CSR_SEPC: case CSR_SCAUSE: case CSR_STVAL: case CSR_SIP:
    case CSR_MSTATUS: case CSR_MISA: case CSR_MEDELEG: case CSR_MIDELEG: case CSR_MIE:
    case CSR_MTVEC: case CSR_MCOUNTEREN: case CSR_MENVCFG: case CSR_MCOUNTINHIBIT:
    case CSR_MSCRATCH: case CSR_MEPC: case CSR_MCAUSE: case CSR_MTVAL: case CSR_MIP:
    case CSR_MVENDORID: case CSR_MARCHID: case CSR_MIMPID: case CSR_MHARTID: case CSR_MCONFIGPTR:
        return 1;
    }
    if (csr >= 0x323 && csr <= 0x33f)       /* mhpmevent3..31 */
        return 1;
    if (csr >= 0x3a0 && csr <= 0x3af)       /* pmpcfg0, 2, ... 14 (the odd ones are RV32's) */
        return (csr & 1) == 0;
    if (csr >= 0x3b0 && csr <= 0x3ef)       /* pmpaddr0..63 */
        return 1;
    if (csr >= CSR_MCYCLE && csr <= 0xb1f)  /* mcycle, minstret, mhpmcounter3..31 (0xb01 is none) */
        return csr != 0xb01;
    return 0;
}

uint64_t rv_sys_csr_read(rv_cpu *cpu, unsigned csr)
{
    rv_priv *p = cpu->priv;
    if (!csr_ok(cpu, csr))
        illegal(cpu);
    switch (csr) {
    case CSR_FFLAGS: return rv_fp_get_fflags(cpu);
    case CSR_FRM: return cpu->frm & 7;
    case CSR_FCSR: return rv_fp_get_fcsr(cpu);
    case CSR_SSTATUS: return mstatus_read(p) & SSTATUS_R;
    case CSR_SIE: return p->mie & p->mideleg;
    case CSR_STVEC: return p->stvec;
    case CSR_SCOUNTEREN: return p->scounteren;
    case CSR_SENVCFG: return p->senvcfg;
    case CSR_SSCRATCH: return p->sscratch;
    case CSR_SEPC: return p->sepc;
    case CSR_SCAUSE: return p->scause;
    case CSR_STVAL: return p->stval;
    case CSR_SIP: return rv_sys_mip(cpu) & p->mideleg;
    case CSR_STIMECMP: return p->stimecmp;
    case CSR_SATP: return cpu->mmu->satp;
    case CSR_MSTATUS: return mstatus_read(p);
    case CSR_MISA: return p->misa;
    case CSR_MEDELEG: return p->medeleg;
    case CSR_MIDELEG: return p->mideleg;
    case CSR_MIE: return p->mie;
    case CSR_MTVEC: return p->mtvec;
    case CSR_MCOUNTEREN: return p->mcounteren;
    case CSR_MENVCFG: return p->menvcfg;
    case CSR_MCOUNTINHIBIT: return p->mcountinhibit;
    case CSR_MSCRATCH: return p->mscratch;
    case CSR_MEPC: return p->mepc;
    case CSR_MCAUSE: return p->mcause;
    case CSR_MTVAL: return p->mtval;
    case CSR_MIP: return rv_sys_mip(cpu);
    case CSR_MHARTID: return p->mhartid;
    case CSR_MCYCLE: case CSR_CYCLE: return retired(cpu) + p->cycle_off;
    case CSR_MINSTRET: case CSR_INSTRET: return retired(cpu) + p->instret_off;
    case CSR_TIME: return rv_sys_time(cpu);
    }
    if (csr >= 0x3a0 && csr <= 0x3af)
        return p->pmpcfg[(csr - 0x3a0) / 2];
    if (csr >= 0x3b0 && csr <= 0x3ef)
        return p->pmpaddr[csr - 0x3b0];
    return 0;   /* mvendorid, marchid, mimpid, mconfigptr, the hpm counters and events */
}

/* the bits of mip a write sets (the others are lines, or Sstc's STIP) */
static uint64_t mip_writable(const rv_priv *p)
{
    return IRQ(RV_IRQ_SSI) | IRQ(RV_IRQ_SEI) | (sstc_on(p) ? 0 : IRQ(RV_IRQ_STI));
}

uint64_t rv_sys_csr_rmw_base(rv_cpu *cpu, unsigned csr, uint64_t old)
{
    const rv_priv *p = cpu->priv;
    if (csr != CSR_MIP)
        return old;
    uint64_t m = mip_writable(p);
    return (old & ~m) | (p->mip_sw & m);
}

void rv_sys_csr_check_write(rv_cpu *cpu, unsigned csr)
{
    if ((csr >> 10) == 3 || !csr_ok(cpu, csr))
        illegal(cpu);
}

void rv_sys_csr_write(rv_cpu *cpu, unsigned csr, uint64_t v)
{
    rv_priv *p = cpu->priv;
    switch (csr) {
    case CSR_FFLAGS: rv_fp_set_fflags(cpu, (uint32_t)v & 31); p->mstatus |= MS_FS; return;
    case CSR_FRM: cpu->frm = (uint32_t)v & 7; rv_fp_refresh(cpu); p->mstatus |= MS_FS; return;
    case CSR_FCSR: rv_fp_set_fcsr(cpu, (uint32_t)v & 0xff); p->mstatus |= MS_FS; return;
    case CSR_MSTATUS:
        p->mstatus = fix_fs(fix_mpp(v & MSTATUS_W, p->mstatus));
        sync_mmu(cpu);
        resched(cpu);
        return;
    case CSR_SSTATUS:
        p->mstatus = fix_fs((p->mstatus & ~SSTATUS_W) | (v & SSTATUS_W));
        sync_mmu(cpu);
        resched(cpu);
        return;
    case CSR_MISA: return;      /* WARL: no extension can be turned off */
    case CSR_MEDELEG: p->medeleg = v & MEDELEG_W; return;
    case CSR_MIDELEG: p->mideleg = v & S_IRQS; resched(cpu); return;
    case CSR_MIE: p->mie = v & ALL_IRQS; resched(cpu); timer_sync(cpu); return;
    case CSR_SIE: {
        uint64_t m = p->mideleg & S_IRQS;
        p->mie = (p->mie & ~m) | (v & m);
        resched(cpu);
        timer_sync(cpu);
        return;
    }
    case CSR_MIP: {
        /* SSIP, SEIP, and STIP unless Sstc drives it; the others are lines */
        uint64_t m = mip_writable(p);
        p->mip_sw = (p->mip_sw & ~m) | (v & m);
        resched(cpu);
        return;
    }
    case CSR_SIP: {
        uint64_t m = IRQ(RV_IRQ_SSI) & p->mideleg;
        p->mip_sw = (p->mip_sw & ~m) | (v & m);
        resched(cpu);
        return;
    }
    case CSR_MTVEC: p->mtvec = tvec_write(v, p->mtvec); return;
    case CSR_STVEC: p->stvec = tvec_write(v, p->stvec); return;
    case CSR_MCOUNTEREN: p->mcounteren = v & 0xffffffffu; return;
    case CSR_SCOUNTEREN: p->scounteren = v & 0xffffffffu; return;
    case CSR_MCOUNTINHIBIT: p->mcountinhibit = v & 0xfffffffdu; return;
    case CSR_MENVCFG:
        p->menvcfg = v & (ENVCFG_FIOM | MENVCFG_STCE);
        if (sstc_on(p))
            p->mip_sw &= ~IRQ(RV_IRQ_STI);
        resched(cpu);
        timer_sync(cpu);
        return;
    case CSR_SENVCFG: p->senvcfg = v & ENVCFG_FIOM; return;
    case CSR_MSCRATCH: p->mscratch = v; return;
    case CSR_SSCRATCH: p->sscratch = v; return;
    case CSR_MEPC: p->mepc = v & ~UINT64_C(1); return;
    case CSR_SEPC: p->sepc = v & ~UINT64_C(1); return;
    case CSR_MCAUSE: p->mcause = v; return;
    case CSR_SCAUSE: p->scause = v; return;
    case CSR_MTVAL: p->mtval = v; return;
    case CSR_STVAL: p->stval = v; return;
    case CSR_STIMECMP: p->stimecmp = v; resched(cpu); timer_sync(cpu); return;
    case CSR_SATP:
        eng_mmu_set_satp(&cpu->vcpu, v);    /* an unsupported mode: unchanged (WARL) */
        return;
    case CSR_MCYCLE: p->cycle_off = v - retired(cpu); return;
    case CSR_MINSTRET: p->instret_off = v - retired(cpu); return;
    }
    if (csr >= 0x3a0 && csr <= 0x3af) {
        p->pmpcfg[(csr - 0x3a0) / 2] = v;
        return;
    }
    if (csr >= 0x3b0 && csr <= 0x3ef) {
        p->pmpaddr[csr - 0x3b0] = v & ((UINT64_C(1) << 54) - 1);
        return;
    }
    /* the hpm counters and events: hardwired to zero */
}

/* ---- save and restore ---- */

/* the CSR fields rv_sys_state carries as they are in rv_priv */
#define RV_SYS_CSR_FIELDS(X) \
    X(mstatus) X(medeleg) X(mideleg) X(mie) X(mip_sw) X(mtvec) X(mscratch) X(mepc) X(mcause) X(mtval) \
    X(stvec) X(sscratch) X(sepc) X(scause) X(stval) X(mcounteren) X(scounteren) X(mcountinhibit) \
    X(menvcfg) X(senvcfg) X(stimecmp) X(cycle_off) X(instret_off)

void rv_sys_get_state(rv_cpu *cpu, rv_sys_state *s)
{
    const rv_priv *p = cpu->priv;
    memset(s, 0, sizeof *s);
    memcpy(s->x, cpu->x, sizeof s->x);
    memcpy(s->f, cpu->f, sizeof s->f);
    s->pc = cpu->pc;
    s->instret = cpu->instret;
    s->fcsr = rv_fp_get_fcsr(cpu);
    s->priv = p->priv;
    s->satp = cpu->mmu->satp;
#define GET(fld) s->fld = p->fld;
    RV_SYS_CSR_FIELDS(GET)
#undef GET
    memcpy(s->pmpcfg, p->pmpcfg, sizeof s->pmpcfg);
    memcpy(s->pmpaddr, p->pmpaddr, sizeof s->pmpaddr);
}

int rv_sys_set_state(rv_cpu *cpu, const rv_sys_state *s, char *err, size_t errlen)
{
    rv_priv *p = cpu->priv;
    if (s->priv != ENG_PRIV_U && s->priv != ENG_PRIV_S && s->priv != ENG_PRIV_M) {
        snprintf(err, errlen, "hart %llu: privilege mode %llu is not M, S or U", (unsigned long long)p->mhartid,
                 (unsigned long long)s->priv);
        return -1;
    }
    if (s->pc & 1) {
        snprintf(err, errlen, "hart %llu: odd pc 0x%llx", (unsigned long long)p->mhartid, (unsigned long long)s->pc);
        return -1;
    }
    if (eng_mmu_set_satp(&cpu->vcpu, s->satp) < 0) {
        snprintf(err, errlen, "hart %llu: satp 0x%llx has a mode not built", (unsigned long long)p->mhartid,
                 (unsigned long long)s->satp);
        return -1;
    }
    memcpy(cpu->x, s->x, sizeof s->x);
    cpu->x[0] = 0;
    memcpy(cpu->f, s->f, sizeof s->f);
    cpu->pc = s->pc;
    cpu->instret = s->instret;
    rv_fp_set_fcsr(cpu, (uint32_t)s->fcsr & 0xff);
    /* every CSR through its write, in M mode; menvcfg before mip (Sstc
     * decides whether STIP is writable) */
    p->priv = ENG_PRIV_M;
    static const struct { unsigned csr; size_t off; } order[] = {
#define W(csr, fld) {csr, offsetof(rv_sys_state, fld)}
        W(CSR_MENVCFG, menvcfg), W(CSR_SENVCFG, senvcfg), W(CSR_MSTATUS, mstatus), W(CSR_MEDELEG, medeleg),
        W(CSR_MIDELEG, mideleg), W(CSR_MIE, mie), W(CSR_MIP, mip_sw), W(CSR_MTVEC, mtvec),
        W(CSR_MSCRATCH, mscratch), W(CSR_MEPC, mepc), W(CSR_MCAUSE, mcause), W(CSR_MTVAL, mtval),
        W(CSR_STVEC, stvec), W(CSR_SSCRATCH, sscratch), W(CSR_SEPC, sepc), W(CSR_SCAUSE, scause),
        W(CSR_STVAL, stval), W(CSR_MCOUNTEREN, mcounteren), W(CSR_SCOUNTEREN, scounteren),
        W(CSR_MCOUNTINHIBIT, mcountinhibit), W(CSR_STIMECMP, stimecmp),
#undef W
    };
    for (size_t i = 0; i < sizeof order / sizeof order[0]; i++) {
        uint64_t v;
        memcpy(&v, (const char *)s + order[i].off, sizeof v);
        rv_sys_csr_write(cpu, order[i].csr, v);
    }
    for (unsigned i = 0; i < 8; i++)
        rv_sys_csr_write(cpu, 0x3a0 + 2 * i, s->pmpcfg[i]);
    for (unsigned i = 0; i < 64; i++)
        rv_sys_csr_write(cpu, 0x3b0 + i, s->pmpaddr[i]);
    p->cycle_off = s->cycle_off;
    p->instret_off = s->instret_off;
    p->priv = (unsigned)s->priv;
    cpu->vcpu.res.size = 0;
    sync_mmu(cpu);
    resched(cpu);
    return 0;
}
