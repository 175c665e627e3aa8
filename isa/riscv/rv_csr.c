/* rv_csr: Zicsr at user level.  The CSRs a user program can reach:
 *   0x001 fflags, 0x002 frm, 0x003 fcsr         read/write
 *   0xC00 cycle, 0xC01 time, 0xC02 instret     read-only
 * cycle counts retired instructions (deterministic, like a one-IPC core);
 * time is the host monotonic clock at RV_TIME_HZ (rv_timebase.h: 1 GHz, so
 * rv64-linux's vDSO reads clock_gettime's nanoseconds from it).  Other CSRs
 * go to the machine (cpu->ops) when it provides access, else they are
 * illegal instructions, as are writes to read-only CSRs (number bits
 * 11:10 = 3).  A system hart (cpu->priv) has the privileged architecture's
 * CSRs instead (rv_priv.c).
 */
#include <time.h>

#include "isa/riscv/rv_fp.h"
#include "isa/riscv/rv_priv.h"
#include "isa/riscv/rv_timebase.h"

enum { CSR_FFLAGS = 0x001, CSR_FRM = 0x002, CSR_FCSR = 0x003, CSR_CYCLE = 0xc00, CSR_TIME = 0xc01, CSR_INSTRET = 0xc02 };

static uint64_t time_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * RV_TIME_HZ + (uint64_t)ts.tv_nsec / RV_TIME_NS_PER_TICK;
}

static _Noreturn void illegal(rv_cpu *cpu) { rv_raise(cpu, RV_EXIT_ILLEGAL, 0); }

static uint64_t csr_read(rv_cpu *cpu, unsigned csr)
{
    if (ENG_UNLIKELY(cpu->priv != NULL))
        return rv_sys_csr_read(cpu, csr);  /* a system hart: isa/riscv/rv_priv.c */
    switch (csr) {
    case CSR_FFLAGS: return rv_fp_get_fflags(cpu);
    case CSR_FRM: return cpu->frm & 7;
    case CSR_FCSR: return rv_fp_get_fcsr(cpu);
    case CSR_CYCLE: return ENG_RETIRED_NOW(cpu);
    case CSR_TIME: return time_now();
    case CSR_INSTRET: return ENG_RETIRED_NOW(cpu);
    }
    uint64_t v;
    if (cpu->ops && cpu->ops->csr_read && cpu->ops->csr_read(cpu, csr, &v) == 0)
        return v;
    illegal(cpu);
}

/* Fails (illegal instruction) before any state changes when the CSR cannot
 * be written. */
static void csr_check_write(rv_cpu *cpu, unsigned csr)
{
    if (ENG_UNLIKELY(cpu->priv != NULL))
        rv_sys_csr_check_write(cpu, csr);
    else if ((csr >> 10) == 3)
        illegal(cpu);
}

static void csr_write(rv_cpu *cpu, unsigned csr, uint64_t v)
{
    if (ENG_UNLIKELY(cpu->priv != NULL)) {
        rv_sys_csr_write(cpu, csr, v);
        return;
    }
    switch (csr) {
    case CSR_FFLAGS: rv_fp_set_fflags(cpu, (uint32_t)v & 31); return;
    case CSR_FRM: cpu->frm = (uint32_t)v & 7; rv_fp_refresh(cpu); return;
    case CSR_FCSR: rv_fp_set_fcsr(cpu, (uint32_t)v & 0xff); return;
    }
    if (cpu->ops && cpu->ops->csr_write && cpu->ops->csr_write(cpu, csr, v) == 0)
        return;
    illegal(cpu);
}

/* csrrs/csrrc with rs1 = x0 (and the *i forms with zimm 0) only read */
uint64_t rv_csrr(rv_cpu *cpu, uint64_t csr) { return csr_read(cpu, (unsigned)csr & 0xfff); }

/* csrrw with rd = x0: writes without reading */
void rv_csrw(rv_cpu *cpu, uint64_t csr, uint64_t v)
{
    unsigned c = (unsigned)csr & 0xfff;
    csr_check_write(cpu, c);
    csr_write(cpu, c, v);
}

uint64_t rv_csrrw(rv_cpu *cpu, uint64_t csr, uint64_t v)
{
    unsigned c = (unsigned)csr & 0xfff;
    csr_check_write(cpu, c);
    uint64_t old = csr_read(cpu, c);
    csr_write(cpu, c, v);
    return old;
}

static uint64_t rmw(rv_cpu *cpu, uint64_t csr, uint64_t v, uint64_t do_write, int set)
{
    unsigned c = (unsigned)csr & 0xfff;
    if (do_write)
        csr_check_write(cpu, c);
    uint64_t old = csr_read(cpu, c);
    if (do_write) {
        uint64_t base = ENG_UNLIKELY(cpu->priv != NULL) ? rv_sys_csr_rmw_base(cpu, c, old) : old;
        csr_write(cpu, c, set ? base | v : base & ~v);
    }
    return old;
}

uint64_t rv_csrrs(rv_cpu *cpu, uint64_t csr, uint64_t v, uint64_t do_write) { return rmw(cpu, csr, v, do_write, 1); }
uint64_t rv_csrrc(rv_cpu *cpu, uint64_t csr, uint64_t v, uint64_t do_write) { return rmw(cpu, csr, v, do_write, 0); }
