/* sys_fs: the file system name space: paths, links, permissions, times,
 * the working directory and file-system statistics.  Every path the guest
 * passes goes through lx_sys_path (sysroot); what a path reaches under
 * /proc is procfs.c's business. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "os/linux/lx_sys.h"
#include "os/linux/procfs.h"

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
    if (!vvm_aspace_check(lx_as(t), a[2], (uint64_t)bufsiz, VVM_PROT_W))
        return -EFAULT;
    /* lx_proc_readlink tells the exe link by the file it names */
    PATH_ARG(path, a[1]);
    int64_t r = lx_proc_readlink(t, (int)a[0], path, a[2], (size_t)bufsiz);
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

/* renameat2 and linkat: (dirfd, path, dirfd, path, flags), both paths the
 * guest's */
static int64_t two_paths(lx_thread *t, const uint64_t *a, long nr)
{
    PATH_ARG(from, a[1]);
    int err = 0;
    char *to = lx_sys_path(t, a[3], &err);
    if (!to) {
        free(from);
        return err;
    }
    int64_t r = lx_host(syscall(nr, (int)a[0], from, (int)a[2], to, (int)a[4]));
    free(from);
    free(to);
    return r;
}

LX_SYSCALL(renameat2) { return two_paths(t, a, SYS_renameat2); }
LX_SYSCALL(linkat) { return two_paths(t, a, SYS_linkat); }

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
    const void *ts = lx_gptr_opt(t, a[2], 2 * sizeof(struct timespec), VVM_PROT_R, &bad);
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

LX_SYSCALL(mknodat)
{
    PATH_ARG(path, a[1]);
    int64_t r = lx_host(syscall(SYS_mknodat, (int)a[0], path, (mode_t)a[2], (unsigned)a[3]));
    free(path);
    return r;
}

LX_SYSCALL(fchmodat2)
{
    int flags = (int)a[3];
    char *path;
    int err = 0;
    if (!a[1] && (flags & AT_EMPTY_PATH))
        path = strdup("");
    else if (!(path = lx_sys_path(t, a[1], &err)))
        return err;
    if (!path)
        return -ENOMEM;
    int64_t r = lx_host(syscall(452 /* fchmodat2 */, (int)a[0], path, (mode_t)a[2], flags));
    if (r == -ENOSYS && flags == 0) /* older host kernel */
        r = lx_host(syscall(SYS_fchmodat, (int)a[0], path, (mode_t)a[2]));
    free(path);
    return r;
}

LX_SYSCALL(openat2)
{
    uint64_t size = a[3];
    if (size < 24)
        return -EINVAL;
    if (size > 4096)
        return -E2BIG;
    /* one copy: the host reads the same open_how vvm looks at */
    uint64_t how[4096 / 8];
    if (vvm_copy_from_guest(lx_as(t), how, a[2], size) < 0)
        return -EFAULT;
    PATH_ARG(path, a[1]);
    int64_t r = lx_host(syscall(437 /* openat2 */, (int)a[0], path, how, (size_t)size));
    uint64_t flags = how[0];
    r = lx_proc_opened(t, (int)a[0], path, (int)flags, r);
    free(path);
    return r;
}

/* ---- extended attributes: names and values are plain bytes ---- */

/* get/set (set = 1) of an attribute value: kind 0 on a path, 1 on a path
 * without following a last symbolic link (l...), 2 on a descriptor (f...).
 * The flags argument a[4] of the set calls is ignored by the get ones. */
static int64_t xattr_value(lx_thread *t, const uint64_t *a, int kind, int set)
{
    static const long nr[2][3] = {{SYS_getxattr, SYS_lgetxattr, SYS_fgetxattr},
                                  {SYS_setxattr, SYS_lsetxattr, SYS_fsetxattr}};
    int err = 0, bad = 0;
    char *name = vvm_strdup_from_guest(lx_as(t), a[1], 256, &err);
    if (!name)
        return err == -ENAMETOOLONG ? -ERANGE : err;
    void *val = lx_gptr_opt(t, a[2], a[3], set ? VVM_PROT_R : VVM_PROT_W, &bad);
    int64_t r = -EFAULT;
    if (!bad) {
        if (kind == 2) {
            r = lx_host(syscall(nr[set][2], (int)a[0], name, val, (size_t)a[3], (int)a[4]));
        } else {
            char *path = lx_sys_path(t, a[0], &err);
            r = err;
            if (path)
                r = lx_host(syscall(nr[set][kind], path, name, val, (size_t)a[3], (int)a[4]));
            free(path);
        }
    }
    free(name);
    return r;
}
LX_SYSCALL(getxattr) { return xattr_value(t, a, 0, 0); }
LX_SYSCALL(lgetxattr) { return xattr_value(t, a, 1, 0); }
LX_SYSCALL(fgetxattr) { return xattr_value(t, a, 2, 0); }
LX_SYSCALL(setxattr) { return xattr_value(t, a, 0, 1); }
LX_SYSCALL(lsetxattr) { return xattr_value(t, a, 1, 1); }
LX_SYSCALL(fsetxattr) { return xattr_value(t, a, 2, 1); }

static int64_t xattr_list(lx_thread *t, const uint64_t *a, int kind)
{
    int err = 0, bad = 0;
    void *list = lx_gptr_opt(t, a[1], a[2], VVM_PROT_W, &bad);
    if (bad)
        return -EFAULT;
    if (kind == 2)
        return lx_host(syscall(SYS_flistxattr, (int)a[0], list, (size_t)a[2]));
    char *path = lx_sys_path(t, a[0], &err);
    if (!path)
        return err;
    int64_t r = lx_host(syscall(kind ? SYS_llistxattr : SYS_listxattr, path, list, (size_t)a[2]));
    free(path);
    return r;
}
LX_SYSCALL(listxattr) { return xattr_list(t, a, 0); }
LX_SYSCALL(llistxattr) { return xattr_list(t, a, 1); }
LX_SYSCALL(flistxattr) { return xattr_list(t, a, 2); }

static int64_t xattr_remove(lx_thread *t, const uint64_t *a, int kind)
{
    int err = 0;
    char *name = vvm_strdup_from_guest(lx_as(t), a[1], 256, &err);
    if (!name)
        return err == -ENAMETOOLONG ? -ERANGE : err;
    int64_t r;
    if (kind == 2) {
        r = lx_host(syscall(SYS_fremovexattr, (int)a[0], name));
    } else {
        char *path = lx_sys_path(t, a[0], &err);
        r = err;
        if (path)
            r = lx_host(syscall(kind ? SYS_lremovexattr : SYS_removexattr, path, name));
        free(path);
    }
    free(name);
    return r;
}
LX_SYSCALL(removexattr) { return xattr_remove(t, a, 0); }
LX_SYSCALL(lremovexattr) { return xattr_remove(t, a, 1); }
LX_SYSCALL(fremovexattr) { return xattr_remove(t, a, 2); }
