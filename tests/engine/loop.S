# A long counted loop for tests/engine/embed_multi.c: 12345678 iterations
# of 3 instructions, 37037040 instructions in all; exits with
# (12345678 & 0xff) = 78.
.globl _start
_start:
  li s0, 0
  li s1, 12345678
1: addi s0, s0, 1
  addi s1, s1, -1
  bnez s1, 1b
  andi a0, s0, 0xff
  li a7, 93
  ecall
