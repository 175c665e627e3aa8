/* The soft-TLB memory model (engine/mmu.h, engine/mem_tlb.h): page tables
 * built in guest RAM from C (Sv39, Sv48, Sv57; 4 KiB, 2 MiB and 1 GiB
 * pages), small RISC-V sequences encoded here run on a hart of that model
 * under each tier given (interp, jit, auto: the translation tier lowers
 * the TLB probe in line, its miss to the slow path; under jit the blocks
 * run must have host code), and the results, exit kinds and tvals checked:
 * permissions, U/SUM/MXR, A/D updates and Svade, invalid and reserved PTEs,
 * misaligned superpages, access faults, misaligned accesses (working and
 * trapping), MMIO reaching a device, a store to a code page through an
 * alias re-translating, satp changes and sfence.vma running no stale block,
 * AMOs through the TLB, what clears of the TLB and sfence.vma drop.  Prints "ok NAME" / "not ok NAME: why" and "ok end".
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/jit.h"
#include "engine/mmu.h"
#include "isa/riscv/rv_cpu.h"

static int failed;
static const char *tier_name = "setup";

static void check(int ok, const char *name, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void check(int ok, const char *name, const char *fmt, ...)
{
    if (ok) {
        printf("ok %s/%s\n", tier_name, name);
        return;
    }
    va_list ap;
    va_start(ap, fmt);
    printf("not ok %s/%s: ", tier_name, name);
    vprintf(fmt, ap);
    printf("\n");
    va_end(ap);
    failed = 1;
}

/* ---- encodings ---- */
enum { ZERO = 0, A0 = 10, A1 = 11, A2 = 12, A3 = 13, A4 = 14 };
static uint32_t enc_i(uint32_t op, uint32_t f3, uint32_t rd, uint32_t rs1, int32_t imm)
{
    return op | rd << 7 | f3 << 12 | rs1 << 15 | (uint32_t)imm << 20;
}
static uint32_t enc_s(uint32_t f3, uint32_t rs1, uint32_t rs2, int32_t imm)
{
    uint32_t u = (uint32_t)imm;
    return 0x23 | (u & 31) << 7 | f3 << 12 | rs1 << 15 | rs2 << 20 | (u >> 5 & 127) << 25;
}
#define ADDI(rd, rs, imm) enc_i(0x13, 0, rd, rs, imm)
#define LD(rd, rs, imm) enc_i(0x03, 3, rd, rs, imm)
#define LW(rd, rs, imm) enc_i(0x03, 2, rd, rs, imm)
#define LBU(rd, rs, imm) enc_i(0x03, 4, rd, rs, imm)
#define SD(rs1, rs2, imm) enc_s(3, rs1, rs2, imm)
#define SW(rs1, rs2, imm) enc_s(2, rs1, rs2, imm)
#define AMOADD_W(rd, rs1, rs2) (0x2f | (rd) << 7 | 2 << 12 | (rs1) << 15 | (rs2) << 20)
#define EBREAK 0x00100073u
static uint32_t jal(uint32_t rd, int32_t off)
{
    uint32_t u = (uint32_t)off;
    return 0x6f | rd << 7 | (u >> 12 & 255) << 12 | (u >> 11 & 1) << 20 | (u >> 1 & 1023) << 21 | (u >> 20 & 1) << 31;
}

/* ---- the machine ---- */
#define RAM_BASE UINT64_C(0x80000000)
#define RAM_SIZE (UINT64_C(64) << 20)
#define DEV_BASE UINT64_C(0x10000000)
#define CODE_PA (RAM_BASE + 0x10000)
#define CODE2_PA (RAM_BASE + 0x20000)
#define DATA_PA (RAM_BASE + 0x200000)       /* 2 MiB aligned */
#define TABLES_PA (RAM_BASE + 0x1000000)
#define CODE_VA UINT64_C(0x400000)

static eng_phys *phys;
static uint8_t *ram;
static uint64_t next_table;
static eng_tier tier;

static void *host(uint64_t pa) { return ram + (pa - RAM_BASE); }

/* the test device: one 64-bit register, and the last access seen */
static struct { uint64_t reg, last_off, last_val; unsigned last_size; int reads, writes; } dev;
static int dev_read(void *arg __attribute__((unused)), uint64_t off, unsigned size, uint64_t *val)
{
    if (off >= 0x80)
        return -1;
    dev.reads++;
    dev.last_off = off;
    dev.last_size = size;
    *val = dev.reg + off;
    return 0;
}
static rv_cpu cpu;
static uint64_t dev_switch_satp;    /* a write at 0x40 sets satp (as a CSR write would, from a run) */
static int dev_write(void *arg __attribute__((unused)), uint64_t off, unsigned size, uint64_t val)
{
    if (off >= 0x80)
        return -1;
    if (off == 0x40 && dev_switch_satp)
        eng_mmu_set_satp(&cpu.vcpu, dev_switch_satp);
    dev.writes++;
    dev.last_off = off;
    dev.last_size = size;
    dev.last_val = val;
    dev.reg = val;
    return 0;
}
static const eng_mmio_ops dev_ops = {dev_read, dev_write};

#define PTE_V 1u
#define PTE_R 2u
#define PTE_W 4u
#define PTE_X 8u
#define PTE_U 16u
#define PTE_A 64u
#define PTE_D 128u
#define RWX_AD (PTE_V | PTE_R | PTE_W | PTE_X | PTE_A | PTE_D)

static uint64_t new_table(void)
{
    uint64_t pa = next_table;
    next_table += 4096;
    memset(host(pa), 0, 4096);
    return pa;
}

/* the PTE slot for va at level `level` (creating pointers above it) */
static uint64_t *pte_slot(uint64_t root, unsigned levels, uint64_t va, unsigned level)
{
    uint64_t a = root;
    for (int i = (int)levels - 1;; i--) {
        uint64_t *p = (uint64_t *)host(a) + ((va >> (12 + 9 * i)) & 511);
        if (i == (int)level)
            return p;
        if (!(*p & PTE_V))
            *p = (new_table() >> 12) << 10 | PTE_V;
        a = (*p >> 10) << 12;
    }
}
static uint64_t *map(uint64_t root, unsigned levels, uint64_t va, uint64_t pa, unsigned level, uint64_t flags)
{
    uint64_t *p = pte_slot(root, levels, va, level);
    *p = (pa >> 12) << 10 | flags;
    return p;
}

static unsigned mode_levels(unsigned mode) { return mode == ENG_SATP_SV39 ? 3 : mode == ENG_SATP_SV48 ? 4 : 5; }
static uint64_t satp_of(unsigned mode, uint64_t root, unsigned asid)
{
    return (uint64_t)mode << 60 | (uint64_t)asid << 44 | root >> 12;
}

/* a new address space with the code page mapped at CODE_VA (flags) */
static uint64_t space(unsigned mode, uint64_t code_flags)
{
    uint64_t root = new_table();
    map(root, mode_levels(mode), CODE_VA, CODE_PA, 0, code_flags);
    return root;
}

/* the host writes code into RAM, and says so (as a device's DMA does) */
static void put_code(uint64_t pa, const uint32_t *code, unsigned n)
{
    memcpy(host(pa), code, 4 * n);
    eng_phys_written(phys, pa, 4 * n);
}

/* runs from pc with a fresh decode (the host wrote the code behind the
 * engine's back) */
static int unbudgeted;  /* run without a budget (a budget sends every block through the loop) */
static eng_exit run_at(uint64_t pc, int fresh)
{
    if (fresh)
        eng_mmu_fence_i(&cpu.vcpu);
    cpu.pc = pc;
    cpu.budget = unbudgeted ? -1 : 10000;
    cpu.tier = tier;
    return rv_run(&cpu);
}

static void setup_ctx(unsigned mode, uint64_t root, unsigned priv)
{
    eng_mmu_set_satp(&cpu.vcpu, satp_of(mode, root, 1));
    eng_mmu_set_priv(&cpu.vcpu, priv, priv);
    eng_mmu_set_status(&cpu.vcpu, 0, 0);
    eng_mmu_set_misaligned(&cpu.vcpu, 0);
    eng_mmu_set_ad_fault(&cpu.vcpu, 0);
    eng_mmu_flush_tlb(&cpu.vcpu);
}

/* ---- the checks ---- */

/* ld a1, 0(a0); addi a1, a1, 1; sd a1, 8(a0); ebreak -- over each page size */
static void check_modes(void)
{
    static const unsigned modes[] = {ENG_SATP_SV39, ENG_SATP_SV48, ENG_SATP_SV57};
    const uint32_t code[] = {LD(A1, A0, 0), ADDI(A1, A1, 1), SD(A0, A1, 8), EBREAK};
    put_code(CODE_PA, code, 4);
    for (unsigned mi = 0; mi < 3; mi++) {
        for (unsigned level = 0; level < 3; level++) {
            char name[64];
            unsigned mode = modes[mi];
            uint64_t root = space(mode, PTE_V | PTE_R | PTE_X | PTE_A);
            /* data at a VA whose level-`level` page holds DATA_PA + off */
            uint64_t va = UINT64_C(0x40000000) * 3, pa_base = level == 2 ? RAM_BASE : level == 1 ? DATA_PA : DATA_PA + 0x3000;
            uint64_t off = level == 2 ? 0x212340 : level == 1 ? 0x12340 : 0x340;
            map(root, mode_levels(mode), va, pa_base, level, PTE_V | PTE_R | PTE_W | PTE_A | PTE_D);
            uint64_t *d = host(pa_base + off);
            d[0] = 41 + level;
            d[1] = 0;
            setup_ctx(mode, root, ENG_PRIV_S);
            cpu.x[A0] = va + off;
            eng_exit why = run_at(CODE_VA, 1);
            snprintf(name, sizeof name, "sv%u-level%u", mode_levels(mode) * 9 + 12, level);
            check(why == ENG_EXIT_BREAK && cpu.x[A1] == 42 + level && d[1] == 42 + level && cpu.pc == CODE_VA + 12,
                  name, "exit %d a1 %lu mem %lu pc %#lx", why, (unsigned long)cpu.x[A1], (unsigned long)d[1],
                  (unsigned long)cpu.pc);
            uint64_t pa = 0;
            snprintf(name, sizeof name, "sv%u-level%u-translate", mode_levels(mode) * 9 + 12, level);
            check(eng_mmu_translate(&cpu.vcpu, va + off + 8, ENG_ACC_LOAD, &pa) == ENG_EXIT_NONE &&
                      pa == pa_base + off + 8, name, "pa %#lx", (unsigned long)pa);
        }
    }
}

/* one load or store at DATA_VA through a PTE with the given flags; returns
 * the exit (and checks pc and tval on a fault) */
#define DATA_VA UINT64_C(0x7f0000)
static eng_exit one_access(const char *name, int store, uint64_t *pte_out, uint64_t pte_flags, unsigned level,
                           uint64_t pa, unsigned priv, int sum, int mxr, eng_exit want)
{
    const uint32_t ld[] = {ADDI(A4, ZERO, 7), LD(A1, A0, 0), EBREAK};
    const uint32_t sd[] = {ADDI(A4, ZERO, 7), SD(A0, A4, 0), EBREAK};
    put_code(CODE_PA, store ? sd : ld, 3);
    uint64_t root = space(ENG_SATP_SV39, PTE_V | PTE_R | PTE_X | PTE_A | (priv == ENG_PRIV_U ? PTE_U : 0));
    uint64_t va = level == 2 ? UINT64_C(0xc0000000) : level ? DATA_VA & ~((UINT64_C(1) << 21) - 1) : DATA_VA;
    uint64_t *pte = map(root, 3, va, pa, level, pte_flags);
    setup_ctx(ENG_SATP_SV39, root, priv);
    eng_mmu_set_status(&cpu.vcpu, sum, mxr);
    cpu.x[A0] = va + 8;
    cpu.x[A1] = 0;
    eng_exit why = run_at(CODE_VA, 1);
    int ok = why == want;
    if (ok && want != ENG_EXIT_BREAK)
        ok = cpu.pc == CODE_VA + 4 && cpu.tval == va + 8 && cpu.x[A4] == 7;
    check(ok, name, "exit %d (want %d) pc %#lx tval %#lx", why, want, (unsigned long)cpu.pc, (unsigned long)cpu.tval);
    if (pte_out)
        *pte_out = *pte;
    return why;
}

static void check_ptes(void)
{
    const uint64_t R = PTE_V | PTE_R | PTE_A, RW = R | PTE_W | PTE_D;
    one_access("load-ok", 0, NULL, R, 0, DATA_PA, ENG_PRIV_S, 0, 0, ENG_EXIT_BREAK);
    one_access("store-readonly", 1, NULL, R, 0, DATA_PA, ENG_PRIV_S, 0, 0, ENG_EXIT_STORE_PAGE);
    one_access("store-ok", 1, NULL, RW, 0, DATA_PA, ENG_PRIV_S, 0, 0, ENG_EXIT_BREAK);
    one_access("invalid", 0, NULL, RW & ~PTE_V, 0, DATA_PA, ENG_PRIV_S, 0, 0, ENG_EXIT_LOAD_PAGE);
    one_access("w-without-r", 0, NULL, PTE_V | PTE_W | PTE_A | PTE_D, 0, DATA_PA, ENG_PRIV_S, 0, 0, ENG_EXIT_LOAD_PAGE);
    one_access("reserved-bits", 0, NULL, RW | UINT64_C(1) << 60, 0, DATA_PA, ENG_PRIV_S, 0, 0, ENG_EXIT_LOAD_PAGE);
    one_access("pbmt-bits", 0, NULL, RW | UINT64_C(1) << 61, 0, DATA_PA, ENG_PRIV_S, 0, 0, ENG_EXIT_LOAD_PAGE);
    one_access("xonly-load", 0, NULL, PTE_V | PTE_X | PTE_A, 0, DATA_PA, ENG_PRIV_S, 0, 0, ENG_EXIT_LOAD_PAGE);
    one_access("xonly-load-mxr", 0, NULL, PTE_V | PTE_X | PTE_A, 0, DATA_PA, ENG_PRIV_S, 0, 1, ENG_EXIT_BREAK);
    one_access("upage-from-s", 0, NULL, RW | PTE_U, 0, DATA_PA, ENG_PRIV_S, 0, 0, ENG_EXIT_LOAD_PAGE);
    one_access("upage-from-s-sum", 0, NULL, RW | PTE_U, 0, DATA_PA, ENG_PRIV_S, 1, 0, ENG_EXIT_BREAK);
    one_access("upage-store-from-s-sum", 1, NULL, RW | PTE_U, 0, DATA_PA, ENG_PRIV_S, 1, 0, ENG_EXIT_BREAK);
    one_access("spage-from-u", 0, NULL, RW, 0, DATA_PA, ENG_PRIV_U, 0, 0, ENG_EXIT_LOAD_PAGE);
    one_access("upage-from-u", 1, NULL, RW | PTE_U, 0, DATA_PA, ENG_PRIV_U, 0, 0, ENG_EXIT_BREAK);
    one_access("spage-from-u-sum", 0, NULL, RW, 0, DATA_PA, ENG_PRIV_U, 1, 0, ENG_EXIT_LOAD_PAGE);
    one_access("superpage-2m", 0, NULL, RW, 1, DATA_PA, ENG_PRIV_S, 0, 0, ENG_EXIT_BREAK);
    one_access("superpage-2m-misaligned", 0, NULL, RW, 1, DATA_PA + 0x1000, ENG_PRIV_S, 0, 0, ENG_EXIT_LOAD_PAGE);
    one_access("superpage-1g-misaligned", 1, NULL, RW, 2, DATA_PA, ENG_PRIV_S, 0, 0, ENG_EXIT_STORE_PAGE);
    one_access("access-fault", 0, NULL, RW, 0, UINT64_C(0x20000000), ENG_PRIV_S, 0, 0, ENG_EXIT_LOAD);
    one_access("access-fault-store", 1, NULL, RW, 0, UINT64_C(0x20000000), ENG_PRIV_S, 0, 0, ENG_EXIT_STORE);

    /* A and D: set by the walk (CAS), D only by a store */
    uint64_t pte;
    one_access("a-set-by-load", 0, &pte, PTE_V | PTE_R | PTE_W, 0, DATA_PA, ENG_PRIV_S, 0, 0, ENG_EXIT_BREAK);
    check((pte & (PTE_A | PTE_D)) == PTE_A, "a-set-by-load-pte", "pte %#lx", (unsigned long)pte);
    one_access("d-set-by-store", 1, &pte, PTE_V | PTE_R | PTE_W, 0, DATA_PA, ENG_PRIV_S, 0, 0, ENG_EXIT_BREAK);
    check((pte & (PTE_A | PTE_D)) == (PTE_A | PTE_D), "d-set-by-store-pte", "pte %#lx", (unsigned long)pte);
    /* Svade: fault instead */
    const uint32_t ld[] = {ADDI(A4, ZERO, 7), LD(A1, A0, 0), SD(A0, A1, 0), EBREAK};
    put_code(CODE_PA, ld, 4);
    uint64_t root = space(ENG_SATP_SV39, PTE_V | PTE_R | PTE_X | PTE_A);
    uint64_t *p = map(root, 3, DATA_VA, DATA_PA, 0, PTE_V | PTE_R | PTE_W);
    setup_ctx(ENG_SATP_SV39, root, ENG_PRIV_S);
    eng_mmu_set_ad_fault(&cpu.vcpu, 1);
    cpu.x[A0] = DATA_VA;
    eng_exit why = run_at(CODE_VA, 1);
    check(why == ENG_EXIT_LOAD_PAGE && cpu.pc == CODE_VA + 4 && cpu.tval == DATA_VA && !(*p & PTE_A), "svade-a",
          "exit %d pc %#lx pte %#lx", why, (unsigned long)cpu.pc, (unsigned long)*p);
    *p |= PTE_A;
    why = run_at(CODE_VA + 4, 0);
    check(why == ENG_EXIT_STORE_PAGE && cpu.pc == CODE_VA + 8 && cpu.tval == DATA_VA && !(*p & PTE_D), "svade-d",
          "exit %d pc %#lx pte %#lx", why, (unsigned long)cpu.pc, (unsigned long)*p);
    eng_mmu_set_ad_fault(&cpu.vcpu, 0);

    /* a root outside RAM: access fault; a non-canonical address: page fault */
    put_code(CODE_PA, ld, 4);
    root = space(ENG_SATP_SV39, PTE_V | PTE_R | PTE_X | PTE_A);
    map(root, 3, DATA_VA, DATA_PA, 0, RW);
    setup_ctx(ENG_SATP_SV39, root, ENG_PRIV_S);
    cpu.x[A0] = UINT64_C(0x0000008000000000);    /* bit 39 set, 38 clear */
    why = run_at(CODE_VA, 1);
    check(why == ENG_EXIT_LOAD_PAGE && cpu.tval == UINT64_C(0x0000008000000000), "non-canonical", "exit %d", why);
    /* the table for va's top index outside RAM */
    *pte_slot(root, 3, UINT64_C(0x100000000), 2) = (UINT64_C(0x30000000) >> 12) << 10 | PTE_V;
    cpu.x[A0] = UINT64_C(0x100000000);
    why = run_at(CODE_VA, 1);
    check(why == ENG_EXIT_LOAD && cpu.tval == UINT64_C(0x100000000) && cpu.pc == CODE_VA + 4, "pte-access-fault",
          "exit %d", why);
}

static void check_fetch(void)
{
    const uint32_t code[] = {ADDI(A0, ZERO, 5), EBREAK};
    put_code(CODE_PA, code, 2);
    /* a U page from S: never executable */
    uint64_t root = space(ENG_SATP_SV39, PTE_V | PTE_R | PTE_X | PTE_A | PTE_U);
    setup_ctx(ENG_SATP_SV39, root, ENG_PRIV_S);
    eng_mmu_set_status(&cpu.vcpu, 1, 0);
    eng_exit why = run_at(CODE_VA, 1);
    check(why == ENG_EXIT_FETCH_PAGE && cpu.tval == CODE_VA && cpu.pc == CODE_VA, "fetch-upage-from-s", "exit %d", why);
    /* ... from U it is */
    eng_mmu_set_priv(&cpu.vcpu, ENG_PRIV_U, ENG_PRIV_U);
    cpu.x[A0] = 0;
    why = run_at(CODE_VA, 1);
    check(why == ENG_EXIT_BREAK && cpu.x[A0] == 5, "fetch-upage-from-u", "exit %d", why);
    /* not executable */
    root = space(ENG_SATP_SV39, PTE_V | PTE_R | PTE_W | PTE_A | PTE_D);
    setup_ctx(ENG_SATP_SV39, root, ENG_PRIV_S);
    why = run_at(CODE_VA, 1);
    check(why == ENG_EXIT_FETCH_PAGE && cpu.tval == CODE_VA, "fetch-nx", "exit %d", why);
    /* unmapped */
    why = run_at(CODE_VA + 0x10000, 1);
    check(why == ENG_EXIT_FETCH_PAGE && cpu.tval == CODE_VA + 0x10000 && cpu.pc == CODE_VA + 0x10000, "fetch-unmapped",
          "exit %d", why);
    /* from a device: an access fault */
    map(root, 3, CODE_VA + 0x1000, DEV_BASE, 0, RWX_AD);
    eng_mmu_flush_tlb(&cpu.vcpu);
    why = run_at(CODE_VA + 0x1000, 1);
    check(why == ENG_EXIT_FETCH && cpu.tval == CODE_VA + 0x1000, "fetch-mmio", "exit %d", why);
    /* running off the end of a page into an unmapped one: the fault is at
     * the instruction on the next page */
    const uint32_t tail[] = {ADDI(A0, ZERO, 9), ADDI(A0, A0, 1)};
    root = space(ENG_SATP_SV39, PTE_V | PTE_R | PTE_X | PTE_A);
    put_code(CODE_PA + 4096 - 8, tail, 2);
    setup_ctx(ENG_SATP_SV39, root, ENG_PRIV_S);
    cpu.instret = 0;
    why = run_at(CODE_VA + 4096 - 8, 1);
    check(why == ENG_EXIT_FETCH_PAGE && cpu.tval == CODE_VA + 4096 && cpu.pc == CODE_VA + 4096 && cpu.x[A0] == 10 &&
              cpu.instret == 2,
          "fetch-off-page", "exit %d tval %#lx a0 %lu instret %lu", why, (unsigned long)cpu.tval,
          (unsigned long)cpu.x[A0], (unsigned long)cpu.instret);
}

static void check_mmio_bare(void)
{
    /* Bare: physical addresses; the device's register through sw and lw */
    const uint32_t code[] = {ADDI(A1, ZERO, 0x123), SW(A0, A1, 8), LW(A2, A0, 0x10), LBU(A3, A0, 0x11),
                                    EBREAK};
    put_code(CODE_PA, code, 5);
    eng_mmu_set_satp(&cpu.vcpu, 0);
    memset(&dev, 0, sizeof dev);
    cpu.x[A0] = DEV_BASE;
    eng_exit why = run_at(CODE_PA, 1);
    check(why == ENG_EXIT_BREAK && dev.writes == 1 && dev.last_val == 0x123 && dev.reads == 2 && dev.last_off == 0x11 &&
              dev.last_size == 1 && cpu.x[A2] == 0x123 + 0x10 && cpu.x[A3] == ((0x123 + 0x11) & 0xff),
          "mmio-bare", "exit %d writes %d reads %d a2 %#lx a3 %#lx", why, dev.writes, dev.reads,
          (unsigned long)cpu.x[A2], (unsigned long)cpu.x[A3]);
    /* a device refusing: an access fault at the instruction */
    cpu.x[A0] = DEV_BASE + 0x100;
    why = run_at(CODE_PA, 1);
    check(why == ENG_EXIT_STORE && cpu.tval == DEV_BASE + 0x108 && cpu.pc == CODE_PA + 4, "mmio-refused", "exit %d", why);
    /* nothing there */
    cpu.x[A0] = UINT64_C(0x40000000);
    why = run_at(CODE_PA, 1);
    check(why == ENG_EXIT_STORE && cpu.tval == UINT64_C(0x40000008), "bare-unmapped", "exit %d", why);
    /* misaligned to a device: an access fault */
    cpu.x[A0] = DEV_BASE + 1;
    why = run_at(CODE_PA, 1);
    check(why == ENG_EXIT_STORE && cpu.tval == DEV_BASE + 9, "mmio-misaligned", "exit %d", why);
    /* through a mapping */
    uint64_t root = space(ENG_SATP_SV48, PTE_V | PTE_R | PTE_X | PTE_A);
    map(root, 4, UINT64_C(0x50000000), DEV_BASE, 0, PTE_V | PTE_R | PTE_W | PTE_A | PTE_D);
    setup_ctx(ENG_SATP_SV48, root, ENG_PRIV_S);
    memset(&dev, 0, sizeof dev);
    cpu.x[A0] = UINT64_C(0x50000000);
    why = run_at(CODE_VA, 1);
    check(why == ENG_EXIT_BREAK && dev.writes == 1 && dev.last_val == 0x123 && cpu.x[A2] == 0x133, "mmio-mapped",
          "exit %d", why);
    /* an AMO on a device: an access fault */
    const uint32_t amo[] = {AMOADD_W(A1, A0, A2), EBREAK};
    put_code(CODE_PA, amo, 2);
    why = run_at(CODE_VA, 1);
    check(why == ENG_EXIT_STORE && cpu.tval == UINT64_C(0x50000000) && cpu.pc == CODE_VA, "amo-mmio", "exit %d", why);
}

static void check_amo(void)
{
    const uint32_t amo[] = {ADDI(A2, ZERO, 5), AMOADD_W(A1, A0, A2), EBREAK};
    put_code(CODE_PA, amo, 3);
    uint64_t root = space(ENG_SATP_SV39, PTE_V | PTE_R | PTE_X | PTE_A);
    uint64_t *p = map(root, 3, DATA_VA, DATA_PA, 0, PTE_V | PTE_R | PTE_W | PTE_A);
    setup_ctx(ENG_SATP_SV39, root, ENG_PRIV_S);
    uint32_t *d = host(DATA_PA + 0x40);
    *d = 37;
    cpu.x[A0] = DATA_VA + 0x40;
    eng_exit why = run_at(CODE_VA, 1);
    check(why == ENG_EXIT_BREAK && cpu.x[A1] == 37 && *d == 42 && (*p & PTE_D), "amo", "exit %d a1 %lu mem %u", why,
          (unsigned long)cpu.x[A1], *d);
    *p &= ~(uint64_t)PTE_W;
    eng_mmu_sfence_vma(&cpu.vcpu, 1, DATA_VA, 0, 0);
    why = run_at(CODE_VA, 1);
    check(why == ENG_EXIT_STORE_PAGE && cpu.tval == DATA_VA + 0x40 && cpu.pc == CODE_VA + 4, "amo-readonly",
          "exit %d", why);
    cpu.x[A0] = DATA_VA + 0x42;
    why = run_at(CODE_VA, 1);
    check(why == ENG_EXIT_MISALIGNED && cpu.tval == DATA_VA + 0x42, "amo-misaligned", "exit %d", why);
}

static void check_misaligned(void)
{
    /* ld across two pages mapped to physical pages far apart */
    const uint32_t code[] = {LD(A1, A0, 0), SD(A0, A2, 0), EBREAK};
    put_code(CODE_PA, code, 3);
    uint64_t root = space(ENG_SATP_SV39, PTE_V | PTE_R | PTE_X | PTE_A);
    map(root, 3, DATA_VA, DATA_PA + 0x5000, 0, PTE_V | PTE_R | PTE_W | PTE_A | PTE_D);
    map(root, 3, DATA_VA + 0x1000, DATA_PA + 0x9000, 0, PTE_V | PTE_R | PTE_W | PTE_A | PTE_D);
    setup_ctx(ENG_SATP_SV39, root, ENG_PRIV_S);
    uint8_t *lo = host(DATA_PA + 0x5000 + 4092), *hi = host(DATA_PA + 0x9000);
    memcpy(lo, "\x01\x02\x03\x04", 4);
    memcpy(hi, "\x05\x06\x07\x08", 4);
    cpu.x[A0] = DATA_VA + 4092;
    cpu.x[A2] = UINT64_C(0x1112131415161718);
    eng_exit why = run_at(CODE_VA, 1);
    uint64_t want = UINT64_C(0x0807060504030201);
    check(why == ENG_EXIT_BREAK && cpu.x[A1] == want && lo[0] == 0x18 && hi[3] == 0x11, "misaligned-cross-page",
          "exit %d a1 %#lx", why, (unsigned long)cpu.x[A1]);
    cpu.x[A0] = DATA_VA + 3;
    why = run_at(CODE_VA, 1);
    check(why == ENG_EXIT_BREAK, "misaligned-in-page", "exit %d", why);
    /* the second page unmapped: a fault at its first byte, nothing written */
    *pte_slot(root, 3, DATA_VA + 0x1000, 0) = 0;
    eng_mmu_flush_tlb(&cpu.vcpu);
    cpu.x[A0] = DATA_VA + 4092;
    why = run_at(CODE_VA, 1);
    check(why == ENG_EXIT_LOAD_PAGE && cpu.tval == DATA_VA + 0x1000 && cpu.pc == CODE_VA, "misaligned-second-page",
          "exit %d tval %#lx", why, (unsigned long)cpu.tval);
    memset(lo, 0, 4);
    why = run_at(CODE_VA + 4, 0);
    check(why == ENG_EXIT_STORE_PAGE && cpu.tval == DATA_VA + 0x1000 && lo[0] == 0, "misaligned-store-second-page",
          "exit %d", why);
    /* trapping */
    eng_mmu_set_misaligned(&cpu.vcpu, 1);
    cpu.x[A0] = DATA_VA + 3;
    why = run_at(CODE_VA, 1);
    check(why == ENG_EXIT_LOAD_MISALIGNED && cpu.tval == DATA_VA + 3 && cpu.pc == CODE_VA, "misaligned-trap-load",
          "exit %d", why);
    why = run_at(CODE_VA + 4, 0);
    check(why == ENG_EXIT_STORE_MISALIGNED && cpu.tval == DATA_VA + 3 && cpu.pc == CODE_VA + 4,
          "misaligned-trap-store", "exit %d", why);
    cpu.x[A0] = DATA_VA + 8;
    why = run_at(CODE_VA, 1);
    check(why == ENG_EXIT_BREAK, "aligned-with-trap", "exit %d", why);
    eng_mmu_set_misaligned(&cpu.vcpu, 0);
}

/* a store through another virtual address to the physical page of code
 * decoded before: the code runs anew */
static void check_smc(void)
{
    uint32_t code[8] = {SW(A3, A2, 0), jal(ZERO, 12), EBREAK, EBREAK, /* target: */ ADDI(A0, ZERO, 1), EBREAK};
    put_code(CODE_PA, code, 6);
    uint64_t root = space(ENG_SATP_SV39, PTE_V | PTE_R | PTE_X | PTE_A);
    uint64_t alias = UINT64_C(0x900000);
    map(root, 3, alias, CODE_PA, 0, PTE_V | PTE_R | PTE_W | PTE_A | PTE_D);
    setup_ctx(ENG_SATP_SV39, root, ENG_PRIV_S);
    for (int k = 0; k < 60; k++) {      /* long enough for auto to translate it, if it would */
        cpu.x[A0] = 0;
        eng_exit why = run_at(CODE_VA + 16, k == 0);
        if (why != ENG_EXIT_BREAK || cpu.x[A0] != 1) {
            check(0, "smc-before", "exit %d a0 %lu", why, (unsigned long)cpu.x[A0]);
            return;
        }
    }
    cpu.x[A2] = ADDI(A0, ZERO, 2);
    cpu.x[A3] = alias + 16;
    eng_exit why = run_at(CODE_VA, 0);
    check(why == ENG_EXIT_BREAK && cpu.x[A0] == 2, "smc-alias", "exit %d a0 %lu", why, (unsigned long)cpu.x[A0]);
    cpu.x[A0] = 0;
    why = run_at(CODE_VA + 16, 0);
    check(why == ENG_EXIT_BREAK && cpu.x[A0] == 2, "smc-after", "exit %d a0 %lu", why, (unsigned long)cpu.x[A0]);
}

/* the same virtual address in two address spaces */
static void check_satp_switch(void)
{
    const uint32_t c1[] = {ADDI(A0, ZERO, 1), EBREAK}, c2[] = {ADDI(A0, ZERO, 2), EBREAK};
    put_code(CODE_PA, c1, 2);
    put_code(CODE2_PA, c2, 2);
    uint64_t r1 = space(ENG_SATP_SV39, PTE_V | PTE_R | PTE_X | PTE_A);
    uint64_t r2 = new_table();
    uint64_t *p2 = map(r2, 3, CODE_VA, CODE2_PA, 0, PTE_V | PTE_R | PTE_X | PTE_A);
    setup_ctx(ENG_SATP_SV39, r1, ENG_PRIV_S);
    eng_mmu_fence_i(&cpu.vcpu);
    int ok = 1;
    for (int k = 0; k < 120 && ok; k++) {
        int two = k & 1;
        eng_mmu_set_satp(&cpu.vcpu, satp_of(ENG_SATP_SV39, two ? r2 : r1, two ? 2 : 1));
        cpu.x[A0] = 0;
        eng_exit why = run_at(CODE_VA, 0);
        ok = why == ENG_EXIT_BREAK && cpu.x[A0] == (uint64_t)(two ? 2 : 1);
    }
    check(ok, "satp-switch", "a0 %lu", (unsigned long)cpu.x[A0]);
    /* the PTE changed under the same satp: sfence.vma for the page */
    eng_mmu_set_satp(&cpu.vcpu, satp_of(ENG_SATP_SV39, r2, 2));
    run_at(CODE_VA, 0);
    *p2 = (CODE_PA >> 12) << 10 | PTE_V | PTE_R | PTE_X | PTE_A;
    eng_mmu_sfence_vma(&cpu.vcpu, 1, CODE_VA, 1, 2);
    cpu.x[A0] = 0;
    eng_exit why = run_at(CODE_VA, 0);
    check(why == ENG_EXIT_BREAK && cpu.x[A0] == 1, "sfence-page", "exit %d a0 %lu", why, (unsigned long)cpu.x[A0]);
    /* an sfence.vma for another ASID flushes nothing of this one (allowed
     * to keep the old translation, which it does); then a full one */
    *p2 = (CODE2_PA >> 12) << 10 | PTE_V | PTE_R | PTE_X | PTE_A;
    eng_mmu_sfence_vma(&cpu.vcpu, 0, 0, 1, 7);
    eng_mmu_sfence_vma(&cpu.vcpu, 0, 0, 0, 0);
    cpu.x[A0] = 0;
    why = run_at(CODE_VA, 0);
    check(why == ENG_EXIT_BREAK && cpu.x[A0] == 2, "sfence-all", "exit %d a0 %lu", why, (unsigned long)cpu.x[A0]);
    check(eng_mmu_set_satp(&cpu.vcpu, UINT64_C(5) << 60) == -1, "satp-unsupported-mode", "accepted");

    /* satp changed from inside a run (by a device here, by csrw satp
     * later): the block after it, chained before, comes from the new
     * address space */
    const uint32_t s1[] = {SW(A3, A1, 0x40), jal(ZERO, 8), EBREAK, ADDI(A0, ZERO, 1), EBREAK};
    const uint32_t s2[] = {EBREAK, EBREAK, EBREAK, ADDI(A0, ZERO, 2), EBREAK};
    put_code(CODE_PA, s1, 5);
    put_code(CODE2_PA, s2, 5);
    r1 = space(ENG_SATP_SV39, PTE_V | PTE_R | PTE_X | PTE_A);
    r2 = new_table();
    map(r2, 3, CODE_VA, CODE2_PA, 0, PTE_V | PTE_R | PTE_X | PTE_A);
    map(r1, 3, UINT64_C(0x50000000), DEV_BASE, 0, PTE_V | PTE_R | PTE_W | PTE_A | PTE_D);
    map(r2, 3, UINT64_C(0x50000000), DEV_BASE, 0, PTE_V | PTE_R | PTE_W | PTE_A | PTE_D);
    setup_ctx(ENG_SATP_SV39, r1, ENG_PRIV_S);
    cpu.x[A3] = UINT64_C(0x50000000);
    ok = 1;
    /* no budget: the translated blocks jump to each other (the jump to
     * the second block, on the first's page, is linked past its key
     * check, eng_mem_ops.link_keyed) */
    unbudgeted = 1;
    for (int k = 0; k < 60 && ok; k++) {
        cpu.x[A0] = 0;
        why = run_at(CODE_VA, k == 0);
        ok = why == ENG_EXIT_BREAK && cpu.x[A0] == 1;
    }
    dev_switch_satp = satp_of(ENG_SATP_SV39, r2, 2);
    cpu.x[A0] = 0;
    why = run_at(CODE_VA, 0);
    dev_switch_satp = 0;
    unbudgeted = 0;
    check(ok && why == ENG_EXIT_BREAK && cpu.x[A0] == 2 && cpu.pc == CODE_VA + 16, "satp-in-run",
          "exit %d a0 %lu pc %#lx", why, (unsigned long)cpu.x[A0], (unsigned long)cpu.pc);
}

/* What a clear of the TLBs must drop, now that a clear writes only the
 * entries filled since the last one (ENG_TLB_TRACK of them remembered) and
 * an sfence.vma of one address drops only that page and the entries that
 * came from superpages; and an sfence.vma of a page with no code on it
 * keeps every block's key (no new generation). */
static void check_flushes(void)
{
    const uint32_t code[] = {LD(A1, A0, 0), EBREAK};
    put_code(CODE_PA, code, 2);
    /* a 2 MiB superpage, read; remapped, and an sfence.vma of another
     * address inside it: the first address reads the new page */
    uint64_t root = space(ENG_SATP_SV39, PTE_V | PTE_R | PTE_X | PTE_A);
    const uint64_t sva = UINT64_C(0x40000000), spa1 = DATA_PA, spa2 = RAM_BASE + 0x400000;
    uint64_t *sp = map(root, 3, sva, spa1, 1, PTE_V | PTE_R | PTE_A);
    setup_ctx(ENG_SATP_SV39, root, ENG_PRIV_S);
    *(uint64_t *)host(spa1 + 0x1238) = 111;
    *(uint64_t *)host(spa2 + 0x1238) = 222;
    cpu.x[A0] = sva + 0x1238;
    eng_exit why = run_at(CODE_VA, 1);
    int ok = why == ENG_EXIT_BREAK && cpu.x[A1] == 111;
    *sp = (spa2 >> 12) << 10 | PTE_V | PTE_R | PTE_A;
    eng_mmu_sfence_vma(&cpu.vcpu, 1, sva + 0x100000, 0, 0);
    why = run_at(CODE_VA, 0);
    check(ok && why == ENG_EXIT_BREAK && cpu.x[A1] == 222, "sfence-superpage", "exit %d a1 %lu", why,
          (unsigned long)cpu.x[A1]);

    /* an sfence.vma of a data page: the data remapped is seen, and the
     * blocks keep their key */
    map(root, 3, DATA_VA, DATA_PA + 0x6000, 0, PTE_V | PTE_R | PTE_A);
    *(uint64_t *)host(DATA_PA + 0x6000) = 333;
    *(uint64_t *)host(DATA_PA + 0x7000) = 444;
    eng_mmu_sfence_vma(&cpu.vcpu, 0, 0, 0, 0);
    cpu.x[A0] = DATA_VA;
    why = run_at(CODE_VA, 0);
    ok = why == ENG_EXIT_BREAK && cpu.x[A1] == 333;
    uint64_t gens = cpu.vcpu.mmu->gens;
    map(root, 3, DATA_VA, DATA_PA + 0x7000, 0, PTE_V | PTE_R | PTE_A);
    eng_mmu_sfence_vma(&cpu.vcpu, 1, DATA_VA, 0, 0);
    uint64_t gens_after = cpu.vcpu.mmu->gens;
    why = run_at(CODE_VA, 0);
    check(ok && why == ENG_EXIT_BREAK && cpu.x[A1] == 444 && gens_after == gens, "sfence-data-page",
          "exit %d a1 %lu generations %lu -> %lu", why, (unsigned long)cpu.x[A1], (unsigned long)gens,
          (unsigned long)gens_after);

    /* more fills than a clear remembers: U pages read from U mode, then S
     * mode (SUM clear) reads the last one filled, which must fault */
    enum { NPAGES = ENG_TLB_TRACK + 72 };
    const uint64_t uva = UINT64_C(0x60000000), scode = CODE_VA + 0x10000;
    root = space(ENG_SATP_SV39, PTE_V | PTE_R | PTE_X | PTE_A | PTE_U);
    map(root, 3, scode, CODE_PA, 0, PTE_V | PTE_R | PTE_X | PTE_A);
    for (unsigned k = 0; k < NPAGES; k++)
        map(root, 3, uva + 4096 * (uint64_t)k, DATA_PA + 4096 * (uint64_t)(k % 8), 0, PTE_V | PTE_R | PTE_A | PTE_U);
    setup_ctx(ENG_SATP_SV39, root, ENG_PRIV_U);
    ok = 1;
    for (unsigned k = 0; k < NPAGES && ok; k++) {
        cpu.x[A0] = uva + 4096 * (uint64_t)k;
        ok = run_at(CODE_VA, k == 0) == ENG_EXIT_BREAK;
    }
    eng_mmu_set_priv(&cpu.vcpu, ENG_PRIV_S, ENG_PRIV_S);
    cpu.x[A0] = uva + 4096 * (uint64_t)(NPAGES - 1);
    why = run_at(scode, 0);
    check(ok && why == ENG_EXIT_LOAD_PAGE && cpu.tval == cpu.x[A0], "clear-after-many-fills",
          "fills ok %d, exit %d tval %#lx", ok, why, (unsigned long)cpu.tval);
    /* and after a few fills (the remembered ones) */
    eng_mmu_set_priv(&cpu.vcpu, ENG_PRIV_U, ENG_PRIV_U);
    cpu.x[A0] = uva;
    ok = run_at(CODE_VA, 0) == ENG_EXIT_BREAK;
    eng_mmu_set_priv(&cpu.vcpu, ENG_PRIV_S, ENG_PRIV_S);
    why = run_at(scode, 0);
    check(ok && why == ENG_EXIT_LOAD_PAGE && cpu.tval == uva, "clear-after-few-fills", "fills ok %d, exit %d tval %#lx",
          ok, why, (unsigned long)cpu.tval);
    /* U and S keep TLB sets of their own; MXR changes what U reads too:
     * an execute-only U page read under MXR from U, then, MXR clear and
     * a trip through S, read again from U, must fault */
    map(root, 3, uva, DATA_PA, 0, PTE_V | PTE_X | PTE_A | PTE_U);
    eng_mmu_sfence_vma(&cpu.vcpu, 1, uva, 0, 0);
    eng_mmu_set_priv(&cpu.vcpu, ENG_PRIV_U, ENG_PRIV_U);
    eng_mmu_set_status(&cpu.vcpu, 0, 1);
    cpu.x[A0] = uva;
    ok = run_at(CODE_VA, 0) == ENG_EXIT_BREAK;
    eng_mmu_set_priv(&cpu.vcpu, ENG_PRIV_S, ENG_PRIV_S);
    eng_mmu_set_status(&cpu.vcpu, 0, 0);
    eng_mmu_set_priv(&cpu.vcpu, ENG_PRIV_U, ENG_PRIV_U);
    why = run_at(CODE_VA, 0);
    check(ok && why == ENG_EXIT_LOAD_PAGE && cpu.tval == uva, "mxr-clears-u-set", "read under MXR ok %d, exit %d",
          ok, why);

    /* code a device (the host here) wrote and announced: after fence.i
     * the new code runs, and on a machine of one hart no generation was
     * needed for it */
    const uint32_t c1[] = {ADDI(A0, ZERO, 5), EBREAK}, c2[] = {ADDI(A0, ZERO, 6), EBREAK};
    root = space(ENG_SATP_SV39, PTE_V | PTE_R | PTE_X | PTE_A);
    setup_ctx(ENG_SATP_SV39, root, ENG_PRIV_S);
    put_code(CODE_PA, c1, 2);
    ok = 1;
    for (int k = 0; k < 60 && ok; k++)
        ok = run_at(CODE_VA, k == 0) == ENG_EXIT_BREAK && cpu.x[A0] == 5;
    gens = cpu.vcpu.mmu->gens;
    memcpy(host(CODE_PA), c2, sizeof c2);
    eng_phys_written(phys, CODE_PA, sizeof c2);
    why = run_at(CODE_VA, 1);
    check(ok && why == ENG_EXIT_BREAK && cpu.x[A0] == 6, "device-wrote-code", "exit %d a0 %lu", why,
          (unsigned long)cpu.x[A0]);
    check(cpu.vcpu.mmu->gens == gens, "fence-i-one-hart-keeps-generation", "generations %lu -> %lu",
          (unsigned long)gens, (unsigned long)cpu.vcpu.mmu->gens);
}

int main(void)
{
    static const struct { const char *name; eng_tier t; } tiers[] = {
        {"interp", ENG_TIER_INTERP}, {"jit", ENG_TIER_JIT}, {"auto", ENG_TIER_AUTO}};
    for (unsigned t = 0; t < 3; t++) {
        tier_name = tiers[t].name;
        tier = tiers[t].t;
        next_table = TABLES_PA;
        /* a machine of its own for each tier: one hart, as the models
         * that a machine of one hart allows get tested too */
        phys = eng_phys_new(NULL);
        ram = phys ? eng_phys_add_ram(phys, RAM_BASE, RAM_SIZE, NULL) : NULL;
        if (!phys || !ram || eng_phys_add_mmio(phys, DEV_BASE, 0x1000, &dev_ops, NULL) < 0) {
            printf("not ok setup\n");
            return 1;
        }
        if (t == 0)
            check(eng_phys_add_ram(phys, RAM_BASE + 4096, 4096, NULL) == NULL, "ram-overlap", "accepted");
        if (rv_cpu_init(&cpu, NULL, NULL, NULL) < 0 || eng_vcpu_use_tlb(&cpu.vcpu, phys) < 0) {
            printf("not ok setup\n");
            return 1;
        }
        check_modes();
        if (tier == ENG_TIER_JIT) {
            /* the sequence check_modes ran last was translated */
            const eng_block *b = eng_cache_find(&cpu.vcpu.cache, CODE_VA);
            check(b && b->jit, "translated", "block at %#lx %s", (unsigned long)CODE_VA,
                  b ? "has no host code" : "not in the cache");
        }
        check_ptes();
        check_fetch();
        check_mmio_bare();
        check_amo();
        check_misaligned();
        check_smc();
        check_satp_switch();
        check_flushes();
        rv_cpu_fini(&cpu);
        eng_phys_free(phys);
    }
    eng_jit_report();
    printf("ok end\n");
    return failed;
}
