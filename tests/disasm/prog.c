/* A small C program for the disassembler comparison (tests/disasm): linked
 * statically, so the listing also covers the libc code it pulls in. */
#include <math.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static atomic_long counter;

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
    atomic_fetch_add(&counter, (long)v[3]);
    char buf[64];
    snprintf(buf, sizeof buf, "%.3f %ld %zu", v[0], atomic_load(&counter), strlen(argv[0]));
    puts(buf);
    return (int)lrint(v[15]) & 1;
}
