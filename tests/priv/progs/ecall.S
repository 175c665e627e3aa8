/* ecall from M, S and U (causes 11, 9, 8; tval 0; epc the ecall), delegation
 * of U's ecall to S through medeleg, mret and sret stacking (xPP, xPIE,
 * xIE), ebreak (3), and illegal instructions' tval (the instruction). */
#include "common.h"
    PRIV_PROLOGUE
test:
    /* ecall from M */
    EXPECT 1f
e_m: ecall
1:  CHECK_TRAP TI_CAUSE, 11, 1
    CHECK_TRAP TI_TVAL, 0, 2
    CHECK_TRAP_AT TI_EPC, e_m, 3
    CHECK_TRAP TI_COUNT, 1, 4

    /* to S with MPIE set and MIE clear: mret sets MIE from MPIE, MPIE 1,
     * MPP U; the ecall from S stacks MIE (1) into MPIE, MPP = S */
    li t0, 0x8
    csrc mstatus, t0
    li t0, 0x80
    csrs mstatus, t0
    EXPECT back_s
    GOTO_MODE 1, in_s
in_s:
e_s: ecall
back_s:
    CHECK_TRAP TI_CAUSE, 9, 10
    CHECK_TRAP_AT TI_EPC, e_s, 11
    li t5, TRAP_INFO
    ld t4, TI_STATUS(t5)
    srli t0, t4, 11
    andi t0, t0, 3
    CHECK_EQ t0, 1, 12      /* MPP = S */
    andi t0, t4, 0x88
    CHECK_EQ t0, 0x80, 13   /* MPIE = 1 (MIE was 1 in S), MIE = 0 */
    csrr t0, mstatus
    andi t0, t0, 0x8
    CHECK_EQ t0, 0, 14

    /* to U: ecall from U is 8, MPP = U */
    EXPECT back_u
    GOTO_MODE 0, in_u
in_u:
e_u: ecall
back_u:
    CHECK_TRAP TI_CAUSE, 8, 20
    CHECK_TRAP_AT TI_EPC, e_u, 21
    li t5, TRAP_INFO
    ld t4, TI_STATUS(t5)
    srli t0, t4, 11
    andi t0, t0, 3
    CHECK_EQ t0, 0, 22
    /* mret leaves MPP = U (the least privileged mode) */
    csrr t0, mstatus
    li t1, 0x1800
    and t0, t0, t1
    CHECK_EQ t0, 0, 23          /* the resume's mret left MPP = U */

    /* delegate U's ecall to S: the S handler sees it (SPP = U), S's own
     * ecall (not delegated) goes to M */
    la t0, strap
    csrw stvec, t0
    li t0, 1 << 8
    csrw medeleg, t0
    CHECK_CSR medeleg, 0x100, 30
    EXPECT back_m2
    GOTO_MODE 1, s_part
s_part:
    SEXPECT s_back
    /* sret to U with SPP = U, SPIE = 1: SIE becomes 1 in U */
    li t0, 0x100
    csrc sstatus, t0
    li t0, 0x20
    csrs sstatus, t0
    la t0, u_part
    csrw sepc, t0
    sret
u_part:
e_u2: ecall
s_back:
    /* in S: record checks leave through fail, which S may reach (the
     * device is not translated: satp is Bare) */
    CHECK_STRAP TI_CAUSE, 8, 31
    CHECK_STRAP_AT TI_EPC, e_u2, 32
    CHECK_STRAP TI_TVAL, 0, 33
    li t5, STRAP_INFO
    ld t4, TI_STATUS(t5)
    andi t0, t4, 0x122
    CHECK_EQ t0, 0x20, 34       /* SPP = U, SPIE = 1 (SIE was 1), SIE = 0 */
    csrr t0, sstatus
    andi t0, t0, 0x2
    CHECK_EQ t0, 0, 35
e_s2: ecall
back_m2:
    CHECK_TRAP TI_CAUSE, 9, 36
    CHECK_TRAP_AT TI_EPC, e_s2, 37
    csrw medeleg, zero

    /* ebreak */
    EXPECT 1f
e_b: ebreak
1:  CHECK_TRAP TI_CAUSE, 3, 40
    CHECK_TRAP_AT TI_EPC, e_b, 41

    /* illegal instructions: tval the instruction's bits */
    EXPECT 1f
e_i: csrw mhartid, zero         /* read-only CSR */
1:  CHECK_TRAP TI_CAUSE, 2, 50
    CHECK_TRAP_AT TI_EPC, e_i, 51
    CHECK_TVAL_INSN 52
    /* mret from S is illegal */
    EXPECT back_m3
    GOTO_MODE 1, s_mret
s_mret:
e_mr: mret
back_m3:
    CHECK_TRAP TI_CAUSE, 2, 53
    CHECK_TRAP_AT TI_EPC, e_mr, 54
    CHECK_TVAL_INSN 55
    /* sret and wfi from U are illegal */
    EXPECT back_m4
    GOTO_MODE 0, u_sret
u_sret:
e_sr: sret
back_m4:
    CHECK_TRAP TI_CAUSE, 2, 56
    CHECK_TRAP_AT TI_EPC, e_sr, 57
    EXPECT back_m5
    GOTO_MODE 0, u_wfi
u_wfi:
e_w: wfi
back_m5:
    CHECK_TRAP TI_CAUSE, 2, 58
    CHECK_TRAP_AT TI_EPC, e_w, 59
    j pass
