/* execve: the program runs itself again with "child" and an environment;
 * the child checks argv/envp, that an ignored signal stays ignored and the
 * signal mask is kept, and exits 33. */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "check.h"

static void on_usr1(int sig) { (void)sig; }

int main(int argc, char **argv, char **envp)
{
	if (argc > 1 && !strcmp(argv[1], "child")) {
		CHECK(argc == 3 && !strcmp(argv[2], "two"));
		CHECK(!strcmp(argv[0], "renamed"));
		const char *e = getenv("PROC_EXEC");
		CHECK(e && !strcmp(e, "yes"));
		CHECK(envp[0] && !envp[1]);
		struct sigaction sa;
		sigaction(SIGUSR2, NULL, &sa);
		CHECK(sa.sa_handler == SIG_IGN);
		sigset_t m;
		sigprocmask(SIG_SETMASK, NULL, &m);
		CHECK(sigismember(&m, SIGHUP) == 1);
		CHECK(sigismember(&m, SIGINT) == 0);
		/* the handler of SIGUSR1 was reset to the default */
		sigaction(SIGUSR1, NULL, &sa);
		CHECK(sa.sa_handler == SIG_DFL);
		return failures ? 1 : 33;
	}
	printf("exec: parent\n");
	fflush(stdout);
	signal(SIGUSR2, SIG_IGN);
	signal(SIGUSR1, on_usr1);  /* reset to the default by exec */
	sigset_t m;
	sigemptyset(&m);
	sigaddset(&m, SIGHUP);
	sigprocmask(SIG_BLOCK, &m, NULL);
	pid_t c = fork();
	if (c == 0) {
		char *av[] = {"renamed", "child", "two", NULL};
		char *ev[] = {"PROC_EXEC=yes", NULL};
		execve("/proc/self/exe", av, ev);
		printf("execve failed: %s\n", strerror(errno));
		_exit(1);
	}
	int st;
	CHECK(waitpid(c, &st, 0) == c);
	CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 33);
	printf("exec: child status %d\n", WIFEXITED(st) ? WEXITSTATUS(st) : -1);
	char *av[] = {"nope", NULL};
	CHECK(execve("/nonexistent/program", av, av + 1) == -1 && errno == ENOENT);
	DONE("exec");
}
