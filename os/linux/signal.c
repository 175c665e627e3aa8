/* signal: guest signals.  (Minimal: synchronous faults end the process with
 * the report a user expects; handlers and frames come with the signal work.) */
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "os/linux/lx.h"

_Noreturn void lx_die_by_signal(lx_thread *t, int sig, uint64_t pc)
{
    lx_process *p = t->proc;
    fflush(stdout);
    fprintf(p->opt.log, "vvm: guest killed by signal %d (SIG%s) at pc 0x%llx\n", sig, sigabbrev_np(sig) ? sigabbrev_np(sig) : "?",
            (unsigned long long)pc);
    fflush(p->opt.log);
    _exit(128 + sig);
}

void lx_signal_fault(lx_thread *t, rv_exit why)
{
    int sig = SIGSEGV;
    switch (why) {
    case RV_EXIT_ILLEGAL: sig = SIGILL; break;
    case RV_EXIT_EBREAK: sig = SIGTRAP; break;
    case RV_EXIT_MISALIGNED: sig = SIGBUS; break;
    default: break;
    }
    lx_die_by_signal(t, sig, t->cpu.pc);
}

void lx_signal_post(lx_process *p, lx_thread *t, int sig)
{
    uint64_t bit = 1ULL << (sig - 1);
    if (t)
        __atomic_or_fetch(&t->pending, bit, __ATOMIC_SEQ_CST);
    else
        __atomic_or_fetch(&p->pending, bit, __ATOMIC_SEQ_CST);
}

void lx_signal_deliver(lx_thread *t)
{
    (void)t;
}
