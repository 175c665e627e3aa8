/* Branchy control flow: a small bytecode interpreter with a switch, and Collatz. */
#include <stdio.h>
static long collatz(long n) { long s = 0; while (n != 1) { n = (n & 1) ? 3 * n + 1 : n / 2; s++; } return s; }
int main(void)
{
    unsigned char prog[] = {1, 2, 3, 1, 4, 2, 5, 3, 1, 0};
    long r = 0, acc = 1;
    for (int it = 0; it < 10000000; it++)
        for (int pc = 0; prog[pc]; pc++)
            switch (prog[pc]) {
            case 1: acc += it; break;
            case 2: acc ^= acc >> 3; break;
            case 3: acc = acc * 5 + 1; break;
            case 4: if (acc & 4) acc -= 7; else acc += 9; break;
            case 5: acc = (acc << 1) | (acc >> 63 & 1); break;
            }
    for (long n = 1; n < 1000000; n++)
        r += collatz(n);
    printf("%ld %ld\n", acc, r);
    return 0;
}
