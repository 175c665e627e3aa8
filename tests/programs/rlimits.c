/* A file size limit (RLIMIT_FSIZE, as `ulimit -f` sets it) is the guest's:
 * it bounds the guest's files and nothing of vvm's own.  A child forked after
 * the limit is set runs (vvm's code cache in it must not count as a file);
 * a write past the limit fails with EFBIG where SIGXFSZ is ignored and
 * raises SIGXFSZ where it is not. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#define LIMIT 65536

static long work(long n)
{
    long s = 0;
    for (long i = 0; i < n; i++)
        s += (i * i) % 7 + (i & 3);
    return s;
}

/* writes 2 * LIMIT bytes to a fresh file; prints how far it got */
static void write_past(void)
{
    char path[] = "/tmp/rlimitsXXXXXX";
    const char *dir = getenv("TMPDIR");
    char buf[4096];
    static char p2[4096];
    snprintf(p2, sizeof p2, "%s/rlimitsXXXXXX", dir && *dir ? dir : "/tmp");
    int fd = mkstemp(dir && *dir ? p2 : path);
    if (fd < 0) {
        perror("mkstemp");
        exit(1);
    }
    unlink(dir && *dir ? p2 : path);
    memset(buf, 'x', sizeof buf);
    long total = 0;
    for (int k = 0; k < 2 * LIMIT / (int)sizeof buf; k++) {
        ssize_t n = write(fd, buf, sizeof buf);
        if (n < 0) {
            printf("write: %ld bytes, then %s\n", total, errno == EFBIG ? "EFBIG" : strerror(errno));
            fflush(stdout);
            close(fd);
            return;
        }
        total += n;
    }
    printf("write: all %ld bytes\n", total);
    close(fd);
}

static void report(const char *what, int st)
{
    if (WIFEXITED(st))
        printf("%s: exited %d\n", what, WEXITSTATUS(st));
    else if (WIFSIGNALED(st))
        printf("%s: killed by %s\n", what, WTERMSIG(st) == SIGXFSZ ? "SIGXFSZ" : strsignal(WTERMSIG(st)));
    fflush(stdout);
}

int main(void)
{
    struct rlimit rl = {LIMIT, LIMIT};
    if (setrlimit(RLIMIT_FSIZE, &rl) < 0) {
        perror("setrlimit");
        return 1;
    }
    printf("parent: %ld\n", work(100000));
    fflush(stdout);
    int st;
    pid_t p = fork();
    if (p == 0) {
        printf("child: %ld\n", work(200000));
        exit(3);
    }
    waitpid(p, &st, 0);
    report("computing child", st);
    p = fork();
    if (p == 0) {
        signal(SIGXFSZ, SIG_IGN);
        write_past();
        exit(0);
    }
    waitpid(p, &st, 0);
    report("child ignoring SIGXFSZ", st);
    p = fork();
    if (p == 0) {
        write_past();
        exit(0);
    }
    waitpid(p, &st, 0);
    report("child writing past the limit", st);
    return 0;
}
