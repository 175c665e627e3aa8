/* strace: --strace as advice on the syscall-entry/exit join points.  Every
 * call is printed once it returns, with its arguments decoded by the kinds
 * that syscalls.def gives them, like strace(1). */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <linux/futex.h>
#include <sys/mman.h>
#include <sys/stat.h>

#include "core/escape.h"
#include "os/linux/lx.h"

static void put_str(FILE *f, lx_thread *t, uint64_t addr, size_t max)
{
    vvm_aspace *as = lx_as(t);
    if (!addr) {
        fputs("NULL", f);
        return;
    }
    fputc('"', f);
    size_t i;
    for (i = 0; i < max; i++) {
        unsigned char c;
        if (vvm_copy_from_guest(as, &c, addr + i, 1) < 0) {
            fprintf(f, "\"<bad address 0x%" PRIx64 ">", addr);
            return;
        }
        if (c == 0)
            break;
        char e[5];
        vvm_escape_byte(e, c);
        fputs(e, f);
    }
    fputc('"', f);
    if (i == max)
        fputs("...", f);
}

static void put_buf(FILE *f, lx_thread *t, uint64_t addr, int64_t len)
{
    vvm_aspace *as = lx_as(t);
    if (len < 0) {
        fprintf(f, "0x%" PRIx64, addr);
        return;
    }
    size_t n = (size_t)len < 32 ? (size_t)len : 32;
    unsigned char b[32];
    if (vvm_copy_from_guest(as, b, addr, n) < 0) {
        fprintf(f, "0x%" PRIx64, addr);
        return;
    }
    fputc('"', f);
    for (size_t i = 0; i < n; i++) {
        char e[5];
        vvm_escape_byte(e, b[i]);
        fputs(e, f);
    }
    fputc('"', f);
    if ((size_t)len > n)
        fputs("...", f);
}

typedef struct flagname {
    uint64_t bit;
    const char *name;
} flagname;

static void put_flags(FILE *f, uint64_t v, const flagname *tab, size_t n, const char *zero)
{
    int any = 0;
    for (size_t i = 0; i < n; i++)
        if (tab[i].bit && (v & tab[i].bit) == tab[i].bit) {
            fprintf(f, "%s%s", any ? "|" : "", tab[i].name);
            v &= ~tab[i].bit;
            any = 1;
        }
    if (v)
        fprintf(f, "%s%#" PRIx64, any ? "|" : "", v);
    else if (!any)
        fputs(zero, f);
}

#define FLAG(x) {x, #x}
static const flagname open_flags[] = {
    FLAG(O_WRONLY), FLAG(O_RDWR), FLAG(O_CREAT), FLAG(O_EXCL), FLAG(O_NOCTTY), FLAG(O_TRUNC),
    FLAG(O_APPEND), FLAG(O_NONBLOCK), FLAG(O_DSYNC), FLAG(O_DIRECT), FLAG(O_LARGEFILE),
    FLAG(O_DIRECTORY), FLAG(O_NOFOLLOW), FLAG(O_NOATIME), FLAG(O_CLOEXEC), FLAG(O_PATH),
};
static const flagname prot_flags[] = {
    FLAG(PROT_READ), FLAG(PROT_WRITE), FLAG(PROT_EXEC),
};
static const flagname map_flags[] = {
    FLAG(MAP_SHARED), FLAG(MAP_PRIVATE), FLAG(MAP_FIXED), FLAG(MAP_ANONYMOUS), FLAG(MAP_GROWSDOWN),
    FLAG(MAP_DENYWRITE), FLAG(MAP_NORESERVE), FLAG(MAP_POPULATE), FLAG(MAP_STACK),
    FLAG(MAP_FIXED_NOREPLACE),
};


static const char *fcntl_name(uint64_t v)
{
    switch ((int)v) {
    case F_DUPFD: return "F_DUPFD";
    case F_GETFD: return "F_GETFD";
    case F_SETFD: return "F_SETFD";
    case F_GETFL: return "F_GETFL";
    case F_SETFL: return "F_SETFL";
    case F_GETLK: return "F_GETLK";
    case F_SETLK: return "F_SETLK";
    case F_SETLKW: return "F_SETLKW";
    case F_SETOWN: return "F_SETOWN";
    case F_GETOWN: return "F_GETOWN";
    case F_SETSIG: return "F_SETSIG";
    case F_GETSIG: return "F_GETSIG";
    case F_SETOWN_EX: return "F_SETOWN_EX";
    case F_GETOWN_EX: return "F_GETOWN_EX";
    case F_OFD_GETLK: return "F_OFD_GETLK";
    case F_OFD_SETLK: return "F_OFD_SETLK";
    case F_OFD_SETLKW: return "F_OFD_SETLKW";
    case F_SETLEASE: return "F_SETLEASE";
    case F_GETLEASE: return "F_GETLEASE";
    case F_NOTIFY: return "F_NOTIFY";
    case F_DUPFD_CLOEXEC: return "F_DUPFD_CLOEXEC";
    case F_SETPIPE_SZ: return "F_SETPIPE_SZ";
    case F_GETPIPE_SZ: return "F_GETPIPE_SZ";
    case F_ADD_SEALS: return "F_ADD_SEALS";
    case F_GET_SEALS: return "F_GET_SEALS";
    default: return NULL;
    }
}

static const char *futex_name(uint64_t v)
{
    switch ((int)v & FUTEX_CMD_MASK) {
    case FUTEX_WAIT: return "FUTEX_WAIT";
    case FUTEX_WAKE: return "FUTEX_WAKE";
    case FUTEX_FD: return "FUTEX_FD";
    case FUTEX_REQUEUE: return "FUTEX_REQUEUE";
    case FUTEX_CMP_REQUEUE: return "FUTEX_CMP_REQUEUE";
    case FUTEX_WAKE_OP: return "FUTEX_WAKE_OP";
    case FUTEX_LOCK_PI: return "FUTEX_LOCK_PI";
    case FUTEX_UNLOCK_PI: return "FUTEX_UNLOCK_PI";
    case FUTEX_TRYLOCK_PI: return "FUTEX_TRYLOCK_PI";
    case FUTEX_WAIT_BITSET: return "FUTEX_WAIT_BITSET";
    case FUTEX_WAKE_BITSET: return "FUTEX_WAKE_BITSET";
    case FUTEX_WAIT_REQUEUE_PI: return "FUTEX_WAIT_REQUEUE_PI";
    case FUTEX_CMP_REQUEUE_PI: return "FUTEX_CMP_REQUEUE_PI";
    case FUTEX_LOCK_PI2: return "FUTEX_LOCK_PI2";
    default: return NULL;
    }
}

static const flagname at_flags[] = {
    FLAG(AT_SYMLINK_NOFOLLOW), FLAG(AT_REMOVEDIR), FLAG(AT_SYMLINK_FOLLOW), FLAG(AT_NO_AUTOMOUNT),
    FLAG(AT_EMPTY_PATH),
};

static const char *file_type(uint32_t mode)
{
    switch (mode & S_IFMT) {
    case S_IFREG: return "S_IFREG";
    case S_IFDIR: return "S_IFDIR";
    case S_IFCHR: return "S_IFCHR";
    case S_IFBLK: return "S_IFBLK";
    case S_IFIFO: return "S_IFIFO";
    case S_IFLNK: return "S_IFLNK";
    case S_IFSOCK: return "S_IFSOCK";
    default: return "0";
    }
}

/* A riscv64 struct stat the call filled in (asm-generic layout). */
static void put_stat(FILE *f, lx_thread *t, uint64_t addr)
{
    vvm_aspace *as = lx_as(t);
    uint8_t p[128];
    if (vvm_copy_from_guest(as, p, addr, sizeof p) < 0) {
        fprintf(f, "%#" PRIx64, addr);
        return;
    }
    uint32_t mode;
    uint64_t rdev;
    int64_t size;
    memcpy(&mode, p + 16, 4);
    memcpy(&rdev, p + 32, 8);
    memcpy(&size, p + 48, 8);
    fprintf(f, "{st_mode=%s|0%o, ", file_type(mode), mode & 07777);
    if (S_ISCHR(mode) || S_ISBLK(mode))
        fprintf(f, "st_rdev=makedev(%#x, %#x), ...}", (unsigned)(((rdev >> 32) & ~0xfffULL) | ((rdev >> 8) & 0xfff)),
                (unsigned)(((rdev >> 12) & ~0xffULL) | (rdev & 0xff)));
    else
        fprintf(f, "st_size=%" PRId64 ", ...}", size);
}

/* Decodes argument i of call nr where the kind letter alone does not say
 * enough; returns 0 to fall back to the kind. */
static int put_special(FILE *f, lx_thread *t, long nr, int i, uint64_t v, int64_t ret, int returned)
{
    const char *n = NULL;
    switch (nr) {
    case 25: /* fcntl */
        if (i == 1)
            n = fcntl_name(v);
        break;
    case 98: /* futex */
        if (i == 1 && (n = futex_name(v))) {
            fputs(n, f);
            if (v & FUTEX_PRIVATE_FLAG)
                fputs("_PRIVATE", f);
            if (v & FUTEX_CLOCK_REALTIME)
                fputs("|FUTEX_CLOCK_REALTIME", f);
            return 1;
        }
        break;
    case 29: /* ioctl */
        if (i == 1)
            n = lx_ioctl_name((uint32_t)v);
        break;
    case 79: /* newfstatat */
        if (i == 3) {
            put_flags(f, v, at_flags, sizeof at_flags / sizeof at_flags[0], "0");
            return 1;
        }
        if (i == 2 && returned && ret == 0) {
            put_stat(f, t, v);
            return 1;
        }
        break;
    case 80: /* fstat */
        if (i == 1 && returned && ret == 0) {
            put_stat(f, t, v);
            return 1;
        }
        break;
    case 35: /* unlinkat */
        if (i == 2) {
            put_flags(f, v, at_flags, sizeof at_flags / sizeof at_flags[0], "0");
            return 1;
        }
        break;
    }
    if (!n)
        return 0;
    fputs(n, f);
    return 1;
}

static void put_arg(FILE *f, lx_thread *t, char kind, uint64_t v, int64_t ret, uint64_t next)
{
    switch (kind) {
    case 'd': fprintf(f, "%" PRId64, (int64_t)(int32_t)v); break;
    case 'u': fprintf(f, "%" PRIu64, v); break;
    case 'x': fprintf(f, "%#" PRIx64, v); break;
    case 's': put_str(f, t, v, 256); break;
    case 'b': put_buf(f, t, v, ret >= 0 ? ret : (int64_t)next); break;
    case 'o': fprintf(f, "0%" PRIo64, v); break;
    case 'D':
        if ((int32_t)v == AT_FDCWD)
            fputs("AT_FDCWD", f);
        else
            fprintf(f, "%d", (int32_t)v);
        break;
    case 'O':
        if ((v & O_ACCMODE) == O_RDONLY) {
            fputs("O_RDONLY", f);
            if (v & ~(uint64_t)O_ACCMODE) {
                fputc('|', f);
                put_flags(f, v & ~(uint64_t)O_ACCMODE, open_flags, sizeof open_flags / sizeof open_flags[0], "0");
            }
        } else {
            put_flags(f, v, open_flags, sizeof open_flags / sizeof open_flags[0], "0");
        }
        break;
    case 'P': put_flags(f, v, prot_flags, sizeof prot_flags / sizeof prot_flags[0], "PROT_NONE"); break;
    case 'M': put_flags(f, v, map_flags, sizeof map_flags / sizeof map_flags[0], "0"); break;
    case 'S':
        if (v >= 1 && v <= 64 && sigabbrev_np((int)v))
            fprintf(f, "SIG%s", sigabbrev_np((int)v));
        else
            fprintf(f, "%" PRIu64, v);
        break;
    case 'p':
    default:
        if (v)
            fprintf(f, "%#" PRIx64, v);
        else
            fputs("NULL", f);
        break;
    }
}

static void print_call(lx_thread *t, long nr, const uint64_t *a, int64_t ret, int returned)
{
    FILE *f = t->proc->opt.log;
    const lx_syscall_desc *d = (nr >= 0 && nr < LX_NR_MAX && lx_syscalls[nr].name) ? &lx_syscalls[nr] : NULL;
    flockfile(f);
    if (t->proc->nthreads > 1)
        fprintf(f, "[tid %d] ", t->tid);
    if (!d) {
        fprintf(f, "syscall_%ld(%#" PRIx64 ", %#" PRIx64 ", %#" PRIx64 ") = -1 ENOSYS (unknown system call)\n", nr,
                a[0], a[1], a[2]);
        funlockfile(f);
        return;
    }
    fprintf(f, "%s(", d->name);
    const char *k = d->fmt;
    int i = 0;
    for (; *k && *k != ':' && i < 6; k++, i++) {
        /* a mode after open flags means something only when creating */
        if (*k == 'o' && i > 0 && k > d->fmt && k[-1] == 'O' && !(a[i - 1] & (O_CREAT | __O_TMPFILE)))
            continue;
        if (i)
            fputs(", ", f);
        if (!put_special(f, t, nr, i, a[i], ret, returned))
            put_arg(f, t, *k, a[i], returned ? ret : -1, i < 5 ? a[i + 1] : 0);
    }
    while (*k && *k != ':')
        k++;
    char rk = (*k == ':') ? k[1] : 'd';
    if (!returned) {
        fputs(") = ?\n", f);
    } else if (ret < 0 && ret >= -4095) {
        const char *en = strerrorname_np((int)-ret);
        fprintf(f, ") = -1 %s (%s)\n", en ? en : "E?", strerror((int)-ret));
    } else if (rk == 'x') {
        fprintf(f, ") = %#" PRIx64 "\n", (uint64_t)ret);
    } else {
        fprintf(f, ") = %" PRId64 "\n", ret);
    }
    funlockfile(f);
}

void lx_strace_enter(lx_thread *t, long nr, const uint64_t *a)
{
    /* calls that do not return print now */
    if (nr == 93 || nr == 94 || nr == 139)
        print_call(t, nr, a, 0, 0);
}

void lx_strace_exit(lx_thread *t, long nr, const uint64_t *a, int64_t ret)
{
    if (nr == 93 || nr == 94 || nr == 139)
        return;
    print_call(t, nr, a, ret, 1);
}

static void on_enter(const vvm_jp_event *ev, void *user)
{
    (void)user;
    lx_strace_enter(((rv_cpu *)ev->vcpu)->env, ev->nr, ev->args);
}

static void on_exit_(const vvm_jp_event *ev, void *user)
{
    (void)user;
    lx_strace_exit(((rv_cpu *)ev->vcpu)->env, ev->nr, ev->args, ev->ret);
}

int lx_strace_install(lx_process *p)
{
    if (vvm_advice_add(&p->weaver, VVM_JP_SYSCALL_ENTER, VVM_BEFORE, on_enter, NULL) < 0)
        return -1;
    if (vvm_advice_add(&p->weaver, VVM_JP_SYSCALL_EXIT, VVM_AFTER, on_exit_, NULL) < 0)
        return -1;
    return 0;
}
