/* budget_edge PROGRAM (tests/engine/budget_edge.S): a run with a budget of
 * 2 stops on the budget with 2 retired, though the next block cannot be
 * decoded; the run after it meets the illegal instruction (SIGILL: 132).
 * Prints "ok" or what differed. */
#include <inttypes.h>
#include <stdio.h>

#include "vvm/vvm.h"

int main(int argc, char **argv)
{
    char err[512];
    if (argc != 2)
        return 2;
    vvm *m = vvm_create("rv64-linux", err, sizeof err);
    if (!m || vvm_load(m, argv[1], 1, argv + 1, NULL, err, sizeof err) < 0) {
        fprintf(stderr, "budget_edge: %s\n", err);
        return 2;
    }
    uint64_t before = vvm_instret(m);
    vvm_status st = vvm_run(m, 2);
    uint64_t ran = vvm_instret(m) - before;
    if (st != VVM_BUDGET || ran != 2) {
        printf("first run: status %d after %" PRIu64 " instructions (want the budget, after 2)\n", (int)st, ran);
        return 1;
    }
    st = vvm_run(m, -1);
    if (st != VVM_EXITED || vvm_exit_status(m) != 132) {
        printf("second run: status %d, exit status %d (want exited, 132)\n", (int)st, vvm_exit_status(m));
        return 1;
    }
    vvm_destroy(m);
    printf("ok\n");
    return 0;
}
