/* A small C program for the disassembler comparison (tests/disasm): linked
 * statically, so the listing also covers the libc code it pulls in. */
#include <math.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static atomic_long counter;

/* bit manipulation: Zba/Zbb/Zbs instructions when built for them */
__attribute__((noinline)) static unsigned long bits(unsigned long x, unsigned y, long *v, unsigned i)
{
    unsigned long r = (unsigned long)__builtin_popcountl(x) + (unsigned long)__builtin_clzl(x | 1) + (unsigned long)__builtin_ctzl(x | 256);
    r += __builtin_bswap64(x) ^ ((x << 13) | (x >> 51)) ^ (x & ~(unsigned long)y);
    r += (unsigned long)v[i] + (unsigned long)v[i + 2] * 3 + (x | (1ul << (y & 63))) + ((x >> (y & 63)) & 1);
    r += (unsigned long)(long)(signed char)y + (unsigned short)x + (long)x < (long)y ? x : y;
    return r + (unsigned long)y + (x > y ? x : y) + (unsigned long)(unsigned)(x + y);
}

static int cmp(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

int main(int argc, char **argv)
{
    double v[16];
    for (int i = 0; i < 16; i++)
        v[i] = sin(i * 0.7) * (argc + 1) + (float)i / 3.0f;
    qsort(v, 16, sizeof v[0], cmp);
    long w[8] = {1, 2, 3, 4, 5, 6, 7, 8};
    atomic_fetch_add(&counter, (long)v[3] + (long)bits((unsigned long)argc * 0x9e3779b97f4a7c15ul, (unsigned)argc, w, (unsigned)argc & 3));
    char buf[64];
    snprintf(buf, sizeof buf, "%.3f %ld %zu", v[0], atomic_load(&counter), strlen(argv[0]));
    puts(buf);
    return (int)lrint(v[15]) & 1;
}
