/* libFuzzer target: one RISC-V instruction run by the generated interpreter
 * and by the runtime RTL evaluator (engine/rtl_eval.c), which must agree on
 * every register, fflags, pc, the exit and memory (tests/engine/rtl_diff.h,
 * the comparison the test tests/engine/rtl_diff runs on random encodings).
 * The input: the instruction word (4 bytes, little-endian; a 16-bit one uses
 * the low half), then the bytes the starting state is drawn from. */
#include <stdint.h>
#include <stdlib.h>

#include "tests/engine/rtl_diff.h"

int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n)
{
    static rd_ctx c;
    static int ready;
    static rd_state st;
    if (!ready) {
        if (rd_init(&c) < 0)
            abort();
        ready = 1;
    }
    if (n < 4)
        return 0;
    uint32_t raw = d[0] | (uint32_t)d[1] << 8 | (uint32_t)d[2] << 16 | (uint32_t)d[3] << 24;
    if ((raw & 3) != 3)
        raw &= 0xffff;
    rd_rng r = {.in = d + 4, .n = n - 4};
    if (rd_check_word(&c, raw, &r, &st) > 0)
        abort();  /* the difference is printed above */
    return 0;
}
