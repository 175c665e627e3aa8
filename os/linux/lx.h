/* lx: the Linux personality of the rv64-linux process VM.
 *
 * A guest process is one address space (core/aspace) with the threads that
 * run in it; each guest thread is a host thread driving one rv_cpu.  System
 * calls are looked up by number in the table generated from syscalls.def and
 * mostly passed to the host, translating structures where riscv64 and x86-64
 * lay them out differently.
 */
#ifndef VVM_LX_H
#define VVM_LX_H

#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/resource.h>

#include "core/aspace.h"
#include "core/joinpoint.h"
#include "engine/block.h"
#include "isa/riscv/rv_cpu.h"

#define LX_NSIG 64
#define LX_SPACE_BITS 38          /* Sv39 user space: 256 GiB */
#define LX_ET_DYN_BASE 0x2aaaaab000ULL

typedef struct lx_process lx_process;
typedef struct lx_thread lx_thread;

/* Options the user gave (vvm run). */
typedef struct lx_options {
    const char *sysroot;        /* for PT_INTERP and absolute paths of the dynamic loader */
    const char *argv0;          /* -0: argv[0] for the guest */
    int strace;                 /* --strace */
    const char *trace;          /* --trace insn|block|... */
    FILE *log;                  /* where traces go (stderr) */
    int embedded;               /* the guest ends its machine (vvm_run returns), never the host process */
    int tier;                   /* eng_tier every thread runs in */
    size_t jit_cache_size;      /* code cache bytes per thread (0: the default) */
    int perfmap;                /* --perfmap (trace.c) */
    char *const *loads;         /* --load: .vml files run in the machine's meta VM (NULL-terminated), handed on at execve */
} lx_options;

/* The guest's view of one signal's disposition (riscv64 struct sigaction). */
typedef struct lx_sigaction {
    uint64_t handler;
    uint64_t flags;
    uint64_t mask;
} lx_sigaction;

/* A resource limit vvm keeps for the guest (sys_misc.c). */
typedef struct lx_rlimit {
    uint64_t cur, max;
    int set;                    /* 0: not yet taken from the host's */
} lx_rlimit;

struct lx_thread {
    rv_cpu cpu;
    lx_process *proc;
    int tid;                    /* host tid; the guest sees it too */
    uint64_t clear_child_tid;   /* set_tid_address / CLONE_CHILD_CLEARTID */
    uint64_t robust_list;
    uint64_t sigmask;           /* guest blocked signals (bit n-1 for signal n) */
    volatile uint64_t pending;  /* thread-directed pending signals */
    uint64_t altstack_sp, altstack_size;
    int altstack_flags;
    int in_syscall;
    /* host-write windows this call opened (lx_guest_ptr), closed after it */
    int host_writes[8], nhost_writes;
    volatile int exited;        /* the guest thread called exit */
    lx_thread *next;
    /* the signal being delivered for a synchronous fault */
    int fault_sig, fault_code;
    uint64_t fault_addr;
    /* signals (signal.c): the siginfo of each signal taken from the host and
     * not yet delivered (bit in pending); the mask rt_sigsuspend replaced */
    siginfo_t sig_info[LX_NSIG + 1];
    uint64_t saved_mask;
    int saved_mask_valid, sigmask_init;
    /* the last system call, for restarting it after a signal (SA_RESTART) */
    int sys_eintr;
    long sys_nr;
    uint64_t sys_pc, sys_a0;
    int main_host;              /* runs on the host's main thread */
    /* in lx_thread_loop (under the process lock): lx_process_end waits
     * until no thread but its caller is */
    int running;
    sigjmp_buf leave;           /* lx_process_die's way out of the loop */
};

struct lx_process {
    vvm_aspace as;
    eng_inval inval;
    vvm_weaver weaver;
    lx_options opt;
    pthread_mutex_t lock;       /* threads list, sigactions, mm changes */
    pthread_cond_t changed;     /* a thread left its loop or its host thread ended */
    /* the machine's meta VM (--load): a lock of its taken around a fork,
     * first; system calls it defines (1: *ret is the result) */
    void (*fork_lock)(void *arg, int lock);
    int (*meta_syscall)(void *arg, rv_cpu *cpu, long nr, const uint64_t a[6], int64_t *ret);
    void *meta_arg;

    /* image */
    char *exe_path;             /* host path of the main program */
    uint64_t entry;             /* of the main program */
    uint64_t interp_entry;      /* of the dynamic loader, 0 if static */
    uint64_t load_bias, interp_base;
    uint64_t phdr, phnum;
    uint64_t stack_top, stack_bottom;
    uint64_t start_sp;
    uint64_t arg_start, arg_end, env_start, env_end; /* argv and envp strings */
    uint64_t auxv[32][2];       /* the auxiliary vector the guest started with */
    unsigned nauxv;

    lx_sigaction sigact[LX_NSIG + 1];
    volatile uint64_t pending;  /* taken by a host thread that runs no guest thread */
    siginfo_t sig_info[LX_NSIG + 1];
    /* the vDSO (vdso.c): the vvar page at vvar_base, the code at
     * [vdso_base, vdso_end); signal handlers return to vdso_sigreturn */
    uint64_t vvar_base, vdso_base, vdso_end, vdso_sigreturn;
    struct vvm_vvar *vvar;      /* vvm's own mapping of the vvar page */

    lx_thread *threads;
    int nthreads;
    /* host threads made by clone (sys_thread.c): how many run, and those
     * that ended and wait to be joined */
    int nhosts;
    pthread_t *zombies;
    int nzombies, zombies_cap;
    volatile int exiting;       /* the process ends (embedded: lx_process_end) */
    int exit_status;            /* as a shell sees it: 128+N for signal N */
    /* the limits kept for the guest (lx_rlimit_cur), under rlim_lock */
    lx_rlimit rlim[RLIMIT_NLIMITS];
    pthread_mutex_t rlim_lock;
    /* host signal dispositions this process wants (signal.c, under its
     * registry lock), and its place in the registry of running machines */
    unsigned char host_kind[LX_NSIG + 1];
    lx_process *sig_next;
    int sig_registered;
    int mlock_future;           /* mlockall(MCL_FUTURE): MLOCK_ONFAULT or 0 for new mappings, -1 when off */
    int pid;
    int fp_trap;                /* FP flags by trapping for its harts (core/hostfault.h) */
};

/* Process life. */
int lx_process_init(lx_process *p, const lx_options *opt);
void lx_process_fini(lx_process *p);
/* Loads the program (and its interpreter) and builds the initial stack.
 * On failure returns a negative errno-like code and writes a message naming
 * the file and the cause into err. */
int lx_load(lx_process *p, const char *path, char *const argv[], char *const envp[], char *err, size_t errlen);
/* The vDSO (vdso.c): lx_vdso_map maps it and its vvar page at the top of
 * the mmap area (lx_load, after the stack) and measures the clock offsets
 * in vvar; lx_vdso_refresh measures them again once they are
 * LX_VDSO_REFRESH_NS old (the gettimeofday and CLOCK_REALTIME/BOOTTIME
 * system calls call it: the vDSO makes them when the offsets are that old). */
#define LX_VDSO_REFRESH_NS 1000000000ULL
int lx_vdso_map(lx_process *p);
void lx_vdso_refresh(lx_process *p);
void lx_vdso_fini(lx_process *p);
/* The guest unmapped or replaced [addr, addr+len): the vDSO or vvar pages
 * there are no longer named so in /proc/PID/maps (handlers still return
 * to __vdso_rt_sigreturn's address, as on Linux). */
void lx_vdso_forget(lx_process *p, uint64_t addr, uint64_t len);
/* Nonzero if [addr, addr+len) holds the vvar page, which mprotect never
 * makes writable. */
int lx_vdso_is_vvar(const lx_process *p, uint64_t addr, uint64_t len);
/* Runs the main thread until the process exits; returns the exit status as a
 * shell would see it (128+N when killed by signal N). */
int lx_run(lx_process *p);
/* What a process needs before its first thread runs (host dispositions
 * for the guest's signals); once. */
int lx_process_start(lx_process *p);

/* Embedded processes end without ending the host process:
 * lx_process_end marks the process as ending with status (the first caller
 * decides) and makes every other thread leave its run loop, at its next
 * block boundary or when its blocking host call returns (EINTR); it returns
 * when no thread but the caller is in its loop.  lx_process_die is that,
 * then the calling guest thread leaves its own loop.  lx_threads_reap joins
 * the host threads of guest threads that have ended; with all, it first
 * waits until every one of them has. */
void lx_process_end(lx_process *p, int status);
_Noreturn void lx_process_die(lx_thread *t, int status);
void lx_threads_reap(lx_process *p, int all);
/* Thread life (lx_thread.c). */
lx_thread *lx_thread_new(lx_process *p);
void lx_thread_free(lx_thread *t);
/* Takes t off its process's list if it is there (p->lock held); returns
 * whether it was. */
int lx_thread_unlink_locked(lx_thread *t);
/* Runs a guest thread until it exits; returns when the thread is done. */
void lx_thread_loop(lx_thread *t);

/* Processes and threads (sys_thread.c, sys_proc.c): clone's two halves. */
int64_t lx_clone(lx_thread *t, uint64_t flags, uint64_t sp, uint64_t ptid, uint64_t tls, uint64_t ctid);
int64_t lx_fork(lx_thread *t, uint64_t flags, uint64_t sp, uint64_t ptid, uint64_t tls, uint64_t ctid);
/* Marks the robust futexes an exiting thread holds as FUTEX_OWNER_DIED. */
void lx_robust_exit(lx_thread *t);

/* System calls (syscall.c). */
typedef int64_t (*lx_syscall_fn)(lx_thread *t, const uint64_t *a);
typedef struct lx_syscall_desc {
    const char *name;
    const char *fmt;            /* argument kinds for --strace, see syscalls.def */
    lx_syscall_fn fn;
} lx_syscall_desc;
#define LX_NR_MAX 512
extern const lx_syscall_desc lx_syscalls[LX_NR_MAX];

/* Handles the ecall at cpu->pc: runs the call, sets a0, advances pc. */
void lx_syscall(lx_thread *t);
/* A handler that sets the pc itself (rt_sigreturn, execve) returns this. */
#define LX_NORETURN_PC (-4096 - 1)

#define LX_SYSCALL(name) int64_t lx_sys_##name(lx_thread *t, const uint64_t *a)
#define SC(nr, name, fmt) LX_SYSCALL(name);
#include "os/linux/syscalls.def"
#undef SC

/* Guest code in [lo, hi) may have changed (sys_mm.c). */
void lx_code_changed(lx_process *p, uint64_t lo, uint64_t hi);

/* Guest memory helpers for system calls. */
static inline vvm_aspace *lx_as(lx_thread *t) { return &t->proc->as; }
/* Host pointer to a guest range with the given access, or NULL (EFAULT),
 * only to hand to a host system call (the host kernel reports a fault there
 * as EFAULT).  C code never dereferences guest memory: it reads and writes
 * guest structures with vvm_copy_from_guest/vvm_copy_to_guest (any
 * alignment, fault-safe; core/aspace.h), and lx_sys.h has lx_guest_buf for
 * partial transfers and lx_iov_from_guest for iovec arrays. */
void *lx_guest_ptr(lx_thread *t, uint64_t addr, uint64_t len, int prot);
/* Ends the host-write windows lx_guest_ptr opened for the current call
 * (lx_syscall does, after each call). */
void lx_guest_writes_done(lx_thread *t);
/* The host path for an absolute guest path: the file under the sysroot when
 * it exists there (as qemu's -L does), written to buf; else path itself.
 * (lx_sys_path in lx_sys.h reads a guest path and applies this.) */
const char *lx_sysroot_path(lx_process *p, const char *path, char *buf, size_t n);

/* Signals (signal.c). */
/* Delivers pending unblocked signals by building frames; returns when none. */
void lx_signal_deliver(lx_thread *t);
/* A synchronous fault from rv_run (exit kind) becomes a guest signal. */
void lx_signal_fault(lx_thread *t, rv_exit why);
/* Marks signal sig pending for thread t (or the process if t is NULL). */
void lx_signal_post(lx_process *p, lx_thread *t, int sig);
/* Terminates the process as if killed by sig (prints the one-line report);
 * embedded, only the guest's process ends (lx_process_die, status 128+sig). */
_Noreturn void lx_die_by_signal(lx_thread *t, int sig, uint64_t pc);
/* Puts the process on the registry of running machines and sets the host
 * dispositions for the guest's (once per process, before it runs). */
void lx_signal_init(lx_process *p);
/* Embedded, after the process ended: takes it off the registry; the
 * embedding program's dispositions come back after the last one. */
void lx_signal_fini(lx_process *p);
/* Makes t look at its signals soon: its interrupt flag (checked at every
 * block head, in the interpreter and in translated code) and, from another
 * thread, a kick that ends a blocking host call with EINTR.
 * Async-signal-safe. */
void lx_signal_kick(lx_thread *t);
/* Waits until no host signal handler walks a machine's threads: before a
 * thread taken off its list is freed. */
void lx_signal_quiesce(void);
/* Signal g, which thread t (exiting) took for its process and did not
 * deliver, goes back to the process. */
void lx_signal_requeue(lx_thread *t, int g);
/* On a new guest thread's host thread: host mask from the guest mask. */
void lx_signal_thread_start(lx_thread *t);
/* Sets the calling host thread's mask from t's guest mask (+ taken signals). */
void lx_signal_sync_mask(lx_thread *t);
/* Blocks every host signal but SIGSEGV/SIGBUS; old may be NULL. */
void lx_signal_block_all(sigset_t *old);
/* Guest <-> host signal numbers (0: none). */
int lx_sig_g2h(int g);
int lx_sig_h2g(int h);

/* The guest's soft limit for an emulated resource (RLIMIT_AS, RLIMIT_DATA,
 * RLIMIT_STACK: kept for each guest process, never applied to vvm itself). */
uint64_t lx_rlimit_cur(lx_process *p, int res);
/* The size of an exec'd program's stack region, from RLIMIT_STACK. */
uint64_t lx_stack_size(lx_process *p);
/* The emulated limits as `vvm run --rlimits` takes them (AS, DATA and STACK,
 * each CUR:MAX, comma-separated): a guest's execve hands them on this way.
 * format returns -1 if buf is too small; parse returns -1 for a bad spec. */
int lx_rlimit_format(lx_process *p, char *buf, size_t n);
int lx_rlimit_parse(lx_process *p, const char *spec);

/* Tracing (strace.c) */
void lx_strace_enter(lx_thread *t, long nr, const uint64_t *a);
void lx_strace_exit(lx_thread *t, long nr, const uint64_t *a, int64_t ret);
/* Weaves the advice of --trace WHAT (NULL: none) and of --perfmap. */
int lx_trace_setup(lx_process *p, const char *what);
/* Weaves the --strace advice on the system-call join points. */
int lx_strace_install(lx_process *p);
/* The name of an ioctl request vvm forwards (sys_file.c's table), or NULL. */
const char *lx_ioctl_name(uint32_t cmd);

/* The thread running on this host thread (NULL outside guest threads). */
lx_thread *lx_current(void);

#endif
