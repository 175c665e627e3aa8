/* sys_time: clocks and sleeping.  Clock ids (including the negative
 * per-process/per-thread CPU clocks, since guest pids and tids are host
 * ones), struct timespec and struct timeval are the same on both ABIs, and
 * the host kernel reads and writes them (at any alignment).  Sleeps block
 * the host thread. */
#include <errno.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include "os/linux/lx_sys.h"

/* The vDSO answers clock_gettime and gettimeofday itself; these calls come
 * from code that bypasses it, or from it when its offsets are due for a new
 * measurement (vdso.c), which the clocks that use them then make. */
LX_SYSCALL(clock_gettime)
{
    if (a[0] == CLOCK_REALTIME || a[0] == CLOCK_BOOTTIME)
        lx_vdso_refresh(t->proc);
    void *ts = lx_guest_ptr(t, a[1], sizeof(struct timespec), VVM_PROT_W);
    if (!ts)
        return -EFAULT;
    return lx_host(syscall(SYS_clock_gettime, (clockid_t)a[0], ts));
}

LX_SYSCALL(clock_getres)
{
    int bad = 0;
    void *ts = lx_gptr_opt(t, a[1], sizeof(struct timespec), VVM_PROT_W, &bad);
    if (bad)
        return -EFAULT;
    return lx_host(syscall(SYS_clock_getres, (clockid_t)a[0], ts));
}

LX_SYSCALL(gettimeofday)
{
    lx_vdso_refresh(t->proc);
    int bad = 0;
    void *tv = lx_gptr_opt(t, a[0], sizeof(struct timeval), VVM_PROT_W, &bad);
    void *tz = lx_gptr_opt(t, a[1], sizeof(struct timezone), VVM_PROT_W, &bad);
    if (bad)
        return -EFAULT;
    return lx_host(syscall(SYS_gettimeofday, tv, tz));
}

LX_SYSCALL(nanosleep)
{
    int bad = 0;
    const void *req = lx_guest_ptr(t, a[0], sizeof(struct timespec), VVM_PROT_R);
    void *rem = lx_gptr_opt(t, a[1], sizeof(struct timespec), VVM_PROT_W, &bad);
    if (!req || bad)
        return -EFAULT;
    return lx_host(syscall(SYS_nanosleep, req, rem));
}

LX_SYSCALL(clock_nanosleep)
{
    int bad = 0;
    const void *req = lx_guest_ptr(t, a[2], sizeof(struct timespec), VVM_PROT_R);
    void *rem = lx_gptr_opt(t, a[3], sizeof(struct timespec), VVM_PROT_W, &bad);
    if (!req || bad)
        return -EFAULT;
    /* returns the error number itself, not -1/errno */
    long r = syscall(SYS_clock_nanosleep, (clockid_t)a[0], (int)a[1], req, rem);
    return r < 0 ? -errno : r;
}
