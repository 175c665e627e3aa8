/* Zbs: bclr/bset/binv/bext, register (index mod 64) and immediate forms. */
#include "test.h"
#define R(op, a, b, want) li a1, a; li a2, b; op a0, a1, a2; CHECK(a0, want)
#define I(op, a, imm, want) li a1, a; op a0, a1, imm; CHECK(a0, want)

TEST_BEGIN
    .option norvc
    R(bclr, -1, 0, 0xfffffffffffffffe)
    R(bclr, -1, 63, 0x7fffffffffffffff)
    R(bclr, -1, 64, 0xfffffffffffffffe)     /* index mod 64 */
    R(bclr, -1, 95, 0xffffffff7fffffff)
    R(bclr, 0, 5, 0)
    I(bclri, -1, 0, 0xfffffffffffffffe)
    I(bclri, -1, 31, 0xffffffff7fffffff)
    I(bclri, -1, 32, 0xfffffffeffffffff)
    I(bclri, -1, 63, 0x7fffffffffffffff)
    R(bset, 0, 0, 1)
    R(bset, 0, 63, 0x8000000000000000)
    R(bset, 0, 127, 0x8000000000000000)
    R(bset, 1, 0, 1)
    I(bseti, 0, 0, 1)
    I(bseti, 0, 31, 0x80000000)
    I(bseti, 0, 32, 0x100000000)
    I(bseti, 0x10, 63, 0x8000000000000010)
    R(binv, 0, 0, 1)
    R(binv, 1, 0, 0)
    R(binv, 0x8000000000000000, 63, 0)
    R(binv, 0, 65, 2)
    I(binvi, 0, 63, 0x8000000000000000)
    I(binvi, -1, 31, 0xffffffff7fffffff)
    I(binvi, 5, 0, 4)
    R(bext, 0x8000000000000000, 63, 1)
    R(bext, 0x7fffffffffffffff, 63, 0)
    R(bext, 2, 1, 1)
    R(bext, 2, 65, 1)
    R(bext, 2, 0, 0)
    I(bexti, 0x8000000000000000, 63, 1)
    I(bexti, 0x100000000, 32, 1)
    I(bexti, 0x100000000, 31, 0)
    I(bexti, 1, 0, 1)
    li a1, -1
    bclri zero, a1, 3
    bext zero, a1, a1
    CHECK(zero, 0)
TEST_END
