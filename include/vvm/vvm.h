/* vvm.h: embedding vvm in a C program (link with libvvm.a -lm -pthread).
 *
 *   vvm *m = vvm_create("rv64-linux", err, sizeof err);
 *   vvm_load(m, "./prog", argc, argv, envp, err, sizeof err);
 *   while (vvm_run(m, 1000000) == VVM_BUDGET)
 *       ... inspect vvm_reg(m, 10), vvm_read(m, addr, buf, n) ...
 *   int status = vvm_exit_status(m);
 *   vvm_destroy(m);
 *
 * Every call that can fail returns a negative value or NULL and, where it
 * takes one, writes a message into err.
 *
 * The guest ends only its own machine, never the embedding program: when
 * it calls exit_group, its last thread exits, or a signal ends it (a fault
 * in any thread, abort, a SIGKILL it sends itself), every guest thread
 * stops, their host threads are joined, the signal dispositions vvm_run
 * found are put back, and vvm_run returns VVM_EXITED.  A new machine can be
 * created and run after that; one machine runs at a time (the process-wide
 * signal state is the running guest's).
 */
#ifndef VVM_VVM_H
#define VVM_VVM_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define VVM_API_VERSION 1

typedef struct vvm vvm;

typedef enum vvm_status {
    VVM_ERROR = -1,     /* nothing loaded, or an internal error */
    VVM_EXITED = 0,     /* the guest exited: see vvm_exit_status */
    VVM_BUDGET = 1,     /* the instruction budget ran out; vvm_run again to go on */
} vvm_status;

/* Register numbers for vvm_reg/vvm_set_reg: 0..31 are x0..x31, then: */
#define VVM_REG_PC 32
#define VVM_REG_F0 33   /* 33..64: f0..f31 (raw 64-bit contents) */

/* Creates a machine; `machine` is "rv64-linux".  NULL on failure. */
vvm *vvm_create(const char *machine, char *err, size_t errlen);
/* The riscv64 root for dynamic programs (default /usr/riscv64-linux-gnu when present). */
int vvm_set_sysroot(vvm *m, const char *dir);
/* Loads a program with its arguments and environment (envp may be NULL). */
int vvm_load(vvm *m, const char *path, int argc, char *const argv[], char *const envp[], char *err, size_t errlen);
/* Runs the guest's first thread on the calling thread for at most `budget`
 * of its instructions (budget < 0: until the guest exits); a run the budget
 * ends has retired exactly `budget`, counted as vvm_instret counts.  Threads
 * the guest makes run on host threads of their own, between calls too.
 * Returns with the caller's signal mask as it was.  Once the first thread has
 * exited on its own (exit, not exit_group), vvm_run waits for the others to
 * end. */
vvm_status vvm_run(vvm *m, int64_t budget);
/* The guest's exit status as a shell would see it (128+N if signal N ended
 * it), -1 while it runs. */
int vvm_exit_status(const vvm *m);
/* Instructions retired so far, counted as the guest's rdinstret counts
 * them: an instruction that traps (a fault, an illegal one, ebreak) does not
 * retire, an ecall does; with or without --trace. */
uint64_t vvm_instret(const vvm *m);

uint64_t vvm_reg(const vvm *m, int reg);
int vvm_set_reg(vvm *m, int reg, uint64_t value);
/* Guest memory; both return 0 or -1 if any byte is outside mapped guest memory. */
int vvm_read(const vvm *m, uint64_t addr, void *buf, size_t n);
int vvm_write(vvm *m, uint64_t addr, const void *buf, size_t n);

/* Stops the guest's threads if it still runs, and frees the machine. */
void vvm_destroy(vvm *m);

/* ---- the meta language (the .vml VM) ----
 *
 *   vvm_meta *m = vvm_meta_create();
 *   char out[256];
 *   vvm_meta_eval(m, "(define (sq x) (* x x)) (sq 12)", out, sizeof out);   // out = "144"
 *   int64_t r, a[] = {7};
 *   vvm_meta_call(m, "sq", 1, a, &r, out, sizeof out);                       // r = 49
 *   vvm_meta_define(m, "host-add", 2, my_add, ctx);   // (host-add 1 2) calls my_add
 *   vvm_meta_destroy(m);
 */
typedef struct vvm_meta vvm_meta;
/* A C primitive: argv holds the integer arguments; 0 with *result set, or nonzero to raise an error. */
typedef int (*vvm_meta_fn)(void *ctx, int argc, const int64_t *argv, int64_t *result);

vvm_meta *vvm_meta_create(void);
/* Evaluates every form of src; out gets the last value as `write` prints it, or the error message (-1). */
int vvm_meta_eval(vvm_meta *m, const char *src, char *out, size_t outlen);
/* Calls the global procedure `proc` with integer arguments; its integer result goes to *result. */
int vvm_meta_call(vvm_meta *m, const char *proc, int argc, const int64_t *argv, int64_t *result, char *err, size_t errlen);
/* Makes `name` a primitive taking nargs integers (-1: any number) that calls fn(ctx, ...). */
int vvm_meta_define(vvm_meta *m, const char *name, int nargs, vvm_meta_fn fn, void *ctx);
void vvm_meta_destroy(vvm_meta *m);

#ifdef __cplusplus
}
#endif
#endif
