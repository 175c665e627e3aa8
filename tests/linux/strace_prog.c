/* strace_prog: a few calls whose --strace lines tests/linux/suite.sh checks. */
#include <fcntl.h>
#include <stdio.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>
int main(int argc, char **argv)
{
    int fd = open(argc > 1 ? argv[1] : "/etc/passwd", O_RDONLY);
    struct stat st;
    fstat(fd, &st);
    fcntl(fd, F_GETFD);
    close(fd);
    write(1, "hello\n", 6);
    long r = syscall(450, 1, 2, 3);
    return r == -1 ? 0 : 1;
}
