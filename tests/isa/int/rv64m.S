/* RV64M: multiply (low and high halves, signed/unsigned mixes), divide and
 * remainder including division by zero and signed overflow, and the W forms
 * (32-bit operands, sign-extended 32-bit results). */
#include "test.h"

/* R(op, a, b, want): a0 = op(a, b) */
#define R(op, a, b, want) li a1, a; li a2, b; op a0, a1, a2; CHECK(a0, want)

#define MIN64 0x8000000000000000
#define MIN32 0xffffffff80000000

TEST_BEGIN
    .option norvc
    /* ---- mul ---- */
    R(mul, 6, 7, 42)
    R(mul, -6, 7, -42)
    R(mul, -6, -7, 42)
    R(mul, 0x100000000, 0x100000000, 0)
    R(mul, 0x123456789, 0x987654321, 0xd77d742cce1833a9)
    R(mul, MIN64, -1, MIN64)
    R(mul, -1, -1, 1)
    /* ---- mulh (signed x signed) ---- */
    R(mulh, 6, 7, 0)
    R(mulh, -6, 7, -1)
    R(mulh, -1, -1, 0)
    R(mulh, MIN64, MIN64, 0x4000000000000000)
    R(mulh, MIN64, 0x7fffffffffffffff, 0xc000000000000000)
    R(mulh, MIN64, -1, 0)
    R(mulh, 0x7fffffffffffffff, 0x7fffffffffffffff, 0x3fffffffffffffff)
    R(mulh, -2, 0x4000000000000000, -1)
    R(mulh, -2, 0x8000000000000001, 0)
    /* ---- mulhsu (signed rs1 x unsigned rs2) ---- */
    R(mulhsu, -1, -1, -1)           /* -1 * (2^64-1) = -(2^64-1): high = -1 */
    R(mulhsu, -1, 1, -1)
    R(mulhsu, 1, -1, 0)
    R(mulhsu, 2, -1, 1)
    R(mulhsu, MIN64, -1, 0x8000000000000000)  /* -2^63*(2^64-1) >> 64 = -2^63 + ... */
    R(mulhsu, -2, 0x8000000000000000, -1)
    R(mulhsu, 0x7fffffffffffffff, -1, 0x7ffffffffffffffe)
    /* ---- mulhu ---- */
    R(mulhu, -1, -1, 0xfffffffffffffffe)
    R(mulhu, -1, 2, 1)
    R(mulhu, MIN64, 2, 1)
    R(mulhu, 6, 7, 0)
    R(mulhu, 0x100000000, 0x100000000, 1)
    /* ---- mulw ---- */
    R(mulw, 0x10000, 0x10000, 0)
    R(mulw, 0x10000, 0x8000, MIN32)
    R(mulw, -1, -1, 1)
    R(mulw, 0x7fffffff, 2, -2)
    R(mulw, 0x100000003, 0x200000005, 15)   /* upper halves ignored */
    R(mulw, 0xffffffff, 3, -3)
    /* ---- div ---- */
    R(div, 42, 6, 7)
    R(div, -7, 2, -3)                /* rounds towards zero */
    R(div, 7, -2, -3)
    R(div, -7, -2, 3)
    R(div, 5, 0, -1)                 /* by zero: all ones */
    R(div, -5, 0, -1)
    R(div, 0, 0, -1)
    R(div, MIN64, -1, MIN64)         /* overflow: the dividend */
    R(div, MIN64, 1, MIN64)
    R(div, MIN64, 2, 0xc000000000000000)
    /* ---- divu ---- */
    R(divu, 42, 6, 7)
    R(divu, -7, 2, 0x7ffffffffffffffc)
    R(divu, 5, 0, -1)
    R(divu, 0, 0, -1)
    R(divu, MIN64, -1, 0)
    R(divu, -1, -1, 1)
    /* ---- rem ---- */
    R(rem, 43, 6, 1)
    R(rem, -7, 2, -1)                /* sign of the dividend */
    R(rem, 7, -2, 1)
    R(rem, -7, -2, -1)
    R(rem, 5, 0, 5)                  /* by zero: the dividend */
    R(rem, -5, 0, -5)
    R(rem, MIN64, -1, 0)             /* overflow: 0 */
    R(rem, MIN64, 3, -2)
    /* ---- remu ---- */
    R(remu, 43, 6, 1)
    R(remu, -7, 2, 1)
    R(remu, 5, 0, 5)
    R(remu, -5, 0, -5)
    R(remu, MIN64, -1, MIN64)
    /* ---- divw ---- */
    R(divw, 42, 6, 7)
    R(divw, -7, 2, -3)
    R(divw, 0x100000007, 0x200000002, 3) /* upper halves ignored */
    R(divw, 0xfffffff9, 2, -3)       /* 32-bit -7 */
    R(divw, 5, 0, -1)
    R(divw, 5, 0x100000000, -1)      /* divisor is 0 in 32 bits */
    R(divw, MIN32, -1, MIN32)
    R(divw, 0x80000000, 0xffffffff, MIN32)
    R(divw, 0x80000000, 1, MIN32)
    /* ---- divuw ---- */
    R(divuw, 42, 6, 7)
    R(divuw, 0xfffffff9, 2, 0x7ffffffc)
    R(divuw, 0x80000000, 1, MIN32)   /* result sign-extended */
    R(divuw, 0xffffffff, 1, -1)
    R(divuw, 5, 0, -1)
    R(divuw, 0, 0, -1)
    R(divuw, MIN32, -1, 0)
    R(divuw, 0x700000000, 3, 0)
    /* ---- remw ---- */
    R(remw, 43, 6, 1)
    R(remw, -7, 2, -1)
    R(remw, 7, -2, 1)
    R(remw, 5, 0, 5)
    R(remw, 0x80000005, 0, 0xffffffff80000005) /* dividend sign-extended */
    R(remw, 0x100000005, 0, 5)
    R(remw, MIN32, -1, 0)
    R(remw, 0x80000000, 0xffffffff, 0)
    /* ---- remuw ---- */
    R(remuw, 43, 6, 1)
    R(remuw, 0xfffffff9, 2, 1)
    R(remuw, 5, 0, 5)
    R(remuw, 0x80000005, 0, 0xffffffff80000005)
    R(remuw, 0xffffffff, 0x80000000, 0x7fffffff)
    R(remuw, 0xfffffffe, 0xffffffff, -2)
    R(remuw, MIN32, -1, MIN32)
    /* x0 destination */
    li a1, 7
    li a2, 3
    mul zero, a1, a2
    div zero, a1, a2
    remuw zero, a1, a2
    CHECK(zero, 0)
    /* rd == rs1 == rs2 */
    li a1, 9
    mul a1, a1, a1
    CHECK(a1, 81)
    div a1, a1, a1
    CHECK(a1, 1)
TEST_END
