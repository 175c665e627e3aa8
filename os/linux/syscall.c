/* syscall: the system call table (generated from syscalls.def) and the
 * dispatcher, with the syscall-entry/exit join points around every call. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "os/linux/lx.h"
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

    if (woven & (1u << VVM_JP_SYSCALL_ENTER)) {
        vvm_jp_event ev = {.jp = VVM_JP_SYSCALL_ENTER, .machine = t->proc, .vcpu = cpu, .pc = pc, .nr = nr};
        memcpy(ev.args, a, sizeof a);
        vvm_jp_fire(w, &ev);
    }
    int64_t ret;
    if (nr >= 0 && nr < LX_NR_MAX && lx_syscalls[nr].fn) {
        t->in_syscall = 1;
        if (!lx_proc_mem_call(t, lx_syscalls[nr].fn, a, &ret)) /* I/O on a guest /proc/PID/mem */
            ret = lx_syscalls[nr].fn(t, a);
        t->in_syscall = 0;
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

void *lx_guest_ptr(lx_thread *t, uint64_t addr, uint64_t len, int prot)
{
    vvm_aspace *as = lx_as(t);
    if (len == 0)
        return vvm_g2h(as, addr, 0);
    if (!vvm_aspace_check(as, addr, len, prot))
        return NULL;
    if (prot & VVM_PROT_W)  /* the host will write there: code on those pages goes stale */
        vvm_aspace_code_write(as, addr, len);
    return as->base + addr;
}
