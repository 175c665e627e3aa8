/* Atomics as Go's runtime and C programs use them: fetch-and-add (amoadd.d),
 * fetch-or on a 32-bit word (amoor.w), a compare-and-swap loop (lr.w/sc.w)
 * and an exchange (amoswap.w), 10^7 of each, on one thread. */
#include <stdint.h>
#include <stdio.h>
static long counter;
static uint32_t flags, word, lock;
int main(void)
{
    const long n = 10000000;
    for (long i = 0; i < n; i++)
        __atomic_fetch_add(&counter, i & 3, __ATOMIC_SEQ_CST);
    uint32_t seen = 0;
    for (long i = 0; i < n; i++)
        seen += __atomic_fetch_or(&flags, (uint32_t)1 << (i & 31), __ATOMIC_SEQ_CST) & 1;
    for (long i = 0; i < n; i++) {
        uint32_t old = __atomic_load_n(&word, __ATOMIC_RELAXED);
        while (!__atomic_compare_exchange_n(&word, &old, old * 3 + 1, 0, __ATOMIC_SEQ_CST, __ATOMIC_RELAXED))
            ;
    }
    for (long i = 0; i < n; i++) {
        while (__atomic_exchange_n(&lock, 1, __ATOMIC_ACQUIRE))
            ;
        __atomic_store_n(&lock, 0, __ATOMIC_RELEASE);
    }
    printf("%ld %u %u %u\n", counter, seen, word, lock);
    return 0;
}
