/* Partial invalidation: a small function g in its own page is rewritten
 * 2000 times (made visible by riscv_flush_icache over its bytes, or found
 * by a plain store) while a hot loop elsewhere runs between the rewrites.
 * It is reached through f, in the page before, which jumps to it directly:
 * f's translation survives each rewrite, and its jump, linked to g's code,
 * must be unlinked when g's goes.  Only g's blocks go each time: the
 * tier translates about one block per rewrite (the suite counts them with
 * VVM_JIT_STATS). */
#include <stdint.h>
#include <stdio.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

typedef long (*fn)(void);

/* li a0,v; ret */
static void put(uint32_t *p, long v)
{
    p[0] = 0x00000513u | ((uint32_t)v << 20);
    p[1] = 0x00008067u;
}

static __attribute__((noinline)) long hot(long n)
{
    long s = 0;
    for (long i = 0; i < n; i++)
        s += (i * 7) ^ (s >> 3);
    return s;
}

int main(void)
{
    uint32_t *f = mmap(0, 8192, PROT_READ | PROT_WRITE | PROT_EXEC, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (f == MAP_FAILED)
        return 2;
    uint32_t *code = f + 1024;   /* g, in the second page */
    f[0] = 0x0000106fu;          /* j .+4096: to g */
    long sum = 0, h = 0;
    for (int i = 0; i < 2000; i++) {
        put(code, i & 1023);
        if (i & 1)
            syscall(259, (long)code, (long)(code + 2), 0L); /* riscv_flush_icache */
        /* else: the store alone, found on the write-protected page */
        sum += ((fn)f)();
        sum += ((fn)f)();        /* f's jump linked to g's translation now */
        h += hot(200);
    }
    printf("%ld %ld\n", sum, h);
    return 0;
}
