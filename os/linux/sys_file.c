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
    const void *buf = lx_guest_buf(t, a[1], a[2], VVM_PROT_R);
    if (!buf)
        return -EFAULT;
    return lx_host(write((int)a[0], buf, a[2]));
}

LX_SYSCALL(read)
{
    void *buf = lx_guest_buf(t, a[1], a[2], VVM_PROT_W);
    if (!buf)
        return -EFAULT;
    return lx_host(read((int)a[0], buf, a[2]));
}

LX_SYSCALL(pread64)
{
    void *buf = lx_guest_buf(t, a[1], a[2], VVM_PROT_W);
    if (!buf)
        return -EFAULT;
    return lx_host(pread((int)a[0], buf, a[2], (off_t)a[3]));
}

LX_SYSCALL(pwrite64)
{
    const void *buf = lx_guest_buf(t, a[1], a[2], VVM_PROT_R);
    if (!buf)
        return -EFAULT;
    return lx_host(pwrite((int)a[0], buf, a[2], (off_t)a[3]));
}

/* The vectored calls, one shape: guest iovecs to host ones, then the host
 * call.  Arguments the kernel does not take for a call (offset and flags for
 * readv/writev) are ignored by it. */
static int64_t vector_io(lx_thread *t, const uint64_t *a, long nr, int prot)
{
    struct iovec *v;
    if (a[2] > IOV_MAX)
        return -EINVAL;
    int64_t n = lx_iov_from_guest(t, a[1], a[2], prot, 1, &v);
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
    if (r == 0 && !(flags & AT_SYMLINK_NOFOLLOW) && (exe = lx_proc_exe(t, st.st_dev, st.st_ino, (int)a[0], path)))
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
    if (!vvm_aspace_check(lx_as(t), a[4], sizeof(struct statx), VVM_PROT_W))
        return -EFAULT;
    if (!a[1] && (flags & AT_EMPTY_PATH))
        path = strdup("");
    else if (!(path = lx_sys_path(t, a[1], &err)))
        return err;
    if (!path)
        return -ENOMEM;
    /* into vvm's own buffer, looked at, then copied out once */
    struct statx sx;
    int64_t r = lx_host(syscall(SYS_statx, (int)a[0], path, flags, (unsigned)a[3], &sx));
    const char *exe; /* /proc/PID/exe: the guest program */
    if (r == 0 && !(flags & AT_SYMLINK_NOFOLLOW) &&
        (exe = lx_proc_exe(t, makedev(sx.stx_dev_major, sx.stx_dev_minor), sx.stx_ino, (int)a[0], path)))
        r = lx_host(syscall(SYS_statx, AT_FDCWD, exe, flags, (unsigned)a[3], &sx));
    free(path);
    if (r == 0 && vvm_copy_to_guest(lx_as(t), a[4], &sx, sizeof sx) < 0)
        r = -EFAULT;
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

/* ioctl: the requests vvm knows, each with the shape of its argument.  This
 * table is the one source of truth: a request is forwarded to the host only
 * when it is here (so a guest integer never reaches the host kernel as a
 * pointer, whatever the request's number claims), and --strace names
 * requests from it (lx_ioctl_name).  Requests whose _IOC bits carry no
 * direction or size (the old tty ones) and those whose bits lie (TIOCSIG
 * says _IOW but takes a signal number; FS_IOC_GETFLAGS says long but the
 * kernel moves an int; BLKSSZGET says _IO but writes an int) are listed
 * with what the kernel really does.  Every size below is the same on
 * riscv64 and x86-64 (both take terminal and socket numbers from
 * asm-generic; struct termios 36 bytes, termios2 44, termio 18, winsize 8,
 * serial_struct 72, serial_icounter_struct 80, serial_rs485 32, ifreq 40,
 * timeval/timespec 16, fsxattr 28, file_clone_range 32, fstrim_range 24,
 * checked with both compilers).  Anything else is ENOTTY, which is what
 * Linux answers for a request the file does not know; requests that would
 * need their argument taken apart per sub-command (TIOCLINUX, FIEMAP,
 * SIOCETHTOOL, ...) are not forwarded either. */
enum {
    IOA_VAL,    /* argument unused or an integer by value */
    IOA_IN,     /* pointer to size bytes the kernel reads */
    IOA_OUT,    /* ... writes */
    IOA_INOUT,  /* ... reads and writes */
    IOA_SIG,    /* a guest signal number by value */
    IOA_IFCONF, /* struct ifconf, which holds a pointer */
};
typedef struct ioctl_desc {
    uint32_t cmd;
    unsigned char kind;
    unsigned char size;
    const char *name;
} ioctl_desc;

#define IOC(name, cmd, kind, size) {cmd, kind, size, #name}
static const ioctl_desc ioctls[] = {
    /* terminals (asm-generic/ioctls.h) */
    IOC(TCGETS, 0x5401, IOA_OUT, 36),
    IOC(TCSETS, 0x5402, IOA_IN, 36),
    IOC(TCSETSW, 0x5403, IOA_IN, 36),
    IOC(TCSETSF, 0x5404, IOA_IN, 36),
    IOC(TCGETA, 0x5405, IOA_OUT, 18),
    IOC(TCSETA, 0x5406, IOA_IN, 18),
    IOC(TCSETAW, 0x5407, IOA_IN, 18),
    IOC(TCSETAF, 0x5408, IOA_IN, 18),
    IOC(TCSBRK, 0x5409, IOA_VAL, 0),
    IOC(TCXONC, 0x540A, IOA_VAL, 0),
    IOC(TCFLSH, 0x540B, IOA_VAL, 0),
    IOC(TIOCEXCL, 0x540C, IOA_VAL, 0),
    IOC(TIOCNXCL, 0x540D, IOA_VAL, 0),
    IOC(TIOCSCTTY, 0x540E, IOA_VAL, 0),
    IOC(TIOCGPGRP, 0x540F, IOA_OUT, 4),
    IOC(TIOCSPGRP, 0x5410, IOA_IN, 4),
    IOC(TIOCOUTQ, 0x5411, IOA_OUT, 4),
    IOC(TIOCSTI, 0x5412, IOA_IN, 1),
    IOC(TIOCGWINSZ, 0x5413, IOA_OUT, 8),
    IOC(TIOCSWINSZ, 0x5414, IOA_IN, 8),
    IOC(TIOCMGET, 0x5415, IOA_OUT, 4),
    IOC(TIOCMBIS, 0x5416, IOA_IN, 4),
    IOC(TIOCMBIC, 0x5417, IOA_IN, 4),
    IOC(TIOCMSET, 0x5418, IOA_IN, 4),
    IOC(TIOCGSOFTCAR, 0x5419, IOA_OUT, 4),
    IOC(TIOCSSOFTCAR, 0x541A, IOA_IN, 4),
    IOC(FIONREAD, 0x541B, IOA_OUT, 4),
    IOC(TIOCCONS, 0x541D, IOA_VAL, 0),
    IOC(TIOCGSERIAL, 0x541E, IOA_OUT, 72),
    IOC(TIOCSSERIAL, 0x541F, IOA_IN, 72),
    IOC(TIOCPKT, 0x5420, IOA_IN, 4),
    IOC(FIONBIO, 0x5421, IOA_IN, 4),
    IOC(TIOCNOTTY, 0x5422, IOA_VAL, 0),
    IOC(TIOCSETD, 0x5423, IOA_IN, 4),
    IOC(TIOCGETD, 0x5424, IOA_OUT, 4),
    IOC(TCSBRKP, 0x5425, IOA_VAL, 0),
    IOC(TIOCSBRK, 0x5427, IOA_VAL, 0),
    IOC(TIOCCBRK, 0x5428, IOA_VAL, 0),
    IOC(TIOCGSID, 0x5429, IOA_OUT, 4),
    IOC(TCGETS2, 0x802C542A, IOA_OUT, 44),
    IOC(TCSETS2, 0x402C542B, IOA_IN, 44),
    IOC(TCSETSW2, 0x402C542C, IOA_IN, 44),
    IOC(TCSETSF2, 0x402C542D, IOA_IN, 44),
    IOC(TIOCGRS485, 0x542E, IOA_OUT, 32),
    IOC(TIOCSRS485, 0x542F, IOA_INOUT, 32),
    IOC(TIOCGPTN, 0x80045430, IOA_OUT, 4),
    IOC(TIOCSPTLCK, 0x40045431, IOA_IN, 4),
    IOC(TIOCGDEV, 0x80045432, IOA_OUT, 4),
    IOC(TIOCSIG, 0x40045436, IOA_SIG, 0),
    IOC(TIOCVHANGUP, 0x5437, IOA_VAL, 0),
    IOC(TIOCGPKT, 0x80045438, IOA_OUT, 4),
    IOC(TIOCGPTLCK, 0x80045439, IOA_OUT, 4),
    IOC(TIOCGEXCL, 0x80045440, IOA_OUT, 4),
    IOC(TIOCGPTPEER, 0x5441, IOA_VAL, 0),
    IOC(FIONCLEX, 0x5450, IOA_VAL, 0),
    IOC(FIOCLEX, 0x5451, IOA_VAL, 0),
    IOC(FIOASYNC, 0x5452, IOA_IN, 4),
    IOC(TIOCSERCONFIG, 0x5453, IOA_VAL, 0),
    IOC(TIOCGLCKTRMIOS, 0x5456, IOA_OUT, 36),
    IOC(TIOCSLCKTRMIOS, 0x5457, IOA_IN, 36),
    IOC(TIOCSERGETLSR, 0x5459, IOA_OUT, 4),
    IOC(TIOCMIWAIT, 0x545C, IOA_VAL, 0),
    IOC(TIOCGICOUNT, 0x545D, IOA_OUT, 80),
    IOC(FIOQSIZE, 0x5460, IOA_OUT, 8),
    /* files and block devices (linux/fs.h) */
    IOC(FIBMAP, 0x0001, IOA_INOUT, 4),
    IOC(FIGETBSZ, 0x0002, IOA_OUT, 4),
    IOC(BLKGETSIZE, 0x1260, IOA_OUT, 8),
    IOC(BLKSSZGET, 0x1268, IOA_OUT, 4),
    IOC(BLKGETSIZE64, 0x80081272, IOA_OUT, 8),
    IOC(FS_IOC_GETFLAGS, 0x80086601, IOA_OUT, 4),
    IOC(FS_IOC_SETFLAGS, 0x40086602, IOA_IN, 4),
    IOC(FS_IOC_GETVERSION, 0x80087601, IOA_OUT, 4),
    IOC(FS_IOC_SETVERSION, 0x40087602, IOA_IN, 4),
    IOC(FS_IOC_FSGETXATTR, 0x801C581F, IOA_OUT, 28),
    IOC(FS_IOC_FSSETXATTR, 0x401C5820, IOA_IN, 28),
    IOC(FIFREEZE, 0xC0045877, IOA_VAL, 0),
    IOC(FITHAW, 0xC0045878, IOA_VAL, 0),
    IOC(FITRIM, 0xC0185879, IOA_INOUT, 24),
    IOC(FICLONE, 0x40049409, IOA_VAL, 0),
    IOC(FICLONERANGE, 0x4020940D, IOA_IN, 32),
    /* sockets (asm-generic/sockios.h, linux/sockios.h) */
    IOC(FIOSETOWN, 0x8901, IOA_IN, 4),
    IOC(SIOCSPGRP, 0x8902, IOA_IN, 4),
    IOC(FIOGETOWN, 0x8903, IOA_OUT, 4),
    IOC(SIOCGPGRP, 0x8904, IOA_OUT, 4),
    IOC(SIOCATMARK, 0x8905, IOA_OUT, 4),
    IOC(SIOCGSTAMP, 0x8906, IOA_OUT, 16),
    IOC(SIOCGSTAMPNS, 0x8907, IOA_OUT, 16),
    IOC(SIOCGIFNAME, 0x8910, IOA_INOUT, 40),
    IOC(SIOCGIFCONF, 0x8912, IOA_IFCONF, 16),
    IOC(SIOCGIFFLAGS, 0x8913, IOA_INOUT, 40),
    IOC(SIOCGIFADDR, 0x8915, IOA_INOUT, 40),
    IOC(SIOCGIFDSTADDR, 0x8917, IOA_INOUT, 40),
    IOC(SIOCGIFBRDADDR, 0x8919, IOA_INOUT, 40),
    IOC(SIOCGIFNETMASK, 0x891B, IOA_INOUT, 40),
    IOC(SIOCGIFMETRIC, 0x891D, IOA_INOUT, 40),
    IOC(SIOCGIFMTU, 0x8921, IOA_INOUT, 40),
    IOC(SIOCGIFHWADDR, 0x8927, IOA_INOUT, 40),
    IOC(SIOCGIFINDEX, 0x8933, IOA_INOUT, 40),
    IOC(SIOCGIFTXQLEN, 0x8942, IOA_INOUT, 40),
    IOC(SIOCOUTQNSD, 0x894B, IOA_OUT, 4),
};
#undef IOC

static const ioctl_desc *ioctl_find(uint32_t cmd)
{
    for (size_t i = 0; i < sizeof ioctls / sizeof ioctls[0]; i++)
        if (ioctls[i].cmd == cmd)
            return &ioctls[i];
    return NULL;
}

const char *lx_ioctl_name(uint32_t cmd)
{
    const ioctl_desc *d = ioctl_find(cmd);
    return d ? d->name : NULL;
}

/* A bad guest pointer goes to the host as one no user access can reach
 * (kernel space), so the host answers as Linux would: EFAULT where it
 * touches the argument, its own errno (ENOTTY on a pipe, ...) where the
 * file refuses the request first. */
#define HOST_NOWHERE ((void *)~(uintptr_t)0xfffff)

/* SIOCGIFCONF: struct ifconf {int len; char *buf;} */
static int64_t ioctl_ifconf(lx_thread *t, int fd, uint64_t arg)
{
    struct {
        int len;
        void *buf;
    } h;
    uint64_t gbuf;
    if (!vvm_aspace_check(lx_as(t), arg, 16, VVM_PROT_R | VVM_PROT_W) || vvm_copy_from_guest(lx_as(t), &h.len, arg, 4) < 0 ||
        vvm_copy_from_guest(lx_as(t), &gbuf, arg + 8, 8) < 0)
        return lx_host(ioctl(fd, SIOCGIFCONF, HOST_NOWHERE));
    int bad = 0;
    h.buf = lx_gptr_opt(t, gbuf, h.len > 0 ? (uint64_t)h.len : 0, VVM_PROT_W, &bad);
    if (bad)
        h.buf = HOST_NOWHERE;
    long r = ioctl(fd, SIOCGIFCONF, &h);
    if (r < 0)
        return -errno;
    return vvm_copy_to_guest(lx_as(t), arg, &h.len, 4) < 0 ? -EFAULT : r;
}

LX_SYSCALL(ioctl)
{
    int fd = (int)a[0];
    uint32_t cmd = (uint32_t)a[1]; /* the kernel takes an unsigned int */
    const ioctl_desc *d = ioctl_find(cmd);
    if (!d)
        return -ENOTTY;
    switch (d->kind) {
    case IOA_VAL:
        return lx_host(ioctl(fd, cmd, (unsigned long)a[2]));
    case IOA_SIG: {
        /* a number with no host signal is 0, which the host refuses as the
         * guest's kernel would */
        int h = a[2] >= 1 && a[2] <= LX_NSIG ? lx_sig_g2h((int)a[2]) : 0;
        return lx_host(ioctl(fd, cmd, (unsigned long)h));
    }
    case IOA_IFCONF:
        return ioctl_ifconf(t, fd, a[2]);
    }
    int prot = d->kind == IOA_IN ? VVM_PROT_R : d->kind == IOA_OUT ? VVM_PROT_W : VVM_PROT_R | VVM_PROT_W;
    void *p = lx_guest_ptr(t, a[2], d->size, prot);
    return lx_host(ioctl(fd, cmd, p ? p : HOST_NOWHERE));
}

/* ---- data movement and housekeeping ---- */

LX_SYSCALL(sendfile)
{
    int bad = 0;
    void *off = lx_gptr_opt(t, a[2], 8, VVM_PROT_R | VVM_PROT_W, &bad);
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
