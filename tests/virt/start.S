/* entry of every hart: a0 = hartid, a1 = the device tree (no CSR read);
 * a stack of 4 KiB per hart, then main(hartid, dtb) */
    .section .text.start
    .globl _start
_start:
    la sp, stacks
    addi t0, a0, 1
    slli t0, t0, 12
    add sp, sp, t0
    call main
1:  j 1b
