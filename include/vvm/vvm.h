/* vvm.h: embedding vvm in a C program (link with libvvm.a -l:libfdt.a -l:libzstd.a -lm -ldl -pthread:
 * what build/libvvm.libs says).
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
 * in any thread, abort, a SIGKILL or SIGTERM it sends itself), every guest
 * thread stops, their host threads are joined, the signal dispositions
 * vvm_run found are put back, and vvm_run returns VVM_EXITED.
 *
 * Signals a guest sends itself never reach the embedding program: kill of
 * its own pid (or of any thread id of the host process), kill(0, ...) and
 * kill(-pgrp, ...) of its own group, tkill, tgkill and raise of its own
 * threads, and sigqueue to itself are delivered to that machine alone (its
 * handler runs, it ignores them, or their default action ends the machine
 * with status 128+N), with the siginfo Linux gives (SI_USER, SI_TKILL or
 * the guest's own, the host pid).  A stop signal's default action (SIGSTOP,
 * SIGTSTP, SIGTTIN, SIGTTOU) does not stop a machine: it is ignored, as
 * SIGCONT's default is; a guest's handlers for them run.  A thread id of
 * the host process that is not one of the machine's threads (the embedding
 * program's, another machine's) is not the guest's: tkill and tgkill of it
 * fail with ESRCH.  kill(0, ...) also signals the other processes of the
 * process group (a guest's children, ...) through the host kernel.
 * (Under `vvm run` every one of these goes to the host kernel, as natively.)
 *
 * Several machines: each vvm is a machine of its own (its guest memory,
 * threads, signal dispositions, resource limits), and machines run side by
 * side, each driven by its own host thread (one thread per vvm at a time).
 * vvm's host signal handlers are installed while at least one machine has
 * started and not ended; the embedding program's dispositions come back
 * when the last one ends.  A signal that arrives on a guest thread goes to
 * that thread's machine.  A process-directed signal (kill(pid, ...) from
 * outside) goes to the thread the host kernel picks: a guest thread's machine gets it; when the kernel picks a
 * thread that runs no guest (the embedding program's own threads), it goes
 * to the machine that started first among those running, which sees it at
 * once (a guest thread in a busy loop or a blocking call is interrupted);
 * the mask of the thread that took it is not changed.  With one machine
 * that is exactly `vvm run`'s behaviour.
 *
 * What the host kernel keeps per process is shared by all the machines in
 * it, as by all the threads of the embedding program, and vvm does not
 * virtualise it: the file descriptor table (a guest's descriptors are the
 * host's: a guest that closes or dup2s onto 0, 1, 2 or any other number
 * does it for everyone), the current directory (chdir), the umask, the pid
 * and the process group, the host's resource limits other than the ones vvm
 * keeps per guest (RLIMIT_AS, RLIMIT_DATA, RLIMIT_STACK), the host signal
 * dispositions (a guest's sigaction decides vvm's handler is installed; a
 * signal a guest ignores while another machine handles it is discarded at
 * delivery), and the children a guest forks (a wait for any child, or
 * SIGCHLD, may see another machine's).
 */
#ifndef VVM_VVM_H
#define VVM_VVM_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

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

/* Register numbers for vvm_reg/vvm_set_reg as the machine's ISA lays its
 * register file out (vvm_reg_count, vvm_reg_name); for rv64-linux 0..31
 * are x0..x31, then: */
#define VVM_REG_PC 32
#define VVM_REG_F0 33   /* 33..64: f0..f31 (raw 64-bit contents) */

/* Creates a machine; `machine` is a VMlet's name as `vvm info` lists them
 * ("rv64-linux").  NULL on failure. */
vvm *vvm_create(const char *machine, char *err, size_t errlen);
/* The riscv64 root for dynamic programs (default /usr/riscv64-linux-gnu when present). */
int vvm_set_sysroot(vvm *m, const char *dir);
/* Loads a program with its arguments and environment (envp may be NULL).
 * rv64-virt: path is the kernel, argv[1..] are qemu-system-riscv64's
 * options as `vvm run --machine rv64-virt` takes them ("-bios", "none",
 * "-m", "64M", ...), envp is not used. */
int vvm_load(vvm *m, const char *path, int argc, char *const argv[], char *const envp[], char *err, size_t errlen);
/* Runs the guest's first thread on the calling thread for at most `budget`
 * of its instructions (budget < 0: until the guest exits); a run the budget
 * ends has retired exactly `budget`, counted as vvm_instret counts, under
 * every engine (a budgeted run of the translation tier goes block by block
 * through the engine's loop, which runs the last, partial block in the
 * interpreter).  VVM_ENGINE=interp|jit|auto in the environment picks the
 * engine of the machines vvm_create makes (default auto).  Threads
 * the guest makes run on host threads of their own, between calls too.
 * Returns with the caller's signal mask as it was.  Once the first thread has
 * exited on its own (exit, not exit_group), vvm_run waits for the others to
 * end.  rv64-virt: budget counts hart 0's instructions (the other harts
 * run alongside on threads of their own), per block, not exactly; a run
 * that returns VVM_BUDGET has stopped every hart (vvm_save can save it). */
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
/* How many registers vvm_reg numbers, and the name of register reg in the
 * machine's assembly language ("a0", "pc", "fa0"), NULL if none. */
int vvm_reg_count(const vvm *m);
const char *vvm_reg_name(const vvm *m, int reg);
/* Guest memory; both return 0 or -1 if any byte is outside mapped guest memory. */
int vvm_read(const vvm *m, uint64_t addr, void *buf, size_t n);
int vvm_write(vvm *m, uint64_t addr, const void *buf, size_t n);

/* The state of a stopped machine (loaded, between vvm_run calls: its
 * first thread's registers, its memory mappings and their contents, its
 * signal dispositions and mask, its resource limits) to f, and back into a
 * machine that vvm_create made and nothing was loaded into; the restored
 * machine goes on with vvm_run where the saved one stood.  Not supported
 * yet, and refused with a message: a guest with several threads, with a
 * signal pending, or with a shared mapping (of a file or anonymous).  Not part of the state: the host
 * file descriptors a guest opened (they are the embedding program's: see
 * above).  The format is vvm's own, for the same vvm build on the same
 * host.  0, or -1 with a message in err.  rv64-virt saves its harts, its
 * devices, its RAM (zstd) and the images a reset loads again; its restore
 * checks every value of the file. */
int vvm_save(vvm *m, FILE *f, char *err, size_t errlen);
int vvm_restore(vvm *m, FILE *f, char *err, size_t errlen);

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
