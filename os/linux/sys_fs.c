/* sys_fs: the file system name space: paths, links, permissions, times,
 * the working directory and file-system statistics.  Every path the guest
 * passes goes through lx_sys_path (sysroot, /proc/self/exe). */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "os/linux/lx_sys.h"

/* Guest path argument -> host path, or return its error from the caller. */
#define PATH_ARG(var, g)                                                                                               \
    int var##_err = 0;                                                                                                 \
    char *var = lx_sys_path(t, (g), &var##_err);                                                                       \
    if (!var)                                                                                                          \
    return var##_err

LX_SYSCALL(readlinkat)
{
    int64_t bufsiz = (int64_t)a[3];
    if ((int)bufsiz <= 0)
        return -EINVAL;
    int err = 0;
    char *s = vvm_strdup_from_guest(lx_as(t), a[1], 4096, &err);
    if (!s)
        return err;
    if (lx_is_self_exe(t, s) && t->proc->exe_path) {
        free(s);
        const char *exe = t->proc->exe_path;
        size_t n = strlen(exe);
        if (n > (size_t)bufsiz)
            n = (size_t)bufsiz;
        if (vvm_copy_to_guest(lx_as(t), a[2], exe, n) < 0)
            return -EFAULT;
        return (int64_t)n;
    }
    free(s);
    void *buf = lx_guest_ptr(t, a[2], (uint64_t)bufsiz, VVM_PROT_W);
    if (!buf)
        return -EFAULT;
    PATH_ARG(path, a[1]);
    int64_t r = lx_host(readlinkat((int)a[0], path, buf, (size_t)bufsiz));
    free(path);
    return r;
}

LX_SYSCALL(faccessat)
{
    PATH_ARG(path, a[1]);
    int64_t r = lx_host(syscall(SYS_faccessat, (int)a[0], path, (int)a[2]));
    free(path);
    return r;
}

LX_SYSCALL(faccessat2)
{
    PATH_ARG(path, a[1]);
    int64_t r = lx_host(syscall(SYS_faccessat2, (int)a[0], path, (int)a[2], (int)a[3]));
    if (r == -ENOSYS) /* older host kernel: glibc emulates the flags */
        r = lx_host(faccessat((int)a[0], path, (int)a[2], (int)a[3]));
    free(path);
    return r;
}

LX_SYSCALL(unlinkat)
{
    PATH_ARG(path, a[1]);
    int64_t r = lx_host(unlinkat((int)a[0], path, (int)a[2]));
    free(path);
    return r;
}

LX_SYSCALL(mkdirat)
{
    PATH_ARG(path, a[1]);
    int64_t r = lx_host(mkdirat((int)a[0], path, (mode_t)a[2]));
    free(path);
    return r;
}

LX_SYSCALL(renameat2)
{
    PATH_ARG(from, a[1]);
    int err = 0;
    char *to = lx_sys_path(t, a[3], &err);
    if (!to) {
        free(from);
        return err;
    }
    int64_t r = lx_host(syscall(SYS_renameat2, (int)a[0], from, (int)a[2], to, (unsigned)a[4]));
    free(from);
    free(to);
    return r;
}

LX_SYSCALL(symlinkat)
{
    /* the link's contents are stored as the guest wrote them */
    int err = 0;
    char *target = vvm_strdup_from_guest(lx_as(t), a[0], 4096, &err);
    if (!target)
        return err;
    char *path = lx_sys_path(t, a[2], &err);
    if (!path) {
        free(target);
        return err;
    }
    int64_t r = lx_host(symlinkat(target, (int)a[1], path));
    free(target);
    free(path);
    return r;
}

LX_SYSCALL(linkat)
{
    PATH_ARG(from, a[1]);
    int err = 0;
    char *to = lx_sys_path(t, a[3], &err);
    if (!to) {
        free(from);
        return err;
    }
    int64_t r = lx_host(linkat((int)a[0], from, (int)a[2], to, (int)a[4]));
    free(from);
    free(to);
    return r;
}

LX_SYSCALL(fchmod)
{
    return lx_host(fchmod((int)a[0], (mode_t)a[1]));
}

LX_SYSCALL(fchmodat)
{
    PATH_ARG(path, a[1]);
    int64_t r = lx_host(syscall(SYS_fchmodat, (int)a[0], path, (mode_t)a[2]));
    free(path);
    return r;
}

LX_SYSCALL(fchown)
{
    return lx_host(fchown((int)a[0], (uid_t)a[1], (gid_t)a[2]));
}

LX_SYSCALL(fchownat)
{
    int flags = (int)a[4];
    char *path;
    int err = 0;
    if (!a[1] && (flags & AT_EMPTY_PATH))
        path = strdup("");
    else if (!(path = lx_sys_path(t, a[1], &err)))
        return err;
    if (!path)
        return -ENOMEM;
    int64_t r = lx_host(fchownat((int)a[0], path, (uid_t)a[2], (gid_t)a[3], flags));
    free(path);
    return r;
}

LX_SYSCALL(utimensat)
{
    int bad = 0;
    const struct timespec *ts = lx_gptr_opt(t, a[2], 2 * sizeof(struct timespec), VVM_PROT_R, &bad);
    if (bad)
        return -EFAULT;
    char *path = NULL;
    if (a[1]) { /* NULL path: futimens on dirfd */
        int err = 0;
        if (!(path = lx_sys_path(t, a[1], &err)))
            return err;
    }
    int64_t r = lx_host(syscall(SYS_utimensat, (int)a[0], path, ts, (int)a[3]));
    free(path);
    return r;
}

LX_SYSCALL(truncate)
{
    PATH_ARG(path, a[0]);
    int64_t r = lx_host(truncate(path, (off_t)a[1]));
    free(path);
    return r;
}

LX_SYSCALL(sync)
{
    (void)t;
    (void)a;
    sync();
    return 0;
}

LX_SYSCALL(getcwd)
{
    void *buf = lx_guest_ptr(t, a[0], a[1], VVM_PROT_W);
    if (!buf)
        return -EFAULT;
    return lx_host(syscall(SYS_getcwd, buf, (size_t)a[1]));
}

LX_SYSCALL(chdir)
{
    PATH_ARG(path, a[0]);
    int64_t r = lx_host(chdir(path));
    free(path);
    return r;
}

LX_SYSCALL(fchdir)
{
    return lx_host(fchdir((int)a[0]));
}

LX_SYSCALL(umask)
{
    (void)t;
    return umask((mode_t)(a[0] & 0777));
}

/* struct statfs: the asm-generic 64-bit layout is x86-64's (120 bytes) */
_Static_assert(sizeof(struct statfs) == 120, "struct statfs is 120 bytes on x86-64 and riscv64");

LX_SYSCALL(statfs)
{
    void *buf = lx_guest_ptr(t, a[1], sizeof(struct statfs), VVM_PROT_W);
    if (!buf)
        return -EFAULT;
    PATH_ARG(path, a[0]);
    int64_t r = lx_host(syscall(SYS_statfs, path, buf));
    free(path);
    return r;
}

LX_SYSCALL(fstatfs)
{
    void *buf = lx_guest_ptr(t, a[1], sizeof(struct statfs), VVM_PROT_W);
    if (!buf)
        return -EFAULT;
    return lx_host(syscall(SYS_fstatfs, (int)a[0], buf));
}
