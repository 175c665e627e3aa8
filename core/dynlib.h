/* core/dynlib: a shared library loaded the first time a run needs it
 * (dlopen), its functions resolved into pointers.  For what only some runs
 * use -- libslirp (and the glib it pulls in) for rv64-virt's user
 * networking, libedit for the REPL's line editing, capstone for --trace
 * translate -- so that every other run starts without loading it. */
#ifndef VVM_CORE_DYNLIB_H
#define VVM_CORE_DYNLIB_H

#include <stddef.h>

/* A function to resolve: its name and where its address goes. */
typedef struct vvm_dynsym {
    const char *name;
    void **slot;
} vvm_dynsym;

typedef struct vvm_dynlib {
    const char *soname;         /* what dlopen is given: the library's soname */
    const vvm_dynsym *syms;
    size_t nsyms;
    /* filled in by vvm_dynlib_load */
    int state;                  /* 0 not tried, 1 loaded, -1 failed */
    char why[200];              /* why it failed */
} vvm_dynlib;

/* VVM_DYNSYM(table, f): the entry for function f whose pointer is table.f */
#define VVM_DYNSYM(table, f) {#f, (void **)&(table).f}

/* Loads lib once (later calls give the first outcome; callers from
 * several threads are serialised): 0, or -1 with lib->why saying why
 * ("SONAME: the loader's message" or "SONAME lacks NAME"). */
int vvm_dynlib_load(vvm_dynlib *lib);

#endif
