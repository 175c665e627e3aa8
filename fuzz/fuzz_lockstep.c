/* libFuzzer target: one random instruction sequence run by the interpreter
 * and by the translation tier in lockstep, compared after every budget step
 * (tests/jit/lockstep.h, the comparison the test tests/jit/lockstep runs on
 * seeded sequences).  The input is the generator's choices: the sequence's
 * length and ops, their encodings, the starting state and the budgets, 8
 * bytes per choice, zeros past the end. */
#include <stdint.h>
#include <stdlib.h>

#include "tests/jit/lockstep.h"

int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n)
{
    static ls_ctx c;
    static int ready;
    if (!ready) {
        if (ls_init(&c) < 0)
            abort();
        ready = 1;
    }
    rd_rng r = {.in = d, .n = n};
    if (ls_check(&c, &r) != 0)
        abort();  /* the difference (or the generator's bug) is printed above */
    return 0;
}
