/* Zba: add.uw (and zext.w), shNadd, shNadd.uw, slli.uw. */
#include "test.h"
#define R(op, a, b, want) li a1, a; li a2, b; op a0, a1, a2; CHECK(a0, want)
#define I(op, a, imm, want) li a1, a; op a0, a1, imm; CHECK(a0, want)

TEST_BEGIN
    .option norvc
    R(add.uw, 0xffffffff80000000, 1, 0x80000001)
    R(add.uw, 0x12345678ffffffff, 1, 0x100000000)
    R(add.uw, 0xffffffffffffffff, 0xffffffff00000000, 0xffffffffffffffff)
    R(add.uw, 5, -6, -1)
    li a1, 0xfedcba9887654321
    zext.w a0, a1
    CHECK(a0, 0x87654321)
    add.uw a0, a1, zero
    CHECK(a0, 0x87654321)
    R(sh1add, 3, 4, 10)
    R(sh1add, 0x8000000000000001, 0, 2)
    R(sh1add, -1, 0, -2)
    R(sh2add, 3, 4, 16)
    R(sh2add, 0x4000000000000001, 1, 5)
    R(sh2add, -1, 4, 0)
    R(sh3add, 3, 4, 28)
    R(sh3add, 0x2000000000000001, 0, 8)
    R(sh3add, -1, 8, 0)
    R(sh1add.uw, 0xffffffff80000000, 1, 0x100000001)
    R(sh1add.uw, 0xffffffffffffffff, 0, 0x1fffffffe)
    R(sh2add.uw, 0xffffffff80000000, 1, 0x200000001)
    R(sh2add.uw, 0xffffffffffffffff, 0, 0x3fffffffc)
    R(sh3add.uw, 0xffffffff80000000, 1, 0x400000001)
    R(sh3add.uw, 0xffffffffffffffff, 0, 0x7fffffff8)
    R(sh3add.uw, 0x100000003, -24, 0)
    I(slli.uw, 0xffffffff80000001, 0, 0x80000001)
    I(slli.uw, 0xffffffff80000001, 1, 0x100000002)
    I(slli.uw, 0xffffffff80000001, 31, 0x4000000080000000)
    I(slli.uw, 0xffffffff80000001, 32, 0x8000000100000000)
    I(slli.uw, 0xffffffff80000001, 63, 0x8000000000000000)
    I(slli.uw, 0xffffffff00000000, 5, 0)
    li a1, 1
    li a2, 2
    sh1add zero, a1, a2
    add.uw zero, a1, a2
    CHECK(zero, 0)
TEST_END
