/* hostfault: turns host SIGSEGV/SIGBUS raised by guest memory accesses into
 * guest faults.
 *
 * Each host thread that runs guest code registers the host range its guest
 * memory occupies and a function to call on a fault inside it (which does not
 * return: it longjmps back to the run loop).  A fault anywhere else is a bug
 * in vvm: it is reported with the host address and the process aborts. */
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
} vvm_fault_target;

/* A SIGSEGV/SIGBUS that is not a fault (si_code <= 0: kill, tgkill, sigqueue)
 * goes to this hook when one is set (the machine's asynchronous signal). */
typedef void (*vvm_async_fn)(int sig, siginfo_t *si, void *uc);
void vvm_hostfault_set_async(vvm_async_fn fn);

/* Installs the process-wide SIGSEGV/SIGBUS handlers (idempotent). */
int vvm_hostfault_install(void);
/* The calling thread's target (thread-local). */
vvm_fault_target *vvm_hostfault_target(void);

#endif
