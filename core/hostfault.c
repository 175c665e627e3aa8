/* hostfault: host fault handler for guest memory accesses (see hostfault.h). */
#include "core/hostfault.h"

#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <ucontext.h>
#include <unistd.h>

/* A guarded access in progress on this thread. */
typedef struct guard {
    sigjmp_buf jmp;
    uintptr_t lo, hi;
} guard;

static __thread vvm_fault_target tls_target;
static __thread guard *volatile tls_guard;
static int installed;
static vvm_async_fn async_hook;

void vvm_hostfault_set_async(vvm_async_fn fn) { __atomic_store_n(&async_hook, fn, __ATOMIC_RELEASE); }

vvm_fault_target *vvm_hostfault_target(void) { return &tls_target; }

int vvm_hostfault_is_fault(int sig, const siginfo_t *si, const void *uc_)
{
    (void)sig;
    if (si->si_code <= 0)
        return 0;  /* SI_USER, SI_QUEUE, SI_TKILL, ...: sent */
#if defined(__x86_64__)
    /* The kernel writes the thread's last trap into every signal frame:
     * for a fault, the one that raised this signal.  A sent signal finds
     * whatever the thread's previous fault left there, which can match only
     * a sender that knows the exact host address of that fault. */
    const ucontext_t *uc = uc_;
    long long trapno = uc->uc_mcontext.gregs[REG_TRAPNO];
    uintptr_t cr2 = (uintptr_t)uc->uc_mcontext.gregs[REG_CR2];
    switch (trapno) {
    case 14: /* #PF: SEGV_MAPERR/ACCERR/PKUERR, BUS_ADRERR, BUS_MCEERR_AR */
        return cr2 == (uintptr_t)si->si_addr;
    case 10: /* #TS */
    case 11: /* #NP */
    case 12: /* #SS */
    case 13: /* #GP (a non-canonical address) */
        return si->si_code == SI_KERNEL && si->si_addr == NULL;
    case 17: /* #AC */
        return sig == SIGBUS && si->si_code == BUS_ADRALN;
    default:
        return 0;
    }
#else
    (void)uc_;
    return 1;
#endif
}

/* The kernel gave the handler a fresh SSE control/status word; the
 * interrupted code's rounding mode and accrued FP flags live in the
 * interrupted context.  Take them back before longjmp'ing away. */
static void restore_fp(void *uc_)
{
#if defined(__x86_64__)
    ucontext_t *uc = uc_;
    if (uc->uc_mcontext.fpregs) {
        unsigned mxcsr = uc->uc_mcontext.fpregs->mxcsr;
        __asm__ volatile("ldmxcsr %0" : : "m"(mxcsr));
    }
#else
    (void)uc_;
#endif
}

static int fault_is_write(const void *uc_)
{
#if defined(__x86_64__)
    const ucontext_t *uc = uc_;
    return (uc->uc_mcontext.gregs[REG_ERR] & 2) != 0;
#else
    (void)uc_;
    return 0;
#endif
}

static uintptr_t fault_pc(const void *uc_)
{
#if defined(__x86_64__)
    const ucontext_t *uc = uc_;
    return (uintptr_t)uc->uc_mcontext.gregs[REG_RIP];
#else
    (void)uc_;
    return 0;
#endif
}

static void on_fault(int sig, siginfo_t *si, void *uc_)
{
    vvm_fault_target *t = &tls_target;
    uint8_t *a = (uint8_t *)si->si_addr;
    if (!vvm_hostfault_is_fault(sig, si, uc_)) {
        vvm_async_fn hook = __atomic_load_n(&async_hook, __ATOMIC_ACQUIRE);
        if (hook) {
            /* sent by a process, not a fault: the machine's signal */
            hook(sig, si, uc_);
            return;
        }
    } else {
        guard *g = tls_guard;
        if (g && (uintptr_t)a >= g->lo && (uintptr_t)a < g->hi) {
            tls_guard = NULL;
            restore_fp(uc_);
            siglongjmp(g->jmp, 1);
        }
        if (t->armed && a >= t->lo && a < t->hi) {
            restore_fp(uc_);
            t->host_pc = fault_pc(uc_);
            t->host_uc = uc_;
            if (t->fn(t->arg, (uint64_t)(a - t->lo), fault_is_write(uc_), sig))
                return;  /* retry the access */
        }
    }
    /* not a guest access: a bug in vvm itself */
    char msg[160];
    int n = snprintf(msg, sizeof msg, "vvm: internal error: %s at host address %p\n",
                     sig == SIGBUS ? "SIGBUS" : "SIGSEGV", si->si_addr);
    if (n > 0)
        (void)!write(2, msg, (size_t)n);
    signal(sig, SIG_DFL);
    raise(sig);
}

int vvm_guarded_call(void (*fn)(void *), void *arg, const void *lo, const void *hi)
{
    guard g;
    g.lo = (uintptr_t)lo;
    g.hi = (uintptr_t)hi;
    if (sigsetjmp(g.jmp, 0))
        return -1;  /* on_fault cleared tls_guard */
    tls_guard = &g;
    __atomic_signal_fence(__ATOMIC_SEQ_CST);
    fn(arg);
    __atomic_signal_fence(__ATOMIC_SEQ_CST);
    tls_guard = NULL;
    return 0;
}

/* ---- FP traps (see hostfault.h) ---- */
static struct sigaction fpe_before;

static void on_fpe(int sig, siginfo_t *si, void *uc_)
{
#if defined(__x86_64__)
    ucontext_t *uc = uc_;
    if (si->si_code > 0 && uc->uc_mcontext.gregs[REG_TRAPNO] == 19 && uc->uc_mcontext.fpregs) {
        /* #XM: an unmasked exception's flag is set.  One already masked
         * cannot have trapped, so a sender that made up si_code (the
         * thread's last trap is in every frame) finds nothing raised */
        uint32_t m = uc->uc_mcontext.fpregs->mxcsr;
        uint32_t raised = m & VVM_FP_FLAGBITS & ~(m >> 7);
        if (raised) {
            vvm_fptrap *ft = vvm_fp_trap;
            m |= raised << 7;
            if (ft) {
                if (raised & 0x10) {
                    /* underflow: exact or not, the run again decides */
                    m &= ~0x10u;
                    ft->acc |= VVM_FP_DIRTY;
                }
                ft->acc |= raised & ~0x10u;
                if (++ft->traps == VVM_FP_TRAPS_LOOK && ft->kick)
                    *ft->kick = 1;
            }
            uc->uc_mcontext.fpregs->mxcsr = m;
            return;
        }
    }
#endif
    vvm_async_fn hook = __atomic_load_n(&async_hook, __ATOMIC_ACQUIRE);
    if (si->si_code <= 0 && hook) {
        hook(sig, si, uc_);   /* sent: the machine's signal */
        return;
    }
    /* an integer division, or a signal for the program that embeds vvm */
    if ((fpe_before.sa_flags & SA_SIGINFO) && fpe_before.sa_sigaction) {
        fpe_before.sa_sigaction(sig, si, uc_);
        return;
    }
    if (fpe_before.sa_handler != SIG_DFL && fpe_before.sa_handler != SIG_IGN) {
        fpe_before.sa_handler(sig);
        return;
    }
    signal(sig, SIG_DFL);
    if (si->si_code <= 0)
        raise(sig);
    /* a fault: it happens again, now with the default action */
}

/* while a machine uses FP traps; the disposition found before comes back
 * after the last (as the embedding program's other signals do) */
static pthread_mutex_t fpe_lock = PTHREAD_MUTEX_INITIALIZER;
static int fpe_users;

int vvm_hostfault_fp_acquire(void)
{
#if defined(__x86_64__)
    int r = 0;
    pthread_mutex_lock(&fpe_lock);
    if (fpe_users == 0) {
        struct sigaction sa;
        memset(&sa, 0, sizeof sa);
        sa.sa_sigaction = on_fpe;
        sa.sa_flags = SA_SIGINFO | SA_NODEFER;
        sigemptyset(&sa.sa_mask);
        r = sigaction(SIGFPE, &sa, &fpe_before);
    }
    if (r == 0)
        fpe_users++;
    pthread_mutex_unlock(&fpe_lock);
    return r;
#else
    return -1;
#endif
}

void vvm_hostfault_fp_release(void)
{
    pthread_mutex_lock(&fpe_lock);
    if (fpe_users > 0 && --fpe_users == 0)
        sigaction(SIGFPE, &fpe_before, NULL);
    pthread_mutex_unlock(&fpe_lock);
}

int vvm_hostfault_install(void)
{
    if (__atomic_exchange_n(&installed, 1, __ATOMIC_ACQ_REL))
        return 0;
    /* the handler needs a stack of its own only if a guest could overflow
     * the host stack, which it cannot: guest stacks live in guest memory */
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_sigaction = on_fault;
    sa.sa_flags = SA_SIGINFO | SA_NODEFER;
    sigemptyset(&sa.sa_mask);
    if (sigaction(SIGSEGV, &sa, NULL) < 0 || sigaction(SIGBUS, &sa, NULL) < 0)
        return -1;
    return 0;
}
