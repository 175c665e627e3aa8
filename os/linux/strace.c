/* strace: --strace as advice on the syscall-entry/exit join points.  Every
 * call is printed once it returns, with its arguments decoded by the kinds
 * that syscalls.def gives them, like strace(1). */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>

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
        if (!vvm_aspace_check(as, addr + i, 1, VVM_PROT_R)) {
            fprintf(f, "\"<bad address 0x%" PRIx64 ">", addr);
            return;
        }
        unsigned char c = as->base[addr + i];
        if (c == 0)
            break;
        if (c == '\n')
            fputs("\\n", f);
        else if (c == '\t')
            fputs("\\t", f);
        else if (c == '"' || c == '\\')
            fprintf(f, "\\%c", c);
        else if (c < 32 || c >= 127)
            fprintf(f, "\\%o", c);
        else
            fputc(c, f);
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
    if (!vvm_aspace_check(as, addr, n, VVM_PROT_R)) {
        fprintf(f, "0x%" PRIx64, addr);
        return;
    }
    fputc('"', f);
    for (size_t i = 0; i < n; i++) {
        unsigned char c = as->base[addr + i];
        if (c == '\n')
            fputs("\\n", f);
        else if (c == '"' || c == '\\')
            fprintf(f, "\\%c", c);
        else if (c < 32 || c >= 127)
            fprintf(f, "\\x%02x", c);
        else
            fputc(c, f);
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
        if (i)
            fputs(", ", f);
        put_arg(f, t, *k, a[i], returned ? ret : -1, i < 5 ? a[i + 1] : 0);
    }
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
