/* Synchronous faults reach guest handlers with the exact PC: SIGSEGV from a
 * NULL write (siglongjmp out, si_addr checked), SEGV_ACCERR on a read-only
 * page fixed by the handler (mprotect) and retried, SIGILL from `.word 0`
 * (si_addr = that instruction), SIGTRAP from ebreak (handler skips it by
 * editing the saved pc), kill(getpid(), SIGSEGV) as an asynchronous signal,
 * FP and integer registers intact across a handler, and faults inside runs
 * of instructions the interpreter fuses into one handler (isa/riscv/
 * fusion.isa): the pc is the faulting instruction's, what came before it in
 * the run took effect, and the handler resumes after it; the same for a
 * fault in a loop hot enough to be translated (the suite also runs this
 * program under --engine jit and auto); and AMOs, LR and SC: a store/AMO
 * fault on a read-only page in a hot loop, an AMO and LR to an unmapped
 * page, an SC to a read-only page, each with the exact pc and address. */
#define _GNU_SOURCE
#include <setjmp.h>
#include <signal.h>
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>
#include <ucontext.h>
#include <unistd.h>

#include "check.h"

static sigjmp_buf jb;
static void *volatile fault_addr;
static volatile int fault_code, fault_sig, async_code;
static char *ro_page;

static void on_segv_jump(int sig, siginfo_t *si, void *uc)
{
	fault_sig = sig;
	fault_addr = si->si_addr;
	fault_code = si->si_code;
	siglongjmp(jb, 1);
}

static void on_segv_fix(int sig, siginfo_t *si, void *uc)
{
	fault_addr = si->si_addr;
	fault_code = si->si_code;
	if (si->si_code <= 0) {
		async_code = si->si_code;
		return;
	}
	mprotect(ro_page, 4096, PROT_READ | PROT_WRITE);
}

extern char bad_insn[], brk_insn[];
static void on_ill(int sig, siginfo_t *si, void *uc)
{
	fault_sig = sig;
	fault_addr = si->si_addr;
	fault_code = si->si_code;
	siglongjmp(jb, 1);
}

static volatile uintptr_t trap_pc;
static void on_trap(int sig, siginfo_t *si, void *ucv)
{
	ucontext_t *uc = ucv;
	fault_sig = sig;
	fault_code = si->si_code;
	trap_pc = uc->uc_mcontext.__gregs[REG_PC];
	uc->uc_mcontext.__gregs[REG_PC] += 4;  /* past the ebreak */
}

static volatile double fp_in_handler;
static void on_usr1_fp(int sig)
{
	/* clobber FP registers */
	volatile double x = 3.25, y = 1.5;
	fp_in_handler = x * y + x / y;
}

/* SIGSEGV: records the pc and a copy of the registers, gives the faulting
 * load's destination (a3 or a6, per fz_dest) the value 77 and skips it */
static volatile uintptr_t fz_pc;
static volatile long fz_regs[32];
static volatile int fz_dest, fz_count, fz_code;
static void *volatile fz_addr;
static void on_segv_skip(int sig, siginfo_t *si, void *ucv)
{
	ucontext_t *uc = ucv;
	fz_count++;   /* once: a wrong pc (an earlier instruction) would fault again on resuming */
	fz_pc = uc->uc_mcontext.__gregs[REG_PC];
	fz_addr = si->si_addr;
	fz_code = si->si_code;
	for (int i = 0; i < 32; i++)
		fz_regs[i] = (long)uc->uc_mcontext.__gregs[i];
	if (fz_dest)
		uc->uc_mcontext.__gregs[fz_dest] = 77;
	uc->uc_mcontext.__gregs[REG_PC] += 4;
}
extern char fz_lw[], fz_ld3[], fz_sd3[], fz_hot[], fz_amo[], fz_amoor[], fz_lr[], fz_sc[];

static void fused_faults(void)
{
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_sigaction = on_segv_skip;
	sa.sa_flags = SA_SIGINFO;
	sigaction(SIGSEGV, &sa, NULL);
	long mem[4] = {11, 22, 33, 44};

	/* add + lw: the load faults, the add before it is done */
	{
		register long a0 __asm__("a0") = 8, a1 __asm__("a1") = 16;
		register long a2 __asm__("a2"), a3 __asm__("a3");
		fz_dest = 13;
		fz_count = 0;
		__asm__ volatile(".option push\n.option norvc\n"
				 "add a2, a0, a1\n.globl fz_lw\nfz_lw: lw a3, 0(a2)\n"
				 ".option pop\n"
				 : "=&r"(a2), "=&r"(a3) : "r"(a0), "r"(a1) : "memory");
		CHECK(fz_count == 1 && fz_pc == (uintptr_t)fz_lw && fz_regs[12] == 24 && a2 == 24 && a3 == 77);
	}
	/* ld, ld, ld: the third faults after the first two loaded */
	{
		register long a0 __asm__("a0") = (long)mem, a1 __asm__("a1") = 32;
		register long a4 __asm__("a4"), a5 __asm__("a5"), a6 __asm__("a6");
		fz_dest = 16;
		fz_count = 0;
		__asm__ volatile(".option push\n.option norvc\n"
				 "ld a4, 0(a0)\nld a5, 8(a0)\n.globl fz_ld3\nfz_ld3: ld a6, 0(a1)\n"
				 ".option pop\n"
				 : "=&r"(a4), "=&r"(a5), "=&r"(a6) : "r"(a0), "r"(a1) : "memory");
		CHECK(fz_count == 1 && fz_pc == (uintptr_t)fz_ld3 && fz_regs[14] == 11 && fz_regs[15] == 22 && a4 == 11 && a5 == 22 &&
		      a6 == 77);
	}
	/* sd, sd, sd, sd: the third faults; the first two stored, the fourth
	 * runs after the handler */
	{
		register long a0 __asm__("a0") = (long)mem, a1 __asm__("a1") = 40;
		register long a2 __asm__("a2") = 100, a3 __asm__("a3") = 200, a4 __asm__("a4") = 300,
			      a5 __asm__("a5") = 400;
		fz_dest = 0;
		fz_count = 0;
		__asm__ volatile(".option push\n.option norvc\n"
				 "sd a2, 0(a0)\nsd a3, 8(a0)\n.globl fz_sd3\nfz_sd3: sd a4, 0(a1)\nsd a5, 16(a0)\n"
				 ".option pop\n"
				 : : "r"(a0), "r"(a1), "r"(a2), "r"(a3), "r"(a4), "r"(a5) : "memory");
		CHECK(fz_count == 1 && fz_pc == (uintptr_t)fz_sd3 && mem[0] == 100 && mem[1] == 200 && mem[2] == 400 && mem[3] == 44);
	}
	printf("faults in fused runs: precise\n");

	/* a hot loop (translated by the auto tier once it ran often; by the
	 * jit tier from the start) whose last iteration loads from address 16:
	 * the pc is the load's, the instructions before it in its block took
	 * effect, its destination did not */
	{
		long buf[2] = {5, 6};
		register long a0 __asm__("a0") = (long)buf, a1 __asm__("a1") = 600, a2 __asm__("a2") = 0,
			      a5 __asm__("a5") = 16 - (long)buf;
		register long a3 __asm__("a3") = 0, a4 __asm__("a4");
		fz_dest = 13;
		fz_count = 0;
		__asm__ volatile(".option push\n.option norvc\n"
				 "1: addi a1, a1, -1\nadd a2, a2, a1\nseqz a4, a1\nneg a4, a4\nand a4, a4, a5\n"
				 "add a4, a4, a0\n.globl fz_hot\nfz_hot: ld a3, 0(a4)\nbnez a1, 1b\n"
				 ".option pop\n"
				 : "+r"(a1), "+r"(a2), "+r"(a3), "=&r"(a4) : "r"(a0), "r"(a5) : "memory");
		CHECK(fz_count == 1 && fz_pc == (uintptr_t)fz_hot && fz_regs[11] == 0 && fz_regs[12] == 179700 &&
		      fz_regs[14] == 16 && a3 == 77 && a2 == 179700);
	}
	printf("fault in a hot loop: precise\n");
}

/* AMOs, LR and SC that fault (on_segv_skip installed): the pc is the
 * instruction's, its destination is not written, memory is unchanged */
static void amo_faults(void)
{
	char *ro = mmap(NULL, 4096, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	CHECK(ro != MAP_FAILED);
	/* a hot loop whose last amoadd.w goes to the read-only page */
	{
		static int counter;
		register long a0 __asm__("a0") = (long)&counter, a1 __asm__("a1") = 600, a2 __asm__("a2") = 1,
			      a5 __asm__("a5") = (long)ro - (long)&counter;
		register long a3 __asm__("a3") = 0, a4 __asm__("a4");
		fz_dest = 13;
		fz_count = 0;
		__asm__ volatile(".option push\n.option norvc\n"
				 "1: addi a1, a1, -1\nseqz a4, a1\nneg a4, a4\nand a4, a4, a5\nadd a4, a4, a0\n"
				 ".globl fz_amo\nfz_amo: amoadd.w a3, a2, (a4)\nbnez a1, 1b\n"
				 ".option pop\n"
				 : "+r"(a1), "+r"(a3), "=&r"(a4) : "r"(a0), "r"(a2), "r"(a5) : "memory");
		CHECK(fz_count == 1 && fz_pc == (uintptr_t)fz_amo && fz_regs[11] == 0 && fz_regs[13] == 598 &&
		      fz_regs[14] == (long)ro && a3 == 77 && counter == 599 && *(volatile int *)ro == 0 &&
		      fz_addr == ro && fz_code == SEGV_ACCERR);
	}
	printf("amo fault on a read-only page in a hot loop: precise\n");
	/* amoor.d to an unmapped page (a store/AMO fault though the host may
	 * read first), lr.d from one, sc.d to the read-only page after an lr.d
	 * from it */
	{
		register long a0 __asm__("a0") = 24, a2 __asm__("a2") = 5;
		register long a3 __asm__("a3") = 1;
		fz_dest = 13;
		fz_count = 0;
		__asm__ volatile(".option push\n.option norvc\n.globl fz_amoor\nfz_amoor: amoor.d a3, a2, (a0)\n.option pop\n"
				 : "+r"(a3) : "r"(a0), "r"(a2) : "memory");
		CHECK(fz_count == 1 && fz_pc == (uintptr_t)fz_amoor && a3 == 77 && fz_addr == (void *)24 &&
		      fz_code == SEGV_MAPERR);
		a3 = 1;
		fz_count = 0;
		__asm__ volatile(".option push\n.option norvc\n.globl fz_lr\nfz_lr: lr.d a3, (a0)\n.option pop\n"
				 : "+r"(a3) : "r"(a0) : "memory");
		CHECK(fz_count == 1 && fz_pc == (uintptr_t)fz_lr && a3 == 77 && fz_addr == (void *)24 && fz_code == SEGV_MAPERR);
	}
	{
		register long a0 __asm__("a0") = (long)ro + 64, a2 __asm__("a2") = 5;
		register long a3 __asm__("a3") = 1, a4 __asm__("a4") = 1;
		fz_dest = 14;
		fz_count = 0;
		__asm__ volatile(".option push\n.option norvc\nlr.d a3, (a0)\n.globl fz_sc\nfz_sc: sc.d a4, a2, (a0)\n.option pop\n"
				 : "+r"(a3), "+r"(a4) : "r"(a0), "r"(a2) : "memory");
		CHECK(fz_count == 1 && fz_pc == (uintptr_t)fz_sc && a3 == 0 && a4 == 77 && fz_addr == ro + 64 &&
		      fz_code == SEGV_ACCERR && *(volatile long *)(ro + 64) == 0);
	}
	printf("amo, lr and sc faults: precise\n");
	munmap(ro, 4096);
}

int main(void)
{
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_sigaction = on_segv_jump;
	sa.sa_flags = SA_SIGINFO;
	sigaction(SIGSEGV, &sa, NULL);
	for (int i = 0; i < 3; i++) {
		if (sigsetjmp(jb, 1) == 0) {
			*(volatile int *)(uintptr_t)(16 + i * 8) = 1;
			CHECK(!"no fault");
		}
		CHECK(fault_sig == SIGSEGV && fault_addr == (void *)(uintptr_t)(16 + i * 8) && fault_code == SEGV_MAPERR);
	}
	printf("segv null write: recovered\n");

	/* read-only page: the handler makes it writable and returns; the store retries */
	ro_page = mmap(NULL, 4096, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	sa.sa_sigaction = on_segv_fix;
	sigaction(SIGSEGV, &sa, NULL);
	((volatile char *)ro_page)[100] = 42;
	CHECK(ro_page[100] == 42 && fault_addr == ro_page + 100 && fault_code == SEGV_ACCERR);
	printf("segv accerr: fixed and retried\n");

	/* SIGSEGV sent by kill is an ordinary signal */
	kill(getpid(), SIGSEGV);
	CHECK(async_code == SI_USER);
	printf("async segv ok\n");

	/* SIGILL */
	sa.sa_sigaction = on_ill;
	sigaction(SIGILL, &sa, NULL);
	fault_sig = 0;
	if (sigsetjmp(jb, 1) == 0) {
		__asm__ volatile(".globl bad_insn\nbad_insn: .word 0\n");
		CHECK(!"no SIGILL");
	}
	CHECK(fault_sig == SIGILL && fault_addr == (void *)bad_insn && fault_code == ILL_ILLOPC);
	printf("sigill ok\n");

	/* SIGTRAP from ebreak, resumed after it */
	sa.sa_sigaction = on_trap;
	sigaction(SIGTRAP, &sa, NULL);
	fault_sig = 0;
	__asm__ volatile(".option push\n.option norvc\n.globl brk_insn\nbrk_insn: ebreak\n.option pop\n");
	CHECK(fault_sig == SIGTRAP && trap_pc == (uintptr_t)brk_insn && fault_code == TRAP_BRKPT);
	printf("sigtrap ok\n");

	/* registers survive a handler */
	signal(SIGUSR1, on_usr1_fp);
	volatile double a = 1.0 / 3.0;
	double b = a * 3.0;
	register long keep __asm__("s5") = 0x1234567890L;
	raise(SIGUSR1);
	__asm__ volatile("" : "+r"(keep));
	CHECK(keep == 0x1234567890L);
	CHECK(b == a * 3.0 && fp_in_handler == 3.25 * 1.5 + 3.25 / 1.5);
	printf("registers kept\n");
	fused_faults();
	amo_faults();
	DONE("faults");
}
