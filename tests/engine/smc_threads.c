/* Self-modifying code across threads: a writer thread rewrites a function
 * (li a0,V; ret) and runs fence.i; the reader, which called the old code
 * until then (so it is decoded, and translated under the jit tier), must
 * run the new code once the writer says it is done, with no fence.i of its
 * own.  Also a code page rewritten in a loop that runs long enough for the
 * auto tier to translate it.  Prints "ROUNDS mismatches" (want 0). */
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/mman.h>

typedef long (*fn)(void);
#define ROUNDS 300

static uint32_t *code;
static volatile int phase, ack;

static void put(uint32_t *p, long v)
{
    p[0] = 0x00000513u | ((uint32_t)v << 20); /* li a0,v */
    p[1] = 0x00008067u;                       /* ret */
}

static void *writer(void *arg)
{
    (void)arg;
    for (int i = 1; i <= ROUNDS; i++) {
        while (__atomic_load_n(&ack, __ATOMIC_ACQUIRE) != i - 1)
            ;
        put(code, i);
        __asm__ volatile("fence.i" ::: "memory");
        __atomic_store_n(&phase, i, __ATOMIC_RELEASE);
    }
    return NULL;
}

int main(void)
{
    code = mmap(0, 4096, PROT_READ | PROT_WRITE | PROT_EXEC, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (code == MAP_FAILED)
        return 2;
    put(code, 0);
    __asm__ volatile("fence.i" ::: "memory");
    long warm = 0;
    for (int i = 0; i < 200; i++)  /* hot: translated by every tier that translates */
        warm += ((fn)code)();
    pthread_t th;
    if (pthread_create(&th, NULL, writer, NULL))
        return 2;
    int bad = 0;
    for (int i = 1; i <= ROUNDS; i++) {
        while (__atomic_load_n(&phase, __ATOMIC_ACQUIRE) != i)
            ;
        long v = 0;
        for (int k = 0; k < 3; k++)
            v += ((fn)code)();
        if (v != 3L * i)
            bad++;
        __atomic_store_n(&ack, i, __ATOMIC_RELEASE);
    }
    pthread_join(th, NULL);
    printf("%d %d\n", ROUNDS, bad + (warm != 0));
    return bad != 0;
}
