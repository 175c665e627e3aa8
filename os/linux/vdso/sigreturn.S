/* __vdso_rt_sigreturn: where a guest signal handler returns to (vvm puts
 * its address in ra when it delivers a signal, os/linux/signal.c).
 *
 * The call frame information says where the interrupted code's registers
 * are, so that unwinders (libgcc's _Unwind_Backtrace, gdb) walk from a
 * handler into the code the signal interrupted.  At this point sp is the
 * signal frame Linux's riscv64 ABI lays out (struct rt_sigframe): siginfo
 * (128 bytes), then the ucontext, whose mcontext at offset 176 holds pc and
 * x1..x31, then f0..f31.  The CFA is that sp; the interrupted pc is column
 * 64, a column of its own, so ra (x1) keeps the interrupted code's value. */
#define MC 304          /* siginfo 128 + ucontext's mcontext 176 */
#define MC_F (MC + 256) /* f0 after pc and x1..x31 */

	.text
	.option push
	.option norvc   /* the two words unwinders and debuggers recognise */
	.balign 4
	.cfi_startproc
	.cfi_signal_frame
	.cfi_return_column 64
	.cfi_def_cfa 2, 0
	.cfi_offset 64, MC
	.irp r, 1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31
	.cfi_offset \r, MC + 8 * \r
	.endr
	.irp r, 0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31
	.cfi_offset 32 + \r, MC_F + 8 * \r
	.endr
	/* an unwinder that looks up pc - 1 still lands in this FDE */
	nop
	.globl __vdso_rt_sigreturn
	.type __vdso_rt_sigreturn, @function
__vdso_rt_sigreturn:
	li a7, 139      /* __NR_rt_sigreturn */
	ecall
	.cfi_endproc
	.size __vdso_rt_sigreturn, . - __vdso_rt_sigreturn
	.option pop

	.section .note.GNU-stack, "", @progbits
