/* the goldfish RTC moves and says a time after 2020; so does mtime */
#include "lib.h"

static uint64_t rtc_ns(void)
{
    uint32_t lo = RTC[0];       /* latches the high half */
    return (uint64_t)RTC[1] << 32 | lo;
}

void main(unsigned long hart, void *dtb)
{
    (void)dtb;
    if (hart)
        for (;;)
            ;
    uint64_t t0 = rtc_ns();
    if (t0 < UINT64_C(1577836800) * 1000000000) {
        puts_("rtc before 2020\n");
        fail(5);
    }
    uint64_t m0 = *MTIME;
    uint64_t t1;
    unsigned long spins = 0;
    while ((t1 = rtc_ns()) == t0)
        if (++spins > 100000000)
            fail(6);
    while (*MTIME == m0)
        if (++spins > 200000000)
            fail(7);
    puts_("rtc moves\n");
    puts_("mtime moves\n");
    poweroff();
}
