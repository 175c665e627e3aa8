/* embed: the public embedding API (include/vvm/vvm.h) over the rv64-linux
 * machine.
 *
 * The guest's first thread runs on vvm_run's caller; the threads it makes
 * are host threads of their own, which go on between vvm_run calls.  Its
 * end (exit_group, the last thread's exit, a fatal signal in any thread)
 * ends only the machine: every guest thread leaves its loop, the host
 * threads are joined, the caller's signal dispositions and mask come back,
 * and vvm_run returns VVM_EXITED. */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "include/vvm/vvm.h"
#include "os/linux/lx.h"

struct vvm {
    lx_process proc;
    lx_thread *main;            /* the guest's first thread */
    int loaded;
    int started;                /* lx_process_start done: host signals are the guest's */
    int exited;
    char *sysroot;
};

vvm *vvm_create(const char *machine, char *err, size_t errlen)
{
    if (!machine || strcmp(machine, "rv64-linux") != 0) {
        snprintf(err, errlen, "unknown machine '%s' (this build embeds rv64-linux)", machine ? machine : "(null)");
        return NULL;
    }
    vvm *m = calloc(1, sizeof *m);
    if (!m) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    return m;
}

int vvm_set_sysroot(vvm *m, const char *dir)
{
    if (m->loaded)
        return -1;
    free(m->sysroot);
    m->sysroot = dir ? strdup(dir) : NULL;
    return 0;
}

int vvm_load(vvm *m, const char *path, int argc, char *const argv[], char *const envp[], char *err, size_t errlen)
{
    if (m->loaded) {
        snprintf(err, errlen, "a program is already loaded");
        return -1;
    }
    lx_options o = {0};
    o.sysroot = m->sysroot;
    if (!o.sysroot && access("/usr/riscv64-linux-gnu", F_OK) == 0)
        o.sysroot = "/usr/riscv64-linux-gnu";
    o.log = stderr;
    o.embedded = 1;
    int rc = lx_process_init(&m->proc, &o);
    if (rc < 0) {
        snprintf(err, errlen, "cannot reserve the guest address space");
        return -1;
    }
    char *const noenv[] = {NULL};
    char **args = calloc((size_t)argc + 1, sizeof *args);
    if (!args) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    for (int i = 0; i < argc; i++)
        args[i] = argv[i];
    rc = lx_load(&m->proc, path, args, envp ? envp : noenv, err, errlen);
    free(args);
    if (rc < 0) {
        lx_process_fini(&m->proc);
        return -1;
    }
    lx_thread *t = lx_thread_new(&m->proc);
    if (!t) {
        lx_process_fini(&m->proc);
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    t->cpu.pc = m->proc.interp_entry ? m->proc.interp_entry : m->proc.entry;
    t->cpu.x[2] = m->proc.start_sp;
    m->main = t;
    m->loaded = 1;
    return 0;
}

static lx_thread *main_thread(const vvm *m) { return m->loaded ? m->main : NULL; }

/* The guest is gone: its threads joined, the host's dispositions back. */
static void finish(vvm *m)
{
    lx_threads_reap(&m->proc, 1);
    if (m->started)
        lx_signal_fini(&m->proc);
    m->exited = 1;
}

vvm_status vvm_run(vvm *m, int64_t budget)
{
    lx_thread *t = main_thread(m);
    if (!t || m->exited)
        return m->exited ? VVM_EXITED : VVM_ERROR;
    lx_process *p = &m->proc;
    /* the caller's mask: the guest thread's own while it runs here */
    sigset_t mask;
    pthread_sigmask(SIG_SETMASK, NULL, &mask);
    if (!m->started) {
        if (lx_process_start(p) < 0)
            return VVM_ERROR;
        m->started = 1;
    }
    if (!t->exited && !p->exiting) {
        t->cpu.budget = budget < 0 ? -1 : budget;
        lx_thread_loop(t);
    }
    vvm_status st = VVM_BUDGET;
    if (t->exited || p->exiting) {
        /* the process has ended, or ends with the last of the threads the
         * first one left behind when it exited alone */
        finish(m);
        st = VVM_EXITED;
    }
    pthread_sigmask(SIG_SETMASK, &mask, NULL);
    return st;
}

int vvm_exit_status(const vvm *m) { return m->exited ? m->proc.exit_status : -1; }

uint64_t vvm_instret(const vvm *m)
{
    lx_thread *t = main_thread(m);
    return t ? t->cpu.instret : 0;
}

uint64_t vvm_reg(const vvm *m, int reg)
{
    lx_thread *t = main_thread(m);
    if (!t || reg < 0)
        return 0;
    if (reg < 32)
        return t->cpu.x[reg];
    if (reg == VVM_REG_PC)
        return t->cpu.pc;
    if (reg >= VVM_REG_F0 && reg < VVM_REG_F0 + 32)
        return t->cpu.f[reg - VVM_REG_F0];
    return 0;
}

int vvm_set_reg(vvm *m, int reg, uint64_t v)
{
    lx_thread *t = main_thread(m);
    if (!t || reg < 0)
        return -1;
    if (reg == 0)
        return 0;  /* x0 stays zero */
    if (reg < 32)
        t->cpu.x[reg] = v;
    else if (reg == VVM_REG_PC)
        t->cpu.pc = v;
    else if (reg >= VVM_REG_F0 && reg < VVM_REG_F0 + 32)
        t->cpu.f[reg - VVM_REG_F0] = v;
    else
        return -1;
    return 0;
}

int vvm_read(const vvm *m, uint64_t addr, void *buf, size_t n)
{
    if (!m->loaded)
        return -1;
    return vvm_aspace_peek(&m->proc.as, addr, buf, n) < 0 ? -1 : 0;
}

int vvm_write(vvm *m, uint64_t addr, const void *buf, size_t n)
{
    if (!m->loaded || vvm_aspace_poke(&m->proc.as, addr, buf, n) < 0)
        return -1;
    /* the write may have changed code */
    eng_inval_announce(&m->proc.inval, addr, addr + n);
    return 0;
}

void vvm_destroy(vvm *m)
{
    if (!m)
        return;
    if (m->loaded) {
        lx_process *p = &m->proc;
        if (!m->exited) {
            /* its threads may run between vvm_run calls: stop them first */
            lx_process_end(p, 128 + SIGKILL);
            finish(m);
        }
        /* a first thread that exited alone is off the list: free it here */
        int listed = 0;
        for (lx_thread *t = p->threads; t; t = t->next)
            listed |= t == m->main;
        if (!listed)
            lx_thread_free(m->main);
        lx_process_fini(p);
    }
    free(m->sysroot);
    free(m);
}
