/* RV64I: every base instruction, x0 as a destination, sign extension of the
 * W forms and of the loads, shift amounts 0/31/32/63, signed and unsigned
 * compares with negative numbers, branches taken and not taken, auipc, jal
 * and jalr (clearing bit 0). */
#include "test.h"

/* BR(op, a, b, taken): a0 = 1 if `op a, b` branches */
#define BR(op, a, b, taken)  \
    li t0, a; li t1, b; li a0, 1; op t0, t1, 1f; li a0, 0; 1: CHECK(a0, taken)

TEST_BEGIN
    .option norvc         /* every instruction here in its 32-bit form */
    /* ---- lui ---- */
    lui a0, 0x12345
    CHECK(a0, 0x12345000)
    lui a0, 0x80000
    CHECK(a0, 0xffffffff80000000)
    lui a0, 0xfffff
    CHECK(a0, 0xfffffffffffff000)
    lui a0, 0x7ffff
    CHECK(a0, 0x7ffff000)

    /* ---- auipc: compared with jal's link and with link-time addresses ---- */
    jal a1, 1f
1:  auipc a0, 0
    CHECK_REG(a0, a1)
    jal a1, 1f
1:  auipc a0, 1
    sub a0, a0, a1
    CHECK(a0, 0x1000)
    jal a1, 1f
1:  auipc a0, 0x80000
    sub a0, a0, a1
    CHECK(a0, 0xffffffff80000000)
    la a2, auipc_here_addr
    ld a2, 0(a2)
auipc_here:
    auipc a0, 0
    CHECK_REG(a0, a2)

    /* ---- jal ---- */
    la a2, jal_ret_addr
    ld a2, 0(a2)
    jal ra, jal_target
jal_ret:
    j 1f
jal_target:
    CHECK_REG(ra, a2)
    jalr zero, 0(ra)
1:
    /* jal with rd = x0 does not write x0 */
    jal zero, 1f
    li a0, 99             /* skipped */
    CHECK(a0, 0)          /* never reached */
1:  CHECK(zero, 0)
    mv a0, zero
    CHECK(a0, 0)
    /* backward jal */
    li a0, 0
    j 2f
1:  addi a0, a0, 1
    j 3f
2:  j 1b
3:  CHECK(a0, 1)

    /* ---- jalr ---- */
    la a1, jalr_t1
    addi a1, a1, 1        /* bit 0 set: cleared by jalr */
    li a0, 0
    jalr ra, 0(a1)
    CHECK(a0, 0)          /* skipped over */
jalr_t1:
    li a0, 7
    CHECK(a0, 7)
    la a1, jalr_t2
    addi a1, a1, -8
    jalr ra, 9(a1)        /* target - 8 + 9 = target + 1: bit 0 cleared */
jalr_t2_ret:
    li a0, 0
    CHECK(a0, 1)          /* skipped */
jalr_t2:
    la a2, jalr_t2_ret_addr   /* ra was the instruction after the jalr */
    ld a2, 0(a2)
    CHECK_REG(ra, a2)
    /* jalr with rd == rs1: target from the old value */
    la a1, jalr_t3
    jalr a1, 0(a1)
jalr_t3_ret:
    j 1f
jalr_t3:
    la a2, jalr_t3_ret_addr
    ld a2, 0(a2)
    CHECK_REG(a1, a2)
    jalr zero, 0(a1)      /* back to jalr_t3_ret, rd = x0 */
1:  CHECK(zero, 0)
    /* jalr with a negative offset */
    la a1, jalr_t4
    addi a1, a1, 16
    jalr ra, -16(a1)
    li a0, 1
    j 1f
jalr_t4:
    li a0, 2
1:  CHECK(a0, 2)
    /* jalr rd = x0 */
    la a1, 1f
    jalr zero, 0(a1)
    li a0, 5
1:  CHECK(zero, 0)

    /* ---- branches, both ways, signed vs unsigned ---- */
    BR(beq, 5, 5, 1)
    BR(beq, 5, 6, 0)
    BR(beq, -1, 0xffffffffffffffff, 1)
    BR(bne, 5, 6, 1)
    BR(bne, 5, 5, 0)
    BR(blt, -1, 1, 1)
    BR(blt, 1, -1, 0)
    BR(blt, 3, 3, 0)
    BR(blt, 0x8000000000000000, 0x7fffffffffffffff, 1)
    BR(bge, 1, -1, 1)
    BR(bge, -1, 1, 0)
    BR(bge, 3, 3, 1)
    BR(bge, -5, -5, 1)
    BR(bltu, 1, -1, 1)
    BR(bltu, -1, 1, 0)
    BR(bltu, 3, 3, 0)
    BR(bltu, 0x7fffffffffffffff, 0x8000000000000000, 1)
    BR(bgeu, -1, 1, 1)
    BR(bgeu, 1, -1, 0)
    BR(bgeu, 3, 3, 1)
    BR(bgeu, 0, 0, 1)
    /* a backward branch: count down a loop */
    li a0, 10
    li a1, 0
1:  addi a1, a1, 3
    addi a0, a0, -1
    bnez a0, 1b
    CHECK(a1, 30)
    /* branch to the far side of the harness code, forward and back */
    li a0, 0
    beq zero, zero, br_far
br_back:
    CHECK(a0, 1)

    /* ---- loads: sign and zero extension ---- */
    la a1, ldata
    lb a0, 0(a1)
    CHECK(a0, 0xffffffffffffff80)
    lbu a0, 0(a1)
    CHECK(a0, 0x80)
    lb a0, 1(a1)
    CHECK(a0, 0x7f)
    lbu a0, 1(a1)
    CHECK(a0, 0x7f)
    lh a0, 2(a1)
    CHECK(a0, 0xffffffffffff8001)
    lhu a0, 2(a1)
    CHECK(a0, 0x8001)
    lh a0, 4(a1)
    CHECK(a0, 0x7ffe)
    lhu a0, 4(a1)
    CHECK(a0, 0x7ffe)
    lw a0, 8(a1)
    CHECK(a0, 0xffffffff80000001)
    lwu a0, 8(a1)
    CHECK(a0, 0x80000001)
    lw a0, 12(a1)
    CHECK(a0, 0x7ffffffe)
    lwu a0, 12(a1)
    CHECK(a0, 0x7ffffffe)
    ld a0, 16(a1)
    CHECK(a0, 0x8123456789abcdef)
    /* negative offsets, unaligned base */
    addi a2, a1, 17
    lbu a0, -1(a2)
    CHECK(a0, 0xef)
    ld a0, -1(a2)
    CHECK(a0, 0x8123456789abcdef)
    lw a0, -9(a2)
    CHECK(a0, 0xffffffff80000001)
    lb a0, 6(a2)
    CHECK(a0, 0xffffffffffffff81)
    /* unaligned loads */
    lw a0, 1(a1)
    CHECK(a0, 0xfffffffffe80017f)
    lhu a0, 1(a1)
    CHECK(a0, 0x017f)
    ld a0, 15(a1)
    CHECK(a0, 0x23456789abcdef7f)
    /* loads into x0 */
    lw zero, 8(a1)
    CHECK(zero, 0)
    ld x0, 16(a1)
    CHECK(zero, 0)
    lbu zero, 0(a1)
    add a0, zero, zero
    CHECK(a0, 0)

    /* ---- stores ---- */
    la a1, sdata
    li a0, -1
    sd a0, 0(a1)
    sd a0, 8(a1)
    li a0, 0x1122334455667788
    sb a0, 0(a1)
    ld a2, 0(a1)
    CHECK(a2, 0xffffffffffffff88)
    sh a0, 2(a1)
    ld a2, 0(a1)
    CHECK(a2, 0xffffffff7788ff88)
    sw a0, 4(a1)
    ld a2, 0(a1)
    CHECK(a2, 0x556677887788ff88)
    sd a0, 8(a1)
    ld a2, 8(a1)
    CHECK(a2, 0x1122334455667788)
    addi a3, a1, 16
    sw zero, -12(a3)
    ld a2, 0(a1)
    CHECK(a2, 0x000000007788ff88)
    sd a0, 3(a1)          /* unaligned store */
    ld a2, 0(a1)
    CHECK(a2, 0x445566778888ff88)
    lbu a2, 10(a1)
    CHECK(a2, 0x11)
    lbu a2, 11(a1)
    CHECK(a2, 0x55)

    /* ---- register-immediate ---- */
    li a1, 100
    addi a0, a1, -101
    CHECK(a0, -1)
    addi a0, a1, 2047
    CHECK(a0, 2147)
    addi a0, a1, -2048
    CHECK(a0, -1948)
    li a1, 0x7fffffffffffffff
    addi a0, a1, 1
    CHECK(a0, 0x8000000000000000)
    addi zero, a1, 5
    CHECK(zero, 0)
    li a1, -5
    slti a0, a1, -4
    CHECK(a0, 1)
    slti a0, a1, -5
    CHECK(a0, 0)
    slti a0, a1, 2047
    CHECK(a0, 1)
    li a1, 5
    slti a0, a1, -1
    CHECK(a0, 0)
    sltiu a0, a1, -1      /* imm sign-extends to 2^64-1: everything else below */
    CHECK(a0, 1)
    li a1, -1
    sltiu a0, a1, -1
    CHECK(a0, 0)
    li a1, -5
    sltiu a0, a1, 5
    CHECK(a0, 0)
    sltiu a0, zero, 1     /* seqz */
    CHECK(a0, 1)
    li a1, 0x0ff0
    xori a0, a1, -1
    CHECK(a0, 0xfffffffffffff00f)
    xori a0, a1, 0x7ff
    CHECK(a0, 0x080f)
    ori a0, a1, -2048
    CHECK(a0, 0xfffffffffffff800 | 0x0ff0)
    ori a0, a1, 0x00f
    CHECK(a0, 0x0fff)
    li a1, 0x123456789abcdef0
    andi a0, a1, -16
    CHECK(a0, 0x123456789abcdef0)
    andi a0, a1, 0x7f0
    CHECK(a0, 0x6f0)
    andi a0, a1, 255
    CHECK(a0, 0xf0)
    andi a0, a1, -2048
    CHECK(a0, 0x123456789abcd800)

    /* ---- shifts by 0, 31, 32, 63 ---- */
    li a1, 0x8000000000000001
    slli a0, a1, 0
    CHECK(a0, 0x8000000000000001)
    slli a0, a1, 31
    CHECK(a0, 0x80000000)
    slli a0, a1, 32
    CHECK(a0, 0x100000000)
    slli a0, a1, 63
    CHECK(a0, 0x8000000000000000)
    srli a0, a1, 0
    CHECK(a0, 0x8000000000000001)
    srli a0, a1, 31
    CHECK(a0, 0x100000000)
    srli a0, a1, 32
    CHECK(a0, 0x80000000)
    srli a0, a1, 63
    CHECK(a0, 1)
    srai a0, a1, 0
    CHECK(a0, 0x8000000000000001)
    srai a0, a1, 31
    CHECK(a0, 0xffffffff00000000)
    srai a0, a1, 32
    CHECK(a0, 0xffffffff80000000)
    srai a0, a1, 63
    CHECK(a0, -1)
    li a1, 0x4000000000000000
    srai a0, a1, 62
    CHECK(a0, 1)
    /* register shifts: amount is rs2 mod 64 */
    li a1, 0x8000000000000001
    li a2, 0
    sll a0, a1, a2
    CHECK(a0, 0x8000000000000001)
    li a2, 31
    sll a0, a1, a2
    CHECK(a0, 0x80000000)
    li a2, 32
    sll a0, a1, a2
    CHECK(a0, 0x100000000)
    li a2, 63
    sll a0, a1, a2
    CHECK(a0, 0x8000000000000000)
    li a2, 64
    sll a0, a1, a2
    CHECK(a0, 0x8000000000000001)
    li a2, 0xffffffffffffffc1   /* 65 mod 64 = 1 */
    sll a0, a1, a2
    CHECK(a0, 2)
    li a2, 0
    srl a0, a1, a2
    CHECK(a0, 0x8000000000000001)
    li a2, 31
    srl a0, a1, a2
    CHECK(a0, 0x100000000)
    li a2, 32
    srl a0, a1, a2
    CHECK(a0, 0x80000000)
    li a2, 63
    srl a0, a1, a2
    CHECK(a0, 1)
    li a2, 127
    srl a0, a1, a2
    CHECK(a0, 1)
    li a2, 0
    sra a0, a1, a2
    CHECK(a0, 0x8000000000000001)
    li a2, 31
    sra a0, a1, a2
    CHECK(a0, 0xffffffff00000000)
    li a2, 32
    sra a0, a1, a2
    CHECK(a0, 0xffffffff80000000)
    li a2, 63
    sra a0, a1, a2
    CHECK(a0, -1)
    li a2, 64
    sra a0, a1, a2
    CHECK(a0, 0x8000000000000001)

    /* ---- register-register ---- */
    li a1, 0x7fffffffffffffff
    li a2, 1
    add a0, a1, a2
    CHECK(a0, 0x8000000000000000)
    li a1, -1
    add a0, a1, a2
    CHECK(a0, 0)
    sub a0, zero, a2
    CHECK(a0, -1)
    li a1, 0x8000000000000000
    sub a0, a1, a2
    CHECK(a0, 0x7fffffffffffffff)
    add zero, a1, a2
    CHECK(zero, 0)
    li a1, -1
    li a2, 1
    slt a0, a1, a2
    CHECK(a0, 1)
    slt a0, a2, a1
    CHECK(a0, 0)
    slt a0, a1, a1
    CHECK(a0, 0)
    sltu a0, a1, a2
    CHECK(a0, 0)
    sltu a0, a2, a1
    CHECK(a0, 1)
    li a1, 0x8000000000000000
    li a2, 0x7fffffffffffffff
    slt a0, a1, a2
    CHECK(a0, 1)
    sltu a0, a1, a2
    CHECK(a0, 0)
    sltu a0, zero, a1     /* snez */
    CHECK(a0, 1)
    sltu a0, zero, zero
    CHECK(a0, 0)
    li a1, 0xff00ff00ff00ff00
    li a2, 0x0ff00ff00ff00ff0
    xor a0, a1, a2
    CHECK(a0, 0xf0f0f0f0f0f0f0f0)
    or a0, a1, a2
    CHECK(a0, 0xfff0fff0fff0fff0)
    and a0, a1, a2
    CHECK(a0, 0x0f000f000f000f00)
    xor a0, a1, a1
    CHECK(a0, 0)

    /* ---- W forms: 32-bit result sign-extended ---- */
    li a1, 0x7fffffff
    addiw a0, a1, 1
    CHECK(a0, 0xffffffff80000000)
    li a1, 0x123456789
    addiw a0, a1, 0       /* sext.w */
    CHECK(a0, 0x23456789)
    li a1, 0xfffffffff
    addiw a0, a1, 0
    CHECK(a0, -1)
    li a1, 0x100000000
    addiw a0, a1, -1
    CHECK(a0, -1)
    li a1, 0xffffffff00000001
    slliw a0, a1, 0
    CHECK(a0, 1)
    slliw a0, a1, 31
    CHECK(a0, 0xffffffff80000000)
    li a1, 0x12345678
    slliw a0, a1, 4
    CHECK(a0, 0x23456780)
    li a1, 0xffffffff80000000
    srliw a0, a1, 0
    CHECK(a0, 0xffffffff80000000)
    srliw a0, a1, 1
    CHECK(a0, 0x40000000)
    srliw a0, a1, 31
    CHECK(a0, 1)
    li a1, 0x00000000fffffff0   /* upper bits ignored */
    srliw a0, a1, 4
    CHECK(a0, 0x0fffffff)
    li a1, 0x0000000080000000
    sraiw a0, a1, 0
    CHECK(a0, 0xffffffff80000000)
    sraiw a0, a1, 4
    CHECK(a0, 0xfffffffff8000000)
    sraiw a0, a1, 31
    CHECK(a0, -1)
    li a1, 0xffffffff7fffffff
    sraiw a0, a1, 31
    CHECK(a0, 0)
    sraiw a0, a1, 1
    CHECK(a0, 0x3fffffff)
    li a1, 0x7fffffff
    li a2, 1
    addw a0, a1, a2
    CHECK(a0, 0xffffffff80000000)
    li a1, 0x1ffffffff
    addw a0, a1, a2
    CHECK(a0, 0)
    li a1, 0x80000000
    subw a0, a1, a2
    CHECK(a0, 0x7fffffff)
    subw a0, zero, a2
    CHECK(a0, -1)
    li a1, 0xffffffff00000000
    subw a0, a1, zero
    CHECK(a0, 0)
    li a1, 1
    li a2, 31
    sllw a0, a1, a2
    CHECK(a0, 0xffffffff80000000)
    li a2, 32             /* amount mod 32 */
    sllw a0, a1, a2
    CHECK(a0, 1)
    li a2, 63
    sllw a0, a1, a2
    CHECK(a0, 0xffffffff80000000)
    li a2, 0
    sllw a0, a1, a2
    CHECK(a0, 1)
    li a1, 0xffffffff80000000
    li a2, 0
    srlw a0, a1, a2
    CHECK(a0, 0xffffffff80000000)
    li a2, 31
    srlw a0, a1, a2
    CHECK(a0, 1)
    li a2, 32
    srlw a0, a1, a2
    CHECK(a0, 0xffffffff80000000)
    li a2, 33
    srlw a0, a1, a2
    CHECK(a0, 0x40000000)
    li a2, 0
    sraw a0, a1, a2
    CHECK(a0, 0xffffffff80000000)
    li a2, 31
    sraw a0, a1, a2
    CHECK(a0, -1)
    li a2, 32
    sraw a0, a1, a2
    CHECK(a0, 0xffffffff80000000)
    li a2, 4
    sraw a0, a1, a2
    CHECK(a0, 0xfffffffff8000000)
    li a1, 0x7fffffff80000000
    li a2, 63
    sraw a0, a1, a2
    CHECK(a0, -1)
    addw zero, a1, a1
    CHECK(zero, 0)

    /* ---- fences (no architectural effect single-threaded) ---- */
    fence
    fence rw, rw
    fence r, r
    fence.i
    li a0, 3
    CHECK(a0, 3)
    /* ---- ecall: write(1, buf, 0) returns 0 ---- */
    li a0, 1
    la a1, ldata
    li a2, 0
    li a7, SYS_write
    ecall
    CHECK(a0, 0)
    /* a bad file descriptor: -EBADF */
    li a0, 12345
    la a1, ldata
    li a2, 1
    li a7, SYS_write
    ecall
    CHECK(a0, -9)
    j done

    /* far branch target: more than 2 KiB away from br_back */
    .skip 2048, 0
br_far:
    addi a0, a0, 1
    beq zero, zero, br_back
done:
TEST_END

    .data
    .balign 8
ldata:
    .byte 0x80, 0x7f, 0x01, 0x80, 0xfe, 0x7f, 0, 0
    .word 0x80000001, 0x7ffffffe
    .dword 0x8123456789abcdef
    .dword 0
sdata:
    .dword 0, 0, 0
auipc_here_addr:  .dword auipc_here
jal_ret_addr:     .dword jal_ret
jalr_t2_ret_addr: .dword jalr_t2_ret
jalr_t3_ret_addr: .dword jalr_t3_ret
