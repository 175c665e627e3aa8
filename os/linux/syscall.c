/* syscall: the system call table (generated from syscalls.def) and the
 * dispatcher, with the syscall-entry/exit join points around every call. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "os/linux/lx.h"
#include "os/linux/lx_sys.h"
#include "os/linux/procfs.h"

const lx_syscall_desc lx_syscalls[LX_NR_MAX] = {
#define SC(nr, name, fmt) [nr] = {#name, fmt, lx_sys_##name},
#include "os/linux/syscalls.def"
#undef SC
};

void lx_syscall(lx_thread *t)
{
    rv_cpu *cpu = &t->cpu;
    long nr = (long)cpu->x[17];
    uint64_t a[6] = {cpu->x[10], cpu->x[11], cpu->x[12], cpu->x[13], cpu->x[14], cpu->x[15]};
    const vvm_weaver *w = &t->proc->weaver;
    uint64_t pc = cpu->pc;
    int woven = VVM_JOINPOINTS ? w->mask & ((1u << VVM_JP_SYSCALL_ENTER) | (1u << VVM_JP_SYSCALL_EXIT)) : 0;

    vvm_jp_answer answer = {0};
    if (woven & (1u << VVM_JP_SYSCALL_ENTER)) {
        vvm_jp_event ev = {.jp = VVM_JP_SYSCALL_ENTER, .machine = t->proc, .vcpu = cpu, .pc = pc, .nr = nr,
                           .answer = &answer};
        memcpy(ev.args, a, sizeof a);
        vvm_jp_fire(w, &ev);
        /* the call as the advice left the registers, or its answer */
        nr = (long)cpu->x[17];
        for (int k = 0; k < 6; k++)
            a[k] = cpu->x[10 + k];
    }
    int64_t ret;
    if (answer.set) {
        ret = answer.value;
    } else if (t->proc->meta_syscall && t->proc->meta_syscall(t->proc->meta_arg, cpu, nr, a, &ret)) {
        /* defined at the meta level (define-syscall) */
    } else if (nr >= 0 && nr < LX_NR_MAX && lx_syscalls[nr].fn) {
        t->in_syscall = 1;
        if (!lx_proc_mem_call(t, lx_syscalls[nr].fn, a, &ret)) /* I/O on a guest /proc/PID/mem */
            ret = lx_syscalls[nr].fn(t, a);
        t->in_syscall = 0;
        lx_guest_writes_done(t);
    } else {
        ret = -ENOSYS;
    }
    if (ret == LX_NORETURN_PC) {
        /* rt_sigreturn/execve set registers and pc themselves */
        if (woven & (1u << VVM_JP_SYSCALL_EXIT)) {
            vvm_jp_event ev = {.jp = VVM_JP_SYSCALL_EXIT, .when = VVM_AFTER, .machine = t->proc, .vcpu = cpu,
                               .pc = pc, .nr = nr, .ret = 0};
            memcpy(ev.args, a, sizeof a);
            vvm_jp_fire(w, &ev);
        }
        return;
    }
    if (woven & (1u << VVM_JP_SYSCALL_EXIT)) {
        vvm_jp_event ev = {.jp = VVM_JP_SYSCALL_EXIT, .when = VVM_AFTER, .machine = t->proc, .vcpu = cpu,
                           .pc = pc, .nr = nr, .ret = ret};
        memcpy(ev.args, a, sizeof a);
        vvm_jp_fire(w, &ev);
    }
    cpu->x[10] = (uint64_t)ret;
    cpu->pc = pc + 4;
}

/* The host will write guest [addr, addr+len) during this call: code on those
 * pages goes stale, and the decoder must not protect them until the call is
 * over (vvm_aspace_host_write_begin). */
static void host_write(lx_thread *t, uint64_t addr, uint64_t len)
{
    int token = vvm_aspace_host_write_begin(lx_as(t), addr, len);
    if (token < 0)
        return;
    if (t->nhost_writes < (int)(sizeof t->host_writes / sizeof t->host_writes[0]))
        t->host_writes[t->nhost_writes++] = token;
    else
        vvm_aspace_host_write_end(lx_as(t), token);  /* unprotected, without the promise */
}

void lx_guest_writes_done(lx_thread *t)
{
    while (t->nhost_writes > 0)
        vvm_aspace_host_write_end(lx_as(t), t->host_writes[--t->nhost_writes]);
}

void *lx_guest_ptr(lx_thread *t, uint64_t addr, uint64_t len, int prot)
{
    vvm_aspace *as = lx_as(t);
    if (len == 0)
        return vvm_g2h(as, addr, 0);
    if (!vvm_aspace_check(as, addr, len, prot))
        return NULL;
    if (prot & VVM_PROT_W)
        host_write(t, addr, len);
    return as->base + addr;
}

void *lx_guest_buf(lx_thread *t, uint64_t addr, uint64_t len, int prot)
{
    vvm_aspace *as = lx_as(t);
    if (len == 0)  /* not looked at, as Linux does below the kernel's half */
        return (int64_t)addr < 0 ? NULL : as->base;
    if (addr >= as->size || len > as->size - addr || !vvm_aspace_prefix(as, addr, len, prot))
        return NULL;
    if (prot & VVM_PROT_W)
        host_write(t, addr, len);
    return as->base + addr;
}

int64_t lx_iov_from_guest(lx_thread *t, uint64_t giov, uint64_t cnt, int prot, int partial, struct iovec **out)
{
    *out = NULL;
    if (cnt == 0)
        return 0;
    if (cnt > (1u << 20))
        return -EINVAL;
    /* the guest's array, read once: each entry is {base, len} */
    uint64_t *g = malloc(cnt * 16);
    struct iovec *v = malloc(cnt * sizeof *v);
    if (!g || !v) {
        free(g);
        free(v);
        return -ENOMEM;
    }
    int64_t r = vvm_copy_from_guest(lx_as(t), g, giov, cnt * 16);
    for (uint64_t i = 0; r == 0 && i < cnt; i++)
        if ((int64_t)g[2 * i + 1] < 0)
            r = -EINVAL;
    for (uint64_t i = 0; r == 0 && i < cnt; i++) {
        uint64_t base = g[2 * i], len = g[2 * i + 1];
        v[i].iov_len = len;
        if (!len) {
            v[i].iov_base = NULL;
        } else if (partial) {
            /* in the guest's space is enough: the host kernel's copy stops
             * where the guest's pages do, as Linux's would */
            v[i].iov_base = vvm_g2h(lx_as(t), base, len);
            if (v[i].iov_base && (prot & VVM_PROT_W))
                host_write(t, base, len);
        } else {
            v[i].iov_base = lx_guest_ptr(t, base, len, prot);
        }
        if (len && !v[i].iov_base)
            r = -EFAULT;
    }
    free(g);
    if (r < 0) {
        free(v);
        return r;
    }
    *out = v;
    return (int64_t)cnt;
}
