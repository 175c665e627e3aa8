/* RV64A: every AMO's returned old value and memory result (.w sign-extends
 * the old value and leaves the neighbouring word alone), aq/rl variants,
 * LR/SC success and the ways SC must fail. */
#include "test.h"

/* AMO(op, old, operand, want_rd, want_mem): 64-bit cell at a0 */
#define AMOD(op, old, operand, want_rd, want_mem) \
    li t0, old; sd t0, 0(s0); li a1, operand; op a2, a1, (s0); \
    CHECK(a2, want_rd); ld a3, 0(s0); CHECK(a3, want_mem)
/* 32-bit cell at s0 + 8, neighbour words at s0 + 4 and s0 + 12 hold a guard */
#define AMOW(op, old, operand, want_rd, want_mem) \
    li t0, old; sw t0, 8(s0); li a1, operand; op a2, a1, (s1); \
    CHECK(a2, want_rd); lwu a3, 8(s0); CHECK(a3, want_mem); \
    ld a3, 0(s0); CHECK_REG(a3, s2); lwu a3, 12(s0); CHECK(a3, 0x5a5a5a5a)

TEST_BEGIN
    .option norvc
    la s0, cell
    addi s1, s0, 8
    li s2, 0xa5a5a5a5a5a5a5a5
    li t0, 0x5a5a5a5a
    sw t0, 12(s0)

    /* ---- 64-bit AMOs ---- */
    sd s2, 0(s0)
    AMOD(amoswap.d, 0x1122334455667788, -1, 0x1122334455667788, -1)
    AMOD(amoadd.d, 0x7fffffffffffffff, 1, 0x7fffffffffffffff, 0x8000000000000000)
    AMOD(amoadd.d, -1, 1, -1, 0)
    AMOD(amoxor.d, 0xff00ff00ff00ff00, 0x0ff00ff00ff00ff0, 0xff00ff00ff00ff00, 0xf0f0f0f0f0f0f0f0)
    AMOD(amoand.d, 0xff00ff00ff00ff00, 0x0ff00ff00ff00ff0, 0xff00ff00ff00ff00, 0x0f000f000f000f00)
    AMOD(amoor.d, 0xff00ff00ff00ff00, 0x0ff00ff00ff00ff0, 0xff00ff00ff00ff00, 0xfff0fff0fff0fff0)
    AMOD(amomin.d, -5, 3, -5, -5)
    AMOD(amomin.d, 3, -5, 3, -5)
    AMOD(amomin.d, 0x8000000000000000, 0x7fffffffffffffff, 0x8000000000000000, 0x8000000000000000)
    AMOD(amomax.d, -5, 3, -5, 3)
    AMOD(amomax.d, 3, -5, 3, 3)
    AMOD(amomax.d, 0x8000000000000000, 0x7fffffffffffffff, 0x8000000000000000, 0x7fffffffffffffff)
    AMOD(amominu.d, -5, 3, -5, 3)
    AMOD(amominu.d, 3, -5, 3, 3)
    AMOD(amominu.d, 7, 7, 7, 7)
    AMOD(amomaxu.d, -5, 3, -5, -5)
    AMOD(amomaxu.d, 3, -5, 3, -5)
    AMOD(amomaxu.d, 0x8000000000000000, 0x7fffffffffffffff, 0x8000000000000000, 0x8000000000000000)
    /* aq / rl / aqrl encodings behave the same */
    AMOD(amoadd.d.aq, 10, 5, 10, 15)
    AMOD(amoadd.d.rl, 10, 5, 10, 15)
    AMOD(amoadd.d.aqrl, 10, 5, 10, 15)
    AMOD(amoswap.d.aqrl, 1, 2, 1, 2)

    /* ---- 32-bit AMOs: old value sign-extended, 32-bit memory result ---- */
    sd s2, 0(s0)
    AMOW(amoswap.w, 0x80000000, 0x123456789, 0xffffffff80000000, 0x23456789)
    AMOW(amoswap.w, 0x7fffffff, 0, 0x7fffffff, 0)
    AMOW(amoadd.w, 0x7fffffff, 1, 0x7fffffff, 0x80000000)
    AMOW(amoadd.w, 0xffffffff, 1, -1, 0)                  /* no carry into the next word */
    AMOW(amoadd.w, 0x80000000, 0x100000000, 0xffffffff80000000, 0x80000000)
    AMOW(amoxor.w, 0xff00ff00, 0x0ff00ff0, 0xffffffffff00ff00, 0xf0f0f0f0)
    AMOW(amoand.w, 0xff00ff00, 0x0ff00ff0, 0xffffffffff00ff00, 0x0f000f00)
    AMOW(amoor.w, 0xff00ff00, 0x0ff00ff0, 0xffffffffff00ff00, 0xfff0fff0)
    AMOW(amomin.w, 0xfffffffb, 3, -5, 0xfffffffb)         /* -5 < 3 */
    AMOW(amomin.w, 3, 0xfffffffb, 3, 0xfffffffb)
    AMOW(amomin.w, 3, 0x1fffffffb, 3, 0xfffffffb)         /* upper half of rs2 ignored */
    AMOW(amomin.w, 0x80000000, 0x7fffffff, 0xffffffff80000000, 0x80000000)
    AMOW(amomax.w, 0xfffffffb, 3, -5, 3)
    AMOW(amomax.w, 3, 0xfffffffb, 3, 3)
    AMOW(amomax.w, 0x80000000, 0x7fffffff, 0xffffffff80000000, 0x7fffffff)
    AMOW(amomax.w, 3, 0x100000000, 3, 3)                  /* rs2 is 0 in 32 bits */
    AMOW(amominu.w, 0xfffffffb, 3, -5, 3)
    AMOW(amominu.w, 3, 0xfffffffb, 3, 3)
    AMOW(amominu.w, 3, 0xffffffff00000001, 3, 1)
    AMOW(amomaxu.w, 0xfffffffb, 3, -5, 0xfffffffb)
    AMOW(amomaxu.w, 3, 0xfffffffb, 3, 0xfffffffb)
    AMOW(amomaxu.w, 0x80000000, 0x7fffffff, 0xffffffff80000000, 0x80000000)
    AMOW(amoor.w.aq, 1, 2, 1, 3)
    AMOW(amoor.w.rl, 1, 2, 1, 3)
    AMOW(amoor.w.aqrl, 1, 2, 1, 3)

    /* ---- rd = x0, rd == rs2 ---- */
    li t0, 40
    sd t0, 0(s0)
    li a1, 2
    amoadd.d zero, a1, (s0)
    CHECK(zero, 0)
    ld a3, 0(s0)
    CHECK(a3, 42)
    li a1, 7
    amoswap.d a1, a1, (s0)
    CHECK(a1, 42)
    ld a3, 0(s0)
    CHECK(a3, 7)
    li t0, 0x80000001
    sw t0, 8(s0)
    li a1, 1
    amoadd.w a1, a1, (s1)
    CHECK(a1, 0xffffffff80000001)
    lwu a3, 8(s0)
    CHECK(a3, 0x80000002)
    /* rs1 == rd: the address is read before rd is written */
    mv a4, s0
    li a1, 5
    amoswap.d a4, a1, (a4)
    CHECK(a4, 7)
    ld a3, 0(s0)
    CHECK(a3, 5)

    /* ---- LR/SC ---- */
    sd s2, 0(s0)
    li t0, 0x80000000
    sw t0, 8(s0)
    li t0, 0x5a5a5a5a
    sw t0, 12(s0)
    /* lr.w sign-extends; sc.w succeeds (rd = 0) and writes 32 bits */
    lr.w a2, (s1)
    CHECK(a2, 0xffffffff80000000)
    li a1, 0x123456789
    sc.w a3, a1, (s1)
    CHECK(a3, 0)
    lwu a2, 8(s0)
    CHECK(a2, 0x23456789)
    lwu a2, 12(s0)
    CHECK(a2, 0x5a5a5a5a)
    /* a second sc.w after the successful one fails: the reservation is gone */
    li a1, 99
    sc.w a3, a1, (s1)
    CHECK(a3, 1)
    lwu a2, 8(s0)
    CHECK(a2, 0x23456789)
    /* lr.d / sc.d */
    li t0, 0x1111111111111111
    sd t0, 0(s0)
    lr.d a2, (s0)
    CHECK(a2, 0x1111111111111111)
    li a1, 0x2222222222222222
    sc.d a3, a1, (s0)
    CHECK(a3, 0)
    ld a2, 0(s0)
    CHECK(a2, 0x2222222222222222)
    li a1, 0x3333333333333333
    sc.d a3, a1, (s0)
    CHECK(a3, 1)
    ld a2, 0(s0)
    CHECK(a2, 0x2222222222222222)
    /* aq/rl forms */
    lr.d.aq a2, (s0)
    CHECK(a2, 0x2222222222222222)
    sc.d.rl a3, a1, (s0)
    CHECK(a3, 0)
    ld a2, 0(s0)
    CHECK(a2, 0x3333333333333333)
    lr.w.aqrl a2, (s1)
    sc.w.aqrl a3, zero, (s1)
    CHECK(a3, 0)
    lwu a2, 8(s0)
    CHECK(a2, 0)
    /* sc without any reservation fails (the last sc cleared it) */
    li a1, 77
    sc.d a3, a1, (s0)
    CHECK(a3, 1)
    ld a2, 0(s0)
    CHECK(a2, 0x3333333333333333)
    /* sc to a different address than the lr fails, and clears the reservation */
    li t0, 100
    sd t0, 16(s0)
    lr.d a2, (s0)
    addi a5, s0, 16
    li a1, 55
    sc.d a3, a1, (a5)
    CHECK(a3, 1)
    ld a2, 16(s0)
    CHECK(a2, 100)
    sc.d a3, a1, (s0)     /* the reservation on s0 is gone too */
    CHECK(a3, 1)
    ld a2, 0(s0)
    CHECK(a2, 0x3333333333333333)
    /* lr; sc (ok); sc again (fails) with .w */
    lr.w a2, (s1)
    CHECK(a2, 0)
    li a1, 1
    sc.w a3, a1, (s1)
    CHECK(a3, 0)
    li a1, 2
    sc.w a3, a1, (s1)
    CHECK(a3, 1)
    lw a2, 8(s0)
    CHECK(a2, 1)
    /* a newer lr replaces the older reservation */
    lr.d a2, (a5)
    lr.d a2, (s0)
    li a1, 44
    sc.d a3, a1, (a5)
    CHECK(a3, 1)
    sc.d a3, a1, (s0)
    CHECK(a3, 1)
    /* sc with rd = x0 */
    lr.d a2, (s0)
    li a1, 66
    sc.d zero, a1, (s0)
    CHECK(zero, 0)
    ld a2, 0(s0)
    CHECK(a2, 66)
    /* lr into x0 still reserves */
    lr.d zero, (s0)
    CHECK(zero, 0)
    li a1, 67
    sc.d a3, a1, (s0)
    CHECK(a3, 0)
    ld a2, 0(s0)
    CHECK(a2, 67)
    /* the classic retry loop: atomic increment */
    li t1, 100
1:  lr.d a2, (s0)
    addi a2, a2, 1
    sc.d a3, a2, (s0)
    bnez a3, 1b
    addi t1, t1, -1
    bnez t1, 1b
    ld a2, 0(s0)
    CHECK(a2, 167)
TEST_END

    .data
    .balign 64
cell:
    .dword 0, 0, 0, 0
