/* machine: the machine class, the one way vvm's own front ends (`vvm run`,
 * `vvm disasm`, the embedding API in machines/embed.c) reach a machine.
 *
 * In the spirit of TinyEMU's VirtMachineClass: a class says how to create a
 * machine, load a program into it, run it with an instruction budget, read
 * and write its vCPU registers and guest memory, disassemble its code, save
 * and restore its state, and destroy it.  A VMlet (core/vmlet.h) carries its
 * class.  Every machine is its own object: nothing a class keeps is
 * process-wide, so several machines of one class run side by side, each on
 * its own host thread (what the host kernel itself shares between them, the
 * file descriptor table, the cwd, the umask, the pid, stays shared: see
 * include/vvm/vvm.h).
 *
 * A class may leave any method NULL; the helpers below then refuse with a
 * clear message instead of calling it. */
#ifndef VVM_MACHINE_H
#define VVM_MACHINE_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "include/vvm/vvm.h"

typedef struct vvm_machine_class vvm_machine_class;
typedef struct vvm_run_opts vvm_run_opts;

/* The start of every machine object; the class's own state follows. */
typedef struct vvm_machine {
    const vvm_machine_class *cls;
} vvm_machine;

/* What disassembling one instruction found (see disasm below). */
typedef struct vvm_dis {
    int len;            /* bytes the instruction takes (the bytes shown for it) */
    int valid;          /* 0: those bytes are no instruction (text is empty) */
    int has_target;     /* target is a code address the instruction names */
    uint64_t target;
} vvm_dis;

struct vvm_machine_class {
    const char *name;
    /* A new machine with nothing loaded, or NULL with a message in err. */
    vvm_machine *(*create)(char *err, size_t errlen);
    /* Loads program path with argv (NULL-terminated) and envp (NULL:
     * empty).  Returns 0, or minus the status `vvm run` exits with (126: the
     * program cannot be loaded, 2: bad options, 1: anything else), with a
     * message in err.  Once per machine. */
    int (*load)(vvm_machine *m, const char *path, char *const argv[], char *const envp[], const vvm_run_opts *o,
                char *err, size_t errlen);
    /* Runs the loaded program for at most budget instructions (< 0: until it
     * exits).  VVM_BUDGET after exactly budget, VVM_EXITED once it ended. */
    vvm_status (*run)(vvm_machine *m, int64_t budget);
    /* The exit status as a shell sees it (128+N for signal N), -1 while it runs. */
    int (*exit_status)(const vvm_machine *m);
    /* Instructions the first vCPU retired. */
    uint64_t (*instret)(const vvm_machine *m);

    /* The first vCPU's register file, as the ISA lays it out: nregs
     * registers numbered 0..nregs-1, each at most 64 bits, reg_name(i) the
     * name its assembly language gives register i. */
    int nregs;
    const char *(*reg_name)(int reg);
    int (*reg_read)(const vvm_machine *m, int reg, uint64_t *value);
    int (*reg_write)(vvm_machine *m, int reg, uint64_t value);
    /* Guest memory: 0, or -1 if any byte is outside it. */
    int (*mem_read)(const vvm_machine *m, uint64_t addr, void *buf, size_t n);
    int (*mem_write)(vvm_machine *m, uint64_t addr, const void *buf, size_t n);

    /* Code of this machine in ELF files: their e_machine, the name
     * `objdump -d` gives their format, and the instruction at pc whose
     * bytes start at code (n of them available).  disasm writes the
     * instruction's text into out and returns its length, or 0 when n is
     * too short for any instruction. */
    unsigned elf_machine;
    const char *elf_format;
    int (*disasm)(uint64_t pc, const uint8_t *code, size_t n, char *out, size_t outlen, vvm_dis *info);

    /* The state of a stopped machine (loaded, between runs) to a stream,
     * and back into a machine created and not loaded, with options o as
     * load takes them.  0, or -1 with a message in err saying what is not
     * supported. */
    int (*save)(vvm_machine *m, FILE *f, char *err, size_t errlen);
    int (*restore)(vvm_machine *m, FILE *f, const vvm_run_opts *o, char *err, size_t errlen);

    /* `vvm repl`: an interactive session with a machine of this class
     * (files to load first in argv), if it has one; the exit status. */
    int (*repl)(int argc, char **argv);

    /* `vvm run --machine NAME ARGS...`: a machine with a command line of
     * its own (rv64-virt: qemu-system-riscv64's options) parses ARGS (argc
     * of them, after NAME), with the options given before --machine in o;
     * the exit status.  NULL: ARGS are `vvm run`'s, PROGRAM runs on it. */
    int (*main)(int argc, char **argv, const vvm_run_opts *o);

    /* Stops whatever still runs and frees the machine. */
    void (*destroy)(vvm_machine *m);
};

/* The class of the VMlet named name, or NULL (registers the built-in
 * machines first). */
const vvm_machine_class *vvm_machine_class_find(const char *name);
/* The class whose disasm reads ELF machine em, or NULL. */
const vvm_machine_class *vvm_machine_class_for_elf(unsigned em);

/* The register numbered by name, or -1. */
int vvm_machine_reg_index(const vvm_machine_class *c, const char *name);

/* `vvm run`: create, load, run to the end, destroy; the exit status. */
int vvm_machine_main(const vvm_machine_class *c, const char *path, char **argv, const vvm_run_opts *o);

#endif
