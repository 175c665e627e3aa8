/* execve of itself: the parent forks, the child execs this program with an
 * argument and the environment, and exits with a status the parent checks. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

int main(int argc, char **argv, char **envp)
{
	if (argc == 3 && strcmp(argv[1], "child") == 0) {
		const char *e = getenv("EXEC_TEST");
		printf("in exec'd child: arg=%s env=%s\n", argv[2], e ? e : "(unset)");
		return 33;
	}
	if (argc == 2 && strcmp(argv[1], "replace") == 0) {
		char *args[] = { argv[0], "child", "replaced", NULL };
		char *env[] = { "EXEC_TEST=fromexec", NULL };
		fflush(stdout);
		execve(argv[0], args, env);
		printf("FAILED execve: %s\n", strerror(errno));
		return 1;
	}
	printf("parent start\n");
	fflush(stdout);
	pid_t pid = fork();
	if (pid == 0) {
		char *args[] = { argv[0], "replace", NULL };
		execve(argv[0], args, envp);
		printf("FAILED execve: %s\n", strerror(errno));
		fflush(stdout);
		_exit(1);
	}
	int st;
	if (waitpid(pid, &st, 0) != pid) {
		printf("FAILED waitpid\n");
		return 1;
	}
	printf("child status: %d\n", WIFEXITED(st) ? WEXITSTATUS(st) : -1);
	errno = 0;
	char *bad[] = { "/nonexistent/prog", NULL };
	int r = execve(bad[0], bad, envp);
	printf("execve missing: %d %s\n", r, errno == ENOENT ? "ENOENT" : strerror(errno));
	if (!WIFEXITED(st) || WEXITSTATUS(st) != 33)
		return 1;
	printf("ok exec\n");
	return 0;
}
