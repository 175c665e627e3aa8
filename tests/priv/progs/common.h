/* Shared by the privileged-architecture tests: entry, pass/fail through the
 * SiFive test device at 0x100000 (as on QEMU's virt machine), an M-mode and
 * an S-mode trap handler that record what they saw, and check macros.
 *
 * Each handler records cause, tval, epc, status and a count at a fixed
 * address (TRAP_INFO for M, STRAP_INFO for S).  If the test set a resume
 * label (EXPECT / SEXPECT) the handler returns there, in its own mode, with
 * every register as at the trap (MPIE/SPIE cleared: interrupts stay off);
 * else it skips the trapping instruction and returns where it came from.
 * Registers t4-t6 belong to the macros.
 */
    .option nopic
#define TEST_DEV 0x100000
#define TRAP_INFO 0x80180000
#define STRAP_INFO 0x80180100
#define MSTACK 0x80170000
#define SSTACK 0x80160000
#define TI_CAUSE 0
#define TI_TVAL 8
#define TI_EPC 16
#define TI_STATUS 24
#define TI_COUNT 32
#define TI_RESUME 40
#define INTR (1 << 63)

.macro FAIL code
    li a0, \code
    j fail
.endm

.macro CHECK_EQ reg, val, code
    li t6, \val
    beq \reg, t6, .Lok\@
    FAIL \code
.Lok\@:
.endm

.macro CHECK_REG ra, rb, code
    beq \ra, \rb, .Lok\@
    FAIL \code
.Lok\@:
.endm

.macro CHECK_CSR csr, val, code
    csrr t4, \csr
    CHECK_EQ t4, \val, \code
.endm

.macro EXPECT label
    la t6, \label
    li t5, TRAP_INFO
    sd t6, TI_RESUME(t5)
.endm

.macro SEXPECT label
    la t6, \label
    li t5, STRAP_INFO
    sd t6, TI_RESUME(t5)
.endm

/* the M (S) handler's record: field off compared with val */
.macro CHECK_TRAP off, val, code
    li t5, TRAP_INFO
    ld t4, \off(t5)
    CHECK_EQ t4, \val, \code
.endm
.macro CHECK_STRAP off, val, code
    li t5, STRAP_INFO
    ld t4, \off(t5)
    CHECK_EQ t4, \val, \code
.endm
/* the record's field equals the address of label */
.macro CHECK_TRAP_AT off, label, code
    li t5, TRAP_INFO
    ld t4, \off(t5)
    la t5, \label
    CHECK_REG t4, t5, \code
.endm
.macro CHECK_STRAP_AT off, label, code
    li t5, STRAP_INFO
    ld t4, \off(t5)
    la t5, \label
    CHECK_REG t4, t5, \code
.endm
/* the record's tval is the instruction at its epc (an illegal instruction) */
.macro CHECK_TVAL_INSN code
    li t5, TRAP_INFO
    ld t4, TI_EPC(t5)
    lwu t4, 0(t4)
    ld t5, TI_TVAL(t5)
    CHECK_REG t4, t5, \code
.endm

/* from M: continue at label in mode (0 U, 1 S, 3 M) */
.macro GOTO_MODE mode, label
    li t6, 0x1800
    csrc mstatus, t6
    li t6, (\mode << 11)
    csrs mstatus, t6
    la t6, \label
    csrw mepc, t6
    mret
.endm

/* Entry, the handlers, pass and fail; the test's code starts at label test. */
.macro PRIV_PROLOGUE
    .section .text.start, "ax"
    .globl _start
_start:
    /* the other harts park, or go to SECONDARY when the test defines it */
    csrr t0, mhartid
    beqz t0, 1f
#ifdef SECONDARY
    j SECONDARY
#endif
2:  wfi
    j 2b
1:  li sp, MSTACK
    la t0, mtrap
    csrw mtvec, t0
    li t0, MSTACK + 0x8000
    csrw mscratch, t0
    li t0, SSTACK + 0x8000
    csrw sscratch, t0
    /* one PMP region over everything, so that S and U may access memory
     * where PMP is checked (QEMU) */
    li t0, -1
    csrw pmpaddr0, t0
    li t0, 0x1f
    csrw pmpcfg0, t0
    j test

pass:
    li t0, 0x5555
    li t1, TEST_DEV
    sw t0, 0(t1)
1:  j 1b
fail:
    slli a0, a0, 16
    li t0, 0x3333
    or a0, a0, t0
    li t1, TEST_DEV
    sw a0, 0(t1)
1:  j 1b

    .balign 64
mtrap:
    csrrw sp, mscratch, sp
    sd t0, 0(sp)
    sd t1, 8(sp)
    sd t2, 16(sp)
    li t0, TRAP_INFO
    csrr t1, mcause
    sd t1, TI_CAUSE(t0)
    csrr t1, mtval
    sd t1, TI_TVAL(t0)
    csrr t1, mepc
    sd t1, TI_EPC(t0)
    csrr t1, mstatus
    sd t1, TI_STATUS(t0)
    ld t1, TI_COUNT(t0)
    addi t1, t1, 1
    sd t1, TI_COUNT(t0)
    ld t1, TI_RESUME(t0)
    beqz t1, 1f
    sd zero, TI_RESUME(t0)
    csrw mepc, t1
    li t1, 0x1800
    csrs mstatus, t1
    li t1, 0x80
    csrc mstatus, t1
    j 2f
1:  csrr t1, mepc
    lhu t2, 0(t1)
    andi t2, t2, 3
    li t0, 3
    addi t1, t1, 2
    bne t2, t0, 3f
    addi t1, t1, 2
3:  csrw mepc, t1
2:  ld t0, 0(sp)
    ld t1, 8(sp)
    ld t2, 16(sp)
    csrrw sp, mscratch, sp
    mret

    .balign 64
strap:
    csrrw sp, sscratch, sp
    sd t0, 0(sp)
    sd t1, 8(sp)
    sd t2, 16(sp)
    li t0, STRAP_INFO
    csrr t1, scause
    sd t1, TI_CAUSE(t0)
    csrr t1, stval
    sd t1, TI_TVAL(t0)
    csrr t1, sepc
    sd t1, TI_EPC(t0)
    csrr t1, sstatus
    sd t1, TI_STATUS(t0)
    ld t1, TI_COUNT(t0)
    addi t1, t1, 1
    sd t1, TI_COUNT(t0)
    ld t1, TI_RESUME(t0)
    beqz t1, 1f
    sd zero, TI_RESUME(t0)
    csrw sepc, t1
    li t1, 0x100
    csrs sstatus, t1
    li t1, 0x20
    csrc sstatus, t1
    j 2f
1:  csrr t1, sepc
    lhu t2, 0(t1)
    andi t2, t2, 3
    li t0, 3
    addi t1, t1, 2
    bne t2, t0, 3f
    addi t1, t1, 2
3:  csrw sepc, t1
2:  ld t0, 0(sp)
    ld t1, 8(sp)
    ld t2, 16(sp)
    csrrw sp, sscratch, sp
    sret
.endm
