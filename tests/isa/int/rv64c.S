/* RV64C (integer): every compressed instruction, written with explicit c.
 * mnemonics so each is really the 16-bit form, with its immediate edge cases;
 * 4-byte instructions at addresses = 2 mod 4 and jumps into them; a jump into
 * the upper half of a 4-byte instruction (which is itself a valid compressed
 * instruction); a 4-byte instruction that straddles a page boundary. */
#include "test.h"

TEST_BEGIN
    .option rvc
    /* a scratch frame on the stack */
    mv s8, sp
    andi sp, sp, -16
    addi sp, sp, -1024
    addi sp, sp, -1024

    /* ---- quadrant 0 ---- */
    c.addi4spn a0, sp, 1020
    sub a0, a0, sp
    CHECK(a0, 1020)
    c.addi4spn s1, sp, 4
    sub s1, s1, sp
    CHECK(s1, 4)
    la a1, cdata
    c.lw a0, 0(a1)
    CHECK(a0, 0xffffffff80000000)
    c.lw a2, 4(a1)
    CHECK(a2, 0x7fffffff)
    c.lw a3, 124(a1)
    CHECK(a3, 0xfffffffffedcba98)
    c.ld a0, 8(a1)
    CHECK(a0, 0x8000000000000001)
    c.ld a4, 248(a1)
    CHECK(a4, 0x0123456789abcdef)
    la a1, cscratch
    li a0, 0x1122334455667788
    c.sd a0, 0(a1)
    c.sd a0, 248(a1)
    li a2, -1
    c.sw a2, 4(a1)
    c.sw a2, 124(a1)
    ld a3, 0(a1)
    CHECK(a3, 0xffffffff55667788)
    ld a3, 248(a1)
    CHECK(a3, 0x1122334455667788)
    lwu a3, 124(a1)
    CHECK(a3, 0xffffffff)
    lwu a3, 128(a1)
    CHECK(a3, 0)

    /* ---- quadrant 1 ---- */
    c.nop
    li a0, 100
    c.addi a0, -32
    CHECK(a0, 68)
    c.addi a0, 31
    CHECK(a0, 99)
    li t0, -1
    c.addi t0, 1
    CHECK(t0, 0)
    li a0, 0x7fffffff
    c.addiw a0, 1
    CHECK(a0, 0xffffffff80000000)
    li a0, 0x123456789
    c.addiw a0, 0                  /* sext.w */
    CHECK(a0, 0x23456789)
    li a6, 0xffffffff
    c.addiw a6, -32
    CHECK(a6, 0xffffffffffffffdf)
    c.li a0, -32
    CHECK(a0, -32)
    c.li a5, 31
    CHECK(a5, 31)
    c.li t1, 0
    CHECK(t1, 0)
    mv t2, sp
    c.addi16sp sp, -512
    sub t3, t2, sp
    CHECK(t3, 512)
    c.addi16sp sp, 496
    c.addi16sp sp, 16
    CHECK_REG(sp, t2)
    c.lui a0, 1
    CHECK(a0, 0x1000)
    c.lui a0, 0x1f
    CHECK(a0, 0x1f000)
    c.lui t4, 0xfffe0
    CHECK(t4, 0xfffffffffffe0000)
    c.lui a0, 0xfffff
    CHECK(a0, 0xfffffffffffff000)
    li a0, 0x8000000000000001
    c.srli a0, 1
    CHECK(a0, 0x4000000000000000)
    li a0, 0x8000000000000001
    c.srli a0, 32
    CHECK(a0, 0x80000000)
    li a0, 0x8000000000000001
    c.srli a0, 63
    CHECK(a0, 1)
    li a0, 0x8000000000000001
    c.srai a0, 1
    CHECK(a0, 0xc000000000000000)
    li a0, 0x8000000000000001
    c.srai a0, 32
    CHECK(a0, 0xffffffff80000000)
    li a0, 0x8000000000000001
    c.srai a0, 63
    CHECK(a0, -1)
    li a0, 0x123456789abcdef0
    c.andi a0, -32
    CHECK(a0, 0x123456789abcdee0)
    li a0, 0x123456789abcdeff
    c.andi a0, 31
    CHECK(a0, 0x1f)
    li a0, -1
    c.andi a0, 0
    CHECK(a0, 0)
    li a0, 10
    li a1, 25
    c.sub a0, a1
    CHECK(a0, -15)
    li s0, 0xff00
    li s1, 0x0ff0
    c.xor s0, s1
    CHECK(s0, 0xf0f0)
    li s0, 0xff00
    c.or s0, s1
    CHECK(s0, 0xfff0)
    li s0, 0xff00
    c.and s0, s1
    CHECK(s0, 0x0f00)
    li a2, 0x80000000
    li a3, 1
    c.subw a2, a3
    CHECK(a2, 0x7fffffff)
    li a2, 0
    c.subw a2, a3
    CHECK(a2, -1)
    li a4, 0x7fffffff
    c.addw a4, a3
    CHECK(a4, 0xffffffff80000000)
    li a4, 0x1ffffffff
    c.addw a4, a3
    CHECK(a4, 0)
    /* c.j forward and back */
    li a0, 0
    c.j 2f
1:  c.addi a0, 1
    c.j 3f
2:  c.addi a0, 2
    c.j 1b
3:  CHECK(a0, 3)
    /* c.beqz / c.bnez both ways */
    li a0, 0
    li a1, 1
    c.beqz a1, 1f
    c.addi a0, 1
1:  li a5, 0
    c.beqz a5, 1f
    c.addi a0, 4
1:  c.bnez a5, 1f
    c.addi a0, 8
1:  c.bnez a1, 1f
    c.addi a0, 16
1:  CHECK(a0, 9)
    /* backward c.bnez loop */
    li a1, 5
    li a0, 0
1:  c.addi a0, 3
    c.addi a1, -1
    c.bnez a1, 1b
    CHECK(a0, 15)

    /* ---- quadrant 2 ---- */
    li a0, 0x8000000000000001
    c.slli a0, 1
    CHECK(a0, 2)
    li a0, 0x8000000000000001
    c.slli a0, 32
    CHECK(a0, 0x100000000)
    li t5, 1
    c.slli t5, 63
    CHECK(t5, 0x8000000000000000)
    li a0, 0xfedcba9880000000
    sd a0, 248(sp)
    li a0, 0x0123456789abcdef
    sd a0, 504(sp)
    sw a0, 0(sp)
    c.lwsp a1, 252(sp)
    CHECK(a1, 0xfffffffffedcba98)
    c.lwsp t6, 248(sp)
    CHECK(t6, 0xffffffff80000000)
    c.lwsp a2, 0(sp)
    CHECK(a2, 0xffffffff89abcdef)
    c.ldsp a3, 504(sp)
    CHECK(a3, 0x0123456789abcdef)
    c.ldsp ra, 248(sp)
    CHECK(ra, 0xfedcba9880000000)
    li a0, 0x5555aaaa5555aaaa
    c.sdsp a0, 504(sp)
    c.sdsp zero, 496(sp)
    li a1, 0x12345678
    c.swsp a1, 252(sp)
    c.swsp a1, 0(sp)
    ld a2, 504(sp)
    CHECK(a2, 0x5555aaaa5555aaaa)
    ld a2, 496(sp)
    CHECK(a2, 0)
    ld a2, 248(sp)
    CHECK(a2, 0x1234567880000000)
    lwu a2, 0(sp)
    CHECK(a2, 0x12345678)
    /* c.mv and c.add, registers outside x8..x15 too */
    li t0, 0x1234
    c.mv a0, t0
    CHECK(a0, 0x1234)
    c.mv s2, a0
    CHECK(s2, 0x1234)
    c.add s2, t0
    CHECK(s2, 0x2468)
    li a7, -1
    c.add a7, a7
    CHECK(a7, -2)
    li a6, 0x7fffffffffffffff
    li t1, 1
    c.add a6, t1
    CHECK(a6, 0x8000000000000000)
    /* c.jr, c.jalr (link = pc + 2) */
    la t0, 1f
    li a0, 0
    c.jr t0
    li a0, 1
1:  CHECK(a0, 0)
    la t1, cjalr_target
    c.jalr t1
cjalr_ret:
    j 2f
cjalr_target:
    la a1, cjalr_ret_addr
    ld a1, 0(a1)
    CHECK_REG(ra, a1)
    c.jr ra
2:
    /* c.jalr with rs1 = ra: target from the old ra */
    la ra, cjalr_target2
    c.jalr ra
cjalr_ret2:
    j 2f
cjalr_target2:
    la a1, cjalr_ret2_addr
    ld a1, 0(a1)
    CHECK_REG(ra, a1)
    ret
2:

    /* ---- 4-byte instructions at 2 mod 4, jumps into them ---- */
    la a1, mid_target
    andi a1, a1, 3
    CHECK(a1, 2)
    li a0, 0
    call mid_start             /* runs 1 + 16 + 2 + 64 */
    CHECK(a0, 83)
    li a0, 0
    call mid_target            /* into the middle of what was one block */
    CHECK(a0, 82)
    li a0, 0
    la a1, mid_target
    jalr ra, 0(a1)
    CHECK(a0, 82)
    li a0, 0
    la a1, mid_target2
    jalr ra, 0(a1)
    CHECK(a0, 64)
    li a0, 0
    la a1, mid_target
    addi a1, a1, 1             /* odd: jalr clears bit 0 */
    jalr ra, 0(a1)
    CHECK(a0, 82)

    /* ---- jump into the upper half of a 4-byte instruction ---- */
    li a0, 0
    call overlap               /* addi a0, a0, 81 */
    CHECK(a0, 81)
    li a0, 0
    la a1, overlap
    jalr ra, 2(a1)             /* its upper half: c.addi a0, 5 */
    CHECK(a0, 5)
    li a0, 0
    call overlap
    CHECK(a0, 81)

    /* ---- a 4-byte instruction across a page boundary ---- */
    li a0, 0
    call straddle_start
    CHECK(a0, 0x123)
    li a0, 0
    la a1, straddle
    slli a2, a1, 52
    srli a2, a2, 52
    CHECK(a2, 0xffe)
    jalr ra, 0(a1)
    CHECK(a0, 0x123)

    mv sp, s8
    j done

    .balign 4
mid_start:
    c.addi a0, 1
mid_target:
    .option push
    .option norvc
    addi a0, a0, 16
    .option pop
    c.addi a0, 2
mid_target2:
    .option push
    .option norvc
    addi a0, a0, 32
    addi a0, a0, 32
    .option pop
    c.jr ra

    .balign 4
overlap:
    .insn 4, 0x05150513        /* addi a0, a0, 81; bits 31..16 = c.addi a0, 5 */
    c.jr ra

    .balign 4096
straddle_start:
    .rept 2047
    c.nop
    .endr
straddle:
    .option push
    .option norvc
    addi a0, a0, 0x123         /* bytes 0xffe..0x1001 of the page */
    .option pop
    c.jr ra

done:
TEST_END

    .data
    .balign 8
cdata:
    .word 0x80000000, 0x7fffffff
    .dword 0x8000000000000001
    .fill 108, 1, 0
    .word 0xfedcba98           /* offset 124 */
    .fill 120, 1, 0
    .dword 0x0123456789abcdef  /* offset 248 */
cjalr_ret_addr: .dword cjalr_ret
cjalr_ret2_addr: .dword cjalr_ret2
    .bss
    .balign 8
cscratch:
    .skip 256
