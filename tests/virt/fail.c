/* the test device's fail code: the exit status is 42 */
#include "lib.h"

void main(unsigned long hart, void *dtb)
{
    (void)dtb;
    if (hart)
        for (;;)
            ;
    puts_("failing with 42\n");
    fail(42);
}
