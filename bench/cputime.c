/* cputime -o FILE CMD [ARG...]: runs CMD and writes "USER SYS MAXRSS" to FILE
 * (CPU seconds with microsecond resolution, peak RSS in KiB, from wait4's
 * rusage), where /usr/bin/time reports only hundredths.  Exits with CMD's
 * status (128+N if a signal killed it, 127 if it could not be run). */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

int main(int argc, char **argv)
{
    if (argc < 4 || strcmp(argv[1], "-o") != 0) {
        fprintf(stderr, "usage: cputime -o FILE CMD [ARG...]\n");
        return 2;
    }
    pid_t pid = fork();
    if (pid < 0) {
        perror("cputime: fork");
        return 127;
    }
    if (pid == 0) {
        execvp(argv[3], argv + 3);
        fprintf(stderr, "cputime: %s: %s\n", argv[3], strerror(errno));
        _exit(127);
    }
    int st;
    struct rusage ru;
    if (wait4(pid, &st, 0, &ru) < 0) {
        perror("cputime: wait4");
        return 127;
    }
    FILE *f = fopen(argv[2], "w");
    if (!f) {
        perror(argv[2]);
        return 127;
    }
    fprintf(f, "%ld.%06ld %ld.%06ld %ld\n", (long)ru.ru_utime.tv_sec, (long)ru.ru_utime.tv_usec,
            (long)ru.ru_stime.tv_sec, (long)ru.ru_stime.tv_usec, ru.ru_maxrss);
    fclose(f);
    return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}
