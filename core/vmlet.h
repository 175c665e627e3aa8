/* vmlet: the registry of VMlets, the loadable parts a vvm is built from.
 *
 * A machine (rv64-linux, later wasm, the meta level...) is a VMlet that says
 * which files it runs (probe) and carries its machine class (core/machine.h),
 * through which everything reaches it.  The built-in machines register
 * through the same call a loaded VMlet uses, so `vvm run FILE` picks the
 * machine by asking each registered VMlet about the file's first bytes. */
#ifndef VVM_VMLET_H
#define VVM_VMLET_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define VVM_ABI_VERSION 2

typedef struct vvm_machine_class vvm_machine_class;

/* What `vvm run` was told, for any machine. */
typedef struct vvm_run_opts {
    const char *sysroot;        /* -L/--sysroot */
    const char *argv0;          /* -0 */
    int strace;                 /* --strace */
    const char *trace;          /* --trace WHAT */
    const char *engine;         /* --engine interp|jit|auto (NULL: $VVM_ENGINE, else interp) */
    size_t jit_cache_size;      /* --jit-cache-size: code cache bytes per thread (0: the default) */
    char **envp;                /* environment for the guest (after -E/-U) */
    FILE *log;
    const char *rlimits;        /* --rlimits (rv64-linux: the guest's own limits across its execve) */
    int embedded;               /* the guest ends only its machine, never the host program (vvm.h) */
    int perfmap;                /* --perfmap: translated blocks named in /tmp/perf-PID.map */
    char *const *loads;         /* --load FILE.vml ...: NULL-terminated, absolute paths (NULL: none) */
} vvm_run_opts;

typedef struct vvm_vmlet {
    int abi;                    /* VVM_ABI_VERSION it was built for */
    const char *name;
    const char *doc;
    /* >0 if this VMlet runs the file whose first n bytes are head */
    int (*probe)(const uint8_t *head, size_t n, const char *path);
    /* the machines it makes (core/machine.h) */
    const vvm_machine_class *cls;
} vvm_vmlet;

int vvm_vmlet_register(const vvm_vmlet *v);
const vvm_vmlet *vvm_vmlet_find(const char *name);
/* The VMlet for a file, or NULL with a message in err. */
const vvm_vmlet *vvm_vmlet_for_file(const char *path, char *err, size_t errlen);
/* Visits every registered VMlet. */
void vvm_vmlet_each(void (*fn)(const vvm_vmlet *v, void *arg), void *arg);
/* Registers the machines built into this vvm (once). */
void vvm_builtin_vmlets(void);

#endif
