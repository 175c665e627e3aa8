/* echoes what the UART receives, in brackets, until 'q'; then powers off */
#include "lib.h"

void main(unsigned long hart, void *dtb)
{
    (void)dtb;
    if (hart)
        for (;;)
            ;
    puts_("ready\n");
    for (;;) {
        while (!(UART[5] & 1))
            ;
        char c = (char)UART[0];
        if (c == 'q')
            break;
        putc_('[');
        putc_(c);
        putc_(']');
    }
    puts_("\nbye\n");
    poweroff();
}
