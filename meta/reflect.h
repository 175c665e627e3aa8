/* reflect: the meta level's hold on a running machine.
 *
 * A machine that takes `vvm run --load FILE.vml` makes one of these: a meta
 * VM (meta/vm) of its own, whose programs weave advice at the machine's
 * join points (core/joinpoints.def) and read and write the state of the
 * vCPU the advice runs on:
 *
 *   (advise JOINPOINT PROC)   weave PROC; returns a handle
 *   (unadvise HANDLE)         unweave it (#t), or #f for no such advice
 *   (reg CPU NAME)            a register, by the ISA description's name
 *                             ('a0, 'sp, 'pc, 'ft0: FP registers as bits)
 *   (set-reg! CPU NAME VALUE)
 *   (mem-read CPU ADDR N)     N bytes of guest memory, a bytevector
 *   (mem-write! CPU ADDR BYTEVECTOR)
 *   (mem-string CPU ADDR [MAX])  the NUL-terminated string at ADDR
 *   (syscall-name NR)         the personality's name of system call NR, or #f
 *   (define-syscall NR PROC)  system call NR is (PROC cpu a0 .. a5) from now
 *                             on, its integer result the call's (#f: the
 *                             personality's again)
 *
 * Guest memory is read and written as the guest may (a system call's
 * copies: core/aspace.h), so advice cannot write read-only code, and a
 * write to code it may write invalidates that code's translations.
 *
 * PROC gets a cpu value, then what the join point carries (see
 * docs/reflection.md).  A cpu value is good only while the advice it was
 * given to runs.  syscall-entry advice that returns an integer answers the
 * call with it instead of running it; #f (or anything else) lets it run,
 * with the registers as the advice left them.
 *
 * Advice runs on the guest thread where the event happens, one piece of
 * advice at a time: one lock per machine keeps the meta VM to one thread.
 * An error in advice is printed with its position in the .vml file, and
 * that advice is unwoven; the guest goes on.
 */
#ifndef VVM_META_REFLECT_H
#define VVM_META_REFLECT_H

#include <stddef.h>

#include "core/joinpoint.h"
#include "engine/engine.h"

typedef struct vvm_reflect vvm_reflect;

/* A meta VM over weaver w of a machine whose vCPUs are of ISA isa, and
 * whose system calls syscall_name names (NULL: none); NULL with a message
 * in err. */
vvm_reflect *vvm_reflect_new(vvm_weaver *w, const eng_isa *isa, const char *(*syscall_name)(long nr), char *err,
                             size_t errlen);
/* Runs the .vml file at path in it: 0, or -1 after printing the error. */
int vvm_reflect_load(vvm_reflect *r, const char *path);
/* The guest's threads may run from now on: advice is still woven and
 * unwoven, but the weaver's entries, which those threads read without a
 * lock, are only ever added to (core/joinpoint.h). */
void vvm_reflect_started(vvm_reflect *r);
/* Around a host fork(): held (lock 1) so that the child does not inherit
 * it held by a thread it does not have, then let go (lock 0) in both. */
void vvm_reflect_fork(vvm_reflect *r, int lock);
/* System call nr of the vCPU (the ISA's vCPU structure) with arguments a,
 * after its syscall-entry advice: 1 with *ret its result when
 * (define-syscall NR PROC) defined it, else 0 (the personality's call
 * runs). */
int vvm_reflect_syscall(vvm_reflect *r, void *vcpu, long nr, const uint64_t a[6], int64_t *ret);
/* Unweaves everything and frees the VM. */
void vvm_reflect_free(vvm_reflect *r);

#endif
