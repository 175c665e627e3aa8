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
 * takes one, writes a message into err.  Guest faults end the guest (as a
 * signal would), never the embedding program.
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
/* Runs at most `budget` guest instructions (budget < 0: until the guest exits). */
vvm_status vvm_run(vvm *m, int64_t budget);
/* The guest's exit status (128+N if a signal N ended it), -1 while it runs. */
int vvm_exit_status(const vvm *m);
/* Instructions retired so far. */
uint64_t vvm_instret(const vvm *m);

uint64_t vvm_reg(const vvm *m, int reg);
int vvm_set_reg(vvm *m, int reg, uint64_t value);
/* Guest memory; both return 0 or -1 if any byte is outside mapped guest memory. */
int vvm_read(const vvm *m, uint64_t addr, void *buf, size_t n);
int vvm_write(vvm *m, uint64_t addr, const void *buf, size_t n);

void vvm_destroy(vvm *m);

#ifdef __cplusplus
}
#endif
#endif
