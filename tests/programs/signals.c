/* Signals: sigaction handlers via raise and kill, a SIGSEGV handler that
 * recovers from a NULL write with siglongjmp, SIGALRM from a timer,
 * sigaltstack, masks and pending signals, SA_SIGINFO fields. */
#include <setjmp.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <unistd.h>

static int failures;
#define CHECK(c) do { if (!(c)) { printf("FAILED %s:%d: %s\n", __FILE__, __LINE__, #c); failures++; } } while (0)

static volatile sig_atomic_t usr1_count, usr1_code, alrm_count, usr2_on_alt;
static volatile int info_pid_ok;
static sigjmp_buf jb;
static volatile void *fault_addr;
static char *alt_base;
static size_t alt_size;

static void on_usr1(int sig, siginfo_t *si, void *uc)
{
	usr1_count++;
	usr1_code = si->si_code;
	info_pid_ok = si->si_pid == getpid();
}

static void on_segv(int sig, siginfo_t *si, void *uc)
{
	fault_addr = si->si_addr;
	siglongjmp(jb, sig);
}

static void on_alrm(int sig)
{
	alrm_count++;
}

static void on_usr2(int sig)
{
	char local;
	usr2_on_alt = &local >= alt_base && &local < alt_base + alt_size;
}

int main(void)
{
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_sigaction = on_usr1;
	sa.sa_flags = SA_SIGINFO;
	sigemptyset(&sa.sa_mask);
	CHECK(sigaction(SIGUSR1, &sa, NULL) == 0);
	raise(SIGUSR1);
	printf("raise: count=%d code_is_tkill=%d\n", (int)usr1_count, usr1_code == SI_TKILL);
	kill(getpid(), SIGUSR1);
	printf("kill: count=%d code_is_user=%d pid_ok=%d\n", (int)usr1_count, usr1_code == SI_USER, info_pid_ok);

	/* Blocked signals stay pending until unblocked. */
	sigset_t set, old, pend;
	sigemptyset(&set);
	sigaddset(&set, SIGUSR1);
	sigprocmask(SIG_BLOCK, &set, &old);
	raise(SIGUSR1);
	sigpending(&pend);
	printf("blocked: count=%d pending=%d\n", (int)usr1_count, sigismember(&pend, SIGUSR1));
	sigprocmask(SIG_SETMASK, &old, NULL);
	printf("unblocked: count=%d\n", (int)usr1_count);

	/* SIGSEGV from a NULL write, recovered with siglongjmp. */
	sa.sa_sigaction = on_segv;
	sa.sa_flags = SA_SIGINFO | SA_NODEFER;
	CHECK(sigaction(SIGSEGV, &sa, NULL) == 0);
	int faults = 0;
	for (int i = 0; i < 3; i++) {
		if (sigsetjmp(jb, 1) == 0) {
			*(volatile int *)(uintptr_t)(i * 8) = 42;
			printf("FAILED: NULL write did not fault\n");
			failures++;
		} else {
			faults++;
			CHECK(fault_addr == (void *)(uintptr_t)(i * 8));
		}
	}
	printf("segv: recovered %d times\n", faults);
	/* The mask was restored by siglongjmp(savemask=1): SIGUSR1 still works. */
	raise(SIGUSR1);
	printf("after segv: count=%d\n", (int)usr1_count);

	/* SIGALRM from an interval timer, waited for with sigsuspend. */
	signal(SIGALRM, on_alrm);
	sigemptyset(&set);
	sigaddset(&set, SIGALRM);
	sigprocmask(SIG_BLOCK, &set, &old);
	struct itimerval it = { { 0, 20000 }, { 0, 20000 } };
	setitimer(ITIMER_REAL, &it, NULL);
	sigset_t waitmask = old;
	sigdelset(&waitmask, SIGALRM);
	while (alrm_count < 3)
		sigsuspend(&waitmask);
	struct itimerval off = { { 0, 0 }, { 0, 0 } };
	setitimer(ITIMER_REAL, &off, NULL);
	sigprocmask(SIG_SETMASK, &old, NULL);
	printf("itimer: alarms>=3 %d\n", alrm_count >= 3);
	alrm_count = 0;
	alarm(1);
	CHECK(alarm(0) == 1); /* cancel: returns the seconds left */
	printf("alarm: cancelled count=%d\n", (int)alrm_count);

	/* sigaltstack: the handler runs on the alternate stack. */
	alt_size = 64 * 1024;
	alt_base = malloc(alt_size);
	stack_t ss = { .ss_sp = alt_base, .ss_size = alt_size, .ss_flags = 0 };
	CHECK(sigaltstack(&ss, NULL) == 0);
	struct sigaction sa2;
	memset(&sa2, 0, sizeof sa2);
	sa2.sa_handler = on_usr2;
	sa2.sa_flags = SA_ONSTACK;
	sigaction(SIGUSR2, &sa2, NULL);
	raise(SIGUSR2);
	stack_t cur;
	sigaltstack(NULL, &cur);
	printf("sigaltstack: on_alt=%d disabled=%d\n", (int)usr2_on_alt, (cur.ss_flags & SS_DISABLE) != 0);

	/* Ignored and default-ignored signals do nothing. */
	signal(SIGUSR2, SIG_IGN);
	raise(SIGUSR2);
	raise(SIGCHLD);
	printf("ignored: still alive\n");

	if (failures)
		return 1;
	printf("ok signals\n");
	return 0;
}
