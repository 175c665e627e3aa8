/* hostfault: turns host SIGSEGV/SIGBUS raised by guest memory accesses into
 * guest faults.
 *
 * Each host thread that runs guest code registers the host range its guest
 * memory occupies and a function to call on a fault inside it (which does not
 * return: it longjmps back to the run loop).  vvm's own accesses to guest
 * memory on the guest's behalf (system calls) go through
 * vvm_guarded_call, which turns a fault in the guest range into an error
 * return.  A fault anywhere else is a bug in vvm: it is reported with the host
 * address and the process aborts.
 *
 * Only a fault raised by the processor counts: a SIGSEGV/SIGBUS that some
 * process sent (kill, sigqueue with a made-up si_code and si_addr, F_SETSIG)
 * is the machine's asynchronous signal, whatever its siginfo says. */
#ifndef VVM_HOSTFAULT_H
#define VVM_HOSTFAULT_H

#include <signal.h>
#include <stdint.h>

/* Returns nonzero when it dealt with the fault and the access should be
 * retried; otherwise it does not return (it longjmps to the run loop). */
typedef int (*vvm_fault_fn)(void *arg, uint64_t offset, int is_write, int sig);

typedef struct vvm_fault_target {
    uint8_t *lo, *hi;           /* host range of guest memory */
    vvm_fault_fn fn;            /* called with the offset into the range */
    void *arg;
    volatile int armed;         /* only while guest code runs */
    uintptr_t host_pc;          /* set before fn is called: the faulting host instruction */
    const void *host_uc;        /* and the signal's ucontext_t (its registers) */
} vvm_fault_target;

/* A SIGSEGV/SIGBUS that is not a fault (kill, tgkill, sigqueue, F_SETSIG: see
 * vvm_hostfault_is_fault) goes to this hook when one is set (the machine's
 * asynchronous signal). */
typedef void (*vvm_async_fn)(int sig, siginfo_t *si, void *uc);
void vvm_hostfault_set_async(vvm_async_fn fn);

/* Installs the process-wide SIGSEGV/SIGBUS handlers (idempotent). */
int vvm_hostfault_install(void);
/* FP exceptions that trap, so that a hart's accrued flags are known without
 * reading the host's (x86-64: stmxcsr waits for every FP operation before
 * it).  A thread whose hart runs in this mode keeps the host's exception
 * unmasked for each flag not raised yet; the first operation to raise one
 * traps (SIGFPE, #XM, before it writes its result), and the handler records
 * the flag in vvm_fp_trap->acc (the host's flag bits, MXCSR's layout),
 * masks it and lets the operation run again.  So acc holds exactly the
 * host's flags, except when it has VVM_FP_DIRTY: an unmasked underflow
 * traps for an exact tiny result too, which raises no flag once masked, so
 * the handler cannot know; the flags are then read from the host, which
 * also unmasks again what was not raised.  vvm_fp_trap is NULL on a thread
 * not in this mode (an FP trap there, in code that inherited unmasked
 * exceptions, is masked and resumed).  A trap costs microseconds: traps
 * counts them, and at VVM_FP_TRAPS_LOOK the handler sets *kick (when the
 * machine gave one), so that the machine looks at how often they come and
 * leaves the mode for a program that clears its flags in a loop.
 * vvm_hostfault_fp_acquire installs the SIGFPE handler for a machine that
 * uses the mode (0, or -1 where there is none), vvm_hostfault_fp_release
 * says it no longer does: after the last, SIGFPE's disposition is the one
 * found before.  A SIGFPE that is no FP trap goes to the async hook when it
 * was sent, else to that disposition. */
#define VVM_FP_DIRTY 0x80000000u
#define VVM_FP_FLAGBITS 0x3du      /* MXCSR's IE ZE OE UE PE (DE is no flag of any guest) */
#define VVM_FP_UNMASK 0x1e80u      /* their mask bits */
#define VVM_FP_TRAPS_LOOK 256u
typedef struct vvm_fptrap {
    uint32_t acc;
    uint32_t traps;
    volatile int *kick;
} vvm_fptrap;
extern __thread vvm_fptrap *vvm_fp_trap;   /* (defined in engine/rtl.c, which all RTL users link) */
int vvm_hostfault_fp_acquire(void);
void vvm_hostfault_fp_release(void);

/* The calling thread's target (thread-local). */
vvm_fault_target *vvm_hostfault_target(void);


/* Nonzero when the SIGSEGV/SIGBUS described by si and the handler's ucontext
 * was raised by the processor for an access of the interrupted thread, zero
 * when a process sent it.  A sender chooses si_code and si_addr freely (Linux
 * lets a process queue any si_code to itself), so on x86-64 the trap recorded
 * in the context decides: a page fault whose address is si_addr, or a general
 * protection (or segment) fault reported as SI_KERNEL with no address. */
int vvm_hostfault_is_fault(int sig, const siginfo_t *si, const void *uc);

/* Runs fn(arg), an access of vvm's to guest memory on the guest's behalf,
 * guarded: a fault at a host address in [lo, hi) (guest memory) abandons fn
 * where it stands and returns -1; 0 when fn returned.  fn may be left at any
 * point, so it must not take locks or allocate.  A fault outside [lo, hi)
 * is still a bug in vvm.  Not for use in signal handlers. */
int vvm_guarded_call(void (*fn)(void *), void *arg, const void *lo, const void *hi);

#endif
