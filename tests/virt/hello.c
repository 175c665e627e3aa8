/* every hart prints its line in turn; hart 0 waits for the others through
 * memory, then powers off */
#include "lib.h"

#ifndef NHARTS
#define NHARTS 1
#endif

static volatile unsigned turn;

void main(unsigned long hart, void *dtb)
{
    (void)dtb;
    if (hart >= NHARTS)
        for (;;)
            ;
    while (turn != hart)
        ;
    puts_("hello from hart ");
    putu(hart);
    puts_("\n");
    __atomic_store_n(&turn, hart + 1, __ATOMIC_SEQ_CST);
    if (hart != 0)
        for (;;)
            ;
    while (__atomic_load_n(&turn, __ATOMIC_SEQ_CST) != NHARTS)
        ;
    puts_("all ");
    putu(NHARTS);
    puts_(" harts done\n");
    poweroff();
}
