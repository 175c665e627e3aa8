/* budget_count SLICE PROGRAM: runs PROGRAM through libvvm in slices of SLICE
 * instructions and checks that the budget counts as rdinstret does: every
 * slice that stops on the budget retires exactly SLICE instructions (traps
 * and system calls inside it included), and at the end vvm_instret is the
 * guest's last rdinstret plus the 3 instructions that read it and exit
 * (tests/engine/counters.S exits with that rdinstret's low byte).  Prints
 * "ok" or what differed on stderr; the guest's output goes to stdout. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>

#include "vvm/vvm.h"

int main(int argc, char **argv)
{
    if (argc != 3) {
        fprintf(stderr, "usage: %s SLICE PROGRAM\n", argv[0]);
        return 2;
    }
    int64_t slice = strtoll(argv[1], NULL, 10);
    char err[512];
    vvm *m = vvm_create("rv64-linux", err, sizeof err);
    if (!m || vvm_load(m, argv[2], 1, argv + 2, NULL, err, sizeof err) < 0) {
        fprintf(stderr, "budget_count: %s\n", err);
        return 2;
    }
    int bad = 0;
    uint64_t before = vvm_instret(m);
    vvm_status st;
    while ((st = vvm_run(m, slice)) == VVM_BUDGET) {
        uint64_t now = vvm_instret(m);
        if (now - before != (uint64_t)slice && !bad++)
            fprintf(stderr, "budget_count: a slice of %" PRId64 " retired %" PRIu64 " (at %" PRIu64 ")\n", slice,
                    now - before, now);
        before = now;
    }
    if (st != VVM_EXITED) {
        fprintf(stderr, "budget_count: run failed\n");
        return 2;
    }
    uint64_t total = vvm_instret(m);
    int status = vvm_exit_status(m);
    if (((total - 3) & 0xff) != (uint64_t)status) {
        fprintf(stderr, "budget_count: %" PRIu64 " instructions, but the guest read %d (mod 256) before its last 3\n",
                total, status);
        bad++;
    }
    vvm_destroy(m);
    fflush(stdout);
    fprintf(stderr, bad ? "budget_count: failed\n" : "ok\n");
    return bad ? 1 : 0;
}
