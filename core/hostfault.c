/* hostfault: host fault handler for guest memory accesses (see hostfault.h). */
#include "core/hostfault.h"

#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <ucontext.h>
#include <unistd.h>

static __thread vvm_fault_target tls_target;
static int installed;
static vvm_async_fn async_hook;

void vvm_hostfault_set_async(vvm_async_fn fn) { async_hook = fn; }

vvm_fault_target *vvm_hostfault_target(void) { return &tls_target; }

static void on_fault(int sig, siginfo_t *si, void *uc_)
{
    vvm_fault_target *t = &tls_target;
    uint8_t *a = (uint8_t *)si->si_addr;
    if (si->si_code <= 0 && async_hook) {
        /* sent by kill/tgkill, not a fault: the machine's signal */
        async_hook(sig, si, uc_);
        return;
    }
    if (t->armed && si->si_code > 0 && a >= t->lo && a < t->hi) {
        int is_write = 0;
#if defined(__x86_64__)
        ucontext_t *uc = uc_;
        is_write = (uc->uc_mcontext.gregs[REG_ERR] & 2) != 0;
        /* the kernel gave this handler a fresh SSE control/status word; the
         * guest's rounding mode and accrued FP flags live in the interrupted
         * context, and fn longjmps away: take them back first */
        if (uc->uc_mcontext.fpregs) {
            unsigned mxcsr = uc->uc_mcontext.fpregs->mxcsr;
            __asm__ volatile("ldmxcsr %0" : : "m"(mxcsr));
        }
#else
        (void)uc_;
#endif
        if (t->fn(t->arg, (uint64_t)(a - t->lo), is_write, sig))
            return;  /* retry the access */
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
