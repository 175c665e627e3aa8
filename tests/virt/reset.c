/* asks for a reset (0x7777): with -no-reboot the run ends, status 0 */
#include "lib.h"

void main(unsigned long hart, void *dtb)
{
    (void)dtb;
    if (hart)
        for (;;)
            ;
    puts_("resetting\n");
    *TEST = 0x7777;
    for (;;)
        ;
}
