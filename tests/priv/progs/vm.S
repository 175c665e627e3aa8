/* Virtual memory under Sv39, Sv48 and Sv57, page tables built by the test:
 * loads and stores through MPRV (MPP = S, then U) with SUM and MXR, page
 * faults with their cause and tval (not mapped, read-only, execute-only,
 * U pages, non-canonical addresses), A and D set by the walk, sfence.vma
 * after a remap (one address, then all), and in S and U mode themselves:
 * instruction page faults, and a load page fault delegated to S. */
#include "common.h"

#define U0 0x40000000           /* U, read/write */
#define RO 0x40001000           /* S, read-only */
#define XO 0x40002000           /* S, execute-only */
#define NOAD 0x40003000         /* S, read/write, A and D clear */
#define UNM 0x40004000          /* not mapped, then mapped */
#define UNM2 0x40006000         /* never mapped */

.macro MPRV_ON mpp
    li t6, 0x1800
    csrc mstatus, t6
    li t6, (1 << 17) | (\mpp << 11)
    csrs mstatus, t6
.endm
.macro MPRV_OFF
    li t6, (1 << 17) | (1 << 18) | (1 << 19)   /* and SUM, MXR */
    csrc mstatus, t6
.endm

/* map VA a0 to PA a1 with PTE flags a2 (a 4 KiB leaf); returns the
 * leaf's address in a0.  s11: root, s10: levels, s9: next free table. */
.macro MAP va, pa, flags
    li a0, \va
    li a1, \pa
    li a2, \flags
    call map_page
.endm

.macro VM_TESTS mode, levels, k
    li s11, 0x80200000 + \k * 0x100000
    addi s9, s11, 0
    li t0, 4096
    add s9, s9, t0
    li s10, \levels
    li s8, 0x80400000 + \k * 0x10000     /* the data pages, physical */
    /* identity: code, data, stacks (S, RWX, A, D); the test device */
    li s2, 0x80000000
    li s3, 0x80200000
1:  mv a0, s2
    mv a1, s2
    li a2, 0xcf
    call map_page
    li t0, 4096
    add s2, s2, t0
    bltu s2, s3, 1b
    MAP 0x100000, 0x100000, 0xc7
    mv a1, s8
    li a0, U0
    li a2, 0xd7
    call map_page
    li t0, 0x1000
    add a1, s8, t0
    li a0, RO
    li a2, 0xc3
    call map_page
    mv s5, a0                           /* RO's PTE */
    li t0, 0x2000
    add a1, s8, t0
    li a0, XO
    li a2, 0xc9
    call map_page
    li t0, 0x3000
    add a1, s8, t0
    li a0, NOAD
    li a2, 0x07
    call map_page
    mv s4, a0                           /* NOAD's PTE */
    /* markers, physical */
    li t0, 0x1111
    sd t0, 0(s8)
    li t1, 0x1000
    add t1, t1, s8
    li t0, 0x2222
    sd t0, 0(t1)
    li t1, 0x2000
    add t1, t1, s8
    li t0, 0x3333
    sd t0, 0(t1)
    li t1, 0x3000
    add t1, t1, s8
    li t0, 0x4444
    sd t0, 0(t1)
    li t1, 0x4000
    add t1, t1, s8
    li t0, 0x5555
    sd t0, 0(t1)
    li t1, 0x5000
    add t1, t1, s8
    li t0, 0x6666
    sd t0, 0(t1)
    /* satp */
    srli t0, s11, 12
    li t1, \mode
    slli t1, t1, 60
    or t0, t0, t1
    csrw satp, t0
    sfence.vma
    csrr t1, satp
    CHECK_REG t1, t0, \k * 100 + 1

    /* a U page from S: SUM 0 faults, SUM 1 reads */
    EXPECT 1f
    MPRV_ON 1
    li a3, U0 + 8
    ld a1, 0(a3)
1:  MPRV_OFF
    CHECK_TRAP TI_CAUSE, 13, \k * 100 + 2
    CHECK_TRAP TI_TVAL, U0 + 8, \k * 100 + 3
    MPRV_ON 1
    li t6, 1 << 18
    csrs mstatus, t6
    li a3, U0
    ld a1, 0(a3)
    MPRV_OFF
    CHECK_EQ a1, 0x1111, \k * 100 + 4
    /* read-only: a store faults */
    EXPECT 1f
    MPRV_ON 1
    li a3, RO + 8
    sd a1, 0(a3)
1:  MPRV_OFF
    CHECK_TRAP TI_CAUSE, 15, \k * 100 + 5
    CHECK_TRAP TI_TVAL, RO + 8, \k * 100 + 6
    /* execute-only: a load faults, unless MXR */
    EXPECT 1f
    MPRV_ON 1
    li a3, XO
    ld a1, 0(a3)
1:  MPRV_OFF
    CHECK_TRAP TI_CAUSE, 13, \k * 100 + 7
    CHECK_TRAP TI_TVAL, XO, \k * 100 + 8
    MPRV_ON 1
    li t6, 1 << 19
    csrs mstatus, t6
    li a3, XO
    ld a1, 0(a3)
    MPRV_OFF
    CHECK_EQ a1, 0x3333, \k * 100 + 9
    /* A then D set by the walk */
    MPRV_ON 1
    li a3, NOAD
    ld a1, 0(a3)
    MPRV_OFF
    CHECK_EQ a1, 0x4444, \k * 100 + 10
    ld t0, 0(s4)
    andi t0, t0, 0xc0
    CHECK_EQ t0, 0x40, \k * 100 + 11
    MPRV_ON 1
    li a3, NOAD
    sd a1, 8(a3)
    MPRV_OFF
    ld t0, 0(s4)
    andi t0, t0, 0xc0
    CHECK_EQ t0, 0xc0, \k * 100 + 12
    /* not mapped: load and store faults */
    EXPECT 1f
    MPRV_ON 1
    li a3, UNM + 0x18
    ld a1, 0(a3)
1:  MPRV_OFF
    CHECK_TRAP TI_CAUSE, 13, \k * 100 + 13
    CHECK_TRAP TI_TVAL, UNM + 0x18, \k * 100 + 14
    EXPECT 1f
    MPRV_ON 1
    li a3, UNM + 0x20
    sw a1, 0(a3)
1:  MPRV_OFF
    CHECK_TRAP TI_CAUSE, 15, \k * 100 + 15
    CHECK_TRAP TI_TVAL, UNM + 0x20, \k * 100 + 16
    /* mapped now (sfence.vma, all) */
    li t0, 0x5000
    add a1, s8, t0
    li a0, UNM
    li a2, 0xc7
    call map_page
    sfence.vma
    MPRV_ON 1
    li a3, UNM
    ld a1, 0(a3)
    MPRV_OFF
    CHECK_EQ a1, 0x6666, \k * 100 + 17
    /* RO remapped to another page: sfence.vma of that address */
    MPRV_ON 1
    li a3, RO
    ld a1, 0(a3)
    MPRV_OFF
    CHECK_EQ a1, 0x2222, \k * 100 + 18
    li t0, 0x5000
    add t0, s8, t0
    srli t0, t0, 12
    slli t0, t0, 10
    ori t0, t0, 0xc3
    sd t0, 0(s5)
    li a3, RO
    sfence.vma a3
    MPRV_ON 1
    li a3, RO
    ld a1, 0(a3)
    MPRV_OFF
    CHECK_EQ a1, 0x6666, \k * 100 + 19
    /* MPP = U: U pages read without SUM, S pages fault */
    MPRV_ON 0
    li a3, U0
    ld a1, 0(a3)
    MPRV_OFF
    CHECK_EQ a1, 0x1111, \k * 100 + 20
    EXPECT 1f
    MPRV_ON 0
    li a3, RO + 0x10
    ld a1, 0(a3)
1:  MPRV_OFF
    CHECK_TRAP TI_CAUSE, 13, \k * 100 + 21
    CHECK_TRAP TI_TVAL, RO + 0x10, \k * 100 + 22
    /* a non-canonical address */
    EXPECT 1f
    MPRV_ON 1
    li a3, 1
    slli a3, a3, (12 + 9 * \levels)
    ld a1, 0(a3)
1:  MPRV_OFF
    CHECK_TRAP TI_CAUSE, 13, \k * 100 + 23
    li a3, 1
    slli a3, a3, (12 + 9 * \levels)
    li t5, TRAP_INFO
    ld t4, TI_TVAL(t5)
    CHECK_REG t4, a3, \k * 100 + 24
.if \levels >= 4
    /* an address only the upper levels reach */
    li a0, (3 << 39) + 0x5000
    li t0, 0x4000
    add a1, s8, t0
    li a2, 0xc7
    call map_page
    MPRV_ON 1
    li a3, (3 << 39) + 0x5000
    ld a1, 0(a3)
    MPRV_OFF
    CHECK_EQ a1, 0x5555, \k * 100 + 25
.endif
.if \levels >= 5
    li a0, (5 << 48) + 0x7000
    li t0, 0x4000
    add a1, s8, t0
    li a2, 0xc7
    call map_page
    MPRV_ON 1
    li a3, (5 << 48) + 0x7000
    ld a1, 0(a3)
    MPRV_OFF
    CHECK_EQ a1, 0x5555, \k * 100 + 26
.endif
    /* S mode: fetching from a U page faults (cause 12, tval the address) */
    EXPECT 1f
    GOTO_MODE 1, 2f
2:  li t0, U0
    jr t0
1:  CHECK_TRAP TI_CAUSE, 12, \k * 100 + 30
    CHECK_TRAP TI_TVAL, U0, \k * 100 + 31
    CHECK_TRAP TI_EPC, U0, \k * 100 + 32
    /* U mode: fetching from an S page faults */
    EXPECT 1f
    GOTO_MODE 0, 3f
3:  nop
1:  CHECK_TRAP TI_CAUSE, 12, \k * 100 + 33
    CHECK_TRAP_AT TI_TVAL, 3b, \k * 100 + 34
    /* a load page fault delegated to S */
    la t0, strap
    csrw stvec, t0
    li t0, 1 << 13
    csrw medeleg, t0
    EXPECT 1f
    GOTO_MODE 1, 4f
4:  SEXPECT 5f
    li a3, UNM2 + 0x28
6:  ld a1, 0(a3)
5:  CHECK_STRAP TI_CAUSE, 13, \k * 100 + 35
    CHECK_STRAP TI_TVAL, UNM2 + 0x28, \k * 100 + 36
    CHECK_STRAP_AT TI_EPC, 6b, \k * 100 + 37
    ecall
1:  CHECK_TRAP TI_CAUSE, 9, \k * 100 + 38
    csrw medeleg, zero
    csrw satp, zero
    sfence.vma
.endm

    PRIV_PROLOGUE
test:
    VM_TESTS 8, 3, 1
    VM_TESTS 9, 4, 2
    VM_TESTS 10, 5, 3
    j pass

map_page:
    mv t0, s11
    addi t1, s10, -1
1:  li t2, 9
    mul t2, t2, t1
    addi t2, t2, 12
    srl t3, a0, t2
    andi t3, t3, 511
    slli t3, t3, 3
    add t3, t0, t3
    beqz t1, 3f
    ld t4, 0(t3)
    andi t5, t4, 1
    bnez t5, 2f
    mv t4, s9
    li t5, 4096
    add s9, s9, t5
    srli t5, t4, 12
    slli t5, t5, 10
    ori t5, t5, 1
    sd t5, 0(t3)
    mv t0, t4
    addi t1, t1, -1
    j 1b
2:  srli t4, t4, 10
    slli t0, t4, 12
    addi t1, t1, -1
    j 1b
3:  srli t4, a1, 12
    slli t4, t4, 10
    or t4, t4, a2
    sd t4, 0(t3)
    mv a0, t3
    ret
