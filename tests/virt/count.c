/* a deterministic computation on hart 0: a digest of an LCG stream,
 * printed every 2^18 steps, then powered off (tests/virt/snapshot.c stops
 * it on a budget, saves, restores into another machine, and compares) */
#include "lib.h"

static uint64_t table[4096];

void main(unsigned long hart, void *dtb)
{
    (void)dtb;
    if (hart)
        for (;;)
            ;
    uint64_t x = 88172645463325252u, d = 0;
    for (unsigned i = 1; i <= 8u << 18; i++) {
        x = x * 6364136223846793005u + 1442695040888963407u;
        table[x >> 52] += x;
        d = (d ^ table[(x >> 20) & 4095]) * 0x100000001b3u;
        if (!(i & ((1u << 18) - 1))) {
            puts_("step ");
            putu(i);
            puts_(": ");
            putu(d);
            puts_("\n");
        }
    }
    poweroff();
}
