/* Self-modifying code: code written into an RWX page and run, rewritten after
 * fence.i, then rewritten by a plain store with no fence.i at all. */
#include <stdio.h>
#include <string.h>
#include <stdint.h>
#include <sys/mman.h>
typedef long (*fn)(void);
static void put(uint32_t *p, long v) { p[0] = 0x00000513u | ((uint32_t)v << 20); p[1] = 0x00008067u; } /* li a0,v; ret */
int main(void)
{
    uint32_t *code = mmap(0, 4096, PROT_READ | PROT_WRITE | PROT_EXEC, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    long sum = 0;
    for (int i = 0; i < 1000; i++) {
        put(code, i & 1023);
        __asm__ volatile("fence.i" ::: "memory");
        sum += ((fn)code)();
    }
    /* and without fence.i: a plain store then a call through the same page */
    put(code, 42);
    __asm__ volatile("fence.i" ::: "memory");
    long a = ((fn)code)();
    code[0] = 0x00000513u | (7u << 20);
    long b = ((fn)code)();
    printf("%ld %ld %ld\n", sum, a, b);
    return !(sum == 499500 && a == 42);
}
