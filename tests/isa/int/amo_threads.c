/* amo_threads: A extension under real concurrency.  4 threads x 100000
 * increments of four shared counters, each by a different means:
 *   - __atomic_fetch_add (amoadd.w / amoadd.d)
 *   - a hand-written lr.w/sc.w retry loop
 *   - a hand-written lr.d/sc.d retry loop
 *   - a plain increment under a spinlock taken with amoswap.w.aq and
 *     released with amoswap.w.rl
 *   - a compare-and-swap loop (__atomic_compare_exchange_n: lr/sc in libgcc
 *     or inline)
 * plus amomax.d from every thread.  The final values are checked exactly.
 * Exit status 0 when all are right; otherwise prints what differed. */
#include <pthread.h>
#include <sched.h>
#include <stdint.h>
#include <stdio.h>

#define NTHREADS 4
#define ITERS 100000

static volatile uint32_t c_amo32;
static volatile uint64_t c_amo64;
static volatile uint32_t c_lrsc32;
static volatile uint64_t c_lrsc64;
static volatile uint64_t c_cas;
static volatile uint64_t c_locked;
static volatile uint32_t lock;
static volatile int64_t c_max = -1000;
static volatile int go;     /* start gate: all threads begin together, so they contend */

static inline void lrsc_inc32(volatile uint32_t *p)
{
    uint32_t tmp, fail;
    __asm__ volatile("1: lr.w %0, (%2)\n"
                     "   addiw %0, %0, 1\n"
                     "   sc.w %1, %0, (%2)\n"
                     "   bnez %1, 1b\n"
                     : "=&r"(tmp), "=&r"(fail)
                     : "r"(p)
                     : "memory");
}

static inline void lrsc_inc64(volatile uint64_t *p)
{
    uint64_t tmp, fail;
    __asm__ volatile("1: lr.d.aq %0, (%2)\n"
                     "   addi %0, %0, 1\n"
                     "   sc.d.rl %1, %0, (%2)\n"
                     "   bnez %1, 1b\n"
                     : "=&r"(tmp), "=&r"(fail)
                     : "r"(p)
                     : "memory");
}

static inline void spin_lock(volatile uint32_t *l)
{
    uint32_t old, one = 1;
    do {
        __asm__ volatile("amoswap.w.aq %0, %1, (%2)" : "=r"(old) : "r"(one), "r"(l) : "memory");
    } while (old);
}

static inline void spin_unlock(volatile uint32_t *l)
{
    uint32_t old;
    __asm__ volatile("amoswap.w.rl %0, zero, (%1)" : "=r"(old) : "r"(l) : "memory");
}

static void *worker(void *arg)
{
    int64_t id = (int64_t)(intptr_t)arg;
    while (!__atomic_load_n(&go, __ATOMIC_ACQUIRE))
        sched_yield();
    for (int i = 0; i < ITERS; i++) {
        __atomic_fetch_add(&c_amo32, 1, __ATOMIC_SEQ_CST);
        __atomic_fetch_add(&c_amo64, 2, __ATOMIC_RELAXED);
        lrsc_inc32(&c_lrsc32);
        lrsc_inc64(&c_lrsc64);
        uint64_t old = __atomic_load_n(&c_cas, __ATOMIC_RELAXED);
        while (!__atomic_compare_exchange_n(&c_cas, &old, old + 3, 1, __ATOMIC_SEQ_CST, __ATOMIC_RELAXED))
            ;
        spin_lock(&lock);
        c_locked = c_locked + 1;
        spin_unlock(&lock);
        int64_t v = id * ITERS + i;
        __asm__ volatile("amomax.d zero, %0, (%1)" : : "r"(v), "r"(&c_max) : "memory");
    }
    return NULL;
}

int main(void)
{
    pthread_t t[NTHREADS];
    for (intptr_t i = 0; i < NTHREADS; i++)
        if (pthread_create(&t[i], NULL, worker, (void *)i)) {
            printf("FAIL amo_threads: pthread_create\n");
            return 1;
        }
    __atomic_store_n(&go, 1, __ATOMIC_RELEASE);
    for (int i = 0; i < NTHREADS; i++)
        pthread_join(t[i], NULL);
    const uint64_t n = (uint64_t)NTHREADS * ITERS;
    int bad = 0;
#define EXPECT(what, got, want)                                                              \
    if ((uint64_t)(got) != (uint64_t)(want)) {                                               \
        printf("FAIL amo_threads: %s = %llu, want %llu\n", what, (unsigned long long)(got), \
               (unsigned long long)(want));                                                  \
        bad = 1;                                                                             \
    }
    EXPECT("amoadd.w counter", c_amo32, n);
    EXPECT("amoadd.d counter", c_amo64, 2 * n);
    EXPECT("lr.w/sc.w counter", c_lrsc32, n);
    EXPECT("lr.d/sc.d counter", c_lrsc64, n);
    EXPECT("cas counter", c_cas, 3 * n);
    EXPECT("spinlocked counter", c_locked, n);
    EXPECT("amomax.d", c_max, (int64_t)n - 1);
    if (!bad)
        printf("amo_threads: ok (%llu increments per counter)\n", (unsigned long long)n);
    return bad;
}
