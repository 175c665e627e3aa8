/* The guest the reflection tests watch and steer (tests/reflect/suite.sh):
 * each step prints what it saw, so that the .vml advice's effect shows. */
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

static void *thread(void *arg) { return arg; }
static volatile int got;
static void handler(int sig) { got = sig; }

int main(void)
{
    printf("pid %d\n", (int)getpid());
    fflush(stdout);
    char msg[] = "hello\n";
    write(1, msg, strlen(msg));
    /* a second call after the first: advice that failed once is gone */
    printf("pid again %d\n", (int)getpid());
    fflush(stdout);
    /* a call no kernel has (define-syscall gives it one), twice */
    long r1 = syscall(500, 20L, 22L), r2 = syscall(500, 1L, 2L);
    printf("syscall 500 %ld %ld\n", r1, r2);
    fflush(stdout);
    pthread_t t;
    pthread_create(&t, NULL, thread, NULL);
    pthread_join(t, NULL);
    signal(SIGUSR1, handler);
    raise(SIGUSR1);
    printf("signal %d\n", got);
    fflush(stdout);
    pid_t c = fork();
    if (c == 0) {
        printf("child pid %d\n", (int)getpid());
        fflush(stdout);
        _exit(7);
    }
    int st = 0;
    waitpid(c, &st, 0);
    printf("child exit %d\n", WEXITSTATUS(st));
    return 0;
}
