/* bench/tlb_loop.c: a CPU-bound loop (per iteration ld, add, sd, addi, addi,
 * bne over 8 pages; 4096 iterations per pass) on a hart of the soft-TLB
 * model (Sv39, 4 KiB pages), under the interpreter and the translation
 * tier, best of 3 (process CPU time).  Not part of `make bench` (a host
 * program, not a guest):
 *   cc -std=gnu11 -O2 -I. -Ibuild/gen -D_GNU_SOURCE -o build/tlb_loop bench/tlb_loop.c \
 *      build/libvvm.a -l:libfdt.a -l:libzstd.a -lm -ldl -pthread && build/tlb_loop [PASSES]
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "engine/mmu.h"
#include "isa/riscv/rv_cpu.h"

#define RAM_BASE UINT64_C(0x80000000)
static uint8_t *ram;
static uint64_t *pt(uint64_t pa) { return (uint64_t *)(ram + (pa - RAM_BASE)); }
static uint32_t I(uint32_t op, uint32_t f3, uint32_t rd, uint32_t rs1, int32_t imm) { return op | rd << 7 | f3 << 12 | rs1 << 15 | ((uint32_t)imm & 0xfff) << 20; }
static uint32_t S(uint32_t f3, uint32_t rs1, uint32_t rs2, int32_t imm) { uint32_t u = (uint32_t)imm; return 0x23 | (u & 31) << 7 | f3 << 12 | rs1 << 15 | rs2 << 20 | (u >> 5 & 0x7f) << 25; }
static uint32_t R(uint32_t f7, uint32_t f3, uint32_t rd, uint32_t rs1, uint32_t rs2) { return 0x33 | rd << 7 | f3 << 12 | rs1 << 15 | rs2 << 20 | f7 << 25; }
static uint32_t B(uint32_t f3, uint32_t rs1, uint32_t rs2, int32_t o) { uint32_t u = (uint32_t)o; return 0x63 | (u >> 11 & 1) << 7 | (u >> 1 & 15) << 8 | f3 << 12 | rs1 << 15 | rs2 << 20 | (u >> 5 & 63) << 25 | (u >> 12 & 1) << 31; }
enum { T0 = 5, T1 = 6, S0 = 8, A0 = 10, A1 = 11, A2 = 12 };

int main(int argc, char **argv)
{
    long iters = argc > 1 ? atol(argv[1]) : 20000;
    eng_phys *phys = eng_phys_new(NULL);
    ram = eng_phys_add_ram(phys, RAM_BASE, 16 << 20, NULL);
    uint64_t root = RAM_BASE + 0x100000, l1 = root + 0x1000, l0 = root + 0x2000;
    pt(root)[0] = l1 >> 12 << 10 | 1;
    pt(l1)[2] = l0 >> 12 << 10 | 1;                     /* VA 0x400000.. */
    uint64_t code_va = 0x400000, data_va = 0x410000, code_pa = RAM_BASE + 0x10000, data_pa = RAM_BASE + 0x20000;
    pt(l0)[0] = code_pa >> 12 << 10 | 1 | 2 | 8 | 64;
    for (int k = 0; k < 8; k++)
        pt(l0)[16 + k] = (data_pa + 4096u * k) >> 12 << 10 | 1 | 2 | 4 | 64 | 128;
    /* outer: a0 = s0; t1 = 4096; inner: t0 = [a0]; a2 += t0; [a0] = a2; a0 += 8; t1--; bnez t1 inner; a1--; bnez a1 outer; ebreak */
    uint32_t code[] = {
        I(0x13, 0, A0, S0, 0), 0x37 | T1 << 7 | 1 << 12,
        I(0x03, 3, T0, A0, 0), R(0, 0, A2, A2, T0), S(3, A0, A2, 0), I(0x13, 0, A0, A0, 8), I(0x13, 0, T1, T1, -1),
        B(1, T1, 0, -20), I(0x13, 0, A1, A1, -1), B(1, A1, 0, -36), 0x00100073u};
    memcpy(ram + (code_pa - RAM_BASE), code, sizeof code);
    static const char *names[] = {"interp", "jit"};
    uint64_t sums[2];
    double best[2] = {1e9, 1e9};
    for (int rep = 0; rep < 3; rep++)
        for (int t = 0; t < 2; t++) {
            static rv_cpu cpu;
            memset(ram + (data_pa - RAM_BASE), 1, 32768);
            if (rv_cpu_init(&cpu, NULL, NULL, NULL) < 0 || eng_vcpu_use_tlb(&cpu.vcpu, phys) < 0)
                return 1;
            eng_mmu_set_satp(&cpu.vcpu, (uint64_t)8 << 60 | root >> 12);
            eng_mmu_set_priv(&cpu.vcpu, ENG_PRIV_S, ENG_PRIV_S);
            cpu.tier = t ? ENG_TIER_JIT : ENG_TIER_INTERP;
            cpu.x[S0] = data_va;
            cpu.x[A1] = (uint64_t)iters;
            cpu.x[A2] = 0;
            cpu.pc = code_va;
            cpu.budget = -1;
            struct timespec a, b;
            clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &a);
            eng_exit why = rv_run(&cpu);
            clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &b);
            double s = (double)(b.tv_sec - a.tv_sec) + (b.tv_nsec - a.tv_nsec) / 1e9;
            if (s < best[t])
                best[t] = s;
            sums[t] = cpu.x[A2];
            if (why != ENG_EXIT_BREAK) {
                printf("%s: exit %d pc %#lx tval %#lx a0 %#lx\n", names[t], why, (unsigned long)cpu.pc, (unsigned long)cpu.tval, (unsigned long)cpu.x[A0]);
                return 1;
            }
            if (rep == 0)
                printf("%s: %llu instructions\n", names[t], (unsigned long long)cpu.instret);
            rv_cpu_fini(&cpu);
        }
    printf("sums %s (%#llx)\n", sums[0] == sums[1] ? "agree" : "DIFFER", (unsigned long long)sums[0]);
    printf("best of 3: interp %.3f s, jit %.3f s, %.2fx\n", best[0], best[1], best[0] / best[1]);
    return 0;
}
