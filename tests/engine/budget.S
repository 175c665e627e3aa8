# A counted loop for the embedding test: exits with (iterations & 0xff).
.globl _start
_start:
  li s0, 0
  li s1, 250000
1: addi s0, s0, 1
  addi s1, s1, -1
  bnez s1, 1b
  andi a0, s0, 0xff
  li a7, 93
  ecall
