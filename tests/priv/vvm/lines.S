/* Interrupt lines driven from another host thread (eng_irq_set, through
 * run_priv.c's line device; vvm only): MEIP waking wfi while MIE is clear
 * (no trap), then taken once MIE is set; SEIP delegated to S, waking wfi
 * and trapping there; MSIP taken in M from U whatever MIE says; lowering a
 * line clears mip; the CLINT comparator the hart keeps (mtimecmp set by a
 * device: MTIP when time reaches it, waking wfi); csrrs mip while the SEIP
 * line is high not latching SEIP. */
#include "../progs/common.h"
#define LINE_DEV 0x101000
.macro RAISE n
    li t6, LINE_DEV
    li t5, 0x100 | \n
    sw t5, 0(t6)
.endm
.macro LOWER n
    li t6, LINE_DEV
    li t5, \n
    sw t5, 0(t6)
.endm
    PRIV_PROLOGUE
test:
    li t0, 1 << 11
    csrw mie, t0
    RAISE 11
1:  wfi
    csrr t1, mip
    and t1, t1, t0
    beqz t1, 1b
    CHECK_TRAP TI_COUNT, 0, 1
    EXPECT r1
    csrsi mstatus, 0x8
a1: nop
    FAIL 2
r1: CHECK_TRAP TI_CAUSE, INTR | 11, 3
    CHECK_TRAP_AT TI_EPC, a1, 4
    LOWER 11
    csrr t1, mip
    li t0, 1 << 11
    and t1, t1, t0
    CHECK_EQ t1, 0, 5
    csrw mie, zero

    /* SEIP to S */
    la t0, strap
    csrw stvec, t0
    li t0, 1 << 9
    csrw mideleg, t0
    csrw mie, t0
    EXPECT m1
    GOTO_MODE 1, s1
s1: SEXPECT sr1
    RAISE 9
    csrsi sstatus, 2
2:  wfi
    j 2b
sr1: CHECK_STRAP TI_CAUSE, INTR | 9, 6
    LOWER 9
    csrr t1, sip
    li t0, 1 << 9
    and t1, t1, t0
    CHECK_EQ t1, 0, 7
    ecall
m1: CHECK_TRAP TI_CAUSE, 9, 8
    csrw mideleg, zero

    /* MSIP from U, MIE clear */
    li t0, 1 << 3
    csrw mie, t0
    csrci mstatus, 0x8
    EXPECT m2
    GOTO_MODE 0, u1
u1: RAISE 3
3:  j 3b
m2: CHECK_TRAP TI_CAUSE, INTR | 3, 9
    li t5, TRAP_INFO
    ld t4, TI_STATUS(t5)
    srli t4, t4, 11
    andi t4, t4, 3
    CHECK_EQ t4, 0, 10
    LOWER 3
    csrw mie, zero

    /* the hart's CLINT comparator: MTIP at time >= mtimecmp, wfi waits */
    li t0, 1 << 7
    csrw mie, t0
    csrr t1, mip
    and t1, t1, t0
    CHECK_EQ t1, 0, 11
    rdtime s1
    li t1, 20000
    add s1, s1, t1
    li t6, LINE_DEV
    sd s1, 8(t6)
1:  wfi
    csrr t1, mip
    and t1, t1, t0
    beqz t1, 1b
    rdtime t1
    bgeu t1, s1, 2f
    FAIL 12
2:  EXPECT r3
    csrsi mstatus, 0x8
    nop
    FAIL 13
r3: CHECK_TRAP TI_CAUSE, INTR | 7, 14
    li t6, LINE_DEV
    li t1, -1
    sd t1, 8(t6)
    csrr t1, mip
    li t0, 1 << 7
    and t1, t1, t0
    CHECK_EQ t1, 0, 15
    csrw mie, zero

    /* csrrs mip from M while the SEIP line is high (as OpenSBI sets SSIP
     * for an IPI): the read-modify-write sees only the software SEIP bit,
     * so lowering the line clears SEIP in mip (latched, it would interrupt
     * S mode for ever) */
    RAISE 9
    li t0, 1 << 9
1:  csrr t1, mip
    and t1, t1, t0
    beqz t1, 1b
    csrsi mip, 2
    LOWER 9
    csrr t1, mip
    li t0, (1 << 9) | 2
    and t1, t1, t0
    CHECK_EQ t1, 2, 16
    csrci mip, 2
    csrr t1, mip
    and t1, t1, t0
    CHECK_EQ t1, 0, 17
    j pass
