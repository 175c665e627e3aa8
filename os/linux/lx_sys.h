/* lx_sys: small helpers shared by the pass-through system calls
 * (sys_file.c, sys_fs.c, sys_io.c, sys_net.c, sys_time.c, sys_misc.c). */
#ifndef VVM_LX_SYS_H
#define VVM_LX_SYS_H

#include <errno.h>
#include <stdint.h>

#include "os/linux/lx.h"

/* A host call's result as the guest sees it: -errno on failure. */
static inline int64_t lx_host(long r)
{
    return r < 0 ? -(int64_t)errno : (int64_t)r;
}

/* Host pointer for an optional guest pointer: NULL stays NULL; a bad range
 * sets *bad and returns NULL. */
static inline void *lx_gptr_opt(lx_thread *t, uint64_t addr, uint64_t len, int prot, int *bad)
{
    if (!addr)
        return NULL;
    void *p = lx_guest_ptr(t, addr, len, prot);
    if (!p)
        *bad = 1;
    return p;
}

/* Reads a guest path and gives the host path: an absolute path that exists
 * under the sysroot names that file (lx_sysroot_path).  Returns a malloc'd
 * host path or NULL with *err set.  (What the path names under /proc is
 * decided on the file it reaches: procfs.h.) */
char *lx_sys_path(lx_thread *t, uint64_t guest_path, int *err);
/* Nonzero for a host descriptor vvm itself uses (the --log file): the guest
 * may not close it or dup over it. */
int lx_fd_reserved(lx_thread *t, int fd);

#endif
