/* sys_file: files and descriptors.  Guest descriptors are host descriptors;
 * most calls pass through with guest pointers turned into host pointers
 * (after checking the guest may access the range).  struct stat differs
 * between riscv64 (asm-generic) and x86-64 and is translated; the rest
 * (iovec, flock, linux_dirent64, statx, termios, winsize, open flags, fcntl
 * commands) has the same layout and numbers on both. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <unistd.h>

#include "os/linux/lx_sys.h"
#include "os/linux/procfs.h"

/* ---- shared helpers (declared in lx_sys.h) ---- */

char *lx_sys_path(lx_thread *t, uint64_t guest_path, int *err)
{
    char *s = vvm_strdup_from_guest(lx_as(t), guest_path, 4096, err);
    if (!s)
        return NULL;
    char buf[4096 + 256];
    const char *h = lx_sysroot_path(t->proc, s, buf, sizeof buf);
    if (h != s) {
        char *d = strdup(h);
        free(s);
        if (!d)
            *err = -ENOMEM;
        return d;
    }
    return s;
}

int lx_fd_reserved(lx_thread *t, int fd)
{
    FILE *log = t->proc->opt.log;
    if (!log || log == stderr || log == stdout)
        return 0;
    return fd == fileno(log);
}

/* ---- struct stat: asm-generic (riscv64) layout ---- */

typedef struct rv_stat {
    uint64_t st_dev, st_ino;
    uint32_t st_mode, st_nlink, st_uid, st_gid;
    uint64_t st_rdev, pad1;
    int64_t st_size;
    int32_t st_blksize, pad2;
    int64_t st_blocks;
    int64_t st_atime_, st_atime_nsec;
    int64_t st_mtime_, st_mtime_nsec;
    int64_t st_ctime_, st_ctime_nsec;
    uint32_t unused[2];
} rv_stat;
_Static_assert(sizeof(rv_stat) == 128, "riscv64 struct stat is 128 bytes");

static int64_t stat_to_guest(lx_thread *t, uint64_t gaddr, const struct stat *h)
{
    rv_stat g;
    memset(&g, 0, sizeof g);
    g.st_dev = h->st_dev;
    g.st_ino = h->st_ino;
    g.st_mode = h->st_mode;
    g.st_nlink = (uint32_t)h->st_nlink;
    g.st_uid = h->st_uid;
    g.st_gid = h->st_gid;
    g.st_rdev = h->st_rdev;
    g.st_size = h->st_size;
    g.st_blksize = (int32_t)h->st_blksize;
    g.st_blocks = h->st_blocks;
    g.st_atime_ = h->st_atim.tv_sec;
    g.st_atime_nsec = h->st_atim.tv_nsec;
    g.st_mtime_ = h->st_mtim.tv_sec;
    g.st_mtime_nsec = h->st_mtim.tv_nsec;
    g.st_ctime_ = h->st_ctim.tv_sec;
    g.st_ctime_nsec = h->st_ctim.tv_nsec;
    return vvm_copy_to_guest(lx_as(t), gaddr, &g, sizeof g);
}

/* ---- open, close, read, write ---- */

LX_SYSCALL(openat)
{
    int err = 0;
    char *path = lx_sys_path(t, a[1], &err);
    if (!path)
        return err;
    int64_t r = lx_host(syscall(SYS_openat, (int)a[0], path, (int)a[2], (mode_t)a[3]));
    r = lx_proc_opened(t, (int)a[0], path, (int)a[2], r);
    free(path);
    return r;
}

LX_SYSCALL(close)
{
    int fd = (int)a[0];
    if (lx_fd_reserved(t, fd))
        return -EBADF;
    return lx_host(syscall(SYS_close, fd));
}

LX_SYSCALL(close_range)
{
    unsigned first = (unsigned)a[0], last = (unsigned)a[1];
    unsigned flags = (unsigned)a[2];
    if (first > last)
        return -EINVAL;
    FILE *log = t->proc->opt.log;
    if (log && lx_fd_reserved(t, fileno(log))) {
        unsigned lf = (unsigned)fileno(log);
        if (lf >= first && lf <= last) {
            /* close around vvm's own descriptor */
            long r = 0;
            if (lf > first)
                r = syscall(SYS_close_range, first, lf - 1, flags);
            if (r == 0 && lf < last)
                r = syscall(SYS_close_range, lf + 1, last, flags);
            return lx_host(r);
        }
    }
    return lx_host(syscall(SYS_close_range, first, last, flags));
}

LX_SYSCALL(write)
{
    const void *buf = lx_guest_ptr(t, a[1], a[2], VVM_PROT_R);
    if (!buf)
        return -EFAULT;
    return lx_host(write((int)a[0], buf, a[2]));
}

LX_SYSCALL(read)
{
    void *buf = lx_guest_ptr(t, a[1], a[2], VVM_PROT_W);
    if (!buf)
        return -EFAULT;
    return lx_host(read((int)a[0], buf, a[2]));
}

LX_SYSCALL(pread64)
{
    void *buf = lx_guest_ptr(t, a[1], a[2], VVM_PROT_W);
    if (!buf)
        return -EFAULT;
    return lx_host(pread((int)a[0], buf, a[2], (off_t)a[3]));
}

LX_SYSCALL(pwrite64)
{
    const void *buf = lx_guest_ptr(t, a[1], a[2], VVM_PROT_R);
    if (!buf)
        return -EFAULT;
    return lx_host(pwrite((int)a[0], buf, a[2], (off_t)a[3]));
}

/* Builds host iovecs for a guest iovec array; prot is what the call does to
 * the buffers (VVM_PROT_W for reads into them).  Returns count or -errno. */
static int64_t iov_from_guest(lx_thread *t, uint64_t giov, uint64_t cnt, int prot, struct iovec **out)
{
    *out = NULL;
    if (cnt > IOV_MAX)
        return -EINVAL;
    if (cnt == 0)
        return 0;
    const uint64_t *g = lx_guest_ptr(t, giov, cnt * 16, VVM_PROT_R);
    if (!g)
        return -EFAULT;
    struct iovec *v = malloc(cnt * sizeof *v);
    if (!v)
        return -ENOMEM;
    for (uint64_t i = 0; i < cnt; i++) {
        uint64_t base = g[2 * i], len = g[2 * i + 1];
        if ((int64_t)len < 0) {
            free(v);
            return -EINVAL;
        }
        v[i].iov_len = len;
        v[i].iov_base = len ? lx_guest_ptr(t, base, len, prot) : NULL;
        if (len && !v[i].iov_base) {
            free(v);
            return -EFAULT;
        }
    }
    *out = v;
    return (int64_t)cnt;
}

/* The vectored calls, one shape: guest iovecs to host ones, then the host
 * call.  Arguments the kernel does not take for a call (offset and flags for
 * readv/writev) are ignored by it. */
static int64_t vector_io(lx_thread *t, const uint64_t *a, long nr, int prot)
{
    struct iovec *v;
    int64_t n = iov_from_guest(t, a[1], a[2], prot, &v);
    if (n < 0)
        return n;
    int64_t r = lx_host(syscall(nr, (int)a[0], v, (int)n, (long)a[3], 0L, (int)a[5]));
    free(v);
    return r;
}

LX_SYSCALL(readv) { return vector_io(t, a, SYS_readv, VVM_PROT_W); }
LX_SYSCALL(writev) { return vector_io(t, a, SYS_writev, VVM_PROT_R); }

LX_SYSCALL(lseek)
{
    return lx_host(lseek((int)a[0], (off_t)a[1], (int)a[2]));
}

/* ---- stat ---- */

LX_SYSCALL(fstat)
{
    struct stat st;
    if (fstat((int)a[0], &st) < 0)
        return -errno;
    return stat_to_guest(t, a[1], &st);
}

LX_SYSCALL(newfstatat)
{
    int flags = (int)a[3];
    int err = 0;
    char *path;
    if (!a[1] && (flags & AT_EMPTY_PATH))
        path = strdup("");
    else if (!(path = lx_sys_path(t, a[1], &err)))
        return err;
    if (!path)
        return -ENOMEM;
    struct stat st;
    int r = fstatat((int)a[0], path, &st, flags);
    const char *exe; /* /proc/PID/exe: the guest program */
    if (r == 0 && !(flags & AT_SYMLINK_NOFOLLOW) && lx_proc_is_vvm(st.st_dev, st.st_ino) &&
        (exe = lx_proc_exe(t, (int)a[0], path)))
        r = stat(exe, &st);
    free(path);
    if (r < 0)
        return -errno;
    return stat_to_guest(t, a[2], &st);
}

LX_SYSCALL(statx)
{
    int flags = (int)a[2];
    int err = 0;
    char *path;
    void *buf = lx_guest_ptr(t, a[4], 256, VVM_PROT_W);
    if (!buf)
        return -EFAULT;
    if (!a[1] && (flags & AT_EMPTY_PATH))
        path = strdup("");
    else if (!(path = lx_sys_path(t, a[1], &err)))
        return err;
    if (!path)
        return -ENOMEM;
    int64_t r = lx_host(syscall(SYS_statx, (int)a[0], path, flags, (unsigned)a[3], buf));
    uint64_t ino;
    uint32_t dev[2]; /* the guest's buffer may be unaligned */
    memcpy(&ino, (const char *)buf + offsetof(struct statx, stx_ino), sizeof ino);
    memcpy(dev, (const char *)buf + offsetof(struct statx, stx_dev_major), sizeof dev);
    const char *exe; /* /proc/PID/exe: the guest program */
    if (r == 0 && !(flags & AT_SYMLINK_NOFOLLOW) && lx_proc_is_vvm(makedev(dev[0], dev[1]), ino) &&
        (exe = lx_proc_exe(t, (int)a[0], path)))
        r = lx_host(syscall(SYS_statx, AT_FDCWD, exe, flags, (unsigned)a[3], buf));
    free(path);
    return r;
}

LX_SYSCALL(getdents64)
{
    void *buf = lx_guest_ptr(t, a[1], a[2], VVM_PROT_W);
    if (!buf)
        return -EFAULT;
    return lx_host(syscall(SYS_getdents64, (int)a[0], buf, (unsigned)a[2]));
}

/* ---- descriptors ---- */

LX_SYSCALL(dup)
{
    return lx_proc_dup((int)a[0], lx_host(dup((int)a[0])));
}

LX_SYSCALL(dup3)
{
    if (lx_fd_reserved(t, (int)a[1]))
        return -EBADF;
    return lx_proc_dup((int)a[0], lx_host(dup3((int)a[0], (int)a[1], (int)a[2])));
}

LX_SYSCALL(pipe2)
{
    int fds[2];
    if (!lx_guest_ptr(t, a[0], sizeof fds, VVM_PROT_W))
        return -EFAULT;
    if (pipe2(fds, (int)a[1]) < 0)
        return -errno;
    if (vvm_copy_to_guest(lx_as(t), a[0], fds, sizeof fds) < 0) {
        close(fds[0]);
        close(fds[1]);
        return -EFAULT;
    }
    return 0;
}

LX_SYSCALL(fcntl)
{
    int fd = (int)a[0], cmd = (int)a[1];
    uint64_t len = 0;
    int prot = VVM_PROT_R;
    switch (cmd) {
    case F_GETLK:
    case F_OFD_GETLK:
        len = sizeof(struct flock), prot = VVM_PROT_R | VVM_PROT_W;
        break;
    case F_SETLK:
    case F_SETLKW:
    case F_OFD_SETLK:
    case F_OFD_SETLKW:
        len = sizeof(struct flock);
        break;
    case F_GETOWN_EX:
        len = sizeof(struct f_owner_ex), prot = VVM_PROT_W;
        break;
    case F_SETOWN_EX:
        len = sizeof(struct f_owner_ex);
        break;
    case 1035: /* F_GET_RW_HINT */
    case 1037: /* F_GET_FILE_RW_HINT */
        len = 8, prot = VVM_PROT_W;
        break;
    case 1036: /* F_SET_RW_HINT */
    case 1038: /* F_SET_FILE_RW_HINT */
        len = 8;
        break;
    case F_DUPFD:
    case F_DUPFD_CLOEXEC:
        return lx_proc_dup(fd, lx_host(syscall(SYS_fcntl, fd, cmd, (unsigned long)a[2])));
    default:
        /* integer argument (or none) */
        return lx_host(syscall(SYS_fcntl, fd, cmd, (unsigned long)a[2]));
    }
    void *p = lx_guest_ptr(t, a[2], len, prot);
    if (!p)
        return -EFAULT;
    return lx_host(syscall(SYS_fcntl, fd, cmd, p));
}

LX_SYSCALL(flock)
{
    return lx_host(flock((int)a[0], (int)a[1]));
}

/* ioctl: the requests vvm knows, with what their argument is.  Terminal
 * (asm-generic numbers == x86-64) and a few socket/file requests; other
 * requests of the types listed in ioctl_types pass through by their _IOC
 * size and direction; anything else is ENOTTY. */
enum { IOA_INT, IOA_IN, IOA_OUT, IOA_INOUT };
typedef struct ioctl_desc {
    unsigned long cmd;
    unsigned char kind;
    unsigned short size;
} ioctl_desc;

static const ioctl_desc ioctls[] = {
    {0x5401, IOA_OUT, 36},   /* TCGETS */
    {0x5402, IOA_IN, 36},    /* TCSETS */
    {0x5403, IOA_IN, 36},    /* TCSETSW */
    {0x5404, IOA_IN, 36},    /* TCSETSF */
    {0x5405, IOA_OUT, 18},   /* TCGETA */
    {0x5406, IOA_IN, 18},    /* TCSETA */
    {0x5407, IOA_IN, 18},    /* TCSETAW */
    {0x5408, IOA_IN, 18},    /* TCSETAF */
    {0x5409, IOA_INT, 0},    /* TCSBRK */
    {0x540A, IOA_INT, 0},    /* TCXONC */
    {0x540B, IOA_INT, 0},    /* TCFLSH */
    {0x540C, IOA_INT, 0},    /* TIOCEXCL */
    {0x540D, IOA_INT, 0},    /* TIOCNXCL */
    {0x540E, IOA_INT, 0},    /* TIOCSCTTY */
    {0x540F, IOA_OUT, 4},    /* TIOCGPGRP */
    {0x5410, IOA_IN, 4},     /* TIOCSPGRP */
    {0x5411, IOA_OUT, 4},    /* TIOCOUTQ */
    {0x5412, IOA_IN, 1},     /* TIOCSTI */
    {0x5413, IOA_OUT, 8},    /* TIOCGWINSZ */
    {0x5414, IOA_IN, 8},     /* TIOCSWINSZ */
    {0x5415, IOA_OUT, 4},    /* TIOCMGET */
    {0x5416, IOA_IN, 4},     /* TIOCMBIS */
    {0x5417, IOA_IN, 4},     /* TIOCMBIC */
    {0x5418, IOA_IN, 4},     /* TIOCMSET */
    {0x5419, IOA_OUT, 4},    /* TIOCGSOFTCAR */
    {0x541A, IOA_IN, 4},     /* TIOCSSOFTCAR */
    {0x541B, IOA_OUT, 4},    /* FIONREAD */
    {0x541D, IOA_INT, 0},    /* TIOCCONS */
    {0x5420, IOA_IN, 4},     /* TIOCPKT */
    {0x5421, IOA_IN, 4},     /* FIONBIO */
    {0x5422, IOA_INT, 0},    /* TIOCNOTTY */
    {0x5423, IOA_IN, 4},     /* TIOCSETD */
    {0x5424, IOA_OUT, 4},    /* TIOCGETD */
    {0x5425, IOA_INT, 0},    /* TCSBRKP */
    {0x5427, IOA_INT, 0},    /* TIOCSBRK */
    {0x5428, IOA_INT, 0},    /* TIOCCBRK */
    {0x5429, IOA_OUT, 4},    /* TIOCGSID */
    {0x5441, IOA_INT, 0},    /* TIOCGPTPEER */
    {0x5450, IOA_INT, 0},    /* FIONCLEX */
    {0x5451, IOA_INT, 0},    /* FIOCLEX */
    {0x5452, IOA_IN, 4},     /* FIOASYNC */
    {0x5456, IOA_OUT, 36},   /* TIOCGLCKTRMIOS */
    {0x5457, IOA_IN, 36},    /* TIOCSLCKTRMIOS */
    {0x5460, IOA_OUT, 8},    /* FIOQSIZE */
    {0x0002, IOA_OUT, 4},    /* FIGETBSZ */
    {0x8905, IOA_OUT, 4},    /* SIOCATMARK */
    {0x8906, IOA_OUT, 16},   /* SIOCGSTAMP */
    {0x8907, IOA_OUT, 16},   /* SIOCGSTAMPNS */
    {0x8910, IOA_INOUT, 40}, /* SIOCGIFNAME */
    {0x8913, IOA_INOUT, 40}, /* SIOCGIFFLAGS */
    {0x8915, IOA_INOUT, 40}, /* SIOCGIFADDR */
    {0x8917, IOA_INOUT, 40}, /* SIOCGIFDSTADDR */
    {0x8919, IOA_INOUT, 40}, /* SIOCGIFBRDADDR */
    {0x891b, IOA_INOUT, 40}, /* SIOCGIFNETMASK */
    {0x891d, IOA_INOUT, 40}, /* SIOCGIFMETRIC */
    {0x8921, IOA_INOUT, 40}, /* SIOCGIFMTU */
    {0x8927, IOA_INOUT, 40}, /* SIOCGIFHWADDR */
    {0x8933, IOA_INOUT, 40}, /* SIOCGIFINDEX */
};

/* _IOC types whose other requests carry plain data of their _IOC size */
static const unsigned char ioctl_types[] = {'T', 'f', 'X'};

LX_SYSCALL(ioctl)
{
    int fd = (int)a[0];
    unsigned long cmd = (unsigned long)(uint32_t)a[1];
    const ioctl_desc *d = NULL;
    ioctl_desc gen;
    for (size_t i = 0; i < sizeof ioctls / sizeof ioctls[0]; i++)
        if (ioctls[i].cmd == cmd) {
            d = &ioctls[i];
            break;
        }
    if (!d && cmd == 0x8912) { /* SIOCGIFCONF: struct ifconf {int len; char *buf;} */
        uint8_t *ifc = lx_guest_ptr(t, a[2], 16, VVM_PROT_R | VVM_PROT_W);
        if (!ifc)
            return -EFAULT;
        struct {
            int len;
            void *buf;
        } h;
        uint64_t gbuf;
        memcpy(&h.len, ifc, 4);
        memcpy(&gbuf, ifc + 8, 8);
        int bad = 0;
        h.buf = lx_gptr_opt(t, gbuf, h.len > 0 ? (uint64_t)h.len : 0, VVM_PROT_W, &bad);
        if (bad || h.len < 0)
            return -EFAULT;
        long r = ioctl(fd, cmd, &h);
        if (r < 0)
            return -errno;
        memcpy(ifc, &h.len, 4);
        return r;
    }
    if (!d) {
        unsigned dir = (cmd >> 30) & 3, size = (cmd >> 16) & 0x3fff, type = (cmd >> 8) & 0xff;
        int known = 0;
        for (size_t i = 0; i < sizeof ioctl_types; i++)
            known |= ioctl_types[i] == type;
        if (!known || (dir && !size))
            return -ENOTTY;
        gen.cmd = cmd;
        gen.size = (unsigned short)size;
        gen.kind = dir == 0 ? IOA_INT : dir == 1 ? IOA_IN : dir == 2 ? IOA_OUT : IOA_INOUT;
        d = &gen;
    }
    if (d->kind == IOA_INT)
        return lx_host(ioctl(fd, cmd, (unsigned long)a[2]));
    int prot = d->kind == IOA_IN ? VVM_PROT_R : d->kind == IOA_OUT ? VVM_PROT_W : VVM_PROT_R | VVM_PROT_W;
    void *p = lx_guest_ptr(t, a[2], d->size, prot);
    if (!p)
        return -EFAULT;
    return lx_host(ioctl(fd, cmd, p));
}

/* ---- data movement and housekeeping ---- */

LX_SYSCALL(sendfile)
{
    int bad = 0;
    off_t *off = lx_gptr_opt(t, a[2], 8, VVM_PROT_R | VVM_PROT_W, &bad);
    if (bad)
        return -EFAULT;
    return lx_host(syscall(SYS_sendfile, (int)a[0], (int)a[1], off, (size_t)a[3]));
}

/* copy_file_range and splice: (fd_in, off_in *, fd_out, off_out *, len, flags) */
static int64_t two_offsets(lx_thread *t, const uint64_t *a, long nr)
{
    int bad = 0;
    void *oin = lx_gptr_opt(t, a[1], 8, VVM_PROT_R | VVM_PROT_W, &bad);
    void *oout = lx_gptr_opt(t, a[3], 8, VVM_PROT_R | VVM_PROT_W, &bad);
    if (bad)
        return -EFAULT;
    return lx_host(syscall(nr, (int)a[0], oin, (int)a[2], oout, (size_t)a[4], (unsigned)a[5]));
}

LX_SYSCALL(copy_file_range) { return two_offsets(t, a, SYS_copy_file_range); }

LX_SYSCALL(fadvise64)
{
    return lx_host(syscall(SYS_fadvise64, (int)a[0], (off_t)a[1], (off_t)a[2], (int)a[3]));
}

LX_SYSCALL(ftruncate)
{
    return lx_host(ftruncate((int)a[0], (off_t)a[1]));
}

LX_SYSCALL(fallocate)
{
    return lx_host(syscall(SYS_fallocate, (int)a[0], (int)a[1], (off_t)a[2], (off_t)a[3]));
}

LX_SYSCALL(fsync)
{
    return lx_host(fsync((int)a[0]));
}

LX_SYSCALL(fdatasync)
{
    return lx_host(fdatasync((int)a[0]));
}

LX_SYSCALL(memfd_create)
{
    int err = 0;
    char *name = vvm_strdup_from_guest(lx_as(t), a[0], 250, &err);
    if (!name)
        return err == -ENAMETOOLONG ? -EINVAL : err;
    int64_t r = lx_host(syscall(SYS_memfd_create, name, (unsigned)a[1]));
    free(name);
    return r;
}

/* preadv/pwritev(fd, iov, cnt, pos_l, pos_h): on 64-bit pos_l is the offset */
LX_SYSCALL(preadv) { return vector_io(t, a, SYS_preadv, VVM_PROT_W); }
LX_SYSCALL(pwritev) { return vector_io(t, a, SYS_pwritev, VVM_PROT_R); }
LX_SYSCALL(preadv2) { return vector_io(t, a, SYS_preadv2, VVM_PROT_W); }
LX_SYSCALL(pwritev2) { return vector_io(t, a, SYS_pwritev2, VVM_PROT_R); }

LX_SYSCALL(splice) { return two_offsets(t, a, SYS_splice); }

LX_SYSCALL(tee)
{
    (void)t;
    return lx_host(syscall(SYS_tee, (int)a[0], (int)a[1], (size_t)a[2], (unsigned)a[3]));
}

LX_SYSCALL(sync_file_range)
{
    (void)t;
    return lx_host(syscall(SYS_sync_file_range, (int)a[0], (off_t)a[1], (off_t)a[2], (unsigned)a[3]));
}

LX_SYSCALL(syncfs)
{
    (void)t;
    return lx_host(syncfs((int)a[0]));
}
