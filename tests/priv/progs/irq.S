/* Interrupts: a software-set SSIP taken in M right after the CSR write
 * (mepc the next instruction), vectored mtvec, priority (SSI before STI),
 * STIP written by M while Sstc is off, SSIP delegated to S and set through
 * sip, Sstc's stimecmp waking wfi and trapping to S, and reaching a hart
 * spinning in a loop, wfi returning on a pending interrupt that is
 * disabled (no trap). */
#include "common.h"
    PRIV_PROLOGUE
test:
    /* SSIP in M: taken right after the csrs */
    li t0, 0x2
    csrw mie, t0
    li t0, 0x8
    csrs mstatus, t0
    EXPECT r1
    csrsi mip, 2
a1: nop
    nop
    FAIL 1
r1: CHECK_TRAP TI_CAUSE, INTR | 1, 2
    CHECK_TRAP_AT TI_EPC, a1, 3
    csrr t0, mstatus
    andi t0, t0, 0x8
    CHECK_EQ t0, 0, 4       /* the resume leaves MIE clear */
    csrci mip, 2

    /* vectored: entry 1 */
    la t0, vtable
    ori t0, t0, 1
    csrw mtvec, t0
    EXPECT r2
    li t0, 0x8
    csrs mstatus, t0
    csrsi mip, 2
a2: nop
    FAIL 5
r2: CHECK_TRAP TI_CAUSE, INTR | 1, 6
    la t0, vflag
    ld t1, 0(t0)
    CHECK_EQ t1, 1, 7
    csrci mip, 2
    la t0, mtrap
    csrw mtvec, t0

    /* STIP written by M (Sstc off) and SSIP both pending: SSI first */
    li t0, 0x22
    csrw mie, t0
    csrs mip, t0
    csrr t1, mip
    andi t1, t1, 0x22
    CHECK_EQ t1, 0x22, 8
    EXPECT r3
    csrsi mstatus, 0x8
    nop
    FAIL 9
r3: CHECK_TRAP TI_CAUSE, INTR | 1, 10
    csrci mip, 2
    EXPECT r4
    csrsi mstatus, 0x8
    nop
    FAIL 11
r4: CHECK_TRAP TI_CAUSE, INTR | 5, 12
    li t0, 0x20
    csrc mip, t0
    csrw mie, zero

    /* SSIP delegated to S, set through sip in S */
    la t0, strap
    csrw stvec, t0
    li t0, 0x2
    csrw mideleg, t0
    csrw mie, t0
    EXPECT m1
    GOTO_MODE 1, s1
s1: csrsi sstatus, 2
    SEXPECT sr1
    csrsi sip, 2
sa1: nop
    FAIL 13
sr1: CHECK_STRAP TI_CAUSE, INTR | 1, 14
    CHECK_STRAP_AT TI_EPC, sa1, 15
    csrci sip, 2
    ecall
m1: CHECK_TRAP TI_CAUSE, 9, 16

    /* Sstc: the timer in S, wfi waiting for it */
    li t0, 1
    slli t0, t0, 63
    csrw menvcfg, t0
    li t0, 2
    csrw mcounteren, t0
    li t0, 0x20
    csrw mideleg, t0
    csrw mie, t0
    EXPECT m2
    GOTO_MODE 1, s2
s2: li t0, -1
    csrw stimecmp, t0
    csrr t1, sip
    andi t1, t1, 0x20
    CHECK_EQ t1, 0, 17
    rdtime t0
    li t1, 20000            /* 2 ms at 10 MHz */
    add t0, t0, t1
    csrw stimecmp, t0
    SEXPECT sr2
    csrsi sstatus, 2
1:  wfi
    j 1b
sr2: CHECK_STRAP TI_CAUSE, INTR | 5, 18
    rdtime t1
    bgeu t1, t0, 2f
    FAIL 19                 /* taken before the deadline */
2:  csrr t1, sip
    andi t1, t1, 0x20
    CHECK_EQ t1, 0x20, 20
    li t0, -1
    csrw stimecmp, t0
    csrr t1, sip
    andi t1, t1, 0x20
    CHECK_EQ t1, 0, 21

    /* the timer reaches a hart spinning in a loop (under a translation
     * tier: a block chained to itself), no sooner than its deadline */
    rdtime t0
    li t1, 20000
    add t0, t0, t1
    csrw stimecmp, t0
    SEXPECT sr3
    csrsi sstatus, 2
1:  addi s2, s2, 1
    j 1b
sr3: CHECK_STRAP TI_CAUSE, INTR | 5, 24
    rdtime t1
    bgeu t1, t0, 2f
    FAIL 25
2:  li t0, -1
    csrw stimecmp, t0

    /* wfi wakes for a pending interrupt that SIE keeps from trapping */
    li t5, STRAP_INFO
    ld s1, TI_COUNT(t5)
    rdtime t0
    li t1, 20000
    add t0, t0, t1
    csrw stimecmp, t0
1:  wfi
    csrr t1, sip
    andi t1, t1, 0x20
    beqz t1, 1b
    li t5, STRAP_INFO
    ld t4, TI_COUNT(t5)
    CHECK_REG t4, s1, 22
    li t0, -1
    csrw stimecmp, t0
    ecall
m2: CHECK_TRAP TI_CAUSE, 9, 23
    j pass

    .balign 64
vtable:
    .option push
    .option norvc
    j mtrap
    j vssi
    .rept 14
    j mtrap
    .endr
    .option pop
vssi:
    csrrw sp, mscratch, sp
    sd t0, 24(sp)
    sd t1, 32(sp)
    la t0, vflag
    li t1, 1
    sd t1, 0(t0)
    ld t1, 32(sp)
    ld t0, 24(sp)
    csrrw sp, mscratch, sp
    j mtrap

    .data
    .balign 8
vflag: .dword 0, 0
