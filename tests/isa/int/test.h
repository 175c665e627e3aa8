/* test.h: a tiny self-checking test harness for riscv64 Linux, no libc.
 *
 *   #include "test.h"
 *   TEST_BEGIN
 *       li a0, 5
 *       CHECK(a0, 5)           // register == 64-bit constant
 *       CHECK_REG(a0, a1)      // register == register
 *   TEST_END
 *
 * Checks are numbered 1, 2, ... in source order.  On the first mismatch the
 * program writes "FAIL <file> test <n> (line <l>): got 0x..." to
 * stdout and exits with status n (255 if n > 255); TEST_END exits 0.
 * s9, s10 and s11 belong to the harness: tests must not use them.
 * The harness needs only: li/la, beq, jal, ecall, sb, and (when printing a
 * failure) remu/divu/srli/andi.
 */
#define SYS_write 64
#define SYS_exit 93

#define STR_(x) #x
#define STR(x) STR_(x)

#define CHECK(reg, val) check_eq reg, val, __LINE__
#define CHECK_REG(reg, reg2) check_reg reg, reg2, __LINE__

    .set tnum, 0

    .macro check_eq reg, val, line
    .set tnum, tnum + 1
    mv s9, \reg
    li s11, \val
    li s10, tnum
    beq s9, s11, .Lok\@
    li s11, \line
    jal x0, test_fail
.Lok\@:
    .endm

    .macro check_reg reg, reg2, line
    .set tnum, tnum + 1
    mv s9, \reg
    mv s11, \reg2
    li s10, tnum
    beq s9, s11, .Lok\@
    li s11, \line
    jal x0, test_fail
.Lok\@:
    .endm

#define TEST_BEGIN                 \
    .text;                         \
    .globl _start;                 \
_start:

#define TEST_END                   \
    li a0, 0;                      \
    li a7, SYS_exit;               \
    ecall;                         \
    TEST_FAIL_ROUTINE

#define TEST_FAIL_ROUTINE                                           \
test_fail:                                                          \
    la a1, .Lmsg_fail; jal ra, test_puts;                           \
    mv a0, s10; jal ra, test_put_dec;                               \
    la a1, .Lmsg_line; jal ra, test_puts;                           \
    mv a0, s11; jal ra, test_put_dec;                               \
    la a1, .Lmsg_got; jal ra, test_puts;                            \
    mv a0, s9; jal ra, test_put_hex;                                \
    la a1, .Lmsg_nl; jal ra, test_puts;                             \
    li a0, 255;                                                     \
    bltu s10, a0, 1f;                                               \
    mv s10, a0;                                                     \
1:  mv a0, s10;                                                     \
    li a7, SYS_exit;                                                \
    ecall;                                                          \
test_puts: /* a1 = NUL-terminated string */                         \
    mv a2, a1;                                                      \
5:  lbu t0, 0(a2); beqz t0, 6f; addi a2, a2, 1; j 5b;               \
6:  sub a2, a2, a1;                                                 \
test_write: /* a1 = buf, a2 = len */                                \
    li a0, 1; li a7, SYS_write; ecall; ret;                         \
test_put_dec: /* a0 = value */                                      \
    mv t3, ra;                                                      \
    la a1, .Lnumbuf_end; li t1, 10;                                 \
2:  remu t0, a0, t1; addi t0, t0, '0';                              \
    addi a1, a1, -1; sb t0, 0(a1);                                  \
    divu a0, a0, t1; bnez a0, 2b;                                   \
    la a2, .Lnumbuf_end; sub a2, a2, a1;                            \
    jal ra, test_write;                                             \
    mv ra, t3; ret;                                                 \
test_put_hex: /* a0 = value */                                      \
    mv t3, ra;                                                      \
    la a1, .Lnumbuf_end; li t1, 16;                                 \
3:  andi t0, a0, 15; addi t0, t0, '0'; li t2, '9';                  \
    ble t0, t2, 4f; addi t0, t0, 'a' - '9' - 1;                     \
4:  addi a1, a1, -1; sb t0, 0(a1);                                  \
    srli a0, a0, 4; addi t1, t1, -1; bnez t1, 3b;                   \
    addi a1, a1, -2; li t0, '0'; sb t0, 0(a1); li t0, 'x'; sb t0, 1(a1); \
    la a2, .Lnumbuf_end; sub a2, a2, a1;                            \
    jal ra, test_write;                                             \
    mv ra, t3; ret;                                                 \
    .section .rodata;                                               \
.Lmsg_fail: .asciz "FAIL " __FILE__ " test ";                       \
.Lmsg_line: .asciz " (line ";                                       \
.Lmsg_got: .asciz "): got ";                                        \
.Lmsg_nl: .asciz "\n";                                              \
    .bss;                                                           \
.Lnumbuf: .skip 32;                                                 \
.Lnumbuf_end:                                                       \
    .text
