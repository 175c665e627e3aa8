/* the devices as a bare-metal program sees them (no CSRs used) */
#include <stdint.h>

#pragma GCC diagnostic ignored "-Wunused-function"

#define UART ((volatile uint8_t *)0x10000000)
#define TEST ((volatile uint32_t *)0x100000)
#define RTC ((volatile uint32_t *)0x101000)
#define MTIME ((volatile uint64_t *)0x200bff8)

static void putc_(char c)
{
    while (!(UART[5] & 0x20))
        ;
    UART[0] = (uint8_t)c;
}
static void puts_(const char *s)
{
    while (*s)
        putc_(*s++);
}
static void putu(uint64_t v)
{
    char b[24];
    int n = 0;
    do
        b[n++] = (char)('0' + v % 10);
    while (v /= 10);
    while (n)
        putc_(b[--n]);
}
static void poweroff(void)
{
    *TEST = 0x5555;
    for (;;)
        ;
}
static void fail(unsigned code)
{
    *TEST = code << 16 | 0x3333;
    for (;;)
        ;
}
