/* signal: guest signals for the rv64-linux personality.
 *
 * The host kernel keeps the books.  Every guest signal has a host signal
 * (lx_sig_g2h: the same number, except the guest's 32/33, which the host
 * glibc reserves, map to host 63/64; guest 63/64 have none).  Each guest
 * thread's host signal mask mirrors its guest mask, and each guest
 * disposition decides the host one: a guest handler or a default action that
 * terminates -> vvm's host handler; ignore -> host SIG_IGN; a default action
 * of ignore or stop -> host SIG_DFL.  So the host kernel picks the thread for
 * a process-directed signal, queues blocked ones and interrupts blocking host
 * calls exactly as it would for a native process.
 *
 * The host handler only records: it copies the siginfo into the thread's slot
 * for that signal, sets the pending bit, blocks the host signal in the
 * interrupted context (one slot per signal: further instances wait in the
 * host kernel), and sets cpu->interrupt so the interpreter stops at the next
 * block boundary.  The thread's run loop then calls lx_signal_deliver, which
 * builds the riscv64 rt_sigframe and points the registers at the handler, or
 * carries out the default action.  Host handlers never use SA_RESTART: an
 * interrupted host call returns EINTR, the guest handler runs at once, and
 * the call is restarted here (pc back on the ecall) when the guest's
 * SA_RESTART and the call allow it, as the kernel does.
 */
#include <dirent.h>
#include <errno.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <ucontext.h>
#include <unistd.h>

#include "core/hostfault.h"
#include "os/linux/lx.h"

#define BIT(g) (1ULL << ((g) - 1))
#define UNBLOCKABLE (BIT(SIGKILL) | BIT(SIGSTOP))

/* riscv64 guest flags (asm-generic) */
#define G_SA_SIGINFO 0x4ULL
#define G_SA_ONSTACK 0x08000000ULL
#define G_SA_RESTART 0x10000000ULL
#define G_SA_NODEFER 0x40000000ULL
#define G_SA_RESETHAND 0x80000000ULL
#define G_SS_ONSTACK 1
#define G_SS_DISABLE 2
#define G_SS_AUTODISARM (1U << 31)
#define G_MINSIGSTKSZ 2048

/* The rt_sigframe (arch/riscv/kernel/signal.c) as offsets. */
#define FR_INFO 0
#define FR_UC 128
#define UC_FLAGS 0
#define UC_LINK 8
#define UC_STACK 16      /* ss_sp, ss_flags (int + pad), ss_size */
#define UC_SIGMASK 40    /* 8 bytes + 120 reserved */
#define UC_MCONTEXT 176  /* sc_regs: pc, x1..x31; then the FP union (528 bytes) */
#define UC_FP (UC_MCONTEXT + 256)
#define UC_SIZE 960
#define FRAME_SIZE (FR_UC + UC_SIZE)

int lx_sig_g2h(int g)
{
    if (g >= 1 && g <= 31)
        return g;
    if (g == 32)
        return 63;
    if (g == 33)
        return 64;
    if (g >= 34 && g <= 62)
        return g;
    return 0;
}

int lx_sig_h2g(int h)
{
    if (h >= 1 && h <= 31)
        return h;
    if (h == 63)
        return 32;
    if (h == 64)
        return 33;
    if (h >= 34 && h <= 62)
        return h;
    return 0;
}

enum { DFL_TERM, DFL_CORE, DFL_IGN, DFL_STOP };

static int default_action(int g)
{
    switch (g) {
    case SIGCHLD: case SIGURG: case SIGWINCH: case SIGCONT:
        return DFL_IGN;
    case SIGSTOP: case SIGTSTP: case SIGTTIN: case SIGTTOU:
        return DFL_STOP;
    case SIGQUIT: case SIGILL: case SIGTRAP: case SIGABRT: case SIGBUS: case SIGFPE:
    case SIGSEGV: case SIGXCPU: case SIGXFSZ: case SIGSYS:
        return DFL_CORE;
    default:
        return DFL_TERM;
    }
}

/* ---- host side: the registry of running machines ----
 *
 * Host signal dispositions belong to the host process, which may run
 * several guest processes (machines, each an lx_process) side by side.
 * From the first lx_signal_init to the last lx_signal_fini, the machines
 * that run are on the registry list, oldest first, and the host
 * disposition of each managed signal is the one all of them together need
 * (combine): vvm's handler when any machine wants it, SIG_IGN when every
 * one ignores the signal, else SIG_DFL.  With one machine that is its own.
 * The dispositions found when the first machine started (the embedding
 * program's, or what vvm inherited) come back when the last one stops.
 *
 * The handler routes a signal that arrives on a guest thread to that
 * thread's machine, which delivers it by its own dispositions (a signal
 * one machine ignores while another handles it is dropped at delivery);
 * one that arrives on a thread running no guest goes to the oldest
 * machine on the list (record_stray: to its thread that would take it,
 * kicked).  The handler reads that one pointer (reg_first)
 * inside a count of handlers at work (reg_busy), and lx_signal_fini waits
 * for the count to drop after taking its machine off, so no handler
 * touches a machine that is gone. */

enum { HK_NONE, HK_HANDLER, HK_IGN, HK_DFL };

static pthread_mutex_t reg_lock = PTHREAD_MUTEX_INITIALIZER;
static lx_process *reg_head;            /* running machines, oldest first (reg_lock) */
static lx_process *reg_first;           /* reg_head, for the handler (atomic) */
static int reg_busy;                    /* handlers reading reg_first (atomic) */
static struct sigaction reg_host_act[LX_NSIG + 1]; /* as found before the first machine */

static void record_thread(lx_thread *t, int g, const siginfo_t *si)
{
    memcpy(&t->sig_info[g], si, sizeof(siginfo_t));
    t->sig_info[g].si_signo = g;
    __atomic_or_fetch(&t->pending, BIT(g), __ATOMIC_SEQ_CST);
    t->cpu.interrupt = 1;
}

/* The kick (lx_signal_kick): a SIGBUS queued with this cookie as its value.
 * SIGBUS is never blocked on a guest thread (lx_signal_sync_mask) and its
 * handler is always vvm's (core/hostfault), without SA_RESTART, so the
 * kick ends a blocking host call with EINTR and reaches translated code
 * anywhere; on_async_fault knows it by the cookie and only sets the
 * interrupt flag. */
static const char kick_cookie;

static int is_kick(const siginfo_t *si)
{
    return si->si_code == SI_QUEUE && si->si_pid == getpid() && si->si_ptr == (void *)&kick_cookie;
}

void lx_signal_kick(lx_thread *t)
{
    __atomic_store_n(&t->cpu.interrupt, 1, __ATOMIC_SEQ_CST);
    int tid = __atomic_load_n(&t->tid, __ATOMIC_SEQ_CST);
    if (t == lx_current() || tid <= 0)
        return;  /* its loop sees the flag when the call it is in returns */
    siginfo_t si;
    memset(&si, 0, sizeof si);
    si.si_signo = SIGBUS;
    si.si_code = SI_QUEUE;
    si.si_pid = getpid();
    si.si_uid = getuid();
    si.si_ptr = (void *)&kick_cookie;
    syscall(SYS_rt_tgsigqueueinfo, getpid(), tid, SIGBUS, &si);
}

/* The thread of p a process-directed signal g goes to, as the kernel
 * chooses: prefer, if it does not block g, then the first thread in its
 * loop that does not; NULL when every one blocks it (it waits on the
 * process).  Async-signal-safe: walks the list without the lock, which is
 * safe because threads are linked by one release store and freed only
 * after lx_signal_quiesce. */
static lx_thread *pick_thread(lx_process *p, lx_thread *prefer, int g)
{
    if (prefer && !prefer->exited && !(prefer->sigmask & BIT(g)))
        return prefer;
    for (lx_thread *o = __atomic_load_n(&p->threads, __ATOMIC_ACQUIRE); o;
         o = __atomic_load_n(&o->next, __ATOMIC_ACQUIRE))
        if (__atomic_load_n(&o->running, __ATOMIC_ACQUIRE) && !o->exited && !(o->sigmask & BIT(g)))
            return o;
    return NULL;
}

/* Process-directed signal g for p: recorded on the thread that takes it,
 * which is kicked (its interrupt flag, and EINTR for a blocking call), or
 * on the process when every thread blocks it (the next thread to look,
 * after any system call, takes it). */
static void record_process(lx_process *p, lx_thread *prefer, int g, const siginfo_t *si)
{
    lx_thread *o = pick_thread(p, prefer, g);
    if (o) {
        record_thread(o, g, si);
        lx_signal_kick(o);
    } else {
        memcpy(&p->sig_info[g], si, sizeof(siginfo_t));
        p->sig_info[g].si_signo = g;
        __atomic_or_fetch(&p->pending, BIT(g), __ATOMIC_SEQ_CST);
    }
}

/* A signal taken by a host thread that runs no guest (the embedding
 * program's, a helper): the oldest machine's, for the thread that would
 * take it, kicked so that it notices at its next block head even in a busy
 * loop of translated code. */
static void record_stray(int g, const siginfo_t *si)
{
    __atomic_add_fetch(&reg_busy, 1, __ATOMIC_SEQ_CST);
    lx_process *p = __atomic_load_n(&reg_first, __ATOMIC_SEQ_CST);
    if (p)
        record_process(p, NULL, g, si);
    __atomic_sub_fetch(&reg_busy, 1, __ATOMIC_SEQ_CST);
}

void lx_signal_requeue(lx_thread *t, int g)
{
    lx_process *p = t->proc;
    if (!p->opt.embedded) {
        int h = lx_sig_g2h(g);
        if (h)
            kill(getpid(), h);  /* the host kernel picks the thread again */
        return;
    }
    pthread_mutex_lock(&p->lock);
    record_process(p, NULL, g, &t->sig_info[g]);
    pthread_mutex_unlock(&p->lock);
}

void lx_signal_quiesce(void)
{
    while (__atomic_load_n(&reg_busy, __ATOMIC_SEQ_CST))
        sched_yield();
}

static void record(lx_thread *t, int g, const siginfo_t *si)
{
    if (t)
        record_thread(t, g, si);
    else
        record_stray(g, si);
}

static void on_host_signal(int h, siginfo_t *si, void *ucv)
{
    int saved = errno;
    int g = lx_sig_h2g(h);
    lx_thread *t = lx_current();
    if (g && (!t || !t->exited)) {
        record(t, g, si);
        /* one slot per signal: the next instance waits in the host kernel
         * (on a guest thread only: a thread of the embedding program keeps
         * its mask) */
        ucontext_t *uc = ucv;
        if (t)
            sigaddset(&uc->uc_sigmask, h);
    }
    errno = saved;
}

/* kill(getpid(), SIGSEGV) and the like: core/hostfault passes on what is not
 * a fault. */
static void on_async_fault(int h, siginfo_t *si, void *ucv)
{
    (void)ucv;
    int saved = errno;
    lx_thread *t = lx_current();
    if (is_kick(si)) {
        /* lx_signal_kick: look at the signals, or leave the loop when the
         * process ends */
        if (t)
            t->cpu.interrupt = 1;
    } else if (t && t->proc->exiting) {
        t->cpu.interrupt = 1;
    } else if (!t || !t->exited) {
        record(t, h, si);
    }
    errno = saved;
}

static void host_set_mask(const sigset_t *s) { pthread_sigmask(SIG_SETMASK, s, NULL); }

/* The host signal whose disposition stands for guest signal g's, or 0
 * (SIGSEGV and SIGBUS are core/hostfault's). */
/* The host signals hostfault's handlers take (faults, FP traps; a sent one
 * goes to on_async_fault): never another disposition, never blocked (a
 * fault or an FP trap while blocked kills the process). */
static int hostfault_signal(int h) { return h == SIGSEGV || h == SIGBUS || h == SIGFPE; }
static void hostfault_unblock(sigset_t *s)
{
    sigdelset(s, SIGSEGV);
    sigdelset(s, SIGBUS);
    sigdelset(s, SIGFPE);
}

static int managed_host_signal(int g)
{
    int h = lx_sig_g2h(g);
    if (!h || h == SIGKILL || h == SIGSTOP || hostfault_signal(h))
        return 0;
    return h;
}

/* The host disposition p's guest disposition for signal g asks for. */
static int host_kind(const lx_process *p, int g)
{
    uint64_t handler = p->sigact[g].handler;
    if (handler == 1)
        return HK_IGN;
    if (handler == 0 && (default_action(g) == DFL_IGN || default_action(g) == DFL_STOP))
        return HK_DFL;
    return HK_HANDLER;
}

/* Sets host signal h for guest signal g to what the running machines
 * together need; reg_lock held. */
static void combine(int g, int h)
{
    int any_handler = 0, all_ign = 1;
    for (lx_process *q = reg_head; q; q = q->sig_next) {
        any_handler |= q->host_kind[g] == HK_HANDLER;
        all_ign &= q->host_kind[g] == HK_IGN;
    }
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sigfillset(&sa.sa_mask);
    if (any_handler) {
        sa.sa_sigaction = on_host_signal;
        sa.sa_flags = SA_SIGINFO;
    } else {
        sa.sa_handler = all_ign ? SIG_IGN : SIG_DFL;
    }
    sigaction(h, &sa, NULL);
}

/* The host disposition that stands for guest signal g's (p->lock held, or
 * p not running yet). */
static void apply_host_disposition(lx_process *p, int g)
{
    int h = managed_host_signal(g);
    if (!h)
        return;
    pthread_mutex_lock(&reg_lock);
    p->host_kind[g] = (unsigned char)host_kind(p, g);
    if (p->sig_registered)
        combine(g, h);
    pthread_mutex_unlock(&reg_lock);
}

static uint64_t hostset_to_guest(const sigset_t *s)
{
    uint64_t m = 0;
    for (int g = 1; g <= LX_NSIG; g++) {
        int h = lx_sig_g2h(g);
        if (h && sigismember(s, h) == 1)
            m |= BIT(g);
    }
    return m;
}

static void guest_to_hostset(uint64_t m, sigset_t *s)
{
    sigemptyset(s);
    for (int g = 1; g <= LX_NSIG; g++) {
        int h = lx_sig_g2h(g);
        if (h && (m & BIT(g)))
            sigaddset(s, h);
    }
}

void lx_signal_block_all(sigset_t *old)
{
    sigset_t all;
    sigfillset(&all);
    hostfault_unblock(&all);
    pthread_sigmask(SIG_SETMASK, &all, old);
}

/* The host mask of t's thread from its guest mask and its taken signals.
 * Called on t's own host thread. */
void lx_signal_sync_mask(lx_thread *t)
{
    sigset_t hs;
    lx_signal_block_all(NULL);
    uint64_t m = (t->sigmask | __atomic_load_n(&t->pending, __ATOMIC_SEQ_CST)) & ~UNBLOCKABLE;
    guest_to_hostset(m, &hs);
    hostfault_unblock(&hs);
    host_set_mask(&hs);
}

void lx_signal_init(lx_process *p)
{
    vvm_hostfault_set_async(on_async_fault);
    pthread_mutex_lock(&reg_lock);
    if (p->sig_registered) {
        pthread_mutex_unlock(&reg_lock);
        return;
    }
    /* the dispositions found before the first machine: the embedding
     * program's, back at the last lx_signal_fini, or what vvm inherited */
    if (!reg_head)
        for (int g = 1; g <= LX_NSIG; g++) {
            int h = managed_host_signal(g);
            if (h)
                sigaction(h, NULL, &reg_host_act[g]);
        }
    /* what vvm inherited ignored (nohup, an exec from a guest) the guest
     * ignores */
    for (int g = 1; g <= LX_NSIG; g++) {
        const struct sigaction *old = &reg_host_act[g];
        if (managed_host_signal(g) && old->sa_handler == SIG_IGN && !(old->sa_flags & SA_SIGINFO))
            p->sigact[g].handler = 1;
        p->host_kind[g] = (unsigned char)host_kind(p, g);
    }
    /* FP traps (core/hostfault.h): SIGFPE is then hostfault's, never
     * blocked nor left to the guest's disposition, like SIGSEGV; without
     * the handler the harts read the host's flags instead */
    if (p->fp_trap && vvm_hostfault_fp_acquire() < 0) {
        p->fp_trap = 0;
        for (lx_thread *t = p->threads; t; t = t->next)
            t->cpu.fp_trap = 0;
    }
    lx_process **pp = &reg_head;
    while (*pp)
        pp = &(*pp)->sig_next;
    *pp = p;
    p->sig_next = NULL;
    p->sig_registered = 1;
    __atomic_store_n(&reg_first, reg_head, __ATOMIC_SEQ_CST);
    for (int g = 1; g <= LX_NSIG; g++) {
        int h = managed_host_signal(g);
        if (h)
            combine(g, h);
    }
    pthread_mutex_unlock(&reg_lock);
}

void lx_signal_fini(lx_process *p)
{
    pthread_mutex_lock(&reg_lock);
    if (!p->sig_registered) {
        pthread_mutex_unlock(&reg_lock);
        return;
    }
    for (lx_process **pp = &reg_head; *pp; pp = &(*pp)->sig_next)
        if (*pp == p) {
            *pp = p->sig_next;
            break;
        }
    p->sig_registered = 0;
    p->sig_next = NULL;
    if (p->fp_trap)
        vvm_hostfault_fp_release();
    __atomic_store_n(&reg_first, reg_head, __ATOMIC_SEQ_CST);
    for (int g = 1; g <= LX_NSIG; g++) {
        int h = managed_host_signal(g);
        if (!h)
            continue;
        if (reg_head)
            combine(g, h);
        else
            sigaction(h, &reg_host_act[g], NULL);
    }
    pthread_mutex_unlock(&reg_lock);
    /* a handler on another thread may still be recording into p */
    while (__atomic_load_n(&reg_busy, __ATOMIC_SEQ_CST))
        sched_yield();
}

void lx_signal_thread_start(lx_thread *t)
{
    lx_process *p = t->proc;
    pthread_mutex_lock(&p->lock);  /* a clone may be adding a thread */
    int first = t == p->threads && p->nthreads == 1;
    pthread_mutex_unlock(&p->lock);
    if (first && !t->sigmask_init) {
        /* the first thread inherits vvm's own mask */
        sigset_t cur;
        pthread_sigmask(SIG_SETMASK, NULL, &cur);
        t->sigmask = hostset_to_guest(&cur) & ~UNBLOCKABLE;
    }
    t->sigmask_init = 1;
    lx_signal_sync_mask(t);
}

/* ---- dying ---- */

/* The signals whose default action dumps core (signal(7)): a death by one of
 * them is a crash, which vvm reports, as qemu does; any other (a parent's
 * SIGTERM, SIGKILL, SIGPIPE, SIGINT, a real-time signal) is an ordinary end,
 * about which a native run prints nothing.  Guest numbers are Linux's
 * generic ones, the host's for these. */
static int lx_sig_dumps_core(int sig)
{
    switch (sig) {
    case SIGQUIT: case SIGILL: case SIGTRAP: case SIGABRT: case SIGBUS:
    case SIGFPE: case SIGSEGV: case SIGXCPU: case SIGXFSZ: case SIGSYS:
        return 1;
    }
    return 0;
}

_Noreturn void lx_die_by_signal(lx_thread *t, int sig, uint64_t pc)
{
    lx_process *p = t ? t->proc : NULL;
    FILE *log = p && p->opt.log ? p->opt.log : stderr;
    lx_signal_block_all(NULL);
    fflush(stdout);
    if (lx_sig_dumps_core(sig))
        fprintf(log, "vvm: guest killed by signal %d (SIG%s) at pc 0x%llx\n", sig, sigabbrev_np(sig),
                (unsigned long long)pc);
    fflush(log);
    if (p && p->opt.embedded && t && t == lx_current())
        lx_process_die(t, 128 + sig);  /* the machine's end, not the host's */
    int h = lx_sig_g2h(sig);
    if (h) {
        /* die of the signal itself, so a parent's wait sees WIFSIGNALED (and a
         * shell 128+N); no core file */
        prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
        signal(h, SIG_DFL);
        sigset_t one;
        sigemptyset(&one);
        sigaddset(&one, h);
        syscall(SYS_tgkill, getpid(), syscall(SYS_gettid), h);
        pthread_sigmask(SIG_UNBLOCK, &one, NULL);
    }
    _exit(128 + sig);
}

/* ---- delivery ---- */

/* The pc the kernel hands a guest through sret (a handler's address, the
 * pc of a sigreturn frame): sepc[0] is always zero (a WARL field; with the
 * C extension IALIGN is 16), so an odd address runs from the even one
 * below it, as on hardware.  (qemu-riscv64 keeps the bit and fetches from
 * the odd address.) */
#define SRET_PC(pc) ((pc) & ~1ULL)

static int on_altstack(const lx_thread *t, uint64_t sp)
{
    if (t->altstack_flags & G_SS_AUTODISARM)
        return 0;
    return t->altstack_size && sp > t->altstack_sp && sp - t->altstack_sp <= t->altstack_size;
}

static int altstack_flags(const lx_thread *t, uint64_t sp)
{
    if (!t->altstack_size)
        return G_SS_DISABLE;
    return on_altstack(t, sp) ? G_SS_ONSTACK : 0;
}

static void put64(uint8_t *b, size_t off, uint64_t v) { memcpy(b + off, &v, 8); }
static uint64_t get64(const uint8_t *b, size_t off)
{
    uint64_t v;
    memcpy(&v, b + off, 8);
    return v;
}

static int restartable(long nr)
{
    switch (nr) {
    case 22:  /* epoll_pwait */
    case 72:  /* pselect6 */
    case 73:  /* ppoll */
    case 101: /* nanosleep */
    case 115: /* clock_nanosleep */
    case 133: /* rt_sigsuspend */
    case 137: /* rt_sigtimedwait */
    case 441: /* epoll_pwait2 */
        return 0;
    default:
        return 1;
    }
}

/* Builds the frame for guest signal g with info; returns 0, or -1 if the
 * frame could not be written (the caller kills the process). */
static int setup_frame(lx_thread *t, int g, const lx_sigaction *act, const siginfo_t *info)
{
    rv_cpu *cpu = &t->cpu;
    uint64_t sp = cpu->x[2];
    uint64_t ss_sp = t->altstack_sp, ss_size = t->altstack_size;
    int ss_flags = altstack_flags(t, sp);
    if (on_altstack(t, sp) && !on_altstack(t, sp - FRAME_SIZE))
        return -1;  /* the alternate stack overflowed */
    if ((act->flags & G_SA_ONSTACK) && t->altstack_size && !on_altstack(t, sp)) {
        sp = t->altstack_sp + t->altstack_size;
        if (t->altstack_flags & G_SS_AUTODISARM) {
            t->altstack_sp = t->altstack_size = 0;
            t->altstack_flags = 0;
        }
    }
    uint64_t frame = (sp - FRAME_SIZE) & ~15ULL;
    if (!vvm_aspace_check(lx_as(t), frame, FRAME_SIZE, VVM_PROT_R | VVM_PROT_W))
        return -1;
    /* built here, then copied out in one guarded copy */
    uint8_t f[FRAME_SIZE];
    memset(f, 0, FRAME_SIZE);
    memcpy(f + FR_INFO, info, 128);
    uint8_t *uc = f + FR_UC;
    put64(uc, UC_FLAGS, 0);
    put64(uc, UC_LINK, 0);
    put64(uc, UC_STACK, ss_sp);
    uint32_t fl = (uint32_t)ss_flags;
    memcpy(uc + UC_STACK + 8, &fl, 4);
    put64(uc, UC_STACK + 16, ss_size);
    put64(uc, UC_SIGMASK, t->saved_mask_valid ? t->saved_mask : t->sigmask);
    put64(uc, UC_MCONTEXT, cpu->pc);
    for (int i = 1; i < 32; i++)
        put64(uc, UC_MCONTEXT + 8 * (size_t)i, cpu->x[i]);
    for (int i = 0; i < 32; i++)
        put64(uc, UC_FP + 8 * (size_t)i, cpu->f[i]);
    uint32_t fcsr = (cpu->fflags & 0x1f) | (cpu->frm & 7) << 5;
    memcpy(uc + UC_FP + 256, &fcsr, 4);
    if (vvm_copy_to_guest(lx_as(t), frame, f, FRAME_SIZE) < 0)
        return -1;

    t->saved_mask_valid = 0;
    uint64_t m = t->sigmask | act->mask;
    if (!(act->flags & G_SA_NODEFER))
        m |= BIT(g);
    t->sigmask = m & ~UNBLOCKABLE;

    cpu->x[1] = t->proc->vdso_sigreturn;
    cpu->x[2] = frame;
    cpu->x[10] = (uint64_t)g;
    cpu->x[11] = frame + FR_INFO;
    cpu->x[12] = frame + FR_UC;
    cpu->pc = SRET_PC(act->handler);
    cpu->res.size = 0;
    return 0;
}

/* Delivers guest signal g (already taken off the pending set).  Returns 1 if
 * a guest handler was set up, 0 if the signal was ignored. */
static int deliver_one(lx_thread *t, int g, siginfo_t *info, int *eintr)
{
    lx_process *p = t->proc;
    lx_sigaction act;
    pthread_mutex_lock(&p->lock);
    act = p->sigact[g];
    if (act.handler > 1 && (act.flags & G_SA_RESETHAND)) {
        p->sigact[g].handler = 0;
        p->sigact[g].flags &= ~G_SA_SIGINFO;
        apply_host_disposition(p, g);
    }
    pthread_mutex_unlock(&p->lock);
    if (vvm_jp_woven(&p->weaver, VVM_JP_SIGNAL)) {
        /* advice sees every signal the guest takes, with what it will do:
         * args[0] is the handler (0: the default action, 1: ignored) */
        vvm_jp_event ev = {.jp = VVM_JP_SIGNAL, .machine = p, .vcpu = &t->cpu, .pc = t->cpu.pc, .nr = g,
                           .args = {act.handler}};
        vvm_jp_fire(&p->weaver, &ev);
    }
    if (act.handler == 1)
        return 0;
    if (act.handler == 0) {
        int d = default_action(g);
        if (d == DFL_IGN || d == DFL_STOP)
            return 0;
        lx_die_by_signal(t, g, t->cpu.pc);
    }
    if (*eintr) {
        *eintr = 0;
        if ((act.flags & G_SA_RESTART) && restartable(t->sys_nr)) {
            t->cpu.pc = t->sys_pc;
            t->cpu.x[10] = t->sys_a0;
        }
    }
    if (setup_frame(t, g, &act, info) < 0)
        lx_die_by_signal(t, SIGSEGV, t->cpu.pc);
    return 1;
}

static int lowest(uint64_t m) { return __builtin_ctzll(m) + 1; }

void lx_signal_deliver(lx_thread *t)
{
    lx_process *p = t->proc;
    t->cpu.interrupt = 0;
    /* signals taken by a host thread without a guest thread */
    uint64_t pp = __atomic_exchange_n(&p->pending, 0, __ATOMIC_SEQ_CST);
    while (pp) {
        int g = lowest(pp);
        pp &= pp - 1;
        t->sig_info[g] = p->sig_info[g];
        __atomic_or_fetch(&t->pending, BIT(g), __ATOMIC_SEQ_CST);
    }
    int eintr = t->sys_eintr;
    int took = 0, handled = 0;
    t->sys_eintr = 0;
    for (;;) {
        uint64_t ready = __atomic_load_n(&t->pending, __ATOMIC_SEQ_CST) & ~t->sigmask;
        if (!ready)
            break;
        /* synchronous signals first, then the lowest number */
        uint64_t sync = ready & (BIT(SIGSEGV) | BIT(SIGBUS) | BIT(SIGILL) | BIT(SIGTRAP) | BIT(SIGFPE) | BIT(SIGSYS));
        int g = lowest(sync ? sync : ready);
        siginfo_t info = t->sig_info[g];
        __atomic_and_fetch(&t->pending, ~BIT(g), __ATOMIC_SEQ_CST);
        took = 1;
        handled |= deliver_one(t, g, &info, &eintr);
    }
    if (eintr && took && !handled) {
        /* interrupted by a signal that was ignored after all: restart */
        t->cpu.pc = t->sys_pc;
        t->cpu.x[10] = t->sys_a0;
    }
    if (t->saved_mask_valid && !handled) {
        t->sigmask = t->saved_mask;
        t->saved_mask_valid = 0;
    }
    lx_signal_sync_mask(t);
}

void lx_signal_fault(lx_thread *t, rv_exit why)
{
    rv_cpu *cpu = &t->cpu;
    int sig = SIGSEGV, code = SEGV_MAPERR;
    uint64_t addr = cpu->tval;
    switch (why) {
    case RV_EXIT_ILLEGAL:
        sig = SIGILL;
        code = ILL_ILLOPC;
        addr = cpu->pc;
        break;
    case RV_EXIT_EBREAK:
        sig = SIGTRAP;
        code = TRAP_BRKPT;
        addr = cpu->pc;
        break;
    case RV_EXIT_MISALIGNED:
        sig = SIGBUS;
        code = BUS_ADRALN;
        break;
    case RV_EXIT_BUS:
        sig = SIGBUS;
        code = BUS_ADRERR;
        break;
    default:
        code = (vvm_aspace_page_prot(lx_as(t), addr) & VVM_PAGE_MAPPED) ? SEGV_ACCERR : SEGV_MAPERR;
        break;
    }
    lx_process *p = t->proc;
    uint64_t h = p->sigact[sig].handler;
    if (h <= 1 || (t->sigmask & BIT(sig)))
        lx_die_by_signal(t, sig, cpu->pc);
    siginfo_t info;
    memset(&info, 0, sizeof info);
    info.si_signo = sig;
    info.si_code = code;
    info.si_addr = (void *)(uintptr_t)addr;
    int eintr = 0;
    deliver_one(t, sig, &info, &eintr);
    lx_signal_sync_mask(t);
}

void lx_signal_post(lx_process *p, lx_thread *t, int sig)
{
    siginfo_t si;
    memset(&si, 0, sizeof si);
    si.si_signo = sig;
    si.si_code = SI_KERNEL;
    if (t) {
        t->sig_info[sig] = si;
        __atomic_or_fetch(&t->pending, BIT(sig), __ATOMIC_SEQ_CST);
        t->cpu.interrupt = 1;
    } else {
        p->sig_info[sig] = si;
        __atomic_or_fetch(&p->pending, BIT(sig), __ATOMIC_SEQ_CST);
    }
}

/* ---- system calls ---- */

LX_SYSCALL(rt_sigreturn)
{
    rv_cpu *cpu = &t->cpu;
    uint64_t frame = cpu->x[2];
    uint8_t f[FRAME_SIZE];
    if (vvm_copy_from_guest(lx_as(t), f, frame, FRAME_SIZE) < 0)
        lx_die_by_signal(t, SIGSEGV, cpu->pc);
    const uint8_t *uc = f + FR_UC;
    t->sigmask = get64(uc, UC_SIGMASK) & ~UNBLOCKABLE;
    cpu->pc = SRET_PC(get64(uc, UC_MCONTEXT));
    for (int i = 1; i < 32; i++)
        cpu->x[i] = get64(uc, UC_MCONTEXT + 8 * (size_t)i);
    for (int i = 0; i < 32; i++)
        cpu->f[i] = get64(uc, UC_FP + 8 * (size_t)i);
    uint32_t fcsr;
    memcpy(&fcsr, uc + UC_FP + 256, 4);
    cpu->fflags = fcsr & 0x1f;
    cpu->frm = (fcsr >> 5) & 7;
    cpu->res.size = 0;
    /* the alternate stack as saved, unless we are still running on it */
    uint64_t ss_sp = get64(uc, UC_STACK), ss_size = get64(uc, UC_STACK + 16);
    uint32_t ss_flags;
    memcpy(&ss_flags, uc + UC_STACK + 8, 4);
    if (!on_altstack(t, cpu->x[2])) {
        if (ss_flags & G_SS_DISABLE) {
            t->altstack_sp = t->altstack_size = 0;
            t->altstack_flags = 0;
        } else if (ss_size >= G_MINSIGSTKSZ) {
            t->altstack_sp = ss_sp;
            t->altstack_size = ss_size;
            t->altstack_flags = (int)(ss_flags & G_SS_AUTODISARM);
        }
    }
    lx_signal_sync_mask(t);
    if (__atomic_load_n(&t->pending, __ATOMIC_SEQ_CST) & ~t->sigmask)
        t->cpu.interrupt = 1;
    return LX_NORETURN_PC;
}

LX_SYSCALL(rt_sigaction)
{
    int g = (int)a[0];
    if (a[3] != 8)
        return -EINVAL;
    if (g < 1 || g > LX_NSIG)
        return -EINVAL;
    lx_sigaction nw;
    if (a[1]) {
        if (g == SIGKILL || g == SIGSTOP)
            return -EINVAL;
        if (vvm_copy_from_guest(lx_as(t), &nw, a[1], sizeof nw) < 0)
            return -EFAULT;
        nw.mask &= ~UNBLOCKABLE;
    }
    lx_process *p = t->proc;
    pthread_mutex_lock(&p->lock);
    lx_sigaction old = p->sigact[g];
    if (a[1]) {
        p->sigact[g] = nw;
        apply_host_disposition(p, g);
    }
    pthread_mutex_unlock(&p->lock);
    if (a[2] && vvm_copy_to_guest(lx_as(t), a[2], &old, sizeof old) < 0)
        return -EFAULT;
    return 0;
}

LX_SYSCALL(rt_sigprocmask)
{
    if (a[3] != 8)
        return -EINVAL;
    uint64_t set = 0, old = t->sigmask;
    if (a[1] && vvm_copy_from_guest(lx_as(t), &set, a[1], 8) < 0)
        return -EFAULT;
    if (a[1]) {
        switch ((int)a[0]) {
        case SIG_BLOCK: t->sigmask |= set; break;
        case SIG_UNBLOCK: t->sigmask &= ~set; break;
        case SIG_SETMASK: t->sigmask = set; break;
        default: return -EINVAL;
        }
        t->sigmask &= ~UNBLOCKABLE;
        lx_signal_sync_mask(t);
        if (__atomic_load_n(&t->pending, __ATOMIC_SEQ_CST) & ~t->sigmask)
            t->cpu.interrupt = 1;
    }
    if (a[2] && vvm_copy_to_guest(lx_as(t), a[2], &old, 8) < 0)
        return -EFAULT;
    return 0;
}

LX_SYSCALL(rt_sigpending)
{
    if (a[1] != 8)
        return -EINVAL;
    sigset_t hs;
    sigpending(&hs);
    uint64_t m = hostset_to_guest(&hs) | __atomic_load_n(&t->pending, __ATOMIC_SEQ_CST) |
                 __atomic_load_n(&t->proc->pending, __ATOMIC_SEQ_CST);
    m &= t->sigmask;
    if (vvm_copy_to_guest(lx_as(t), a[0], &m, 8) < 0)
        return -EFAULT;
    return 0;
}

static int64_t give_info(lx_thread *t, uint64_t dst, int g, const siginfo_t *si)
{
    siginfo_t c = *si;
    c.si_signo = g;
    if (dst && vvm_copy_to_guest(lx_as(t), dst, &c, 128) < 0)
        return -EFAULT;
    return g;
}

LX_SYSCALL(rt_sigtimedwait)
{
    if (a[3] != 8)
        return -EINVAL;
    uint64_t want;
    if (vvm_copy_from_guest(lx_as(t), &want, a[0], 8) < 0)
        return -EFAULT;
    want &= ~UNBLOCKABLE;
    struct timespec ts, *tsp = NULL;
    if (a[2]) {
        if (vvm_copy_from_guest(lx_as(t), &ts, a[2], sizeof ts) < 0)
            return -EFAULT;
        tsp = &ts;
    }
    /* a signal vvm already took for this thread */
    uint64_t have = __atomic_load_n(&t->pending, __ATOMIC_SEQ_CST) & want;
    if (have) {
        int g = lowest(have);
        siginfo_t si = t->sig_info[g];
        __atomic_and_fetch(&t->pending, ~BIT(g), __ATOMIC_SEQ_CST);
        lx_signal_sync_mask(t);
        return give_info(t, a[1], g, &si);
    }
    sigset_t hs;
    guest_to_hostset(want, &hs);
    siginfo_t si;
    memset(&si, 0, sizeof si);
    int r = sigtimedwait(&hs, &si, tsp);
    if (r < 0)
        return -errno;
    int g = lx_sig_h2g(r);
    return give_info(t, a[1], g, &si);
}

LX_SYSCALL(rt_sigsuspend)
{
    if (a[1] != 8)
        return -EINVAL;
    uint64_t m;
    if (vvm_copy_from_guest(lx_as(t), &m, a[0], 8) < 0)
        return -EFAULT;
    t->saved_mask = t->sigmask;
    t->saved_mask_valid = 1;
    t->sigmask = m & ~UNBLOCKABLE;
    if (__atomic_load_n(&t->pending, __ATOMIC_SEQ_CST) & ~t->sigmask)
        return -EINTR;
    sigset_t hs;
    lx_signal_block_all(NULL);
    guest_to_hostset(t->sigmask | __atomic_load_n(&t->pending, __ATOMIC_SEQ_CST), &hs);
    sigdelset(&hs, SIGSEGV);
    sigdelset(&hs, SIGBUS);
    sigsuspend(&hs);
    /* the host mask is back to all-blocked; lx_signal_deliver resyncs it */
    t->cpu.interrupt = 1;
    return -EINTR;
}

LX_SYSCALL(sigaltstack)
{
    uint64_t sp = t->cpu.x[2];
    struct {
        uint64_t sp;
        int32_t flags, pad;
        uint64_t size;
    } nw, old;
    if (a[0] && vvm_copy_from_guest(lx_as(t), &nw, a[0], sizeof nw) < 0)
        return -EFAULT;
    memset(&old, 0, sizeof old);
    old.sp = t->altstack_sp;
    old.size = t->altstack_size;
    old.flags = altstack_flags(t, sp) | (t->altstack_flags & (int)G_SS_AUTODISARM);
    if (a[0]) {
        if (on_altstack(t, sp))
            return -EPERM;
        uint32_t mode = (uint32_t)nw.flags & ~G_SS_AUTODISARM;
        if (mode != 0 && mode != G_SS_DISABLE && mode != G_SS_ONSTACK)
            return -EINVAL;
        if (mode == G_SS_DISABLE) {
            t->altstack_sp = t->altstack_size = 0;
            t->altstack_flags = 0;
        } else {
            if (nw.size < G_MINSIGSTKSZ)
                return -ENOMEM;
            t->altstack_sp = nw.sp;
            t->altstack_size = nw.size;
            t->altstack_flags = (int)((uint32_t)nw.flags & G_SS_AUTODISARM);
        }
    }
    if (a[1] && vvm_copy_to_guest(lx_as(t), a[1], &old, sizeof old) < 0)
        return -EFAULT;
    return 0;
}

static int64_t check_sig(uint64_t s, int *h)
{
    int g = (int)s;
    if (s > LX_NSIG)
        return -EINVAL;
    *h = g ? lx_sig_g2h(g) : 0;
    if (g && !*h)
        return -EINVAL;  /* guest 63/64: no host signal to carry them */
    return 0;
}

/* ---- signals an embedded guest sends itself ----
 *
 * The guest's process is the host process, whose pid and tids it sees; a
 * signal sent there through the host kernel would reach the embedding
 * program (its handlers, its default actions: SIGTERM, SIGSTOP end or stop
 * it).  So when the machine is embedded, a signal the guest sends its own
 * process (kill(getpid()), kill of any tid of the host process, kill(0)
 * and kill(-getpgrp()), rt_sigqueueinfo) or one of its own threads (tkill,
 * tgkill, rt_tgsigqueueinfo) never goes to the host: it is recorded for the
 * machine as the host handler would record it, with the siginfo the kernel
 * would give (SI_USER or SI_TKILL, this pid and uid; the guest's own for the
 * queueing calls).  The machine then delivers it by its own dispositions:
 * a handler, ignore, or its default action, which ends only the machine
 * (status 128+N); SIGKILL ends it at once.  A stop signal's default action
 * (SIGSTOP, SIGTSTP, SIGTTIN, SIGTTOU) does not stop a machine: it is
 * ignored, as SIGCONT's is; handlers for them run.  A tid of the host
 * process that is not one of the machine's threads (the embedding
 * program's, another machine's) is not the guest's: ESRCH.  kill(0) also
 * signals the other processes of the group (found in /proc: the guest's
 * children, ...) through the host kernel.  Under vvm run every one of these
 * goes to the host kernel, as it does natively. */

/* A thread of this host process (any machine's, or the embedder's). */
static int host_tid(int tid) { return tid > 0 && syscall(SYS_tgkill, getpid(), tid, 0) == 0; }

/* Records guest signal g (0: only checks) from t for its own machine:
 * for thread tid (one of the machine's, else -ESRCH), or for the process
 * (tid 0).  si: the siginfo to give (its si_signo is set here). */
static int64_t to_self(lx_thread *t, int tid, int g, siginfo_t *si)
{
    lx_process *p = t->proc;
    si->si_signo = g;
    pthread_mutex_lock(&p->lock);  /* no thread leaves the list and is freed meanwhile */
    lx_thread *o = NULL;
    if (tid) {
        for (o = p->threads; o && o->tid != tid; o = o->next)
            ;
        if (!o || o->exited) {
            pthread_mutex_unlock(&p->lock);
            return -ESRCH;
        }
    }
    if (g == SIGKILL) {
        pthread_mutex_unlock(&p->lock);
        lx_die_by_signal(t, SIGKILL, t->cpu.pc);
    }
    if (g && o) {
        record_thread(o, g, si);
        if (!(o->sigmask & BIT(g)))
            lx_signal_kick(o);  /* a blocked one waits: no EINTR for it */
    } else if (g) {
        record_process(p, t->exited ? NULL : t, g, si);
    }
    pthread_mutex_unlock(&p->lock);
    return 0;
}

static siginfo_t sent_info(int code)
{
    siginfo_t si;
    memset(&si, 0, sizeof si);
    si.si_code = code;
    si.si_pid = getpid();
    si.si_uid = getuid();
    return si;
}

/* The processes of group pgrp but this one (kill(0) from an embedded
 * guest: this one is the machine's, signalled by the caller).  Returns 0 if
 * any took the signal or none was found, else -errno of the last failure. */
static int64_t kill_group_but_self(pid_t pgrp, int h)
{
    DIR *d = opendir("/proc");
    if (!d)
        return 0;
    pid_t self = getpid();
    int64_t r = 0;
    int sent = 0;
    struct dirent *e;
    while ((e = readdir(d))) {
        char *end;
        long pid = strtol(e->d_name, &end, 10);
        if (*end || pid <= 0 || pid == self || getpgid((pid_t)pid) != pgrp)
            continue;
        if (kill((pid_t)pid, h) == 0)
            sent = 1;
        else
            r = -errno;
    }
    closedir(d);
    return sent ? 0 : r;
}

LX_SYSCALL(kill)
{
    int h;
    int64_t e = check_sig(a[1], &h);
    if (e)
        return e;
    int pid = (int)a[0], g = (int)a[1];
    if (t->proc->opt.embedded) {
        siginfo_t si = sent_info(SI_USER);
        if (pid == getpid() || host_tid(pid))
            return to_self(t, 0, g, &si);
        if (pid == 0 || (pid < -1 && -pid == getpgrp())) {
            /* the others first (SIGKILL does not come back); the caller
             * itself takes it, so the call succeeds */
            if (h)
                (void)kill_group_but_self(getpgrp(), h);
            return to_self(t, 0, g, &si);
        }
    }
    long r = kill((pid_t)pid, h);
    return r < 0 ? -errno : 0;
}

/* tkill and tgkill of a thread of this host process from an embedded
 * guest: its machine's threads only. */
static int64_t thread_kill(lx_thread *t, int tgid, int tid, int g, int h, siginfo_t *si)
{
    if (t->proc->opt.embedded && (tgid == getpid() || (tgid == 0 && host_tid(tid))))
        return to_self(t, tid, g, si);
    long r = tgid ? syscall(SYS_tgkill, tgid, tid, h) : syscall(SYS_tkill, tid, h);
    return r < 0 ? -errno : 0;
}

LX_SYSCALL(tkill)
{
    int h;
    int64_t e = check_sig(a[1], &h);
    if (e)
        return e;
    if ((int)a[0] <= 0)
        return -EINVAL;
    siginfo_t si = sent_info(SI_TKILL);
    return thread_kill(t, 0, (int)a[0], (int)a[1], h, &si);
}

LX_SYSCALL(tgkill)
{
    int h;
    int64_t e = check_sig(a[2], &h);
    if (e)
        return e;
    if ((int)a[0] <= 0 || (int)a[1] <= 0)
        return -EINVAL;
    siginfo_t si = sent_info(SI_TKILL);
    return thread_kill(t, (int)a[0], (int)a[1], (int)a[2], h, &si);
}

/* sigqueue: the guest's siginfo (same layout as the host's) with the host
 * signal number; the host kernel checks si_code as it would for us. */
static int64_t queueinfo(lx_thread *t, int tgid, int tid, uint64_t s, uint64_t info)
{
    int h;
    int64_t e = check_sig(s, &h);
    if (e)
        return e;
    siginfo_t si;
    if (vvm_copy_from_guest(lx_as(t), &si, info, 128) < 0)
        return -EFAULT;
    if (t->proc->opt.embedded && (tgid == getpid() || (!tid && host_tid(tgid))))
        return to_self(t, tid, (int)s, &si);
    si.si_signo = h;
    long r = tid ? syscall(SYS_rt_tgsigqueueinfo, tgid, tid, h, &si) : syscall(SYS_rt_sigqueueinfo, tgid, h, &si);
    return r < 0 ? -errno : 0;
}

LX_SYSCALL(rt_sigqueueinfo) { return queueinfo(t, (int)a[0], 0, a[1], a[2]); }

LX_SYSCALL(rt_tgsigqueueinfo)
{
    if ((int)a[1] <= 0)
        return -EINVAL;
    return queueinfo(t, (int)a[0], (int)a[1], a[2], a[3]);
}
