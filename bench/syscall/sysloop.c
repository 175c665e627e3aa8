/* One million system calls that do almost nothing (getppid): what a system
 * call costs, with and without .vml advice woven at syscall-entry. */
#include <stdio.h>
#include <sys/syscall.h>
#include <unistd.h>
int main(void)
{
    long s = 0;
    for (int i = 0; i < 1000000; i++)
        s += syscall(SYS_getppid);
    printf("%ld\n", s != 0);
    return 0;
}
