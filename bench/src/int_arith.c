/* Integer arithmetic: a linear congruential mix with multiply, divide, shifts. */
#include <stdint.h>
#include <stdio.h>
int main(void)
{
    uint64_t x = 88172645463325252ULL, acc = 0;
    for (long i = 0; i < 150000000; i++) {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        acc += (x % 1000003) * 7 + (x >> 11) / 3;
    }
    printf("%llu\n", (unsigned long long)acc);
    return 0;
}
