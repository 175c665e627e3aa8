/* jittrace_prog: a hot loop in main (an addi the translation tier turns
 * into x86 add/lea), run by the process and by a forked child, each
 * printing its pid; with an argument, by the process alone (traces of two
 * processes on one stderr interleave).  For the --trace translate and
 * --perfmap checks in suite.sh. */
#include <stdio.h>
#include <sys/wait.h>
#include <unistd.h>

int main(int argc, char **argv)
{
    (void)argv;
    fflush(stdout);
    pid_t c = argc > 1 ? 1 : fork();
    volatile long s = 0;
    for (long i = 0; i < 2000; i++)
        s = s + 7;
    int bad = s != 14000;
    if (c == 0) {
        printf("child %d\n", (int)getpid());
        return bad;
    }
    int st = 0;
    if (argc > 1)
        return bad;
    if (c < 0 || waitpid(c, &st, 0) != c || !WIFEXITED(st) || WEXITSTATUS(st))
        bad = 1;
    printf("parent %d\n", (int)getpid());
    return bad;
}
