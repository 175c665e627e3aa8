/* Synchronous faults reach guest handlers with the exact PC: SIGSEGV from a
 * NULL write (siglongjmp out, si_addr checked), SEGV_ACCERR on a read-only
 * page fixed by the handler (mprotect) and retried, SIGILL from `.word 0`
 * (si_addr = that instruction), SIGTRAP from ebreak (handler skips it by
 * editing the saved pc), kill(getpid(), SIGSEGV) as an asynchronous signal,
 * FP and integer registers intact across a handler. */
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
	DONE("faults");
}
