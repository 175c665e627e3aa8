/* machines/virt: a gdb stub (GDB's remote serial protocol over TCP), as
 * qemu-system's -s / -S / -gdb tcp::PORT give one.
 *
 * One debugger at a time.  The machine's harts are one thread to gdb
 * (hart 0's registers: x0-x31 and pc, the target description
 * org.gnu.gdb.riscv.cpu); they stop and go together.  Memory is read and
 * written at virtual addresses, translated by hart 0's current context
 * (its satp and privilege; Bare in M mode).  Software breakpoints (Z0) are
 * at virtual addresses, mapped yet or not, as qemu's: memory stays as it
 * is, and the code the harts decode has an ebreak where one is
 * (virt_gdb_patch_fetch, the fetch hook of engine/mmu.h); a hart stops at
 * it instead of taking the guest's trap.  Single steps run hart 0 for one
 * instruction.  The stub runs on a thread of its own and reaches the
 * machine only through virt_gdb_target.
 */
#ifndef VVM_MACHINES_VIRT_GDBSTUB_H
#define VVM_MACHINES_VIRT_GDBSTUB_H

#include <stddef.h>
#include <stdint.h>

#define VIRT_GDB_NREGS 33   /* x0-x31, pc */

typedef struct virt_gdb_target {
    void *ctx;
    /* Stops the harts: 0 once they are stopped, -1 if the machine ended
     * (*status its exit status). */
    int (*stop)(void *ctx, int *status);
    /* Lets them go (step: hart 0 for one instruction, the others staying
     * stopped), then waits until they stop again or *interrupt (the
     * debugger's Ctrl-C, polled) says to stop them: returns the signal to
     * report (5, SIGTRAP: a breakpoint or the step; 2, SIGINT: stopped on
     * request), or -1 when the machine ended (*status). */
    int (*resume)(void *ctx, int step, int (*interrupt)(void *arg), void *arg, int *status);
    void (*get_regs)(void *ctx, uint64_t r[VIRT_GDB_NREGS]);
    void (*set_reg)(void *ctx, unsigned n, uint64_t v);
    /* n bytes at virtual address va: 0, or -1 (not mapped, not RAM) */
    int (*read_mem)(void *ctx, uint64_t va, void *buf, size_t n);
    int (*write_mem)(void *ctx, uint64_t va, const void *buf, size_t n);
    /* ends the machine (gdb's kill) */
    void (*kill)(void *ctx);
    /* the debugger detached or went: the harts go on */
    void (*detach)(void *ctx);
    /* breakpoints were set or cleared: code decoded before goes */
    void (*breaks_changed)(void *ctx);
} virt_gdb_target;

typedef struct virt_gdb virt_gdb;

/* Listens on spec ("tcp::PORT", "tcp:HOST:PORT", or a bare PORT; the host
 * defaults to 127.0.0.1).  NULL with a message in err. */
virt_gdb *virt_gdb_listen(const char *spec, char *err, size_t errlen);
/* Serves debuggers on t from a thread of its own until virt_gdb_close. */
int virt_gdb_start(virt_gdb *g, const virt_gdb_target *t, char *err, size_t errlen);
/* Is there a breakpoint at pc (what a hart asks at an ebreak: g is a
 * virt_gdb, the signature rv_priv.debug_break's)? */
int virt_gdb_break_at(void *g, uint64_t pc);
/* The fetch hook (eng_phys_fetch_hook; g a virt_gdb): an ebreak of the
 * breakpoint's size (2: c.ebreak, 4: ebreak) where a breakpoint is. */
void virt_gdb_patch_fetch(void *g, uint64_t a, uint8_t *buf, unsigned n);
/* Serves one debugger already connected on fd (what the stub's thread
 * does for each connection; the fuzz target's way in): 1 when the machine
 * ended or was killed, 0 when the debugger detached or went. */
int virt_gdb_session(const virt_gdb_target *t, int fd);
/* Stops serving (a debugger connected is told nothing more) and frees g. */
void virt_gdb_close(virt_gdb *g);

#endif
