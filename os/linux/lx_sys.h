/* lx_sys: small helpers shared by the pass-through system calls
 * (sys_file.c, sys_fs.c, sys_io.c, sys_net.c, sys_time.c, sys_misc.c). */
#ifndef VVM_LX_SYS_H
#define VVM_LX_SYS_H

#include <errno.h>
#include <stdint.h>
#include <sys/uio.h>

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

/* Host pointer for the buffer of a call that may move part of it (read,
 * write, getrandom, ...): the whole buffer lies in the guest's address space
 * and its first byte is accessible with prot; the host kernel stops where the
 * guest's pages do (the host mapping mirrors them), giving the partial count
 * or EFAULT exactly as Linux would for that kind of file.  NULL (EFAULT)
 * otherwise.  A zero-length buffer is not looked at. */
void *lx_guest_buf(lx_thread *t, uint64_t addr, uint64_t len, int prot);
/* Host iovecs for the guest's array of cnt {base, len} at giov (read with
 * vvm_copy_from_guest), each buffer checked for prot (VVM_PROT_W: the call
 * writes them).  With partial (readv, writev) a buffer need only lie in the
 * guest's address space: the host kernel moves what it can reach, as Linux
 * would (see lx_guest_buf); without (sendmsg, recvmsg), every buffer must be
 * accessible.
 * Returns the host count (free *out) or -errno (EINVAL for a negative
 * length). */
int64_t lx_iov_from_guest(lx_thread *t, uint64_t giov, uint64_t cnt, int prot, int partial, struct iovec **out);

/* Reads a guest path and gives the host path: an absolute path that exists
 * under the sysroot names that file (lx_sysroot_path).  Returns a malloc'd
 * host path or NULL with *err set.  (What the path names under /proc is
 * decided on the file it reaches: procfs.h.) */
char *lx_sys_path(lx_thread *t, uint64_t guest_path, int *err);
/* Nonzero for a host descriptor vvm itself uses (the --log file): the guest
 * may not close it or dup over it. */
int lx_fd_reserved(lx_thread *t, int fd);

#endif
