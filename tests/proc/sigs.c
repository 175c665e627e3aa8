/* Signals: SA_SIGINFO fields, masks and pending, SA_RESETHAND, SA_NODEFER
 * and nesting, rt_sigtimedwait, sigsuspend, alarm + pause, sigaltstack,
 * SA_RESTART against a blocking read (restarted) and without it (EINTR),
 * the handler's mask, and registers kept across a handler. */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <fenv.h>
#include <signal.h>
#include <stdint.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include "check.h"

static volatile sig_atomic_t hits, last_sig, last_code, last_pid_ok, depth, max_depth, mask_had_usr2, on_alt;
static volatile int last_val;
static char *alt_lo, *alt_hi;

static void on_info(int sig, siginfo_t *si, void *ucv)
{
	hits++;
	last_sig = sig;
	last_code = si->si_code;
	last_pid_ok = si->si_pid == getpid();
	last_val = si->si_value.sival_int;
	ucontext_t *uc = ucv;
	mask_had_usr2 = sigismember(&uc->uc_sigmask, SIGUSR2);
	sigset_t cur;
	sigprocmask(SIG_SETMASK, NULL, &cur);
	CHECK(sigismember(&cur, sig) == 1);  /* blocked while it runs */
}

static volatile sig_atomic_t nest_calls;
static void on_nest(int sig)
{
	depth++;
	if (depth > max_depth)
		max_depth = depth;
	if (++nest_calls < 3)
		raise(sig);
	depth--;
}

static void on_plain(int sig)
{
	hits++;
	last_sig = sig;
	char local;
	on_alt = &local >= alt_lo && &local < alt_hi;
}

static int pipefd[2];
static void *late_writer(void *arg)
{
	(void)arg;
	usleep(200 * 1000);
	(void)!write(pipefd[1], "x", 1);
	return NULL;
}

int main(void)
{
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_sigaction = on_info;
	sa.sa_flags = SA_SIGINFO;
	CHECK(sigaction(SIGUSR1, &sa, NULL) == 0);

	/* siginfo from kill and from raise (tgkill) */
	kill(getpid(), SIGUSR1);
	CHECK(hits == 1 && last_sig == SIGUSR1 && last_code == SI_USER && last_pid_ok);
	raise(SIGUSR1);
	CHECK(hits == 2 && last_code == SI_TKILL);
	union sigval sv = {.sival_int = 1234};
	CHECK(sigqueue(getpid(), SIGUSR1, sv) == 0);
	CHECK(hits == 3 && last_code == SI_QUEUE && last_val == 1234 && last_pid_ok);
	printf("siginfo ok\n");

	/* blocked: pending, then delivered at unblock; the frame's saved mask */
	sigset_t s, old, pend;
	sigemptyset(&s);
	sigaddset(&s, SIGUSR1);
	sigaddset(&s, SIGUSR2);
	sigprocmask(SIG_BLOCK, &s, &old);
	raise(SIGUSR1);
	raise(SIGUSR1);  /* standard signals do not queue */
	CHECK(hits == 3);
	sigpending(&pend);
	CHECK(sigismember(&pend, SIGUSR1) == 1 && sigismember(&pend, SIGUSR2) == 0);
	sigset_t only1;
	sigemptyset(&only1);
	sigaddset(&only1, SIGUSR1);
	sigprocmask(SIG_UNBLOCK, &only1, NULL);
	CHECK(hits == 4 && mask_had_usr2 == 1);
	sigpending(&pend);
	CHECK(sigismember(&pend, SIGUSR1) == 0);
	sigprocmask(SIG_SETMASK, &old, NULL);
	printf("mask/pending ok\n");

	/* SA_RESETHAND */
	sa.sa_flags = SA_SIGINFO | SA_RESETHAND;
	sigaction(SIGUSR1, &sa, NULL);
	raise(SIGUSR1);
	struct sigaction cur;
	sigaction(SIGUSR1, NULL, &cur);
	CHECK(hits == 5 && cur.sa_handler == SIG_DFL);

	/* nesting with SA_NODEFER; without it the raise waits */
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_nest;
	sa.sa_flags = SA_NODEFER;
	sigaction(SIGUSR2, &sa, NULL);
	raise(SIGUSR2);
	CHECK(max_depth == 3 && depth == 0);
	max_depth = 0;
	nest_calls = 0;
	sa.sa_flags = 0;
	sigaction(SIGUSR2, &sa, NULL);
	raise(SIGUSR2);
	CHECK(max_depth == 1 && depth == 0 && nest_calls == 3);
	printf("resethand/nodefer ok\n");

	/* rt_sigtimedwait: a pending blocked signal; a timeout */
	sigprocmask(SIG_BLOCK, &s, &old);
	raise(SIGUSR2);
	siginfo_t si;
	struct timespec ts = {1, 0};
	CHECK(sigtimedwait(&s, &si, &ts) == SIGUSR2 && si.si_signo == SIGUSR2);
	ts.tv_sec = 0;
	ts.tv_nsec = 30 * 1000 * 1000;
	CHECK(sigtimedwait(&s, &si, &ts) == -1 && errno == EAGAIN);
	int got = 0;
	kill(getpid(), SIGUSR2);
	CHECK(sigwait(&s, &got) == 0 && got == SIGUSR2);
	printf("sigtimedwait ok\n");

	/* sigsuspend: the blocked signal arrives from a timer */
	sa.sa_handler = on_plain;
	sa.sa_flags = 0;
	sigaction(SIGALRM, &sa, NULL);
	sigaddset(&s, SIGALRM);
	sigprocmask(SIG_BLOCK, &s, NULL);
	hits = 0;
	alarm(1);
	sigset_t wait_mask;
	sigfillset(&wait_mask);
	sigdelset(&wait_mask, SIGALRM);
	CHECK(sigsuspend(&wait_mask) == -1 && errno == EINTR);
	CHECK(hits == 1 && last_sig == SIGALRM);
	sigset_t now;
	sigprocmask(SIG_SETMASK, NULL, &now);
	CHECK(sigismember(&now, SIGALRM) == 1);  /* mask restored */
	sigprocmask(SIG_SETMASK, &old, NULL);
	printf("sigsuspend ok\n");

	/* alarm + pause */
	hits = 0;
	struct itimerval it = {{0, 0}, {0, 100 * 1000}};
	setitimer(ITIMER_REAL, &it, NULL);
	CHECK(pause() == -1 && errno == EINTR && hits == 1);
	alarm(1);
	pause();
	CHECK(hits == 2);
	printf("alarm/pause ok\n");

	/* sigaltstack */
	stack_t ss, oss;
	ss.ss_size = 64 * 1024;
	ss.ss_sp = malloc(ss.ss_size);
	ss.ss_flags = 0;
	alt_lo = ss.ss_sp;
	alt_hi = alt_lo + ss.ss_size;
	CHECK(sigaltstack(&ss, &oss) == 0 && (oss.ss_flags & SS_DISABLE));
	sa.sa_handler = on_plain;
	sa.sa_flags = SA_ONSTACK;
	sigaction(SIGWINCH, &sa, NULL);
	raise(SIGWINCH);
	CHECK(on_alt == 1 && last_sig == SIGWINCH);
	sa.sa_flags = 0;
	sigaction(SIGWINCH, &sa, NULL);
	raise(SIGWINCH);
	CHECK(on_alt == 0);
	CHECK(sigaltstack(NULL, &oss) == 0 && oss.ss_sp == ss.ss_sp && oss.ss_flags == 0);
	ss.ss_flags = SS_DISABLE;
	CHECK(sigaltstack(&ss, NULL) == 0);
	ss.ss_flags = 0;
	ss.ss_size = 100;
	CHECK(sigaltstack(&ss, NULL) == -1 && errno == ENOMEM);
	printf("sigaltstack ok\n");

	/* SA_RESTART: a read interrupted by SIGALRM continues; without it, EINTR */
	CHECK(pipe(pipefd) == 0);
	pthread_t w;
	hits = 0;
	sa.sa_handler = on_plain;
	sa.sa_flags = SA_RESTART;
	sigaction(SIGALRM, &sa, NULL);
	pthread_create(&w, NULL, late_writer, NULL);
	it.it_value.tv_usec = 50 * 1000;
	setitimer(ITIMER_REAL, &it, NULL);
	char c = 0;
	ssize_t n = read(pipefd[0], &c, 1);
	CHECK(n == 1 && c == 'x' && hits == 1);
	pthread_join(w, NULL);
	sa.sa_flags = 0;
	sigaction(SIGALRM, &sa, NULL);
	pthread_create(&w, NULL, late_writer, NULL);
	setitimer(ITIMER_REAL, &it, NULL);
	n = read(pipefd[0], &c, 1);
	CHECK(n == -1 && errno == EINTR && hits == 2);
	pthread_join(w, NULL);
	CHECK(read(pipefd[0], &c, 1) == 1);
	printf("sa_restart ok\n");

	/* ignored signals do nothing */
	signal(SIGUSR1, SIG_IGN);
	raise(SIGUSR1);
	kill(getpid(), SIGUSR1);
	signal(SIGCHLD, SIG_DFL);
	raise(SIGCHLD);
	printf("ignored ok\n");

	/* SIGFPE sent is the program's signal, handled, blocked and pending,
	 * ignored; FP work that raises new flags meanwhile raises no signal
	 * (vvm keeps FP flags by trapping on the host's SIGFPE) */
	sa.sa_sigaction = on_info;
	sa.sa_flags = SA_SIGINFO;
	sigemptyset(&sa.sa_mask);
	CHECK(sigaction(SIGFPE, &sa, NULL) == 0);
	hits = 0;
	kill(getpid(), SIGFPE);
	CHECK(hits == 1 && last_sig == SIGFPE && last_code == SI_USER && last_pid_ok);
	sigset_t fpe, fpend;
	sigemptyset(&fpe);
	sigaddset(&fpe, SIGFPE);
	CHECK(sigprocmask(SIG_BLOCK, &fpe, NULL) == 0);
	raise(SIGFPE);
	feclearexcept(FE_ALL_EXCEPT);
	volatile double one = 1.0, three = 3.0, nought = 0.0, q;
	q = one / three;
	CHECK(fetestexcept(FE_ALL_EXCEPT) == FE_INEXACT);
	q = one / nought;
	CHECK(fetestexcept(FE_ALL_EXCEPT) == (FE_INEXACT | FE_DIVBYZERO));
	(void)q;
	CHECK(hits == 1);
	CHECK(sigpending(&fpend) == 0 && sigismember(&fpend, SIGFPE) == 1);
	CHECK(sigprocmask(SIG_UNBLOCK, &fpe, NULL) == 0);
	CHECK(hits == 2 && last_sig == SIGFPE);
	signal(SIGFPE, SIG_IGN);
	raise(SIGFPE);
	feclearexcept(FE_ALL_EXCEPT);
	q = three / one;
	CHECK(fetestexcept(FE_ALL_EXCEPT) == 0);
	q = one / three;
	CHECK(fetestexcept(FE_ALL_EXCEPT) == FE_INEXACT);
	CHECK(hits == 2);
	printf("sigfpe ok\n");
	DONE("sigs");
}
