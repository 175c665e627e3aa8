/* embed: runs a riscv64 program inside this C program through libvvm,
 * stopping every million instructions to look at it.
 *
 *   cc -Iinclude examples/embed.c build/libvvm.a -l:libfdt.a -l:libzstd.a -lm -ldl -pthread -o embed
 *   ./embed PROGRAM [ARGS...]
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "vvm/vvm.h"

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: %s PROGRAM [ARGS...]\n", argv[0]);
        return 2;
    }
    char err[512];
    vvm *m = vvm_create("rv64-linux", err, sizeof err);
    if (!m) {
        fprintf(stderr, "embed: %s\n", err);
        return 1;
    }
    if (vvm_load(m, argv[1], argc - 1, argv + 1, NULL, err, sizeof err) < 0) {
        fprintf(stderr, "embed: %s\n", err);
        vvm_destroy(m);
        return 1;
    }
    /* peek at the guest before it starts: argc sits at the stack pointer */
    uint64_t sp = vvm_reg(m, 2), gargc = 0;
    if (vvm_read(m, sp, &gargc, sizeof gargc) < 0 || gargc != (uint64_t)(argc - 1)) {
        fprintf(stderr, "embed: unexpected initial stack\n");
        return 1;
    }
    printf("embed: entry pc=%#" PRIx64 " sp=%#" PRIx64 " argc=%" PRIu64 "\n", vvm_reg(m, VVM_REG_PC), sp, gargc);
    int slices = 0;
    vvm_status st;
    while ((st = vvm_run(m, 1000000)) == VVM_BUDGET)
        slices++;
    if (st != VVM_EXITED) {
        fprintf(stderr, "embed: run failed\n");
        return 1;
    }
    printf("embed: guest exited with %d after %" PRIu64 " instructions (%d budget stops)\n", vvm_exit_status(m),
           vvm_instret(m), slices);
    int status = vvm_exit_status(m);
    vvm_destroy(m);
    return status;
}
