# instret and cycle as the guest sees them, at the places where the engine's
# counting could drift: the first instruction, the middle of a block, after a
# fused run (addi+addi, isa/riscv/fusion.isa), the start of a block, after an
# ecall, and in and after signal handlers for three traps (an illegal
# instruction, ebreak, and a load that faults in the second half of a fused
# addi+ld).  Each value is kept and printed at the end, one "name value"
# per line; the exit status is the low byte of a last rdinstret.
# tests/engine/suite.sh runs it under every --trace kind, --strace and
# small budgets: the output must not change, and must be these values,
# counted by hand (no compressed instructions; call is auipc+jalr):
#   first 0, cycle 1, fused 4, block 6, ecall 9, ill-handler 45,
#   after-ill 53, trap-handler 56, after-trap 64, segv-handler 68,
#   after-segv 76
# A trapping instruction does not retire (the RISC-V spec); an ecall does:
# the system call is its effect and the program goes on after it.  The
# handler runs 6 instructions and the sigreturn trampoline 2 (li, ecall).
# (qemu-riscv64 reads the host's time-stamp counter for both CSRs.)
	.option norvc
	.option norelax
	.globl _start
_start:
	rdinstret s0		# 0: nothing retired yet
	rdcycle s1		# 1
	addi t0, zero, 1	# 2 \ one fused run
	addi t1, zero, 2	# 3 /
	rdinstret s2		# 4: after the fused run, mid-block
	j 1f			# 5: ends the block
1:	rdinstret s3		# 6: first of a block
	li a7, 172		# 7: getpid
	ecall			# 8
	rdinstret s4		# 9: after an ecall
	li s9, 4		# 10..42: one handler for SIGILL, SIGTRAP, SIGSEGV
	call sigact		#   (11 each: li, auipc+jalr, the 8 of sigact)
	li s9, 5
	call sigact
	li s9, 11
	call sigact
	lla s7, vals + 40	# 43, 44: the slot the handler records in
	.4byte 0xc0001073	# 45: csrw cycle, zero: illegal, does not retire
	rdinstret s5		# 45 + 8 = 53
	lla s7, vals + 56	# 54, 55
	ebreak			# 56: SIGTRAP, does not retire either
	rdinstret s6		# 64
	lla s7, vals + 72	# 65, 66
	addi t0, zero, 0	# 67 \ one fused run, whose ld faults after
	ld t1, 0(t0)		# 68 /  the addi has run
	rdinstret s8		# 76
	lla t0, vals		# the values, in order
	sd s0, 0(t0)
	sd s1, 8(t0)
	sd s2, 16(t0)
	sd s3, 24(t0)
	sd s4, 32(t0)
	sd s5, 48(t0)
	sd s6, 64(t0)
	sd s8, 80(t0)
	# print them
	li s0, 0
2:	lla t0, names
	slli t1, s0, 4
	add a1, t0, t1		# name (16 bytes, NUL padded)
	lla t0, vals
	slli t1, s0, 3
	add t0, t0, t1
	ld a0, 0(t0)
	call putline
	addi s0, s0, 1
	li t0, 11
	blt s0, t0, 2b
	rdinstret a0
	li a7, 93
	ecall

# the handler: records rdinstret where s7 points and resumes after the
# 4-byte trapping instruction
handler:
	rdinstret t0
	sd t0, 0(s7)
	ld t2, 176(a2)		# uc_mcontext.sc_regs.pc
	addi t2, t2, 4
	sd t2, 176(a2)
	ret

# sigact(s9 = signal): rt_sigaction(s9, &act, NULL, 8)
sigact:
	mv a0, s9
	lla a1, act
	li a2, 0
	li a3, 8
	li a7, 134
	ecall
	ret

# putline(a0 = value, a1 = name): writes "name value\n"
putline:
	lla t0, buf
	mv t1, t0
3:	lbu t2, 0(a1)		# copy the name
	beqz t2, 4f
	sb t2, 0(t1)
	addi a1, a1, 1
	addi t1, t1, 1
	j 3b
4:	li t2, ' '
	sb t2, 0(t1)
	addi t1, t1, 1
	lla t3, digits + 24	# digits backwards
	li t4, 10
5:	remu t5, a0, t4
	addi t5, t5, '0'
	addi t3, t3, -1
	sb t5, 0(t3)
	divu a0, a0, t4
	bnez a0, 5b
6:	lbu t2, 0(t3)		# append them
	sb t2, 0(t1)
	addi t1, t1, 1
	addi t3, t3, 1
	lla t5, digits + 24
	bltu t3, t5, 6b
	li t2, '\n'
	sb t2, 0(t1)
	addi t1, t1, 1
	li a0, 1
	mv a1, t0
	sub a2, t1, t0
	li a7, 64
	ecall
	ret

	.data
	.balign 8
act:	.dword handler, 0, 0	# sa_handler, sa_flags, sa_mask
names:	.ascii "first\0\0\0\0\0\0\0\0\0\0\0"
	.ascii "cycle\0\0\0\0\0\0\0\0\0\0\0"
	.ascii "fused\0\0\0\0\0\0\0\0\0\0\0"
	.ascii "block\0\0\0\0\0\0\0\0\0\0\0"
	.ascii "ecall\0\0\0\0\0\0\0\0\0\0\0"
	.ascii "ill-handler\0\0\0\0\0"
	.ascii "after-ill\0\0\0\0\0\0\0"
	.ascii "trap-handler\0\0\0\0"
	.ascii "after-trap\0\0\0\0\0\0"
	.ascii "segv-handler\0\0\0\0"
	.ascii "after-segv\0\0\0\0\0\0"
	.bss
	.balign 8
vals:	.zero 88
buf:	.zero 64
digits:	.zero 24
