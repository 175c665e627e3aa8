/* fence rw,rw orders a write before a later read: the one order x86-TSO
 * does not keep; fence r,rw and fence rw,w need nothing there. */
    .globl _start
_start:
    li t0, 1
    fence rw,rw
    addi t0, t0, 1
    fence r,rw
    addi t0, t0, 1
    fence rw,w
    addi t0, t0, 1
    fence w,r
    addi a0, t0, -4
    li a7, 93
    ecall
