/* die: ways for a guest to end, for tests/engine/embed_die.c (each must end
 * only the guest's machine, never the program that embeds it).
 *   die hello           prints "hello from the guest", exits 0
 *   die null            main thread stores to NULL                    (139)
 *   die thread-null     a second thread stores to NULL, main in read  (139)
 *   die thread-exit     a second thread calls exit(3), main in read   (3)
 *   die thread-exit-sleep   the same, main in nanosleep               (3)
 *   die exit-group      main calls exit_group(7); one thread blocks in
 *                       read, one spins                               (7)
 *   die abort           abort()                                       (134)
 *   die sigkill         raise(SIGKILL)                                (137)
 *   die thread-sigkill  a second thread raises SIGKILL, main in read  (137)
 *   die main-exit       main thread exits alone; a second thread exits
 *                       the process with 5 later                      (5)
 *   die fork            a child exits 4; main exits with 10 + its status (14)
 *   die exec            execve("/bin/true") must fail: the process is
 *                       the embedding program's                       (8)
 *   die spin            one thread blocks in read, main spins forever
 */
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static int pipefd[2];
static volatile int spin_started;

static void block_in_read(void)
{
    char c;
    (void)!read(pipefd[0], &c, 1);
}

static void *reader(void *arg)
{
    (void)arg;
    block_in_read();
    return NULL;
}

static void *spinner(void *arg)
{
    (void)arg;
    spin_started = 1;
    for (volatile unsigned long i = 0;; i++)
        ;
    return NULL;
}

static void settle(void)
{
    /* long enough for the other thread to be in its blocking call */
    struct timespec ts = {0, 50 * 1000 * 1000};
    nanosleep(&ts, NULL);
}

static void *null_store(void *arg)
{
    (void)arg;
    settle();
    *(volatile int *)(uintptr_t)arg = 1;
    return NULL;
}

static void *exit3(void *arg)
{
    (void)arg;
    settle();
    exit(3);
}

static void *sigkill_self(void *arg)
{
    (void)arg;
    settle();
    raise(SIGKILL);
    return NULL;
}

static void *exit5_later(void *arg)
{
    (void)arg;
    settle();
    printf("the last thread exits\n");
    fflush(stdout);
    exit(5);
}

static void spawn(void *(*fn)(void *))
{
    pthread_t th;
    if (pthread_create(&th, NULL, fn, NULL) != 0) {
        perror("pthread_create");
        exit(100);
    }
}

int main(int argc, char **argv)
{
    const char *how = argc > 1 ? argv[1] : "hello";
    if (pipe(pipefd) < 0)
        return 101;
    if (!strcmp(how, "hello")) {
        printf("hello from the guest\n");
        return 0;
    }
    if (!strcmp(how, "null")) {
        *(volatile int *)(uintptr_t)(argc - 2) = 1;  /* argc is 2: NULL */
        return 102;
    }
    if (!strcmp(how, "thread-null")) {
        spawn(null_store);
        block_in_read();
        return 103;
    }
    if (!strcmp(how, "thread-exit")) {
        spawn(exit3);
        block_in_read();
        return 104;
    }
    if (!strcmp(how, "thread-exit-sleep")) {
        spawn(exit3);
        struct timespec ts = {100, 0};
        nanosleep(&ts, NULL);
        return 105;
    }
    if (!strcmp(how, "exit-group")) {
        spawn(reader);
        spawn(spinner);
        while (!spin_started)
            ;
        settle();
        syscall(SYS_exit_group, 7);
        return 106;
    }
    if (!strcmp(how, "abort"))
        abort();
    if (!strcmp(how, "sigkill")) {
        raise(SIGKILL);
        return 107;
    }
    if (!strcmp(how, "thread-sigkill")) {
        spawn(sigkill_self);
        block_in_read();
        return 108;
    }
    if (!strcmp(how, "main-exit")) {
        spawn(exit5_later);
        syscall(SYS_exit, 0);  /* this thread only */
        return 109;
    }
    if (!strcmp(how, "fork")) {
        pid_t pid = fork();
        if (pid == 0)
            _exit(4);
        int ws = 0;
        if (pid < 0 || waitpid(pid, &ws, 0) != pid || !WIFEXITED(ws))
            return 111;
        return 10 + WEXITSTATUS(ws);
    }
    if (!strcmp(how, "exec")) {
        execl("/bin/true", "true", (char *)NULL);
        return 8;
    }
    if (!strcmp(how, "spin")) {
        spawn(reader);
        for (volatile unsigned long i = 0;; i++)
            ;
    }
    fprintf(stderr, "die: unknown case %s\n", how);
    return 110;
}
