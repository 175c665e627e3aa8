/* Processes: fork + waitpid exit codes, a child killed by a signal, wait4
 * with rusage, waitid, vfork, posix_spawn and system() (the host /bin/sh),
 * fork from a multithreaded parent, getppid. */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <spawn.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include "check.h"

extern char **environ;
static int global = 1;

static void *spin(void *arg)
{
	(void)arg;
	for (;;)
		pause();
	return NULL;
}

int main(void)
{
	pid_t me = getpid();
	/* exit codes 0..9 */
	for (int code = 0; code < 10; code++) {
		pid_t c = fork();
		if (c == 0) {
			global = 2;
			CHECK(getppid() == me);
			_exit(failures ? 99 : code);
		}
		int st;
		CHECK(waitpid(c, &st, 0) == c);
		CHECK(WIFEXITED(st) && WEXITSTATUS(st) == code);
	}
	CHECK(global == 1);
	printf("fork: exit codes ok\n");

	/* killed by a signal: the parent sees WIFSIGNALED */
	pid_t c = fork();
	if (c == 0) {
		for (;;)
			pause();
	}
	usleep(20000);
	kill(c, SIGKILL);
	int st;
	CHECK(waitpid(c, &st, 0) == c && WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL);
	c = fork();
	if (c == 0) {
		signal(SIGTERM, SIG_DFL);
		for (;;)
			pause();
	}
	usleep(20000);
	kill(c, SIGUSR2);
	CHECK(waitpid(c, &st, 0) == c && WIFSIGNALED(st) && WTERMSIG(st) == SIGUSR2);
	printf("fork: signaled ok\n");

	/* wait4 with rusage, WNOHANG, waitid */
	c = fork();
	if (c == 0) {
		volatile long x = 0;
		for (long i = 0; i < 1000000; i++)
			x += i;
		_exit(3);
	}
	struct rusage ru;
	memset(&ru, 0xff, sizeof ru);
	CHECK(wait4(c, &st, 0, &ru) == c && WEXITSTATUS(st) == 3);
	CHECK(ru.ru_utime.tv_usec >= 0 && ru.ru_utime.tv_usec < 1000000);
	CHECK(waitpid(-1, &st, WNOHANG) == -1 && errno == ECHILD);
	c = fork();
	if (c == 0)
		_exit(5);
	siginfo_t si;
	memset(&si, 0, sizeof si);
	CHECK(waitid(P_PID, c, &si, WEXITED) == 0);
	CHECK(si.si_signo == SIGCHLD && si.si_pid == c && si.si_code == CLD_EXITED && si.si_status == 5);
	printf("wait4/waitid ok\n");

	/* vfork */
	c = vfork();
	if (c == 0)
		_exit(11);
	CHECK(waitpid(c, &st, 0) == c && WEXITSTATUS(st) == 11);

	/* posix_spawn and system use the host's /bin/sh */
	char *argv[] = {"/bin/sh", "-c", "exit 6", NULL};
	pid_t sp;
	CHECK(posix_spawn(&sp, "/bin/sh", NULL, NULL, argv, environ) == 0);
	CHECK(waitpid(sp, &st, 0) == sp && WIFEXITED(st) && WEXITSTATUS(st) == 6);
	st = system("exit 4");
	CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 4);
	printf("vfork/posix_spawn/system ok\n");

	/* fork while other threads run: the child has one thread (qemu 7.2
	 * asserts on this; its oracle run sets PROC_NO_THREADED_FORK) */
	if (getenv("PROC_NO_THREADED_FORK"))
		DONE("forkwait");
	pthread_t th[4];
	for (int i = 0; i < 4; i++)
		pthread_create(&th[i], NULL, spin, NULL);
	c = fork();
	if (c == 0) {
		pthread_t t2;
		int ok = pthread_create(&t2, NULL, spin, NULL) == 0;
		_exit(ok ? 21 : 22);
	}
	CHECK(waitpid(c, &st, 0) == c && WIFEXITED(st) && WEXITSTATUS(st) == 21);
	printf("fork with threads ok\n");
	DONE("forkwait");
}
