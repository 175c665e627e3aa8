/* Default actions: the process dies of the signal, so the parent (and the
 * shell, as 128+N) sees it.  argv[1] picks the death; the status of this
 * program is what the suite compares. */
#define _GNU_SOURCE
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "check.h"

static void *bg(void *arg)
{
	(void)arg;
	for (;;)
		pause();
	return NULL;
}

static void *finish(void *arg)
{
	(void)arg;
	usleep(100 * 1000);
	printf("last thread exits\n");
	exit(5);
}

int main(int argc, char **argv)
{
	const char *m = argc > 1 ? argv[1] : "";
	if (!strcmp(m, "abort"))
		abort();
	if (!strcmp(m, "segv"))
		*(volatile int *)(uintptr_t)8 = 0;
	if (!strcmp(m, "term"))
		kill(getpid(), SIGTERM);
	if (!strcmp(m, "thread")) {
		/* a thread's fault kills every thread */
		pthread_t t;
		pthread_create(&t, NULL, bg, NULL);
		usleep(10000);
		raise(SIGQUIT);
	}
	if (!strcmp(m, "blocked-segv")) {
		/* a fault while SIGSEGV is blocked still kills */
		sigset_t s;
		sigemptyset(&s);
		sigaddset(&s, SIGSEGV);
		sigprocmask(SIG_BLOCK, &s, NULL);
		signal(SIGSEGV, SIG_IGN);
		*(volatile int *)(uintptr_t)8 = 0;
	}
	if (!strcmp(m, "exit-thread")) {
		/* main leaves with pthread_exit; the last thread's exit code wins */
		pthread_t t;
		pthread_create(&t, NULL, finish, NULL);
		pthread_detach(t);
		pthread_exit(NULL);
	}
	if (!strcmp(m, "wait")) {
		/* until the parent ends it (node ends esbuild's service this way) */
		printf("waiting\n");
		fflush(stdout);
		for (;;)
			pause();
	}
	if (!strcmp(m, "rt")) {
		raise(SIGRTMIN + 3);
	}
	printf("still alive after %s\n", m);
	return 7;
}
