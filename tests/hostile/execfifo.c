/* execve of a FIFO that has execute permission: Linux refuses it with
 * EACCES (only regular files run).  vvm looks into a file before it runs it
 * (is it a riscv64 program? a #! script?); opening a FIFO for that waited
 * for a writer forever. */
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "hostile.h"

extern char **environ;

int main(void)
{
    unlink("fifo-prog");
    if (mkfifo("fifo-prog", 0755) != 0 || chmod("fifo-prog", 0755) != 0) {
        FAIL("mkfifo", "%s", strerror(errno));
        DONE();
    }
    char *args[] = {"fifo-prog", NULL};
    CHECK_ERR("execve-fifo", execve("fifo-prog", args, environ), EACCES);
    /* a directory is no program either */
    mkdir("dir-prog", 0755);
    char *dargs[] = {"dir-prog", NULL};
    CHECK_ERR("execve-dir", execve("dir-prog", dargs, environ), EACCES);
    unlink("fifo-prog");
    rmdir("dir-prog");
    DONE();
}
