/* fork, waitpid, exit statuses, a child killed by a signal, a pipe between
 * parent and child, getpid/getppid. */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static int failures;
#define CHECK(c) do { if (!(c)) { printf("FAILED %s:%d: %s\n", __FILE__, __LINE__, #c); failures++; } } while (0)

static int global = 1;

int main(void)
{
	fflush(stdout);
	pid_t self = getpid();
	pid_t pid = fork();
	if (pid == 0) {
		global = 2; /* must not be seen by the parent */
		_exit(getppid() == self ? 7 : 1);
	}
	CHECK(pid > 0);
	int st;
	CHECK(waitpid(pid, &st, 0) == pid);
	printf("child exit: exited=%d status=%d global=%d\n", WIFEXITED(st), WEXITSTATUS(st), global);

	fflush(stdout);
	pid = fork();
	if (pid == 0) {
		raise(SIGTERM);
		_exit(0);
	}
	CHECK(waitpid(pid, &st, 0) == pid);
	printf("child signal: signaled=%d sig=%d\n", WIFSIGNALED(st), WTERMSIG(st));

	int fds[2];
	CHECK(pipe(fds) == 0);
	fflush(stdout);
	pid = fork();
	if (pid == 0) {
		close(fds[0]);
		char msg[64];
		int n = snprintf(msg, sizeof msg, "from child %d", 42);
		if (write(fds[1], msg, n) != n)
			_exit(2);
		_exit(0);
	}
	close(fds[1]);
	char buf[64] = { 0 };
	ssize_t got = 0, r;
	while ((r = read(fds[0], buf + got, sizeof buf - 1 - got)) > 0)
		got += r;
	close(fds[0]);
	CHECK(waitpid(pid, &st, 0) == pid && WIFEXITED(st) && WEXITSTATUS(st) == 0);
	printf("pipe: [%s]\n", buf);

	/* Several children, reaped in any order. */
	int sum = 0;
	fflush(stdout);
	for (int i = 1; i <= 5; i++)
		if (fork() == 0)
			_exit(i * 10);
	for (int i = 0; i < 5; i++) {
		pid_t w = wait(&st);
		CHECK(w > 0 && WIFEXITED(st));
		sum += WEXITSTATUS(st);
	}
	CHECK(wait(&st) == -1);
	printf("reaped: sum=%d\n", sum);

	/* stdio buffers are duplicated by fork: the child flushes its own copy. */
	printf("buffered-before-fork ");
	pid = fork();
	if (pid == 0) {
		printf("child\n");
		exit(0);
	}
	waitpid(pid, &st, 0);
	printf("parent\n");

	if (failures)
		return 1;
	printf("ok fork\n");
	return 0;
}
