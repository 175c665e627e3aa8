/* rv64-linux: the process VM that runs riscv64 Linux programs.  A thin
 * composition: the RISC-V interpreter (isa/riscv) on a guest address space
 * (core/aspace) with the Linux personality (os/linux). */
#include <elf.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/vmlet.h"
#include "machines/machines.h"
#include "os/linux/lx.h"

#define DEFAULT_SYSROOT "/usr/riscv64-linux-gnu"

static int probe(const uint8_t *h, size_t n, const char *path)
{
    (void)path;
    if (n < 4 || memcmp(h, ELFMAG, SELFMAG) != 0)
        return 0;
    if (n < 20)
        return 1;  /* a truncated ELF: let the loader say so */
    unsigned m = h[18] | h[19] << 8;
    return m == EM_RISCV ? 10 : 0;
}

static int run(const char *path, char **argv, const vvm_run_opts *o)
{
    lx_options lo = {0};
    lo.sysroot = o->sysroot;
    if (!lo.sysroot && access(DEFAULT_SYSROOT, F_OK) == 0)
        lo.sysroot = DEFAULT_SYSROOT;
    lo.strace = o->strace;
    lo.trace = o->trace;
    lo.log = o->log ? o->log : stderr;
    lo.argv0 = o->argv0;
    static lx_process proc;
    int rc = lx_process_init(&proc, &lo);
    if (rc < 0) {
        fprintf(stderr, "vvm: cannot reserve the guest address space: %s\n", strerror(-rc));
        return 1;
    }
    if (o->rlimits && lx_rlimit_parse(o->rlimits) < 0) {
        fprintf(stderr, "vvm run: --rlimits wants AS,DATA,STACK limits as CUR:MAX,CUR:MAX,CUR:MAX\n");
        return 2;
    }
    char err[8192];
    char *saved0 = argv[0];
    if (o->argv0)
        argv[0] = (char *)o->argv0;
    rc = lx_load(&proc, path, argv, o->envp, err, sizeof err);
    argv[0] = saved0;
    if (rc < 0) {
        fprintf(stderr, "vvm: %s\n", err);
        return 126;
    }
    if (o->strace && lx_strace_install(&proc) < 0) {
        fprintf(stderr, "vvm: cannot weave --strace advice\n");
        return 1;
    }
    return lx_run(&proc);
}

const vvm_vmlet vvm_rv64_linux = {
    .abi = VVM_ABI_VERSION,
    .name = "rv64-linux",
    .doc = "riscv64 Linux programs (ELF, static or dynamic) on this host: process VM",
    .probe = probe,
    .run = run,
};
