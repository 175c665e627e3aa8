/* Two harts (QEMU: -smp 2): hart 1 waits in wfi with MSIE and MIE; hart 0
 * sets hart 1's msip in the CLINT (0x2000000 + 4), hart 1 takes the
 * machine software interrupt, clears its msip and says so in memory. */
#define SECONDARY hart1
#include "common.h"
#define CLINT 0x2000000
#define FLAG 0x80190000
    PRIV_PROLOGUE
test:
    li s0, FLAG
1:  ld t0, 8(s0)
    beqz t0, 1b
    li s2, CLINT
    li t0, 1
    sw t0, 4(s2)
    li s1, 200000000
2:  ld t0, 0(s0)
    bnez t0, 3f
    addi s1, s1, -1
    bnez s1, 2b
    FAIL 1
3:  lw t0, 4(s2)
    CHECK_EQ t0, 0, 2
    ld t0, 16(s0)
    CHECK_EQ t0, INTR | 3, 3
    j pass

hart1:
    la t0, h1trap
    csrw mtvec, t0
    li t0, 8
    csrw mie, t0
    csrsi mstatus, 8
    li s0, FLAG
    li t0, 1
    sd t0, 8(s0)
1:  wfi
    j 1b
    .balign 4
h1trap:
    csrr t0, mcause
    sd t0, 16(s0)
    li t1, CLINT
    sw zero, 4(t1)
    li t0, 1
    sd t0, 0(s0)
2:  wfi
    j 2b
