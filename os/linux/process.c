/* process: a guest process's life: its address space, its threads' run
 * loop (guest code until a trap, then the system call or the signal it
 * means), and its exit. */
#include <errno.h>
#include <linux/futex.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "core/hostfault.h"
#include "engine/jit.h"
#include "os/linux/lx.h"

static __thread lx_thread *tls_thread;

lx_thread *lx_current(void) { return tls_thread; }

static void weaver_changed(vvm_weaver *w, void *arg)
{
    lx_process *p = arg;
    (void)w;
    /* blocks were decoded with or without advice trampolines: decode again */
    lx_code_changed(p, 0, UINT64_MAX);
}

static void fence_i(rv_cpu *cpu, uint64_t lo, uint64_t hi)
{
    lx_thread *t = cpu->env;
    lx_code_changed(t->proc, lo, hi);
}

static void code_written(void *arg, uint64_t lo, uint64_t hi) { lx_code_changed(arg, lo, hi); }

static const rv_env_ops lx_env_ops = {
    .code_changed = fence_i,
};

int lx_process_init(lx_process *p, const lx_options *opt)
{
    memset(p, 0, sizeof *p);
    p->opt = *opt;
    p->mlock_future = -1;
    if (!p->opt.log)
        p->opt.log = stderr;
    int rc = vvm_aspace_init(&p->as, 1ULL << LX_SPACE_BITS);
    if (rc < 0)
        return rc;
    pthread_mutex_init(&p->lock, NULL);
    pthread_mutex_init(&p->rlim_lock, NULL);
    pthread_condattr_t ca;
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_cond_init(&p->changed, &ca);
    pthread_condattr_destroy(&ca);
    p->as.code_written = code_written;
    p->as.code_written_arg = p;
    vvm_weaver_init(&p->weaver);
    p->weaver.changed = weaver_changed;
    p->weaver.changed_arg = p;
    p->pid = getpid();
    if (vvm_hostfault_install() < 0)
        return -errno;
#if defined(__x86_64__)
    /* the harts' FP flags known without reading MXCSR (core/hostfault.h),
     * from lx_signal_init, which installs the handler, to lx_signal_fini */
    p->fp_trap = 1;
#endif
    return 0;
}

void lx_process_fini(lx_process *p)
{
    lx_signal_fini(p);  /* off the registry of running machines, if on it */
    lx_thread *t = p->threads;
    while (t) {
        lx_thread *n = t->next;
        lx_thread_free(t);
        t = n;
    }
    p->threads = NULL;
    vvm_aspace_fini(&p->as);
    lx_vdso_fini(p);
    free(p->exe_path);
    free(p->zombies);
    pthread_cond_destroy(&p->changed);
    pthread_mutex_destroy(&p->rlim_lock);
    pthread_mutex_destroy(&p->lock);
}

lx_thread *lx_thread_new(lx_process *p)
{
    lx_thread *t = calloc(1, sizeof *t);
    if (!t)
        return NULL;
    t->proc = p;
    if (rv_cpu_init(&t->cpu, &p->as, &p->inval, &p->weaver) < 0) {
        free(t);
        return NULL;
    }
    t->cpu.env = t;
    t->cpu.machine = p;
    t->cpu.tier = (eng_tier)p->opt.tier;
    t->cpu.jit_cache_size = p->opt.jit_cache_size;
    t->cpu.fp_trap = (uint32_t)p->fp_trap;
    t->cpu.fpt.kick = &t->cpu.interrupt;   /* rv_run looks at the traps' rate */
    t->cpu.ops = &lx_env_ops;
    pthread_mutex_lock(&p->lock);
    t->next = p->threads;
    /* signal handlers walk the list without the lock (signal.c) */
    __atomic_store_n(&p->threads, t, __ATOMIC_RELEASE);
    p->nthreads++;
    pthread_mutex_unlock(&p->lock);
    return t;
}

void lx_thread_free(lx_thread *t)
{
    lx_signal_quiesce();  /* a handler may still be looking at it */
    rv_cpu_fini(&t->cpu);
    free(t);
}

int lx_thread_unlink_locked(lx_thread *t)
{
    lx_process *p = t->proc;
    for (lx_thread **pp = &p->threads; *pp; pp = &(*pp)->next)
        if (*pp == t) {
            *pp = t->next;
            p->nthreads--;
            return 1;
        }
    return 0;
}

/* Guest code and the system calls and signals it traps for, until the
 * thread exits, the process ends or the budget runs out. */
static void run_guest(lx_thread *t)
{
    lx_process *p = t->proc;
    while (!p->exiting) {
        rv_exit why = rv_run(&t->cpu);
        switch (why) {
        case RV_EXIT_ECALL: {
            /* kept for restarting the call after a signal handler */
            uint64_t pc = t->cpu.pc, a0 = t->cpu.x[10];
            long nr = (long)t->cpu.x[17];
            /* a signal that came in since the last look is handled first, as
             * if it had arrived just before the ecall (which runs after the
             * handler): it must not wait behind a call that blocks */
            if (__atomic_load_n(&t->pending, __ATOMIC_SEQ_CST) & ~t->sigmask) {
                t->sys_eintr = 0;
                break;
            }
            lx_syscall(t);
            t->sys_eintr = t->cpu.x[10] == (uint64_t)-EINTR && t->cpu.pc == pc + 4;
            t->sys_pc = pc;
            t->sys_a0 = a0;
            t->sys_nr = nr;
            break;
        }
        case RV_EXIT_INTERRUPT:
        case RV_EXIT_NONE:
            break;
        case RV_EXIT_BUDGET:
            return;
        default:
            if (vvm_jp_woven(&p->weaver, VVM_JP_TRAP)) {
                vvm_jp_event ev = {.jp = VVM_JP_TRAP, .machine = p, .vcpu = &t->cpu, .pc = t->cpu.pc,
                                   .nr = why, .tval = t->cpu.tval};
                vvm_jp_fire(&p->weaver, &ev);
            }
            lx_signal_fault(t, why);
            break;
        }
        if (t->exited || p->exiting)
            break;
        if (t->cpu.interrupt || t->pending | p->pending)
            lx_signal_deliver(t);
        t->sys_eintr = 0;
    }
}

static void set_running(lx_thread *t, int on)
{
    lx_process *p = t->proc;
    pthread_mutex_lock(&p->lock);
    t->running = on;
    pthread_cond_broadcast(&p->changed);
    pthread_mutex_unlock(&p->lock);
}

void lx_thread_loop(lx_thread *t)
{
    lx_process *p = t->proc;
    tls_thread = t;
    t->tid = (int)syscall(SYS_gettid);
    set_running(t, 1);
    if (sigsetjmp(t->leave, 0) == 0) {
        lx_signal_thread_start(t);
        if (vvm_jp_woven(&p->weaver, VVM_JP_VCPU_START)) {
            vvm_jp_event ev = {.jp = VVM_JP_VCPU_START, .machine = p, .vcpu = &t->cpu, .pc = t->cpu.pc, .nr = t->tid};
            vvm_jp_fire(&p->weaver, &ev);
        }
        run_guest(t);
    } else {
        /* lx_process_die: the process ends, perhaps in the middle of a call */
        t->in_syscall = 0;
        lx_guest_writes_done(t);
    }
    if (vvm_jp_woven(&p->weaver, VVM_JP_VCPU_STOP)) {
        vvm_jp_event ev = {.jp = VVM_JP_VCPU_STOP, .machine = p, .vcpu = &t->cpu, .pc = t->cpu.pc, .nr = t->tid};
        vvm_jp_fire(&p->weaver, &ev);
    }
    /* no guest thread on this host thread any more: signals go elsewhere */
    lx_signal_block_all(NULL);
    set_running(t, 0);
    tls_thread = NULL;
}

void lx_process_end(lx_process *p, int status)
{
    lx_thread *self = lx_current();
    pthread_mutex_lock(&p->lock);
    if (!p->exiting) {
        p->exit_status = status;
        p->exiting = 1;
    }
    if (self && self->proc == p)
        self->running = 0;  /* it is on its way out */
    for (;;) {
        int left = 0;
        for (lx_thread *o = p->threads; o; o = o->next)
            if (o->running) {
                left = 1;
                lx_signal_kick(o);  /* EINTR for a blocking call */
            }
        if (!left)
            break;
        /* again and again: a thread may have looked at p->exiting just
         * before the kick and be about to block in a host call */
        struct timespec until;
        clock_gettime(CLOCK_MONOTONIC, &until);
        until.tv_nsec += 10 * 1000 * 1000;
        if (until.tv_nsec >= 1000000000) {
            until.tv_sec++;
            until.tv_nsec -= 1000000000;
        }
        pthread_cond_timedwait(&p->changed, &p->lock, &until);
    }
    pthread_mutex_unlock(&p->lock);
}

_Noreturn void lx_process_die(lx_thread *t, int status)
{
    lx_process_end(t->proc, status);
    siglongjmp(t->leave, 1);
}

int lx_run(lx_process *p)
{
    lx_thread *t = p->threads;
    if (!t) {
        t = lx_thread_new(p);
        if (!t)
            return 1;
        t->cpu.pc = p->interp_entry ? p->interp_entry : p->entry;
        t->cpu.x[2] = p->start_sp;
    }
    if ((p->opt.trace || p->opt.perfmap) && lx_trace_setup(p, p->opt.trace) < 0)
        return 2;
    if (lx_process_start(p) < 0)
        return 1;
    t->main_host = 1;
    lx_thread_loop(t);
    if (t->exited && !p->exiting && !p->opt.embedded)
        pthread_exit(NULL);  /* the main thread left; the others run on */
    return p->exit_status;
}

int lx_process_start(lx_process *p)
{
    lx_signal_init(p);
    return 0;
}

/* The whole process ends with this status: vvm with it, or, embedded, the
 * guest's threads (this one returns to its loop, which sees p->exiting). */
static void exit_process(lx_process *p, int status)
{
    if (p->opt.embedded) {
        lx_process_end(p, status);
        return;
    }
    eng_jit_report();
    fflush(p->opt.log);
    fflush(stdout);
    _exit(status & 0xff);
}

LX_SYSCALL(exit_group)
{
    exit_process(t->proc, (int)(a[0] & 0xff));
    return LX_NORETURN_PC;
}

LX_SYSCALL(exit)
{
    lx_process *p = t->proc;
    int status = (int)(a[0] & 0xff);
    pthread_mutex_lock(&p->lock);
    if (p->nthreads == 1) {
        pthread_mutex_unlock(&p->lock);
        exit_process(p, status);
        return LX_NORETURN_PC;
    }
    /* one thread of several: leave the list while holding the lock, so two
     * threads that exit together cannot both think another is left */
    lx_thread_unlink_locked(t);
    pthread_mutex_unlock(&p->lock);
    /* signals taken for the process but not delivered go back to it */
    lx_signal_block_all(NULL);
    t->exited = 1;
    uint64_t left = __atomic_exchange_n(&t->pending, 0, __ATOMIC_SEQ_CST);
    for (int g = 1; g <= LX_NSIG; g++)
        if (((left >> (g - 1)) & 1) && t->sig_info[g].si_code != SI_TKILL)
            lx_signal_requeue(t, g);
    lx_robust_exit(t);
    /* clear_child_tid and wake a joiner, then stop */
    if (t->clear_child_tid) {
        uint32_t zero = 0;
        if (vvm_copy_to_guest(lx_as(t), t->clear_child_tid, &zero, 4) == 0)
            syscall(SYS_futex, lx_guest_ptr(t, t->clear_child_tid, 4, VVM_PROT_W), FUTEX_WAKE, 1, NULL, NULL, 0);
    }
    return LX_NORETURN_PC;
}
